"""Creators who objected to profiling (GDPR Art. 21): read by discovery and audits.

A small module of its own so that the discovery index and the audience audit can
leave objecting creators out without depending on the rights use-cases
(:mod:`trustreach.services._rights`), which record the objection.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from trustreach.core import ConfigurationError
from trustreach.store._rights_tables import profiling_objections


class ProfilingObjected(ConfigurationError):
    """The creator objected to profiling: no new audit or ranking of them is made."""


def objecting(
    connection: Connection, workspace: str, creator_ids: Iterable[str] | None = None
) -> set[str]:
    """The creators of ``workspace`` (of ``creator_ids`` when given) who objected."""
    query = select(profiling_objections.c.creator_id).where(
        profiling_objections.c.workspace == workspace
    )
    if creator_ids is not None:
        query = query.where(profiling_objections.c.creator_id.in_(sorted(set(creator_ids))))
    return {str(c) for c in connection.execute(query).scalars()}


def require_not_objecting(connection: Connection, workspace: str, creator_id: str) -> None:
    """:class:`ProfilingObjected` when the creator objected to profiling."""
    if objecting(connection, workspace, [creator_id]):
        raise ProfilingObjected(
            f"creator {creator_id!r} objected to profiling (GDPR Art. 21): no new audit or "
            "ranking of them is made; the objection is listed by `trustreach rights list`"
        )
