"""Campaign data over time: post metric snapshots, tracked links and order fields on events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests._world import TINY, write_records, write_world

from trustreach.core import ImportValidationError, Settings
from trustreach.services import import_path, open_store
from trustreach.store import create_store_engine, metadata, upgrade


@pytest.fixture
def seeded(tmp_path: Path, store_settings: Settings) -> Settings:
    """A store that holds the tiny world (snapshots, a link and an order included)."""
    import_path(write_world(tmp_path / "seed"), workspace="acme", settings=store_settings)
    return store_settings


def _rows(settings: Settings, table: str) -> list[dict[str, object]]:
    engine = open_store(settings)
    with engine.connect() as connection:
        found = [dict(r._mapping) for r in connection.execute(select(metadata.tables[table]))]
    engine.dispose()
    return found


def _utc(value: object) -> datetime:
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_snapshots_links_and_order_fields_are_stored_as_given(seeded: Settings) -> None:
    snapshots = {(r["post_id"], _utc(r["observed_at"])): r for r in _rows(seeded, "post_metrics")}
    assert len(snapshots) == len(TINY["post_metrics"])
    first = snapshots[("p1", datetime(2026, 10, 3, 18, 30, tzinfo=UTC))]
    assert (first["reach"], first["impressions"], first["link_clicks"]) == (30500, 52000, 410)
    assert first["source"] == "insights"
    public = snapshots[("p2", datetime(2026, 10, 4, 5, 0, tzinfo=UTC))]  # +02:00 read as UTC
    assert public["source"] == "public"  # the default
    assert (public["views"], public["reach"], public["likes"]) == (None, None, 900)

    (link,) = _rows(seeded, "tracked_links")
    assert (link["link_id"], link["creator_id"], link["post_id"]) == ("cmp1-c1-p1", "c1", "p1")

    events = {r["event_id"]: r for r in _rows(seeded, "tracking_events")}
    order = events["e2"]
    assert (order["order_id"], order["promo_code"], order["touch_key"]) == (
        "1001",
        "GLOW10",
        "v-8f3a2c",
    )
    assert events["e1"]["link_id"] == "cmp1-c1-p1"
    assert all(r["received_at"] is None for r in events.values())  # only the server sets it


def test_a_resent_snapshot_updates_in_place(tmp_path: Path, seeded: Settings) -> None:
    rows = [dict(r) for r in TINY["post_metrics"]]
    rows[1]["likes"] = 5500
    path = write_records(tmp_path / "upd" / "post_metrics.jsonl", rows)
    (kind,) = import_path(path, workspace="acme", settings=seeded).kinds
    assert (kind.new, kind.changed, kind.unchanged) == (0, 1, 2)


def _errors(path: Path, settings: Settings) -> list[tuple[int, str | None, str]]:
    with pytest.raises(ImportValidationError) as info:
        import_path(path, workspace="acme", settings=settings)
    return [(e.row, e.field, e.message) for e in info.value.errors]


def test_public_snapshot_with_reach_and_empty_snapshot_are_refused(
    tmp_path: Path, seeded: Settings
) -> None:
    rows: list[dict[str, Any]] = [
        {"post_id": "p2", "observed_at": "2026-10-06T07:00:00Z", "likes": 950, "reach": 4000},
        {"post_id": "p2", "observed_at": "2026-10-07T07:00:00Z", "source": "public"},
        {"post_id": "p2", "observed_at": "2026-10-08T07:00:00Z", "likes": 1, "source": "estimate"},
        {"post_id": "p2", "observed_at": "2026-10-09T07:00:00Z", "views": -1},
    ]
    errors = _errors(write_records(tmp_path / "bad" / "post_metrics.jsonl", rows), seeded)
    by_row = {row: (field, message) for row, field, message in errors}
    assert "reach are first-party figures: give source 'insights'" in by_row[1][1]
    assert "at least one count" in by_row[2][1]
    assert by_row[3] == ("source", by_row[3][1]) and "one of: insights, public" in by_row[3][1]
    assert by_row[4][0] == "views" and "an integer between 0 and" in by_row[4][1]
    assert _rows(seeded, "post_metrics") and len(_rows(seeded, "post_metrics")) == 3


def test_a_snapshot_before_its_post_was_posted_is_refused(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    import_path(write_world(tmp_path / "seed"), workspace="acme", settings=sqlite_settings)
    post = next(p for p in TINY["posts"] if p["post_id"] == "p2")
    posted = datetime.fromisoformat(post["posted_at"].replace("Z", "+00:00"))
    rows = [
        {"post_id": "p2", "observed_at": (posted - timedelta(minutes=1)).isoformat(), "likes": 1},
        {"post_id": "p2", "observed_at": posted.isoformat(), "likes": 2},  # at the moment: fine
    ]
    before = len(_rows(sqlite_settings, "post_metrics"))
    errors = _errors(write_records(tmp_path / "bad" / "post_metrics.jsonl", rows), sqlite_settings)
    assert [(row, field) for row, field, _ in errors] == [(1, "observed_at")]
    assert "before post 'p2' was posted" in errors[0][2] and "allowed:" in errors[0][2]
    assert len(_rows(sqlite_settings, "post_metrics")) == before  # all or nothing


@pytest.mark.parametrize("key", ["jane.doe@example.com", "203.0.113.7", "2001:db8::1"])
def test_a_touch_key_that_names_a_person_is_refused(
    tmp_path: Path, sqlite_settings: Settings, key: str
) -> None:
    import_path(write_world(tmp_path / "seed"), workspace="acme", settings=sqlite_settings)
    rows = [{**TINY["tracking_events"][0], "event_id": "e9", "touch_key": key}]
    errors = _errors(write_records(tmp_path / "bad" / "tracking_events.csv", rows), sqlite_settings)
    assert [(row, field) for row, field, _ in errors] == [(1, "touch_key")]
    assert "pseudonymous visitor key" in errors[0][2]


def test_snapshot_and_link_must_refer_to_known_records(tmp_path: Path, seeded: Settings) -> None:
    snapshot = {"post_id": "p404", "observed_at": "2026-10-06T07:00:00Z", "likes": 1}
    errors = _errors(write_records(tmp_path / "a" / "post_metrics.jsonl", [snapshot]), seeded)
    assert [(row, field) for row, field, _ in errors] == [(1, "post_id")]
    assert "refers to a posts record" in errors[0][2]
    links = [
        {"link_id": "l2", "campaign_id": "cmp404", "creator_id": "c1"},
        {"link_id": "l3", "campaign_id": "cmp1", "creator_id": "c404"},
        {"link_id": "l4", "campaign_id": "cmp1", "creator_id": "c1", "post_id": "p404"},
    ]
    errors = _errors(write_records(tmp_path / "b" / "tracked_links.jsonl", links), seeded)
    assert sorted((row, field) for row, field, _ in errors) == [
        (1, "campaign_id"),
        (2, "creator_id"),
        (3, "post_id"),
    ]


def test_upgrading_a_store_keeps_its_events_and_adds_the_campaign_data(
    store_settings: Settings,
) -> None:
    """Migration 0008 on a store that already holds events: rows kept, new fields empty."""
    store_settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_store_engine(store_settings.resolved_database_url())
    upgrade(engine, "0007")
    moment = datetime(2026, 10, 2, 19, 5, tzinfo=UTC)
    rows: dict[str, dict[str, Any]] = {
        "workspaces": {"created_at": moment},
        "brands": {"brand_id": "b1", "name": "B", "category": "general"},
        "campaigns": {
            "campaign_id": "c1", "brand_id": "b1", "name": "C", "goal": "sales",
            "starts_on": date(2026, 10, 1), "ends_on": date(2026, 10, 14), "currency": "USD",
        },
        "tracking_events": {
            "event_id": "e1", "campaign_id": "c1", "occurred_at": moment,
            "event_type": "purchase", "quantity": 1, "value": 39.5, "currency": "USD",
        },
    }  # fmt: skip
    with engine.begin() as connection:  # only the columns revision 0007 has
        for name, values in rows.items():
            connection.execute(insert(metadata.tables[name]).values(workspace="acme", **values))
    upgrade(engine)
    with engine.connect() as connection:
        (event,) = connection.execute(select(metadata.tables["tracking_events"])).mappings()
        assert connection.execute(select(metadata.tables["post_metrics"])).all() == []
    engine.dispose()
    assert (event["event_id"], event["value"]) == ("e1", 39.5)
    assert [
        event[c] for c in ("order_id", "promo_code", "link_id", "touch_key", "received_at")
    ] == [None] * 5
