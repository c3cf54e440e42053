"""The dashboard in a real browser: Debian's chromium driven by Playwright.

A real ``trustreach serve`` process answers on a free loopback port, on a store
seeded once for the module (workspace ``acme``: the tiny world with creator c1
audited; workspace ``beta``: one creator of its own; one person per role).
Chromium is the system's (``TRUSTREACH_CHROMIUM`` or ``chromium`` on the PATH);
Playwright never downloads a browser here. Without chromium the tests skip,
except under CI (``CI`` set), where they fail: ``.ci/run`` installs it.

Every page opened is watched for console errors, uncaught exceptions and
Content-Security-Policy violations; a test fails if any appear that it did not
expect (the 404 and 401 pages it opens on purpose log their status).
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
    new_tab,
    path,
    serve,
)
from tests._people import PASSWORD, seed_two_tenants

from trustreach.core import Settings

pytestmark = pytest.mark.browser

__all__ = ["browser", "new_tab"]  # the shared fixtures this module uses

GENERIC_ERROR = "That e-mail and password do not match an account."


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The two tenants of tests/_people.py served for the module."""
    root = tmp_path_factory.mktemp("browser")
    settings = Settings(data_dir=root / "data")
    with serve(root, settings, seed_two_tenants(root, settings)) as served:
        yield served


# ------------------------------------------------------------------ journeys


def test_an_analyst_signs_in_and_follows_a_creator_to_the_evidence(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    page = tab.page
    page.goto("/creators")
    assert path(page) == "/login"  # no session: the form first
    log_in(tab, served.emails["acme/analyst"])
    assert path(page) == "/" and heading(page) == "Workspace acme"

    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Creators"))
    assert heading(page) == "Creators"
    table = page.get_by_role("table", name="Creators with their latest audit")
    assert table.get_by_role("columnheader", name="Audience Quality").count() == 1
    row = table.get_by_role("row").filter(has_text="Ana Glow")
    quality = row.locator('td[data-label="Audience Quality"]').inner_text()
    assert re.fullmatch(r"\d+\.\d", quality), quality  # c1 was audited: a score, not "—"
    unaudited = table.get_by_role("row").filter(has_text="Max Lifts")
    assert "Not audited yet" in unaudited.inner_text()

    follow(page, row.get_by_role("link", name="Ana Glow"))
    assert path(page) == "/creators/c1" and heading(page) == "Ana Glow"
    assert re.search(r"Audience Quality: \d+\.\d out of 100", page.inner_text("main"))
    # the vendored Chart.js ran under the policy and drew each chart on its canvas
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 1
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => window.Chart !== undefined && window.Chart.getChart(c) !== undefined)"
    )
    assert drawn and all(drawn), drawn


def test_a_wrong_password_shows_the_generic_error(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    tab.allow(r"status of 401")
    log_in(tab, served.emails["acme/analyst"], password="not the password")
    page = tab.page
    assert path(page) == "/login" and heading(page) == "Log in"
    assert GENERIC_ERROR in page.get_by_role("alert").inner_text()
    assert page.get_by_label("E-mail").get_attribute("aria-describedby") == "login-error"
    assert page.get_by_label("Password").input_value() == ""  # the password is not sent back


def test_a_creator_lands_on_their_own_page_and_no_other(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    tab.allow(r"status of 404")
    page = tab.page
    log_in(tab, served.emails["acme/creator"])
    assert path(page) == "/creators/c1" and heading(page) == "Ana Glow"
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == [
        "My audit",
        "My disputes",
        "My deals",
        "My data",
        "Content",
    ]
    response = page.goto("/creators/c2")
    assert response is not None and response.status == 404
    assert "Max Lifts" not in page.content()
    page.goto("/creators")
    assert path(page) == "/creators/c1"


def test_another_workspace_sees_none_of_acme(new_tab: Callable[..., Tab], served: Served) -> None:
    tab = new_tab()
    tab.allow(r"status of 404")
    page = tab.page
    log_in(tab, served.emails["beta/analyst"])
    assert heading(page) == "Workspace beta"
    page.goto("/creators")
    listed = page.get_by_role("table", name="Creators with their latest audit").inner_text()
    assert "Bea Travels" in listed
    assert "Ana Glow" not in listed and "Max Lifts" not in listed
    for creator_id in ("c1", "c2"):
        response = page.goto(f"/creators/{creator_id}")
        assert response is not None and response.status == 404
        assert "Ana Glow" not in page.content() and "Max Lifts" not in page.content()


def test_logging_out_ends_the_session(new_tab: Callable[..., Tab], served: Served) -> None:
    tab = new_tab()
    page = tab.page
    log_in(tab, served.emails["acme/auditor"])
    page.goto("/audit-log")
    assert path(page) == "/audit-log"
    follow(page, page.get_by_role("button", name="Log out"))
    assert path(page) == "/login" and heading(page) == "Log in"
    page.go_back()  # the page held before logging out is not shown again
    assert path(page) == "/login" and heading(page) == "Log in"
    assert page.get_by_role("button", name="Log out").count() == 0
    page.goto("/creators")
    assert path(page) == "/login"
    assert not [c for c in page.context.cookies() if c["name"] == "trustreach_session"]


def test_the_login_form_works_by_keyboard_alone(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    page = tab.page
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    box = page.get_by_role("link", name="Skip to content").bounding_box()
    assert box is not None and box["y"] >= 0  # shown on screen while it has focus
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(served.emails["acme/analyst"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path(page) == "/" and heading(page) == "Workspace acme"


_UNLABELLED = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')).filter(el => {
  if (el.labels && el.labels.length) return false;
  if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
  if (el.tagName === 'BUTTON' && el.textContent.trim()) return false;
  if (el.type === 'submit' && el.value) return false;
  return true;
}).map(el => el.outerHTML.slice(0, 120))"""


def _nav_pages(tab: Tab) -> list[str]:
    """Every page the signed-in person's menu links to, in menu order."""
    hrefs = tab.page.eval_on_selector_all(
        "nav[aria-label=Main] a", "links => links.map(a => a.getAttribute('href'))"
    )
    return [str(h) for h in hrefs]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("who", ["acme/admin", "acme/analyst", "acme/creator"])
def test_every_menu_page_fits_and_labels_its_controls(
    new_tab: Callable[..., Tab], served: Served, width: int, who: str
) -> None:
    """Every page in the menu, at phone and desktop width: no sideways scroll, one h1,
    every form control named for a screen reader, and focus reaches the content."""
    tab = new_tab(width=width, height=844 if width == 390 else 900)
    page = tab.page
    log_in(tab, served.emails[who])
    pages = _nav_pages(tab)
    assert pages, "the menu links no page"
    for url in [*pages, "/login"]:
        page.goto(url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{url} is {scroll_width} px wide at {width} px"
        assert page.locator("h1").count() == 1, f"{url} has no single h1"
        unlabelled = page.evaluate(_UNLABELLED)
        assert unlabelled == [], f"{url} has controls without a name: {unlabelled}"
        page.keyboard.press("Tab")  # the first stop is the skip link, to the content
        assert page.evaluate("document.activeElement.className") == "skip-link", url


def test_the_console_watch_catches_a_policy_violation(new_tab: Callable[..., Tab]) -> None:
    """The watch every test relies on is live: an inline script is refused and reported."""
    tab = new_tab()
    page = tab.page
    page.goto("/login")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); }"
        )
    assert page.evaluate("window.inlineRan === true") is False
    assert any("Content Security Policy" in p for p in tab.problems), tab.problems
    tab.allow(r"Content Security Policy")
