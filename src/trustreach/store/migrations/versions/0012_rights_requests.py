"""data-subject rights requests, profiling objections, erasure tombstones and retained records

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rights_requests",
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("right", sa.String(length=20), nullable=False),
        sa.Column("regime", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("handled_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_rights_requests")),
    )
    op.create_index(
        "ix_rights_requests_workspace", "rights_requests", ["workspace", "status", "deadline"]
    )
    op.create_table(
        "profiling_objections",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("objected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "creator_id", name=op.f("pk_profiling_objections")),
    )
    op.create_table(
        "erasure_tombstones",
        sa.Column("tombstone_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("container", sa.String(length=40), nullable=False),
        sa.Column("container_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tombstone_id", name=op.f("pk_erasure_tombstones")),
    )
    op.create_index(
        "ix_erasure_tombstones_container",
        "erasure_tombstones",
        ["workspace", "container", "container_id"],
    )
    op.create_table(
        "erasure_retained",
        sa.Column("retained_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("retained_id", name=op.f("pk_erasure_retained")),
    )
    op.create_index("ix_erasure_retained_subject", "erasure_retained", ["workspace", "subject_ref"])


def downgrade() -> None:
    op.drop_index("ix_erasure_retained_subject", table_name="erasure_retained")
    op.drop_table("erasure_retained")
    op.drop_index("ix_erasure_tombstones_container", table_name="erasure_tombstones")
    op.drop_table("erasure_tombstones")
    op.drop_table("profiling_objections")
    op.drop_index("ix_rights_requests_workspace", table_name="rights_requests")
    op.drop_table("rights_requests")
