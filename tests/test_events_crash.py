"""kill -9 of a serving process during event ingest loses no acknowledged event and counts
none twice.

A real ``trustreach serve`` on a loopback port; a client pushes batches as fast as the
server takes them and re-sends every batch it did not get a 200 for (as
``trustreach events push`` does); a second thread kills the server with SIGKILL
at random moments (three times) and starts it again. Afterwards: every event sent
is stored exactly once with the content it was sent with, no event was reported
accepted twice, and the audit log verifies.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from tests._events import A, env, event, free_port, kill, seed, start_server, stored_events

from trustreach.core import Role, Settings

SEED = 20261205
BATCHES, BATCH = 40, 250
KILLS = 3
DEADLINE_S = 240


def test_a_killed_server_loses_no_acknowledged_event_and_counts_none_twice(
    tmp_path: Path, store_settings: Settings
) -> None:
    keys = seed(tmp_path, store_settings)
    rng = random.Random(SEED)
    batches = [[event(b * BATCH + i) for i in range(BATCH)] for b in range(BATCHES)]
    port = free_port()
    log = tmp_path / "server.log"
    server = {"process": start_server(store_settings, port, log)}
    acknowledged: list[int] = []
    accepted: Counter[str] = Counter()
    unanswered = 0
    kills: list[int] = []
    done = threading.Event()

    def killer() -> None:
        for _ in range(KILLS):
            target = len(acknowledged) + rng.randint(2, 6)
            while len(acknowledged) < target and not done.is_set():
                time.sleep(0.005)
            if done.is_set():
                return
            time.sleep(rng.uniform(0, 0.05))  # somewhere inside a request, or between two
            kill(server["process"])
            kills.append(len(acknowledged))
            server["process"] = start_server(store_settings, port, log)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    started = time.monotonic()
    auth = {"Authorization": f"Bearer {keys[(A, Role.analyst)]}"}
    url = f"http://127.0.0.1:{port}/api/v1/events"
    try:
        with httpx.Client(headers=auth, timeout=30) as client:
            for number, batch in enumerate(batches):
                while True:
                    assert time.monotonic() - started < DEADLINE_S, "the test ran out of time"
                    try:
                        answer = client.post(url, json={"events": batch})
                    except httpx.TransportError:
                        unanswered += 1
                        time.sleep(0.05)
                        continue
                    if answer.status_code == 200:
                        break
                    assert answer.status_code in (502, 503), answer.text
                    unanswered += 1
                    time.sleep(0.05)
                receipt: dict[str, Any] = answer.json()
                duplicates = set(receipt["duplicate_ids"])
                accepted.update(e["event_id"] for e in batch if e["event_id"] not in duplicates)
                acknowledged.append(number)
    finally:
        done.set()
        thread.join(timeout=120)
        kill(server["process"])
    assert len(kills) == KILLS, f"the server was killed {len(kills)} times"
    assert unanswered >= KILLS  # each kill cost the client at least one unanswered request
    stored = stored_events(store_settings)
    sent = {e["event_id"]: e for batch in batches for e in batch}
    assert set(stored) == set(sent)  # nothing lost, nothing extra (one row per event_id)
    assert [i for i, n in accepted.items() if n > 1] == []  # never counted twice
    for event_id, row in stored.items():
        assert row["creator_id"] == sent[event_id]["creator_id"]
        assert row["value"] == sent[event_id].get("value")
    verify = subprocess.run(
        [sys.executable, "-m", "trustreach", "audit", "verify"],
        env=env(store_settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
