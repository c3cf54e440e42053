"""Opening the store the settings name, migrated and ready."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Row, insert, select

from trustreach.core import (
    ConfigurationError,
    NotFoundError,
    Settings,
    exclusive_lock,
    get_settings,
    write_text_atomically,
)
from trustreach.ethics.audit import ChainHead
from trustreach.store import create_store_engine, upgrade
from trustreach.store._tables import creators, workspaces

_WORKSPACE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_migrated: set[str] = set()


def open_store(settings: Settings | None = None) -> Engine:
    """An engine on the configured database, with the schema at the latest migration."""
    settings = settings or get_settings()
    url = settings.resolved_database_url()
    engine = create_store_engine(url)
    if url not in _migrated:
        upgrade(engine)
        _migrated.add(url)
    return engine


@contextmanager
def store(settings: Settings | None = None) -> Iterator[Engine]:
    """:func:`open_store` for one use-case: the engine is disposed when the block ends."""
    engine = open_store(settings)
    try:
        yield engine
    finally:
        engine.dispose()


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


def ensure_workspace(connection: Connection, workspace: str) -> None:
    """Create the workspace row if it does not exist yet."""
    exists = connection.execute(
        select(workspaces.c.workspace).where(workspaces.c.workspace == workspace)
    ).first()
    if exists is None:
        connection.execute(
            insert(workspaces).values(workspace=workspace, created_at=datetime.now(UTC))
        )


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


def anchor_path(settings: Settings) -> Path:
    """Where the last known head of the audit chain is kept, outside the database."""
    url = settings.resolved_database_url()
    tag = hashlib.sha256(url.encode()).hexdigest()[:12]
    return settings.data_dir / f"audit-anchor-{tag}.json"


def read_anchor(settings: Settings) -> ChainHead | None:
    """The anchored head of the audit chain, if one was written."""
    path = anchor_path(settings)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return ChainHead(int(data["seq"]), str(data["hash"]))


def write_anchor(settings: Settings, head: ChainHead) -> None:
    """Remember the chain head outside the database (only ever moves forward)."""
    path = anchor_path(settings)
    with exclusive_lock(path.with_name(path.name + ".lock")):  # check and write as one step
        current = read_anchor(settings)
        if current is not None and current.seq >= head.seq:
            return
        write_text_atomically(path, json.dumps({"seq": head.seq, "hash": head.hash}))


def read_frame(connection: Connection, query: Any) -> pl.DataFrame:
    """Run a select and return its rows as a polars frame (columns as selected)."""
    result = connection.execute(query)
    columns = list(result.keys())
    rows = result.all()
    return pl.DataFrame(
        [tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None
    )
