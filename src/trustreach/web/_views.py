"""What the pages show: creators rows, their sorting and filtering, the evidence in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trustreach.core import ConfigurationError
from trustreach.services import CreatorAuditLine, CreatorLine

SIGNAL_NAMES = {
    "follower_spike": "Sudden follower growth",
    "engagement_outlier": "Engagement unlike peers",
    "like_comment_ratio": "Unusual likes per comment",
    "engagement_pod": "Accounts commenting on most posts",
    "bot_comments": "Bursts of generic comments",
}
"""Plain-language names of the engagement signals an audit can raise."""

SORT_KEYS = ("name", "followers", "engagement", "quality", "fake_share", "signals")
"""What the creators list sorts by (``-KEY`` sorts in descending order)."""


ACCOUNT_TABLES = frozenset({"users", "web_sessions", "api_keys", "audit_log"})
"""Tables about who may sign in and what they did: not the workspace's marketing data."""


def record_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The overview's "records held": data kinds in name order, sign-in tables left out.

    >>> record_counts({"posts": 3, "users": 2, "creators": 1})
    [('creators', 1), ('posts', 3)]
    """
    return sorted((k, v) for k, v in counts.items() if k not in ACCOUNT_TABLES)


def signal_name(kind: str) -> str:
    """The plain-language name of a signal kind.

    >>> signal_name("bot_comments")
    'Bursts of generic comments'
    """
    return SIGNAL_NAMES.get(kind, kind.replace("_", " ").capitalize())


@dataclass(frozen=True)
class CreatorRow:
    """One line of the creators list: the creator and, if audited, their latest audit."""

    creator: CreatorLine
    audit: CreatorAuditLine | None


def parse_sort(sort: str) -> tuple[str, bool]:
    """``(key, descending)`` for a ``sort`` query parameter.

    >>> parse_sort("-quality")
    ('quality', True)
    >>> parse_sort("size")
    Traceback (most recent call last):
    ...
    trustreach.core._exceptions.ConfigurationError: sort 'size' not allowed; allowed: name, ...
    """
    key = sort[1:] if sort.startswith("-") else sort
    if key not in SORT_KEYS:
        allowed = ", ".join(SORT_KEYS)
        raise ConfigurationError(
            f"sort {sort!r} not allowed; allowed: {allowed} (prefix '-' for descending)"
        )
    return key, sort.startswith("-")


def _value(row: CreatorRow, key: str) -> Any:
    if key == "name":
        return row.creator.display_name.casefold()
    if key == "followers":
        return row.creator.followers
    if key == "engagement":
        return row.creator.median_engagement_rate
    if row.audit is None:
        return None
    if key == "quality":
        return row.audit.quality_score
    if key == "fake_share":
        return row.audit.fake_share
    return len(row.audit.raised_signals)


def creator_rows(
    creators: list[CreatorLine],
    audits: dict[str, CreatorAuditLine],
    *,
    sort: str = "name",
    query: str = "",
    niche: str = "",
) -> list[CreatorRow]:
    """The creators that match ``query`` (name or id) and ``niche``, sorted by ``sort``.

    Creators without a value for the sort key (not audited, no posts) come last
    in either direction; ties keep creator_id order.
    """
    key, descending = parse_sort(sort)
    wanted, wanted_niche = query.strip().casefold(), niche.strip().casefold()
    rows = [
        CreatorRow(c, audits.get(c.creator_id))
        for c in sorted(creators, key=lambda c: c.creator_id)
        if (not wanted or wanted in c.display_name.casefold() or wanted in c.creator_id.casefold())
        and (not wanted_niche or wanted_niche in (n.casefold() for n in c.niches))
    ]
    known = [r for r in rows if _value(r, key) is not None]
    unknown = [r for r in rows if _value(r, key) is None]
    known.sort(key=lambda r: _value(r, key), reverse=descending)
    return known + unknown


def percent(value: float | None, digits: int = 0) -> str:
    """A share as a percentage for people (``—`` when missing).

    >>> percent(0.5883), percent(None), percent(0.0123, 1)
    ('59%', '—', '1.2%')
    """
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


def fake_share_sentence(share: dict[str, Any] | None) -> str:
    """The estimated fake-looking follower share and its interval, in words about evidence."""
    if not share or share.get("estimate") is None:
        return "No estimate: too few followers could be sampled and scored."
    sample = share.get("sample_size")
    scored = f" It rests on {sample:,} sampled follower accounts." if sample else ""
    return (
        f"An estimated {percent(share['estimate'])} of followers show signals of being "
        f"fake-looking accounts (95% interval {percent(share.get('low'), 1)} to "
        f"{percent(share.get('high'), 1)}).{scored}"
    )
