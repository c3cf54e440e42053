"""An admin's journey in a real browser: create an API key, see it once, use it against the API.

The served store, the browser and the console watch are tests/test_browser.py's
fixtures (a real ``trustreach serve`` on a free loopback port; Debian's chromium
driven by Playwright). Skipped locally without chromium, failed under CI.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from tests._browser import Served, Tab, browser, follow, heading, log_in, new_tab, path
from tests.test_browser import served

__all__ = ["browser", "new_tab", "served"]  # tests/test_browser.py's store, served again here

pytestmark = pytest.mark.browser


def test_an_admin_creates_a_key_sees_it_once_and_it_works_against_the_api(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    page = tab.page
    log_in(tab, served.emails["acme/admin"])
    follow(
        page, page.get_by_role("navigation", name="Main").get_by_role("link", name="People & keys")
    )
    assert path(page) == "/people" and heading(page) == "People & keys"
    people = page.get_by_role("table", name=re.compile("Everyone who can sign in"))
    assert people.get_by_role("rowheader", name=served.emails["acme/analyst"]).count() == 1

    form = page.get_by_role("region", name="Create an API key")
    form.get_by_label("Label").fill("browser journey")
    form.get_by_label("Role").select_option("analyst")
    form.get_by_label("Expires after (days)").fill("7")
    follow(page, form.get_by_role("button", name="Create key"))

    assert heading(page) == "New API key"
    assert "shown only this once" in page.inner_text("main")
    secret = page.get_by_label(re.compile("^Key trk_")).input_value()
    assert re.fullmatch(r"trk_[a-z0-9]{12}_[A-Za-z0-9_-]{20,}", secret), secret
    key_id, hidden = secret[:16], secret[17:]  # trk_<12 characters>_<secret>
    assert secret not in page.url

    follow(page, page.get_by_role("link", name="Back to people & keys"))
    keys = page.get_by_role("table", name=re.compile("Keys of workspace acme"))
    row = keys.get_by_role("row").filter(has_text="browser journey")
    assert row.count() == 1 and key_id in row.inner_text() and "active" in row.inner_text()
    assert hidden not in page.content()  # the secret is never shown again

    answer = httpx.get(
        f"{served.url}/api/v1/creators", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert "c1" in {item["creator_id"] for item in answer.json()["items"]}
    assert not {item["creator_id"] for item in answer.json()["items"]} & {"b7"}
