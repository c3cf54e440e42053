"""Data-subject rights: the request log with legal deadlines, access, rectification, objection.

Every person trustreach holds data about can exercise their rights:

- a **creator** (who may also have a login) can see and export everything held
  about them (GDPR Art. 15 and 20, :func:`creator_export`), have their own record
  corrected (Art. 16, :func:`rectify_creator`), object to profiling (Art. 21,
  :func:`object_to_profiling`) and be erased
  (Art. 17, :func:`trustreach.services._erasure.erase_creator`);
- a **follower or commenter** never signed up: an admin acting on a verified
  request gives their platform id, the keyed pseudonym is derived, and everything
  stored under it is returned (:func:`third_party_access`) or erased
  (:func:`~trustreach.services._privacy.erase_third_party`). Nothing raw is stored,
  not even in the request log.

Every request is logged in ``rights_requests`` with its legal deadline (GDPR one
month, extendable by two; CCPA 45 days, extendable by 45: rules P4 and P7), its
status and outcome (:func:`log_request`, :func:`update_request`,
:func:`list_requests`). Each change is audit-logged naming the actor.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select, tuple_, update

from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.ethics.audit import AuditEntry
from trustreach.ethics.privacy import Pseudonymizer, load_or_create_key
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import check_workspace, require_creator, require_workspace, store
from trustreach.services._objections import drop_from_index, objecting
from trustreach.store import processing_register
from trustreach.store._rights_tables import profiling_objections, rights_requests
from trustreach.store._tables import (
    PersonalData,
    audit_log,
    comments,
    creator_accounts,
    creators,
    follower_accounts,
    follows,
    metadata,
    posts,
)

SUBJECT_KINDS = ("creator", "follower", "commenter")
RIGHTS = ("access", "export", "rectification", "erasure", "objection")
REGIMES = ("gdpr", "ccpa")
STATUSES = ("received", "in_progress", "extended", "completed", "refused")
OPEN_STATUSES = ("received", "in_progress", "extended")
RECTIFIABLE = ("display_name", "country", "language", "niches")
EXPORT_FORMAT = "trustreach-creator-export/1"
SECRET_COLUMNS = frozenset({"password_hash", "secret_hash", "csrf_token", "session_hash", "secret"})
"""Columns never exported, even to their own subject (credentials, not data about them)."""
NOT_THEIRS = ("comments", "comment_labels", "follows", "label_corrections")
"""Tables linked to a creator's posts or accounts that hold other people's data: counted only."""


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ConfigurationError(f"{name} {value!r} not allowed; allowed: {', '.join(allowed)}")
    return value


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months, the day clamped to the month's last day.

    >>> add_months(datetime(2026, 1, 31, 9, 0), 1)
    datetime.datetime(2026, 2, 28, 9, 0)
    """
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def legal_deadline(received_at: datetime, regime: str, *, extended: bool = False) -> datetime:
    """When an answer is due: GDPR one month (+2 when extended, Art. 12(3)); CCPA 45 days
    (+45 when extended, 1798.130(a)(2)).

    >>> legal_deadline(datetime(2026, 3, 1), "gdpr").date(), legal_deadline(
    ...     datetime(2026, 3, 1), "ccpa", extended=True).date()
    (datetime.date(2026, 4, 1), datetime.date(2026, 5, 30))
    """
    _choice(regime, REGIMES, "regime")
    if regime == "gdpr":
        return add_months(received_at, 3 if extended else 1)
    return received_at + timedelta(days=90 if extended else 45)


@dataclass(frozen=True)
class RightsRequest:
    """One data-subject request as logged."""

    request_id: str
    workspace: str
    subject_kind: str
    subject_ref: str
    right: str
    regime: str
    received_at: datetime
    deadline: datetime
    status: str
    outcome: str | None
    handled_by: str
    updated_at: datetime

    @property
    def open(self) -> bool:
        """Not yet completed or refused."""
        return self.status in OPEN_STATUSES

    def overdue(self, now: datetime | None = None) -> bool:
        """Open and past its deadline."""
        return self.open and self.deadline < (now or datetime.now(UTC))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _request(row: Any) -> RightsRequest:
    values = dict(row._mapping)
    for key in ("received_at", "deadline", "updated_at"):
        values[key] = _aware(values[key])
    return RightsRequest(**values)


def pseudonym_of(settings: Settings, workspace: str, identifier: str) -> str:
    """The keyed pseudonym the importer stored for a third party's platform id."""
    identifier = identifier.strip()
    if not 1 <= len(identifier) <= 200:
        raise ConfigurationError("handle must be 1-200 characters (the platform id given)")
    key = load_or_create_key(settings.resolved_key_file())
    return Pseudonymizer(key)(workspace, identifier)


def _subject_ref(
    connection: Connection, settings: Settings, workspace: str, kind: str, subject: str
) -> str:
    if kind == "creator":
        require_creator(connection, workspace, subject)
        return subject
    return pseudonym_of(settings, workspace, subject)


def load_request(connection: Connection, workspace: str, request_id: str) -> RightsRequest:
    """The request of ``workspace``, or :class:`NotFoundError` (another workspace's too)."""
    row = connection.execute(
        select(rights_requests).where(
            rights_requests.c.workspace == workspace, rights_requests.c.request_id == request_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"rights request {request_id!r} not found in workspace {workspace!r}")
    return _request(row)


def log_request(
    subject_kind: str,
    subject: str,
    right: str,
    *,
    regime: str = "gdpr",
    received_at: datetime | None = None,
    note: str | None = None,
    workspace: str = "default",
    actor: str = "cli",
    settings: Settings | None = None,
) -> RightsRequest:
    """Log a request as received, with its legal deadline; audit-logged.

    ``subject`` is the creator id for a creator, or the platform id (handle) a
    follower or commenter gave, which is turned into their keyed pseudonym at once:
    the raw id is never stored.
    """
    _choice(subject_kind, SUBJECT_KINDS, "subject kind")
    _choice(right, RIGHTS, "right")
    _choice(regime, REGIMES, "regime")
    if subject_kind != "creator" and right not in ("access", "erasure"):
        raise ConfigurationError(
            f"right {right!r} not offered to a {subject_kind}; allowed: access, erasure "
            "(nothing else is held about them: counts and flags under a pseudonym)"
        )
    note = _note(note)
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    now = datetime.now(UTC)
    received = _aware(received_at) if received_at is not None else now
    if received > now + timedelta(minutes=5):
        raise ConfigurationError("received_at is in the future; give when the request arrived")
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            require_workspace(connection, workspace, settings)
            ref = _subject_ref(connection, settings, workspace, subject_kind, subject)
            request_id = f"rr-{secrets.token_hex(6)}"
            values = {
                "request_id": request_id,
                "workspace": workspace,
                "subject_kind": subject_kind,
                "subject_ref": ref,
                "right": right,
                "regime": regime,
                "received_at": received,
                "deadline": legal_deadline(received, regime),
                "status": "received",
                "outcome": note,
                "handled_by": actor,
                "updated_at": now,
            }
            connection.execute(rights_requests.insert().values(**values))
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="rights_request_received",
                workspace=workspace,
                subject=f"rights_request:{request_id}",
                details={"subject_kind": subject_kind, "right": right, "regime": regime},
            )
            logged = load_request(connection, workspace, request_id)
        confirm_anchor(settings, entry.head)
        return logged


def _note(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > 2000:
        raise ConfigurationError(f"outcome is {len(value)} characters; at most 2000 allowed")
    return value or None


def set_status(
    connection: Connection,
    settings: Settings,
    request: RightsRequest,
    status: str,
    *,
    outcome: str | None,
    actor: str,
) -> tuple[RightsRequest, AuditEntry]:
    """Move a request to ``status`` inside an audited transaction (see :func:`update_request`)."""
    _choice(status, STATUSES, "status")
    if not request.open:
        raise ConfigurationError(
            f"rights request {request.request_id} is already {request.status}; allowed: only "
            "open requests (received, in_progress, extended) change"
        )
    if status == "received":
        raise ConfigurationError("status 'received' is only set when a request is logged")
    now = datetime.now(UTC)
    values: dict[str, Any] = {"status": status, "handled_by": actor, "updated_at": now}
    outcome = _note(outcome)
    if status == "refused" and not outcome:
        raise ConfigurationError("outcome is required when refusing: say why (Art. 12(4))")
    if status == "extended":
        if request.status == "extended":
            raise ConfigurationError(f"rights request {request.request_id} was already extended")
        if request.deadline < now:
            raise ConfigurationError(
                "the deadline has passed; an extension must be given before it (Art. 12(3))"
            )
        if not outcome:
            raise ConfigurationError("outcome is required when extending: the reasons told")
        values["deadline"] = legal_deadline(request.received_at, request.regime, extended=True)
    if outcome is not None:
        values["outcome"] = outcome
    connection.execute(
        update(rights_requests)
        .where(
            rights_requests.c.workspace == request.workspace,
            rights_requests.c.request_id == request.request_id,
        )
        .values(**values)
    )
    entry = record_audit(
        settings,
        connection,
        actor=actor,
        action="rights_request_updated",
        workspace=request.workspace,
        subject=f"rights_request:{request.request_id}",
        details={"status": status, "right": request.right},
    )
    return load_request(connection, request.workspace, request.request_id), entry


def update_request(
    request_id: str,
    status: str,
    *,
    outcome: str | None = None,
    workspace: str = "default",
    actor: str = "cli",
    settings: Settings | None = None,
) -> RightsRequest:
    """Mark a request in progress, extended (once, before its deadline, with the reasons),
    completed or refused (with the reason); audit-logged."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            request = load_request(connection, workspace, request_id)
            done, entry = set_status(
                connection, settings, request, status, outcome=outcome, actor=actor
            )
        confirm_anchor(settings, entry.head)
        return done


def get_request(
    request_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> RightsRequest:
    """One request of the workspace."""
    workspace = check_workspace(workspace)
    with store(settings or get_settings()) as engine, engine.connect() as connection:
        return load_request(connection, workspace, request_id)


def list_requests(
    *,
    workspace: str = "default",
    status: str | None = None,
    overdue: bool = False,
    subject: str | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> list[RightsRequest]:
    """Requests by deadline (soonest first); ``status='open'`` for the open ones,
    ``overdue`` for open ones past their deadline, ``subject`` for one creator's."""
    if status is not None and status != "open":
        _choice(status, STATUSES, "status")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        query = select(rights_requests).where(rights_requests.c.workspace == workspace)
        if status == "open" or overdue:
            query = query.where(rights_requests.c.status.in_(OPEN_STATUSES))
        elif status is not None:
            query = query.where(rights_requests.c.status == status)
        if subject is not None:
            query = query.where(
                rights_requests.c.subject_kind == "creator",
                rights_requests.c.subject_ref == subject,
            )
        rows = connection.execute(
            query.order_by(rights_requests.c.deadline, rights_requests.c.request_id)
        ).all()
    found = [_request(r) for r in rows]
    if overdue:
        found = [r for r in found if r.overdue(now)]
    return found


def settle(
    connection: Connection,
    settings: Settings,
    *,
    workspace: str,
    request_id: str | None,
    subject_kind: str | tuple[str, ...],
    subject_ref: str,
    right: tuple[str, ...],
    outcome: str,
    actor: str,
) -> None:
    """Complete the request a use-case answered (checked: same subject, a matching right)."""
    if request_id is None:
        return
    request = load_request(connection, workspace, request_id)
    kinds = (subject_kind,) if isinstance(subject_kind, str) else subject_kind
    if request.subject_kind not in kinds or request.subject_ref != subject_ref:
        raise ConfigurationError(
            f"rights request {request_id} is about another subject; give the request of "
            "this subject, or none"
        )
    if request.right not in right:
        raise ConfigurationError(
            f"rights request {request_id} asks for {request.right}; this answers {', '.join(right)}"
        )
    set_status(connection, settings, request, "completed", outcome=outcome, actor=actor)


# ------------------------------------------------------------------ what is held


def _plain(value: Any) -> Any:
    """JSON-ready: times as ISO 8601, JSON text parsed where it is JSON, NaN as None."""
    if isinstance(value, datetime):
        return _aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_FALLBACK = PersonalData(
    subject="creator",
    purpose="the creator's public posts and their measured performance, for discovery, "
    "audits and campaign reporting",
    retention_days=None,
    subject_columns=("account_id",),
    legal_basis="legitimate interests (Art. 6(1)(f)); contract for campaign posts",
    retention_rule="while the creator's account is held",
)


def _declaration(table: Table) -> PersonalData:
    found = table.info.get("personal_data")
    return found if isinstance(found, PersonalData) else _FALLBACK


def _retention(declaration: PersonalData) -> str:
    for entry in processing_register():
        if entry.declaration is declaration:
            return entry.retention
    if declaration.retention_rule:
        return declaration.retention_rule
    return "until the subject or the workspace is erased"


@dataclass(frozen=True)
class CreatorScope:
    """The keys a creator's data is found by: the creator, their accounts, posts, comments."""

    creator_id: str
    account_ids: list[str]
    handles: list[str]
    post_ids: list[str]
    comment_ids: list[str]
    display_name: str


def creator_scope(connection: Connection, workspace: str, creator_id: str) -> CreatorScope:
    """Everything a creator's rows are keyed by (:class:`NotFoundError` for an unknown id)."""
    row = require_creator(connection, workspace, creator_id)
    accounts = connection.execute(
        select(creator_accounts.c.account_id, creator_accounts.c.handle).where(
            creator_accounts.c.workspace == workspace,
            creator_accounts.c.creator_id == creator_id,
        )
    ).all()
    account_ids = sorted(str(a.account_id) for a in accounts)
    post_ids = sorted(
        connection.execute(
            select(posts.c.post_id).where(
                posts.c.workspace == workspace, posts.c.account_id.in_(account_ids)
            )
        ).scalars()
    )
    comment_ids = sorted(
        connection.execute(
            select(comments.c.comment_id).where(
                comments.c.workspace == workspace, comments.c.post_id.in_(post_ids)
            )
        ).scalars()
    )
    return CreatorScope(
        creator_id,
        account_ids,
        sorted(str(a.handle) for a in accounts),
        post_ids,
        comment_ids,
        str(row.display_name),
    )


LINK_COLUMNS = {
    "creator_id": "creator",
    "account_id": "account",
    "creator_account_id": "account",
    "post_id": "post",
    "comment_id": "comment",
}
"""Column names that tie a row to a creator, and which of the creator's keys they hold."""

NEVER_LINKED = frozenset(
    {"audit_log", "rights_requests", "erasure_tombstones", "erasure_retained", "workspaces"}
)
"""Tables the generic walk never reads or deletes by link (handled on their own)."""


def link_clause(table: Table, scope: CreatorScope, workspace: str) -> Any | None:
    """A WHERE clause selecting the table's rows tied to the creator, or None when none can be.

    A table is tied by any column named in :data:`LINK_COLUMNS` (a table added later
    with such a column is covered without a change here).
    """
    from sqlalchemy import and_, false, or_

    if table.name in NEVER_LINKED or "workspace" not in table.c:
        return None
    keys = {
        "creator": [scope.creator_id],
        "account": scope.account_ids,
        "post": scope.post_ids,
        "comment": scope.comment_ids,
    }
    parts = [
        table.c[name].in_(keys[kind])
        for name, kind in LINK_COLUMNS.items()
        if name in table.c and keys[kind]
    ]
    if not parts:
        return None if not any(n in table.c for n in LINK_COLUMNS) else false()
    return and_(table.c.workspace == workspace, or_(*parts))


def fk_clause(table: Table, clauses: dict[str, Any]) -> list[Any]:
    """Clauses selecting rows of ``table`` that reference rows other clauses select."""
    found = []
    for fk in table.foreign_key_constraints:
        parent = fk.referred_table
        if parent.name not in clauses or parent is table:
            continue
        local = [e.parent for e in fk.elements]
        remote = [e.column for e in fk.elements]
        found.append(tuple_(*local).in_(select(*remote).where(clauses[parent.name])))
    return found


def _collect(connection: Connection, workspace: str, creator_id: str) -> dict[str, Any]:
    """The export document's content, read in one connection (see :func:`creator_export`)."""
    scope = creator_scope(connection, workspace, creator_id)
    parts: list[dict[str, Any]] = []
    counted: dict[str, int] = {}
    for table in metadata.sorted_tables:
        clause = link_clause(table, scope, workspace)
        if clause is None:
            continue
        rows = connection.execute(select(table).where(clause)).all()
        if not rows:
            continue
        if table.name in NOT_THEIRS:
            counted[table.name] = len(rows)
            continue
        records = []
        for row in rows:
            record = {
                k: v
                for k, v in row._mapping.items()
                if k != "workspace" and k not in SECRET_COLUMNS
            }
            for key in ("result", "params"):
                if isinstance(record.get(key), str):
                    with contextlib.suppress(ValueError):
                        record[key] = json.loads(record[key])
            records.append(_plain(record))
        parts.append(_part(table, records))
    requests = connection.execute(
        select(rights_requests).where(
            rights_requests.c.workspace == workspace,
            rights_requests.c.subject_kind == "creator",
            rights_requests.c.subject_ref == creator_id,
        )
    ).all()
    parts.append(
        _part(
            rights_requests,
            [_plain({k: v for k, v in r._mapping.items() if k != "workspace"}) for r in requests],
        )
    )
    audit_records = connection.execute(
        select(func.count())
        .select_from(audit_log)
        .where(audit_log.c.workspace == workspace, audit_log.c.subject == f"creator:{creator_id}")
    ).scalar_one()
    return {
        "format": EXPORT_FORMAT,
        "creator_id": creator_id,
        "workspace": workspace,
        "generated_at": datetime.now(UTC).isoformat(),
        "objected_to_profiling": bool(objecting(connection, workspace, [creator_id])),
        "parts": parts,
        "other_peoples_data_counted": counted,
        "audit_log_records_naming_you": int(audit_records),
        "notes": [
            "Comments on your posts and your followers are other people's data: counted, "
            "not shown. Followers and commenters are held only as keyed pseudonyms.",
            "The audit log is append-only; it names you by id in the records counted above.",
        ],
    }


def _part(table: Table, records: list[Any]) -> dict[str, Any]:
    declaration = _declaration(table)
    return {
        "table": table.name,
        "purpose": declaration.purpose,
        "legal_basis": declaration.legal_basis,
        "retention": _retention(declaration),
        "rows": records,
    }


def held_about_creator(
    creator_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> dict[str, Any]:
    """What :func:`creator_export` hands over, read without handing it over (no audit
    record): for a creator looking at their own "My data" page."""
    workspace = check_workspace(workspace)
    with store(settings or get_settings()) as engine, engine.connect() as connection:
        return _collect(connection, workspace, creator_id)


def creator_export(
    creator_id: str,
    *,
    workspace: str = "default",
    request_id: str | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Everything held about a creator, as one JSON-ready document (GDPR Art. 15 and 20).

    One part per table that holds rows tied to the creator (by any column of
    :data:`LINK_COLUMNS`, so a table added later is exported too), each with its
    purpose, legal basis and retention; credentials are never exported; tables
    that hold other people's data about the creator's posts (comments on them,
    their followers) are counted, not shown. With ``request_id`` the request is
    completed. The export is audit-logged (who received a copy of whose data).
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            document = _collect(connection, workspace, creator_id)
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind="creator",
                subject_ref=creator_id,
                right=("access", "export"),
                outcome="export generated and handed over",
                actor=actor,
            )
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="creator_exported",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={
                    "tables": [p["table"] for p in document["parts"]],
                    "request_id": request_id,
                },
            )
        confirm_anchor(settings, entry.head)
    return document


# ------------------------------------------------------------------ rectification


def _rectified(field_name: str, value: str) -> Any:
    value = value.strip()
    if field_name == "display_name":
        if not 1 <= len(value) <= 200:
            raise ConfigurationError("display_name must be 1-200 characters")
        return value
    if field_name in ("country", "language"):
        if value == "":
            return None
        if len(value) != 2 or not value.isascii() or not value.isalpha():
            raise ConfigurationError(
                f"{field_name} {value!r} not allowed; allowed: a two-letter code "
                f"({'ISO 3166-1, e.g. US' if field_name == 'country' else 'ISO 639-1, e.g. en'})"
                " or empty to clear it"
            )
        return value.upper() if field_name == "country" else value.lower()
    niches = [n.strip().lower() for n in value.split(",") if n.strip()]
    if not niches or any(len(n) > 60 for n in niches) or len(niches) > 20:
        raise ConfigurationError(
            "niches must be 1-20 comma-separated names of at most 60 characters"
        )
    return niches


@dataclass(frozen=True)
class Rectification:
    """What a rectification changed (field names only: the values are in the record)."""

    creator_id: str
    changed: list[str]
    audit_seq: int | None


def rectify_creator(
    creator_id: str,
    changes: dict[str, str],
    *,
    workspace: str = "default",
    request_id: str | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> Rectification:
    """Correct fields of a creator's own record (GDPR Art. 16); audit-logged.

    Allowed fields: :data:`RECTIFIABLE` (``niches`` comma-separated). The audit
    record names the fields changed, not the old or new values: the log is
    append-only and permanent, and an inaccurate value is exactly what the
    person asked to be rid of. A field already holding the value is not changed.
    """
    if not changes:
        raise ConfigurationError(f"give at least one field; allowed: {', '.join(RECTIFIABLE)}")
    wanted = {_choice(k, RECTIFIABLE, "field"): _rectified(k, v) for k, v in changes.items()}
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            row = require_creator(connection, workspace, creator_id)
            changed = {k: v for k, v in wanted.items() if row._mapping[k] != v}
            if changed:
                connection.execute(
                    update(creators)
                    .where(creators.c.workspace == workspace, creators.c.creator_id == creator_id)
                    .values(**changed)
                )
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind="creator",
                subject_ref=creator_id,
                right=("rectification",),
                outcome=f"corrected: {', '.join(sorted(changed)) or 'nothing differed'}",
                actor=actor,
            )
            if not changed and request_id is None:
                connection.rollback()
                return Rectification(creator_id, [], None)
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="creator_rectified",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={"fields": sorted(changed), "request_id": request_id},
            )
        confirm_anchor(settings, entry.head)
        return Rectification(creator_id, sorted(changed), entry.seq)


# ------------------------------------------------------------------ objection


@dataclass(frozen=True)
class Objection:
    """A recorded objection to profiling."""

    creator_id: str
    objected_at: datetime
    audit_seq: int
    already: bool
    index_rows_removed: int


def object_to_profiling(
    creator_id: str,
    *,
    workspace: str = "default",
    request_id: str | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> Objection:
    """Record a creator's objection to profiling (GDPR Art. 21); audit-logged.

    From then on the creator is left out of the discovery index (so of every
    ranking and shortlist proposal) and no new audience audit of them is made.
    Their existing data stays until they ask for erasure. Recording it twice
    keeps the first time.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            require_creator(connection, workspace, creator_id)
            existing = connection.execute(
                select(profiling_objections).where(
                    profiling_objections.c.workspace == workspace,
                    profiling_objections.c.creator_id == creator_id,
                )
            ).first()
            now = datetime.now(UTC)
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind="creator",
                subject_ref=creator_id,
                right=("objection",),
                outcome="objection recorded: left out of discovery and new audits",
                actor=actor,
            )
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="profiling_objection",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={"request_id": request_id, "already": existing is not None},
            )
            if existing is None:
                connection.execute(
                    profiling_objections.insert().values(
                        workspace=workspace,
                        creator_id=creator_id,
                        objected_at=now,
                        recorded_by=actor,
                        request_id=request_id,
                        audit_seq=entry.seq,
                    )
                )
        confirm_anchor(settings, entry.head)
    when = now if existing is None else _aware(existing.objected_at)
    dropped = drop_from_index(settings, workspace, creator_id)
    return Objection(creator_id, when, entry.seq, existing is not None, dropped)


# ------------------------------------------------------------------ third parties


def third_party_access(
    handle: str,
    *,
    platform: str,
    workspace: str = "default",
    request_id: str | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> dict[str, Any]:
    """What is stored about a follower or commenter, found by their platform id (Art. 15).

    The caller (an admin acting on a request whose proof of the handle they
    checked) gives the platform id; the keyed pseudonym the importer stored is
    derived and every row under it is returned: the follower record (counts and
    flags), which creators' accounts they follow, and their comments (with
    @mentions masked at import). Nothing raw is stored, and neither the handle nor
    the answer is written to the audit log: only the pseudonym and row counts.
    """
    platform = platform.strip().lower()
    if not 1 <= len(platform) <= 20:
        raise ConfigurationError("platform must be 1-20 characters (e.g. instagram, tiktok)")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with engine.connect() as connection:
            require_workspace(connection, workspace, settings)
        key = pseudonym_of(settings, workspace, handle)
        with audited_transaction(settings, engine) as connection:
            account = connection.execute(
                select(follower_accounts).where(
                    follower_accounts.c.workspace == workspace,
                    follower_accounts.c.follower_key == key,
                )
            ).first()
            follow_rows = connection.execute(
                select(follows.c.creator_account_id, follows.c.followed_on).where(
                    follows.c.workspace == workspace, follows.c.follower_key == key
                )
            ).all()
            comment_rows = connection.execute(
                select(
                    comments.c.comment_id,
                    comments.c.post_id,
                    comments.c.posted_at,
                    comments.c.text,
                    comments.c.likes,
                ).where(comments.c.workspace == workspace, comments.c.author_key == key)
            ).all()
            held = {
                "follower_accounts": 0 if account is None else 1,
                "follows": len(follow_rows),
                "comments": len(comment_rows),
            }
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind=("follower", "commenter"),
                subject_ref=key,
                right=("access",),
                outcome=f"answered: {sum(held.values())} row(s) held under the pseudonym",
                actor=actor,
            )
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="third_party_access",
                workspace=workspace,
                subject=f"follower:{key}",
                details={"platform": platform, "rows": held, "request_id": request_id},
            )
        confirm_anchor(settings, entry.head)
    record = None
    if account is not None:
        record = _plain(
            {k: v for k, v in account._mapping.items() if k not in ("workspace", "follower_key")}
        )
    return {
        "format": "trustreach-third-party-access/1",
        "workspace": workspace,
        "platform": platform,
        "pseudonym": key,
        "generated_at": datetime.now(UTC).isoformat(),
        "held": held,
        "follower_record": record,
        "follows": [_plain(dict(r._mapping)) for r in follow_rows],
        "comments": [_plain(dict(r._mapping)) for r in comment_rows],
        "purposes": {
            t: _declaration(metadata.tables[t]).purpose
            for t in ("follower_accounts", "follows", "comments")
        },
        "retention": {
            t: _retention(_declaration(metadata.tables[t]))
            for t in ("follower_accounts", "follows", "comments")
        },
        "notes": [
            "Your handle is not stored: only a keyed pseudonym of your platform id, and the "
            "counts and flags shown. Usernames, names and bios are used only to compute "
            "lengths at import and then discarded.",
        ],
    }
