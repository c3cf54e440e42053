"""Alerts without anyone asking: a served process checks a campaign after its events.

The watch itself (services._alert_watch) with a recording check: a burst of batches
makes one check, the next waits out the interval, a closed watch checks no more. Then
the server end to end: an event for the over-budget campaign of tests/test_campaign_alerts
accepted through ``POST /api/v1/events`` raises the ``over_budget`` alert by itself,
named in the audit log as the automatic check.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import select
from tests._api import client
from tests.test_campaign_alerts import WS, alert_world
from tests.test_campaign_kpis import write_hand_world

from trustreach import services
from trustreach.core import Role, Settings
from trustreach.services import _alerts as alerts_service
from trustreach.services._alert_watch import (
    ACTOR,
    SWEEP_GRACE_DAYS,
    AlertWatch,
    running_campaigns,
)
from trustreach.store import audit_log, create_store_engine


def _recording(settings: Settings) -> tuple[AlertWatch, list[tuple[str, float]], threading.Event]:
    seen: list[tuple[str, float]] = []
    event = threading.Event()

    def check(workspace: str, campaign_id: str) -> None:
        seen.append((f"{workspace}/{campaign_id}", time.monotonic()))
        event.set()

    return AlertWatch(settings, check=check), seen, event


def _wait(condition: object, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("not within the time allowed")


def test_a_burst_of_batches_makes_one_check_and_the_next_waits_its_interval(
    sqlite_settings: Settings,
) -> None:
    settings = sqlite_settings.model_copy(
        update={"alert_check_interval_s": 0.6, "alert_sweep_s": 0}
    )
    watch, seen, first = _recording(settings)
    try:
        for _ in range(5):
            watch.touched("w", ["c1"])
        assert first.wait(10)
        time.sleep(0.2)
        assert [name for name, _ in seen] == ["w/c1"]  # one check for the burst
        started = seen[0][1]
        watch.touched("w", ["c1", "c2"])  # c1 waits out its interval, c2 goes now
        _wait(lambda: len(seen) == 3)
        by_name = {name: at for name, at in seen[1:]}
        assert by_name["w/c1"] - started >= 0.55
        assert watch.checks == 3
    finally:
        watch.close()
    watch.touched("w", ["c3"])
    time.sleep(0.3)
    assert len(seen) == 3  # closed: nothing more


def test_checks_are_off_when_the_interval_is_zero(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"alert_check_interval_s": 0, "alert_sweep_s": 0})
    watch, seen, _ = _recording(settings)
    watch.touched("w", ["c1"])
    time.sleep(0.3)
    watch.close()
    assert seen == [] and watch.checks == 0


def test_accepted_events_raise_the_campaigns_alert_by_themselves(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    settings = sqlite_settings.model_copy(update={"alert_check_interval_s": 0.5})
    services.import_path(
        write_hand_world(tmp_path / "hand", alert_world()), workspace=WS, settings=settings
    )
    key, _ = services.create_key(
        workspace=WS, role=Role.analyst, label="shop", by=services.cli_actor(WS), settings=settings
    )
    assert alerts_service.list_alerts("hc", workspace=WS, settings=settings) == []
    event = {"event_id": "late-1", "campaign_id": "hc", "occurred_at": "2026-10-05T10:00:00Z",
             "event_type": "click", "link_id": "L1", "touch_key": "v9"}  # fmt: skip
    with client(settings) as api:  # the lifespan runs: the watch starts and stops with it
        answer = api.post(
            "/api/v1/events", json={"events": [event]}, headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 200 and answer.json()["accepted"] == 1
        _wait(lambda: alerts_service.list_alerts("hc", workspace=WS, settings=settings))
    raised = alerts_service.list_alerts("hc", workspace=WS, settings=settings)
    assert "over_budget" in {a.rule for a in raised}
    engine = create_store_engine(settings.resolved_database_url())
    with engine.connect() as c:
        actors = set(
            c.execute(
                select(audit_log.c.actor).where(audit_log.c.action == "alert_raised")
            ).scalars()
        )
    engine.dispose()
    assert actors == {ACTOR}


def test_the_sweep_takes_the_campaigns_running_or_just_ended(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    services.import_path(
        write_hand_world(tmp_path / "hand", alert_world()), workspace=WS, settings=sqlite_settings
    )
    campaign = alert_world()["campaigns"][0]
    start, end = (datetime.fromisoformat(campaign[k]) for k in ("starts_on", "ends_on"))
    running = partial(running_campaigns, sqlite_settings)
    assert running(start.replace(tzinfo=UTC)) == [(WS, "hc")]
    assert running((end + timedelta(days=SWEEP_GRACE_DAYS)).replace(tzinfo=UTC)) == [(WS, "hc")]
    assert running((end + timedelta(days=SWEEP_GRACE_DAYS + 1)).replace(tzinfo=UTC)) == []
    assert running((start - timedelta(days=1)).replace(tzinfo=UTC)) == []
