"""Creators with their latest audit: what the dashboard's creators pages read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from trustreach.core import Settings, get_settings
from trustreach.services._context import check_workspace, require_creator, require_workspace, store
from trustreach.store._tables import creator_audits


def latest_audit(connection: Connection, workspace: str, creator_id: str) -> Any:
    """The creator's latest ``creator_audits`` row in the workspace (None if never audited)."""
    return connection.execute(
        select(creator_audits)
        .where(creator_audits.c.workspace == workspace, creator_audits.c.creator_id == creator_id)
        .order_by(creator_audits.c.audit_seq.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class CreatorAuditLine:
    """The headline figures of one creator's latest audience audit."""

    creator_id: str
    audit_seq: int
    generated_at: str
    quality_score: float
    fake_share: float | None
    """Estimated share of followers showing signs of being fake (None: not estimated)."""
    fake_share_low: float | None
    fake_share_high: float | None
    raised_signals: list[str]
    """The kinds of engagement signal the audit raised (``follower_spike``, ...)."""
    model_name: str | None
    model_version: str | None


@dataclass(frozen=True)
class CreatorEvidence:
    """A creator and the evidence of their latest audit (None when never audited)."""

    creator_id: str
    display_name: str
    niches: list[str]
    audit_seq: int | None
    evidence: dict[str, Any] | None


def _line(creator_id: str, audit_seq: int, row: Any) -> CreatorAuditLine:
    result: dict[str, Any] = json.loads(row.result)
    share = result.get("fake_share") or {}
    return CreatorAuditLine(
        creator_id=creator_id,
        audit_seq=audit_seq,
        generated_at=str(result.get("generated_at") or row.generated_at),
        quality_score=float(row.quality_score),
        fake_share=share.get("estimate"),
        fake_share_low=share.get("low"),
        fake_share_high=share.get("high"),
        raised_signals=[str(s["kind"]) for s in result.get("signals", []) if s.get("raised")],
        model_name=row.model_name,
        model_version=row.model_version,
    )


def latest_creator_audits(
    workspace: str = "default", *, settings: Settings | None = None
) -> dict[str, CreatorAuditLine]:
    """Each audited creator's latest audit in ``workspace``, by creator_id (one read)."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    latest = (
        select(creator_audits.c.creator_id, func.max(creator_audits.c.audit_seq).label("audit_seq"))
        .where(creator_audits.c.workspace == workspace)
        .group_by(creator_audits.c.creator_id)
        .subquery()
    )
    query = select(creator_audits).join(
        latest,
        (creator_audits.c.creator_id == latest.c.creator_id)
        & (creator_audits.c.audit_seq == latest.c.audit_seq),
    )
    with store(settings, create=False) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        rows = connection.execute(query.where(creator_audits.c.workspace == workspace)).all()
    return {row.creator_id: _line(row.creator_id, int(row.audit_seq), row) for row in rows}


def creator_evidence(
    creator_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> CreatorEvidence:
    """A creator of ``workspace`` and their latest audit's evidence.

    :class:`~trustreach.core.NotFoundError` when the creator is not in the
    workspace (another workspace's creator is "not found" too); ``evidence`` is
    None when the creator was never audited.
    """
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        creator = require_creator(connection, workspace, creator_id)
        row = latest_audit(connection, workspace, creator_id)
    return CreatorEvidence(
        creator_id=creator_id,
        display_name=str(creator.display_name),
        niches=list(creator.niches or []),
        audit_seq=None if row is None else int(row.audit_seq),
        evidence=None if row is None else json.loads(row.result),
    )
