"""An erasure holds against later imports: the erased person's keys are barred for good.

Erasing a creator (:func:`trustreach.services._erasure.erase_creator`) or a follower
(:func:`trustreach.services._privacy.erase_third_party`) removes what is stored; an
interchange file that still holds them, imported again, would write them anew. So the
erasure also writes, in its own transaction, a keyed digest of every key the
person's records had (``erasure_bars``): the creator's id, their accounts', posts'
and comments' ids; a follower's pseudonym. Never the key itself: the digest is keyed
by the install secret, so it cannot be matched against guessed ids without it.

The import reads the bars (:class:`ErasureBar`) and drops every record holding a
barred key in any of the columns of :data:`BAR_COLUMNS` (a creator's record, an
account of theirs, a post, a comment on it, a snapshot, a deal, a tracked link or
an event naming them, a follow of their account; a follower's record, follows and
comments), reporting them as ``skipped_erased``. The rest of the import proceeds.
Unlike retention tombstones, bars do not expire.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert, select

from trustreach.ethics.privacy import Pseudonymizer
from trustreach.store._tables import erasure_bars

KeyKind = Literal["creator", "account", "post", "comment", "person"]

BAR_COLUMNS: dict[str, KeyKind] = {
    "creator_id": "creator",
    "account_id": "account",
    "creator_account_id": "account",
    "post_id": "post",
    "comment_id": "comment",
    "follower_key": "person",
    "author_key": "person",
}
"""Columns whose value, when barred, keeps a record out of an import, and the key each holds."""

SKIP_REASON = "erased at the subject's request"
"""Why a barred record is skipped, as reports and the import's audit record say it."""


def bar_digests(
    pseudonymizer: Pseudonymizer, workspace: str, kind: KeyKind, values: Iterable[Any]
) -> list[str]:
    """Keyed digests of ``values`` as keys of ``kind`` (the same in every process)."""
    prefix = f"erased\x1f{kind}\x1f"
    return pseudonymizer.many(workspace, [prefix + str(v) for v in values])


def bar_subject_keys(
    connection: Connection,
    pseudonymizer: Pseudonymizer,
    *,
    workspace: str,
    keys: dict[KeyKind, Iterable[Any]],
    at: datetime,
) -> int:
    """Bar ``keys`` (by kind) in ``workspace`` for good, in the caller's transaction.

    Keys already barred are left as they are. Returns how many bars were written.
    """
    written = 0
    b = erasure_bars.c
    for kind, values in keys.items():
        digests = sorted(set(bar_digests(pseudonymizer, workspace, kind, values)))
        if not digests:
            continue
        held: set[str] = set()
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            held |= set(
                connection.execute(
                    select(b.key_digest).where(
                        b.workspace == workspace, b.key_kind == kind, b.key_digest.in_(chunk)
                    )
                ).scalars()
            )
        new = [d for d in digests if d not in held]
        if new:
            connection.execute(
                insert(erasure_bars),
                [
                    {"workspace": workspace, "key_kind": kind, "key_digest": d, "barred_at": at}
                    for d in new
                ],
            )
        written += len(new)
    return written


@dataclass
class ErasureBar:
    """The barred keys of one workspace, read once before an import writes anything."""

    workspace: str
    pseudonymizer: Pseudonymizer
    barred: dict[str, set[str]] = field(default_factory=dict)  # key kind -> digests

    @classmethod
    def load(
        cls, connection: Connection, workspace: str, pseudonymizer: Pseudonymizer
    ) -> ErasureBar:
        """The workspace's bars (digests only)."""
        bar = cls(workspace, pseudonymizer)
        b = erasure_bars.c
        for kind, digest in connection.execute(
            select(b.key_kind, b.key_digest).where(b.workspace == workspace)
        ):
            bar.barred.setdefault(str(kind), set()).add(str(digest))
        return bar

    def admit(
        self, data: Any, columns: list[str] | None, rows: list[int]
    ) -> tuple[Any, list[int], int]:
        """``data`` without the records holding a barred key, their row numbers, how many went."""
        if not self.barred:
            return data, rows, 0
        import polars as pl  # here, not at import: reading a shortlist needs no frames

        names = list(data.columns) if isinstance(data, pl.DataFrame) else list(columns or [])
        keep: list[bool] | None = None
        for name in names:
            kind = BAR_COLUMNS.get(name)
            if kind is None or kind not in self.barred:
                continue
            values = (
                data[name].to_list()
                if isinstance(data, pl.DataFrame)
                else [row[names.index(name)] for row in data]
            )
            # each distinct value once (a follows file names few accounts many times)
            distinct = list({v for v in values if v is not None})
            digests = bar_digests(self.pseudonymizer, self.workspace, kind, distinct)
            barred = {v for v, d in zip(distinct, digests, strict=True) if d in self.barred[kind]}
            if not barred:
                continue
            hit = [v in barred for v in values]
            keep = (
                [not h for h in hit]
                if keep is None
                else [k and not h for k, h in zip(keep, hit, strict=True)]
            )
        if keep is None or all(keep):
            return data, rows, 0
        kept_rows = [r for r, k in zip(rows, keep, strict=True) if k]
        gone = keep.count(False)
        if isinstance(data, pl.DataFrame):
            return data.filter(pl.Series(keep, dtype=pl.Boolean)), kept_rows, gone
        return [d for d, k in zip(data, keep, strict=True) if k], kept_rows, gone


__all__ = ["BAR_COLUMNS", "SKIP_REASON", "ErasureBar", "bar_digests", "bar_subject_keys"]
