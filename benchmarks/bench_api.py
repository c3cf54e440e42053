"""API read latency under a fixed request rate, against a real ``trustreach serve`` on loopback.

Copies a data directory (default ``.trustreach``, the demo world ``make demo``
imports) into a temporary folder, adds an auditor API key there, starts
``trustreach serve`` (``--server-workers`` uvicorn processes) on a free loopback port, and for each
main read route sends ``--rate`` requests per second for ``--seconds`` from
``--workers`` keep-alive connections (open loop: each request has a scheduled start, and its
latency is counted from that moment, so a slow server cannot hide its queue).
Prints ``name=value`` lines per route: ``p50_ms``, ``p99_ms``, ``rps`` (answers per
second achieved) and ``errors`` (non-200 answers or transport errors).

    python benchmarks/bench_api.py [--data-dir .trustreach] [--workspace demo] \
        [--rate 100] [--seconds 5] [--workers 32] [--server-workers 1]

The load generator runs on the same machine as the server, so on a small
machine it takes CPU from the server: figures are an upper bound on latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from _store import copy_store, copy_to_database
from trustreach import services
from trustreach.core import Role
from trustreach.services import _listing

_PASSWORD = "bench-api-password-0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive GET on an open connection: the status code (the body is read and dropped)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _load_async(
    port: int, path: str, headers: dict[str, str], rate: float, seconds: float, workers: int
) -> dict[str, float]:
    total = int(rate * seconds)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    next_index = 0
    start = time.perf_counter() + 0.2

    async def worker() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_index < total:
                i = next_index
                next_index += 1
                scheduled = start + i / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                try:
                    ok = await _get(reader, writer, request) == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                latencies.append((time.perf_counter() - scheduled) * 1000)
                errors += not ok
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(workers)))
    wall = time.perf_counter() - start
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": _percentile(latencies, 0.99),
        "rps": len(latencies) / wall,
        "errors": errors,
    }


def _load(
    port: int, path: str, headers: dict[str, str], rate: float, seconds: float, workers: int
) -> dict[str, float]:
    """Open-loop load: request i starts at ``i / rate`` s; its latency counts from then.

    The generator is asyncio over raw keep-alive HTTP/1.1 connections (one
    event loop, no client library) so that on a small machine it takes as little
    CPU from the server as it can.
    """
    return asyncio.run(_load_async(port, path, headers, rate, seconds, workers))


def _sequential(send: Callable[[int], bool], count: int) -> dict[str, float]:
    """``count`` requests one after another (closed loop): p50/p99 latency and errors."""
    latencies: list[float] = []
    errors = 0
    for i in range(count):
        began = time.perf_counter()
        errors += not send(i)
        latencies.append((time.perf_counter() - began) * 1000)
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": _percentile(latencies, 0.99),
        "errors": errors,
    }


def _login(base: str, email: str) -> Callable[[int], bool]:
    """A dashboard login: the form's CSRF token, then the POST (Argon2id verify, new session)."""

    def send(_: int) -> bool:
        with httpx.Client(base_url=base, timeout=30) as client:
            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            if token is None:
                return False
            answer = client.post(
                "/login",
                data={"email": email, "password": _PASSWORD, "csrf_token": token.group(1)},
            )
            return answer.status_code == 303

    return send


def _file_dispute(base: str, key: str, creator_id: str) -> Callable[[int], bool]:
    """A write: one dispute filed through the API (audited: the chain is verified first)."""
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60)

    def send(i: int) -> bool:
        answer = client.post(
            "/api/v1/disputes", json={"creator_id": creator_id, "reason": f"bench {i}"}
        )
        return answer.status_code == 201

    return send


def _print(prefix: str, figures: dict[str, float]) -> None:
    for what, value in figures.items():
        print(
            f"{prefix}_{what}={int(value)}" if what == "errors" else f"{prefix}_{what}={value:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".trustreach"))
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--database-url",
        help="measure on this (scratch) database instead: the store is copied into it first, "
        "replacing what it holds (e.g. postgresql+psycopg://user:pw@127.0.0.1/bench)",
    )
    parser.add_argument("--workers", type=int, default=32, help="client connections")
    parser.add_argument(
        "--sequential", type=int, default=20, help="logins and writes, one after another"
    )
    parser.add_argument(
        "--server-workers", type=int, default=1, help="`trustreach serve --workers N`"
    )
    args = parser.parse_args()
    if not (args.data_dir / "trustreach.db").exists():
        sys.exit(f"no store at {args.data_dir}: run `make demo` first (or pass --data-dir)")
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        data = Path(tmp) / "data"
        if args.database_url:
            settings = copy_to_database(args.data_dir, args.database_url, data)
        else:
            settings = copy_store(args.data_dir, data)
        key, _ = services.create_key(
            workspace=args.workspace,
            role=Role.auditor,
            label="bench_api",
            by=services.cli_actor(args.workspace),
            settings=settings,
        )
        admin_key, _ = services.create_key(
            workspace=args.workspace,
            role=Role.admin,
            label="bench_api writes",
            by=services.cli_actor(args.workspace),
            settings=settings,
        )
        email = "bench-api@example.test"
        services.create_user(
            email,
            workspace=args.workspace,
            role=Role.analyst,
            password=_PASSWORD,
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
            [
                sys.executable,
                "-m",
                "trustreach",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.server_workers),
            ],
            env={
                **os.environ,
                "TRUSTREACH_DATA_DIR": str(data),
                **({"TRUSTREACH_DATABASE_URL": args.database_url} if args.database_url else {}),
                "TRUSTREACH_API_RATE_LIMIT_PER_MINUTE": "0",  # measure the server, not the limit
            },
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
            print(f"api_server_workers={args.server_workers}")
            print(f"api_store={settings.resolved_database_url().split(':', 1)[0].split('+')[0]}")
            for name, path in routes.items():
                httpx.get(base + path, headers=headers, timeout=30).raise_for_status()  # warm
                _print(
                    f"api_{name}", _load(port, path, headers, args.rate, args.seconds, args.workers)
                )
            _print("web_login", _sequential(_login(base, email), args.sequential))
            _print(
                "api_write_dispute",
                _sequential(_file_dispute(base, admin_key, audited), args.sequential),
            )
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
