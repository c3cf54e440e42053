"""The import's side of retention: records that expired are not brought back.

:class:`ImportGate` reads the workspace's tombstones and cutoffs
(:mod:`trustreach.services._retention` writes them when rows expire) before an
import writes anything; the importer passes every batch through
:meth:`ImportGate.admit` (records that expired are dropped and counted as
``skipped_expired``) and :meth:`ImportGate.stamp` (the import's day becomes the
``last_seen`` of tables that keep one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from trustreach.services._retention import (
    LAST_SEEN_TABLES,
    POLICIES,
    RetentionPolicy,
    key_columns,
    key_digest,
    row_digest,
    value_columns,
)
from trustreach.store._retention_tables import retention_cutoffs, retention_tombstones
from trustreach.store._tables import metadata


@dataclass
class ImportGate:
    """What one import must not bring back, and the day it saw its records.

    Load it (:meth:`load`, then :meth:`prepare` for each kind) before the import's
    writer owns the connection; then :meth:`admit` drops the records that expired
    and :meth:`stamp` adds the day to the tables that keep a ``last_seen``.
    Tombstones are held as one Arrow frame per kind (digests only), read only for
    the kinds an import brings.
    """

    workspace: str
    day: date
    cutoffs: dict[str, datetime] = field(default_factory=dict)
    tombstones: dict[str, pl.DataFrame] = field(default_factory=dict)
    expired_followers: set[str] = field(default_factory=set)
    renewed_followers: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, connection: Connection, workspace: str, *, day: date | None = None) -> ImportGate:
        """The workspace's cutoffs (one per table at most)."""
        gate = cls(workspace, day or datetime.now(UTC).date())
        c = retention_cutoffs.c
        for table, cutoff in connection.execute(
            select(c.table_name, c.cutoff).where(c.workspace == workspace)
        ):
            gate.cutoffs[table] = cutoff if cutoff.tzinfo else cutoff.replace(tzinfo=UTC)
        return gate

    def prepare(self, connection: Connection, kind: str) -> None:
        """Read the tombstones of ``kind`` (once), before the writer owns the connection."""
        policy = POLICIES.get(kind)
        if policy is None or policy.gate not in ("key", "row") or kind in self.tombstones:
            return
        t = retention_tombstones.c
        rows = connection.execute(
            select(t.key_digest, t.row_digest).where(
                t.workspace == self.workspace, t.table_name == kind
            )
        ).all()
        self.tombstones[kind] = pl.DataFrame(
            {"key": [r[0] for r in rows], "row": [r[1] for r in rows]},
            schema={"key": pl.Utf8, "row": pl.Utf8},
        )

    def admit(
        self, kind: str, data: Any, columns: list[str] | None, rows: list[int]
    ) -> tuple[Any, list[int], int]:
        """``data`` without the records that expired, their row numbers, and how many went."""
        policy = POLICIES.get(kind)
        if policy is None or policy.gate is None:
            return data, rows, 0
        if policy.gate == "cutoff":
            cutoff = self.cutoffs.get(kind)
            if cutoff is None:
                return data, rows, 0
            times = [_at(v) for v in _column(data, columns, policy.clock)]
            keep = [t is None or t >= cutoff for t in times]
        else:
            stones = self.tombstones.get(kind)
            none = stones is None or stones.height == 0
            if none and not (kind == "follows" and self.expired_followers):
                return data, rows, 0
            keep = self._keep(kind, policy, data, columns, stones)
        if all(keep):
            return data, rows, 0
        kept_rows = [r for r, k in zip(rows, keep, strict=True) if k]
        if isinstance(data, pl.DataFrame):
            return data.filter(pl.Series(keep, dtype=pl.Boolean)), kept_rows, keep.count(False)
        return [d for d, k in zip(data, keep, strict=True) if k], kept_rows, keep.count(False)

    def _keep(
        self,
        kind: str,
        policy: RetentionPolicy,
        data: Any,
        columns: list[str] | None,
        stones: pl.DataFrame | None,
    ) -> list[bool]:
        table = metadata.tables[kind]
        keys = list(zip(*(_column(data, columns, k) for k in key_columns(table)), strict=True))
        hits: dict[int, str | None] = {}  # row -> the expired row's value digest
        if stones is not None and stones.height:
            found = (
                pl.DataFrame({"key": [key_digest(k) for k in keys]}, schema={"key": pl.Utf8})
                .with_row_index("i")
                .join(stones, on="key", how="inner")
            )
            hits = dict(zip(found["i"].to_list(), found["row"].to_list(), strict=True))
        values = (
            list(zip(*(_column(data, columns, v) for v in value_columns(table)), strict=True))
            if policy.gate == "row"
            else None
        )
        keep: list[bool] = []
        for i, key in enumerate(keys):
            if kind == "follows" and key[-1] in self.renewed_followers:
                keep.append(True)  # its follower came back as a new observation
                continue
            if kind == "follows" and key[-1] in self.expired_followers:
                keep.append(False)  # its follower's record expired and was skipped
                continue
            if i not in hits:
                keep.append(True)
                continue
            expired_values = hits[i]  # None: the key alone is barred (an erasure, say)
            if (
                values is not None
                and expired_values is not None
                and (expired_values != row_digest(values[i]))
            ):
                keep.append(True)  # a new observation: its values differ from the expired row's
                if kind == "follower_accounts":
                    self.renewed_followers.add(str(key[0]))
                continue
            keep.append(False)
            if kind == "follower_accounts":
                self.expired_followers.add(str(key[0]))
        return keep

    def stamp(
        self, kind: str, data: Any, columns: list[str] | None
    ) -> tuple[Any, list[str] | None]:
        """Add the import's day as ``last_seen`` to the records of tables that keep one."""
        if kind not in LAST_SEEN_TABLES:
            return data, columns
        if isinstance(data, pl.DataFrame):
            return data.with_columns(pl.lit(self.day, dtype=pl.Date).alias("last_seen")), columns
        assert columns is not None
        return [(*row, self.day) for row in data], [*columns, "last_seen"]


def _column(data: Any, columns: list[str] | None, name: str) -> list[Any]:
    if isinstance(data, pl.DataFrame):
        return data[name].to_list() if name in data.columns else [None] * data.height
    assert columns is not None
    if name not in columns:
        return [None] * len(data)
    position = columns.index(name)
    return [row[position] for row in data]


def _at(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), tzinfo=UTC)
    if isinstance(value, str):
        return _at(datetime.fromisoformat(value))
    return None
