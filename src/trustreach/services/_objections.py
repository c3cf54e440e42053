"""Creators who objected to profiling (GDPR Art. 21): read by discovery and audits.

A small module of its own so that the discovery index and the audience audit can
leave objecting creators out without depending on the rights use-cases
(:mod:`trustreach.services._rights`), which record the objection.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from trustreach.core import ConfigurationError, Settings
from trustreach.store._rights_tables import profiling_objections


class ProfilingObjected(ConfigurationError):
    """The creator objected to profiling: no new audit or ranking of them is made."""


def objecting(
    connection: Connection, workspace: str, creator_ids: Iterable[str] | None = None
) -> set[str]:
    """The creators of ``workspace`` (of ``creator_ids`` when given) who objected."""
    query = select(profiling_objections.c.creator_id).where(
        profiling_objections.c.workspace == workspace
    )
    if creator_ids is not None:
        query = query.where(profiling_objections.c.creator_id.in_(sorted(set(creator_ids))))
    return {str(c) for c in connection.execute(query).scalars()}


def require_not_objecting(connection: Connection, workspace: str, creator_id: str) -> None:
    """:class:`ProfilingObjected` when the creator objected to profiling."""
    if objecting(connection, workspace, [creator_id]):
        raise ProfilingObjected(
            f"creator {creator_id!r} objected to profiling (GDPR Art. 21): no new audit or "
            "ranking of them is made; the objection is listed by `trustreach rights list`"
        )


def index_folders(settings: Settings, workspace: str) -> list[Path]:
    """Every discovery index folder of the workspace under the data directory (any store)."""
    root = settings.data_dir / "index"
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob(f"*/{workspace}") if p.is_dir())


def drop_from_index(settings: Settings, workspace: str, creator_id: str) -> int:
    """Cut a creator's rows out of every discovery index file of the workspace.

    A new generation without them is published and the old ones removed (see
    :meth:`~trustreach.discovery.CreatorIndex.save`). The index is rebuilt from
    the store at its next use anyway (the erasure and objection are indexed
    actions); this makes the files on disk clean at once. Returns rows removed.
    """
    from trustreach.discovery._index import CreatorIndex, CreatorIndexError

    removed = 0
    for folder in index_folders(settings, workspace):
        if not CreatorIndex.exists(folder):
            continue
        try:
            index = CreatorIndex.load(folder)
        except CreatorIndexError:  # unreadable: remove it, it is rebuilt when next needed
            shutil.rmtree(folder, ignore_errors=True)
            continue
        rows = index.rows_of(creator_id)
        if rows.size == 0:
            continue
        keep = np.ones(len(index), dtype=bool)
        keep[rows] = False
        n = len(index)
        values: dict[str, Any] = {}
        for f in fields(index):
            if not f.init:
                continue
            value = getattr(index, f.name)
            if isinstance(value, np.ndarray) and value.shape[:1] == (n,):
                value = np.array(value[keep])
            values[f.name] = value
        type(index)(**values).save(folder)
        removed += int(rows.size)
    return removed
