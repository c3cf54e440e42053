"""deal_obligations: disclosure obligations recorded with a deal and accepted by the creator

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deal_obligations",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("deal_id", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("derived_from", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.String(length=200), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace", "deal_id"],
            ["deals.workspace", "deals.deal_id"],
            name=op.f("fk_deal_obligations_workspace_deals"),
        ),
        sa.PrimaryKeyConstraint(
            "workspace", "deal_id", "jurisdiction", "rule_id", name=op.f("pk_deal_obligations")
        ),
    )
    op.create_index("ix_deal_obligations_creator", "deal_obligations", ["workspace", "creator_id"])


def downgrade() -> None:
    op.drop_index("ix_deal_obligations_creator", table_name="deal_obligations")
    op.drop_table("deal_obligations")
