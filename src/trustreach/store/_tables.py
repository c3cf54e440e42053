"""The operational schema: SQLAlchemy 2 tables.

Keys are the natural keys of the interchange format, scoped by ``workspace``
(the tenant), so a re-import upserts in place and no id lookups are needed.

Every table that holds personal data says why and for how long in
``Table.info["personal_data"]`` (a :class:`PersonalData`); ``trustreach privacy
register`` lists them (the start of a GDPR Art. 30 record of processing).
Third parties (followers, commenters) appear only as keyed pseudonyms, so one
subject can be erased by key without scanning free text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
)

from trustreach.store._metadata import PersonalData as PersonalData
from trustreach.store._metadata import metadata as metadata


def _ws() -> Column[str]:
    return Column("workspace", String(64), primary_key=True)


workspaces = Table(
    "workspaces",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

brands = Table(
    "brands",
    metadata,
    _ws(),
    Column("brand_id", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(40), nullable=False),
    Column("country", String(2)),
)

creators = Table(
    "creators",
    metadata,
    _ws(),
    Column("creator_id", String(200), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("niches", JSON, nullable=False),
    Column("country", String(2)),
    Column("language", String(2)),
    Column("last_seen", Date),  # the day an import last brought the record (retention)
    # a virtual (non-human) creator (disclosure rule AI1-EU); migration 0011
    Column("virtual", Boolean, nullable=False, server_default=false()),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="find, vet and contract creators for brand campaigns",
            retention_days=None,
            subject_columns=("creator_id",),
            legal_basis="legitimate interests (Art. 6(1)(f)); contract once engaged",
        )
    },
)

creator_accounts = Table(
    "creator_accounts",
    metadata,
    _ws(),
    Column("account_id", String(200), primary_key=True),
    Column("creator_id", String(200), nullable=False),
    Column("platform", String(20), nullable=False),
    Column("handle", String(100), nullable=False),
    Column("followers_count", BigInteger),
    Column("following_count", BigInteger),
    Column("posts_count", BigInteger),
    Column("verified", Boolean, nullable=False),
    Column("rate_per_post", Float),
    Column("rate_currency", String(3)),
    Column("last_seen", Date),  # the day an import last brought the record (retention)
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="link a creator to their public platform accounts",
            retention_days=None,
            subject_columns=("creator_id",),
            legal_basis="legitimate interests (Art. 6(1)(f))",
        )
    },
)

audience_snapshots = Table(
    "audience_snapshots",
    metadata,
    _ws(),
    Column("account_id", String(200), primary_key=True),
    Column("captured_on", Date, primary_key=True),
    Column("followers_count", BigInteger, nullable=False),
    Column("following_count", BigInteger),
    Column("age_bands", JSON),
    Column("genders", JSON),
    Column("countries", JSON),
    ForeignKeyConstraint(
        ["workspace", "account_id"],
        ["creator_accounts.workspace", "creator_accounts.account_id"],
    ),
)

follower_accounts = Table(
    "follower_accounts",
    metadata,
    _ws(),
    Column("follower_key", String(32), primary_key=True),
    Column("username_length", Integer),
    Column("username_digit_count", Integer),
    Column("full_name_length", Integer),
    Column("biography_length", Integer),
    Column("posts_count", BigInteger),
    Column("followers_count", BigInteger),
    Column("following_count", BigInteger),
    Column("has_profile_pic", Boolean),
    Column("is_private", Boolean),
    Column("has_external_url", Boolean),
    Column("last_seen", Date),  # the day an import last brought the record (retention)
    info={
        "personal_data": PersonalData(
            subject="follower",
            purpose="estimate audience authenticity (fake-follower share) for brand safety",
            retention_days=180,
            subject_columns=("follower_key",),
            legal_basis="legitimate interests (Art. 6(1)(f)); minimised to counts and flags",
        )
    },
    sqlite_with_rowid=False,  # one B-tree keyed by the pseudonym: ~20% faster bulk upserts
)

follows = Table(
    "follows",
    metadata,
    _ws(),
    Column("creator_account_id", String(200), primary_key=True),
    Column("follower_key", String(32), primary_key=True),
    Column("followed_on", Date),
    Column("last_seen", Date),  # the day an import last brought the record (retention)
    ForeignKeyConstraint(
        ["workspace", "creator_account_id"],
        ["creator_accounts.workspace", "creator_accounts.account_id"],
    ),
    ForeignKeyConstraint(
        ["workspace", "follower_key"],
        ["follower_accounts.workspace", "follower_accounts.follower_key"],
        ondelete="CASCADE",
    ),
    Index("ix_follows_follower", "workspace", "follower_key"),
    info={
        "personal_data": PersonalData(
            subject="follower",
            purpose="estimate audience authenticity and follower-growth anomalies",
            retention_days=180,
            subject_columns=("follower_key",),
            legal_basis="legitimate interests (Art. 6(1)(f))",
        )
    },
    sqlite_with_rowid=False,
)

campaigns = Table(
    "campaigns",
    metadata,
    _ws(),
    Column("campaign_id", String(200), primary_key=True),
    Column("brand_id", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("goal", String(20), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("budget", Float),
    Column("currency", String(3), nullable=False),
    ForeignKeyConstraint(["workspace", "brand_id"], ["brands.workspace", "brands.brand_id"]),
)

briefs = Table(
    "briefs",
    metadata,
    _ws(),
    Column("brief_id", String(200), primary_key=True),
    Column("brand_id", String(200), nullable=False),
    Column("campaign_id", String(200)),
    Column("goal", String(20), nullable=False),
    Column("topics", JSON, nullable=False),
    Column("audience_countries", JSON, nullable=False),
    Column("audience_age_bands", JSON, nullable=False),
    Column("platforms", JSON, nullable=False),
    Column("budget", Float),
    Column("currency", String(3), nullable=False),
    Column("category", String(40), nullable=False),
    ForeignKeyConstraint(["workspace", "brand_id"], ["brands.workspace", "brands.brand_id"]),
)

deals = Table(
    "deals",
    metadata,
    _ws(),
    Column("deal_id", String(200), primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    Column("creator_id", String(200), nullable=False),
    Column("compensation", String(20), nullable=False),
    Column("amount", Float),
    Column("currency", String(3), nullable=False),
    Column("affiliate_code", String(100)),
    Column("signed_on", Date),
    Column("material_connection", Boolean, nullable=False),
    Column("last_seen", Date),  # the day an import last brought the record (retention)
    ForeignKeyConstraint(
        ["workspace", "campaign_id"], ["campaigns.workspace", "campaigns.campaign_id"]
    ),
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="contract management and disclosure-duty tracking",
            retention_days=2555,
            subject_columns=("creator_id",),
            legal_basis="contract (Art. 6(1)(b)); legal obligation for records",
        )
    },
)

posts = Table(
    "posts",
    metadata,
    _ws(),
    Column("post_id", String(200), primary_key=True),
    Column("account_id", String(200), nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    Column("media_type", String(20), nullable=False),
    Column("caption", Text),
    Column("hashtags", JSON, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("views", BigInteger),
    Column("shares", BigInteger),
    Column("saves", BigInteger),
    Column("paid_partnership", Boolean, nullable=False),
    Column("campaign_id", String(200)),
    # disclosure in the video itself and declared AI content (docs/disclosure.md); 0011
    Column("disclosure_in_video", Boolean),
    Column("spoken_disclosure", Boolean),
    Column("ai_generated", Boolean, nullable=False, server_default=false()),
    Column("ai_altered", Boolean, nullable=False, server_default=false()),
    ForeignKeyConstraint(
        ["workspace", "account_id"],
        ["creator_accounts.workspace", "creator_accounts.account_id"],
    ),
    Index("ix_posts_account", "workspace", "account_id", "posted_at"),
    Index("ix_posts_campaign", "workspace", "campaign_id"),
)

# Metric snapshots of a post over time (interchange kind ``post_metrics``): cumulative
# counts as observed at ``observed_at``. ``source`` says whose figures they are:
# ``insights`` (first-party, authorised by the creator: reach and impressions known) or
# ``public`` (public counts only). The primary key orders a post's snapshots by time, so
# a campaign's latest snapshot per post is its posts (``ix_posts_campaign``) joined to
# the last key of each post here.
post_metrics = Table(
    "post_metrics",
    metadata,
    _ws(),
    Column("post_id", String(200), primary_key=True),
    Column("observed_at", DateTime(timezone=True), primary_key=True),
    Column("views", BigInteger),
    Column("reach", BigInteger),
    Column("impressions", BigInteger),
    Column("likes", BigInteger),
    Column("comments", BigInteger),
    Column("shares", BigInteger),
    Column("saves", BigInteger),
    Column("link_clicks", BigInteger),
    Column("source", String(10), nullable=False),  # insights | public (MetricSource)
    ForeignKeyConstraint(["workspace", "post_id"], ["posts.workspace", "posts.post_id"]),
)

comments = Table(
    "comments",
    metadata,
    _ws(),
    Column("comment_id", String(200), primary_key=True),
    Column("post_id", String(200), nullable=False),
    Column("author_key", String(32), nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("likes", BigInteger, nullable=False),
    ForeignKeyConstraint(["workspace", "post_id"], ["posts.workspace", "posts.post_id"]),
    Index("ix_comments_author", "workspace", "author_key"),
    Index("ix_comments_post", "workspace", "post_id"),
    info={
        "personal_data": PersonalData(
            subject="commenter",
            purpose="conversation analysis (sentiment, brand safety, bot-like patterns)",
            retention_days=90,
            subject_columns=("author_key",),
            legal_basis="legitimate interests (Art. 6(1)(f)); @mentions masked at import",
        )
    },
)

tracking_events = Table(
    "tracking_events",
    metadata,
    _ws(),
    Column("event_id", String(200), primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("event_type", String(20), nullable=False),
    Column("post_id", String(200)),
    Column("creator_id", String(200)),
    Column("quantity", Integer, nullable=False),
    Column("value", Float),
    Column("currency", String(3)),
    Column("order_id", String(200)),  # the shop's order id: one order is counted once
    Column("promo_code", String(100)),  # as typed at checkout
    Column("link_id", String(200)),  # a tracked link (tracked_links.link_id), e.g. utm_content
    Column("touch_key", String(200)),  # pseudonymous visitor key joining clicks to orders
    Column("received_at", DateTime(timezone=True)),  # set by the server; null when imported
    ForeignKeyConstraint(
        ["workspace", "campaign_id"], ["campaigns.workspace", "campaigns.campaign_id"]
    ),
    Index("ix_events_campaign", "workspace", "campaign_id", "occurred_at"),
    Index("ix_events_order", "workspace", "campaign_id", "order_id"),
    Index("ix_events_touch", "workspace", "touch_key"),
    info={
        "personal_data": PersonalData(
            subject="visitor",
            purpose="attribute orders to the creator whose link or code led to them "
            "(last click within the attribution window); the visitor appears only as a "
            "pseudonymous touch_key, never an e-mail or IP address",
            retention_days=395,
            subject_columns=("touch_key",),
            legal_basis="legitimate interests (Art. 6(1)(f)); the shop's consent for its "
            "tracking where ePrivacy requires it",
        )
    },
)

# A tracked link (UTM or affiliate link) and the creator (and post) it belongs to
# (interchange kind ``tracked_links``): clicks and orders naming ``link_id`` are the
# creator's touches.
tracked_links = Table(
    "tracked_links",
    metadata,
    _ws(),
    Column("link_id", String(200), primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    Column("creator_id", String(200), nullable=False),
    Column("post_id", String(200)),
    Column("url", Text),
    Column("last_seen", Date),  # the day an import last brought the record (retention)
    ForeignKeyConstraint(
        ["workspace", "campaign_id"], ["campaigns.workspace", "campaigns.campaign_id"]
    ),
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    Index("ix_tracked_links_campaign", "workspace", "campaign_id"),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="credit a creator with the clicks and orders their links led to",
            retention_days=2555,
            subject_columns=("creator_id",),
            legal_basis="contract (Art. 6(1)(b)); legal obligation for records",
        )
    },
)

consent_records = Table(
    "consent_records",
    metadata,
    _ws(),
    Column("consent_id", String(200), primary_key=True),
    Column("creator_id", String(200), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("source", String(200), nullable=False),
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="proof of consent for profiling, contact and declared attributes",
            retention_days=None,
            subject_columns=("creator_id",),
            legal_basis="legal obligation to demonstrate consent (Art. 7(1))",
        )
    },
)

declared_attributes = Table(
    "declared_attributes",
    metadata,
    _ws(),
    Column("declaration_id", String(200), primary_key=True),
    Column("creator_id", String(200), nullable=False),
    Column("attribute", String(20), nullable=False),
    Column("value", String(60), nullable=False),
    Column("declared_at", DateTime(timezone=True), nullable=False),
    Column("consent_id", String(200), nullable=False),
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    ForeignKeyConstraint(
        ["workspace", "consent_id"], ["consent_records.workspace", "consent_records.consent_id"]
    ),
    Index("ix_declared_attributes_creator", "workspace", "creator_id"),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="fairness audits of rankings; never used to rank",
            retention_days=None,
            subject_columns=("creator_id",),
            legal_basis="explicit consent (Art. 6(1)(a), Art. 9(2)(a)); special-category "
            "data declared by the creator, never inferred",
            retention_rule="until the creator withdraws declared_attributes consent "
            "(withdrawal hides them at once; `privacy withdraw-consent` deletes them)",
        )
    },
)

creator_audits = Table(
    "creator_audits",
    metadata,
    _ws(),
    Column("creator_id", String(200), primary_key=True),
    Column("audit_seq", Integer, primary_key=True),
    Column("generated_at", DateTime(timezone=True), nullable=False),
    Column("model_name", String(100)),
    Column("model_version", String(50)),
    Column("quality_score", Float, nullable=False),
    Column("result", Text, nullable=False),
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="audience-authenticity audits shown to brands and to the creator",
            retention_days=730,
            subject_columns=("creator_id",),
            legal_basis="legitimate interests (Art. 6(1)(f)); creator may contest (Art. 21/22)",
        )
    },
)

disputes = Table(
    "disputes",
    metadata,
    Column("dispute_id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("creator_id", String(200), nullable=False),
    Column("audit_seq", Integer),
    Column("filed_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("reviewer", String(200)),
    Column("decision", Text),
    Column("resolved_at", DateTime(timezone=True)),
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    Index("ix_disputes_creator", "workspace", "creator_id"),
    Index("ix_disputes_status", "workspace", "status"),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="contest an automated assessment and record the human decision",
            retention_days=2555,
            subject_columns=("creator_id",),
            legal_basis="legal obligation and GDPR Art. 22(3) right to contest",
        )
    },
)

shortlists = Table(
    "shortlists",
    metadata,
    _ws(),
    Column("shortlist_id", String(64), primary_key=True),
    Column("brief_id", String(200), nullable=False),
    Column("campaign_id", String(200)),
    Column("brief_digest", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("model_versions", JSON, nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Index("ix_shortlists_campaign", "workspace", "campaign_id"),
)

shortlist_entries = Table(
    "shortlist_entries",
    metadata,
    _ws(),
    Column("shortlist_id", String(64), primary_key=True),
    Column("creator_id", String(200), primary_key=True),
    Column("rank", Integer),
    Column("score", Float),
    Column("components", JSON, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("source", String(20), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("reason", Text),
    Column("added_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(
        ["workspace", "shortlist_id"], ["shortlists.workspace", "shortlists.shortlist_id"]
    ),
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="propose creators for a campaign, with explained scores, for human approval",
            retention_days=730,
            subject_columns=("creator_id",),
            legal_basis="legitimate interests (Art. 6(1)(f)); human review before any contract "
            "(Art. 22)",
        )
    },
)

shortlist_decisions = Table(
    "shortlist_decisions",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("shortlist_id", String(64), nullable=False),
    Column("creator_id", String(200), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("audit_seq", Integer, nullable=False),
    ForeignKeyConstraint(
        ["workspace", "shortlist_id", "creator_id"],
        [
            "shortlist_entries.workspace",
            "shortlist_entries.shortlist_id",
            "shortlist_entries.creator_id",
        ],
    ),
    Index("ix_shortlist_decisions_entry", "workspace", "shortlist_id", "creator_id"),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="record the named person's approval or rejection before any deal (append-only)",
            retention_days=2555,
            subject_columns=("creator_id",),
            legal_basis="legitimate interests and accountability (Art. 5(2), Art. 22(3))",
        )
    },
)

comment_labels = Table(
    "comment_labels",
    metadata,
    _ws(),
    Column("comment_id", String(200), primary_key=True),
    Column("post_id", String(200), nullable=False),
    Column("day", Date, nullable=False),
    Column("language", String(12), nullable=False),
    Column("sentiment", String(10)),
    Column("p_negative", Float),
    Column("p_neutral", Float),
    Column("p_positive", Float),
    Column("sentiment_score", Float),
    Column("offensive_probability", Float),
    Column("offensive", Boolean),
    Column("hate_probability", Float),
    Column("hate", Boolean),
    Column("flags", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("corrected", Boolean, nullable=False),
    Column("analysed_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(
        ["workspace", "comment_id"], ["comments.workspace", "comments.comment_id"]
    ),
    Index("ix_comment_labels_post_day", "workspace", "post_id", "day"),
    info={
        "personal_data": PersonalData(
            subject="commenter",
            purpose="per-comment sentiment and brand-safety labels behind conversation aggregates",
            retention_days=90,
            subject_columns=("comment_id",),
            legal_basis="legitimate interests (Art. 6(1)(f)); deleted with the comment text",
        )
    },
)

label_corrections = Table(
    "label_corrections",
    metadata,
    Column("correction_id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("comment_id", String(200), nullable=False),
    Column("field", String(20), nullable=False),
    Column("old_value", String(20)),
    Column("new_value", String(20), nullable=False),
    Column("corrected_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("corrected_at", DateTime(timezone=True), nullable=False),
    Column("audit_seq", Integer, nullable=False),
    Index("ix_label_corrections_comment", "workspace", "comment_id"),
    info={
        "personal_data": PersonalData(
            subject="user",
            purpose="who corrected a machine label and why (accountability; extra training data)",
            retention_days=2555,
            subject_columns=("corrected_by",),
            legal_basis="legitimate interests (Art. 6(1)(f))",
        )
    },
)

conversation_daily = Table(
    "conversation_daily",
    metadata,
    _ws(),
    Column("post_id", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("comments", Integer, nullable=False),
    Column("scored", Integer, nullable=False),
    Column("negative", Integer, nullable=False),
    Column("neutral", Integer, nullable=False),
    Column("positive", Integer, nullable=False),
    Column("score_sum", Float, nullable=False),
    Column("offensive", Integer, nullable=False),
    Column("hate", Integer, nullable=False),
    Column("unsafe", Integer, nullable=False),
    Column("unsupported_language", Integer, nullable=False),
    Column("no_text", Integer, nullable=False),
    Column("corrected", Integer, nullable=False),
    Column("model", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # set when retention deleted the day's comments: the row is then final
    Column("text_expired_at", DateTime(timezone=True), nullable=True),
    ForeignKeyConstraint(["workspace", "post_id"], ["posts.workspace", "posts.post_id"]),
)


# --- identity: people, API keys and dashboard sessions (trustreach.services._identity) ---

users = Table(
    "users",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("workspace", String(64), nullable=False),
    Column("email", String(254), nullable=False, unique=True),  # stored lower-cased
    Column("password_hash", String(200), nullable=False),  # Argon2id, PHC string
    Column("role", String(20), nullable=False),
    Column("creator_id", String(200)),  # role creator: the creator they are
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
    ForeignKeyConstraint(["workspace"], ["workspaces.workspace"]),
    ForeignKeyConstraint(
        ["workspace", "creator_id"], ["creators.workspace", "creators.creator_id"]
    ),
    Index("ix_users_workspace", "workspace"),
    info={
        "personal_data": PersonalData(
            subject="user",
            purpose="sign in to the dashboard and name the person who acted in the audit log",
            retention_days=None,
            subject_columns=("email",),
            legal_basis="contract (Art. 6(1)(b)); legitimate interests in accountability "
            "(Art. 5(2))",
            retention_rule="while the workspace exists: disabling stops sign-in and keeps "
            "the row so the audit log can still name who acted (deleting a person is not "
            "offered yet)",
        )
    },
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),  # public: 'trk_' + 12 characters
    Column("workspace", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("label", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),  # SHA-256 of the secret, hex
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    ForeignKeyConstraint(["workspace"], ["workspaces.workspace"]),
    Index("ix_api_keys_workspace", "workspace"),
    info={
        "personal_data": PersonalData(
            subject="user",
            purpose="who created each API key (accountability for what the key does)",
            retention_days=None,
            subject_columns=("created_by",),
            legal_basis="legitimate interests in accountability (Art. 5(2), Art. 6(1)(f))",
            retention_rule="while the key is listed; revoked keys are kept so the audit "
            "log can still name them",
        )
    },
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),  # SHA-256 of the cookie, hex
    Column("user_id", String(32), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    ForeignKeyConstraint(["user_id"], ["users.user_id"], ondelete="CASCADE"),
    Index("ix_web_sessions_user", "user_id"),
    info={
        "personal_data": PersonalData(
            subject="user",
            purpose="keep a signed-in person signed in to the dashboard",
            retention_days=None,
            subject_columns=("user_id",),
            legal_basis="contract (Art. 6(1)(b))",
            retention_rule="until the session ends or expires; ended and expired sessions "
            "are deleted at the next sign-in and by `privacy enforce-retention`",
        )
    },
)


# --- work on the server: long-running jobs and idempotent POSTs (trustreach.services._jobs) ---

jobs = Table(
    "jobs",
    metadata,
    Column("job_id", String(32), primary_key=True),
    Column("workspace", String(64), nullable=False),
    Column("kind", String(40), nullable=False),  # import | audit | analyze-comments | nlp-analyze
    Column("status", String(20), nullable=False),  # queued|running|succeeded|failed|interrupted
    Column("created_by", String(200), nullable=False),  # Actor.audit_name
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("progress_done", BigInteger, nullable=False, default=0),
    Column("progress_total", BigInteger),
    Column("params", Text, nullable=False),  # JSON: what the job was asked to do
    Column("result", Text),  # JSON summary when it succeeded
    Column("error", Text),  # one plain sentence when it failed
    Column("runner", String(200)),  # host:pid of the process running it
    ForeignKeyConstraint(["workspace"], ["workspaces.workspace"]),
    Index("ix_jobs_workspace_created", "workspace", "created_at"),
    info={
        "personal_data": PersonalData(
            subject="user",
            purpose="who started each job (accountability for what it changed)",
            retention_days=None,
            subject_columns=("created_by",),
            legal_basis="legitimate interests in accountability (Art. 5(2), Art. 6(1)(f))",
            retention_rule="while the workspace exists, like the audit log that names the "
            "same person; a finished job's results (result, results.ndjson) 30 days after "
            "it finished (`privacy enforce-retention`)",
        )
    },
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("owner", String(200), primary_key=True),  # Actor.audit_name of the caller
    Column("idem_key", String(200), primary_key=True),  # the Idempotency-Key header
    Column("request_hash", String(64), nullable=False),  # SHA-256 of method, path and body
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),  # set once the response is known
    Column("response_body", Text),
    ForeignKeyConstraint(["workspace"], ["workspaces.workspace"]),
    info={
        "personal_data": PersonalData(
            subject="user",
            purpose="answer a retried request with the first answer instead of acting twice",
            retention_days=1,
            subject_columns=("owner",),
            legal_basis="legitimate interests in correct processing (Art. 6(1)(f))",
        )
    },
)


audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("workspace", String(64)),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(300)),
    Column("model_name", String(100)),
    Column("model_version", String(50)),
    Column("input_digest", String(64)),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)


# Incremental campaign aggregates (services/_live.py, docs/campaigns.md "Near real
# time"): kept in the transaction that accepts events, rebuilt from the events when
# ``campaign_live.signature`` is null or no longer matches the campaign's deal codes
# and tracked links. Derived data only: no visitor key is copied here.
campaign_live = Table(
    "campaign_live",
    metadata,
    _ws(),
    Column("campaign_id", String(200), primary_key=True),
    Column("version", BigInteger, nullable=False),  # +1 whenever the aggregates change
    Column("signature", String(64)),  # of the codes and links attributed with; null: rebuild
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

campaign_orders = Table(
    "campaign_orders",
    metadata,
    _ws(),
    Column("campaign_id", String(200), primary_key=True),
    Column("order_key", String(210), primary_key=True),  # order_id, or "event:" + event_id
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("value", Float),
    Column("currency", String(3)),
    Column("creator_id", String(200)),
    Column("post_id", String(200)),
    Column("rule", String(4), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("event_ids", JSON, nullable=False),
    # covers the sums of a big campaign's orders (services._live.summed_orders)
    Index(
        "ix_campaign_orders_totals",
        "workspace",
        "campaign_id",
        "rule",
        "currency",
        "value",
        "occurred_at",
    ),
)

campaign_clicks = Table(
    "campaign_clicks",
    metadata,
    _ws(),
    Column("campaign_id", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("link_id", String(200), primary_key=True),  # "" when the click named none
    Column("creator_id", String(200), primary_key=True),  # the event's own, "" when none
    Column("post_id", String(200), primary_key=True),  # the event's own, "" when none
    Column("clicks", BigInteger, nullable=False),  # the sum of the events' quantity
    Column("last_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class ProcessingEntry:
    """One line of the record of processing (GDPR Art. 30): a table and its declaration."""

    table: str
    declaration: PersonalData

    @property
    def retention(self) -> str:
        """Retention in plain words."""
        days = self.declaration.retention_days
        if days is None and self.declaration.retention_rule:
            return self.declaration.retention_rule
        if days is None:
            return "until the subject or the workspace is erased"
        return f"{days} days after last update"


def processing_register() -> list[ProcessingEntry]:
    """Every table declaring personal data, sorted by table name.

    >>> names = [e.table for e in processing_register()]
    >>> names == sorted(names) and {"api_keys", "comment_labels"} <= set(names)
    True
    """
    return [
        ProcessingEntry(table.name, table.info["personal_data"])
        for table in sorted(metadata.tables.values(), key=lambda t: t.name)
        if isinstance(table.info.get("personal_data"), PersonalData)
    ]


# campaign alerts (their own module; registered on this metadata)
from trustreach.store._alert_tables import (  # noqa: E402, I001
    alert_deliveries as alert_deliveries,
    alert_webhooks as alert_webhooks,
    alerts as alerts,
    campaign_targets as campaign_targets,
)

# disclosure obligations accepted with a deal (their own module; registered on this metadata)
from trustreach.store._compliance_tables import (  # noqa: E402
    deal_obligations as deal_obligations,
)

# data-subject rights: requests, objections, tombstones (their own module; on this metadata)
from trustreach.store._rights_tables import (  # noqa: E402
    erasure_retained as erasure_retained,
    erasure_tombstones as erasure_tombstones,
    profiling_objections as profiling_objections,
    rights_requests as rights_requests,
)

# retention: tombstones and cutoffs of expired rows (their own module; on this metadata)
from trustreach.store._retention_tables import (  # noqa: E402
    erasure_bars as erasure_bars,
    retention_cutoffs as retention_cutoffs,
    retention_tombstones as retention_tombstones,
)
