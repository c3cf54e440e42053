"""The dashboard's discovery, shortlist and dispute pages (trustreach.web._discovery, _disputes).

Driven through FastAPI's TestClient on a real store (SQLite and PostgreSQL)
seeded by tests/_journeys.py: workspace ``acme`` with creators to rank and two
held for review (c1: low Audience Quality; c3: a follower spike raised by her
audit), and workspace ``beta`` with people of its own. Every decision and
dispute is checked in the store and the audit log, under the signed-in
person's name.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests._journeys import JOURNEY_BRIEF, seed_journeys
from tests._people import PASSWORD
from tests.conftest import store_settings_for
from tests.test_web import Page

from trustreach import services
from trustreach.core import Role, Settings
from trustreach.discovery import parse_brief
from trustreach.web import create_web_app

HTTPS = "https://testserver"


@dataclass
class World:
    settings: Settings
    emails: dict[str, str] = field(default_factory=dict)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp_path = tmp_path_factory.mktemp(f"web-discovery-{request.param}")
    settings = store_settings_for(request.param, tmp_path)
    found = World(settings, seed_journeys(tmp_path, settings))
    services.create_user(  # beta gets an approver too, to try deciding on acme's ids
        "approver@beta.test",
        workspace="beta",
        role=Role.approver,
        password=PASSWORD,
        by=services.cli_actor("beta"),
        settings=settings,
    )
    found.emails["beta/approver"] = "approver@beta.test"
    return found


def signed_in(world: World, who: str) -> TestClient:
    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    form = Page(c.get("/login").text).hidden
    response = c.post(
        "/login",
        data={"email": world.emails[who], "password": PASSWORD, "csrf_token": form["csrf_token"]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return c


def csrf(c: TestClient, page: str = "/") -> str:
    return Page(c.get(page).text).hidden["csrf_token"]


def brief_form(**changes: str | list[str]) -> dict[str, Any]:
    """The journey brief as the form sends it."""
    form: dict[str, Any] = {
        "brief_id": JOURNEY_BRIEF["brief_id"],
        "brand": JOURNEY_BRIEF["brand"],
        "objective": "awareness",
        "platforms": ["instagram"],
        "topics": "skincare routine",
        "category": "beauty",
        "budget_amount": "10000",
        "budget_currency": "USD",
        "content_language": "en",
        "top_n": "5",
    }
    form.update(changes)
    return form


def propose(world: World) -> str:
    """A shortlist of the journey brief in ``acme``, proposed through the services."""
    found = services.discover(
        parse_brief(JOURNEY_BRIEF),
        created_by="user:analyst@acme.test",
        workspace="acme",
        settings=world.settings,
    )
    assert found.shortlist_id is not None
    return found.shortlist_id


def audit_actions(world: World, workspace: str = "acme") -> list[tuple[str, str, str | None]]:
    return [
        (e.actor, e.action, e.subject)
        for e in services.list_audit(workspace=workspace, limit=1000, settings=world.settings)
    ]


# -- roles ---------------------------------------------------------------------------------

PAGES = ["/discovery", "/shortlists", "/shortlists/{id}", "/disputes", "/my/disputes"]
EXPECTED = {  # 303: sent to the page that role has (/my/disputes <-> /disputes)
    "admin": [200, 200, 200, 200, 303],
    "analyst": [200, 200, 200, 200, 303],
    "approver": [200, 200, 200, 200, 303],
    "auditor": [200, 200, 200, 200, 303],
    "creator": [403, 403, 403, 303, 200],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_opens_the_pages_it_may(world: World, role: str) -> None:
    shortlist_id = propose(world)
    c = signed_in(world, f"acme/{role}")
    got = [
        c.get(page.format(id=shortlist_id), follow_redirects=False).status_code for page in PAGES
    ]
    assert got == EXPECTED[role]


def test_the_pages_need_a_login(world: World) -> None:
    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    for page in [*PAGES, "/shortlists/nothing"]:
        response = c.get(page, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"


# -- discovery -----------------------------------------------------------------------------


def test_an_analyst_runs_a_brief_and_sees_the_ranking_and_who_is_held(world: World) -> None:
    c = signed_in(world, "acme/analyst")
    page = c.get("/discovery").text
    assert "Write a brief" in page and "Or upload a brief file" in page
    response = c.post(
        "/discovery", data={**brief_form(), "csrf_token": csrf(c)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    shortlist_id = re.fullmatch(r"/shortlists/([^?]+)\?proposed=1", location)
    assert shortlist_id, location
    stored = services.get_shortlist(shortlist_id[1], workspace="acme", settings=world.settings)
    assert stored.created_by == "user:analyst@acme.test"
    assert {e.creator_id for e in stored.entries} == {"c4", "c5"}
    assert (
        "user:analyst@acme.test",
        "shortlist_proposed",
        f"shortlist:{stored.shortlist_id}",
    ) in audit_actions(world)

    shown = c.get(location).text
    assert "stored as this proposed shortlist" in shown
    ranked = [e.display_name for e in sorted(stored.entries, key=lambda e: e.rank or 0)]
    at = [shown.index(f">{name}</a>") for name in ranked]
    assert at == sorted(at)  # in rank order
    for entry in stored.entries:
        assert entry.explanation.replace("'", "&#39;") in shown
    held = shown[shown.index('id="held"') : shown.index('id="fairness"')]
    assert "Held for review: <a" in held and "Ivy Spikes" in held and "Ana Glow" in held
    assert "follower spike (strength 1.00)" in held
    assert "Audience Quality 41.7 is under the brief&#39;s minimum of 50" in held
    assert "Lea Serum" not in held
    assert "no exposure audit by group is possible" in shown  # the fairness audit says why not
    assert "Not audited: no Audience Quality, follower sample or signals" in shown
    for verdict in ("fraudster", "cheat", "liar", "fake creator"):
        assert verdict not in shown.lower()
    assert "Approve" not in shown  # an analyst proposes; approvers decide


def test_a_refused_brief_shows_the_form_again_naming_each_field(world: World) -> None:
    c = signed_in(world, "acme/analyst")
    before = len(services.list_shortlists(workspace="acme", settings=world.settings))
    response = c.post(
        "/discovery",
        data={
            **brief_form(budget_amount="lots", objective="fame", countries="GB, Narnia"),
            "csrf_token": csrf(c),
        },
    )
    assert response.status_code == 422
    text = response.text
    assert "The brief was not run" in text
    assert "objective: &#39;fame&#39; not allowed; allowed: awareness, engagement, conversions" in (
        text
    )
    assert "budget.amount: not a number written in digits (got &#39;lots&#39;)" in text
    assert "audience.countries[1]: must be an ISO 3166-1 alpha-2 country code" in text
    page = Page(text)
    invalid = {str(c.get("id")) for c in page.controls if c.get("aria-invalid") == "true"}
    assert {"objective", "budget_amount", "countries"} <= invalid
    assert 'value="Acme Skin"' in text  # what was typed is kept
    assert len(services.list_shortlists(workspace="acme", settings=world.settings)) == before


def test_a_brief_file_is_read_by_the_safe_reader(world: World) -> None:
    c = signed_in(world, "acme/analyst")
    token = csrf(c)
    lines = "\n".join(
        f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}"
        for k, v in JOURNEY_BRIEF.items()
        if k not in ("platforms", "topics", "budget")
    )
    good = (
        f"{lines}\nplatforms: [instagram]\ntopics: [skincare routine]\n"
        "budget: {amount: 10000, currency: USD}\n"
    )
    ok = c.post(
        "/discovery",
        data={"csrf_token": token},
        files={"brief_file": ("glow.yaml", good.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert ok.status_code == 303, ok.text
    refused = {
        "glow.txt": (good, "(file): extension &#39;.txt&#39; is not supported"),
        "bomb.yaml": ("a: &a [1]\nb: *a\n", "YAML aliases"),
        "big.json": ("[" + "1," * 140_000 + "1]", "larger than the limit of 262,144 bytes"),
        "typo.yaml": (good.replace("brand:", "brnad:"), "did you mean &#39;brand&#39;?"),
    }
    for name, (content, message) in refused.items():
        response = c.post(
            "/discovery",
            data={"csrf_token": token},
            files={"brief_file": (name, content.encode(), "application/octet-stream")},
        )
        assert response.status_code == 422, name
        assert message in response.text, (name, response.text[-2000:])


def test_approvers_and_auditors_may_look_but_not_run_a_brief(world: World) -> None:
    for who in ("acme/approver", "acme/auditor"):
        c = signed_in(world, who)
        page = c.get("/discovery").text
        assert (
            "running a brief is for analysts" in page
            and '<form method="post" action="/discovery"' not in page
        )
        refused = c.post(
            "/discovery", data={**brief_form(), "csrf_token": csrf(c)}, follow_redirects=False
        )
        assert refused.status_code == 403


# -- decisions -----------------------------------------------------------------------------


def test_an_approver_decides_with_a_reason_under_their_own_name(world: World) -> None:
    shortlist_id = propose(world)
    c = signed_in(world, "acme/approver")
    page = c.get(f"/shortlists/{shortlist_id}").text
    assert page.count(">Approve<span") == 2 and page.count(">Reject<span") == 2
    token = Page(page).hidden["csrf_token"]
    url = f"/shortlists/{shortlist_id}/decisions"
    empty = c.post(
        url, data={"csrf_token": token, "creator_id": "c4", "decision": "approved", "reason": " "}
    )
    assert empty.status_code == 422 and "reason must not be empty" in empty.text
    too_long = c.post(
        url,
        data={
            "csrf_token": token,
            "creator_id": "c4",
            "decision": "approved",
            "reason": "x" * 2001,
        },
    )
    assert too_long.status_code == 422 and "at most 2,000 allowed" in too_long.text
    odd = c.post(
        url, data={"csrf_token": token, "creator_id": "c4", "decision": "maybe", "reason": "hm"}
    )
    assert odd.status_code == 422 and "allowed: approved, rejected" in odd.text
    not_listed = c.post(
        url, data={"csrf_token": token, "creator_id": "c3", "decision": "approved", "reason": "x"}
    )
    assert not_listed.status_code == 404  # held for review, not on the ranked list
    assert (
        services.get_shortlist(shortlist_id, workspace="acme", settings=world.settings).decisions
        == ()
    )

    reason = "Audience matches the brief; rate agreed by e-mail"
    done = c.post(
        url,
        data={
            "csrf_token": token,
            "creator_id": "c4",
            "decision": "approved",
            "reason": reason,
            "decided_by": "someone else",  # a name in the form is never used
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/shortlists/{shortlist_id}?decided=c4"
    stored = services.get_shortlist(shortlist_id, workspace="acme", settings=world.settings)
    assert [(d.creator_id, d.decision, d.decided_by, d.reason) for d in stored.decisions] == [
        ("c4", "approved", "user:approver@acme.test", reason)
    ]
    assert ("user:approver@acme.test", "shortlist_approved", "creator:c4") in audit_actions(world)
    shown = c.get(done.headers["location"]).text
    assert "Your decision is recorded: Lea Serum (c4) approved by user:approver@acme.test" in shown
    assert "by user:approver@acme.test on " in shown and reason in shown
    log = signed_in(world, "acme/auditor").get("/audit-log?limit=500").text
    row = re.search(r"<tr>(?:(?!</tr>).)*shortlist_approved(?:(?!</tr>).)*</tr>", log, re.S)
    assert row and "user:approver@acme.test" in row[0] and "creator:c4" in row[0]


@pytest.mark.parametrize("who", ["acme/analyst", "acme/auditor", "acme/creator"])
def test_only_approvers_may_decide(world: World, who: str) -> None:
    shortlist_id = propose(world)
    c = signed_in(world, who)
    if who != "acme/creator":
        assert "Approve" not in c.get(f"/shortlists/{shortlist_id}").text
    token = csrf(c, "/my/disputes" if who == "acme/creator" else "/")
    refused = c.post(
        f"/shortlists/{shortlist_id}/decisions",
        data={"csrf_token": token, "creator_id": "c4", "decision": "approved", "reason": "ok"},
    )
    assert refused.status_code == 403
    assert (
        services.get_shortlist(shortlist_id, workspace="acme", settings=world.settings).decisions
        == ()
    )


# -- disputes ------------------------------------------------------------------------------


def test_a_creator_files_and_follows_their_own_dispute(world: World) -> None:
    c = signed_in(world, "acme/creator")
    own = c.get("/creators/c1").text
    assert 'href="/my/disputes#file"' in own
    page = c.get("/my/disputes")
    assert page.status_code == 200 and "File a dispute" in page.text
    token = Page(page.text).hidden["csrf_token"]
    assert c.post("/my/disputes", data={"csrf_token": token, "reason": "  "}).status_code == 422
    long = c.post("/my/disputes", data={"csrf_token": token, "reason": "y" * 2001})
    assert long.status_code == 422 and "at most 2,000 allowed" in long.text
    reason = "The follower spike in October was a TV appearance, not bought followers."
    filed = c.post(
        "/my/disputes",
        data={"csrf_token": token, "reason": reason, "creator_id": "c2"},  # ignored
        follow_redirects=False,
    )
    assert filed.status_code == 303
    dispute_id = int(filed.headers["location"].rsplit("=", 1)[1])
    stored = next(
        d
        for d in services.list_disputes(workspace="acme", status=None, settings=world.settings)
        if d.dispute_id == dispute_id
    )
    assert (stored.creator_id, stored.filed_by, stored.reason, stored.status) == (
        "c1",
        "user:creator@acme.test",
        reason,
        "open",
    )
    mine = c.get(filed.headers["location"]).text
    assert f"Your dispute #{dispute_id} is filed" in mine and reason in mine

    approver = signed_in(world, "acme/approver")
    queue = approver.get("/disputes").text
    assert f"Dispute #{dispute_id}" in queue and reason in queue
    assert (
        c.post(  # a creator never resolves
            f"/disputes/{dispute_id}/resolve",
            data={"csrf_token": token, "decision": "upheld", "note": "mine"},
        ).status_code
        == 403
    )
    note = "The rise matches the broadcast date; the spike signal is set aside."
    resolved = approver.post(
        f"/disputes/{dispute_id}/resolve",
        data={"csrf_token": csrf(approver), "decision": "upheld", "note": note},
        follow_redirects=False,
    )
    assert resolved.status_code == 303
    assert ("user:approver@acme.test", "dispute_resolved", "creator:c1") in audit_actions(world)
    again = approver.post(
        f"/disputes/{dispute_id}/resolve",
        data={"csrf_token": csrf(approver), "decision": "rejected", "note": "no"},
    )
    assert again.status_code == 422 and "already upheld" in again.text
    followed = c.get("/my/disputes").text
    assert "upheld" in followed and note in followed and "user:approver@acme.test" in followed
    everything = signed_in(world, "acme/auditor").get("/disputes?status=all").text
    assert note in everything and "Uphold" not in everything  # auditors read only
    analyst = signed_in(world, "acme/analyst")
    assert "Uphold" not in analyst.get("/disputes").text
    filed_again = services.file_dispute(
        "c1", "another look", filed_by="user:creator@acme.test", workspace="acme",
        settings=world.settings,
    )  # fmt: skip
    refused = analyst.post(
        f"/disputes/{filed_again.dispute_id}/resolve",
        data={"csrf_token": csrf(analyst), "decision": "rejected", "note": "not mine to decide"},
    )
    assert refused.status_code == 403


def test_the_queue_refuses_an_unknown_status(world: World) -> None:
    c = signed_in(world, "acme/approver")
    response = c.get("/disputes?status=closed")
    assert response.status_code == 400
    assert "status &#39;closed&#39; not allowed; allowed: open, upheld, rejected, all" in (
        response.text
    )


# -- CSRF and tenants ------------------------------------------------------------------------


def test_every_form_refuses_a_post_without_the_session_token(world: World) -> None:
    shortlist_id = propose(world)
    dispute = services.file_dispute(
        "c1", "seeded for the CSRF test", filed_by="user:creator@acme.test",
        workspace="acme", settings=world.settings,
    )  # fmt: skip
    before = (
        len(services.list_shortlists(workspace="acme", settings=world.settings)),
        len(services.list_disputes(workspace="acme", status=None, settings=world.settings)),
        len(audit_actions(world)),
    )
    admin = signed_in(world, "acme/admin")
    creator = signed_in(world, "acme/creator")
    posts = [
        (admin, "/discovery", brief_form()),
        (
            admin,
            f"/shortlists/{shortlist_id}/decisions",
            {"creator_id": "c4", "decision": "approved", "reason": "ok"},
        ),
        (admin, f"/disputes/{dispute.dispute_id}/resolve", {"decision": "upheld", "note": "ok"}),
        (creator, "/my/disputes", {"reason": "forged"}),
    ]
    for c, url, data in posts:
        for token in (None, "x" * 43):
            sent = data if token is None else {**data, "csrf_token": token}
            response = c.post(url, data=sent, follow_redirects=False)
            assert response.status_code == 403, url
            assert "Form refused" in response.text
    after = (
        len(services.list_shortlists(workspace="acme", settings=world.settings)),
        len(services.list_disputes(workspace="acme", status=None, settings=world.settings)),
        len(audit_actions(world)),
    )
    assert after == before


def test_another_workspace_finds_none_of_acmes_shortlists_or_disputes(world: World) -> None:
    shortlist_id = propose(world)
    dispute = services.file_dispute(
        "c1", "acme's own dispute", filed_by="user:creator@acme.test",
        workspace="acme", settings=world.settings,
    )  # fmt: skip
    before = len(audit_actions(world))
    for who in ("beta/analyst", "beta/auditor", "beta/approver"):
        c = signed_in(world, who)
        missing = c.get(f"/shortlists/{shortlist_id}")
        assert missing.status_code == 404 and "Lea Serum" not in missing.text
        assert "There is no such page in your workspace" in missing.text
        listing = c.get("/shortlists").text
        assert shortlist_id not in listing and "No shortlist yet." in listing
        if who != "beta/analyst":
            queue = c.get("/disputes?status=all").text
            assert "acme&#39;s own dispute" not in queue and "Ana Glow" not in queue
    beta = signed_in(world, "beta/approver")
    token = csrf(beta)
    decided = beta.post(
        f"/shortlists/{shortlist_id}/decisions",
        data={"csrf_token": token, "creator_id": "c4", "decision": "approved", "reason": "x"},
    )
    resolved = beta.post(
        f"/disputes/{dispute.dispute_id}/resolve",
        data={"csrf_token": token, "decision": "upheld", "note": "x"},
    )
    assert decided.status_code == resolved.status_code == 404
    assert "Lea Serum" not in decided.text and "Ana Glow" not in resolved.text
    assert (
        services.get_shortlist(shortlist_id, workspace="acme", settings=world.settings).decisions
        == ()
    )
    assert len(audit_actions(world)) == before
    assert not [
        a for a in audit_actions(world, "beta") if a[1].startswith(("shortlist", "dispute"))
    ]
    assert signed_in(world, "acme/creator").get("/creators/b7").status_code == 404


# -- markup --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["acme/admin", "acme/creator"])
def test_the_new_pages_are_labelled_and_have_no_inline_script(world: World, who: str) -> None:
    shortlist_id = propose(world)
    c = signed_in(world, who)
    urls = (
        ["/my/disputes"]
        if who == "acme/creator"
        else ["/discovery", "/shortlists", f"/shortlists/{shortlist_id}", "/disputes?status=all"]
    )
    for url in urls:
        html = c.get(url).text
        page = Page(html)
        assert page.inline_scripts == 0 and not page.inline_handlers, url
        assert page.style_attributes == 0 and page.style_elements == 0, url
        assert page.th_without_scope == 0, url
        for control in page.controls:
            assert control.get("id") in page.label_for, (url, control)
        headings = [int(h) for h in re.findall(r"<h([1-6])[ >]", html)]
        assert headings[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(headings)), url


def test_the_proposal_keeps_why_each_creator_was_held(world: World) -> None:
    stored = services.get_shortlist(propose(world), workspace="acme", settings=world.settings)
    kept = stored.parameters
    held = {f["creator_id"]: f for f in kept["findings"]["review"]}
    assert set(held) == set(kept["review"]) == {"c1", "c3"}
    assert held["c3"]["numbers"]["signal_follower_spike"] >= 0.5
    assert "follower spike (strength" in held["c3"]["reason"]
    assert set(kept["risk"]) == {e.creator_id for e in stored.entries}
    assert all(r["summary"] == "not audited" for r in kept["risk"].values())
    assert kept["eligible"] == len(stored.entries) and kept["exposure_audit"] == {}


def test_an_older_shortlist_without_reasons_still_names_who_was_held(world: World) -> None:
    old = services.propose_shortlist(
        brief_id="before-reasons",
        campaign_id=None,
        brief_digest="d" * 64,
        entries=[],
        model_versions={},
        parameters={"review": ["c3"], "excluded": []},
        created_by="cli:analyst",
        workspace="acme",
        settings=world.settings,
    )
    page = signed_in(world, "acme/auditor").get(f"/shortlists/{old.shortlist_id}").text
    held = page[page.index('id="held"') : page.index('id="fairness"')]
    assert "Held for review: <a" in held and "Ivy Spikes" not in held  # no name was kept
    assert "c3" in held and "The reason was not kept with this shortlist" in held


def test_a_brief_that_shows_risk_ranks_the_flagged_creator_with_the_signal_on_the_row(
    world: World,
) -> None:
    c = signed_in(world, "acme/analyst")
    form = brief_form(low_quality="show", fraud_signals="show", top_n="10")
    response = c.post("/discovery", data={**form, "csrf_token": csrf(c)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    shown = c.get(response.headers["location"]).text
    row = re.search(r"<tr>(?:(?!</tr>).)*Ivy Spikes(?:(?!</tr>).)*</tr>", shown, re.S)
    assert row, "c3 is ranked when the brief shows risk instead of holding it"
    assert "signals raised: Sudden follower growth (strength 1.00)" in row[0]
    assert "Audience Quality 0 ·" in row[0]
    assert "No creator was held for review." in shown
