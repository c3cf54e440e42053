"""Large files are prepared in a worker process; results must not depend on it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from tests._world import TINY, write_records, write_world
from tests.test_import import snapshot

from trustreach.core import ImportValidationError, Settings
from trustreach.ingest._worker import receive, send
from trustreach.services import _prepare, import_path


@pytest.fixture
def always_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every follower_accounts/follows file goes through the worker process."""
    monkeypatch.setattr(_prepare, "WORKER_MIN_BYTES", 0)


def _followers(n: int) -> list[dict[str, object]]:
    return [
        {"account_id": f"acc{i}", "username": f"user{i}", "followers_count": i % 997,
         "has_profile_pic": i % 3 != 0, "is_private": i % 5 == 0}
        for i in range(n)
    ]  # fmt: skip


def test_worker_and_in_process_imports_store_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = write_world(tmp_path / "world")
    write_records(world / "follower_accounts.jsonl", TINY["follower_accounts"] + _followers(5000))
    direct = Settings(data_dir=tmp_path / "direct")
    import_path(world, workspace="acme", settings=direct)
    monkeypatch.setattr(_prepare, "WORKER_MIN_BYTES", 0)
    via_worker = Settings(data_dir=tmp_path / "worker")
    # the same pseudonym key, so keys must match row for row
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "pseudonym.key").write_bytes(
        (tmp_path / "direct" / "pseudonym.key").read_bytes()
    )
    import_path(world, workspace="acme", settings=via_worker)
    a, b = snapshot(direct), snapshot(via_worker)
    a.pop("audit_log"), b.pop("audit_log"), a.pop("workspaces"), b.pop("workspaces")
    assert a == b
    assert len(a["follower_accounts"]) == 5003


def test_worker_errors_leave_nothing_written(
    tmp_path: Path, sqlite_settings: Settings, always_worker: None
) -> None:
    rows = _followers(1200)
    rows[1000]["followers_count"] = "lots"
    path = write_records(tmp_path / "follower_accounts.jsonl", rows)
    before = snapshot(sqlite_settings)
    with pytest.raises(ImportValidationError) as info:
        import_path(path, workspace="acme", settings=sqlite_settings)
    assert [(e.row, e.field) for e in info.value.errors] == [(1001, "followers_count")]
    assert snapshot(sqlite_settings) == before


def _fake_worker(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)


def test_an_error_in_the_worker_is_raised_in_the_importer() -> None:
    process = _fake_worker(
        "import sys; from trustreach.ingest._worker import send; "
        "send(sys.stdout.buffer, ('error', ValueError('boom at row 7')))"
    )
    with pytest.raises(ValueError, match="boom at row 7"):
        list(_prepare._from_worker(process, Path("x.jsonl")))
    process.wait()


def test_a_worker_that_dies_is_reported_not_swallowed() -> None:
    process = _fake_worker("import os; os._exit(9)")
    with pytest.raises(RuntimeError, match=r"stopped unexpectedly \(exit code 9\)"):
        list(_prepare._from_worker(process, Path("x.jsonl")))


# --- a parent that goes away --------------------------------------------------------------------


def _padded_followers(path: Path, size: int) -> Path:
    """A follower_accounts.jsonl of at least ``size`` bytes (records padded with spaces)."""
    pad = " " * 900
    line = '{"account_id": "acc%d",%s"followers_count": %d}\n'
    with path.open("w", encoding="utf-8") as handle:
        i = 0
        while handle.tell() < size:
            handle.write("".join(line % (j, pad, j % 997) for j in range(i, i + 1000)))
            i += 1000
    return path


def test_a_worker_whose_reader_goes_away_exits_quietly(tmp_path: Path) -> None:
    path = _padded_followers(tmp_path / "follower_accounts.jsonl", 4 << 20)
    worker = subprocess.Popen(
        [sys.executable, "-c", "from trustreach.ingest._worker import worker_main; worker_main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert worker.stdin is not None and worker.stdout is not None and worker.stderr is not None
    job = (str(path), "jsonl", "follower_accounts", "acme", b"k" * 32, 100, 200, 1 << 20)
    send(worker.stdin, ("job", job))
    worker.stdin.close()
    assert receive(worker.stdout) is not None  # it is sending
    worker.stdout.close()  # ... and now nobody reads
    worker.wait(timeout=60)
    assert worker.stderr.read().decode() == ""


def _exited(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE  # orphans may wait to be reaped
    except psutil.NoSuchProcess:
        return True


def test_killing_the_import_leaves_its_worker_to_exit_quietly(tmp_path: Path) -> None:
    path = _padded_followers(tmp_path / "follower_accounts.jsonl", _prepare.WORKER_MIN_BYTES + 1)
    errors = tmp_path / "stderr.txt"
    env = {
        **os.environ,
        "TRUSTREACH_DATA_DIR": str(tmp_path / "data"),
        "TRUSTREACH_IMPORT_BATCH_ROWS": "500",
    }
    with errors.open("wb") as sink:
        parent = subprocess.Popen(
            [str(Path(sys.executable).with_name("trustreach")), "import", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=sink,
            env=env,
        )
    try:
        workers: list[psutil.Process] = []
        deadline = time.monotonic() + 120
        while not workers and time.monotonic() < deadline and parent.poll() is None:
            workers = [
                p
                for p in psutil.Process(parent.pid).children()
                if "worker_main" in " ".join(p.cmdline())
            ]
            time.sleep(0.05)
        assert workers, "the import started no worker process"
        time.sleep(1.0)  # let the worker start reading and sending
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 60
    while not all(_exited(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_exited(w) for w in workers), "the worker outlived its parent"
    assert errors.read_text() == ""
