"""Tables of campaign alerts: the alerts, their webhook deliveries, the webhook, and targets.

Registered on the store's one :data:`~trustreach.store._tables.metadata` (imported
at the end of :mod:`trustreach.store._tables`); created by migration 0010.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from trustreach.store._metadata import PersonalData, metadata

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("campaign_id", String(200), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("creator_id", String(200)),
    Column("summary", Text, nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("snoozed_until", DateTime(timezone=True)),
    Column("acted_by", String(200)),
    Column("acted_at", DateTime(timezone=True)),
    Column("note", Text),
    Column("evidence", JSON, nullable=False),
    ForeignKeyConstraint(
        ["workspace", "campaign_id"], ["campaigns.workspace", "campaigns.campaign_id"]
    ),
    Index("ix_alerts_campaign", "workspace", "campaign_id", "rule", "subject"),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="tell the brand's team what in a running campaign needs a person's look",
            retention_days=395,
            subject_columns=("creator_id",),
            legal_basis="legitimate interest (GDPR Art. 6(1)(f)): managing a contracted campaign",
        )
    },
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("delivery_id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("alert_id", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("url", Text, nullable=False),
    Column("status_code", Integer),
    Column("delivered", Boolean, nullable=False),
    Column("error", Text),
    Index("ix_alert_deliveries_alert", "workspace", "alert_id"),
)

alert_webhooks = Table(
    "alert_webhooks",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    # the signing secret is kept outside the database (services/_secrets.py): its fingerprint
    Column("secret_fingerprint", String(12), nullable=True),
    Column("set_by", String(200), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

campaign_targets = Table(
    "campaign_targets",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("campaign_id", String(200), primary_key=True),
    Column("metric", String(20), primary_key=True),
    Column("target", Float, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(
        ["workspace", "campaign_id"], ["campaigns.workspace", "campaigns.campaign_id"]
    ),
)

__all__ = ["alert_deliveries", "alert_webhooks", "alerts", "campaign_targets"]
