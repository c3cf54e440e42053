"""The demo's live campaign: one campaign's later events replayed into the running server.

``trustreach demo --serve`` (``make demo``) holds back the later half of the events of
the campaign with the most clicks and orders (:func:`hold_back`, before the import:
they go to ``<world>/replay/tracking_events.jsonl``), and once the server answers,
a background thread sends them through ``POST /api/v1/events`` with a demo API key
(:func:`replay`), in the order they happened and faster than real time (the held
back weeks in about :data:`REPLAY_SECONDS`), so a newcomer watching the campaign
page sees its conversions and revenue change. ``--no-serve`` (``make demo
SERVE=0``) holds nothing back and replays nothing.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustreach.core import write_text_atomically

if TYPE_CHECKING:  # httpx is imported when the replay runs, not at CLI start-up
    import httpx

REPLAY_SECONDS = 90.0
"""About how long the replay takes, whatever span of campaign time it covers."""
TICK_SECONDS = 0.5
"""How often the replay sends what has "happened" since its last batch."""
CHECK_SECONDS = 15.0
"""How often the replay runs the campaign's alert rules (at the campaign time reached)."""
BATCH = 500
"""The most events one request of the replay sends."""
_REPLAYED_TYPES = ("click", "purchase")


@dataclass(frozen=True)
class ReplayPlan:
    """What :func:`hold_back` set aside: the campaign, its held back events, where."""

    campaign_id: str
    events: int
    path: Path


def _moment(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(event["occurred_at"]).replace("Z", "+00:00"))


def hold_back(world: Path) -> ReplayPlan | None:
    """Move the later half of one campaign's events out of ``world``'s tracking events.

    The campaign is the one with the most clicks and purchases (ties: the first id);
    its events at or after the median time of those go to
    ``world/replay/tracking_events.jsonl``, sorted by time. None when the world has
    no tracking events file or no click or purchase.
    """
    source = world / "tracking_events.jsonl"
    if not source.is_file():
        return None
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]
    counts = Counter(e["campaign_id"] for e in events if e.get("event_type") in _REPLAYED_TYPES)
    if not counts:
        return None
    campaign = min(counts, key=lambda c: (-counts[c], c))
    times = sorted(
        _moment(e)
        for e in events
        if e["campaign_id"] == campaign and e.get("event_type") in _REPLAYED_TYPES
    )
    cutoff = times[len(times) // 2]
    later = [
        i for i, e in enumerate(events) if e["campaign_id"] == campaign and _moment(e) >= cutoff
    ]
    held = set(later)
    target = world / "replay" / "tracking_events.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(later, key=lambda i: (_moment(events[i]), events[i]["event_id"]))
    write_text_atomically(target, "".join(lines[i] + "\n" for i in ordered))
    write_text_atomically(
        source, "".join(line + "\n" for i, line in enumerate(lines) if i not in held)
    )
    return ReplayPlan(campaign, len(ordered), target)


def replay(
    plan: ReplayPlan,
    client: httpx.Client,
    key: str,
    *,
    seconds: float = REPLAY_SECONDS,
    tick: float = TICK_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
    every: int = 0,
    progress: Callable[[datetime], None] | None = None,
) -> int:
    """Send the plan's events through ``POST /api/v1/events`` in time order, the span of
    campaign time compressed into about ``seconds``; returns how many the server accepted
    (a re-run sends duplicates, which count nothing). ``progress`` is called with the
    campaign time reached every ``every`` ticks that sent something, and at the end."""
    events = [
        json.loads(line)
        for line in plan.path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if not events:
        return 0
    start, end = _moment(events[0]), _moment(events[-1])
    span = max((end - start).total_seconds(), 1.0)
    steps = max(int(seconds / tick), 1)
    accepted = 0
    sent = 0
    for step in range(1, steps + 1):
        if stop is not None and stop.is_set():
            break
        horizon = start.timestamp() + span * step / steps
        batch = []
        while sent < len(events) and (
            _moment(events[sent]).timestamp() <= horizon or step == steps
        ):
            batch.append(events[sent])
            sent += 1
        for first in range(0, len(batch), BATCH):  # within the API's batch and body limits
            answer = client.post(
                "/api/v1/events",
                json={"events": batch[first : first + BATCH]},
                headers={"Authorization": f"Bearer {key}"},
            )
            answer.raise_for_status()
            accepted += int(answer.json()["accepted"])
        if (
            progress is not None
            and batch
            and (sent >= len(events) or (every and step % every == 0))
        ):
            progress(_moment(events[sent - 1]))
        if sent >= len(events):
            break
        sleep(tick)
    return accepted


def wait_for_server(client: httpx.Client, *, timeout: float = 120.0) -> bool:
    """Whether ``/api/v1/health`` answered 200 within ``timeout`` seconds."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.get("/api/v1/health").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    return False


def start_replay(
    plan: ReplayPlan,
    base_url: str,
    key: str,
    report: Callable[[str], None],
    check: Callable[[datetime], None] | None = None,
) -> threading.Thread:
    """Replay ``plan`` in a daemon thread once the server at ``base_url`` answers;
    ``check`` (the campaign's alert rules) runs about every :data:`CHECK_SECONDS`."""

    def checked(at: datetime) -> None:
        if check is None:
            return
        try:
            check(at)
        except Exception as exc:  # the demo goes on; it says why it could not check
            report(f"The demo replay could not check the campaign's alerts: {exc}")

    def run() -> None:
        import httpx

        with httpx.Client(base_url=base_url, timeout=30) as client:
            if not wait_for_server(client):
                report("The demo replay found no server to send its events to.")
                return
            try:
                accepted = replay(
                    plan, client, key, every=int(CHECK_SECONDS / TICK_SECONDS), progress=checked
                )
            except httpx.HTTPError as exc:
                report(f"The demo replay stopped: {exc}")
                return
        report(
            f"Demo replay done: {accepted} events of campaign {plan.campaign_id} accepted "
            "(the campaign page shows them)."
        )

    thread = threading.Thread(target=run, name="demo-replay", daemon=True)
    thread.start()
    return thread


__all__ = ["ReplayPlan", "hold_back", "replay", "start_replay", "wait_for_server"]
