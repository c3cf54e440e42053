"""How a stored time reads back: SQLite returns times without their zone, PostgreSQL with it."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["as_utc"]


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware datetime: a naive one (from SQLite) is UTC.

    >>> as_utc(datetime(2026, 1, 2, 3, 4)).isoformat()
    '2026-01-02T03:04:00+00:00'
    """
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
