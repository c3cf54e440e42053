"""Privacy use-cases: the record of processing, erasure of a third party, consent.

Declared attributes (gender, ethnicity, disability, LGBTQ+) are special-category
data a creator chose to declare. They are read only through
:func:`declared_attributes`, which returns nothing for a creator whose latest
``declared_attributes`` consent is a withdrawal, and
:func:`withdraw_consent` records the withdrawal and deletes them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from trustreach.core import ConfigurationError, Settings, get_settings
from trustreach.ethics.privacy import Pseudonymizer, load_or_create_key
from trustreach.ingest import ConsentPurpose
from trustreach.services._audit_guard import (
    audited_transaction,
    confirm_anchor,
    record_audit,
)
from trustreach.services._context import (
    check_workspace,
    require_creator,
    require_workspace,
    store,
)
from trustreach.services._erasure_bar import bar_subject_keys
from trustreach.store import ProcessingEntry, processing_register
from trustreach.store._tables import (
    comment_labels,
    comments,
    consent_records,
    follower_accounts,
    follows,
)
from trustreach.store._tables import declared_attributes as declared_table

DECLARED_PURPOSE = ConsentPurpose.declared_attributes.value


def record_of_processing() -> list[ProcessingEntry]:
    """Every table that holds personal data, with purpose, subject and retention."""
    return processing_register()


@dataclass(frozen=True)
class ErasureReport:
    """Rows removed for one subject, per table."""

    workspace: str
    subject_key: str
    removed: dict[str, int]
    audit_seq: int | None  # None: nothing was keyed by the id, nothing written

    @property
    def nothing_to_do(self) -> bool:
        """No row was keyed by the id: nothing erased, no audit record."""
        return self.audit_seq is None


def erase_third_party(
    account_id: str,
    *,
    workspace: str = "default",
    actor: str = "cli",
    settings: Settings | None = None,
) -> ErasureReport:
    """Erase a follower or commenter by their platform id (GDPR Art. 17).

    The id is turned into the same keyed pseudonym the importer stored, and every
    row keyed by it is deleted (follows, the follower record, their comments).
    The audit record names only the pseudonym.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:  # first: no store, no key is created either
        with engine.connect() as connection:
            require_workspace(connection, workspace, settings)
        pseudonymizer = Pseudonymizer(load_or_create_key(settings.resolved_key_file()))
        key = pseudonymizer(workspace, account_id)
        with audited_transaction(settings, engine) as connection:
            removed = {}
            labels = delete(comment_labels).where(
                comment_labels.c.workspace == workspace,
                comment_labels.c.comment_id.in_(
                    select(comments.c.comment_id).where(
                        comments.c.workspace == workspace, comments.c.author_key == key
                    )
                ),
            )
            removed[comment_labels.name] = connection.execute(labels).rowcount
            for table, column in (
                (follows, follows.c.follower_key),
                (comments, comments.c.author_key),
                (follower_accounts, follower_accounts.c.follower_key),
            ):
                result = connection.execute(
                    delete(table).where(table.c.workspace == workspace, column == key)
                )
                removed[table.name] = result.rowcount
            if not any(removed.values()):
                connection.rollback()
                return ErasureReport(workspace, key, removed, None)
            # a later import must not bring them back: their pseudonym is barred for good
            bar_subject_keys(
                connection,
                pseudonymizer,
                workspace=workspace,
                keys={"person": [key]},
                at=datetime.now(UTC),
            )
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="erase_subject",
                workspace=workspace,
                subject=f"follower:{key}",
                details={"removed": removed},
            )
            left = connection.execute(
                select(follower_accounts.c.follower_key).where(
                    follower_accounts.c.workspace == workspace,
                    follower_accounts.c.follower_key == key,
                )
            ).first()
            assert left is None
        confirm_anchor(settings, entry.head)
        return ErasureReport(workspace, key, removed, entry.seq)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _consenting(connection: Connection, workspace: str, creator_ids: list[str] | None) -> set[str]:
    """Creators whose latest declared_attributes consent record is a grant.

    Latest by ``recorded_at``; at the same instant a withdrawal wins.
    """
    query = select(
        consent_records.c.creator_id, consent_records.c.recorded_at, consent_records.c.granted
    ).where(
        consent_records.c.workspace == workspace,
        consent_records.c.purpose == DECLARED_PURPOSE,
    )
    if creator_ids is not None:
        query = query.where(consent_records.c.creator_id.in_(creator_ids))
    latest: dict[str, tuple[datetime, bool]] = {}  # (recorded_at, is_withdrawal)
    for row in connection.execute(query):
        key = (_aware(row.recorded_at), not row.granted)
        if row.creator_id not in latest or key > latest[row.creator_id]:
            latest[row.creator_id] = key
    return {creator for creator, (_, withdrawn) in latest.items() if not withdrawn}


def declared_attributes(
    *,
    workspace: str = "default",
    creator_ids: Iterable[str] | None = None,
    settings: Settings | None = None,
) -> dict[str, dict[str, str]]:
    """Attributes creators declared, for fairness audits only: creator_id -> {attribute: value}.

    Only creators whose latest ``declared_attributes`` consent record (by
    ``recorded_at``) is a grant appear; after a withdrawal, by import or by
    :func:`withdraw_consent`, their attributes are gone from every read.
    Nothing is inferred: a creator who declared nothing is absent. When a
    creator declared the same attribute twice, the latest declaration counts.
    """
    workspace = check_workspace(workspace)
    wanted = None if creator_ids is None else sorted(set(creator_ids))
    with store(settings or get_settings()) as engine, engine.connect() as connection:
        allowed = _consenting(connection, workspace, wanted)
        if not allowed:
            return {}
        query = (
            select(
                declared_table.c.creator_id,
                declared_table.c.attribute,
                declared_table.c.value,
            )
            .where(declared_table.c.workspace == workspace)
            .order_by(
                declared_table.c.creator_id,
                declared_table.c.declared_at,
                declared_table.c.declaration_id,
            )
        )
        if wanted is not None:
            query = query.where(declared_table.c.creator_id.in_(wanted))
        out: dict[str, dict[str, str]] = {}
        for row in connection.execute(query):
            if row.creator_id in allowed:
                out.setdefault(row.creator_id, {})[row.attribute] = row.value
        return out


@dataclass(frozen=True)
class ConsentWithdrawal:
    """A recorded withdrawal and what it removed."""

    workspace: str
    creator_id: str
    purpose: str
    consent_id: str
    recorded_at: datetime
    attributes_deleted: int
    audit_seq: int


def withdraw_consent(
    creator_id: str,
    *,
    purpose: str,
    source: str = "cli",
    actor: str = "cli",
    workspace: str = "default",
    settings: Settings | None = None,
) -> ConsentWithdrawal:
    """Record that a creator withdrew consent for ``purpose``, in one transaction.

    Appends a ``granted = false`` consent record (the ledger is append-only),
    and for ``declared_attributes`` deletes the creator's declared attributes
    (minimisation: nothing is kept "just in case"). The withdrawal is dated now,
    or just after the creator's latest record for the purpose when that one is
    dated later, so it is always the latest. Audit-logged.
    """
    allowed = [p.value for p in ConsentPurpose]
    if purpose not in allowed:
        raise ConfigurationError(f"purpose {purpose!r} not allowed; allowed: {', '.join(allowed)}")
    source = source.strip()
    if not 1 <= len(source) <= 200:
        raise ConfigurationError("source must be 1-200 characters (who or what recorded it)")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            require_creator(connection, workspace, creator_id)
            last = connection.execute(
                select(func.max(consent_records.c.recorded_at)).where(
                    consent_records.c.workspace == workspace,
                    consent_records.c.creator_id == creator_id,
                    consent_records.c.purpose == purpose,
                )
            ).scalar_one()
            now = datetime.now(UTC)
            if last is not None and _aware(last) >= now:
                now = _aware(last) + timedelta(milliseconds=1)
            consent_id = f"withdrawal-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
            connection.execute(
                insert(consent_records).values(
                    workspace=workspace,
                    consent_id=consent_id,
                    creator_id=creator_id,
                    purpose=purpose,
                    granted=False,
                    recorded_at=now,
                    source=source,
                )
            )
            deleted = 0
            if purpose == DECLARED_PURPOSE:
                deleted = connection.execute(
                    delete(declared_table).where(
                        declared_table.c.workspace == workspace,
                        declared_table.c.creator_id == creator_id,
                    )
                ).rowcount
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="consent_withdrawn",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={
                    "purpose": purpose,
                    "consent_id": consent_id,
                    "source": source,
                    "declared_attributes_deleted": deleted,
                },
            )
        confirm_anchor(settings, entry.head)
        return ConsentWithdrawal(
            workspace, creator_id, purpose, consent_id, now, deleted, entry.seq
        )
