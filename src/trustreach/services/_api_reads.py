"""Workspace-scoped reads the API's write routes answer with: a deal, disputes, a creator's
declared attributes and consent, and a creator's own data as one export.

Every function reads one workspace only; an id of another workspace raises
:class:`~trustreach.core.NotFoundError` exactly like an id that does not exist.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.services._context import check_workspace, display_names, kept_engine
from trustreach.services._disputes import STATUSES, Dispute
from trustreach.services._listing import MAX_PAGE, Page
from trustreach.services._privacy import DECLARED_PURPOSE, declared_attributes
from trustreach.services._shown_audience import has_breakdowns, shown_snapshot
from trustreach.store import processing_register
from trustreach.store._tables import (
    audience_snapshots,
    consent_records,
    creator_accounts,
    creators,
    deals,
    disputes,
    metadata,
)


@contextmanager
def _reading(settings: Settings | None) -> Iterator[Connection]:
    with kept_engine(settings or get_settings()).connect() as connection:
        yield connection


def _require_creator(connection: Connection, workspace: str, creator_id: str) -> Any:
    row = connection.execute(
        select(creators).where(
            creators.c.workspace == workspace, creators.c.creator_id == creator_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"creator {creator_id!r} not found")
    return row


@dataclass(frozen=True)
class DealRecord:
    """A deal as stored."""

    deal_id: str
    campaign_id: str
    creator_id: str
    compensation: str
    amount: float | None
    currency: str
    affiliate_code: str | None
    signed_on: date | None
    material_connection: bool


def get_deal(
    deal_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> DealRecord:
    """One deal of the workspace (:class:`NotFoundError` for any other id)."""
    workspace = check_workspace(workspace)
    with _reading(settings) as connection:
        row = connection.execute(
            select(deals).where(deals.c.workspace == workspace, deals.c.deal_id == deal_id)
        ).first()
    if row is None:
        raise NotFoundError(f"deal {deal_id!r} not found")
    return DealRecord(
        deal_id=row.deal_id,
        campaign_id=row.campaign_id,
        creator_id=row.creator_id,
        compensation=row.compensation,
        amount=row.amount,
        currency=row.currency,
        affiliate_code=row.affiliate_code,
        signed_on=row.signed_on,
        material_connection=bool(row.material_connection),
    )


def _dispute(row: Any, names: dict[str, str]) -> Dispute:
    values = dict(row._mapping)
    for key in ("filed_at", "resolved_at"):
        if isinstance(values[key], datetime) and values[key].tzinfo is None:
            values[key] = values[key].replace(tzinfo=UTC)
    return Dispute(**values, display_name=names.get(row.creator_id))


def page_disputes(
    *,
    workspace: str = "default",
    status: str | None = None,
    creator_id: str | None = None,
    limit: int = 50,
    after: int | None = None,
    settings: Settings | None = None,
) -> Page[Dispute]:
    """Disputes oldest first (optionally one status, one creator), a page at a time."""
    if status is not None and status not in STATUSES:
        raise ConfigurationError(f"status {status!r} not allowed; allowed: {', '.join(STATUSES)}")
    if not 1 <= limit <= MAX_PAGE:
        raise ConfigurationError(f"limit {limit} not allowed; allowed: 1 to {MAX_PAGE}")
    workspace = check_workspace(workspace)
    query = select(disputes).where(disputes.c.workspace == workspace)
    if status is not None:
        query = query.where(disputes.c.status == status)
    if creator_id is not None:
        query = query.where(disputes.c.creator_id == creator_id)
    if after is not None:
        query = query.where(disputes.c.dispute_id > after)
    with _reading(settings) as connection:
        rows = connection.execute(query.order_by(disputes.c.dispute_id).limit(limit + 1)).all()
        names = display_names(connection, workspace, {r.creator_id for r in rows})
    more = len(rows) > limit
    items = [_dispute(r, names) for r in rows[:limit]]
    return Page(items, str(items[-1].dispute_id) if more and items else None)


def get_dispute(
    dispute_id: int, *, workspace: str = "default", settings: Settings | None = None
) -> Dispute:
    """One dispute of the workspace (:class:`NotFoundError` for any other id)."""
    workspace = check_workspace(workspace)
    with _reading(settings) as connection:
        row = connection.execute(
            select(disputes).where(
                disputes.c.workspace == workspace, disputes.c.dispute_id == dispute_id
            )
        ).first()
        if row is None:
            raise NotFoundError(f"dispute #{dispute_id} not found")
        names = display_names(connection, workspace, [row.creator_id])
    return _dispute(row, names)


@dataclass(frozen=True)
class ConsentState:
    """The latest consent record of one purpose for a creator."""

    purpose: str
    granted: bool
    recorded_at: datetime
    source: str


@dataclass(frozen=True)
class DeclaredView:
    """What a creator declared (shown only while consent is in force) and their consent."""

    creator_id: str
    attributes: dict[str, str]
    consent_in_force: bool
    consent: list[ConsentState]


def _consent(connection: Connection, workspace: str, creator_id: str) -> list[ConsentState]:
    latest: dict[str, Any] = {}
    for row in connection.execute(
        select(consent_records)
        .where(consent_records.c.workspace == workspace, consent_records.c.creator_id == creator_id)
        .order_by(consent_records.c.recorded_at, consent_records.c.granted.desc())
    ):
        latest[row.purpose] = row  # a withdrawal at the same instant sorts last and wins
    return [
        ConsentState(
            purpose=p,
            granted=bool(r.granted),
            recorded_at=_aware(r.recorded_at),
            source=r.source,
        )
        for p, r in sorted(latest.items())
    ]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def creator_declared(
    creator_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> DeclaredView:
    """A creator's declared attributes (empty unless consent is in force) and consent state."""
    workspace = check_workspace(workspace)
    with _reading(settings) as connection:
        _require_creator(connection, workspace, creator_id)
        consent = _consent(connection, workspace, creator_id)
    attributes = declared_attributes(
        workspace=workspace, creator_ids=[creator_id], settings=settings
    ).get(creator_id, {})
    in_force = any(c.purpose == DECLARED_PURPOSE and c.granted for c in consent)
    return DeclaredView(creator_id, dict(attributes), in_force, consent)


def json_ready(value: Any) -> Any:
    """A stored value made JSON-ready: times as ISO 8601 (UTC), NaN as None, containers
    converted throughout (the creator exports of this module and of ``_rights``)."""
    if isinstance(value, datetime):
        return _aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def _creator_tables() -> list[Table]:
    """Tables the record of processing declares as a creator's data, keyed by creator_id."""
    return [
        metadata.tables[e.table]
        for e in processing_register()
        if e.declaration.subject == "creator" and "creator_id" in e.declaration.subject_columns
    ]


def export_creator(
    creator_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Everything the workspace holds about a creator (GDPR Art. 15 and 20), by table.

    The tables are those the record of processing declares as a creator's data
    (:func:`~trustreach.store.processing_register`), so a table added there is
    exported too, and the audience snapshots of the creator's accounts. Audit
    results are parsed from their stored JSON. Audience breakdowns show only buckets
    of at least ``Settings.min_bucket_size`` people; ``suppressed`` names the hidden
    ones with the reason (rule T5).
    """
    settings = settings or get_settings()
    minimum = settings.min_bucket_size
    workspace = check_workspace(workspace)
    out: dict[str, list[dict[str, Any]]] = {}
    with _reading(settings) as connection:
        _require_creator(connection, workspace, creator_id)
        for table in _creator_tables():
            rows = connection.execute(
                select(table).where(
                    table.c.workspace == workspace, table.c.creator_id == creator_id
                )
            ).all()
            records = []
            for row in rows:
                record = {k: v for k, v in row._mapping.items() if k != "workspace"}
                if table.name == "creator_audits" and isinstance(record.get("result"), str):
                    record["result"] = json.loads(record["result"])
                if has_breakdowns(table.c):  # small buckets hidden, with the reason (rule T5)
                    record = shown_snapshot(record, minimum)
                records.append(json_ready(record))
            out[table.name] = records
        # the creator's audience breakdowns, as every view shows them (rule T5)
        out["audience_snapshots"] = [
            json_ready(shown_snapshot(dict(row._mapping), minimum))
            for row in connection.execute(
                select(*(c for c in audience_snapshots.c if c.name != "workspace"))
                .join_from(
                    audience_snapshots,
                    creator_accounts,
                    (creator_accounts.c.workspace == audience_snapshots.c.workspace)
                    & (creator_accounts.c.account_id == audience_snapshots.c.account_id),
                )
                .where(
                    audience_snapshots.c.workspace == workspace,
                    creator_accounts.c.creator_id == creator_id,
                )
                .order_by(audience_snapshots.c.account_id, audience_snapshots.c.captured_on)
            )
        ]
    return out
