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

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import pytest
from tests._people import PASSWORD, seed_two_tenants

from trustreach.core import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.browser

GENERIC_ERROR = "That e-mail and password do not match an account."


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason} (see .ci/run)")
    pytest.skip(f"{reason}; the browser tests need Debian's chromium (CI installs it: .ci/run)")


def chromium_path() -> str | None:
    """The system chromium: ``TRUSTREACH_CHROMIUM`` if set, else ``chromium`` on the PATH."""
    configured = os.environ.get("TRUSTREACH_CHROMIUM")
    if configured:
        usable = os.path.isfile(configured) and os.access(configured, os.X_OK)
        return configured if usable else None
    return shutil.which("chromium")


# ------------------------------------------------------------------ the served world


@dataclass
class Served:
    url: str
    emails: dict[str, str] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _seed(root: Path) -> tuple[Settings, dict[str, str]]:
    settings = Settings(data_dir=root / "data")
    return settings, seed_two_tenants(root, settings)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``python -m trustreach serve`` on a seeded SQLite store, stopped after the module."""
    root = tmp_path_factory.mktemp("browser")
    settings, emails = _seed(root)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTREACH_")}
    env["TRUSTREACH_DATA_DIR"] = str(settings.data_dir)
    log = (root / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "trustreach", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = (root / "serve.log").read_text(errors="replace")
                pytest.fail(f"trustreach serve did not answer /api/v1/health in 60 s:\n{output}")
            time.sleep(0.25)
        yield Served(url, emails)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# ------------------------------------------------------------------ the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        configured = os.environ.get("TRUSTREACH_CHROMIUM")
        _unavailable(
            f"TRUSTREACH_CHROMIUM={configured} is not an executable file"
            if configured
            else "no `chromium` on the PATH and TRUSTREACH_CHROMIUM is not set"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Tab:
    """A page in a fresh browser context, with what its console reported."""

    page: Page
    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Expect console errors matching ``pattern`` (e.g. the status of a 404 page)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a.search(p) for a in self.allowed)]


@pytest.fixture
def new_tab(browser: Browser, served: Served) -> Iterator[Callable[..., Tab]]:
    """Open fresh contexts (no shared cookies); each fails its test on console errors."""
    tabs: list[Tab] = []

    def open_tab(width: int = 1280, height: int = 900) -> Tab:
        context = browser.new_context(
            base_url=served.url, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        tab = Tab(page)

        def on_console(message: Any) -> None:
            if message.type in ("error", "warning") and (
                message.type == "error" or "Content Security Policy" in message.text
            ):
                tab.problems.append(f"{page.url}: console {message.type}: {message.text}")

        page.on("console", on_console)

        def on_response(response: Any) -> None:
            if response.status >= 400:
                tab.problems.append(f"{page.url}: status of {response.status} from {response.url}")

        page.on("pageerror", lambda error: tab.problems.append(f"{page.url}: uncaught {error}"))
        page.on("response", on_response)
        tabs.append(tab)
        return tab

    yield open_tab
    problems = [p for tab in tabs for p in tab.unexpected()]
    for tab in tabs:
        tab.page.context.close()
    assert problems == [], "\n".join(problems)


def log_in(tab: Tab, email: str, password: str = PASSWORD) -> None:
    page = tab.page
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    follow(page, page.get_by_role("button", name="Log in"))


def follow(page: Page, target: Locator) -> None:
    """Click ``target`` and wait until the page it leads to has loaded."""
    with page.expect_navigation():
        target.click()


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def path(page: Page) -> str:
    return str(httpx.URL(page.url).path)


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
    assert nav.get_by_role("link").all_inner_texts() == ["My audit", "My disputes"]
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
