"""campaign_live, campaign_orders, campaign_clicks: incremental campaign aggregates

Empty after the upgrade: a campaign's aggregates are built from its events on its
first KPI read (``campaign_live`` has no row for it yet).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_live",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "campaign_id", name=op.f("pk_campaign_live")),
    )
    op.create_table(
        "campaign_orders",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("order_key", sa.String(length=210), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("creator_id", sa.String(length=200), nullable=True),
        sa.Column("post_id", sa.String(length=200), nullable=True),
        sa.Column("rule", sa.String(length=4), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace", "campaign_id", "order_key", name=op.f("pk_campaign_orders")
        ),
    )
    op.create_table(
        "campaign_clicks",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("link_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace",
            "campaign_id",
            "day",
            "link_id",
            "creator_id",
            "post_id",
            name=op.f("pk_campaign_clicks"),
        ),
    )


def downgrade() -> None:
    op.drop_table("campaign_clicks")
    op.drop_table("campaign_orders")
    op.drop_table("campaign_live")
