"""Engines and schema migrations."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError

from trustreach.store._writers import (
    DEFAULT_BUSY_TIMEOUT_S,
    TIMEOUT_OPTION,
    sqlite_begin,
    write_transaction,
)

_MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r'^(down_revision|revision)\b[^=]*=\s*(None|"([^"]*)")', re.MULTILINE)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # trustreach, not sqlite3, begins transactions (see _writers.sqlite_begin)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA page_size=8192")  # new databases only; ~30% faster bulk upserts
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def create_store_engine(url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    The parent directory of a SQLite file is created if missing. A write
    transaction (:func:`~trustreach.store.write_transaction`) waits up to
    ``busy_timeout_s`` seconds for another writer.

    Examples
    --------
    >>> engine = create_store_engine("sqlite://")
    >>> engine.dialect.name
    'sqlite'
    """
    options = {TIMEOUT_OPTION: busy_timeout_s}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # the importer hands batches to a writer thread, one thread at a time;
        # sqlite3's timeout is SQLite's busy timeout: how long a lock is waited for
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
            execution_options=options,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, execution_options=options)


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration's revision id, read from the migration files.

    Reading the files is enough to tell whether a database is current, without
    importing Alembic (which costs a command a few hundred milliseconds).

    >>> head_revision() >= "0005"
    True
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        found = dict((m[0], m[2]) for m in _REVISION.findall(path.read_text(encoding="utf-8")))
        if found.get("revision"):
            revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have one head, found {sorted(heads)}")
    return heads.pop()


def is_current(engine: Engine) -> bool:
    """Whether the database is already at :func:`head_revision` (no upgrade needed)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no alembic_version table yet: a new database
        return False
    return [r[0] for r in rows] == [head_revision()]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the package's Alembic migrations.

    Safe to race: the upgrade runs in a :func:`~trustreach.store.write_transaction`
    (one process at a time; the others wait their turn), which first checks
    again whether another process brought the schema to the head meanwhile.
    """
    from alembic import command  # only when a migration may be due: keeps start-up fast
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with write_transaction(engine) as connection:
        if revision == "head" and _at_head(connection):
            return
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _at_head(connection: Connection) -> bool:
    if not inspect(connection).has_table("alembic_version"):
        return False
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return [r[0] for r in rows] == [head_revision()]
