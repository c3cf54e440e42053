"""conversation labels, corrections and daily aggregates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "label_corrections",
        sa.Column("correction_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("comment_id", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.String(length=20), nullable=True),
        sa.Column("new_value", sa.String(length=20), nullable=False),
        sa.Column("corrected_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("correction_id", name=op.f("pk_label_corrections")),
    )
    op.create_index(
        "ix_label_corrections_comment", "label_corrections", ["workspace", "comment_id"]
    )

    op.create_table(
        "conversation_daily",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("offensive", sa.Integer(), nullable=False),
        sa.Column("hate", sa.Integer(), nullable=False),
        sa.Column("unsafe", sa.Integer(), nullable=False),
        sa.Column("unsupported_language", sa.Integer(), nullable=False),
        sa.Column("no_text", sa.Integer(), nullable=False),
        sa.Column("corrected", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "post_id"],
            ["posts.workspace", "posts.post_id"],
            name=op.f("fk_conversation_daily_workspace_posts"),
        ),
        sa.PrimaryKeyConstraint("workspace", "post_id", "day", name=op.f("pk_conversation_daily")),
    )
    op.create_table(
        "comment_labels",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("comment_id", sa.String(length=200), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column("sentiment", sa.String(length=10), nullable=True),
        sa.Column("p_negative", sa.Float(), nullable=True),
        sa.Column("p_neutral", sa.Float(), nullable=True),
        sa.Column("p_positive", sa.Float(), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("offensive_probability", sa.Float(), nullable=True),
        sa.Column("offensive", sa.Boolean(), nullable=True),
        sa.Column("hate_probability", sa.Float(), nullable=True),
        sa.Column("hate", sa.Boolean(), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "comment_id"],
            ["comments.workspace", "comments.comment_id"],
            name=op.f("fk_comment_labels_workspace_comments"),
        ),
        sa.PrimaryKeyConstraint("workspace", "comment_id", name=op.f("pk_comment_labels")),
    )
    op.create_index("ix_comment_labels_post_day", "comment_labels", ["workspace", "post_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_comment_labels_post_day", table_name="comment_labels")

    op.drop_table("comment_labels")
    op.drop_table("conversation_daily")
    op.drop_index("ix_label_corrections_comment", table_name="label_corrections")

    op.drop_table("label_corrections")
