"""The live campaign page in a real browser: events POSTed to the API appear without a reload.

A real ``trustreach serve`` on a free loopback port serves workspace ``acme`` (the
two tenants of tests/_people.py) with the hand-computed campaign ``hc``
(tests/_campaign.py) but none of its events yet. An analyst opens the campaign page;
the events are then sent through ``POST /api/v1/events`` with an analyst key, and
the page's figures (conversions, revenue) change in place: the page is never
reloaded (a marker set on the window survives), and the console stays clean
(no Content-Security-Policy violation from the live script).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from tests._browser import Served, Tab, browser, log_in, new_tab, serve
from tests._campaign import WORLD
from tests._people import seed_two_tenants
from tests.test_campaign_kpis import write_hand_world

from trustreach import services
from trustreach.core import Role, Settings

pytestmark = pytest.mark.browser

__all__ = ["browser", "new_tab"]  # the shared fixtures this module uses

KEY: dict[str, str] = {}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("browser-campaigns")
    settings = Settings(data_dir=root / "data")
    emails = seed_two_tenants(root, settings)
    hand = {k: v for k, v in WORLD.items() if k != "tracking_events"}
    services.import_path(write_hand_world(root / "hand", hand), workspace="acme", settings=settings)
    KEY["acme"], _ = services.create_key(
        workspace="acme", role=Role.analyst, label="shop", by=services.cli_actor("acme"),
        settings=settings,
    )  # fmt: skip
    with serve(root, settings, emails) as found:
        yield found


def _conversions(tab: Tab) -> str:
    row = tab.page.locator("#campaign-kpis tr").filter(has_text="Conversions").first
    return row.locator("td").first.inner_text().strip()


def test_the_campaign_page_shows_new_conversions_without_a_reload(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    page = tab.page
    log_in(tab, served.emails["acme/analyst"])
    page.goto("/campaigns/hc")
    assert _conversions(tab) == "0"
    page.evaluate("window.__notReloaded = true")
    events = [{**e, "event_id": f"web-{e['event_id']}"} for e in WORLD["tracking_events"]]
    answer = httpx.post(
        f"{served.url}/api/v1/events",
        json={"events": events},
        headers={"Authorization": f"Bearer {KEY['acme']}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == len(events)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#campaign-kpis tr')].some("
        "r => r.textContent.includes('Conversions') && r.querySelector('td')"
        " && r.querySelector('td').textContent.trim() === '3')",
        timeout=15_000,
    )
    assert page.evaluate("window.__notReloaded") is True  # updated in place
    assert "245.50" in page.locator("#campaign-kpis").inner_text()
    assert page.locator("#campaign-alerts").count() == 1  # re-rendered in place, not doubled
