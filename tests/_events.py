"""Shared by the event tests: a small store with two workspaces, events, and a real server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from tests._world import TINY, write_records

from trustreach import services
from trustreach.core import Role, Settings
from trustreach.store._tables import tracking_events

A, B = "acme", "globex"
KINDS = ("brands", "creators", "creator_accounts", "campaigns", "posts")


def world(prefix: str = "") -> dict[str, list[dict[str, Any]]]:
    """Brands, creators, accounts, a campaign and posts of the tiny world, ids prefixed."""
    ids = ("b1", "c1", "c2", "ig_c1", "tt_c2", "cmp1", "p1", "p2")
    records: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        rows = []
        for row in TINY[kind]:
            row = {
                k: (prefix + v if isinstance(v, str) and v in ids else v) for k, v in row.items()
            }
            rows.append(row)
        records[kind] = rows
    records["deals"] = [
        {"deal_id": prefix + "d1", "campaign_id": prefix + "cmp1", "creator_id": prefix + "c1",
         "compensation": "fee", "amount": 1500, "currency": "USD", "signed_on": "2026-09-20",
         "affiliate_code": "GLOW10"},
    ]  # fmt: skip
    return records


def seed(tmp_path: Path, settings: Settings) -> dict[tuple[str, Role], str]:
    """Workspaces A and B (B's ids prefixed ``gx-``) and an API key per role in each."""
    for workspace, prefix in ((A, ""), (B, "gx-")):
        folder = tmp_path / f"world-{workspace}"
        for kind, records in world(prefix).items():
            write_records(folder / f"{kind}.jsonl", records)
        services.import_path(folder, workspace=workspace, settings=settings)
    keys = {}
    for workspace in (A, B):
        for role in (Role.admin, Role.analyst, Role.auditor):
            token, _ = services.create_key(
                workspace=workspace,
                role=role,
                label=f"{workspace} {role.value}",
                by=services.cli_actor(workspace),
                settings=settings,
            )
            keys[(workspace, role)] = token
    return keys


def event(i: int, **fields: Any) -> dict[str, Any]:
    """A valid event of campaign cmp1 (ids and moments vary with ``i``)."""
    base: dict[str, Any] = {
        "event_id": f"ev-{i:06d}",
        "campaign_id": "cmp1",
        "occurred_at": f"2026-10-{2 + i % 10:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
        "event_type": "click" if i % 3 else "purchase",
        "creator_id": "c1",
    }
    if base["event_type"] == "purchase":
        base.update(value=round(10 + i % 90 + 0.25, 2), currency="USD", order_id=f"o-{i}")
    return {**base, **fields}


def stored_events(settings: Settings, workspace: str = A) -> dict[str, Any]:
    """``event_id -> row`` of the workspace's stored events."""
    engine = services.open_store(settings)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(tracking_events).where(tracking_events.c.workspace == workspace)
            ).mappings()
            return {r["event_id"]: dict(r) for r in rows}
    finally:
        engine.dispose()


def count_events(settings: Settings) -> int:
    engine = services.open_store(settings)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(tracking_events)).scalar_one()
            )
    finally:
        engine.dispose()


def env(settings: Settings, **extra: str) -> dict[str, str]:
    values = {**os.environ, "TRUSTREACH_DATA_DIR": str(settings.data_dir), **extra}
    values.pop("TRUSTREACH_DATABASE_URL", None)
    if settings.database_url:
        values["TRUSTREACH_DATABASE_URL"] = settings.database_url
    values["TRUSTREACH_API_RATE_LIMIT_PER_MINUTE"] = "0"
    return values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``trustreach serve`` on a loopback port, answering /health (waits up to 60 s)."""
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "trustreach", "serve", "--port", str(port)],
        env=env(settings),
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    kill(process)
    raise RuntimeError("the server did not answer within 60 s")


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL, as ``kill -9`` would."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@contextmanager
def serving(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A real server for the block; yields its base URL."""
    port = free_port()
    process = start_server(settings, port, tmp_path / "server.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill(process)
