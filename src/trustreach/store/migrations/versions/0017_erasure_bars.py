"""erasure_bars: keyed digests of an erased person's keys, so a re-import skips them

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasure_bars",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("key_kind", sa.String(length=16), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("barred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace", "key_kind", "key_digest", name=op.f("pk_erasure_bars")
        ),
    )


def downgrade() -> None:
    op.drop_table("erasure_bars")
