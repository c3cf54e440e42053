"""Erasure of a creator (GDPR Art. 17) that cascades to everything derived from them.

One audited transaction removes every row tied to the creator, found the same way
the export finds them (:func:`trustreach.services._rights.link_clause`: any column
named ``creator_id``, ``account_id``, ``creator_account_id``, ``post_id`` or
``comment_id``), and every row that references a removed row through a foreign key,
so a table added later is covered without a change here. Then, outside the
database: the creator's rows are cut out of the discovery index files, and the
folders of jobs that named them are removed where a file in them holds the creator's
id, handle or name (the job records stay, the id in them replaced by a pseudonym).

What is not deleted, and why, is stated in the :class:`ErasureReceipt`:

- **the audit log** is append-only and hash-chained (its integrity is the proof of
  every other change, Art. 5(2)); its records name the creator by id only
  (``creator:ID``) and hold ids, counts and model versions, never a name or handle;
- **campaign events** (clicks, orders) are the brand's records of sales: they are
  kept, with the creator, their posts, links and codes removed from them;
- **contracts** (deals) may have to be kept for bookkeeping (Art. 17(3)(b)): with
  ``keep_deals`` (the default) a minimal record (campaign, amount, currency,
  compensation, date signed) is kept under a keyed pseudonym, with no name,
  handle, code or creator id, until the bookkeeping period ends;
- **shortlists** keep a tombstone where the creator's entry was, so a reader sees
  that an entry was erased rather than a silent gap;
- **rights requests** about the creator are kept (proof the request was answered),
  their subject replaced by the same keyed pseudonym.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    String,
    Table,
    Text,
    cast,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.sql.elements import False_

from trustreach.core import Settings, get_settings
from trustreach.ethics.privacy import Pseudonymizer, load_or_create_key
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import check_workspace, store
from trustreach.services._erasure_bar import bar_subject_keys
from trustreach.services._jobs import job_folder
from trustreach.services._objections import drop_from_index
from trustreach.services._rights import (
    CreatorScope,
    creator_scope,
    fk_clause,
    link_clause,
)
from trustreach.services._rights_log import settle
from trustreach.store._rights_tables import erasure_retained, erasure_tombstones, rights_requests
from trustreach.store._tables import (
    audit_log,
    campaign_live,
    comments,
    deals,
    follower_accounts,
    follows,
    idempotency_keys,
    jobs,
    metadata,
    posts,
    shortlist_entries,
    tracked_links,
    tracking_events,
)

UNLINKED = frozenset({"tracking_events"})
"""Tables whose rows tied to the creator are kept with the tie removed (see the module)."""

DEAL_RETENTION_DAYS = 2555
"""Bookkeeping period a minimal deal record is kept for after erasure (7 years)."""


@dataclass(frozen=True)
class Residue:
    """Rows of one column that still contain one of the searched values."""

    table: str
    column: str
    rows: int


@dataclass(frozen=True)
class ErasureReceipt:
    """What an erasure removed, changed, kept and why (handed to the person who asked)."""

    workspace: str
    subject_ref: str  # the keyed pseudonym the creator's id became in what is kept
    removed: dict[str, int]
    unlinked: dict[str, int]
    kept: list[str]
    index_rows_removed: int
    job_folders_removed: int
    audit_seq: int
    residue: list[Residue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "workspace": self.workspace,
            "subject_ref": self.subject_ref,
            "removed": self.removed,
            "unlinked": self.unlinked,
            "kept": self.kept,
            "index_rows_removed": self.index_rows_removed,
            "job_folders_removed": self.job_folders_removed,
            "audit_seq": self.audit_seq,
            "residue": [vars(r) for r in self.residue],
        }


def _text_columns(table: Table) -> list[Any]:
    return [c for c in table.c if isinstance(c.type, String | Text | JSON)]


def needles_of(scope: CreatorScope) -> list[str]:
    """The values that identify the creator: id, handles and display name."""
    return sorted({scope.creator_id, scope.display_name, *scope.handles} - {""})


def find_residue(
    connection: Connection,
    workspace: str,
    needles: list[str],
    *,
    ids_allowed_in_audit_log: tuple[str, ...] = (),
) -> list[Residue]:
    """Every text or JSON column, of every table, whose rows of ``workspace`` contain a needle.

    Generic over :data:`~trustreach.store._tables.metadata`, so a table added later
    is searched too. A needle of under 4 characters is matched as the whole value
    only (a short id is a substring of many unrelated values). The audit log may
    name the ``ids_allowed_in_audit_log`` (it keeps ids by design).
    """
    found: list[Residue] = []
    for table in metadata.sorted_tables:
        columns = _text_columns(table)
        if not columns:
            continue
        for column in columns:
            value = cast(column, Text) if isinstance(column.type, JSON) else column
            wanted = [
                n for n in needles if not (table is audit_log and n in ids_allowed_in_audit_log)
            ]
            if not wanted:
                continue
            tests = [
                value.contains(n, autoescape=True) if len(n) >= 4 else value == n for n in wanted
            ]
            query = select(func.count()).select_from(table).where(or_(*tests))
            if "workspace" in table.c:
                query = query.where(table.c.workspace == workspace)
            count = int(connection.execute(query).scalar_one())
            if count:
                found.append(Residue(table.name, column.name, count))
    return found


def _clauses(scope: CreatorScope, workspace: str) -> dict[str, Any]:
    """Table name -> WHERE selecting the rows to delete (parents before their children)."""
    clauses: dict[str, Any] = {}
    for table in metadata.sorted_tables:
        if table.name in UNLINKED:
            continue
        parts = [p for p in (link_clause(table, scope, workspace),) if p is not None]
        parts = [p for p in parts if not isinstance(p, False_)]
        parts += fk_clause(table, clauses)
        if parts:
            clauses[table.name] = or_(*parts) if len(parts) > 1 else parts[0]
    return clauses


KEY_TABLES = ("comments", "posts", "creator_accounts", "creators")
"""Deleted last, in this order: the other tables' rows are found through them."""


def _deletion_order() -> list[Table]:
    """Children before parents (reverse dependency order), the key tables last."""
    rest = [t for t in reversed(metadata.sorted_tables) if t.name not in KEY_TABLES]
    return [*rest, *(metadata.tables[name] for name in KEY_TABLES)]


def _holds(folder: Path, needles: list[str]) -> bool:
    """Whether a file under ``folder`` contains one of ``needles`` (UTF-8 bytes)."""
    if not folder.is_dir():
        return False
    wanted = [n.encode() for n in needles]
    return any(
        any(n in path.read_bytes() for n in wanted) for path in folder.rglob("*") if path.is_file()
    )


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _mentions(column: Any, values: list[str]) -> Any:
    return or_(*(column.contains(v, autoescape=True) for v in values))


def erase_creator(
    creator_id: str,
    *,
    workspace: str = "default",
    request_id: str | None = None,
    keep_deals: bool = True,
    actor: str = "cli",
    settings: Settings | None = None,
) -> ErasureReceipt:
    """Erase a creator and everything derived from them (GDPR Art. 17); see the module.

    One transaction: the rows, the tombstones, the kept records and the audit
    record commit together or not at all. With ``request_id`` the erasure request
    is completed in the same transaction. The receipt lists what was removed, what
    was kept and why, and any remaining mention of the creator's id, handles or
    display name found in any column (other people's captions, say) for a person
    to review.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    key = load_or_create_key(settings.resolved_key_file())
    subject_ref = "creator-erased:" + Pseudonymizer(key)(workspace, f"creator\x1f{creator_id}")
    folders: list[Path] = []
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            scope = creator_scope(connection, workspace, creator_id)
            needles = needles_of(scope)
            # what must be known before the rows go
            entries = connection.execute(
                select(shortlist_entries.c.shortlist_id, shortlist_entries.c.rank).where(
                    shortlist_entries.c.workspace == workspace,
                    shortlist_entries.c.creator_id == creator_id,
                )
            ).all()
            deal_rows = connection.execute(
                select(deals).where(
                    deals.c.workspace == workspace, deals.c.creator_id == creator_id
                )
            ).all()
            link_ids = list(
                connection.execute(
                    select(tracked_links.c.link_id).where(
                        tracked_links.c.workspace == workspace,
                        tracked_links.c.creator_id == creator_id,
                    )
                ).scalars()
            )
            codes = sorted({str(d.affiliate_code) for d in deal_rows if d.affiliate_code})
            third_parties = set(
                connection.execute(
                    select(follows.c.follower_key).where(
                        follows.c.workspace == workspace,
                        follows.c.creator_account_id.in_(scope.account_ids),
                    )
                ).scalars()
            ) | set(
                connection.execute(
                    select(comments.c.author_key).where(
                        comments.c.workspace == workspace, comments.c.post_id.in_(scope.posts())
                    )
                ).scalars()
            )
            campaigns = {str(d.campaign_id) for d in deal_rows} | set(
                connection.execute(
                    select(posts.c.campaign_id).where(
                        posts.c.workspace == workspace,
                        posts.c.account_id.in_(scope.account_ids),
                        posts.c.campaign_id.is_not(None),
                    )
                ).scalars()
            )
            # a later import must not bring them back: their keys are barred for good
            barred = bar_subject_keys(
                connection,
                Pseudonymizer(key),
                workspace=workspace,
                keys={
                    "creator": [creator_id],
                    "account": scope.account_ids,
                    "post": connection.execute(scope.posts()).scalars().all(),
                    "comment": connection.execute(scope.comments()).scalars().all(),
                },
                at=datetime.now(UTC),
            )
            # events keep the sale, lose the creator
            unlinked = _unlink_events(connection, workspace, scope, link_ids, codes)
            clauses = _clauses(scope, workspace)
            removed: dict[str, int] = {}
            for table in _deletion_order():
                if table.name in clauses:
                    count = connection.execute(delete(table).where(clauses[table.name])).rowcount
                    if count:
                        removed[table.name] = count
            # followers and commenters held only for this creator's audience
            orphans = 0
            for chunk in _chunks(sorted(third_parties)):
                still = set(
                    connection.execute(
                        select(follows.c.follower_key).where(
                            follows.c.workspace == workspace, follows.c.follower_key.in_(chunk)
                        )
                    ).scalars()
                ) | set(
                    connection.execute(
                        select(comments.c.author_key).where(
                            comments.c.workspace == workspace, comments.c.author_key.in_(chunk)
                        )
                    ).scalars()
                )
                gone = [k for k in chunk if k not in still]
                if gone:
                    orphans += connection.execute(
                        delete(follower_accounts).where(
                            follower_accounts.c.workspace == workspace,
                            follower_accounts.c.follower_key.in_(gone),
                        )
                    ).rowcount
            if orphans:
                removed["follower_accounts"] = removed.get("follower_accounts", 0) + orphans
            # cached answers and job records that named the creator
            quoted = [json.dumps(creator_id)]
            cached = connection.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.workspace == workspace,
                    _mentions(idempotency_keys.c.response_body, [*quoted, *scope.handles]),
                )
            ).rowcount
            if cached:
                removed["idempotency_keys"] = cached
            job_ids = list(
                connection.execute(
                    select(jobs.c.job_id).where(
                        jobs.c.workspace == workspace,
                        or_(_mentions(jobs.c.params, quoted), _mentions(jobs.c.result, quoted)),
                    )
                ).scalars()
            )
            if job_ids:  # the job stays (who ran what); the creator's id in it does not
                connection.execute(
                    sql_update(jobs)
                    .where(jobs.c.job_id.in_(job_ids))
                    .values(
                        params=func.replace(jobs.c.params, quoted[0], json.dumps(subject_ref)),
                        result=func.replace(jobs.c.result, quoted[0], json.dumps(subject_ref)),
                    )
                )
                unlinked["jobs"] = len(job_ids)
                folders = [
                    f for f in (job_folder(settings, j) for j in job_ids) if _holds(f, needles)
                ]
            # aggregates of the touched campaigns are rebuilt from the kept events
            if campaigns:
                connection.execute(
                    sql_update(campaign_live)
                    .where(
                        campaign_live.c.workspace == workspace,
                        campaign_live.c.campaign_id.in_(sorted(campaigns)),
                    )
                    .values(signature=None)
                )
            requests = connection.execute(
                sql_update(rights_requests)
                .where(
                    rights_requests.c.workspace == workspace,
                    rights_requests.c.subject_kind == "creator",
                    rights_requests.c.subject_ref == creator_id,
                )
                .values(subject_ref=subject_ref)
            ).rowcount
            kept = _kept_statement(len(entries), len(deal_rows), keep_deals, requests, unlinked)
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind="creator",
                subject_ref=subject_ref,
                right=("erasure",),
                outcome="erased; kept: " + "; ".join(kept) if kept else "erased; nothing kept",
                actor=actor,
            )
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="erase_creator",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={
                    "removed": removed,
                    "unlinked": unlinked,
                    "tombstones": len(entries),
                    "import_bars": barred,
                    "deals_kept": len(deal_rows) if keep_deals else 0,
                    "request_id": request_id,
                },
            )
            now = datetime.now(UTC)
            for shortlist_id, rank in entries:
                connection.execute(
                    erasure_tombstones.insert().values(
                        workspace=workspace,
                        container="shortlist",
                        container_id=shortlist_id,
                        position=rank,
                        erased_at=now,
                        request_id=request_id,
                        audit_seq=entry.seq,
                    )
                )
            if keep_deals:
                for deal in deal_rows:
                    signed = deal.signed_on or now.date()
                    connection.execute(
                        erasure_retained.insert().values(
                            workspace=workspace,
                            subject_ref=subject_ref,
                            kind="deal",
                            record={
                                "campaign_id": deal.campaign_id,
                                "compensation": deal.compensation,
                                "amount": deal.amount,
                                "currency": deal.currency,
                                "signed_on": None
                                if deal.signed_on is None
                                else deal.signed_on.isoformat(),
                            },
                            reason="bookkeeping: a contract's amount and date are kept for "
                            "the accounting period (GDPR Art. 17(3)(b)); no name, handle, "
                            "code or creator id",
                            keep_until=_plus_days(signed, DEAL_RETENTION_DAYS),
                            audit_seq=entry.seq,
                        )
                    )
            residue = find_residue(
                connection, workspace, needles, ids_allowed_in_audit_log=(creator_id,)
            )
        confirm_anchor(settings, entry.head)
    index_rows = drop_from_index(settings, workspace, creator_id)
    for folder in folders:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
    return ErasureReceipt(
        workspace=workspace,
        subject_ref=subject_ref,
        removed=removed,
        unlinked=unlinked,
        kept=kept,
        index_rows_removed=index_rows,
        job_folders_removed=sum(1 for f in folders if not f.exists()),
        audit_seq=entry.seq,
        residue=residue,
    )


def _plus_days(day: date, days: int) -> date:
    return day + timedelta(days=days)


def _kept_statement(
    tombstones: int, deal_count: int, keep_deals: bool, requests: int, unlinked: dict[str, int]
) -> list[str]:
    kept = [
        "the audit log's records of what was done, which name the creator by id only "
        "(append-only, hash-chained: accountability, Art. 5(2))",
        "keyed digests of the creator's ids (creator, accounts, posts, comments), never the "
        "ids, so that a later import skips their records (erased at the subject's request)",
    ]
    if tombstones:
        kept.append(f"{tombstones} shortlist tombstone(s) saying an entry was erased")
    if deal_count and keep_deals:
        kept.append(
            f"{deal_count} minimal deal record(s) (campaign, amount, currency, date) under a "
            f"pseudonym for {DEAL_RETENTION_DAYS // 365} years of bookkeeping (Art. 17(3)(b))"
        )
    if requests:
        kept.append(f"{requests} rights request record(s) under a pseudonym (proof of answer)")
    events = sum(v for k, v in unlinked.items() if k.startswith("tracking_events."))
    if events:
        kept.append(
            f"{events} campaign event change(s): the brand's sales records stay, with the "
            "creator, their posts, links and codes removed"
        )
    if unlinked.get("jobs"):
        kept.append(
            f"{unlinked['jobs']} job record(s) (who ran what), the creator's id in them "
            "replaced by the pseudonym"
        )
    return kept


def _unlink_events(
    connection: Connection,
    workspace: str,
    scope: CreatorScope,
    link_ids: list[str],
    codes: list[str],
) -> dict[str, int]:
    t = tracking_events
    changed: dict[str, int] = {}
    targets: list[tuple[Any, list[Any]]] = [
        (t.c.creator_id, [[scope.creator_id]]),
        (t.c.post_id, [scope.posts()]),
        (t.c.link_id, _chunks(link_ids)),
        (t.c.promo_code, _chunks(codes)),
    ]
    for column, selections in targets:
        for chosen in selections:
            count = connection.execute(
                sql_update(t)
                .where(t.c.workspace == workspace, column.in_(chosen))
                .values({column.name: None})
            ).rowcount
            if count:
                key = f"tracking_events.{column.name}"
                changed[key] = changed.get(key, 0) + count
    return changed


def erased_entries(connection: Connection, workspace: str, shortlist_id: str) -> list[int | None]:
    """The ranks of a shortlist's entries that were erased (its tombstones), in rank order."""
    t = erasure_tombstones
    ranks = connection.execute(
        select(t.c.position).where(
            t.c.workspace == workspace,
            t.c.container == "shortlist",
            t.c.container_id == shortlist_id,
        )
    ).scalars()
    return sorted(ranks, key=lambda r: (r is None, r or 0))


def erased_note(ranks: list[int | None]) -> str:
    """One sentence for a reader of the shortlist, "" when nothing was erased.

    >>> print(erased_note([2]))
    One entry (rank 2) was erased at the person's request (GDPR Art. 17).
    """
    if not ranks:
        return ""
    shown = ", ".join(str(r) for r in ranks if r is not None)
    where = f" (rank {shown})" if shown else ""
    count = "One entry" if len(ranks) == 1 else f"{len(ranks)} entries"
    verb = "was" if len(ranks) == 1 else "were"
    return f"{count}{where} {verb} erased at the person's request (GDPR Art. 17)."


def shortlist_erased_note(
    shortlist_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> str:
    """:func:`erased_note` for a stored shortlist of ``workspace`` ("" when none erased)."""
    workspace = check_workspace(workspace)
    with store(settings or get_settings()) as engine, engine.connect() as connection:
        return erased_note(erased_entries(connection, workspace, shortlist_id))
