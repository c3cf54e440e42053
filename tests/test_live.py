"""Incremental campaign aggregates (services/_live.py) equal the KPIs recomputed from events.

The reference is ``read_campaign_kpis(..., aggregates=False)``: every event read and
attributed by :func:`trustreach.campaigns.attribute_orders`. The aggregates are kept
by ``accept_events`` batch by batch (in any order, with duplicates and late clicks),
and rebuilt after an import or a change of codes or links; after each step the KPIs
they give must equal the reference exactly, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from tests._campaign import WORLD
from tests._world import write_records

from trustreach import services
from trustreach.core import Actor, Role, Settings
from trustreach.services import _events, _live
from trustreach.services._campaigns import read_campaign_kpis
from trustreach.services._context import kept_engine
from trustreach.store import write_transaction
from trustreach.store._tables import campaign_live, campaign_orders, deals

WS = "live"
ANALYST = Actor("key", "test-live", Role.analyst, WS)


def _import(tmp_path: Path, settings: Settings, world: dict[str, list[dict[str, Any]]]) -> None:
    directory = tmp_path / f"w{random.random()}"
    for kind, records in world.items():
        write_records(directory / f"{kind}.jsonl", records)
    services.import_path(directory, workspace=WS, settings=settings)


def _base(tmp_path: Path, settings: Settings) -> None:
    _import(tmp_path, settings, {k: v for k, v in WORLD.items() if k != "tracking_events"})


def _both(settings: Settings, campaign: str = "hc") -> None:
    """The KPIs from the aggregates equal the ones recomputed from every event."""
    with kept_engine(settings).connect() as c:
        for by in (None, "creator", "post", "day"):
            live = read_campaign_kpis(c, WS, campaign, by=by).to_dict()
            full = read_campaign_kpis(c, WS, campaign, by=by, aggregates=False).to_dict()
            assert live == full, by


def _owner(settings: Settings, order: str) -> str | None:
    with kept_engine(settings).connect() as c:
        return c.execute(
            select(campaign_orders.c.creator_id).where(
                campaign_orders.c.workspace == WS, campaign_orders.c.order_key == order
            )
        ).scalar_one()


def _version(settings: Settings) -> int | None:
    with kept_engine(settings).connect() as c:
        return _live.version(c, WS, "hc")


def test_events_accepted_in_any_order_and_twice_equal_the_recomputation(
    tmp_path: Path, store_settings: Settings
) -> None:
    _base(tmp_path, store_settings)
    _both(store_settings)  # built (empty) on the first read
    events = list(WORLD["tracking_events"])
    random.Random(7).shuffle(events)
    for start in range(0, len(events), 3):
        before = _version(store_settings)
        _events.accept_events(events[start : start + 3], actor=ANALYST, settings=store_settings)
        assert _version(store_settings) != before  # the live page polls this
        _both(store_settings)
    _events.accept_events(events, actor=ANALYST, settings=store_settings)  # all duplicates
    _both(store_settings)
    report = services.campaign_kpis("hc", workspace=WS, settings=store_settings).to_dict()
    assert report["campaign"]["conversions"] == 3  # O1 once; O4 outside the window
    assert report["campaign"]["link_clicks"] == 4
    assert f"{report['campaign']['revenue']:.2f}" == "245.50"


def test_a_late_click_moves_an_orders_credit_within_the_window(
    tmp_path: Path, store_settings: Settings
) -> None:
    """O3 (visitor v2, 10-04 10:00) is ana's by k3 on L1 (10-04 08:00); a click by v2 on
    max's L3 at 09:30 that arrives after the order takes it; one at 10:30 (after the
    order) or 40 days before does not."""
    _base(tmp_path, store_settings)
    _events.accept_events(WORLD["tracking_events"], actor=ANALYST, settings=store_settings)
    _both(store_settings)  # built from the events (the first read)
    assert _owner(store_settings, "O3") == "ana"
    late = {"campaign_id": "hc", "event_type": "click", "link_id": "L3", "touch_key": "v2"}
    outside = [
        {**late, "event_id": "k-after", "occurred_at": "2026-10-04T10:30:00Z"},
        {**late, "event_id": "k-old", "occurred_at": "2026-08-20T10:00:00Z"},
    ]
    _events.accept_events(outside, actor=ANALYST, settings=store_settings)
    assert _owner(store_settings, "O3") == "ana"
    _both(store_settings)
    inside = {**late, "event_id": "k-late", "occurred_at": "2026-10-04T09:30:00Z"}
    _events.accept_events([inside], actor=ANALYST, settings=store_settings)
    assert _owner(store_settings, "O3") == "max"
    assert _owner(store_settings, "O2") == "max"  # by its code, whatever the clicks
    _both(store_settings)


def test_an_import_or_a_changed_code_rebuilds_the_aggregates(
    tmp_path: Path, store_settings: Settings
) -> None:
    _base(tmp_path, store_settings)
    _events.accept_events(WORLD["tracking_events"][:4], actor=ANALYST, settings=store_settings)
    _both(store_settings)
    late_night = {  # 10-05 02:30 UTC, written in New York's offset: a click of 10-05
        "event_id": "k-ny", "campaign_id": "hc", "occurred_at": "2026-10-04T22:30:00-04:00",
        "event_type": "click", "link_id": "L1", "touch_key": "v9",
    }  # fmt: skip
    imported = [*WORLD["tracking_events"][4:], late_night]
    _import(tmp_path, store_settings, {"tracking_events": imported})
    _both(store_settings)  # the imported orders are there: rebuilt after the import
    days = services.campaign_kpis("hc", by="day", workspace=WS, settings=store_settings)
    clicks = {r["key"]: r["link_clicks"] for r in days.to_dict()["rows"]}
    assert clicks.get("2026-10-05") == 1  # its UTC day
    assert _owner(store_settings, "O1") == "ana"
    engine = kept_engine(store_settings)
    with write_transaction(engine) as c:  # max's code changes outside any import
        c.execute(
            update(deals)
            .where(deals.c.workspace == WS, deals.c.deal_id == "hd2")
            .values(affiliate_code="OTHER")
        )
    _both(store_settings)
    assert _owner(store_settings, "O2") == "ana"  # no code now: v2's last click, k3 on L1
    with engine.connect() as c:
        signature = c.execute(select(campaign_live.c.signature)).scalar_one()
    assert signature == _live.signature(*_live_codes(store_settings))


def _live_codes(settings: Settings) -> tuple[Any, Any]:
    with kept_engine(settings).connect() as c:
        return _live.codes_and_links(c, WS, "hc")


def _generated(seed: int, n: int) -> list[dict[str, Any]]:
    """A generated stream of clicks and orders on hc: visitors, links, codes, repeats."""
    rng = random.Random(seed)
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        at = (t0 + timedelta(minutes=rng.randrange(60 * 24 * 60))).isoformat()
        key = rng.choice(["v1", "v2", "v3", "v4", None])
        if rng.random() < 0.55:
            event = {"event_type": "click", "link_id": rng.choice(["L1", "L3", "Lx", None])}
            if rng.random() < 0.2:
                event["quantity"] = rng.randint(2, 5)
        else:
            event = {
                "event_type": "purchase",
                "order_id": rng.choice([f"G{rng.randrange(12)}", None]),
                "promo_code": rng.choice([None, None, "ana10", " MAX5", "nope"]),
                "value": rng.choice([9.99, 20.0, 45.5, None]),
                "currency": "USD",
            }
            if rng.random() < 0.2:
                event["link_id"] = rng.choice(["L1", "L3"])
        out.append(
            {
                "event_id": f"g{seed}-{i}",
                "campaign_id": "hc",
                "occurred_at": at,
                **({"touch_key": key} if key else {}),
                **{k: v for k, v in event.items() if v is not None},
            }
        )
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_generated_stream_in_random_batches_equals_the_recomputation(
    tmp_path: Path, store_settings: Settings, seed: int
) -> None:
    _base(tmp_path, store_settings)
    _both(store_settings)
    stream = _generated(seed, 160)
    rng = random.Random(seed)
    sent = 0
    while sent < len(stream):
        size = rng.randint(1, 30)
        batch = stream[sent : sent + size]
        batch += rng.sample(stream[: sent + 1], k=min(2, sent + 1))  # repeats: duplicates
        _events.accept_events(batch, actor=ANALYST, settings=store_settings)
        sent += size
        if rng.random() < 0.3:
            _both(store_settings)
    _both(store_settings)
    with kept_engine(store_settings).connect() as c:
        rules = set(c.execute(select(campaign_orders.c.rule)).scalars())
    assert {"code", "link", "none"} <= rules  # the stream exercised every rule
