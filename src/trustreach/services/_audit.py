"""Audit-log use-cases: verify the chain, list records."""

from __future__ import annotations

from trustreach.core import Settings, get_settings
from trustreach.ethics.audit import AuditEntry, ChainHead, read_audit, verify_chain
from trustreach.services._context import read_anchor, store


def verify_audit_log(settings: Settings | None = None) -> ChainHead | None:
    """Verify the whole chain against the anchored head; return the head.

    Raises :class:`~trustreach.core.AuditChainError` naming the first broken record.
    """
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as connection:
        return verify_chain(connection, anchor=read_anchor(settings))


def list_audit(
    *, workspace: str | None = None, limit: int = 20, settings: Settings | None = None
) -> list[AuditEntry]:
    """The last ``limit`` audit records (optionally of one workspace), oldest first."""
    with store(settings or get_settings(), create=False) as engine, engine.connect() as connection:
        return list(read_audit(connection, workspace=workspace, limit=limit))
