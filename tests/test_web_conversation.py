"""The dashboard's Conversation page (trustreach.web._conversation): the summary of a campaign's
or a creator's comments as the service computes it, for the roles that read, in one workspace.

The comments of the tiny world are labelled by the shipped models
(``services.analyze_comments``); the page's figures are checked against
``services.conversation_summary`` on the same store, not against fixed numbers.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests._people import seed_two_tenants
from tests._world import write_records
from tests.conftest import store_settings_for
from tests.test_web import HTTPS, Page, World, login

from trustreach import services
from trustreach.web import create_web_app
from trustreach.web._views import percent


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Workspaces ``acme`` (comments labelled; creator c9 without posts) and ``beta``."""
    tmp_path: Path = tmp_path_factory.mktemp(f"conversation-{request.param}")
    settings = store_settings_for(request.param, tmp_path)
    found = World(settings)
    found.emails.update(seed_two_tenants(tmp_path, settings))
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    write_records(quiet / "creators.jsonl", [{"creator_id": "c9", "display_name": "Quiet Quinn"}])
    services.import_path(quiet, workspace="acme", settings=settings)
    services.analyze_comments(workspace="acme", tier="fast", safety="fast", settings=settings)
    return found


def signed_in(world: World, who: str) -> TestClient:
    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    assert login(c, world.emails[who]).status_code == 303
    return c


def text(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["admin", "analyst", "approver", "auditor"])
def test_the_reading_roles_open_the_page(world: World, role: str) -> None:
    response = signed_in(world, f"acme/{role}").get("/conversation")
    assert response.status_code == 200
    assert "<h1>Conversation</h1>" in response.text


def test_a_creator_may_not_open_it(world: World) -> None:
    c = signed_in(world, "acme/creator")
    assert c.get("/conversation").status_code == 403
    assert c.get("/conversation?scope=creator&id=c1").status_code == 403


def test_the_lists_offer_the_workspaces_campaigns_and_creators_only(world: World) -> None:
    page = signed_in(world, "acme/analyst").get("/conversation").text
    parsed = Page(page)
    assert 'value="cmp1"' in page and "Glow Week" in page
    assert 'value="c1"' in page and 'value="c2"' in page and 'value="c9"' in page
    assert 'value="b7"' not in page and "Bea Travels" not in page
    for control in parsed.controls:
        assert control.get("id") in parsed.label_for, control
    assert parsed.th_without_scope == 0 and parsed.inline_scripts == 0


@pytest.mark.parametrize(("scope", "scope_id"), [("campaign", "cmp1"), ("creator", "c1")])
def test_the_summary_shows_the_services_figures(world: World, scope: str, scope_id: str) -> None:
    summary = services.conversation_summary(
        scope, scope_id, workspace="acme", settings=world.settings
    )
    assert summary.comments > 0, "the tiny world has comments on p1 (c1, cmp1)"
    response = signed_in(world, "acme/auditor").get(f"/conversation?scope={scope}&id={scope_id}")
    assert response.status_code == 200
    page = text(response)
    assert f"{summary.comments:,} comments, {summary.scored:,} scored." in page
    for name, share in [*summary.sentiment.items(), ("hate", summary.hate)]:
        row = (
            f'<th scope="row">{name}</th><td class="num">{percent(share.share, 1)}</td>'
            f"<td>{percent(share.low, 1)} to {percent(share.high, 1)}</td>"
        )
        assert row in page, name
    for note in summary.notes:
        assert note in page
    assert "comments themselves are not shown" in page


def test_a_creator_whose_comments_are_not_analysed_gets_a_plain_message(world: World) -> None:
    page = text(signed_in(world, "acme/analyst").get("/conversation?scope=creator&id=c2"))
    assert "No comment on this creator's posts has been analysed yet" in page


def test_a_creator_without_posts_gets_a_plain_message(world: World) -> None:
    response = signed_in(world, "acme/analyst").get("/conversation?scope=creator&id=c9")
    assert response.status_code == 200
    assert "This creator has no posts in the workspace yet" in text(response)


@pytest.mark.parametrize(
    "query",
    ["scope=creator&id=b7", "scope=creator&id=nobody", "scope=campaign&id=c1"],
)
def test_another_workspaces_or_an_unknown_id_is_not_found(world: World, query: str) -> None:
    response = signed_in(world, "acme/analyst").get(f"/conversation?{query}")
    assert response.status_code == 404
    assert "Bea Travels" not in response.text


def test_a_bad_scope_names_the_allowed_values(world: World) -> None:
    c = signed_in(world, "acme/analyst")
    response = c.get("/conversation?scope=post&id=p1")
    assert response.status_code == 400
    assert "scope 'post' not allowed; allowed: campaign, creator" in text(response)
    missing = c.get("/conversation?scope=campaign")
    assert missing.status_code == 400 and "id is required" in text(missing)


def test_beta_sees_its_own_creator_without_posts(world: World) -> None:
    response = signed_in(world, "beta/analyst").get("/conversation?scope=creator&id=b7")
    assert response.status_code == 200
    assert "This creator has no posts" in text(response)
    assert signed_in(world, "beta/analyst").get(
        "/conversation?scope=creator&id=c1"
    ).status_code == (404)
