"""Opening the store the settings name, migrated and ready."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Row, select

from trustreach.core import (
    Actor,
    ConfigurationError,
    NotFoundError,
    Role,
    Settings,
    get_settings,
    require_role,
)
from trustreach.store import create_store_engine, upgrade
from trustreach.store._engine import is_current
from trustreach.store._tables import creators, workspaces

if TYPE_CHECKING:
    import polars as pl

_WORKSPACE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
_migrated: set[str] = set()


_CHOOSE = (
    "run trustreach from the folder that holds the store's .trustreach directory, or choose "
    "another store with TRUSTREACH_DATA_DIR (or TRUSTREACH_DATABASE_URL)"
)


def store_location(settings: Settings) -> str:
    """The store's file (absolute) or database URL (password hidden).

    >>> store_location(Settings(data_dir="/srv/tr"))
    '/srv/tr/trustreach.db'
    """
    url = settings.resolved_database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        return str(Path(path).absolute()) if path not in ("", ":memory:") else ":memory:"
    return re.sub(r"//[^@/]*@", "//", url)


def describe_store(settings: Settings) -> str:
    """Where the store is, in words a user can act on.

    >>> describe_store(Settings(data_dir="/srv/tr"))
    'the store at /srv/tr/trustreach.db'
    """
    return f"the store at {store_location(settings)}"


def open_store(settings: Settings | None = None, *, create: bool = True) -> Engine:
    """An engine on the configured database, with the schema at the latest migration.

    With ``create=False`` (commands that only read) a SQLite store that does not
    exist yet is an error naming where it was looked for, instead of a new, empty
    store created in whatever folder the command ran from.
    """
    settings = settings or get_settings()
    url = settings.resolved_database_url()
    if not create and url.startswith("sqlite") and "///" in url:
        path = Path(url.split("///", 1)[1])
        if str(path) != ":memory:" and not path.exists():
            raise NotFoundError(
                f"no trustreach store found: looked for {store_location(settings)}; "
                f"{_CHOOSE}, or create one with `trustreach import`"
            )
    engine = create_store_engine(url, busy_timeout_s=settings.busy_timeout_s)
    if url not in _migrated:  # a race of first commands is safe: see store.upgrade
        if not is_current(engine):
            upgrade(engine)
        _migrated.add(url)
    return engine


@contextmanager
def store(settings: Settings | None = None, *, create: bool = False) -> Iterator[Engine]:
    """:func:`open_store` for one use-case: the engine is disposed when the block ends.

    Only use-cases that bring data in (an import, and the audit records of work
    on the user's own files) pass ``create=True``; every other one works on an
    existing store and says where it looked when there is none.
    """
    engine = open_store(settings, create=create)
    try:
        yield engine
    finally:
        engine.dispose()


_ENGINES_KEPT = 8
_engines: dict[tuple[int, str, float], Engine] = {}
_engines_lock = threading.Lock()


def kept_engine(settings: Settings) -> Engine:
    """An engine kept for the per-request checks (a key, a session) of this process.

    Opening and disposing an engine per check cost ~12 ms on PostgreSQL (a new
    connection each time, `benchmarks/bench_identity.py`); a kept engine pools
    its connections. Kept per process (a forked worker makes its own) and per
    store, the oldest disposed beyond :data:`_ENGINES_KEPT`; a store whose
    migration state was forgotten (``_migrated``) is opened afresh.
    """
    url = settings.resolved_database_url()
    key = (os.getpid(), url, settings.busy_timeout_s)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is not None and url in _migrated:
            return engine
        if engine is not None:
            del _engines[key]
            engine.dispose()
        engine = open_store(settings, create=False)
        _engines[key] = engine
        while len(_engines) > _ENGINES_KEPT:
            _engines.pop(next(iter(_engines))).dispose()
        return engine


def check_workspace(workspace: str) -> str:
    """Validate a workspace slug.

    >>> check_workspace("acme-eu")
    'acme-eu'
    """
    if not _WORKSPACE.match(workspace):
        raise ConfigurationError(
            f"workspace {workspace!r} not allowed; allowed: 1-64 lower-case letters, digits, "
            "'-' or '_', starting with a letter or digit"
        )
    return workspace


def readable_workspace(actor: Actor, workspace: str | None) -> str:
    """The workspace a reader of posts asks about (default: the actor's own).

    Admins, analysts, approvers, auditors and creator logins read; another
    workspace answers "not found"; a creator login must name its creator (what
    it may read is then narrowed to that creator's own accounts by the caller).
    """
    require_role(actor, Role.analyst, Role.approver, Role.auditor, Role.creator)
    ws = check_workspace(workspace or actor.workspace)
    if ws != actor.workspace:
        raise NotFoundError(f"workspace {ws!r} not found")
    if actor.role is Role.creator and not actor.creator_id:
        raise ConfigurationError("a creator login must name its creator_id")
    return ws


def ensure_workspace(connection: Connection, workspace: str) -> None:
    """Create the workspace row if it does not exist yet.

    Safe to race: two processes creating one workspace at the same moment both
    go on (``INSERT ... ON CONFLICT DO NOTHING``), and one row is kept.
    """
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    new = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        new(workspaces)
        .values(workspace=workspace, created_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=[workspaces.c.workspace])
    )


def require_workspace(connection: Connection, workspace: str, settings: Settings) -> None:
    """:class:`~trustreach.core.NotFoundError` naming the store looked in and the
    workspaces it holds, unless ``workspace`` exists."""
    known = list(
        connection.execute(select(workspaces.c.workspace).order_by(workspaces.c.workspace))
        .scalars()
        .all()
    )
    if workspace in known:
        return
    there = f"workspaces there: {', '.join(known)}" if known else "it holds no workspace yet"
    raise NotFoundError(
        f"workspace {workspace!r} does not exist in {describe_store(settings)} ({there}); "
        f"choose one with --workspace (or TRUSTREACH_WORKSPACE), import data into it with "
        f"`trustreach import`, or {_CHOOSE}"
    )


def display_names(
    connection: Connection, workspace: str, creator_ids: Iterable[str]
) -> dict[str, str]:
    """``creator_id -> display name`` for those of ``creator_ids`` the workspace holds."""
    return {
        str(c): str(n)
        for c, n in connection.execute(
            select(creators.c.creator_id, creators.c.display_name).where(
                creators.c.workspace == workspace, creators.c.creator_id.in_(list(creator_ids))
            )
        )
    }


def require_creator(connection: Connection, workspace: str, creator_id: str) -> Row[Any]:
    """The creator's row, or :class:`~trustreach.core.NotFoundError` naming it."""
    row = connection.execute(
        select(creators).where(
            creators.c.workspace == workspace, creators.c.creator_id == creator_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"creator {creator_id!r} not found in workspace {workspace!r}")
    return row


def store_identity(settings: Settings) -> str:
    """The same text for every spelling of one store's location.

    A SQLite file inside the data directory is named by its path relative to it,
    so a relative and an absolute data directory, a symlinked one, or the folder
    copied elsewhere with its audit anchor all find the same anchor; a file elsewhere
    by its resolved path; a server database by its URL without the password.
    """
    url = settings.resolved_database_url()
    if url.startswith("sqlite") and "///" in url:
        raw = url.split("///", 1)[1]
        if raw not in ("", ":memory:"):
            db = Path(raw).resolve()
            try:
                return "sqlite:" + db.relative_to(settings.data_dir.resolve()).as_posix()
            except ValueError:
                return "sqlite:" + db.as_posix()
    return re.sub(r"//[^@/]*@", "//", url)


def read_frame(connection: Connection, query: Any) -> pl.DataFrame:
    """Run a select and return its rows as a polars frame (columns as selected)."""
    import polars as pl  # only the use-cases that need frames pay for Polars

    result = connection.execute(query)
    columns = list(result.keys())
    rows = result.all()
    return pl.DataFrame(
        [tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None
    )
