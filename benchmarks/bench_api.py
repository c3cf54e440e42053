"""API read latency under a fixed request rate, against a real ``trustreach serve`` on loopback.

Copies a data directory (default ``.trustreach``, the demo world ``make demo``
imports) into a temporary folder, adds an auditor API key there, starts
``trustreach serve`` (one uvicorn process) on a free loopback port, and for each
main read route sends ``--rate`` requests per second for ``--seconds`` from
``--workers`` threads (open loop: each request has a scheduled start, and its
latency is counted from that moment, so a slow server cannot hide its queue).
Prints ``name=value`` lines per route: ``p50_ms``, ``p99_ms``, ``rps`` (answers per
second achieved) and ``errors`` (non-200 answers or transport errors).

    python benchmarks/bench_api.py [--data-dir .trustreach] [--workspace demo] \
        [--rate 100] [--seconds 5] [--workers 16]

The load generator runs on the same machine as the server, so on a small
machine it takes CPU from the server: figures are an upper bound on latency.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from _store import copy_store
from trustreach import services
from trustreach.core import Role
from trustreach.services import _listing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _load(
    url: str, headers: dict[str, str], rate: float, seconds: float, workers: int
) -> dict[str, float]:
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    next_index = 0
    start = time.perf_counter() + 0.2

    def worker() -> None:
        nonlocal next_index, errors
        with httpx.Client(headers=headers, timeout=30) as client:
            while True:
                with lock:
                    i = next_index
                    next_index += 1
                if i >= total:
                    return
                scheduled = start + i / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                try:
                    ok = client.get(url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - scheduled) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": _percentile(latencies, 0.99),
        "rps": len(latencies) / wall,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".trustreach"))
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    if not (args.data_dir / "trustreach.db").exists():
        sys.exit(f"no store at {args.data_dir}: run `make demo` first (or pass --data-dir)")
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        data = Path(tmp) / "data"
        settings = copy_store(args.data_dir, data)
        key, _ = services.create_key(
            workspace=args.workspace,
            role=Role.auditor,
            label="bench_api",
            by=services.cli_actor(args.workspace),
            settings=settings,
        )
        audited = next(
            c.creator_id
            for c in _listing.page_creators(
                workspace=args.workspace, limit=200, settings=settings
            ).items
            if c.audit_seq is not None
        )
        shortlist = _listing.page_shortlists(workspace=args.workspace, limit=1, settings=settings)
        routes = {
            "creators": "/api/v1/creators?limit=50",
            "creator_audit": f"/api/v1/creators/{audited}/audit",
        }
        if shortlist.items:
            routes["shortlist"] = f"/api/v1/shortlists/{shortlist.items[0].shortlist_id}"
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "trustreach", "serve", "--port", str(port)],
            env={**os.environ, "TRUSTREACH_DATA_DIR": str(data)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/api/v1/health", timeout=2)
                    break
                except httpx.TransportError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit("trustreach serve did not start")
                    time.sleep(0.25)
            headers = {"Authorization": f"Bearer {key}"}
            print(f"api_rate_target={args.rate:g}")
            for name, path in routes.items():
                httpx.get(base + path, headers=headers, timeout=30).raise_for_status()  # warm
                figures = _load(base + path, headers, args.rate, args.seconds, args.workers)
                for what, value in figures.items():
                    print(
                        f"api_{name}_{what}={value:.1f}"
                        if what != "errors"
                        else f"api_{name}_{what}={int(value)}"
                    )
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
