"""last-seen days and retention tombstones: every personal-data table's clock

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# tables whose records come by import: the day an import last brought each record
LAST_SEEN = (
    "creators",
    "creator_accounts",
    "follower_accounts",
    "follows",
    "deals",
    "tracked_links",
)


def upgrade() -> None:
    for table in LAST_SEEN:
        op.add_column(table, sa.Column("last_seen", sa.Date(), nullable=True))
        # rows already held count as seen at the upgrade: their retention starts now
        op.execute(f"UPDATE {table} SET last_seen = CURRENT_DATE")
    op.create_table(
        "retention_tombstones",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("row_digest", sa.String(length=64), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace", "table_name", "key_digest", name=op.f("pk_retention_tombstones")
        ),
    )
    op.create_table(
        "retention_cutoffs",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enforced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "table_name", name=op.f("pk_retention_cutoffs")),
    )


def downgrade() -> None:
    op.drop_table("retention_cutoffs")
    op.drop_table("retention_tombstones")
    for table in reversed(LAST_SEEN):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("last_seen")
