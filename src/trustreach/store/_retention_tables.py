"""Tables of retention: what expired, so that a re-import does not bring it back.

Registered on the store's one :data:`~trustreach.store._tables.metadata` (imported
at the end of :mod:`trustreach.store._tables`); created by migration 0013.

- ``retention_tombstones``: one row per expired row of a table whose clock is "last
  seen by an import" (followers, follows, deals, tracked links): a SHA-256 digest of
  its key (and, for follower accounts, of its values), never the key itself. The
  importer skips a record whose digest matches (reported as skipped-expired). A
  tombstone lasts one retention period of its table, then goes too.
- ``retention_cutoffs``: per workspace and table whose clock is the record's own time
  (comments' ``posted_at``, tracking events' ``occurred_at``), the latest cutoff
  enforced: the importer skips records older than it.
- ``erasure_bars``: the keys of a person erased at their request (a creator's id,
  account, post and comment ids; a follower's pseudonym), as keyed digests, kept
  for good: the importer skips every record holding one (services._erasure_bar).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, String, Table

from trustreach.store._metadata import PersonalData, metadata

retention_tombstones = Table(
    "retention_tombstones",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("table_name", String(64), primary_key=True),
    Column("key_digest", String(64), primary_key=True),  # SHA-256 of the row's key, hex
    Column("row_digest", String(64)),  # SHA-256 of its values, where a new observation counts
    Column("expired_at", DateTime(timezone=True), nullable=False),
    info={
        "personal_data": PersonalData(
            subject="follower",
            purpose="keep a record whose retention ran out from being imported again "
            "(storage limitation, Art. 5(1)(e)); a SHA-256 digest of the record's key "
            "(for followers, of a keyed pseudonym) and values, never the key",
            retention_days=None,
            subject_columns=("key_digest",),
            legal_basis="legal obligation (Art. 6(1)(c), Art. 5(1)(e))",
            retention_rule="one retention period of the table it stands for after the row "
            "expired; then `privacy enforce-retention` deletes it",
        )
    },
)

retention_cutoffs = Table(
    "retention_cutoffs",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("table_name", String(64), primary_key=True),
    Column("cutoff", DateTime(timezone=True), nullable=False),  # records before it expired
    Column("enforced_at", DateTime(timezone=True), nullable=False),
)

erasure_bars = Table(
    "erasure_bars",
    metadata,
    Column("workspace", String(64), primary_key=True),
    # which key: 'creator', 'account', 'post', 'comment' or 'person' (a follower's pseudonym)
    Column("key_kind", String(16), primary_key=True),
    Column("key_digest", String(64), primary_key=True),  # keyed digest of the key, never the key
    Column("barred_at", DateTime(timezone=True), nullable=False),
    info={
        "personal_data": PersonalData(
            subject="creator",
            purpose="keep a person erased at their request (Art. 17) from being imported "
            "again: a keyed digest of each key their records had (creator, account, post, "
            "comment ids; a follower's pseudonym), never the key, name or handle",
            retention_days=None,
            subject_columns=("key_digest",),
            legal_basis="legal obligation (Art. 6(1)(c), Art. 17(1))",
            retention_rule="permanent while the workspace exists: the erasure must hold "
            "against every later import",
        )
    },
)

__all__ = ["erasure_bars", "retention_cutoffs", "retention_tombstones"]
