"""Events accepted per second through the API, one server process, batches of 1,000.

Builds a small store (one campaign, two creators) in a temporary folder, on SQLite
and, with ``--postgres-url`` (or ``TRUSTREACH_BENCH_POSTGRES_URL``), on a scratch
PostgreSQL database (emptied first), starts ``trustreach serve`` (one process) on a
free loopback port, and sends ``--events`` new events in batches of ``--batch`` from
``--clients`` keep-alive connections. Every batch must answer 200 with all its
events accepted. Prints, per store:

* ``events_per_s_<store>``: events acknowledged (durable) per second, end to end;
* ``api_cpu_ms_per_batch_<store>`` / ``events_per_api_cpu_s_<store>``: the server
  process's own CPU time (user + system) per batch, and events per second of it: what
  one API process can take when the database and the senders have cores of their own;
* ``service_events_per_s_<store>``: the same batches through the use-case in this
  process, without HTTP (what the server's Python does per event);
* ``service_{validate,store}_ms_per_batch_<store>``: where the use-case's time goes
  (checking the batch and building its rows; the transaction: look-ups, insert, commit);
* ``record_validate_ms_per_batch`` / ``batch_validate_ms_per_batch``: a batch checked
  event by event with the interchange record, and whole in pydantic-core (the fast path).

    python benchmarks/bench_events.py [--events 100000] [--batch 1000] [--clients 2] \
        [--postgres-url postgresql+psycopg://…/scratch]

The load generator runs on the same machine as the server and takes CPU from it
(bodies are encoded before the clock starts).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' tiny world

from tests._events import A, event, free_port, seed, start_server

from trustreach.core import Actor, Role, Settings
from trustreach.ingest import TrackingEventRecord
from trustreach.ingest._event_batch import event_rows
from trustreach.services import _events
from trustreach.services._context import store_location


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from trustreach.store import create_store_engine, metadata

    engine = create_store_engine(url)
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def _through_api(settings: Settings, token: str, bodies: list[bytes], clients: int,
                 folder: Path) -> tuple[float, float, int]:  # fmt: skip
    port = free_port()
    server = start_server(settings, port, folder / "server.log")
    url = f"http://127.0.0.1:{port}/api/v1/events"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    accepted = [0] * clients
    errors: list[str] = []

    def send(worker: int) -> None:
        with httpx.Client(headers=headers, timeout=120) as client:
            for body in bodies[worker::clients]:
                answer = client.post(url, content=body)
                if answer.status_code != 200:
                    errors.append(f"{answer.status_code}: {answer.text[:300]}")
                    return
                accepted[worker] += int(answer.json()["accepted"])

    try:
        # one warm-up batch (the first request opens the store and writes the hour's audit
        # record); then the clock
        warm = httpx.post(url, content=bodies[0], headers=headers, timeout=120)
        assert warm.status_code == 200, warm.text
        threads = [threading.Thread(target=send, args=(w,)) for w in range(clients)]
        process = psutil.Process(server.pid)
        cpu_before = sum(process.cpu_times()[:2])
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        cpu_seconds = sum(process.cpu_times()[:2]) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    if errors:
        raise SystemExit(f"a batch was refused: {errors[0]}")
    return seconds, cpu_seconds, sum(accepted)


def _store(name: str, settings: Settings, folder: Path, args: argparse.Namespace) -> None:
    keys = seed(folder, settings)
    n, size = args.events, args.batch
    batches = [[event(i + j) for j in range(size)] for i in range(size, n + 2 * size, size)]
    # api: batch 0 warms up, the rest are timed; service: other ids, this process
    bodies = [json.dumps({"events": b}).encode() for b in batches]
    seconds, cpu, accepted = _through_api(settings, keys[(A, Role.analyst)], bodies,
                                          args.clients, folder)  # fmt: skip
    timed = sum(len(b) for b in batches[1:])
    assert accepted == timed, (accepted, timed)
    print(f"events_per_s_{name}={timed / seconds:.0f}")
    print(f"api_ms_per_batch_{name}={seconds / (len(batches) - 1) * 1000:.1f}")
    print(f"api_cpu_ms_per_batch_{name}={cpu / (len(batches) - 1) * 1000:.1f}")
    print(f"events_per_api_cpu_s_{name}={timed / cpu:.0f}")
    actor = Actor("key", "bench", Role.analyst, A)
    service = [[event(10_000_000 + i + j) for j in range(size)] for i in range(0, 21 * size, size)]
    _events.accept_events(service[0], actor=actor, settings=settings)  # opens, audits the hour
    engine = _events.events_engine(settings)
    spent = {"validate": 0.0, "store": 0.0}
    for batch in service[1:]:
        started = time.perf_counter()
        fast = event_rows(batch)  # what accept_events does: the batch whole, else each record
        assert fast is not None
        validated = time.perf_counter()
        rows = fast
        received = datetime.now(UTC)
        key = (store_location(settings), A, actor.audit_name, _events._hour(received))
        receipt = _events._commit(settings, engine, actor, A, rows, received, key)
        assert receipt.accepted == size
        spent["validate"] += validated - started
        spent["store"] += time.perf_counter() - validated
    runs = len(service) - 1
    total = sum(spent.values())
    print(f"service_events_per_s_{name}={runs * size / total:.0f}")
    print(f"service_ms_per_batch_{name}={total / runs * 1000:.1f}")
    for part, seconds in spent.items():
        print(f"service_{part}_ms_per_batch_{name}={seconds / runs * 1000:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--postgres-url", default=os.environ.get("TRUSTREACH_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    sample = [event(i) for i in range(args.batch)]
    started = time.perf_counter()
    for _ in range(5):
        [TrackingEventRecord.model_validate(e) for e in sample]
    print(f"record_validate_ms_per_batch={(time.perf_counter() - started) / 5 * 1000:.1f}")
    started = time.perf_counter()
    for _ in range(5):
        assert event_rows(sample) is not None
    print(f"batch_validate_ms_per_batch={(time.perf_counter() - started) / 5 * 1000:.1f}")
    folder = Path(tempfile.mkdtemp(prefix="bench-events-"))
    try:
        _store("sqlite", Settings(data_dir=folder / "sqlite" / "data"), folder / "sqlite", args)
        if args.postgres_url:
            _reset_postgres(args.postgres_url)
            settings = Settings(data_dir=folder / "pg" / "data", database_url=args.postgres_url)
            _store("postgresql", settings, folder / "pg", args)
        else:
            print("# events_per_s_postgresql: give --postgres-url (a scratch database)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
