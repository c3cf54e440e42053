"""post_metrics, tracked_links and order fields on tracking_events: campaigns over time

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENT_COLUMNS = (
    ("order_id", sa.String(length=200)),
    ("promo_code", sa.String(length=100)),
    ("link_id", sa.String(length=200)),
    ("touch_key", sa.String(length=200)),
    ("received_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_index("ix_posts_campaign", "posts", ["workspace", "campaign_id"])
    op.create_table(
        "post_metrics",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=True),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.Column("impressions", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("comments", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("link_clicks", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "post_id"],
            ["posts.workspace", "posts.post_id"],
            name=op.f("fk_post_metrics_workspace_posts"),
        ),
        sa.PrimaryKeyConstraint(
            "workspace", "post_id", "observed_at", name=op.f("pk_post_metrics")
        ),
    )
    op.create_table(
        "tracked_links",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace", "campaign_id"],
            ["campaigns.workspace", "campaigns.campaign_id"],
            name=op.f("fk_tracked_links_workspace_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_id"],
            ["creators.workspace", "creators.creator_id"],
            name=op.f("fk_tracked_links_workspace_creators"),
        ),
        sa.PrimaryKeyConstraint("workspace", "link_id", name=op.f("pk_tracked_links")),
    )
    op.create_index("ix_tracked_links_campaign", "tracked_links", ["workspace", "campaign_id"])
    for name, column_type in _EVENT_COLUMNS:
        op.add_column("tracking_events", sa.Column(name, column_type, nullable=True))
    op.create_index("ix_events_order", "tracking_events", ["workspace", "campaign_id", "order_id"])
    op.create_index("ix_events_touch", "tracking_events", ["workspace", "touch_key"])


def downgrade() -> None:
    op.drop_index("ix_events_touch", table_name="tracking_events")
    op.drop_index("ix_events_order", table_name="tracking_events")
    with op.batch_alter_table("tracking_events") as batch:
        for name, _ in reversed(_EVENT_COLUMNS):
            batch.drop_column(name)
    op.drop_index("ix_tracked_links_campaign", table_name="tracked_links")
    op.drop_table("tracked_links")
    op.drop_table("post_metrics")
    op.drop_index("ix_posts_campaign", table_name="posts")
