"""The log of data-subject requests: legal deadlines, status, outcome (GDPR Art. 12, CCPA).

Every request a person makes about their data is logged in ``rights_requests`` with
its legal deadline (GDPR one month, extendable by two; CCPA 45 days, extendable by
45: ethics rules P4 and P7), its status and outcome (:func:`log_request`,
:func:`update_request`, :func:`list_requests`). A follower's or commenter's
platform id is turned into their keyed pseudonym at once; the raw id is never
stored. Each change is audit-logged naming the actor. The use-cases that answer a
request complete it in their own transaction with :func:`settle`.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.ethics.audit import AuditEntry
from trustreach.ethics.privacy import Pseudonymizer, load_or_create_key
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import check_workspace, require_creator, require_workspace, store
from trustreach.store._rights_tables import rights_requests
from trustreach.store._times import as_utc

SUBJECT_KINDS = ("creator", "follower", "commenter")
RIGHTS = ("access", "export", "rectification", "erasure", "objection")
REGIMES = ("gdpr", "ccpa")
STATUSES = ("received", "in_progress", "extended", "completed", "refused")
OPEN_STATUSES = ("received", "in_progress", "extended")


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


_aware = as_utc  # the name services._rights imports


def _request(row: Any) -> RightsRequest:
    values = dict(row._mapping)
    for key in ("received_at", "deadline", "updated_at"):
        values[key] = as_utc(values[key])
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
    received = as_utc(received_at) if received_at is not None else now
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
    if status is not None:
        _choice(status, ("open", *STATUSES), "status")
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
