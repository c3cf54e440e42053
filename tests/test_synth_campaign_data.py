"""The synthetic world over time: metric snapshots, tracked links, orders and their truth.

The attribution truth is checked against a reference reading of the documented rules
written here, independently of the generator: a promo code equal (ignoring case) to a
deal's affiliate code in the campaign credits that creator; else the visitor's last
click on a tracked link within 30 days before the order; else nobody. One order once.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from trustreach.ingest import CURRENCIES
from trustreach.synth import WorldSummary, generate_world

_COUNTS = ("views", "reach", "impressions", "likes", "comments", "shares", "saves", "link_clicks")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    return generate_world(
        tmp_path_factory.mktemp("w"), seed=5, creators=24, followers_per_creator=100, days=120
    )


def _rows(world: WorldSummary, kind: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in world.paths[kind].read_bytes().splitlines()]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def truth(world: WorldSummary) -> dict[str, Any]:
    section: dict[str, Any] = orjson.loads(Path(world.ground_truth).read_bytes())[
        "campaign_performance"
    ]
    return section


def _reference_attribution(world: WorldSummary) -> dict[str, tuple[str | None, str | None]]:
    """order_id -> (creator credited, "code" | "link" | None), by the documented rules."""
    codes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for deal in _rows(world, "deals"):
        if deal["affiliate_code"]:
            codes[(deal["campaign_id"], deal["affiliate_code"].lower())].add(deal["creator_id"])
    link_creator = {link["link_id"]: link["creator_id"] for link in _rows(world, "tracked_links")}
    clicks: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    orders: dict[str, dict[str, Any]] = {}
    for e in _rows(world, "tracking_events"):
        if e["event_type"] == "click" and e["touch_key"] and e["link_id"] in link_creator:
            clicks[e["touch_key"]].append((_when(e["occurred_at"]), link_creator[e["link_id"]]))
        if e["event_type"] == "purchase":
            orders.setdefault(e["order_id"] or e["event_id"], e)
    credited: dict[str, tuple[str | None, str | None]] = {}
    for order_id, e in orders.items():
        owners = codes.get((e["campaign_id"], (e["promo_code"] or "").lower()), set())
        if len(owners) == 1:
            credited[order_id] = (next(iter(owners)), "code")
            continue
        at = _when(e["occurred_at"])
        window = [
            (when, creator)
            for when, creator in clicks.get(e["touch_key"] or "", [])
            if at - timedelta(days=30) <= when <= at
        ]
        credited[order_id] = (max(window)[1], "link") if window else (None, None)
    return credited


def test_truth_is_what_the_documented_rules_give_on_the_events(
    world: WorldSummary, truth: dict[str, Any]
) -> None:
    reference = _reference_attribution(world)
    assert set(reference) == set(truth["orders"])
    for order_id, order in truth["orders"].items():
        assert reference[order_id] == (order["creator_id"], order["via"]), order_id
    # every scenario the generator documents happened, so each rule is exercised
    assert {
        "code", "code_beats_link", "link", "last_click_wins", "click_outside_window",
        "no_trace", "site_code", "unknown_visitor",
    } <= set(truth["scenarios"])  # fmt: skip


def test_per_creator_revenue_sums_the_orders_once(
    world: WorldSummary, truth: dict[str, Any]
) -> None:
    purchases = [e for e in _rows(world, "tracking_events") if e["event_type"] == "purchase"]
    assert len(purchases) == len(truth["orders"]) + len(truth["duplicate_event_ids"])
    assert truth["duplicate_event_ids"], "some orders are reported twice"
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for order in truth["orders"].values():
        if order["creator_id"] is not None:
            per = sums[(order["campaign_id"], order["creator_id"])]
            per[0] += 1
            per[1] += order["value"]
    for campaign_id, campaign in truth["campaigns"].items():
        for creator_id, per in campaign["creators"].items():
            orders, revenue = sums.get((campaign_id, creator_id), [0, 0.0])
            assert per["orders"] == orders == per["by_code"] + per["by_link"]
            assert per["revenue"] == pytest.approx(revenue, abs=0.005)
        total = campaign["attributed_revenue"] + campaign["unattributed_revenue"]
        assert campaign["revenue"] == pytest.approx(total, abs=0.01)


def test_every_order_has_a_known_currency_the_campaigns_own(
    world: WorldSummary, truth: dict[str, Any]
) -> None:
    currency = {c["campaign_id"]: c["currency"] for c in _rows(world, "campaigns")}
    for e in _rows(world, "tracking_events"):
        if e["event_type"] == "purchase":
            assert e["value"] is not None and e["currency"] in CURRENCIES
            assert e["currency"] == currency[e["campaign_id"]] and e["order_id"]


def test_late_events_come_after_events_that_happened_later(
    world: WorldSummary, truth: dict[str, Any]
) -> None:
    events = _rows(world, "tracking_events")
    position = {e["event_id"]: i for i, e in enumerate(events)}
    late = truth["late_event_ids"]
    assert late
    for event_id in late:
        e = events[position[event_id]]
        earlier_in_file = events[: position[event_id]]
        assert any(_when(x["occurred_at"]) > _when(e["occurred_at"]) for x in earlier_in_file)


def test_links_belong_to_deals_and_every_event_link_is_known(world: WorldSummary) -> None:
    links = {link["link_id"]: link for link in _rows(world, "tracked_links")}
    deals = {(d["campaign_id"], d["creator_id"]) for d in _rows(world, "deals")}
    assert all((lk["campaign_id"], lk["creator_id"]) in deals for lk in links.values())
    used = {e["link_id"] for e in _rows(world, "tracking_events")} - {None}
    assert used and used <= set(links)
    keys = [e["touch_key"] for e in _rows(world, "tracking_events") if e["touch_key"]]
    assert keys and not any("@" in k for k in keys)


def test_snapshots_grow_except_the_documented_burst(
    world: WorldSummary, truth: dict[str, Any]
) -> None:
    series: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(world, "post_metrics"):
        series[row["post_id"]].append(row)
    assert min(len(rows) for rows in series.values()) >= 1
    assert sum(len(rows) >= 5 for rows in series.values()) > len(series) / 2
    purges = {(a["post_id"], a["purged_at"]) for a in truth["engagement_anomalies"]}
    falls = set()
    for post_id, rows in series.items():
        rows.sort(key=lambda r: _when(r["observed_at"]))
        for before, after in itertools.pairwise(rows):
            for name in _COUNTS:
                if before[name] is not None and after[name] < before[name]:
                    falls.add((post_id, after["observed_at"].replace("Z", "+00:00"), name))
    assert {(p, when) for p, when, _ in falls} <= purges
    assert {name for _, _, name in falls} <= {"likes"}


def test_a_burst_is_a_jump_in_likes_without_matching_reach(
    world: WorldSummary, truth: dict[str, Any]
) -> None:
    anomalies = truth["engagement_anomalies"]
    assert anomalies
    rows = {(r["post_id"], _when(r["observed_at"])): r for r in _rows(world, "post_metrics")}
    for a in anomalies:
        before = rows[(a["post_id"], _when(a["previous_observed_at"]))]
        after = rows[(a["post_id"], _when(a["observed_at"]))]
        assert after["source"] == "insights"
        likes_growth = (after["likes"] - before["likes"]) / max(before["likes"], 1)
        reach_growth = (after["reach"] - before["reach"]) / max(before["reach"], 1)
        assert after["likes"] - before["likes"] >= a["added_likes"]
        assert likes_growth > 2 * reach_growth + 0.5


def test_public_snapshots_carry_no_first_party_figures(
    world: WorldSummary, truth: dict[str, Any]
) -> None:
    sources = {r["post_id"]: r["source"] for r in _rows(world, "post_metrics")}
    assert sources == truth["snapshot_sources"]
    for row in _rows(world, "post_metrics"):
        if row["source"] == "public":
            assert row["reach"] is None and row["impressions"] is None
            assert row["link_clicks"] is None
    share = sum(s == "insights" for s in sources.values()) / len(sources)
    assert 0.3 < share < 0.9
    for campaign in truth["campaigns"].values():
        assert campaign["insights_posts"] <= campaign["snapshotted_posts"]


def test_snapshots_are_of_campaign_posts(world: WorldSummary) -> None:
    campaign_of = {p["post_id"]: p["campaign_id"] for p in _rows(world, "posts")}
    observed = {r["post_id"] for r in _rows(world, "post_metrics")}
    assert observed and all(campaign_of.get(post_id) for post_id in observed)
    linked = {lk["post_id"] for lk in _rows(world, "tracked_links")} - {None}
    assert observed <= linked
