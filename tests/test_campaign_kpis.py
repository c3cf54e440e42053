"""Campaign KPIs on a small hand-computed campaign (tests/_campaign.py), to the cent.

Every expected value below is written out by hand from the records of
``tests/_campaign.py`` (the arithmetic is in the comments), and checked on SQLite
and PostgreSQL through the service, and through the CLI, the API and the page.

Hand computation, the campaign ``hc`` (USD):

- cost = 1,000.00 (ana) + 500.00 (max) = 1,500.00
- post figures: hp1 = its latest insights snapshot (views 8,000, reach 6,000,
  impressions 10,000; engagements 400 + 20 + 10 + 20 = 450); hp2 = its public snapshot
  (views 2,000; 100 + 10 = 110; its post's own counts 90 + 9 are older); hp3 = its public
  counts (200 + 25 = 225; no views)
- impressions 10,000; reach 6,000; views 8,000 + 2,000 = 10,000; engagements 785
- ER by followers = 785 / (10,000 + 10,000 + 5,000) = 0.0314
- ER by reach = 450 / 6,000 = 0.075 (only hp1 reports reach)
- ER by views = (450 + 110) / (8,000 + 2,000) = 0.056
- link clicks = 4 (k1..k4); conversions = 3 (O1 link, O2 code, O3 link; O4 unattributed,
  O1's second event and repeated delivery counted once)
- revenue = 120.00 + 80.00 + 45.50 = 245.50; unattributed 30.00
- cpm = 1,500 / 10,000 x 1,000 = 150.00; cpe = 1,500 / 785 = 1.9108 -> 1.91;
  cpc = 1,500 / 4 = 375.00; cpa = 1,500 / 3 = 500.00
- roas = 245.50 / 1,500 = 0.163667; roi = (245.50 - 1,500) / 1,500 = -0.836333
- coverage = 1 / 3 (hp1 insights); as_of = O4's time, 2026-10-05 12:00 UTC
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._campaign import WORLD
from tests._main import run_main
from tests._world import write_records
from typer.testing import CliRunner

from trustreach import services
from trustreach.campaigns import (
    KPI_KEYS,
    AttributedOrder,
    CampaignFacts,
    DealCode,
    DealFacts,
    OrderTotals,
    PostFacts,
    TrackedLink,
    TrackingEvent,
    attribute_orders,
    campaign_kpis,
)
from trustreach.core import ConfigurationError, NotFoundError, Settings

WS = "hand"

JSON_KEYS = (
    "currency", "cost", "impressions", "reach", "views", "engagements",
    "engagement_rate_by_followers", "engagement_rate_by_reach", "engagement_rate_by_views",
    "link_clicks", "conversions", "revenue", "cpm", "cpe", "cpc", "cpa", "roas", "roi",
    "roi_low", "roi_high", "coverage", "as_of",
)  # fmt: skip
"""The keys issue #14 item 7 asks of the campaign and of each breakdown row."""


def write_hand_world(directory: Path, world: dict[str, list[dict[str, Any]]] = WORLD) -> Path:
    for kind, records in world.items():
        write_records(directory / f"{kind}.jsonl", records)
    return directory


@pytest.fixture
def hand(tmp_path: Path, store_settings: Settings) -> Settings:
    services.import_path(write_hand_world(tmp_path / "hand"), workspace=WS, settings=store_settings)
    return store_settings


def _money(row: dict[str, Any], key: str, expected: float) -> None:
    assert row[key] == pytest.approx(expected, abs=0.001), key  # to the cent (rounded)
    assert f"{row[key]:.2f}" == f"{expected:.2f}", key


def _rows(settings: Settings, by: str) -> dict[str | None, dict[str, Any]]:
    report = services.campaign_kpis("hc", by=by, workspace=WS, settings=settings)
    return {r["key"]: r for r in report.to_dict()["rows"]}


# ------------------------------------------------------------------ the hand-computed campaign


def test_campaign_figures_match_the_hand_computation(hand: Settings) -> None:
    report = services.campaign_kpis("hc", workspace=WS, settings=hand)
    row = report.to_dict()["campaign"]
    assert row["currency"] == "USD"
    _money(row, "cost", 1500.00)
    assert (row["impressions"], row["reach"], row["views"]) == (10000, 6000, 10000)
    assert row["engagements"] == 785
    assert row["engagement_rate_by_followers"] == pytest.approx(785 / 25000)
    assert row["engagement_rate_by_reach"] == pytest.approx(450 / 6000)
    assert row["engagement_rate_by_views"] == pytest.approx(560 / 10000)
    assert (row["link_clicks"], row["conversions"]) == (4, 3)
    _money(row, "revenue", 245.50)
    _money(row, "unattributed_revenue", 30.00)
    _money(row, "cpm", 150.00)
    _money(row, "cpe", 1.91)
    _money(row, "cpc", 375.00)
    _money(row, "cpa", 500.00)
    assert row["roas"] == pytest.approx(245.5 / 1500)
    assert row["roi"] == pytest.approx((245.5 - 1500) / 1500)
    assert row["roi_low"] <= row["roi"] <= row["roi_high"]
    assert row["coverage"] == pytest.approx(1 / 3)
    assert row["as_of"] == "2026-10-05T12:00:00+00:00"
    assert report.attribution == {"code": 1, "link": 2, "none": 1}
    for name in KPI_KEYS:  # every figure carries its formula
        assert report.campaign.kpis[name].formula
    for name in ("cost", "revenue", "cpm", "cpe", "cpc", "cpa"):
        assert report.campaign.kpis[name].currency == "USD"


def test_creator_rows_match_the_hand_computation(hand: Settings) -> None:
    """ana: cost 1,000; hp1 + hp2: impressions 10,000, reach 6,000, views 10,000,
    engagements 560, ER by followers 560 / 20,000, clicks k1 + k3 = 2, orders O1 + O3 =
    165.50; paid/organic = median(0.045, 0.011) / median(0.02, 0.03) = 0.028 / 0.025 = 1.12
    (ho3 was posted before the campaign and does not count).
    max: cost 500; hp3: engagements 225, ER by followers 225 / 5,000, clicks k2 + k4 = 2,
    order O2 (its code) = 80.00; no organic post, no impressions: cpm null with the reason."""
    rows = _rows(hand, "creator")
    ana, mx = rows["ana"], rows["max"]
    _money(ana, "cost", 1000.00)
    assert (ana["impressions"], ana["reach"], ana["views"], ana["engagements"]) == (
        10000, 6000, 10000, 560,
    )  # fmt: skip
    assert ana["engagement_rate_by_followers"] == pytest.approx(0.028)
    assert (ana["link_clicks"], ana["conversions"]) == (2, 2)
    _money(ana, "revenue", 165.50)
    _money(ana, "cpm", 100.00)
    _money(ana, "cpe", 1.79)  # 1,000 / 560 = 1.7857
    _money(ana, "cpc", 500.00)
    _money(ana, "cpa", 500.00)
    assert ana["roi"] == pytest.approx((165.5 - 1000) / 1000)
    assert ana["coverage"] == pytest.approx(0.5)
    assert ana["paid_organic_ratio"] == pytest.approx(1.12)
    _money(mx, "cost", 500.00)
    assert mx["engagements"] == 225
    assert mx["engagement_rate_by_followers"] == pytest.approx(0.045)
    assert mx["impressions"] is None and mx["cpm"] is None
    assert mx["reasons"]["cpm"] == "no impressions recorded"
    _money(mx, "revenue", 80.00)
    _money(mx, "cpe", 2.22)  # 500 / 225 = 2.2222
    _money(mx, "cpc", 250.00)
    assert mx["roas"] == pytest.approx(80 / 500)
    assert mx["paid_organic_ratio"] is None
    assert "organic" in mx["reasons"]["paid_organic_ratio"]
    for r in rows.values():
        assert set(JSON_KEYS) <= set(r)


def test_post_and_day_rows_add_up_to_the_campaign(hand: Settings) -> None:
    """By post, each post carries half of ana's cost (500.00) or all of max's; O2 (a code)
    has no post. By day, a post's snapshots count as increases: hp1 320 engagements on
    10-02 and 130 on 10-03; cost falls on the publication day (10-02: hp1 + hp3 = 1,000.00)."""
    posts = _rows(hand, "post")
    assert [posts[p]["cost"] for p in ("hp1", "hp2", "hp3")] == [500.0, 500.0, 500.0]
    _money(posts["hp1"], "revenue", 165.50)
    _money(posts["hp1"], "cpe", 1.11)  # 500 / 450
    _money(posts["hp2"], "cpe", 4.55)  # 500 / 110 = 4.5454
    assert posts["hp1"]["engagement_rate_by_views"] == pytest.approx(450 / 8000)
    _money(posts[None], "revenue", 80.00)
    days = _rows(hand, "day")
    assert days["2026-10-02"]["engagements"] == 320 + 225
    assert days["2026-10-03"]["engagements"] == 130 + 110
    assert days["2026-10-03"]["impressions"] == 4000
    _money(days["2026-10-02"], "cost", 1000.00)
    _money(days["2026-10-04"], "revenue", 125.50)
    assert sum(r["engagements"] or 0 for r in days.values()) == 785
    assert sum(r["link_clicks"] for r in days.values()) == 4
    assert days["2026-10-04"]["cpm"] is None  # no post published that day: no cost


def test_events_imported_late_and_out_of_order_give_the_same_kpis(
    hand: Settings, tmp_path: Path
) -> None:
    """The same world in another workspace, its events imported newest first in two
    imports (the second one late, after the KPIs were first read), one order event twice."""
    world = {k: v for k, v in WORLD.items() if k != "tracking_events"}
    events = sorted(WORLD["tracking_events"], key=lambda e: e["occurred_at"], reverse=True)
    services.import_path(write_hand_world(tmp_path / "base", world), workspace="late",
                         settings=hand)  # fmt: skip
    first = write_records(tmp_path / "late1" / "tracking_events.jsonl", events[:5])
    services.import_path(first.parent, workspace="late", settings=hand)
    services.campaign_kpis("hc", workspace="late", settings=hand)  # read before the rest came
    again = [*events[5:], events[0]]
    second = write_records(tmp_path / "late2" / "tracking_events.jsonl", again)
    services.import_path(second.parent, workspace="late", settings=hand)
    for by in (None, "creator", "day"):
        expected = services.campaign_kpis("hc", by=by, workspace=WS, settings=hand).to_dict()
        found = services.campaign_kpis("hc", by=by, workspace="late", settings=hand).to_dict()
        assert found == expected, by


def test_a_creator_with_a_campaign_post_but_no_deal_is_compared_with_their_organic_posts(
    hand: Settings, tmp_path: Path
) -> None:
    world = {k: [r for r in v if r.get("creator_id") != "ana"] if k in ("deals", "tracked_links")
             else v for k, v in WORLD.items()}  # fmt: skip
    services.import_path(write_hand_world(tmp_path / "nodeal", world), workspace="nodeal",
                         settings=hand)  # fmt: skip
    report = services.campaign_kpis("hc", by="creator", workspace="nodeal", settings=hand)
    ana = next(r for r in report.rows if r.key == "ana")
    assert ana.value("paid_organic_ratio") == pytest.approx(1.12)
    assert ana.value("cost") == 0.0 and ana.kpis["roi"].reason == "cost is zero"


def test_emv_only_when_asked_and_labelled_not_revenue(hand: Settings) -> None:
    """EMV = 10,000 / 1,000 x 5.00 + 700 likes x 0.05 + 55 comments x 0.50 + 10 shares x 0.50
    + 20 saves x 0.50 = 50 + 35 + 27.50 + 5 + 10 = 127.50 USD."""
    plain = services.campaign_kpis("hc", workspace=WS, settings=hand)
    assert "emv" not in plain.campaign.kpis
    asked = services.campaign_kpis("hc", emv=True, workspace=WS, settings=hand).campaign
    assert asked.kpis["emv"].value == 127.50
    assert "not revenue" in (asked.kpis["emv"].reason or "")
    assert asked.kpis["emv"].formula.startswith("NOT REVENUE")


def test_another_workspaces_campaign_is_not_found(hand: Settings, tmp_path: Path) -> None:
    from tests._world import write_world

    services.import_path(write_world(tmp_path / "other"), workspace="other", settings=hand)
    with pytest.raises(NotFoundError, match="campaign 'hc' not found in workspace 'other'"):
        services.campaign_kpis("hc", workspace="other", settings=hand)
    with pytest.raises(ConfigurationError, match="by 'week' not allowed; allowed: creator"):
        services.campaign_kpis("hc", by="week", workspace=WS, settings=hand)


def test_report_html_shows_every_formula(hand: Settings) -> None:
    html = services.campaign_report_html("hc", workspace=WS, settings=hand)
    assert "Hand Computed" in html and "245.50 USD" in html and "Per day" in html
    assert "(revenue - cost) / cost" in html
    assert "<script" not in html


# ---------------------------------------------------------------------- currencies


T0 = datetime(2026, 10, 2, tzinfo=UTC)


def _report(deals: list[DealFacts], fx: dict[str, float]) -> Any:
    post = PostFacts("p", "c", T0, 1000, likes=10)
    order = AttributedOrder("o", T0, 50.0, "EUR", "c", "p", "code", "", ("e",))
    return campaign_kpis(CampaignFacts("k", "K", "USD"), deals, [post], [order], [], fx=fx)


def test_other_currencies_are_converted_or_refused_never_added() -> None:
    converted = _report([DealFacts("d", "c", 100.0, "EUR")], {"EUR": 1.2}).campaign
    assert converted.value("cost") == 120.00 and converted.value("revenue") == 60.00
    refused = _report([DealFacts("d", "c", 100.0, "EUR")], {}).campaign
    assert refused.value("cost") is None and refused.value("revenue") is None
    assert "no exchange rate from EUR to USD" in (refused.kpis["cost"].reason or "")
    assert refused.value("roi") is None
    nothing = _report([DealFacts("d", "c", None, "USD")], {"EUR": 1.2}).campaign
    assert nothing.value("cpm") is None
    assert (nothing.kpis["cpm"].reason or "").startswith("no cost recorded")


# ---------------------------------------------------------------------- attribution


def test_a_code_beats_a_link_and_the_window_bounds_a_click() -> None:
    links = [TrackedLink("L", "linker", "p1")]
    deals = [DealCode("coder", "SAVE10")]
    click = TrackingEvent("k", T0, "click", link_id="L", touch_key="v")

    def order(at: datetime, code: str | None = None) -> TrackingEvent:
        return TrackingEvent("o", at, "purchase", order_id="O", promo_code=code, touch_key="v",
                             value=10.0, currency="USD")  # fmt: skip

    [coded] = attribute_orders([click, order(T0, " save10")], deals, links)
    assert (coded.creator_id, coded.rule) == ("coder", "code")
    [inside] = attribute_orders([click, order(T0 + timedelta(days=30))], deals, links)
    assert (inside.creator_id, inside.post_id, inside.rule) == ("linker", "p1", "link")
    [outside] = attribute_orders([click, order(T0 + timedelta(days=30, seconds=1))], deals, links)
    assert (outside.creator_id, outside.rule) == (None, "none")
    [short] = attribute_orders([click, order(T0 + timedelta(days=8))], deals, links, window_days=7)
    assert short.rule == "none"
    [before] = attribute_orders([click, order(T0 - timedelta(seconds=1))], deals, links)
    assert before.rule == "none"  # a click after the order does not count
    with pytest.raises(ValueError, match="window_days 0 not allowed"):
        attribute_orders([], deals, links, window_days=0)


def test_a_code_two_creators_share_falls_back_to_the_link() -> None:
    deals = [DealCode("a", "SHARED"), DealCode("b", "shared")]
    events = [
        TrackingEvent("k", T0, "click", link_id="L", touch_key="v"),
        TrackingEvent("o", T0, "purchase", promo_code="Shared", touch_key="v", value=1.0,
                      currency="USD"),
    ]  # fmt: skip
    [o] = attribute_orders(events, deals, [TrackedLink("L", "b")])
    assert (o.creator_id, o.rule, o.order_id) == ("b", "link", "event:o")
    assert "shared by a, b" in o.evidence


_CREATORS = ("a", "b", "c")
_LINKS = [TrackedLink(f"L{i}", c, f"p{i}") for i, c in enumerate(_CREATORS)]
_DEALS = [DealCode(c, f"{c.upper()}CODE") for c in _CREATORS]


@st.composite
def _events(draw: st.DrawFn) -> list[TrackingEvent]:
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        at = T0 + timedelta(hours=draw(st.integers(0, 24 * 60)))
        key = draw(st.sampled_from(["v1", "v2", "v3", None]))
        if draw(st.booleans()):
            out.append(TrackingEvent(f"k{i}", at, "click", link_id=draw(
                st.sampled_from(["L0", "L1", "L2", "untracked"])), touch_key=key))  # fmt: skip
        else:
            out.append(
                TrackingEvent(
                    f"e{i}", at, "purchase",
                    order_id=draw(st.sampled_from(["O1", "O2", "O3", None])),
                    promo_code=draw(st.sampled_from([None, "acode", "BCODE ", "nope"])),
                    touch_key=key, value=draw(st.sampled_from([9.99, 20.0, 45.5])),
                    currency="USD",
                )
            )  # fmt: skip
    return out


def _totals(orders: list[AttributedOrder]) -> dict[tuple[str | None, str], float]:
    out: dict[tuple[str | None, str], float] = {}
    for o in orders:
        out[(o.creator_id, o.rule)] = round(out.get((o.creator_id, o.rule), 0) + (o.value or 0), 2)
    return out


@settings(max_examples=150, deadline=None)
@given(_events(), st.randoms(use_true_random=False))
def test_shuffling_the_events_never_changes_the_result(
    events: list[TrackingEvent], rnd: random.Random
) -> None:
    expected = attribute_orders(events, _DEALS, _LINKS)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert attribute_orders(shuffled, _DEALS, _LINKS) == expected


@settings(max_examples=150, deadline=None)
@given(_events(), st.data())
def test_duplicating_an_orders_events_never_changes_totals(
    events: list[TrackingEvent], data: st.DataObject
) -> None:
    expected = attribute_orders(events, _DEALS, _LINKS)
    again = data.draw(st.lists(st.sampled_from(events), max_size=10))
    assert _totals(attribute_orders(events + again, _DEALS, _LINKS)) == _totals(expected)
    assert len(attribute_orders(events + again, _DEALS, _LINKS)) == len(expected)


# ---------------------------------------------------------------------- adapters


def test_cli_kpis_json_has_the_issue_keys(hand: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from trustreach.cli import app

    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(hand.data_dir))
    if hand.database_url:
        monkeypatch.setenv("TRUSTREACH_DATABASE_URL", hand.database_url)
    from trustreach.core import reset_settings

    reset_settings()
    result = CliRunner().invoke(
        app, ["campaign", "kpis", "hc", "--by", "creator", "--format", "json", "-w", WS]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(JSON_KEYS) <= set(data["campaign"])
    assert data["campaign"]["revenue"] == 245.5 and len(data["rows"]) == 2
    for row in data["rows"]:
        assert set(JSON_KEYS) <= set(row)
    table = CliRunner().invoke(app, ["campaign", "kpis", "hc", "-w", WS])
    assert table.exit_code == 0 and "1,500.00 USD" in table.output
    code, _, err = run_main("campaign", "kpis", "nope", "-w", WS)
    assert code == 2 and "campaign 'nope' not found" in err


def test_cli_report_follows_the_output_file_rule(
    hand: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustreach.cli import app
    from trustreach.core import reset_settings

    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(hand.data_dir))
    if hand.database_url:
        monkeypatch.setenv("TRUSTREACH_DATABASE_URL", hand.database_url)
    reset_settings()
    out = tmp_path / "hc.html"
    args = ["campaign", "report", "hc", "--format", "html", "--output", str(out), "-w", WS]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert "Hand Computed" in out.read_text()
    code, _, err = run_main(*args)
    assert code == 2 and "--force" in err
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0


def test_the_bootstrap_of_many_orders_draws_sums_from_their_normal_limit() -> None:
    """Above EXACT_RESAMPLE_LIMIT values a resample's sum comes from its normal limit: its
    interval matches the drawn bootstrap's (skewed order values, 3,000 orders)."""
    import numpy as np

    from trustreach.campaigns import _kpis

    values = np.random.default_rng(1).lognormal(3.5, 1.0, 3000)
    assert values.size > _kpis.EXACT_RESAMPLE_LIMIT
    limit = _kpis._resampled_sums(np.random.default_rng(2), values, 4000)
    drawn = values[np.random.default_rng(3).integers(0, values.size, (4000, values.size))].sum(1)
    for q in (0.025, 0.5, 0.975):
        a, b = np.quantile(limit, q), np.quantile(drawn, q)
        assert abs(a - b) / b < 0.005, (q, a, b)
    small = values[:50]
    exact = _kpis._resampled_sums(np.random.default_rng(4), small, 10)
    same = small[np.random.default_rng(4).integers(0, 50, (10, 50))].sum(1)
    assert np.array_equal(exact, same)  # small rows keep the drawn bootstrap, bit for bit


def _summed(orders: list[AttributedOrder]) -> list[OrderTotals]:
    groups: dict[tuple[str, str | None], list[AttributedOrder]] = {}
    for o in orders:
        groups.setdefault((o.rule, o.currency), []).append(o)
    return [
        OrderTotals(
            rule,
            currency,
            len(found),
            sum(o.value is not None for o in found),
            sum(o.value or 0.0 for o in found),
            sum((o.value or 0.0) ** 2 for o in found),
            max(o.occurred_at for o in found),
        )
        for (rule, currency), found in groups.items()
    ]


def test_a_big_campaigns_orders_summed_give_the_same_campaign_row() -> None:
    """The campaign row from orders summed per rule and currency (what a big campaign's
    read hands in) equals the one from every order: same figures, same interval draws."""
    from trustreach.campaigns import _kpis

    rng = random.Random(5)
    orders = [
        AttributedOrder(
            f"o{i}",
            T0 + timedelta(minutes=i),
            round(rng.uniform(5, 200), 2),
            rng.choice(["USD", "USD", "EUR"]),
            "c",
            "p",
            rng.choice(["code", "link", "none"]),
            "",
            (f"e{i}",),
        )
        for i in range(3 * _kpis.EXACT_RESAMPLE_LIMIT)
    ]
    deals = [DealFacts("d", "c", 50_000.0, "USD")]
    posts = [PostFacts("p", "c", T0, 1000, likes=10)]
    campaign = CampaignFacts("k", "K", "USD")
    fx = {"EUR": 1.1}
    one_by_one = campaign_kpis(campaign, deals, posts, orders, [], fx=fx).to_dict()
    summed = campaign_kpis(campaign, deals, posts, [], [], fx=fx, totals=_summed(orders))
    got = summed.to_dict()
    assert got["attribution"] == one_by_one["attribution"]
    for key, want in one_by_one["campaign"].items():
        if isinstance(want, float):
            assert got["campaign"][key] == pytest.approx(want, rel=1e-9), key
        else:
            assert got["campaign"][key] == want, key
    with pytest.raises(ValueError, match="campaign row only"):
        campaign_kpis(campaign, deals, posts, [], [], by="day", totals=_summed(orders))
    refused = campaign_kpis(campaign, deals, posts, [], [], totals=_summed(orders)).campaign
    assert refused.value("revenue") is None  # EUR without a rate: never added
    assert "no exchange rate from EUR to USD" in (refused.kpis["revenue"].reason or "")


def test_the_store_sums_a_big_campaigns_orders_as_the_events_say(
    hand: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the threshold at 1 the hand campaign's row is read with its orders summed in
    the store; it equals the row computed from every event (interval aside: the summed
    read draws it from the normal limit)."""
    from trustreach.services import _campaigns, _live

    summed = services.campaign_kpis("hc", workspace=WS, settings=hand).to_dict()["campaign"]
    engine = services.open_store(hand, create=False)
    with engine.connect() as c:
        events = _campaigns.read_campaign_kpis(c, WS, "hc", aggregates=False).to_dict()
    monkeypatch.setattr(_campaigns, "EXACT_RESAMPLE_LIMIT", 1)
    with engine.connect() as c:
        assert _live.summed_orders(c, WS, "hc", [], [], above=1) is not None
    low = services.campaign_kpis("hc", workspace=WS, settings=hand).to_dict()["campaign"]
    engine.dispose()
    for key, want in events["campaign"].items():
        if key in ("roi_low", "roi_high"):
            continue
        assert low[key] == (pytest.approx(want) if isinstance(want, float) else want), key
        assert summed[key] == low[key] or isinstance(want, float), key
    assert low["roi_low"] <= low["roi"] <= low["roi_high"]
