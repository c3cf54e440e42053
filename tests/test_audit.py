"""The tamper-evident audit log: every kind of tampering is named at its record."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert, select, text, update
from tests._world import write_world

from trustreach import services
from trustreach.core import AuditChainError, Settings
from trustreach.ethics.audit import (
    GENESIS_HASH,
    AuditEntry,
    ChainHead,
    append_audit,
    digest_file,
    digest_json,
    read_audit,
    verify_chain,
)
from trustreach.ethics.audit._chain import _fields, _record_hash
from trustreach.services import _audit_guard
from trustreach.store import audit_log

T0 = datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)
_CONTENT = (
    "recorded_at",
    "workspace",
    "actor",
    "action",
    "subject",
    "model_name",
    "model_version",
    "input_digest",
    "details",
    "prev_hash",
    "hash",
)


@pytest.fixture
def engine(store_settings: Settings) -> Iterator[Engine]:
    """A migrated store (SQLite or PostgreSQL) with an empty audit log."""
    engine = services.open_store(store_settings)
    yield engine
    engine.dispose()


@pytest.fixture
def chain(engine: Engine) -> list[AuditEntry]:
    """Four committed records, one of them about an AI model's output."""
    with engine.begin() as connection:
        return [
            append_audit(
                connection,
                actor="cli",
                action="import",
                workspace="acme",
                details={"files": 2, "rows": 120},
                now=T0,
            ),
            append_audit(
                connection,
                actor="api:alice",
                action="score_creator",
                workspace="acme",
                subject="creator:c1",
                model_name="fake-follower-gbm",
                model_version="1.2.0",
                input_digest=digest_json({"creator": "c1"}),
                details={"fake_follower_share": 0.12},
                now=T0 + timedelta(minutes=1),
            ),
            append_audit(
                connection,
                actor="cli",
                action="erase_subject",
                workspace="acme",
                subject="follower:abc",
                details={"removed": {"follows": 3}},
                now=T0 + timedelta(minutes=2),
            ),
            append_audit(
                connection,
                actor="cli",
                action="export",
                workspace="beta",
                now=T0 + timedelta(minutes=3),
            ),
        ]


def _verify(engine: Engine, anchor: ChainHead | None = None) -> ChainHead | None:
    with engine.connect() as connection:
        return verify_chain(connection, anchor=anchor)


def _row(connection: Connection, seq: int) -> dict[str, Any]:
    found = connection.execute(select(audit_log).where(audit_log.c.seq == seq))
    return dict(found.mappings().one())


def _set(connection: Connection, seq: int, values: dict[str, Any]) -> None:
    """Change a stored record behind the audit API's back."""
    connection.execute(update(audit_log).where(audit_log.c.seq == seq).values(**values))


def _rehash(record: dict[str, Any]) -> str:
    """What a forger who knows the hashing scheme would store as the record's hash."""
    return _record_hash(record["prev_hash"], _fields(record))


# --- a sound chain ---------------------------------------------------------------


def test_empty_log_verifies_to_no_head(engine: Engine) -> None:
    assert _verify(engine) is None


def test_empty_log_fails_against_an_anchor(engine: Engine) -> None:
    with pytest.raises(
        AuditChainError, match=r"ends before the anchored head \(record 1\)"
    ) as caught:
        _verify(engine, ChainHead(1, "f" * 64))
    assert caught.value.seq == 1


def test_records_link_in_sequence(chain: list[AuditEntry]) -> None:
    assert [e.seq for e in chain] == [1, 2, 3, 4]
    assert chain[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert len({e.hash for e in chain}) == 4


def test_verify_returns_the_head(engine: Engine, chain: list[AuditEntry]) -> None:
    head = _verify(engine)
    assert head == ChainHead(4, chain[-1].hash)
    assert _verify(engine, anchor=head) == head


def test_records_read_back_as_written(engine: Engine, chain: list[AuditEntry]) -> None:
    with engine.connect() as connection:
        stored = list(read_audit(connection))
    assert [(e.seq, e.hash) for e in stored] == [(e.seq, e.hash) for e in chain]
    scored = stored[1]
    assert (scored.model_name, scored.model_version) == ("fake-follower-gbm", "1.2.0")
    assert scored.input_digest == digest_json({"creator": "c1"})
    assert scored.details_dict() == {"fake_follower_share": 0.12}
    assert stored[3].details_dict() == {}


def test_read_audit_filters_workspace_and_keeps_the_last(
    engine: Engine, chain: list[AuditEntry]
) -> None:
    with engine.connect() as connection:
        assert [e.seq for e in read_audit(connection, workspace="acme")] == [1, 2, 3]
        assert [e.seq for e in read_audit(connection, limit=2)] == [3, 4]
        assert [e.seq for e in read_audit(connection, workspace="acme", limit=1)] == [3]


def test_append_continues_after_verification(engine: Engine, chain: list[AuditEntry]) -> None:
    with engine.begin() as connection:
        entry = append_audit(connection, actor="cli", action="noop")
    assert (entry.seq, entry.prev_hash) == (5, chain[-1].hash)
    assert _verify(engine) == ChainHead(5, entry.hash)


def test_rolled_back_append_leaves_no_gap(engine: Engine, chain: list[AuditEntry]) -> None:
    with engine.connect() as connection:
        append_audit(connection, actor="cli", action="abandoned")
        connection.rollback()
    with engine.begin() as connection:
        entry = append_audit(connection, actor="cli", action="kept")
    assert entry.seq == 5
    assert _verify(engine) == ChainHead(5, entry.hash)


# --- tampering ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", '{"fake_follower_share":0.01}'),
        ("actor", "api:mallory"),
        ("action", "score_brand"),
        ("model_version", "9.9.9"),
        ("input_digest", "0" * 64),
        ("subject", None),
        ("recorded_at", T0 + timedelta(days=1)),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else "",
)
def test_altered_field_is_named_at_its_record(
    engine: Engine, chain: list[AuditEntry], column: str, value: Any
) -> None:
    with engine.begin() as connection:
        _set(connection, 2, {column: value})
    with pytest.raises(AuditChainError, match="record 2: its content does not match") as caught:
        _verify(engine)
    assert caught.value.seq == 2


def test_deleted_middle_record_is_named_as_missing(engine: Engine, chain: list[AuditEntry]) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    with pytest.raises(AuditChainError, match=r"record 3 is missing \(next present is 4\)") as e:
        _verify(engine)
    assert e.value.seq == 3


def test_deleted_first_record_is_named_as_missing(engine: Engine, chain: list[AuditEntry]) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 1"))
    with pytest.raises(AuditChainError, match="record 1 is missing") as caught:
        _verify(engine)
    assert caught.value.seq == 1


def test_reordered_records_break_at_the_first_swapped(
    engine: Engine, chain: list[AuditEntry]
) -> None:
    with engine.begin() as connection:
        second, third = _row(connection, 2), _row(connection, 3)
        _set(connection, 2, {"hash": "swap"})  # the hash column is unique
        _set(connection, 3, {c: second[c] for c in _CONTENT})
        _set(connection, 2, {c: third[c] for c in _CONTENT})
    with pytest.raises(
        AuditChainError, match=r"record 2: its link .*\(deleted or reordered\)"
    ) as e:
        _verify(engine)
    assert e.value.seq == 2


def test_truncated_tail_is_caught_only_with_the_anchor(
    engine: Engine, chain: list[AuditEntry]
) -> None:
    former_head = _verify(engine)
    assert former_head is not None
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    assert _verify(engine) == ChainHead(3, chain[2].hash)
    with pytest.raises(AuditChainError, match=r"ends before the anchored head \(record 4\)") as e:
        _verify(engine, former_head)
    assert e.value.seq == 4


def test_record_rehashed_after_change_breaks_the_next_link(
    engine: Engine, chain: list[AuditEntry]
) -> None:
    with engine.begin() as connection:
        forged = _row(connection, 2)
        forged["details"] = '{"fake_follower_share":0.01}'
        forged["hash"] = _rehash(forged)
        _set(connection, 2, {"details": forged["details"], "hash": forged["hash"]})
    with pytest.raises(AuditChainError, match="record 3: its link") as caught:
        _verify(engine)
    assert caught.value.seq == 3


def test_rewritten_head_is_caught_only_with_the_anchor(
    engine: Engine, chain: list[AuditEntry]
) -> None:
    anchor = ChainHead(4, chain[-1].hash)
    with engine.begin() as connection:
        forged = _row(connection, 4)
        forged["actor"] = "api:mallory"
        forged["hash"] = _rehash(forged)
        _set(connection, 4, {"actor": forged["actor"], "hash": forged["hash"]})
    assert _verify(engine) == ChainHead(4, forged["hash"])
    with pytest.raises(AuditChainError, match="record 4: it does not match the anchored") as e:
        _verify(engine, anchor)
    assert e.value.seq == 4


def test_appended_forgery_with_a_wrong_link_is_caught(
    engine: Engine, chain: list[AuditEntry]
) -> None:
    with engine.begin() as connection:
        forged = _row(connection, 4)
        forged.update(seq=5, prev_hash="e" * 64, actor="api:mallory")
        forged["hash"] = _rehash(forged)
        connection.execute(insert(audit_log).values(**forged))
    with pytest.raises(AuditChainError, match="record 5: its link") as caught:
        _verify(engine)
    assert caught.value.seq == 5


# --- the anchor kept by the services ----------------------------------------------------


def _import(settings: Settings, world: Path) -> int:
    if not world.exists():
        write_world(world)
    seq = services.import_path(world, workspace="acme", settings=settings).audit_seq
    assert seq is not None
    return seq


def test_services_anchor_the_head_and_catch_truncation(
    store_settings: Settings, tmp_path: Path
) -> None:
    seq = _import(store_settings, tmp_path / "world")
    anchor_file = _audit_guard.anchor_path(store_settings)
    assert anchor_file.is_relative_to(store_settings.data_dir)
    head = services.verify_audit_log(store_settings)
    assert head is not None
    assert head.seq == seq == 1
    assert _audit_guard.read_anchor(store_settings) == head

    engine = services.open_store(store_settings)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log"))
    engine.dispose()
    with pytest.raises(
        AuditChainError, match=r"ends before the anchored head \(record 1\)"
    ) as caught:
        services.verify_audit_log(store_settings)
    assert caught.value.seq == 1


def test_services_anchor_follows_the_head(store_settings: Settings, tmp_path: Path) -> None:
    _import(store_settings, tmp_path / "world")
    second = _import(store_settings, tmp_path / "world")
    anchored = _audit_guard.read_anchor(store_settings)
    assert anchored is not None
    assert anchored.seq == second == 2
    _audit_guard.confirm_anchor(store_settings, ChainHead(1, "a" * 64))  # not announced: ignored
    assert _audit_guard.read_anchor(store_settings) == anchored
    assert [e.seq for e in services.list_audit(limit=1, settings=store_settings)] == [2]


def test_anchor_file_is_per_database(tmp_path: Path) -> None:
    one = Settings(data_dir=tmp_path, database_url="sqlite:////tmp/one.db")
    two = Settings(data_dir=tmp_path, database_url="sqlite:////tmp/two.db")
    assert _audit_guard.anchor_path(one) != _audit_guard.anchor_path(two)
    assert _audit_guard.anchor_path(one).parent == tmp_path


def test_one_store_has_one_anchor_however_its_folder_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative and an absolute data directory, or the folder copied elsewhere, must find
    the same anchor: otherwise records cut off the end of the log go unnoticed."""
    import shutil

    monkeypatch.chdir(tmp_path)
    relative = Settings(data_dir=Path("data"))
    for _ in (1, 2, 3):
        _import(relative, tmp_path / "world")
    absolute = Settings(data_dir=tmp_path / "data")
    assert _audit_guard.anchor_path(relative).resolve() == _audit_guard.anchor_path(absolute)
    copy = Settings(data_dir=tmp_path / "copy")
    shutil.copytree(tmp_path / "data", tmp_path / "copy")
    for settings in (absolute, copy):
        engine = services.open_store(settings)
        with engine.begin() as connection:  # cut the last record off the end of the log
            connection.execute(audit_log.delete().where(audit_log.c.seq == 3))
        engine.dispose()
        with pytest.raises(AuditChainError, match="removed"):
            services.verify_audit_log(settings=settings)


# --- digests ---------------------------------------------------------------------------


def test_digest_json_ignores_key_order_only() -> None:
    value = {"b": 1, "a": [2, {"y": None, "x": "é"}]}
    reordered = {"a": [2, {"x": "é", "y": None}], "b": 1}
    assert digest_json(value) == digest_json(reordered)
    assert digest_json({"a": [1, 2]}) != digest_json({"a": [2, 1]})
    assert digest_json({"a": 1}) != digest_json({"a": "1"})
    assert len(digest_json(value)) == 64


def test_digest_json_accepts_dates() -> None:
    assert digest_json({"at": T0}) == digest_json({"at": str(T0)})


def test_digest_file_of_a_file_is_its_sha256(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b'{"post_id": "p1"}\n')
    assert digest_file(path) == hashlib.sha256(b'{"post_id": "p1"}\n').hexdigest()


def test_digest_file_of_a_directory_tracks_content_and_names(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "nested").mkdir(parents=True)
    (folder / "creators.csv").write_text("creator_id\nc1\n")
    (folder / "nested" / "posts.jsonl").write_text('{"post_id": "p1"}\n')
    before = digest_file(folder)
    assert digest_file(folder) == before

    (folder / "nested" / "posts.jsonl").write_text('{"post_id": "p2"}\n')
    changed = digest_file(folder)
    assert changed != before

    (folder / "nested" / "posts.jsonl").write_text('{"post_id": "p1"}\n')
    assert digest_file(folder) == before

    (folder / "nested" / "posts.jsonl").rename(folder / "nested" / "renamed.jsonl")
    assert digest_file(folder) != before


def test_digest_of_chosen_files_ignores_the_rest_of_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "creators.csv").write_text("creator_id\nc1\n")
    (folder / "notes.txt").write_text("not imported")
    chosen = [folder / "creators.csv"]
    before = digest_file(folder, chosen)
    (folder / "notes.txt").write_text("changed, and never opened")
    os.mkfifo(folder / "pipe.jsonl")  # opening this would block: it must not be read
    assert digest_file(folder, chosen) == before
    (folder / "creators.csv").write_text("creator_id\nc2\n")
    assert digest_file(folder, chosen) != before
