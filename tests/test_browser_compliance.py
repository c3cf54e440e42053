"""The deal gate in a real browser: a creator accepts their deal's disclosure obligations.

A real ``trustreach serve`` serves workspace ``acme`` (tests/test_compliance.py's world:
the tiny world, two more campaign posts and a deal ``gate-1`` for creator ``c1`` made
through the gate). The creator signs in, opens *My deals* from the menu, reads the
obligations and accepts them; an analyst then sees the acceptance on the campaign's
compliance page, whose posts to look at show the evidence highlighted. The console
stays clean (no Content-Security-Policy violation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from tests._browser import Served, Tab, browser, follow, log_in, menu, new_tab, serve
from tests.test_compliance import ANA, ANALYST, _deal, build

from trustreach.core import Settings
from trustreach.ethics.disclosure import obligations

pytestmark = pytest.mark.browser

__all__ = ["browser", "new_tab"]  # the shared fixtures this module uses


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("browser-compliance")
    settings = Settings(data_dir=root / "data")
    _deal(settings, build(root, settings), "gate-1", "c1")
    with serve(root, settings, {"creator": ANA.ident, "analyst": ANALYST.ident}) as found:
        yield found


def test_a_creator_accepts_the_obligations_and_the_brand_sees_it(
    new_tab: Callable[..., Tab], served: Served
) -> None:
    tab = new_tab()
    page = tab.page
    log_in(tab, served.emails["creator"])
    follow(page, menu(page, "My deals"))
    deal = page.locator("#deal-gate-1")
    for o in obligations(["us"]):
        assert o.rule_id in deal.inner_text()
    follow(page, deal.get_by_role("button", name="I accept these disclosure obligations"))
    assert "You accepted the disclosure obligations of deal gate-1" in page.inner_text("main")
    assert page.locator("#deal-gate-1 button").count() == 0  # nothing left to accept
    brand = new_tab()
    log_in(brand, served.emails["analyst"])
    brand.page.goto("/campaigns/cmp1")
    follow(brand.page, brand.page.get_by_role("link", name="Disclosure compliance"))
    row = brand.page.locator("#deal-obligations tr").filter(has_text="gate-1")
    assert f"accepted by {ANA.audit_name}" in row.inner_text()
    buried = brand.page.locator("#post-p4 mark")  # the buried "#ad", highlighted
    assert buried.inner_text() == "#ad" and buried.get_attribute("title") == "D3-US"
    assert "not legal advice" in brand.page.inner_text("main")
