"""Alerts without anyone asking: a served process runs a campaign's rules after its events.

:class:`AlertWatch` (one per server process, kept on the app's state by
:func:`watch_of`) is told which campaigns a committed batch of events touched
(:meth:`AlertWatch.touched`). A background thread runs
:func:`~trustreach.services._alerts.check_alerts` for each touched campaign at most
``alert_check_interval_s`` seconds later and at most once per interval: a burst of
batches makes one check, and the check after it takes everything that arrived since.
Every ``alert_sweep_s`` seconds it also checks every running campaign of the store
(between its start and a week after its end), for what arrives without events:
imported snapshots and comments, and pace as time passes.

Checks are made by ``trustreach (automatic check)``, named so in the audit log; new
alerts are delivered to the workspace's webhook from this thread (retries included),
never from the request that accepted the events. A failed check is logged (without
personal data) and tried again on the next touch or sweep. Several processes may
each check a campaign: a check is one write transaction that raises an alert only
where none is open, so they do not raise it twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from trustreach.core import Settings, TrustreachError
from trustreach.services._alerts import check_alerts
from trustreach.services._context import store
from trustreach.store._tables import campaigns

log = logging.getLogger(__name__)

ACTOR = "trustreach (automatic check)"
"""Who the audit log names for a check nobody asked for."""
SWEEP_GRACE_DAYS = 7
"""A campaign is swept until this many days after its end (late orders, last snapshots)."""

Key = tuple[str, str]
"""(workspace, campaign_id)"""


def running_campaigns(settings: Settings, today: datetime | None = None) -> list[Key]:
    """Every campaign of the store that runs today (or ended less than a week ago)."""
    day = (today or datetime.now(UTC)).date()
    c = campaigns.c
    with store(settings, create=False) as engine, engine.connect() as connection:
        rows = connection.execute(
            select(c.workspace, c.campaign_id)
            .where(c.starts_on <= day, c.ends_on >= day - timedelta(days=SWEEP_GRACE_DAYS))
            .order_by(c.workspace, c.campaign_id)
        )
        return [(r.workspace, r.campaign_id) for r in rows]


class AlertWatch:
    """Checks the alerts of the campaigns events touched, in a background thread.

    ``check`` runs one campaign's rules (default: :func:`check_alerts` as
    :data:`ACTOR`); ``clock`` is :func:`time.monotonic` (both replaceable in tests).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        check: Callable[[str, str], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.interval = settings.alert_check_interval_s
        self.sweep_every = settings.alert_sweep_s
        self._check = check or self._check_alerts
        self._clock = clock
        self._due: dict[Key, float] = {}
        self._last: dict[Key, float] = {}
        self._next_sweep = clock() + self.sweep_every if self.sweep_every else None
        self._wake = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.checks = 0
        """Campaign checks run (successful or not), for tests and logs."""

    def _check_alerts(self, workspace: str, campaign_id: str) -> Any:
        return check_alerts(campaign_id, workspace=workspace, actor=ACTOR, settings=self.settings)

    def touched(self, workspace: str, campaign_ids: Iterable[str]) -> None:
        """Events of these campaigns were committed: check them within the interval."""
        if not self.interval:
            return  # automatic checks are off
        now = self._clock()
        with self._wake:
            for campaign_id in campaign_ids:
                key = (workspace, campaign_id)
                if key in self._due:
                    continue  # already waiting: the coming check takes these events too
                last = self._last.get(key)
                self._due[key] = now if last is None else max(now, last + self.interval)
            self._start()
            self._wake.notify()

    def _start(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._run, name="alert-watch", daemon=True)
            self._thread.start()

    def start(self) -> None:
        """Start the thread now (for the sweep); :meth:`touched` starts it too."""
        with self._wake:
            self._start()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread after the check it is running, if any."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def _next(self) -> tuple[list[Key], float | None]:
        """(campaigns due now, seconds until the next is due); under the lock."""
        now = self._clock()
        due = sorted(k for k, at in self._due.items() if at <= now)
        for key in due:
            del self._due[key]
            self._last[key] = now
        if self._next_sweep is not None and self._next_sweep <= now:
            self._next_sweep = now + self.sweep_every
            try:
                swept = running_campaigns(self.settings)
            except (SQLAlchemyError, TrustreachError, OSError):
                log.exception("alert sweep: could not list the running campaigns")
                swept = []
            for key in swept:
                if key not in due and self._due.get(key) is None:
                    due.append(key)
                    self._last[key] = now
        moments = list(self._due.values())
        if self._next_sweep is not None:
            moments.append(self._next_sweep)
        wait = max(0.0, min(moments) - now) if moments else None
        return due, wait

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._closed:
                    return
                due, wait = self._next()
                if not due:
                    self._wake.wait(wait)
                    continue
            for workspace, campaign_id in due:
                if self._closed:
                    return
                self.checks += 1
                try:
                    self._check(workspace, campaign_id)
                except (SQLAlchemyError, TrustreachError, OSError):
                    log.exception("automatic alert check failed (campaign %s)", campaign_id)


_OF_LOCK = threading.Lock()


def watch_of(state: Any, settings: Settings) -> AlertWatch:
    """The :class:`AlertWatch` kept on ``state`` (an app's ``app.state``), made on first use."""
    with _OF_LOCK:
        watch: AlertWatch | None = getattr(state, "alert_watch", None)
        if watch is None:
            watch = AlertWatch(settings)
            state.alert_watch = watch
    return watch
