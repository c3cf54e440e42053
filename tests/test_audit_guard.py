"""The audit log stays evident: writes refuse a chain that does not verify against its anchor,
an unreadable anchor is a failure (not a crash), and only an audited recovery resumes writing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from tests._world import write_world

from trustreach import services
from trustreach.core import AuditChainError, Settings
from trustreach.ethics.audit import AnchorState, ChainHead, dump_anchor
from trustreach.ethics.audit._chain import _fields, _record_hash
from trustreach.services import _audit_guard
from trustreach.store import audit_log


def _import(settings: Settings, tmp_path: Path, name: str = "world") -> int:
    world = tmp_path / name
    if not world.exists():
        write_world(world)
    report = services.import_path(world, workspace="acme", settings=settings)
    assert report.audit_seq is not None
    return report.audit_seq


def _sql(settings: Settings, statement: str) -> None:
    engine = services.open_store(settings)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _rewrite_from(settings: Settings, seq: int, **changes: str) -> None:
    """What an attacker with write access to the database does: change record ``seq`` and
    recompute every hash after it, so the chain is consistent on its own."""
    engine = services.open_store(settings)
    with engine.begin() as connection:
        rows = [
            dict(r)
            for r in connection.execute(select(audit_log).order_by(audit_log.c.seq)).mappings()
        ]
        prev = rows[seq - 2]["hash"] if seq > 1 else "0" * 64
        for row in rows[seq - 1 :]:
            if row["seq"] == seq:
                row.update(changes)
            row["prev_hash"] = prev
            row["hash"] = _record_hash(prev, _fields(row))
            connection.execute(
                update(audit_log)
                .where(audit_log.c.seq == row["seq"])
                .values(
                    prev_hash=row["prev_hash"], hash=row["hash"], **{k: row[k] for k in changes}
                )
            )
            prev = row["hash"]
    engine.dispose()


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m trustreach ARGS`` on the store in ``data``, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "trustreach", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "TRUSTREACH_DATA_DIR": str(data), "COLUMNS": "200"},
        check=False,
    )


def _refused(settings: Settings, tmp_path: Path, seq: int) -> None:
    before = services.list_audit(limit=1000, settings=settings)
    with pytest.raises(AuditChainError, match=rf"record {seq}: .*nothing was written") as caught:
        _import(settings, tmp_path)
    assert caught.value.seq == seq
    assert "audit recover" in str(caught.value)
    assert services.list_audit(limit=1000, settings=settings) == before


def test_a_deleted_last_record_stays_evident_through_later_writes(
    store_settings: Settings, tmp_path: Path
) -> None:
    _import(store_settings, tmp_path)
    last = _import(store_settings, tmp_path)
    _sql(store_settings, f"DELETE FROM audit_log WHERE seq = {last}")
    for _ in range(2):  # ordinary commands neither extend nor re-anchor the chain
        _refused(store_settings, tmp_path, last)
    with pytest.raises(AuditChainError, match="ends before the anchored head"):
        services.verify_audit_log(store_settings)


def test_a_rewritten_chain_is_caught_by_the_anchor_and_refused(
    store_settings: Settings, tmp_path: Path
) -> None:
    for _ in range(3):
        _import(store_settings, tmp_path)
    _rewrite_from(store_settings, 2, actor="mallory")
    with pytest.raises(AuditChainError, match="record 3: it does not match the anchored hash"):
        services.verify_audit_log(store_settings)
    _refused(store_settings, tmp_path, 3)


def test_records_added_behind_the_anchor_are_a_break(
    store_settings: Settings, tmp_path: Path
) -> None:
    _import(store_settings, tmp_path)
    engine = services.open_store(store_settings)
    with engine.begin() as connection:
        from trustreach.ethics.audit import append_audit

        append_audit(connection, actor="mallory", action="import", workspace="acme")
    engine.dispose()
    with pytest.raises(
        AuditChainError, match=r"record 2: record 2 comes after the anchored head \(record 1\)"
    ):
        services.verify_audit_log(store_settings)


def test_an_emptied_log_with_its_anchor_deleted_is_not_intact(
    store_settings: Settings, tmp_path: Path
) -> None:
    _import(store_settings, tmp_path)
    _sql(store_settings, "DELETE FROM audit_log")
    _audit_guard.anchor_path(store_settings).unlink()
    with pytest.raises(AuditChainError, match="the log was emptied"):
        services.verify_audit_log(store_settings)
    _refused(store_settings, tmp_path, 1)
    assert not _audit_guard.anchor_path(store_settings).exists()  # no fresh anchor written


def test_a_missing_anchor_on_a_store_with_records_is_a_failure(
    store_settings: Settings, tmp_path: Path
) -> None:
    seq = _import(store_settings, tmp_path)
    _audit_guard.anchor_path(store_settings).unlink()
    with pytest.raises(AuditChainError, match="anchor file is missing"):
        services.verify_audit_log(store_settings)
    _refused(store_settings, tmp_path, seq)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"\x00\xffgarbage", "not JSON"),
        (b"", "empty"),
        (b'{"seq": "three", "hash": "' + b"a" * 64 + b'"}', "'seq' is 'three'"),
        (b'{"seq": 1, "hash": "xyz"}', "64 lower-case hex"),
        (b"[1, 2]", "not a JSON object"),
        (None, "a directory"),
    ],
    ids=["garbage", "empty", "non-numeric", "bad-hash", "list", "directory"],
)
def test_an_unreadable_anchor_is_a_failure_with_its_reason(
    sqlite_settings: Settings, tmp_path: Path, content: bytes | None, why: str
) -> None:
    seq = _import(sqlite_settings, tmp_path)
    anchor = _audit_guard.anchor_path(sqlite_settings)
    anchor.unlink()
    if content is None:
        anchor.mkdir()
    else:
        anchor.write_bytes(content)
    with pytest.raises(AuditChainError, match=f"anchor file .* cannot be used: .*{why}"):
        services.verify_audit_log(sqlite_settings)
    _refused(sqlite_settings, tmp_path, seq)
    result = _cli(sqlite_settings.data_dir, "audit", "verify")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: audit log broken at record")
    assert why.split("'")[0] in result.stderr.replace("\n", " ")


def test_recovery_is_audited_keeps_the_break_visible_and_resumes_writing(
    store_settings: Settings, tmp_path: Path
) -> None:
    for _ in range(3):
        _import(store_settings, tmp_path)
    _sql(store_settings, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    _sql(store_settings, "DELETE FROM audit_log WHERE seq = 3")
    _refused(store_settings, tmp_path, 2)

    recovery = services.recover_audit_log(
        by="Dana (DPO)",
        reason="restored from backup; record 2 edit investigated",
        settings=store_settings,
    )
    assert recovery is not None
    assert recovery.seq == 3
    assert {b.kind for b in recovery.breaks} == {"altered", "truncated"}
    verdict = services.inspect_audit_log(store_settings)
    assert verdict.unacknowledged == []
    assert [b.seq for b in verdict.breaks if b.acknowledged_by == 3] == [2]  # stays visible
    (entry,) = verdict.recoveries
    assert (entry.actor, entry.action) == ("Dana (DPO)", "audit.recover")
    assert services.verify_audit_log(store_settings) == ChainHead(3, entry.hash)

    assert _import(store_settings, tmp_path) == 4  # writing resumes
    assert (
        services.recover_audit_log(
            by="Dana", reason="nothing wrong at all", settings=store_settings
        )
        is None
    )

    # a further, different change to the acknowledged record is a new break
    _sql(store_settings, "UPDATE audit_log SET actor = 'eve' WHERE seq = 2")
    with pytest.raises(AuditChainError, match="record 2: its content does not match"):
        services.verify_audit_log(store_settings)


def test_recovery_needs_a_person_and_a_reason(sqlite_settings: Settings, tmp_path: Path) -> None:
    from trustreach.core import ConfigurationError

    _import(sqlite_settings, tmp_path)
    with pytest.raises(ConfigurationError, match="--by"):
        services.recover_audit_log(by=" ", reason="a long enough reason", settings=sqlite_settings)
    with pytest.raises(ConfigurationError, match="--reason"):
        services.recover_audit_log(by="Dana", reason="oops", settings=sqlite_settings)


def test_a_write_stopped_around_its_commit_leaves_a_chain_that_verifies(
    store_settings: Settings, tmp_path: Path
) -> None:
    """The anchor announces the new head before the commit and confirms it after: a process
    killed between the two (or before the commit) leaves chain and anchor in agreement."""
    first = _import(store_settings, tmp_path)
    head = services.verify_audit_log(store_settings)
    assert head is not None and head.seq == first
    path = _audit_guard.anchor_path(store_settings)
    second = _import(store_settings, tmp_path)
    now = services.verify_audit_log(store_settings)
    assert now is not None and now.seq == second
    # killed after the commit, before the confirmation
    path.write_text(dump_anchor(AnchorState(head, now)))
    assert services.verify_audit_log(store_settings) == now
    assert _import(store_settings, tmp_path) == second + 1
    # killed before the commit: the announced head never appeared
    latest = services.verify_audit_log(store_settings)
    path.write_text(dump_anchor(AnchorState(latest, ChainHead(99, "b" * 64))))
    assert services.verify_audit_log(store_settings) == latest
    assert _import(store_settings, tmp_path) == second + 2


def test_the_first_anchor_format_still_reads(sqlite_settings: Settings, tmp_path: Path) -> None:
    _import(sqlite_settings, tmp_path)
    head = services.verify_audit_log(sqlite_settings)
    assert head is not None
    _audit_guard.anchor_path(sqlite_settings).write_text(
        json.dumps({"seq": head.seq, "hash": head.hash})
    )
    assert services.verify_audit_log(sqlite_settings) == head


def test_a_checkpoint_catches_a_rewrite_that_also_rewrote_the_anchor(
    store_settings: Settings, tmp_path: Path
) -> None:
    for _ in range(2):
        _import(store_settings, tmp_path)
    document = services.export_checkpoint(store_settings)
    point_file = tmp_path / "checkpoint.json"
    point_file.write_text(json.dumps(document))
    point = services.read_checkpoint(point_file)
    assert services.verify_audit_log(store_settings, checkpoints=[point]) is not None

    _rewrite_from(store_settings, 1, actor="mallory")  # the attacker can write the data dir too
    engine = services.open_store(store_settings)
    with engine.connect() as connection:
        last = connection.execute(select(audit_log).order_by(audit_log.c.seq.desc())).first()
    engine.dispose()
    assert last is not None
    _audit_guard.anchor_path(store_settings).write_text(
        dump_anchor(AnchorState(ChainHead(last.seq, last.hash)))
    )
    assert services.verify_audit_log(store_settings) is not None  # the anchor was forged too
    with pytest.raises(AuditChainError, match="does not match the checkpoint"):
        services.verify_audit_log(store_settings, checkpoints=[point])


def test_cli_refuses_to_write_then_recovers(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return _cli(tmp_path / "data", *args)

    world = write_world(tmp_path / "world")
    assert run("import", str(world), "-w", "acme").returncode == 0
    assert run("import", str(world), "-w", "acme").returncode == 0
    settings = Settings(data_dir=tmp_path / "data")
    _sql(settings, "DELETE FROM audit_log WHERE seq = 2")
    refused = run("audit-creator", "c1", "-w", "acme")
    assert refused.returncode == 3, refused.stderr
    assert "Traceback" not in refused.stderr
    assert "record 2" in refused.stderr and "audit recover" in refused.stderr
    assert run("audit", "verify").returncode == 3
    recovered = run("audit", "recover", "--by", "Dana", "--reason", "record 2 removed by a test")
    assert recovered.returncode == 0, recovered.stderr
    assert "audit record #2" in recovered.stdout
    verified = run("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "recovery recorded by Dana" in verified.stdout
    assert (
        "acknowledged by record #2" not in verified.stdout
    )  # a truncation leaves no record to point at
    assert run("audit-creator", "c1", "-w", "acme").returncode == 0


def test_cli_checkpoint_is_written_once_and_checked(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return _cli(tmp_path / "data", *args)

    assert run("import", str(write_world(tmp_path / "world")), "-w", "acme").returncode == 0
    point = tmp_path / "cp.json"
    written = run("audit", "checkpoint", "--out", str(point))
    assert written.returncode == 0, written.stderr
    assert json.loads(point.read_text())["seq"] == 1
    again = run("audit", "checkpoint", "--out", str(point))
    assert again.returncode == 2
    assert "--force" in again.stderr
    verified = run("audit", "verify", "--checkpoint", str(point))
    assert verified.returncode == 0, verified.stderr
    assert "1 checkpoint held" in verified.stdout
    point.write_text(json.dumps({**json.loads(point.read_text()), "hash": "c" * 64}))
    broken = run("audit", "verify", "--checkpoint", str(point))
    assert broken.returncode == 3
    assert "does not match the checkpoint" in broken.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\x00")
    unreadable = run("audit", "verify", "--checkpoint", str(garbage))
    assert unreadable.returncode == 2
    assert "Traceback" not in unreadable.stderr
