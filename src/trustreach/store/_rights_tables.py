"""Tables of data-subject rights: requests with their deadlines, objections, tombstones.

Registered on the store's one :data:`~trustreach.store._tables.metadata` (imported
at the end of :mod:`trustreach.store._tables`); created by migration 0012.

- ``rights_requests``: every request a person made about their data (GDPR Art. 15-21,
  CCPA), its legal deadline, status and outcome. A third party (follower,
  commenter) appears only as their keyed pseudonym; an erased creator's reference
  is replaced by a keyed pseudonym of their id when the erasure runs.
- ``profiling_objections``: creators who objected to profiling (Art. 21); they are
  left out of the discovery index and of new audits from then on.
- ``erasure_tombstones``: where an erased creator's row was (a shortlist entry),
  so a reader sees "an entry was erased" instead of a silent gap.
- ``erasure_retained``: the minimal records an erasure had to keep for a legal
  obligation (Art. 17(3)(b)), under the erasure's pseudonym, with the date they go.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from trustreach.store._metadata import PersonalData, metadata

rights_requests = Table(
    "rights_requests",
    metadata,
    Column("request_id", String(32), primary_key=True),  # 'rr-' + 12 hex
    Column("workspace", String(64), nullable=False),
    Column("subject_kind", String(20), nullable=False),  # creator | follower | commenter
    Column("subject_ref", String(200), nullable=False),  # creator id, or a keyed pseudonym
    Column("right", String(20), nullable=False),  # access|export|rectification|erasure|objection
    Column("regime", String(10), nullable=False),  # gdpr | ccpa
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),  # received|in_progress|completed|refused|extended
    Column("outcome", Text),
    Column("handled_by", String(200), nullable=False),  # Actor.audit_name of the last handler
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_rights_requests_workspace", "workspace", "status", "deadline"),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="answer data-subject requests within their legal deadline and show "
            "that they were answered (GDPR Art. 12, 5(2); CCPA 1798.130)",
            retention_days=1095,
            subject_columns=("subject_ref",),
            legal_basis="legal obligation (Art. 6(1)(c)) to answer and document requests",
        )
    },
)

profiling_objections = Table(
    "profiling_objections",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("creator_id", String(200), primary_key=True),
    Column("objected_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("request_id", String(32)),
    Column("audit_seq", Integer, nullable=False),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="honour a creator's objection to profiling (Art. 21): no ranking, no "
            "discovery index row and no new audit from then on",
            retention_days=None,
            subject_columns=("creator_id",),
            legal_basis="legal obligation (Art. 6(1)(c), Art. 21)",
            retention_rule="while the creator is held; erased with the creator",
        )
    },
)

erasure_tombstones = Table(
    "erasure_tombstones",
    metadata,
    Column("tombstone_id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("container", String(40), nullable=False),  # e.g. 'shortlist'
    Column("container_id", String(200), nullable=False),  # e.g. the shortlist id
    Column("position", Integer),  # the entry's rank when it had one
    Column("erased_at", DateTime(timezone=True), nullable=False),
    Column("request_id", String(32)),
    Column("audit_seq", Integer, nullable=False),
    Index("ix_erasure_tombstones_container", "workspace", "container", "container_id"),
)

erasure_retained = Table(
    "erasure_retained",
    metadata,
    Column("retained_id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("subject_ref", String(200), nullable=False),  # the erasure's keyed pseudonym
    Column("kind", String(40), nullable=False),  # e.g. 'deal'
    Column("record", JSON, nullable=False),  # no name, handle, code or creator id
    Column("reason", Text, nullable=False),
    Column("keep_until", Date, nullable=False),
    Column("audit_seq", Integer, nullable=False),
    Index("ix_erasure_retained_subject", "workspace", "subject_ref"),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="keep what a legal obligation requires after an erasure (contract "
            "amounts and dates for bookkeeping), under a pseudonym only",
            retention_days=None,
            subject_columns=("subject_ref",),
            legal_basis="legal obligation (Art. 6(1)(c), Art. 17(3)(b))",
            retention_rule="until keep_until (the contract's bookkeeping period)",
        )
    },
)
