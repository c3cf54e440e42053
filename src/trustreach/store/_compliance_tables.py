"""Tables of compliance in the workflow: the disclosure obligations recorded with a deal.

Registered on the store's one :data:`~trustreach.store._tables.metadata` (imported
at the end of :mod:`trustreach.store._tables`); created by migration 0014.

``deal_obligations`` holds one row per disclosure rule that applies to a deal in one
jurisdiction, as the rules engine worded it when the deal was made (``rules_version``),
and whether the creator accepted it: ``accepted_by`` is the creator login's audit
name and ``accepted_at`` the time, both empty until they accept.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Index, String, Table, Text

from trustreach.store._metadata import PersonalData, metadata

deal_obligations = Table(
    "deal_obligations",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("deal_id", String(200), primary_key=True),
    Column("jurisdiction", String(8), primary_key=True),
    Column("rule_id", String(40), primary_key=True),
    Column("creator_id", String(200), nullable=False),
    Column("campaign_id", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("rules_version", String(40), nullable=False),
    Column("derived_from", String(300), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("accepted_by", String(200)),
    Column("accepted_at", DateTime(timezone=True)),
    ForeignKeyConstraint(["workspace", "deal_id"], ["deals.workspace", "deals.deal_id"]),
    Index("ix_deal_obligations_creator", "workspace", "creator_id"),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="record the disclosure duties a creator accepted with a deal",
            retention_days=2555,
            subject_columns=("creator_id",),
            legal_basis="contract (Art. 6(1)(b)); legal obligation for records",
        )
    },
)

__all__ = ["deal_obligations"]
