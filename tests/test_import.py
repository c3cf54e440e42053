"""Import: all-or-nothing, idempotent, precise errors, no raw third-party handles stored."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, Text, select
from tests._world import RAW_HANDLES, TINY, write_records, write_world

from trustreach.core import ConfigurationError, ImportValidationError, NotFoundError, Settings
from trustreach.services import import_path, open_store
from trustreach.store import metadata


def snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (audit log included), sorted, for before/after comparison."""
    engine = open_store(settings)
    with engine.connect() as connection:
        state = {
            name: sorted(
                (tuple(str(v) for v in row) for row in connection.execute(select(table))),
            )
            for name, table in metadata.tables.items()
        }
    engine.dispose()
    return state


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_tiny_world_imports_in_every_format(
    tmp_path: Path, sqlite_settings: Settings, fmt: str
) -> None:
    world = write_world(tmp_path / "world", fmt)
    report = import_path(world, workspace="acme", settings=sqlite_settings)
    got = {k.kind: (k.rows, k.new) for k in report.kinds}
    assert got == {kind: (len(rows), len(rows)) for kind, rows in TINY.items()}
    assert report.audit_seq == 1


def test_import_on_both_stores_then_reimport_changes_nothing(
    tmp_path: Path, store_settings: Settings
) -> None:
    world = write_world(tmp_path / "world")
    first = import_path(world, workspace="acme", settings=store_settings)
    assert sum(k.new for k in first.kinds) == sum(len(v) for v in TINY.values())
    before = snapshot(store_settings)
    again = import_path(world, workspace="acme", settings=store_settings)
    after = snapshot(store_settings)
    assert all(k.new == 0 and k.changed == 0 and k.unchanged == k.rows for k in again.kinds)
    before.pop("audit_log"), after.pop("audit_log")
    assert before == after
    assert again.audit_seq == first.audit_seq + 1


def test_changed_record_is_updated_in_place(tmp_path: Path, store_settings: Settings) -> None:
    world = write_world(tmp_path / "world")
    import_path(world, workspace="acme", settings=store_settings)
    rows = [dict(r) for r in TINY["follower_accounts"]]
    rows[1]["followers_count"] = 4
    write_records(tmp_path / "upd" / "follower_accounts.jsonl", rows)
    report = import_path(
        tmp_path / "upd" / "follower_accounts.jsonl", workspace="acme", settings=store_settings
    )
    (k,) = report.kinds
    assert (k.new, k.changed, k.unchanged) == (0, 1, 2)


def test_no_raw_handle_or_id_of_a_third_party_is_stored(
    tmp_path: Path, store_settings: Settings
) -> None:
    world = write_world(tmp_path / "world")
    import_path(world, workspace="acme", settings=store_settings)
    secrets = set(RAW_HANDLES) | {r["account_id"] for r in TINY["follower_accounts"]}
    engine = open_store(store_settings)
    scanned = 0
    with engine.connect() as connection:
        for table in metadata.tables.values():
            text_columns = [c for c in table.c if isinstance(c.type, String | Text)]
            for row in connection.execute(select(*text_columns)) if text_columns else []:
                for value in row:
                    scanned += 1
                    assert not any(s in str(value) for s in secrets), (table.name, value)
    engine.dispose()
    assert scanned > 50
    # minimisation: the username survives only as two counts
    engine = open_store(store_settings)
    with engine.connect() as connection:
        lengths = sorted(
            connection.execute(
                select(
                    metadata.tables["follower_accounts"].c.username_length,
                    metadata.tables["follower_accounts"].c.username_digit_count,
                )
            ).all()
        )
    engine.dispose()
    assert lengths == sorted((len(h), sum(ch.isdigit() for ch in h)) for h in RAW_HANDLES)


def _refused(path: Path, settings: Settings) -> ImportValidationError:
    before = snapshot(settings)
    with pytest.raises(ImportValidationError) as info:
        import_path(path, workspace="acme", settings=settings)
    assert snapshot(settings) == before, "a refused import must leave the database as it was"
    return info.value


@pytest.fixture
def seeded(tmp_path: Path, store_settings: Settings) -> Settings:
    """A store that already holds the tiny world, so 'unchanged' is a real claim."""
    import_path(write_world(tmp_path / "seed"), workspace="acme", settings=store_settings)
    return store_settings


def test_wrong_type_is_named_by_row_field_and_allowed_values(
    tmp_path: Path, seeded: Settings
) -> None:
    rows = [dict(r) for r in TINY["follower_accounts"]]
    rows[1]["followers_count"] = "many"
    rows[2]["has_profile_pic"] = "perhaps"
    path = write_records(tmp_path / "bad" / "follower_accounts.jsonl", rows)
    err = _refused(path, seeded)
    found = {(e.row, e.field, e.value) for e in err.errors}
    assert (2, "followers_count", "'many'") in found
    assert (3, "has_profile_pic", "'perhaps'") in found
    messages = " ".join(e.message for e in err.errors)
    assert "an integer between 0 and" in messages and "true or false" in messages
    assert all(e.file == str(path) for e in err.errors)


def test_negative_count_and_unknown_field_are_refused(tmp_path: Path, seeded: Settings) -> None:
    rows = [dict(r) for r in TINY["follower_accounts"]]
    rows[0]["posts_count"] = -1
    rows[2]["biography"] = "a raw bio must never be stored"
    path = write_records(tmp_path / "bad" / "follower_accounts.csv", rows)
    err = _refused(path, seeded)
    fields = {(e.row, e.field) for e in err.errors}
    assert (1, "posts_count") in fields
    assert any(e.field == "biography" and "allowed fields" in e.message for e in err.errors)


def test_missing_required_field(tmp_path: Path, seeded: Settings) -> None:
    rows = [dict(r) for r in TINY["posts"]]
    del rows[1]["posted_at"]
    err = _refused(write_records(tmp_path / "bad" / "posts.jsonl", rows), seeded)
    assert [(e.row, e.field, e.message) for e in err.errors] == [(2, "posted_at", "is required")]


def test_missing_required_field_in_column_path(tmp_path: Path, seeded: Settings) -> None:
    rows = [dict(r) for r in TINY["follower_accounts"]]
    del rows[0]["account_id"]
    err = _refused(write_records(tmp_path / "bad" / "follower_accounts.parquet", rows), seeded)
    assert [(e.row, e.field) for e in err.errors] == [(1, "account_id")]


def test_truncated_json_line(tmp_path: Path, seeded: Settings) -> None:
    path = write_records(tmp_path / "bad" / "follower_accounts.jsonl", TINY["follower_accounts"])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 25])  # cut the last record short
    err = _refused(path, seeded)
    assert [(e.row, e.field) for e in err.errors] == [(3, None)]
    assert "not valid JSON" in err.errors[0].message


def test_invalid_utf8_in_jsonl_and_csv(tmp_path: Path, seeded: Settings) -> None:
    path = write_records(tmp_path / "bad" / "comments.jsonl", TINY["comments"])
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b"\xf0\x9f\x94\xa5", b"\xff\xfe", 1)
    path.write_bytes(b"".join(lines))
    err = _refused(path, seeded)
    assert [(e.row, e.message.split(" (")[0]) for e in err.errors] == [(2, "is not valid UTF-8")]

    csv_path = write_records(tmp_path / "bad2" / "follower_accounts.csv", TINY["follower_accounts"])
    csv_path.write_bytes(csv_path.read_bytes().replace(b"f_1002", b"f_10\xc302"))
    err = _refused(csv_path, seeded)
    assert err.errors[0].row == 2 and "UTF-8" in err.errors[0].message


def test_csv_row_with_wrong_cell_count(tmp_path: Path, seeded: Settings) -> None:
    path = write_records(tmp_path / "bad" / "brands.csv", TINY["brands"])
    path.write_text(path.read_text() + "b2,Only two cells\n")
    err = _refused(path, seeded)
    assert err.errors[0].row == 2 and "cells" in err.errors[0].message


def test_dangling_reference_is_refused(tmp_path: Path, seeded: Settings) -> None:
    rows = [dict(r) for r in TINY["follows"]]
    rows.append({"creator_account_id": "ig_c1", "follower_account_id": "never_seen"})
    rows.append({"creator_account_id": "nope", "follower_account_id": "f_1001"})
    err = _refused(write_records(tmp_path / "bad" / "follows.jsonl", rows), seeded)
    got = sorted((e.row, e.field) for e in err.errors)
    assert got == [(4, "follower_account_id"), (5, "creator_account_id")]
    # the raw follower id is not echoed back
    assert all("never_seen" not in (e.value or "") for e in err.errors)


def test_one_bad_file_refuses_the_whole_directory(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    world = write_world(tmp_path / "world")
    rows = [dict(r) for r in TINY["tracking_events"]]
    rows[0]["event_type"] = "teleport"
    write_records(world / "tracking_events.jsonl", rows)
    err = _refused(world, sqlite_settings)
    (only,) = err.errors
    assert only.field == "event_type" and "one of: impression" in only.message
    assert snapshot(sqlite_settings)["creators"] == []


def test_enum_and_share_validation(tmp_path: Path, seeded: Settings) -> None:
    rows = [dict(r) for r in TINY["audience_snapshots"]]
    rows[0]["age_bands"] = {"18-24": 0.9, "25-34": 0.4}
    rows[1]["genders"] = {"robot": 0.5}
    err = _refused(write_records(tmp_path / "bad" / "audience_snapshots.jsonl", rows), seeded)
    by_row = {e.row: e.message for e in err.errors}
    assert "more than 1" in by_row[1]
    assert "robot" in by_row[2] and "female" in by_row[2]


def test_bad_paths_and_names(tmp_path: Path, sqlite_settings: Settings) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        import_path(tmp_path / "missing.jsonl", settings=sqlite_settings)
    weird = tmp_path / "influencers.jsonl"
    weird.write_text("{}\n")
    with pytest.raises(ConfigurationError, match="allowed: brands, creators"):
        import_path(weird, settings=sqlite_settings)
    txt = tmp_path / "brands.txt"
    txt.write_text("x")
    with pytest.raises(ConfigurationError, match=r"allowed: \.csv, \.jsonl"):
        import_path(txt, settings=sqlite_settings)
    with pytest.raises(ConfigurationError, match="workspace 'Bad Name' not allowed"):
        import_path(write_world(tmp_path / "w"), workspace="Bad Name", settings=sqlite_settings)
    dup = write_world(tmp_path / "dup")
    shutil.copy(dup / "brands.jsonl", dup / "brands.csv")
    write_records(dup / "brands.csv", TINY["brands"])
    with pytest.raises(ConfigurationError, match="two files hold brands"):
        import_path(dup, settings=sqlite_settings)


def test_empty_file_is_refused_not_imported_as_nothing(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    path = tmp_path / "follower_accounts.jsonl"
    path.write_text("")
    err = _refused(path, sqlite_settings)
    assert [(e.row, e.message) for e in err.errors] == [(0, "holds no records: nothing to import")]


def test_duplicate_keys_in_one_file_keep_the_last(tmp_path: Path, store_settings: Settings) -> None:
    rows = [
        {"account_id": "f1", "followers_count": 1},
        {"account_id": "f1", "followers_count": 2},
    ]
    path = write_records(tmp_path / "follower_accounts.jsonl", rows)
    report = import_path(path, workspace="acme", settings=store_settings)
    assert report.kinds[0].new == 1
    engine = open_store(store_settings)
    with engine.connect() as connection:
        table = metadata.tables["follower_accounts"]
        assert connection.execute(select(table.c.followers_count)).scalar_one() == 2
    engine.dispose()


def test_workspaces_are_isolated(tmp_path: Path, sqlite_settings: Settings) -> None:
    world = write_world(tmp_path / "world")
    import_path(world, workspace="acme", settings=sqlite_settings)
    report = import_path(world, workspace="globex", settings=sqlite_settings)
    assert all(k.new == k.rows for k in report.kinds)
    engine = open_store(sqlite_settings)
    with engine.connect() as connection:
        table = metadata.tables["follower_accounts"]
        keys = connection.execute(select(table.c.workspace, table.c.follower_key)).all()
    engine.dispose()
    acme = {k for w, k in keys if w == "acme"}
    globex = {k for w, k in keys if w == "globex"}
    assert len(acme) == 3 and not acme & globex, "pseudonyms must not link tenants"


def test_column_path_keys_are_the_store_primary_keys() -> None:
    from trustreach.ingest._transform import COLUMN_KEYS

    for kind, keys in COLUMN_KEYS.items():
        assert keys == tuple(c.name for c in metadata.tables[kind].primary_key.columns)
