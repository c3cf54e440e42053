"""Audit-log use-cases: verify the chain, list records."""

from __future__ import annotations

from trustreach.core import Settings, get_settings
from trustreach.ethics.audit import AuditEntry, ChainHead, read_audit, verify_chain
from trustreach.services._context import open_store, read_anchor


def verify_audit_log(settings: Settings | None = None) -> ChainHead | None:
    """Verify the whole chain against the anchored head; return the head.

    Raises :class:`~trustreach.core.AuditChainError` naming the first broken record.
    """
    settings = settings or get_settings()
    engine = open_store(settings)
    try:
        with engine.connect() as connection:
            return verify_chain(connection, anchor=read_anchor(settings))
    finally:
        engine.dispose()


def list_audit(
    *, workspace: str | None = None, limit: int = 20, settings: Settings | None = None
) -> list[AuditEntry]:
    """The last ``limit`` audit records (optionally of one workspace), oldest first."""
    engine = open_store(settings or get_settings())
    try:
        with engine.connect() as connection:
            return list(read_audit(connection, workspace=workspace, limit=limit))
    finally:
        engine.dispose()
