"""The store: migrations match the tables; bulk upserts behave the same on both stores."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from trustreach.core import Settings
from trustreach.services import open_store
from trustreach.store import bulk_upsert, dedupe_sorted, metadata, upgrade


def test_migrations_build_exactly_the_declared_tables(store_settings: Settings) -> None:
    engine = open_store(store_settings)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent(store_settings: Settings) -> None:
    engine = open_store(store_settings)
    upgrade(engine)  # already at head: nothing to do, no error
    engine.dispose()


@pytest.fixture
def followers_table(store_settings: Settings):  # type: ignore[no-untyped-def]
    engine = open_store(store_settings)
    yield engine, metadata.tables["follower_accounts"]
    engine.dispose()


def _rows(engine, table):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return sorted(
            connection.execute(select(table.c.follower_key, table.c.followers_count)).all()
        )


def test_bulk_upsert_counts_new_changed_and_unchanged(followers_table) -> None:  # type: ignore[no-untyped-def]
    engine, table = followers_table
    frame = pl.DataFrame(
        {"workspace": ["w"] * 3, "follower_key": ["a", "b", "c"], "followers_count": [1, 2, 3]}
    )
    with engine.begin() as connection:
        assert bulk_upsert(connection, table, frame).written == 3
    changed = frame.with_columns(pl.Series("followers_count", [1, 20, 3]))
    with engine.begin() as connection:
        counts = bulk_upsert(connection, table, changed)
    assert (counts.written, counts.unchanged) == (1, 2)
    assert _rows(engine, table) == [("a", 1), ("b", 20), ("c", 3)]


def test_bulk_upsert_plain_rows_last_duplicate_wins(followers_table) -> None:  # type: ignore[no-untyped-def]
    engine, table = followers_table
    rows = [("w", "a", 1), ("w", "a", 5), ("w", "b", 2)]
    with engine.begin() as connection:
        bulk_upsert(
            connection, table, rows, columns=["workspace", "follower_key", "followers_count"]
        )
    assert _rows(engine, table) == [("a", 5), ("b", 2)]


def test_bulk_upsert_rolls_back_with_the_transaction(followers_table) -> None:  # type: ignore[no-untyped-def]
    engine, table = followers_table
    frame = pl.DataFrame({"workspace": ["w"], "follower_key": ["a"], "followers_count": [1]})
    with pytest.raises(RuntimeError, match="abort"), engine.begin() as connection:
        bulk_upsert(connection, table, frame)
        raise RuntimeError("abort")
    assert _rows(engine, table) == []


def test_bulk_upsert_refuses_bad_input(followers_table) -> None:  # type: ignore[no-untyped-def]
    engine, table = followers_table
    with engine.begin() as connection:
        with pytest.raises(ValueError, match="needs key columns"):
            bulk_upsert(connection, table, [("w", 1)], columns=["workspace", "followers_count"])
        with pytest.raises(ValueError, match="has no column 'nope'"):
            bulk_upsert(
                connection,
                table,
                pl.DataFrame({"workspace": ["w"], "follower_key": ["a"], "nope": [1]}),
            )
        with pytest.raises(ValueError, match="needs columns="):
            bulk_upsert(connection, table, [("w", "a")])


def test_dedupe_sorted_keeps_last_and_sorts() -> None:
    frame = pl.DataFrame({"k": ["b", "a", "b"], "v": [1, 2, 3]})
    assert dedupe_sorted(frame, ["k"]).rows() == [("a", 2), ("b", 3)]


@pytest.mark.parametrize(
    "module",
    [
        "trustreach.store._alert_tables",
        "trustreach.store._compliance_tables",
        "trustreach.store._retention_tables",
        "trustreach.store._rights_tables",
        "trustreach.services._objections",
    ],
)
def test_each_table_module_imports_first(module: str) -> None:
    """A table module imported before ``_tables`` (a fresh interpreter) finds its metadata."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
