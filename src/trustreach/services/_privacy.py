"""Privacy use-cases: the record of processing and erasure of a third party."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from trustreach.core import Settings, get_settings
from trustreach.ethics.audit import append_audit
from trustreach.ethics.privacy import Pseudonymizer, load_or_create_key
from trustreach.services._context import check_workspace, open_store, write_anchor
from trustreach.store import ProcessingEntry, processing_register
from trustreach.store._tables import comments, follower_accounts, follows


def record_of_processing() -> list[ProcessingEntry]:
    """Every table that holds personal data, with purpose, subject and retention."""
    return processing_register()


@dataclass(frozen=True)
class ErasureReport:
    """Rows removed for one subject, per table."""

    workspace: str
    subject_key: str
    removed: dict[str, int]
    audit_seq: int


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
    key = Pseudonymizer(load_or_create_key(settings.resolved_key_file()))(workspace, account_id)
    engine = open_store(settings)
    try:
        with engine.begin() as connection:
            removed = {}
            for table, column in (
                (follows, follows.c.follower_key),
                (comments, comments.c.author_key),
                (follower_accounts, follower_accounts.c.follower_key),
            ):
                result = connection.execute(
                    delete(table).where(table.c.workspace == workspace, column == key)
                )
                removed[table.name] = result.rowcount
            entry = append_audit(
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
        write_anchor(settings, entry.head)
        return ErasureReport(workspace, key, removed, entry.seq)
    finally:
        engine.dispose()
