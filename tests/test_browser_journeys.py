"""The journeys of issue #13 in a real browser: Debian's chromium driven by Playwright.

A real ``trustreach serve`` answers on a free loopback port, on a store seeded
once for the module by tests/_journeys.py (workspace ``acme``: creators to rank,
c1 and c3 held for review by a brief's default authenticity policy, one person
per role; workspace ``beta``: a creator and people of its own). The fixtures
follow tests/test_browser.py: the system chromium (``TRUSTREACH_CHROMIUM`` or
``chromium`` on the PATH), skipped without it except under CI, and every page
watched for console errors and Content-Security-Policy violations.

- an analyst writes a brief in the form, sees the ranked shortlist, and the
  creator whose audit raised a follower spike held for review with the evidence;
- an approver approves one creator with a reason, and the audit log names the
  approver (``user:EMAIL``) on that decision;
- a creator sees only their own audit, files a dispute, and it reaches the
  approvers' queue;
- a second workspace's people see none of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from tests._browser import (
    Served,
    Tab,
    browser,
    follow,
    heading,
    log_in,
    menu,
    new_tab,
    path,
    serve,
)
from tests._journeys import JOURNEY_BRIEF, seed_journeys

from trustreach import services
from trustreach.core import Settings
from trustreach.discovery import parse_brief

pytestmark = pytest.mark.browser

__all__ = ["browser", "new_tab"]  # the shared fixtures this module uses


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The journeys' store (tests/_journeys.py) served for the module."""
    root = tmp_path_factory.mktemp("journeys")
    settings = Settings(data_dir=root / "data")
    with serve(root, settings, seed_journeys(root, settings)) as served:
        yield served


def propose(served: Served) -> str:
    """A shortlist of the journey brief in ``acme`` (as the analyst's form stores one)."""
    found = services.discover(
        parse_brief(JOURNEY_BRIEF),
        created_by="user:analyst@acme.test",
        workspace="acme",
        settings=served.settings,
    )
    assert found.shortlist_id is not None
    return found.shortlist_id


# ------------------------------------------------------------------ journeys


def test_an_analyst_runs_a_brief_and_sees_a_flagged_creator_held_for_review(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    page = tab.page
    log_in(tab, served.emails["acme/analyst"])
    follow(page, menu(page, "Discovery"))
    assert heading(page) == "Discovery"
    page.get_by_label("Brand").fill("Acme Skin")
    page.get_by_label("Topics", exact=True).fill("skincare routine")
    page.get_by_label("Product category").select_option("beauty")
    page.get_by_label("Budget amount").fill("10000")
    page.get_by_label("Shortlist length").fill("5")
    assert page.get_by_label("instagram").is_checked()
    follow(page, page.get_by_role("button", name="Rank creators", exact=True))

    assert re.fullmatch(r"/shortlists/sl-[\w-]+", path(page)), page.url
    assert heading(page).startswith("Shortlist sl-")
    assert "stored as this proposed shortlist" in page.get_by_role("status").inner_text()
    table = page.get_by_role("table", name="Ranked creators with their score")
    rows = table.get_by_role("row").all_inner_texts()[1:]
    assert len(rows) == 2 and all("Ivy Spikes" not in r for r in rows)  # held, not ranked
    for name in ("Lea Serum", "Noor Routine"):
        assert sum(name in r for r in rows) == 1, rows
    held = page.locator("#held-c3")
    assert held.is_visible()
    text = held.inner_text()
    assert text.startswith("Held for review: Ivy Spikes")
    assert "follower spike (strength 1.00)" in text
    assert "A person should read the audience audit before any placement." in text
    assert page.get_by_role("button", name=re.compile("^Approve")).count() == 0  # analysts propose
    follow(page, held.get_by_role("link", name="Ivy Spikes"))  # the evidence behind it
    assert path(page) == "/creators/c3"
    assert "Sudden follower growth: raised." in page.inner_text("main")


def test_an_approver_approves_with_a_reason_and_the_log_names_them(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    shortlist_id = propose(served)
    tab = new_tab()
    page = tab.page
    log_in(tab, served.emails["acme/approver"])
    follow(page, menu(page, "Shortlists"))
    follow(page, page.get_by_role("link", name=shortlist_id))
    reason = "Audience and topics match the brief; fee agreed"
    page.get_by_label("Reason for your decision on Lea Serum").fill(reason)
    follow(page, page.get_by_role("button", name="Approve Lea Serum"))
    notice = page.get_by_role("status").inner_text()
    assert f"Lea Serum (c4) approved by user:{served.emails['acme/approver']}" in notice
    entry = page.locator("#creator-c4")
    assert f"Approved by user:{served.emails['acme/approver']}" in entry.inner_text()
    assert reason in entry.inner_text()

    auditor = new_tab()
    log_in(auditor, served.emails["acme/auditor"])
    follow(auditor.page, menu(auditor.page, "Audit log"))
    row = auditor.page.get_by_role("row").filter(has_text="shortlist_approved").first
    cells = row.inner_text()
    assert f"user:{served.emails['acme/approver']}" in cells and "creator:c4" in cells


def test_a_creator_sees_only_their_audit_and_files_a_dispute_that_reaches_the_queue(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    tab.allow(r"status of 404")
    page = tab.page
    log_in(tab, served.emails["acme/creator"])
    assert path(page) == "/creators/c1" and heading(page) == "Ana Glow"
    for other in ("/creators/c3", "/creators/b7"):
        response = page.goto(other)
        assert response is not None and response.status == 404
        assert "Ivy Spikes" not in page.content() and "Bea Travels" not in page.content()
    page.goto("/creators/c1")
    follow(page, page.get_by_role("link", name="File a dispute"))
    assert path(page) == "/my/disputes" and heading(page) == "My disputes"
    reason = "Most of my sampled followers are real people from my running club."
    page.get_by_label("What looks wrong, and why").fill(reason)
    follow(page, page.get_by_role("button", name="File the dispute"))
    assert "is filed" in page.get_by_role("status").inner_text()
    mine = page.locator("article").first.inner_text()
    assert reason in mine and "open" in mine

    approver = new_tab()
    log_in(approver, served.emails["acme/approver"])
    follow(approver.page, menu(approver.page, "Disputes"))
    queue = approver.page.get_by_role("article").filter(has_text=reason)
    assert queue.count() == 1
    assert f"user:{served.emails['acme/creator']}" in queue.inner_text()
    assert queue.get_by_role("button", name=re.compile("^Uphold")).is_visible()


def test_a_second_workspace_sees_none_of_it(new_tab: Callable[..., Tab], served: Served) -> None:
    shortlist_id = propose(served)
    services.file_dispute(
        "c1",
        "acme's dispute",
        filed_by=f"user:{served.emails['acme/creator']}",
        workspace="acme",
        settings=served.settings,
    )
    tab = new_tab()
    tab.allow(r"status of 404")
    page = tab.page
    log_in(tab, served.emails["beta/auditor"])
    follow(page, menu(page, "Shortlists"))
    assert "No shortlist yet." in page.inner_text("main")
    response = page.goto(f"/shortlists/{shortlist_id}")
    assert response is not None and response.status == 404
    assert heading(page) == "Not found" and "Lea Serum" not in page.content()
    page.goto("/disputes?status=all")
    assert "No dispute" in page.inner_text("main")
    assert "acme" not in page.inner_text("main").replace("workspace beta", "")
    for creator_id in ("c1", "c3"):
        response = page.goto(f"/creators/{creator_id}")
        assert response is not None and response.status == 404


@pytest.mark.parametrize("width", [390, 1280])
def test_the_shortlist_and_the_brief_form_fit_the_screen(
    new_tab: Callable[..., Tab], served: Served, width: int
) -> None:
    shortlist_id = propose(served)
    tab = new_tab(width=width, height=844 if width == 390 else 900)
    page = tab.page
    log_in(tab, served.emails["acme/admin"])
    for url in ("/discovery", "/shortlists", f"/shortlists/{shortlist_id}", "/disputes"):
        page.goto(url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{url} is {scroll_width} px wide at {width} px"
