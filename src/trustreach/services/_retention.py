"""Retention everywhere: every personal-data table's clock, one enforcer, no resurrection.

Every table in the record of processing (:func:`trustreach.store.processing_register`)
has a :class:`RetentionPolicy` here: the column that is its clock (when the row was
last seen or last mattered), what happens when the clock is older than the table's
declared period (``PersonalData.retention_days``, the one source of the number),
and how a re-import is kept from bringing an expired row back. A test fails when a
personal-data table has no policy, so a new table cannot be forgotten.

:func:`enforce_retention` applies them all in one transaction, children before
parents, and writes one audit record with the counts per table; ``dry_run`` counts
the same rows and changes nothing. Rows deleted from a table whose clock is "last
seen by an import" leave a tombstone (a digest of the key, never the key); comments
and tracking events leave a cutoff. The import's
:class:`~trustreach.services._retention_gate.ImportGate` reads both, so a
record that expired is skipped and reported as ``skipped_expired``. A genuinely new
observation is still taken: a follower account whose values differ from the
expired row's, or any record once the tombstone itself has expired (one retention
period after the row did).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Column, Connection, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from trustreach.core import ConfigurationError, Settings, get_settings
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import check_workspace, store
from trustreach.services._jobs import job_folder
from trustreach.store import write_transaction
from trustreach.store._bulk import bulk_upsert
from trustreach.store._retention_tables import retention_cutoffs, retention_tombstones
from trustreach.store._tables import PersonalData, metadata, processing_register

Action = Literal["delete", "anonymise", "keep"]

STALE_DAYS = 730
"""Days after which a kept creator's record, not seen by any import, is reported as stale."""

JOB_RESULT_DAYS = 30
"""Days a finished job's results (``jobs.result`` and its ``results.ndjson``) are kept."""

LAST_SEEN_TABLES = (
    "creators",
    "creator_accounts",
    "follower_accounts",
    "follows",
    "deals",
    "tracked_links",
)
"""Tables whose ``last_seen`` day each import refreshes (migration 0013)."""


@dataclass(frozen=True)
class RetentionPolicy:
    """How one personal-data table's retention is measured and enforced.

    Attributes
    ----------
    table : str
        The table.
    clock : str
        The column that says when the row was last seen or last mattered.
    action : {"delete", "anonymise", "keep"}
        What happens to a row past its period; ``keep`` means its retention is an
        event (a withdrawal, an erasure), stated in its declaration.
    rule : str
        What the enforcer does, in plain words.
    gate : {"key", "row", "cutoff", None}
        How a re-import is kept from resurrecting an expired row: a tombstone of
        the key, of the key and the values (a changed record is a new
        observation), or the cutoff of the record's own time.
    days : int or None
        The period when it is not the table's declared ``retention_days``.
    review_days : int or None
        For kept tables: rows whose clock is older than this are counted as
        stale (for a person to review or erase), never removed by the enforcer.
    """

    table: str
    clock: str
    action: Action
    rule: str
    gate: Literal["key", "row", "cutoff"] | None = None
    days: int | None = None
    review_days: int | None = None


POLICIES: dict[str, RetentionPolicy] = {
    p.table: p
    for p in (
        RetentionPolicy(
            "comments",
            "posted_at",
            "delete",
            "comment text and author pseudonym deleted in whole UTC days after posting "
            "(TRUSTREACH_COMMENT_TEXT_RETENTION_DAYS); the daily aggregates stay, final",
            gate="cutoff",
        ),
        RetentionPolicy(
            "comment_labels", "day", "delete", "deleted with their comment (the comment's day)"
        ),
        RetentionPolicy(
            "follows",
            "last_seen",
            "delete",
            "deleted when no import has brought the follow for the period",
            gate="key",
        ),
        RetentionPolicy(
            "follower_accounts",
            "last_seen",
            "delete",
            "deleted with their follows when no import has brought them for the period",
            gate="row",
        ),
        RetentionPolicy(
            "tracking_events",
            "occurred_at",
            "anonymise",
            "touch_key (the visitor pseudonym) removed; the event stays for the campaign's "
            "figures, whose attribution is final by then",
            gate="cutoff",
        ),
        RetentionPolicy("alerts", "last_seen", "delete", "deleted with their webhook deliveries"),
        RetentionPolicy("shortlist_decisions", "decided_at", "delete", "deleted"),
        RetentionPolicy(
            "shortlist_entries",
            "added_at",
            "delete",
            "deleted once no decision refers to them (a decision keeps its entry)",
        ),
        RetentionPolicy("label_corrections", "corrected_at", "delete", "deleted"),
        RetentionPolicy("creator_audits", "generated_at", "delete", "deleted"),
        RetentionPolicy(
            "disputes", "resolved_at", "delete", "deleted after resolution; open ones stay"
        ),
        RetentionPolicy("deal_obligations", "recorded_at", "delete", "deleted (and with the deal)"),
        RetentionPolicy(
            "deals",
            "last_seen",
            "delete",
            "deleted with their disclosure obligations (clock: last import, else signed_on)",
            gate="key",
        ),
        RetentionPolicy(
            "tracked_links",
            "last_seen",
            "delete",
            "deleted when no import has brought the link for the period",
            gate="key",
        ),
        RetentionPolicy("idempotency_keys", "created_at", "delete", "deleted"),
        RetentionPolicy(
            "rights_requests", "updated_at", "delete", "deleted once closed (completed, refused)"
        ),
        RetentionPolicy(
            "web_sessions",
            "expires_at",
            "delete",
            "ended and expired sessions deleted",
            days=0,
        ),
        RetentionPolicy(
            "jobs",
            "finished_at",
            "anonymise",
            f"a finished job's results (result and results.ndjson) removed {JOB_RESULT_DAYS} "
            "days after it finished; the row naming who started it stays",
            days=JOB_RESULT_DAYS,
        ),
        RetentionPolicy(
            "erasure_retained", "keep_until", "delete", "deleted once keep_until has passed", days=0
        ),
        RetentionPolicy(
            "creators",
            "last_seen",
            "keep",
            f"kept until the creator is erased; not seen by an import for {STALE_DAYS} days: "
            "counted as stale, for a person to review",
            review_days=STALE_DAYS,
        ),
        RetentionPolicy(
            "creator_accounts",
            "last_seen",
            "keep",
            f"kept until the creator is erased; not seen by an import for {STALE_DAYS} days: "
            "counted as stale",
            review_days=STALE_DAYS,
        ),
        RetentionPolicy(
            "consent_records", "recorded_at", "keep", "kept as proof of consent (Art. 7(1))"
        ),
        RetentionPolicy(
            "declared_attributes",
            "declared_at",
            "keep",
            "kept until consent is withdrawn (privacy withdraw-consent deletes them)",
        ),
        RetentionPolicy(
            "profiling_objections", "objected_at", "keep", "kept while the creator is held"
        ),
        RetentionPolicy("users", "created_at", "keep", "kept while the workspace exists"),
        RetentionPolicy(
            "retention_tombstones",
            "expired_at",
            "delete",
            "deleted one retention period of their table after the row expired",
            days=0,
        ),
        RetentionPolicy("api_keys", "created_at", "keep", "kept so the audit log can name them"),
        RetentionPolicy(
            "erasure_bars",
            "barred_at",
            "keep",
            "kept for good: the keyed digests that keep a person erased at their request "
            "out of every later import",
        ),
    )
}
"""Every personal-data table's policy (a test checks it against the register)."""


def policy_days(policy: RetentionPolicy, settings: Settings) -> int | None:
    """The period in days: the policy's own, the comment setting, or the declaration."""
    if policy.days is not None:
        return policy.days
    if policy.table == "comments":
        return settings.comment_text_retention_days
    declaration = metadata.tables[policy.table].info.get("personal_data")
    return declaration.retention_days if isinstance(declaration, PersonalData) else None


@dataclass(frozen=True)
class TableRetention:
    """What the enforcer did (or, in a dry run, would do) to one table."""

    table: str
    clock: str
    action: str
    retention: str
    cutoff: datetime | None
    removed: int = 0
    anonymised: int = 0
    stale: int = 0  # kept rows not seen for the policy's review period


@dataclass(frozen=True)
class RetentionRun:
    """One run of :func:`enforce_retention`."""

    workspace: str
    as_of: datetime
    dry_run: bool
    tables: tuple[TableRetention, ...]
    tombstones: int
    files_removed: int
    audit_seq: int | None

    @property
    def removed(self) -> int:
        """Rows deleted across every table."""
        return sum(t.removed for t in self.tables)

    @property
    def anonymised(self) -> int:
        """Rows whose personal data was removed while the row stayed."""
        return sum(t.anonymised for t in self.tables)

    def table(self, name: str) -> TableRetention:
        """The entry of ``name`` (KeyError when the run did not cover it)."""
        for entry in self.tables:
            if entry.table == name:
                return entry
        raise KeyError(name)


# --------------------------------------------------------------------------- digests


def key_digest(parts: Sequence[Any]) -> str:
    """SHA-256 of a row's key (its primary key without the workspace), hex.

    >>> key_digest(["d1"]) == key_digest(("d1",))
    True
    """
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_digest(values: Sequence[Any]) -> str:
    """SHA-256 of a row's values, to tell a new observation from the expired one.

    Values as the store and the importer both hold them (int, float, bool, str,
    date, None), by their ``repr``.

    >>> row_digest([1, None, True]) == row_digest((1, None, True)) != row_digest([1, None, 1])
    True
    """
    text = "\x1f".join(map(repr, values))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_columns(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns if c.name != "workspace"]


def value_columns(table: Table) -> list[str]:
    keys = set(key_columns(table)) | {"workspace", "last_seen"}
    return [c.name for c in table.columns if c.name not in keys]


# --------------------------------------------------------------------------- enforcement


@dataclass
class _Run:
    connection: Connection
    workspace: str
    as_of: datetime
    settings: Settings
    dry_run: bool = False
    tombstones: int = 0
    files: list[Any] = field(default_factory=list)
    labels_with_comments: int = 0  # comment_labels deleted with their comments
    follows_cascaded: int = 0  # follows deleted with their follower accounts

    def cutoff(self, days: int) -> datetime:
        """Whole UTC days: the start of the day ``days`` before ``as_of``."""
        day = (self.as_of - timedelta(days=days)).astimezone(UTC).date()
        return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _older(column: Column[Any] | ColumnElement[Any], cutoff: datetime) -> ColumnElement[bool]:
    """``column < cutoff``, as a date for date columns."""
    from sqlalchemy import Date, DateTime

    kind = column.type
    if isinstance(kind, Date) and not isinstance(kind, DateTime):
        return column < cutoff.date()
    return column < cutoff


def _count(run: _Run, table: Table, where: ColumnElement[bool]) -> int:
    return int(
        run.connection.execute(select(func.count()).select_from(table).where(where)).scalar_one()
    )


def _delete(run: _Run, table: Table, where: ColumnElement[bool]) -> int:
    return int(run.connection.execute(delete(table).where(where)).rowcount or 0)


def _tombstone(run: _Run, table: Table, where: ColumnElement[bool], with_values: bool) -> None:
    """Record a digest of every row ``where`` selects before it is deleted."""
    if run.dry_run:  # only counted: what would be written
        run.tombstones += _count(run, table, where)
        return
    keys = key_columns(table)
    values = value_columns(table) if with_values else []
    rows = run.connection.execute(
        select(*(table.c[k] for k in keys), *(table.c[v] for v in values)).where(where)
    ).all()
    if not rows:
        return
    stones = {
        key_digest(row[: len(keys)]): (row_digest(row[len(keys) :]) if with_values else None)
        for row in rows
    }
    digests = sorted(stones)  # in key order: appended to the B-tree, not scattered
    # an upsert: a key that expired, came back as a new observation and expired again
    columns = ["workspace", "table_name", "key_digest", "row_digest", "expired_at"]
    if run.connection.dialect.name == "sqlite":  # one prepared statement, the time once
        at = run.as_of.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        run.connection.exec_driver_sql(
            f"INSERT INTO retention_tombstones ({', '.join(columns)}) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (workspace, table_name, key_digest) DO UPDATE SET "
            "row_digest = excluded.row_digest, expired_at = excluded.expired_at",
            [(run.workspace, table.name, d, stones[d], at) for d in digests],
        )
    else:  # COPY and one INSERT … ON CONFLICT
        written = [(run.workspace, table.name, d, stones[d], run.as_of) for d in digests]
        bulk_upsert(run.connection, retention_tombstones, written, columns=columns)
    run.tombstones += len(digests)


def bar_keys(
    connection: Connection,
    *,
    workspace: str,
    table: str,
    keys: Sequence[Sequence[Any]],
    at: datetime,
    settings: Settings | None = None,
) -> int:
    """Tombstone the rows of ``table`` with ``keys``, without values: an import skips
    those keys whatever they hold.

    For a use-case that removes rows and must not see them imported again (an
    erasure, say): call it in that use-case's transaction, before the rows are
    deleted. The tombstones last one retention period of the table, like those of
    expired rows. Returns how many were written.
    """
    policy = POLICIES.get(table)
    if policy is None or policy.gate not in ("key", "row"):
        allowed = ", ".join(sorted(n for n, p in POLICIES.items() if p.gate in ("key", "row")))
        raise ConfigurationError(f"table {table!r} takes no tombstones; allowed: {allowed}")
    run = _Run(connection, workspace, at, settings or get_settings())
    target = metadata.tables[table]
    names = key_columns(target)
    if not keys:
        return 0
    clause = or_(*(and_(*(target.c[n] == v for n, v in zip(names, k, strict=True))) for k in keys))
    _tombstone(run, target, and_(target.c.workspace == workspace, clause), with_values=False)
    return run.tombstones


def _set_cutoff(run: _Run, table: str, cutoff: datetime) -> None:
    c = retention_cutoffs.c
    where = and_(c.workspace == run.workspace, c.table_name == table)
    held = run.connection.execute(select(c.cutoff).where(where)).scalar_one_or_none()
    if held is not None:
        held = held if held.tzinfo else held.replace(tzinfo=UTC)
        if held >= cutoff:
            return
        run.connection.execute(
            update(retention_cutoffs).where(where).values(cutoff=cutoff, enforced_at=run.as_of)
        )
        return
    run.connection.execute(
        insert(retention_cutoffs).values(
            workspace=run.workspace, table_name=table, cutoff=cutoff, enforced_at=run.as_of
        )
    )


def _expire(
    run: _Run, policy: RetentionPolicy, where: ColumnElement[bool], *, table: Table | None = None
) -> int:
    """Tombstone (when the policy says so) and delete the rows ``where`` selects."""
    table = table if table is not None else metadata.tables[policy.table]
    if policy.gate in ("key", "row"):
        _tombstone(run, table, where, with_values=policy.gate == "row")
    return _delete(run, table, where)


Step = Callable[[_Run, RetentionPolicy, datetime], tuple[int, int]]


def _generic(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    table = metadata.tables[policy.table]
    where = and_(table.c.workspace == run.workspace, _older(table.c[policy.clock], cutoff))
    return _expire(run, policy, where), 0


def _comments(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    from trustreach.store._tables import comment_labels, comments, conversation_daily

    old = select(comments.c.comment_id).where(
        comments.c.workspace == run.workspace, comments.c.posted_at < cutoff
    )
    labels = _delete(
        run,
        comment_labels,
        and_(comment_labels.c.workspace == run.workspace, comment_labels.c.comment_id.in_(old)),
    )
    removed = _delete(
        run, comments, and_(comments.c.workspace == run.workspace, comments.c.posted_at < cutoff)
    )
    # those days' aggregates are final: a later partial re-import must not rebuild them
    run.connection.execute(
        update(conversation_daily)
        .where(
            conversation_daily.c.workspace == run.workspace,
            conversation_daily.c.day < cutoff.date(),
            conversation_daily.c.text_expired_at.is_(None),
        )
        .values(text_expired_at=run.as_of)
    )
    _set_cutoff(run, "comments", cutoff)
    run.labels_with_comments = labels
    return removed, 0


def _comment_labels(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    # deleted with their comments (above); any left from an older day go too
    more, _ = _generic(run, policy, cutoff)
    return run.labels_with_comments + more, 0


def _follower_accounts(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    accounts, follows = metadata.tables["follower_accounts"], metadata.tables["follows"]
    where = and_(accounts.c.workspace == run.workspace, _older(accounts.c.last_seen, cutoff))
    expired = select(accounts.c.follower_key).where(where)
    # their follows go first (and cannot come back without them)
    cascaded = _expire(
        run,
        POLICIES["follows"],
        and_(follows.c.workspace == run.workspace, follows.c.follower_key.in_(expired)),
    )
    run.follows_cascaded = cascaded
    return _expire(run, policy, where), 0


def _tracking_events(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    events = metadata.tables["tracking_events"]
    where = and_(
        events.c.workspace == run.workspace,
        events.c.occurred_at < cutoff,
        events.c.touch_key.is_not(None),
    )
    changed = int(
        run.connection.execute(update(events).where(where).values(touch_key=None)).rowcount or 0
    )
    _set_cutoff(run, "tracking_events", cutoff)
    return 0, changed


def _alerts(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    alerts, deliveries = metadata.tables["alerts"], metadata.tables["alert_deliveries"]
    where = and_(alerts.c.workspace == run.workspace, alerts.c.last_seen < cutoff)
    _delete(
        run,
        deliveries,
        and_(
            deliveries.c.workspace == run.workspace,
            deliveries.c.alert_id.in_(select(alerts.c.alert_id).where(where)),
        ),
    )
    return _delete(run, alerts, where), 0


def _shortlist_entries(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    entries, decisions = (
        metadata.tables["shortlist_entries"],
        metadata.tables["shortlist_decisions"],
    )
    decided = select(decisions.c.decision_id).where(
        decisions.c.workspace == entries.c.workspace,
        decisions.c.shortlist_id == entries.c.shortlist_id,
        decisions.c.creator_id == entries.c.creator_id,
    )
    where = and_(
        entries.c.workspace == run.workspace,
        entries.c.added_at < cutoff,
        ~decided.exists(),
    )
    return _delete(run, entries, where), 0


def _deals(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    deals = metadata.tables["deals"]
    clock = func.coalesce(deals.c.last_seen, deals.c.signed_on)
    where = and_(deals.c.workspace == run.workspace, clock < cutoff.date())
    obligations = metadata.tables.get("deal_obligations")
    if obligations is not None:
        _delete(
            run,
            obligations,
            and_(
                obligations.c.workspace == run.workspace,
                obligations.c.deal_id.in_(select(deals.c.deal_id).where(where)),
            ),
        )
    return _expire(run, policy, where), 0


def _disputes(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    disputes = metadata.tables["disputes"]
    where = and_(
        disputes.c.workspace == run.workspace,
        disputes.c.resolved_at.is_not(None),
        disputes.c.resolved_at < cutoff,
    )
    return _delete(run, disputes, where), 0


def _rights_requests(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    requests = metadata.tables["rights_requests"]
    where = and_(
        requests.c.workspace == run.workspace,
        requests.c.status.in_(("completed", "refused")),
        requests.c.updated_at < cutoff,
    )
    return _delete(run, requests, where), 0


def _web_sessions(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    sessions, users = metadata.tables["web_sessions"], metadata.tables["users"]
    mine = select(users.c.user_id).where(users.c.workspace == run.workspace)
    where = and_(
        sessions.c.user_id.in_(mine),
        or_(sessions.c.expires_at < run.as_of, sessions.c.revoked_at.is_not(None)),
    )
    return _delete(run, sessions, where), 0


def _jobs(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    jobs = metadata.tables["jobs"]
    where = and_(
        jobs.c.workspace == run.workspace,
        jobs.c.finished_at.is_not(None),
        jobs.c.finished_at < cutoff,
    )
    ids = [r[0] for r in run.connection.execute(select(jobs.c.job_id).where(where))]
    folders = [job_folder(run.settings, job_id) for job_id in ids]
    present = [f for f in folders if f.exists()]
    run.files.extend(present)  # removed once the transaction commits
    holding = and_(where, jobs.c.result.is_not(None))
    cleared = int(
        run.connection.execute(update(jobs).where(holding).values(result=None)).rowcount or 0
    )
    return 0, max(cleared, len(present))


def _erasure_retained(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    kept = metadata.tables["erasure_retained"]
    where = and_(kept.c.workspace == run.workspace, kept.c.keep_until < run.as_of.date())
    return _delete(run, kept, where), 0


def _tombstones(run: _Run, policy: RetentionPolicy, cutoff: datetime) -> tuple[int, int]:
    """A tombstone lasts one retention period of its table."""
    removed = 0
    for name, stood_for in POLICIES.items():
        days = policy_days(stood_for, run.settings)
        if stood_for.gate not in ("key", "row") or days is None:
            continue
        removed += _delete(
            run,
            retention_tombstones,
            and_(
                retention_tombstones.c.workspace == run.workspace,
                retention_tombstones.c.table_name == name,
                retention_tombstones.c.expired_at < run.as_of - timedelta(days=days),
            ),
        )
    return removed, 0


STEPS: dict[str, Step] = {
    "comments": _comments,
    "comment_labels": _comment_labels,
    "follower_accounts": _follower_accounts,
    "tracking_events": _tracking_events,
    "alerts": _alerts,
    "shortlist_entries": _shortlist_entries,
    "deals": _deals,
    "disputes": _disputes,
    "rights_requests": _rights_requests,
    "web_sessions": _web_sessions,
    "jobs": _jobs,
    "erasure_retained": _erasure_retained,
    "retention_tombstones": _tombstones,
}
"""Tables whose enforcement is more than "delete rows whose clock is past the cutoff"."""

# children before parents: a row is never deleted while another still refers to it
ORDER = (
    "comments",
    "comment_labels",
    "follows",
    "follower_accounts",
    "tracking_events",
    "alerts",
    "shortlist_decisions",
    "shortlist_entries",
    "label_corrections",
    "creator_audits",
    "disputes",
    "deal_obligations",
    "deals",
    "tracked_links",
    "idempotency_keys",
    "rights_requests",
    "web_sessions",
    "jobs",
    "erasure_retained",
    "retention_tombstones",
)


def _retention_words(policy: RetentionPolicy, days: int | None) -> str:
    if policy.action == "keep" or days is None:
        return policy.rule
    return f"{days} days after {policy.clock}: {policy.rule}"


def _apply(run: _Run, only: frozenset[str] | None) -> list[TableRetention]:
    out: list[TableRetention] = []
    names = [n for n in ORDER if n in metadata.tables]
    names += sorted(n for n in POLICIES if n not in ORDER and n in metadata.tables)
    for name in names:
        if only is not None and name not in only:
            continue
        policy = POLICIES[name]
        days = policy_days(policy, run.settings)
        if policy.action == "keep" or days is None:
            stale = 0
            if policy.review_days is not None:
                table = metadata.tables[name]
                old = _older(table.c[policy.clock], run.cutoff(policy.review_days))
                stale = _count(run, table, and_(table.c.workspace == run.workspace, old))
            words = _retention_words(policy, None)
            out.append(TableRetention(name, policy.clock, "keep", words, None, stale=stale))
            continue
        cutoff = run.cutoff(days) if name != "web_sessions" else run.as_of
        removed, anonymised = STEPS.get(name, _generic)(run, policy, cutoff)
        out.append(
            TableRetention(
                name, policy.clock, policy.action, _retention_words(policy, days), cutoff,
                removed, anonymised,
            )
        )  # fmt: skip
    if run.follows_cascaded:  # counted with follows, where they were
        out = [
            replace(t, removed=t.removed + run.follows_cascaded) if t.table == "follows" else t
            for t in out
        ]
    return out


class _DryRun(Exception):  # a signal to roll back, not an error
    def __init__(self, tables: list[TableRetention], tombstones: int, files: int) -> None:
        super().__init__("dry run")
        self.tables, self.tombstones, self.files = tables, tombstones, files


def enforce_retention(
    *,
    workspace: str = "default",
    as_of: datetime | None = None,
    dry_run: bool = False,
    actor: str = "cli",
    settings: Settings | None = None,
    tables: Sequence[str] | None = None,
) -> RetentionRun:
    """Apply every personal-data table's retention in ``workspace``; report and audit it.

    Parameters
    ----------
    workspace : str
        The tenant.
    as_of : datetime, optional
        The moment to measure from (default now; a naive time is UTC).
    dry_run : bool
        Count what would go and change nothing (no audit record either).
    actor : str
        Who runs it, for the audit log.
    settings : Settings, optional
        Defaults to the environment's.
    tables : sequence of str, optional
        Only these tables (default all in :data:`POLICIES`).
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    now = as_of or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    only = None
    if tables is not None:
        unknown = sorted(set(tables) - set(POLICIES))
        if unknown:
            raise ConfigurationError(
                f"table {unknown[0]!r} has no retention policy; "
                f"allowed: {', '.join(sorted(POLICIES))}"
            )
        only = frozenset(tables)
    with store(settings) as engine:
        if dry_run:
            try:
                with write_transaction(engine) as connection:
                    run = _Run(connection, workspace, now, settings, dry_run=True)
                    done = _apply(run, only)
                    raise _DryRun(done, run.tombstones, len(run.files))
            except _DryRun as signal:
                return RetentionRun(
                    workspace,
                    now,
                    True,
                    tuple(signal.tables),
                    signal.tombstones,
                    signal.files,
                    None,
                )
        with audited_transaction(settings, engine) as connection:
            run = _Run(connection, workspace, now, settings)
            done = _apply(run, only)
            details: dict[str, Any] = {
                "as_of": now.isoformat(),
                "removed": {t.table: t.removed for t in done if t.removed},
                "anonymised": {t.table: t.anonymised for t in done if t.anonymised},
                "cutoffs": {t.table: t.cutoff.isoformat() for t in done if t.cutoff},
                "tombstones": run.tombstones,
            }
            if only is not None and only <= {"comments", "comment_labels"}:  # as before
                comment = next(t for t in done if t.table == "comments")
                details["cutoff"] = comment.cutoff.isoformat() if comment.cutoff else None
                details["retention_days"] = settings.comment_text_retention_days
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="enforce_retention",
                workspace=workspace,
                subject=f"workspace:{workspace}",
                details=details,
            )
        confirm_anchor(settings, entry.head)
    for folder in run.files:
        shutil.rmtree(folder, ignore_errors=True)
    return RetentionRun(
        workspace, now, False, tuple(done), run.tombstones, len(run.files), entry.seq
    )


def enforce_retention_everywhere(
    *,
    as_of: datetime | None = None,
    dry_run: bool = False,
    actor: str = "cli",
    settings: Settings | None = None,
) -> list[RetentionRun]:
    """:func:`enforce_retention` in every workspace of the store, one audit record each."""
    from trustreach.store._tables import workspaces

    settings = settings or get_settings()
    with store(settings) as engine, engine.connect() as connection:
        names = [
            r[0]
            for r in connection.execute(
                select(workspaces.c.workspace).order_by(workspaces.c.workspace)
            )
        ]
    return [
        enforce_retention(
            workspace=name, as_of=as_of, dry_run=dry_run, actor=actor, settings=settings
        )
        for name in names
    ]


def uncovered_tables() -> list[str]:
    """Personal-data tables of the register that have no retention policy (should be none)."""
    return [e.table for e in processing_register() if e.table not in POLICIES]
