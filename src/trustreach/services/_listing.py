"""Paged, workspace-scoped reads for the API and the dashboard.

Every function reads one workspace only and pages by key (``after`` is the last
key of the previous page), so a page costs the same at any depth and rows added
meanwhile neither repeat nor shift. A workspace that does not exist reads as
empty: the answer never says which other workspaces a store holds.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, func, select

from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.ethics.audit import AuditEntry
from trustreach.services._audit import inspect_audit_log
from trustreach.services._context import check_workspace, kept_engine
from trustreach.services._creator_audits import latest_audit
from trustreach.services._shortlist import Shortlist, load_shortlist
from trustreach.store._tables import (
    audit_log,
    creator_accounts,
    creator_audits,
    creators,
    shortlists,
)
from trustreach.store._times import as_utc

MAX_PAGE = 200
T = TypeVar("T")


@dataclass(frozen=True)
class AccountLine:
    """One platform account of a creator."""

    account_id: str
    platform: str
    handle: str
    followers_count: int | None
    verified: bool


@dataclass(frozen=True)
class CreatorRecord:
    """A creator with their accounts and their latest audit's headline, if any."""

    creator_id: str
    display_name: str
    niches: list[str]
    country: str | None
    language: str | None
    accounts: list[AccountLine] = field(default_factory=list)
    audit_seq: int | None = None
    audited_at: datetime | None = None
    audience_quality: float | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing: its items and the key to continue after (None: the last page)."""

    items: list[T]
    next_after: str | None


@dataclass(frozen=True)
class WorkspaceChain:
    """The audit chain as one workspace may see it.

    ``intact`` is whether the whole store's chain verifies (every workspace's
    records share one chain); ``records`` counts this workspace's records and
    ``breaks`` lists the unacknowledged breaks at this workspace's records
    (``seq``, ``kind``), so nothing about another workspace is counted or shown.
    """

    intact: bool
    records: int
    breaks: list[tuple[int, str]]


@contextmanager
def _reading(settings: Settings | None) -> Iterator[Connection]:
    """A connection from the engine this process keeps for per-request work.

    A server answers many small reads: opening and disposing an engine for each
    costs a new database connection every time (see ``_context.kept_engine``).
    """
    with kept_engine(settings or get_settings()).connect() as connection:
        yield connection


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise ConfigurationError(f"limit {limit} not allowed; allowed: 1 to {MAX_PAGE}")
    return limit


def _records(connection: Connection, workspace: str, rows: list[Any]) -> list[CreatorRecord]:
    ids = [r.creator_id for r in rows]
    accounts: dict[str, list[AccountLine]] = {}
    for a in connection.execute(
        select(creator_accounts)
        .where(creator_accounts.c.workspace == workspace, creator_accounts.c.creator_id.in_(ids))
        .order_by(creator_accounts.c.platform, creator_accounts.c.account_id)
    ):
        accounts.setdefault(a.creator_id, []).append(
            AccountLine(a.account_id, a.platform, a.handle, a.followers_count, bool(a.verified))
        )
    latest = (
        select(creator_audits.c.creator_id, func.max(creator_audits.c.audit_seq).label("seq"))
        .where(creator_audits.c.workspace == workspace, creator_audits.c.creator_id.in_(ids))
        .group_by(creator_audits.c.creator_id)
        .subquery()
    )
    audits = {
        a.creator_id: a
        for a in connection.execute(
            select(
                creator_audits.c.creator_id,
                creator_audits.c.audit_seq,
                creator_audits.c.generated_at,
                creator_audits.c.quality_score,
            )
            .join(
                latest,
                (creator_audits.c.creator_id == latest.c.creator_id)
                & (creator_audits.c.audit_seq == latest.c.seq),
            )
            .where(creator_audits.c.workspace == workspace)
        )
    }
    out = []
    for r in rows:
        audit = audits.get(r.creator_id)
        out.append(
            CreatorRecord(
                creator_id=r.creator_id,
                display_name=r.display_name,
                niches=list(r.niches or []),
                country=r.country,
                language=r.language,
                accounts=accounts.get(r.creator_id, []),
                audit_seq=audit.audit_seq if audit else None,
                audited_at=as_utc(audit.generated_at) if audit else None,
                audience_quality=audit.quality_score if audit else None,
            )
        )
    return out


def page_creators(
    *,
    workspace: str,
    limit: int = 50,
    after: str | None = None,
    only: str | None = None,
    settings: Settings | None = None,
) -> Page[CreatorRecord]:
    """Creators of a workspace in ``creator_id`` order, ``limit`` at a time.

    ``only`` restricts the listing to one creator (a creator's own login).
    """
    workspace = check_workspace(workspace)
    limit = _limit(limit)
    settings = settings or get_settings()
    query = select(creators).where(creators.c.workspace == workspace)
    if only is not None:
        query = query.where(creators.c.creator_id == only)
    if after is not None:
        query = query.where(creators.c.creator_id > after)
    key = ("creators", settings.resolved_database_url(), workspace, limit, after, only)

    def read(connection: Connection) -> Page[CreatorRecord]:
        rows = list(connection.execute(query.order_by(creators.c.creator_id).limit(limit + 1)))
        items = _records(connection, workspace, rows[:limit])
        return Page(items, items[-1].creator_id if len(rows) > limit else None)

    return _kept(settings, key, read)


_KEPT = 256
_kept_reads: OrderedDict[tuple[str | int | None, ...], tuple[tuple[int, str], Any]] = OrderedDict()
_kept_lock = threading.Lock()


def _kept(
    settings: Settings, key: tuple[str | int | None, ...], read: Callable[[Connection], T]
) -> T:
    """``read(connection)``, or what it gave at the same audit-log head (see :func:`_audit_head`).

    The last :data:`_KEPT` answers are kept in this process; an answer read at
    an older head is read again.
    """
    with _reading(settings) as connection:
        head = _audit_head(connection)  # read first: the answer is at least this new
        with _kept_lock:
            kept = _kept_reads.get(key)
        if kept is not None and kept[0] == head:
            answer: T = kept[1]
            return answer
        answer = read(connection)
    with _kept_lock:
        _kept_reads[key] = (head, answer)
        _kept_reads.move_to_end(key)
        while len(_kept_reads) > _KEPT:
            _kept_reads.popitem(last=False)
    return answer


def _audit_head(connection: Connection) -> tuple[int, str]:
    """The audit log's last record (number and hash): it moves with every change a page shows.

    Imports, audits, erasures and every other change to creators, accounts or
    audits are audited writes that append a record in the same transaction, so
    a page read at one head stays true until the head moves. This process keeps
    recent answers under the head they were read at (:func:`_kept`). The hash,
    not only the number, names the head: another store behind the same URL (a
    restore, a test database refilled) never matches a kept answer.
    """
    row = connection.execute(
        select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    return (0, "") if row is None else (int(row.seq), str(row.hash))


def get_creator(
    creator_id: str, *, workspace: str, settings: Settings | None = None
) -> CreatorRecord:
    """One creator of the workspace, or :class:`~trustreach.core.NotFoundError`."""
    workspace = check_workspace(workspace)
    with _reading(settings) as connection:
        rows = list(
            connection.execute(
                select(creators).where(
                    creators.c.workspace == workspace, creators.c.creator_id == creator_id
                )
            )
        )
        if not rows:
            raise NotFoundError(f"creator {creator_id!r} not found in workspace {workspace!r}")
        return _records(connection, workspace, rows)[0]


def creator_audit_evidence(
    creator_id: str, *, workspace: str, settings: Settings | None = None
) -> tuple[int, datetime, dict[str, Any]]:
    """``(audit_seq, generated_at, evidence)`` of the creator's latest audit in the workspace."""
    workspace = check_workspace(workspace)
    with _reading(settings) as connection:
        row = latest_audit(connection, workspace, creator_id)
    if row is None:
        raise NotFoundError(f"creator {creator_id!r} has no audit in workspace {workspace!r}")
    evidence: dict[str, Any] = json.loads(row.result)
    return int(row.audit_seq), as_utc(row.generated_at), evidence


def page_shortlists(
    *,
    workspace: str,
    limit: int = 20,
    after: str | None = None,
    settings: Settings | None = None,
) -> Page[Shortlist]:
    """Shortlists of a workspace, newest first (ids begin with their creation time)."""
    workspace = check_workspace(workspace)
    limit = _limit(limit)
    query = select(shortlists.c.shortlist_id).where(shortlists.c.workspace == workspace)
    if after is not None:
        query = query.where(shortlists.c.shortlist_id < after)
    with _reading(settings) as connection:
        ids = list(
            connection.execute(
                query.order_by(shortlists.c.shortlist_id.desc()).limit(limit + 1)
            ).scalars()
        )
        items = [load_shortlist(connection, workspace, i) for i in ids[:limit]]
    more = len(ids) > limit
    return Page(items, items[-1].shortlist_id if more else None)


def find_shortlist(
    shortlist_id: str, *, workspace: str, settings: Settings | None = None
) -> Shortlist:
    """One shortlist of the workspace, or :class:`~trustreach.core.NotFoundError`."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    key = ("shortlist", settings.resolved_database_url(), workspace, shortlist_id)
    return _kept(
        settings, key, lambda connection: load_shortlist(connection, workspace, shortlist_id)
    )


def page_audit_log(
    *,
    workspace: str,
    limit: int = 50,
    after: int | None = None,
    settings: Settings | None = None,
) -> Page[AuditEntry]:
    """The workspace's audit records, newest first."""
    workspace = check_workspace(workspace)
    limit = _limit(limit)
    query = select(audit_log).where(audit_log.c.workspace == workspace)
    if after is not None:
        query = query.where(audit_log.c.seq < after)
    with _reading(settings) as connection:
        rows = list(
            connection.execute(query.order_by(audit_log.c.seq.desc()).limit(limit + 1)).mappings()
        )
    items = [replace(AuditEntry(**r), recorded_at=as_utc(r["recorded_at"])) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items, str(items[-1].seq) if more else None)


def workspace_chain(*, workspace: str, settings: Settings | None = None) -> WorkspaceChain:
    """Verify the store's chain; report it as :class:`WorkspaceChain` for one workspace."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    verdict = inspect_audit_log(settings)
    with _reading(settings) as connection:
        mine = set(
            connection.execute(
                select(audit_log.c.seq).where(audit_log.c.workspace == workspace)
            ).scalars()
        )
    return WorkspaceChain(
        intact=not verdict.unacknowledged,
        records=len(mine),
        breaks=[(b.seq, b.kind) for b in verdict.unacknowledged if b.seq in mine],
    )
