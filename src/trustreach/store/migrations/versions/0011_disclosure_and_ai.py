"""post and creator AI declarations and disclosure metadata; disclosure checks

posts: disclosure_in_video, spoken_disclosure (a video's or story's own disclosure,
when known), ai_generated, ai_altered (declared AI content); creators: virtual (a
non-human creator). Read by the disclosure rules (docs/disclosure.md).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("disclosure_in_video", sa.Boolean(), nullable=True))
    op.add_column("posts", sa.Column("spoken_disclosure", sa.Boolean(), nullable=True))
    for name in ("ai_generated", "ai_altered"):
        op.add_column(
            "posts", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.add_column(
        "creators", sa.Column("virtual", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("creators") as batch:
        batch.drop_column("virtual")
    with op.batch_alter_table("posts") as batch:
        for name in ("ai_altered", "ai_generated", "spoken_disclosure", "disclosure_in_video"):
            batch.drop_column(name)
