"""Atomic replacement and the writer lock, and the audit anchor that relies on them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trustreach.core import Settings, replaced_atomically, write_text_atomically


def test_write_text_atomically_replaces_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "a.json"
    write_text_atomically(path, "one")
    write_text_atomically(path, "two")
    assert path.read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="half way"), replaced_atomically(path) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("half way")
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_two_writers_get_different_temporary_names(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    with replaced_atomically(path) as first, replaced_atomically(path) as second:
        assert first != second
        first.write_text("first", encoding="utf-8")
        second.write_text("second", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == "first"  # the outer block finished last


_WRITER = """
import sys, time
from pathlib import Path
from trustreach import services
from trustreach.core import Settings

data, world, me, writers, n = Path(sys.argv[1]), sys.argv[2], *map(int, sys.argv[3:6])
(data / f"ready-{me}").touch()
deadline = time.time() + 120
while len(list(data.glob("ready-*"))) < writers and time.time() < deadline:
    time.sleep(0.001)  # start together, so the writes overlap
settings = Settings(data_dir=data / "store")
for _ in range(n):
    services.import_path(Path(world), workspace="acme", settings=settings)
"""


def test_concurrent_audited_writers_leave_a_chain_and_anchor_that_agree(
    store_settings: Settings, tmp_path: Path
) -> None:
    # three processes import at once: each waits its turn, every import is one audit
    # record, and the anchor ends on the chain's head whatever order the writes land in
    from tests._world import write_world

    from trustreach import services
    from trustreach.services._audit_guard import read_anchor

    world = write_world(tmp_path / "world")
    services.open_store(store_settings).dispose()  # migrate once, before the race
    writers, n = 3, 2
    env = {**os.environ, "TRUSTREACH_DATABASE_URL": store_settings.resolved_database_url()}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WRITER,
                str(tmp_path),
                str(world),
                str(me),
                str(writers),
                str(n),
            ],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for me in range(writers)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * writers, errors
    settings = Settings(
        data_dir=tmp_path / "store", database_url=store_settings.resolved_database_url()
    )
    head = services.verify_audit_log(settings)
    assert head is not None
    assert head.seq == writers * n
    assert read_anchor(settings) == head
