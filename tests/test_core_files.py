"""Atomic replacement and the writer lock, and the audit anchor that relies on them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trustreach.core import Settings, replaced_atomically, write_text_atomically
from trustreach.ethics.audit import ChainHead
from trustreach.services._context import read_anchor, write_anchor


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
from trustreach.core import Settings
from trustreach.ethics.audit import ChainHead
from trustreach.services._context import write_anchor

data, me, writers, n = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
(data / f"ready-{me}").touch()
deadline = time.time() + 120
while len(list(data.glob("ready-*"))) < writers and time.time() < deadline:
    time.sleep(0.001)  # start together, so the writes overlap
settings = Settings(data_dir=data / "store")
for seq in range(me, n, writers):
    write_anchor(settings, ChainHead(seq, f"h{seq}"))
"""


def test_concurrent_anchor_writers_never_fail_and_the_anchor_only_moves_forward(
    tmp_path: Path,
) -> None:
    # four processes write interleaved heads at once: none may trip over another's
    # file, and the highest head must win whatever order the writes land in
    writers, n = 4, 2000
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path), str(me), str(writers), str(n)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in range(writers)
    ]
    errors = [p.communicate(timeout=180)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * writers, errors
    settings = Settings(data_dir=tmp_path / "store")
    assert read_anchor(settings) == ChainHead(n - 1, f"h{n - 1}")
    write_anchor(settings, ChainHead(5, "h5"))  # an older head never replaces a newer one
    assert read_anchor(settings) == ChainHead(n - 1, f"h{n - 1}")
    assert not [p.name for p in (tmp_path / "store").iterdir() if p.name.endswith(".tmp")]
