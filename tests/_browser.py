"""What the browser tests share: the served store, the system chromium, tabs watched for errors.

A module seeds its own store and defines its ``served`` fixture with :func:`serve`
(a real ``trustreach serve`` on a free loopback port); it imports the
``browser`` and ``new_tab`` fixtures from here. Chromium is the system's
(``TRUSTREACH_CHROMIUM`` or ``chromium`` on the PATH); Playwright never
downloads a browser. Without chromium the tests skip, except under CI (``CI``
set), where they fail: ``.ci/run`` installs it.

Every page a tab opens is watched for console errors, uncaught exceptions and
Content-Security-Policy violations; a test fails if any appear that it did not
expect (:meth:`Tab.allow`).
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import pytest
from tests._people import PASSWORD

from trustreach.core import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page


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


# ------------------------------------------------------------------ the served store


@dataclass
class Served:
    url: str
    settings: Settings
    emails: dict[str, str] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(root: Path, settings: Settings, emails: dict[str, str]) -> Iterator[Served]:
    """``python -m trustreach serve`` on the store of ``settings``, stopped when the block ends.

    Each browser test module seeds its own store and wraps this in its
    module-scoped ``served`` fixture.
    """
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
        yield Served(url, settings, emails)
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


def menu(page: Page, name: str) -> Locator:
    """The main menu's link ``name``."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)
