"""Crash consistency of an import: kill it (SIGKILL, a real process) and check what is left.

Shared by ``tests/test_import_crash.py`` (a few kill points in ``make test``) and
``scripts/fuzz_import_kill.py`` (as many as asked). Two versions of one world
hold the same keys with different values, so a complete import of either leaves
a state known in advance, whatever the store held before. After each kill:

1. the store holds the state from before the import or the complete import,
   never a mix (every row of every table but the audit log compared, and the
   audit log has gained at most one record);
2. ``trustreach audit verify`` exits 0;
3. importing the same world again succeeds and gives the clean import's state.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from tests._world import TINY, write_records

from trustreach.core import Settings
from trustreach.services import import_path, open_store
from trustreach.store import metadata

DRIVER = Path(__file__).with_name("_kill_import.py")
KINDS = ("creators", "creator_accounts", "follower_accounts", "follows", "posts")
State = dict[str, list[tuple[str, ...]]]


def write_worlds(directory: Path, followers: int = 3000) -> tuple[Path, Path]:
    """Two versions of a world: the same keys in every kind, different values."""
    worlds = []
    for version in (1, 2):
        world = directory / f"v{version}"
        extra = [
            {"account_id": f"acc{i}", "username": f"user{i}{version}",
             "followers_count": (i * 7 + version) % 997, "is_private": (i + version) % 5 == 0}
            for i in range(followers)
        ]  # fmt: skip
        records: dict[str, list[dict[str, Any]]] = {
            "creators": [dict(r, display_name=f"{r['display_name']} v{version}")
                         for r in TINY["creators"]],
            "creator_accounts": [dict(r, followers_count=r["followers_count"] + version)
                                 for r in TINY["creator_accounts"]],
            "follower_accounts": TINY["follower_accounts"] + extra,
            "follows": TINY["follows"] + [
                {"creator_account_id": "ig_c1" if i % 2 else "tt_c2",
                 "follower_account_id": f"acc{i}", "followed_on": f"2026-09-0{version}"}
                for i in range(followers)
            ],
            "posts": [{k: v for k, v in dict(r, likes=r["likes"] + version).items()
                       if k != "campaign_id"} for r in TINY["posts"]],
        }  # fmt: skip
        for kind in KINDS:
            write_records(world / f"{kind}.jsonl", records[kind])
        worlds.append(world)
    return worlds[0], worlds[1]


def store_state(settings: Settings) -> tuple[State, int]:
    """Every row of every table but the audit log, and the audit log's length."""
    engine = open_store(settings)
    try:
        with engine.connect() as connection:
            state = {
                name: sorted(tuple(str(v) for v in row) for row in connection.execute(select(t)))
                for name, t in metadata.tables.items()
                if name != "audit_log"
            }
            audit = metadata.tables["audit_log"]
            records = int(connection.execute(select(func.count()).select_from(audit)).scalar_one())
    finally:
        engine.dispose()
    return state, records


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "TRUSTREACH_DATA_DIR": str(settings.data_dir), **extra}
    env.pop("TRUSTREACH_DATABASE_URL", None)
    if settings.database_url:
        env["TRUSTREACH_DATABASE_URL"] = settings.database_url
    return env


def run_import(
    world: Path, settings: Settings, kill_at: int, events: Path, *, batch_rows: int = 500
) -> subprocess.CompletedProcess[str]:
    """``trustreach import WORLD`` in a process that SIGKILLs itself at event ``kill_at``."""
    events.unlink(missing_ok=True)
    env = cli_env(
        settings,
        KILL_AT=str(kill_at),
        KILL_EVENTS=str(events),
        TRUSTREACH_IMPORT_BATCH_ROWS=str(batch_rows),
    )
    return subprocess.run(
        [sys.executable, str(DRIVER), "import", str(world), "--workspace", "acme"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def audit_verify(settings: Settings) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trustreach", "audit", "verify"],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )


@dataclass
class Crash:
    """What one killed import left behind."""

    event: int
    label: str  # the event it died at ("" if it finished)
    committed: bool
    problems: list[str]


class CrashBench:
    """A store holding one of two known states, and imports killed on it."""

    def __init__(self, settings: Settings, directory: Path, *, followers: int = 3000) -> None:
        self.settings, self.directory = settings, directory
        self.worlds = write_worlds(directory / "worlds", followers)
        self.expected: list[State] = []
        for world in self.worlds:
            import_path(world, workspace="acme", settings=settings)
            self.expected.append(store_state(settings)[0])
        import_path(self.worlds[0], workspace="acme", settings=settings)
        again = store_state(settings)[0]
        assert again == self.expected[0], "importing v1 over v2 must give v1's clean state"
        self.current = 0  # which world's state the store holds
        self.runs = 0

    def events(self) -> list[str]:
        """The events of a clean CLI import (it also moves the store to the other world)."""
        log = self.directory / "events-count.txt"
        target = 1 - self.current
        done = run_import(self.worlds[target], self.settings, 0, log)
        assert done.returncode == 0, done.stderr
        self.current = target
        assert store_state(self.settings)[0] == self.expected[target]
        return log.read_text(encoding="utf-8").splitlines()

    def kill(self, event: int) -> Crash:
        """Import the other world, killed at ``event``; then check, verify and re-import."""
        self.runs += 1
        target = 1 - self.current
        before, before_records = store_state(self.settings)
        log = self.directory / f"events-{self.runs}.txt"
        done = run_import(self.worlds[target], self.settings, event, log)
        seen = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        label = seen[-1] if done.returncode == -9 and seen else ""
        problems = []
        if done.returncode not in (0, -9):
            problems.append(f"import exited {done.returncode}: {done.stderr.strip()[-500:]}")
        if "Traceback" in done.stderr:
            problems.append(f"import printed a traceback: {done.stderr.strip()[-500:]}")
        left, records = store_state(self.settings)
        committed = left == self.expected[target]
        if left != before and not committed:
            changed = sorted(
                k for k in left if left[k] not in (before[k], self.expected[target][k])
            )
            problems.append(f"store holds a mix of before and after (tables {changed})")
        if records - before_records != int(committed):
            problems.append(
                f"audit log went from {before_records} to {records} records "
                f"(data {'complete' if committed else 'unchanged'})"
            )
        verify = audit_verify(self.settings)
        if verify.returncode != 0:
            problems.append(
                f"audit verify exited {verify.returncode}: "
                f"{(verify.stdout + verify.stderr).strip()[-800:]}"
            )
            return Crash(event, label, committed, problems)
        try:
            import_path(self.worlds[target], workspace="acme", settings=self.settings)
        except Exception as exc:  # reported, not raised: the caller lists every problem
            problems.append(f"re-import failed: {type(exc).__name__}: {exc}")
            return Crash(event, label, committed, problems)
        if store_state(self.settings)[0] != self.expected[target]:
            problems.append("re-import did not give the clean import's state")
        self.current = target
        return Crash(event, label, committed, problems)
