"""declared rates, declared attributes, shortlists with human decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("creator_accounts", sa.Column("rate_per_post", sa.Float(), nullable=True))
    op.add_column(
        "creator_accounts", sa.Column("rate_currency", sa.String(length=3), nullable=True)
    )
    op.create_table(
        "declared_attributes",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("declaration_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("attribute", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=60), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "consent_id"],
            ["consent_records.workspace", "consent_records.consent_id"],
            name=op.f("fk_declared_attributes_workspace_consent_records"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_id"],
            ["creators.workspace", "creators.creator_id"],
            name=op.f("fk_declared_attributes_workspace_creators"),
        ),
        sa.PrimaryKeyConstraint("workspace", "declaration_id", name=op.f("pk_declared_attributes")),
    )
    op.create_index(
        "ix_declared_attributes_creator", "declared_attributes", ["workspace", "creator_id"]
    )
    op.create_table(
        "shortlists",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("shortlist_id", sa.String(length=64), nullable=False),
        sa.Column("brief_id", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=True),
        sa.Column("brief_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("model_versions", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "shortlist_id", name=op.f("pk_shortlists")),
    )
    op.create_index("ix_shortlists_campaign", "shortlists", ["workspace", "campaign_id"])
    op.create_table(
        "shortlist_entries",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("shortlist_id", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_id"],
            ["creators.workspace", "creators.creator_id"],
            name=op.f("fk_shortlist_entries_workspace_creators"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace", "shortlist_id"],
            ["shortlists.workspace", "shortlists.shortlist_id"],
            name=op.f("fk_shortlist_entries_workspace_shortlists"),
        ),
        sa.PrimaryKeyConstraint(
            "workspace", "shortlist_id", "creator_id", name=op.f("pk_shortlist_entries")
        ),
    )
    op.create_table(
        "shortlist_decisions",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("shortlist_id", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "shortlist_id", "creator_id"],
            [
                "shortlist_entries.workspace",
                "shortlist_entries.shortlist_id",
                "shortlist_entries.creator_id",
            ],
            name=op.f("fk_shortlist_decisions_workspace_shortlist_entries"),
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_shortlist_decisions")),
    )
    op.create_index(
        "ix_shortlist_decisions_entry",
        "shortlist_decisions",
        ["workspace", "shortlist_id", "creator_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_shortlist_decisions_entry", table_name="shortlist_decisions")
    op.drop_table("shortlist_decisions")
    op.drop_table("shortlist_entries")
    op.drop_index("ix_shortlists_campaign", table_name="shortlists")
    op.drop_table("shortlists")
    op.drop_index("ix_declared_attributes_creator", table_name="declared_attributes")
    op.drop_table("declared_attributes")
    with op.batch_alter_table("creator_accounts") as batch:
        batch.drop_column("rate_currency")
        batch.drop_column("rate_per_post")
