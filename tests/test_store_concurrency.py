"""Concurrent writers, as real processes: they wait their turn or are told the store is busy.

Every test here starts separate ``trustreach`` processes on one store (SQLite and
PostgreSQL), the way two people or two cron jobs would, and checks that no
migration, workspace or write race crashes, and that no traceback reaches a user.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from tests._world import TINY, write_records

from trustreach.core import Settings, StoreBusyError
from trustreach.services import open_store, verify_audit_log
from trustreach.store import create_store_engine, write_transaction
from trustreach.store._tables import creators, workspaces

# Waits in these tests are generous: the machine may be slow, and nothing here is timed.
PATIENCE_S = 180

# Imports everything first, says it is ready, then waits for the gate: the processes
# then reach the store at the same moment, as a race in the field would.
GATED = """
import sys, time
from pathlib import Path
ready, gate = Path(sys.argv[1]), Path(sys.argv[2])
if sys.argv[3] == "--key":
    from trustreach.ethics.privacy import load_or_create_key
else:
    import alembic.command, trustreach.services._import
    from trustreach.cli import main
ready.touch()
while not gate.exists():
    time.sleep(0.005)
if sys.argv[3] == "--key":
    print(load_or_create_key(Path(sys.argv[4])).hex())
else:
    sys.argv = ["trustreach", *sys.argv[3:]]
    main()
"""

# Holds the store's write lock the way any trustreach writer does, until told to stop.
HOLDER = """
import sys, time
from pathlib import Path
from trustreach.services import open_store
from trustreach.store import write_transaction
holding, release = Path(sys.argv[1]), Path(sys.argv[2])
engine = open_store()
with write_transaction(engine) as connection:
    holding.touch()
    while not release.exists():
        time.sleep(0.01)
"""


def _world(folder: Path) -> Path:
    """A small interchange folder: what an import reads is not what these tests are about."""
    for kind in ("brands", "creators", "creator_accounts"):
        write_records(folder / f"{kind}.jsonl", TINY[kind])
    return folder


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "200", "TRUSTREACH_DATA_DIR": str(settings.data_dir)}
    env.pop("TRUSTREACH_DATABASE_URL", None)
    if settings.database_url:
        env["TRUSTREACH_DATABASE_URL"] = settings.database_url
    env.update(extra)
    return env


def _wait_for(path: Path, process: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not path.exists():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"process ended before {path.name}: {out}{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} never appeared")
        time.sleep(0.02)


def _race(
    tmp_path: Path, settings: Settings, commands: list[list[str]]
) -> list[tuple[int, str, str]]:
    """Run ``commands`` as processes released at one moment; (status, stdout, stderr) of each."""
    gate = tmp_path / "gate"
    procs = []
    for i, args in enumerate(commands):
        ready = tmp_path / f"ready-{i}"
        procs.append(
            (
                ready,
                subprocess.Popen(
                    [sys.executable, "-c", GATED, str(ready), str(gate), *args],
                    env=_env(settings),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    for ready, proc in procs:
        _wait_for(ready, proc)
    gate.touch()
    results = []
    for _, proc in procs:
        out, err = proc.communicate(timeout=PATIENCE_S)
        results.append((proc.returncode, out, err))
    return results


@contextmanager
def _held(tmp_path: Path, settings: Settings) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A second process holding the store's write lock until the block releases it."""
    holding, release = tmp_path / "holding", tmp_path / "release"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(holding), str(release)],
        env=_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(holding, holder)
        yield holder, release
    finally:
        release.touch()
        holder.communicate(timeout=PATIENCE_S)
    assert holder.returncode == 0


def _import(world: Path, settings: Settings, workspace: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "trustreach", "import", str(world), "--workspace", workspace],
        env=_env(settings, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count(settings: Settings, query: object) -> int:
    engine = create_store_engine(settings.resolved_database_url())
    with engine.connect() as connection:
        value = int(connection.execute(query).scalar_one())  # type: ignore[call-overload]
    engine.dispose()
    return value


def test_imports_racing_on_a_fresh_store_all_succeed(
    tmp_path: Path, store_settings: Settings
) -> None:
    world = _world(tmp_path / "world")
    names = [f"w{i}" for i in range(4)]
    results = _race(tmp_path, store_settings, [["import", str(world), "-w", n] for n in names])
    for status, _, err in results:
        assert status == 0, err
        assert "Traceback" not in err
    assert _count(store_settings, select(func.count()).select_from(workspaces)) == len(names)
    per_workspace = len(TINY["creators"])
    assert _count(store_settings, select(func.count()).select_from(creators)) == (
        per_workspace * len(names)
    )
    head = verify_audit_log(store_settings)
    assert head is not None and head.seq == len(names)  # one record per import, one chain
    engine = create_store_engine(store_settings.resolved_database_url())
    with engine.connect() as connection:  # the schema was created once, not once per process
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert len(versions) == 1


def test_imports_racing_into_one_new_workspace_all_succeed(
    tmp_path: Path, store_settings: Settings
) -> None:
    world = _world(tmp_path / "world")
    open_store(store_settings)  # an existing store: only the workspace is new
    results = _race(tmp_path, store_settings, [["import", str(world), "-w", "same"]] * 3)
    for status, _, err in results:
        assert status == 0, err
        assert "Traceback" not in err
    assert _count(store_settings, select(func.count()).select_from(workspaces)) == 1
    assert _count(store_settings, select(func.count()).select_from(creators)) == len(
        TINY["creators"]
    )
    head = verify_audit_log(store_settings)
    assert head is not None and head.seq == 3  # every import recorded, one chain


def test_a_writer_waits_for_a_long_writer_to_finish(
    tmp_path: Path, store_settings: Settings
) -> None:
    """The second import says what it waits for, waits as long as it is allowed, then writes.

    Once it waits, the lock is held 11 s more on SQLite: longer than SQLite's own
    busy wait used to be (10 s), after which a second import failed with
    ``database is locked``.
    """
    world = _world(tmp_path / "world")
    open_store(store_settings)
    log = tmp_path / "second.err"
    with _held(tmp_path, store_settings) as (holder, _), log.open("w") as err_file:
        second = subprocess.Popen(
            [sys.executable, "-m", "trustreach", "import", str(world), "-w", "late"],
            env=_env(store_settings, TRUSTREACH_BUSY_TIMEOUT_S="120"),
            stdout=subprocess.DEVNULL,
            stderr=err_file,
        )
        deadline = time.monotonic() + PATIENCE_S
        while "waiting for the store" not in log.read_text(encoding="utf-8"):
            assert second.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the second import never said it was waiting"
            time.sleep(0.05)
        time.sleep(11 if store_settings.database_url is None else 1)
        assert second.poll() is None, "the second import must wait, not give up"
    second.wait(timeout=PATIENCE_S)
    err = log.read_text(encoding="utf-8")
    assert second.returncode == 0, err
    assert "Traceback" not in err
    # it named what it was waiting for, so a long wait does not look like a hang
    assert f"pid {holder.pid}" in " ".join(err.split())
    assert _count(store_settings, select(func.count()).select_from(workspaces)) == 1


def test_a_writer_that_cannot_wait_is_told_the_store_is_busy_and_with_what(
    tmp_path: Path, store_settings: Settings
) -> None:
    world = _world(tmp_path / "world")
    open_store(store_settings)
    with _held(tmp_path, store_settings) as (holder, _):
        second = _import(world, store_settings, "late", TRUSTREACH_BUSY_TIMEOUT_S="0.5")
        _, err = second.communicate(timeout=PATIENCE_S)
        assert holder.poll() is None  # the refusal came while the first writer held on
    assert second.returncode == 2, err
    assert "Traceback" not in err
    # a notice that it waits, then one error line
    lines = err.strip().splitlines()
    assert [x for x in lines if x.startswith("error: ")] == lines[-1:]
    line = lines[-1]
    assert "busy" in line and "try again" in line.lower()
    assert f"pid {holder.pid}" in line, "the message says which process holds the store"
    assert "TRUSTREACH_BUSY_TIMEOUT_S" in line
    # nothing of the refused import was written
    assert _count(store_settings, select(func.count()).select_from(creators)) == 0


def test_reads_go_on_while_a_writer_holds_the_store(
    tmp_path: Path, store_settings: Settings
) -> None:
    world = _world(tmp_path / "world")
    from trustreach.services import import_path

    import_path(world, workspace="w", settings=store_settings)
    with _held(tmp_path, store_settings):
        result = subprocess.run(
            [sys.executable, "-m", "trustreach", "summary", "-w", "w"],
            env=_env(store_settings, TRUSTREACH_BUSY_TIMEOUT_S="0"),
            capture_output=True,
            text=True,
            timeout=PATIENCE_S,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert "creators" in result.stdout.lower()


def test_write_transaction_commits_on_success_and_rolls_back_on_error(
    store_settings: Settings,
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    engine = open_store(store_settings)
    with write_transaction(engine) as connection:
        connection.execute(
            insert(workspaces).values(workspace="kept", created_at=datetime.now(UTC))
        )
    with pytest.raises(RuntimeError), write_transaction(engine) as connection:
        connection.execute(
            insert(workspaces).values(workspace="gone", created_at=datetime.now(UTC))
        )
        raise RuntimeError("stop")
    with engine.connect() as connection:
        names = set(connection.execute(select(workspaces.c.workspace)).scalars())
    engine.dispose()
    assert names == {"kept"}


def test_write_transaction_raises_store_busy_in_the_library(
    tmp_path: Path, store_settings: Settings
) -> None:
    settings = store_settings.model_copy(update={"busy_timeout_s": 0.2})
    engine = open_store(settings)
    with (
        _held(tmp_path, store_settings) as (holder, _),
        pytest.raises(StoreBusyError) as caught,
        write_transaction(engine),
    ):
        pass
    engine.dispose()
    assert f"pid {holder.pid}" in str(caught.value)
    assert "try again" in str(caught.value).lower()


def test_lock_errors_from_any_command_become_the_busy_message(
    tmp_path: Path,
    store_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A lock error outside :func:`write_transaction` still reaches the user as one line."""
    from trustreach import services
    from trustreach.cli import main

    dialect_errors = {
        "sqlite": "database is locked",
        "postgresql": "could not serialize access due to concurrent update",
    }
    message = dialect_errors["sqlite" if store_settings.database_url is None else "postgresql"]

    class _Orig(Exception):
        sqlstate = "40001"
        sqlite_errorcode = 5

    def locked(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("UPDATE x", {}, _Orig(message))

    monkeypatch.setattr(services, "summarize_workspace", locked)
    monkeypatch.setattr(sys, "argv", ["trustreach", "summary"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith("error: ") and "busy" in err and "try again" in err.lower()


def test_processes_racing_to_create_the_pseudonym_key_share_one(tmp_path: Path) -> None:
    key = tmp_path / "data" / "pseudonym.key"
    settings = Settings(data_dir=tmp_path / "data")
    results = _race(tmp_path, settings, [["--key", str(key)]] * 4)
    for status, _, err in results:
        assert status == 0, err
    assert {out.strip() for _, out, _ in results} == {key.read_text(encoding="ascii").strip()}
    assert [p.name for p in key.parent.iterdir()] == ["pseudonym.key"]  # no temporary left


def test_busy_timeout_setting_is_checked() -> None:
    from pydantic import ValidationError

    assert Settings().busy_timeout_s == 60
    for bad in (-1, 86_401):
        with pytest.raises(ValidationError, match="busy_timeout_s"):
            Settings(busy_timeout_s=bad)
