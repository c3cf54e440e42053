"""campaign_orders: an index that covers a big campaign's order sums

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_campaign_orders_totals",
        "campaign_orders",
        ["workspace", "campaign_id", "rule", "currency", "value", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_orders_totals", table_name="campaign_orders")
