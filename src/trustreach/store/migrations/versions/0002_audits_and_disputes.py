"""creator audits and disputes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "creator_audits",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=True),
        sa.Column("model_version", sa.String(length=50), nullable=True),
        sa.Column("quality_score", sa.Float(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_id"],
            ["creators.workspace", "creators.creator_id"],
            name=op.f("fk_creator_audits_workspace_creators"),
        ),
        sa.PrimaryKeyConstraint(
            "workspace", "creator_id", "audit_seq", name=op.f("pk_creator_audits")
        ),
    )
    op.create_table(
        "disputes",
        sa.Column("dispute_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_id"],
            ["creators.workspace", "creators.creator_id"],
            name=op.f("fk_disputes_workspace_creators"),
        ),
        sa.PrimaryKeyConstraint("dispute_id", name=op.f("pk_disputes")),
    )
    op.create_index("ix_disputes_creator", "disputes", ["workspace", "creator_id"])
    op.create_index("ix_disputes_status", "disputes", ["workspace", "status"])


def downgrade() -> None:
    op.drop_index("ix_disputes_status", table_name="disputes")
    op.drop_index("ix_disputes_creator", table_name="disputes")
    op.drop_table("disputes")
    op.drop_table("creator_audits")
