"""alert_webhooks: the signing secret leaves the database (a 0600 file); its fingerprint stays

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05

A webhook set before this migration has no secret afterwards and delivers nothing
until it is set again (``trustreach campaign alert-webhook URL``); the server logs
that it is skipped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_webhooks") as batch:
        batch.drop_column("secret")
        batch.add_column(sa.Column("secret_fingerprint", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_webhooks") as batch:
        batch.drop_column("secret_fingerprint")
        batch.add_column(
            sa.Column("secret", sa.String(length=200), nullable=False, server_default="")
        )
