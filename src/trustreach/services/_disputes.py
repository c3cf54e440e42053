"""Contesting an audit: file a dispute, review it in a queue, record the human decision.

Every step is written to the audit log. A decision is made by a named person;
nothing here changes a score by itself — an upheld dispute is shown beside the
audit in every later report, and the reviewer's note says what was set aside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.services._audit_guard import (
    audited_transaction,
    confirm_anchor,
    record_audit,
)
from trustreach.services._context import (
    check_workspace,
    display_names,
    require_creator,
    require_workspace,
    store,
)
from trustreach.services._creator_audits import latest_audit
from trustreach.store._tables import disputes

DECISIONS = ("upheld", "rejected")
STATUSES = ("open", *DECISIONS)
_MAX_TEXT = 5000


@dataclass(frozen=True)
class Dispute:
    """A dispute as stored."""

    dispute_id: int
    workspace: str
    creator_id: str
    audit_seq: int | None
    filed_by: str
    reason: str
    status: str
    filed_at: datetime
    reviewer: str | None
    decision: str | None
    resolved_at: datetime | None
    display_name: str | None = None
    """The creator's display name, where the listing looked it up (names are not unique)."""


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ConfigurationError(f"{field} must not be empty")
    if len(value) > _MAX_TEXT:
        raise ConfigurationError(f"{field} is {len(value)} characters; at most {_MAX_TEXT} allowed")
    return value


def file_dispute(
    creator_id: str,
    reason: str,
    *,
    workspace: str = "default",
    filed_by: str = "creator",
    settings: Settings | None = None,
) -> Dispute:
    """File a dispute against the creator's latest audit; it joins the review queue."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    reason = _text(reason, "reason")
    filed_by = _text(filed_by, "filed_by")
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            require_creator(connection, workspace, creator_id)
            latest = latest_audit(connection, workspace, creator_id)
            now = datetime.now(UTC)
            dispute_id = connection.execute(
                insert(disputes)
                .values(
                    workspace=workspace,
                    creator_id=creator_id,
                    audit_seq=None if latest is None else latest.audit_seq,
                    filed_by=filed_by,
                    reason=reason,
                    status="open",
                    filed_at=now,
                )
                .returning(disputes.c.dispute_id)
            ).scalar_one()
            entry = record_audit(
                settings,
                connection,
                actor=filed_by,
                action="dispute_filed",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={"dispute_id": dispute_id, "audit_seq": latest and latest.audit_seq},
            )
            row = connection.execute(
                select(disputes).where(disputes.c.dispute_id == dispute_id)
            ).one()
        confirm_anchor(settings, entry.head)
        return Dispute(**row._mapping)


def list_disputes(
    *,
    workspace: str = "default",
    status: str | None = "open",
    creator_id: str | None = None,
    settings: Settings | None = None,
) -> list[Dispute]:
    """Disputes oldest first; by default the open ones (the human review queue)."""
    if status is not None and status not in STATUSES:
        raise ConfigurationError(f"status {status!r} not allowed; allowed: {', '.join(STATUSES)}")
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine:
        with engine.connect() as connection:
            require_workspace(connection, workspace, settings)
            query = select(disputes).where(disputes.c.workspace == workspace)
            if status is not None:
                query = query.where(disputes.c.status == status)
            if creator_id is not None:
                query = query.where(disputes.c.creator_id == creator_id)
            rows = connection.execute(query.order_by(disputes.c.dispute_id)).all()
            names = display_names(connection, workspace, {r.creator_id for r in rows})
        return [Dispute(**r._mapping, display_name=names.get(r.creator_id)) for r in rows]


def resolve_dispute(
    dispute_id: int,
    *,
    decision: str,
    note: str,
    reviewer: str,
    workspace: str = "default",
    settings: Settings | None = None,
) -> Dispute:
    """Record a reviewer's decision (``upheld`` or ``rejected``) with a note."""
    if decision not in DECISIONS:
        raise ConfigurationError(
            f"decision {decision!r} not allowed; allowed: {', '.join(DECISIONS)}"
        )
    note = _text(note, "note")
    reviewer = _text(reviewer, "reviewer")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            row = connection.execute(
                select(disputes).where(
                    disputes.c.dispute_id == dispute_id, disputes.c.workspace == workspace
                )
            ).first()
            if row is None:
                raise NotFoundError(f"dispute #{dispute_id} not found in workspace {workspace!r}")
            if row.status != "open":
                raise ConfigurationError(
                    f"dispute #{dispute_id} is already {row.status}; "
                    "only open disputes can be resolved"
                )
            connection.execute(
                update(disputes)
                .where(disputes.c.dispute_id == dispute_id)
                .values(
                    status=decision,
                    reviewer=reviewer,
                    decision=f"{decision}: {note}",
                    resolved_at=datetime.now(UTC),
                )
            )
            entry = record_audit(
                settings,
                connection,
                actor=reviewer,
                action="dispute_resolved",
                workspace=workspace,
                subject=f"creator:{row.creator_id}",
                details={"dispute_id": dispute_id, "decision": decision, "note": note},
            )
            updated = connection.execute(
                select(disputes).where(disputes.c.dispute_id == dispute_id)
            ).one()
        confirm_anchor(settings, entry.head)
        return Dispute(**updated._mapping)


def latest_audit_evidence(
    creator_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> dict[str, Any]:
    """The evidence of a creator's latest audit, as the creator may see it."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine:
        with engine.connect() as connection:
            require_workspace(connection, workspace, settings)
            latest = latest_audit(connection, workspace, creator_id)
        if latest is None:
            raise NotFoundError(
                f"creator {creator_id!r} has no audit in workspace {workspace!r}; "
                "run `trustreach audit-creator` first"
            )
        evidence: dict[str, Any] = json.loads(latest.result)
        return evidence
