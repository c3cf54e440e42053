"""The dashboard's Content page (trustreach.web._content): best times, hashtags, rising topics
and the draft check of one account, for the roles that read and for a creator's own accounts.

A small synthetic world (8 creators, 120 days) is imported once into ``acme``; the
page's figures are checked against the content services on the same store, not
against fixed numbers. The last test drives the journey in Debian's chromium.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests._browser import Served, Tab, browser, follow, heading, log_in, menu, new_tab, serve
from tests._people import PASSWORD
from tests.test_web import HTTPS, Page, login

from trustreach import services
from trustreach.content import check_manipulation
from trustreach.core import Actor, Role, Settings, reset_settings
from trustreach.services import _content_hashtags, _content_times, _listing
from trustreach.store._tables import audit_log
from trustreach.synth import generate_world
from trustreach.web import create_web_app
from trustreach.web._content import WINDOWS_LISTED, heat_cells

__all__ = ["browser", "new_tab"]  # the shared browser fixtures the journey uses

WS = "acme"
OWN = "cr-0007"  # the creator login's creator (beauty; an Instagram and a TikTok account)
OTHER = "cr-0002"
EXAMPLES = Path(__file__).parents[1] / "examples" / "drafts"
BAIT = "Comment GLOW and I'll send the link! Tag 3 friends who need this."


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The world in ``acme`` with one person per role; the store is served for the browser
    test only when that test asks (``trustreach serve`` on a free port)."""
    root = tmp_path_factory.mktemp("content")
    generate_world(root / "world", seed=5, creators=8, followers_per_creator=20, days=120)
    settings = Settings(data_dir=root / "data")
    services.import_path(root / "world", workspace=WS, settings=settings)
    emails: dict[str, str] = {}
    people = [(r, None) for r in ("admin", "analyst", "approver", "auditor")]
    for role, creator in [*people, ("creator", OWN)]:
        email = f"{role}@{WS}.test"
        services.create_user(
            email, workspace=WS, role=Role(role), password=PASSWORD, creator_id=creator,
            by=services.cli_actor(WS), settings=settings,
        )  # fmt: skip
        emails[role] = email
    yield Served("", settings, emails)


@pytest.fixture(scope="module")
def accounts(served: Served) -> dict[str, list[str]]:
    """``creator_id -> account ids`` of the world."""
    out: dict[str, list[str]] = {}
    for record in _listing.page_creators(workspace=WS, settings=served.settings).items:
        out[record.creator_id] = [a.account_id for a in record.accounts]
    return out


def signed_in(served: Served, role: str) -> TestClient:
    c = TestClient(create_web_app(served.settings), base_url=HTTPS)
    assert login(c, served.emails[role]).status_code == 303
    return c


def text(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def csrf(c: TestClient) -> str:
    return Page(c.get("/content").text).hidden["csrf_token"]


@pytest.mark.parametrize("role", ["admin", "analyst", "approver", "auditor"])
def test_readers_choose_among_every_account_of_the_workspace(
    served: Served, accounts: dict[str, list[str]], role: str
) -> None:
    response = signed_in(served, role).get("/content")
    assert response.status_code == 200 and "<h1>Content</h1>" in response.text
    every = [a for ids in accounts.values() for a in ids]
    assert len(every) > 8
    for account in every:
        assert f'value="{account}"' in response.text
    assert '<a href="/content">Content</a>' in response.text  # in the main menu


def test_a_creator_sees_only_their_own_accounts_and_another_answers_404(
    served: Served, accounts: dict[str, list[str]]
) -> None:
    c = signed_in(served, "creator")
    page = c.get("/content").text
    for creator, ids in accounts.items():
        for account in ids:
            assert (f'value="{account}"' in page) == (creator == OWN), account
    own = accounts[OWN][0]
    assert c.get(f"/content?account={own}").status_code == 200
    other = accounts[OTHER][0]
    refused = c.get(f"/content?account={other}")
    assert refused.status_code == 404 and other not in refused.text
    token = csrf(c)
    for form in ("/content/hashtags", "/content/draft"):
        data = {"csrf_token": token, "account": other, "caption": BAIT, "media_type": "reel"}
        assert c.post(form, data=data).status_code == 404
    assert signed_in(served, "analyst").get("/content?account=nobody").status_code == 404


def test_the_guidance_shows_the_services_evidence_and_the_marker(
    served: Served, accounts: dict[str, list[str]]
) -> None:
    account = accounts[OWN][0]
    response = signed_in(served, "auditor").get(f"/content?account={account}")
    assert response.status_code == 200
    page = text(response)
    actor = Actor("user", "auditor@acme.test", Role.auditor, WS)
    times = _content_times.best_times(
        account, actor=actor, top=WINDOWS_LISTED, settings=served.settings
    )
    assert times.advice.windows, "the account has posts to learn from"
    assert times.advice.statement in page
    first = times.advice.windows[0]
    for piece in (first.local, first.utc, f"{first.lift:+.0%}", first.reason):
        assert piece in page, piece
    assert f"{first.lift_low:+.0%} to {first.lift_high:+.0%}" in page
    # the week's table shades every window by its lift, with its interval and posts in a title
    cells = heat_cells(times.advice.grid, times.advice.windows)
    assert len(cells) >= 167 and page.count('class="num lift-') == len(cells)
    best = cells[(times.advice.grid[first.weekday * 24 + first.start_hour].local_weekday,
                  int(first.local.split()[1][:2]))]  # fmt: skip
    assert best.rank == 1 and page.count(' top"') == len(times.advice.windows)
    label = f"{best.start}, 3 hours: {best.lift:+.0%} ({best.low:+.0%} to {best.high:+.0%})"
    assert label in page and f"{best.own_posts:,} own and {best.peer_posts:,} peers' posts" in page
    tags = _content_hashtags.suggest_hashtags(
        actor=actor, account=account, top=10, settings=served.settings
    )
    assert tags.suggestions
    for s in tags.suggestions:
        assert f"#{s.tag}" in page and s.reason in page
    assert "Rising in this account's niche" in page and "What this cannot tell" in page
    assert page.count('class="machine-generated"') >= 3
    assert "a person decides" in page
    parsed = Page(response.text)
    assert parsed.inline_scripts == 0 and not parsed.script_srcs and parsed.style_attributes == 0
    assert parsed.th_without_scope == 0
    for control in parsed.controls:
        assert control.get("id") in parsed.label_for, control
    assert response.text.count('<div class="table-wrap">') >= 3  # tables scroll inside the page


def test_posts_need_the_sessions_csrf_token(served: Served, accounts: dict[str, list[str]]) -> None:
    c = signed_in(served, "analyst")
    account = accounts[OWN][0]
    for form in ("/content/hashtags", "/content/draft"):
        data = {"account": account, "caption": BAIT, "media_type": "reel"}
        for token in (None, "forged"):
            sent = data if token is None else {**data, "csrf_token": token}
            refused = c.post(form, data=sent)
            assert refused.status_code == 403 and "Form refused" in refused.text


def test_a_draft_with_engagement_bait_shows_the_finding_and_its_interval(
    served: Served, accounts: dict[str, list[str]]
) -> None:
    c = signed_in(served, "creator")
    account = accounts[OWN][0]
    form = {
        "csrf_token": csrf(c),
        "account": account,
        "caption": BAIT,
        "media_type": "reel",
        "planned_at": "2026-12-08T18:00",
        "sponsored": "on",
        "brand": "Dewdrop",
        "category": "beauty",
    }
    response = c.post("/content/draft", data=form)
    assert response.status_code == 200, response.text
    page = text(response)
    findings = check_manipulation(BAIT)
    assert {f.kind for f in findings} == {"engagement_bait"}
    for f in findings:
        assert f.title in page and f"“{f.evidence}”" in page and f.fix in page
    assert "80% interval" in page and "Sponsored draft:" in page
    assert 'data-generated-by="' in response.text and "a person decides what to post" in page
    assert BAIT in page  # the form keeps what was typed
    bad = c.post("/content/draft", data={**form, "media_type": "gif"})
    assert bad.status_code == 422
    assert "'media_type' = 'gif' not allowed; allowed: image" in text(bad)


def test_caption_hashtags_come_from_a_post_and_the_caption_is_not_kept(
    served: Served, accounts: dict[str, list[str]]
) -> None:
    c = signed_in(served, "approver")
    account = accounts[OWN][0]
    caption = "My slow night skincare routine, step by step"
    response = c.post(
        "/content/hashtags", data={"csrf_token": csrf(c), "account": account, "caption": caption}
    )
    assert response.status_code == 200 and response.url.path == "/content/hashtags"
    page = text(response)
    assert 'id="caption-tags-table"' in page
    actor = Actor("user", "approver@acme.test", Role.approver, WS)
    expected = _content_hashtags.suggest_hashtags(
        actor=actor, caption=caption, account=account, top=10, settings=served.settings
    )
    table = page[page.index('id="caption-tags-table"') :]
    for s in expected.suggestions:
        assert f"#{s.tag}" in table and s.reason in table
    assert page.count('class="machine-generated"') >= 1
    with services.open_store(served.settings).connect() as conn:
        rows = conn.execute(
            select(audit_log.c.details).where(audit_log.c.action == "content.hashtags")
        ).all()
    assert rows and all(caption not in json.dumps(r.details) for r in rows)
    empty = c.post(
        "/content/hashtags", data={"csrf_token": csrf(c), "account": account, "caption": " "}
    )
    assert empty.status_code == 422 and "caption must not be empty" in text(empty)


# ------------------------------------------------------------------ the journey in a browser


@pytest.fixture(scope="module")
def running(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("serve"), served.settings, served.emails) as live:
        served.url = live.url
        yield served


@pytest.mark.browser
def test_a_creator_checks_a_draft_in_the_browser(
    running: Served, new_tab: Callable[..., Tab], accounts: dict[str, list[str]]
) -> None:
    tab = new_tab(width=390, height=844)
    page = tab.page
    log_in(tab, running.emails["creator"])
    follow(page, menu(page, "Content"))
    assert heading(page) == "Content"
    page.get_by_label("Account").select_option(accounts[OWN][0])
    follow(page, page.get_by_role("button", name="Show guidance"))
    assert page.get_by_role("heading", name="Best times to post").is_visible()
    assert page.locator("table.content-windows tbody tr").count() >= 1
    assert page.locator("table.content-tags tbody tr").count() >= 1
    # the page itself does not scroll sideways at 390 px: wide tables scroll in their box
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1 && !e.closest('.table-wrap')).map(e => e.tagName + '.' +"
        " e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right))"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wide
    page.locator("#draft-caption").fill(BAIT)
    page.get_by_label("Media type").select_option("reel")
    follow(page, page.get_by_role("button", name="Check the draft"))
    result = page.locator("#draft-result").inner_text()
    for f in check_manipulation(BAIT):
        assert f.title in result and f.evidence in result
    assert "Machine-generated" in result and "80% interval" in result


# ------------------------------------------------------------------ the demo's content step


def test_the_demo_shows_two_creators_and_the_example_drafts_findings(
    served: Served,
    accounts: dict[str, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``trustreach demo``'s content step on this world, with a draft like examples/drafts/."""
    from trustreach.cli._app import console
    from trustreach.cli._demo_content import demo_content

    monkeypatch.setattr(console, "_width", 200)
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(served.settings.data_dir))
    reset_settings()
    example = json.loads((EXAMPLES / "skincare-reel.json").read_text(encoding="utf-8"))
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    draft = {**example, "account": accounts[OWN][0], "caption": BAIT}
    (drafts / "draft.json").write_text(json.dumps(draft), encoding="utf-8")
    capsys.readouterr()
    demo_content(drafts, WS)
    out = " ".join(capsys.readouterr().out.split())
    assert out.count("Content guidance for") == 2 and f"({accounts[OWN][0]})" in out
    assert out.count("best time") >= 2 and "90% interval" in out
    assert "hashtags" in out and "rising" in out
    assert "Draft check of" in out and "80% interval" in out
    for f in check_manipulation(BAIT):
        assert f"{f.title}: “{f.evidence}”" in out
    assert "Machine-generated by trustreach" in out and "a person decides" in out
