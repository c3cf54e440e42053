"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("model_name", sa.String(length=100), nullable=True),
        sa.Column("model_version", sa.String(length=50), nullable=True),
        sa.Column("input_digest", sa.String(length=64), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    op.create_table(
        "brands",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("brand_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("workspace", "brand_id", name=op.f("pk_brands")),
    )
    op.create_table(
        "creators",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("niches", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("workspace", "creator_id", name=op.f("pk_creators")),
    )
    op.create_table(
        "follower_accounts",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("follower_key", sa.String(length=32), nullable=False),
        sa.Column("username_length", sa.Integer(), nullable=True),
        sa.Column("username_digit_count", sa.Integer(), nullable=True),
        sa.Column("full_name_length", sa.Integer(), nullable=True),
        sa.Column("biography_length", sa.Integer(), nullable=True),
        sa.Column("posts_count", sa.BigInteger(), nullable=True),
        sa.Column("followers_count", sa.BigInteger(), nullable=True),
        sa.Column("following_count", sa.BigInteger(), nullable=True),
        sa.Column("has_profile_pic", sa.Boolean(), nullable=True),
        sa.Column("is_private", sa.Boolean(), nullable=True),
        sa.Column("has_external_url", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("workspace", "follower_key", name=op.f("pk_follower_accounts")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "workspaces",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "briefs",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("brief_id", sa.String(length=200), nullable=False),
        sa.Column("brand_id", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=True),
        sa.Column("goal", sa.String(length=20), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("audience_countries", sa.JSON(), nullable=False),
        sa.Column("audience_age_bands", sa.JSON(), nullable=False),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "brand_id"],
            ["brands.workspace", "brands.brand_id"],
            name=op.f("fk_briefs_workspace_brands"),
        ),
        sa.PrimaryKeyConstraint("workspace", "brief_id", name=op.f("pk_briefs")),
    )
    op.create_table(
        "campaigns",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("brand_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("goal", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "brand_id"],
            ["brands.workspace", "brands.brand_id"],
            name=op.f("fk_campaigns_workspace_brands"),
        ),
        sa.PrimaryKeyConstraint("workspace", "campaign_id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "consent_records",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("consent_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_id"],
            ["creators.workspace", "creators.creator_id"],
            name=op.f("fk_consent_records_workspace_creators"),
        ),
        sa.PrimaryKeyConstraint("workspace", "consent_id", name=op.f("pk_consent_records")),
    )
    op.create_table(
        "creator_accounts",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("handle", sa.String(length=100), nullable=False),
        sa.Column("followers_count", sa.BigInteger(), nullable=True),
        sa.Column("following_count", sa.BigInteger(), nullable=True),
        sa.Column("posts_count", sa.BigInteger(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_id"],
            ["creators.workspace", "creators.creator_id"],
            name=op.f("fk_creator_accounts_workspace_creators"),
        ),
        sa.PrimaryKeyConstraint("workspace", "account_id", name=op.f("pk_creator_accounts")),
    )
    op.create_table(
        "audience_snapshots",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("captured_on", sa.Date(), nullable=False),
        sa.Column("followers_count", sa.BigInteger(), nullable=False),
        sa.Column("following_count", sa.BigInteger(), nullable=True),
        sa.Column("age_bands", sa.JSON(), nullable=True),
        sa.Column("genders", sa.JSON(), nullable=True),
        sa.Column("countries", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace", "account_id"],
            ["creator_accounts.workspace", "creator_accounts.account_id"],
            name=op.f("fk_audience_snapshots_workspace_creator_accounts"),
        ),
        sa.PrimaryKeyConstraint(
            "workspace", "account_id", "captured_on", name=op.f("pk_audience_snapshots")
        ),
    )
    op.create_table(
        "deals",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("deal_id", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("compensation", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("affiliate_code", sa.String(length=100), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("material_connection", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "campaign_id"],
            ["campaigns.workspace", "campaigns.campaign_id"],
            name=op.f("fk_deals_workspace_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_id"],
            ["creators.workspace", "creators.creator_id"],
            name=op.f("fk_deals_workspace_creators"),
        ),
        sa.PrimaryKeyConstraint("workspace", "deal_id", name=op.f("pk_deals")),
    )
    op.create_table(
        "follows",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("creator_account_id", sa.String(length=200), nullable=False),
        sa.Column("follower_key", sa.String(length=32), nullable=False),
        sa.Column("followed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace", "creator_account_id"],
            ["creator_accounts.workspace", "creator_accounts.account_id"],
            name=op.f("fk_follows_workspace_creator_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace", "follower_key"],
            ["follower_accounts.workspace", "follower_accounts.follower_key"],
            name=op.f("fk_follows_workspace_follower_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace", "creator_account_id", "follower_key", name=op.f("pk_follows")
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index("ix_follows_follower", ["workspace", "follower_key"], unique=False)

    op.create_table(
        "posts",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.Column("likes", sa.BigInteger(), nullable=False),
        sa.Column("comments", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("paid_partnership", sa.Boolean(), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace", "account_id"],
            ["creator_accounts.workspace", "creator_accounts.account_id"],
            name=op.f("fk_posts_workspace_creator_accounts"),
        ),
        sa.PrimaryKeyConstraint("workspace", "post_id", name=op.f("pk_posts")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posts_account", ["workspace", "account_id", "posted_at"], unique=False
        )

    op.create_table(
        "tracking_events",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=True),
        sa.Column("creator_id", sa.String(length=200), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace", "campaign_id"],
            ["campaigns.workspace", "campaigns.campaign_id"],
            name=op.f("fk_tracking_events_workspace_campaigns"),
        ),
        sa.PrimaryKeyConstraint("workspace", "event_id", name=op.f("pk_tracking_events")),
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_campaign", ["workspace", "campaign_id", "occurred_at"], unique=False
        )

    op.create_table(
        "comments",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("comment_id", sa.String(length=200), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=False),
        sa.Column("author_key", sa.String(length=32), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("likes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "post_id"],
            ["posts.workspace", "posts.post_id"],
            name=op.f("fk_comments_workspace_posts"),
        ),
        sa.PrimaryKeyConstraint("workspace", "comment_id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_author", ["workspace", "author_key"], unique=False)
        batch_op.create_index("ix_comments_post", ["workspace", "post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_post")
        batch_op.drop_index("ix_comments_author")

    op.drop_table("comments")
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_campaign")

    op.drop_table("tracking_events")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_account")

    op.drop_table("posts")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index("ix_follows_follower")

    op.drop_table("follows")
    op.drop_table("deals")
    op.drop_table("audience_snapshots")
    op.drop_table("creator_accounts")
    op.drop_table("consent_records")
    op.drop_table("campaigns")
    op.drop_table("briefs")
    op.drop_table("workspaces")
    op.drop_table("follower_accounts")
    op.drop_table("creators")
    op.drop_table("brands")
    op.drop_table("audit_log")
