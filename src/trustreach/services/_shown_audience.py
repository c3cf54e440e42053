"""Audience breakdowns as a view may show them: small buckets hidden, with the reason.

Every view of an audience breakdown (age bands, genders, countries) hides buckets
of fewer than ``Settings.min_bucket_size`` people and the complementary buckets that
would reveal them (rule T5, :func:`trustreach.ethics.privacy.suppress_shares`). The
discovery index applies it when it is built; this module applies it to the rows of
``audience_snapshots`` a view hands out as they are stored, such as a creator's own
export (:mod:`trustreach.services._rights`, :mod:`trustreach.services._api_reads`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustreach.ethics.privacy import suppress_shares

BREAKDOWN_COLUMNS = ("age_bands", "genders", "countries")
"""Columns of ``audience_snapshots`` that hold a breakdown as shares of the followers."""

UNKNOWN_AUDIENCE = "the audience's size is unknown, so no bucket's people are known"
"""Why a breakdown of a snapshot without a follower count is not shown."""


def shown_snapshot(record: Mapping[str, Any], minimum: int) -> dict[str, Any]:
    """``record`` (a row of ``audience_snapshots``) with only the buckets that may be shown.

    Each breakdown keeps its shown buckets (the stored shares); a withheld breakdown
    becomes ``None``. ``suppressed`` names every hidden bucket by breakdown, with the
    reason in plain words (empty when nothing is hidden).

    >>> row = {"followers_count": 1000, "age_bands": {"18-24": 0.6, "25-34": 0.35, "65+": 0.05}}
    >>> shown = shown_snapshot(row, 100)
    >>> shown["age_bands"], sorted(shown["suppressed"]["age_bands"])
    ({'18-24': 0.6}, ['25-34', '65+'])
    """
    out = dict(record)
    hidden: dict[str, dict[str, str]] = {}
    audience = record.get("followers_count")
    for column in BREAKDOWN_COLUMNS:
        raw = record.get(column)
        if not raw:
            continue
        shares = {str(k): float(v) for k, v in raw.items() if v is not None}
        if audience is None:
            out[column] = None
            hidden[column] = dict.fromkeys(shares, UNKNOWN_AUDIENCE)
            continue
        kept = suppress_shares(shares, audience=float(audience), minimum=minimum)
        out[column] = None if kept.withheld else {b: shares[b] for b in kept.shown}
        if kept.hidden:
            hidden[column] = {b: kept.reason(b) for b in kept.hidden}
    out["suppressed"] = hidden
    return out


def has_breakdowns(columns: Any) -> bool:
    """Whether a table's columns (names) hold audience breakdowns."""
    return any(c in columns for c in BREAKDOWN_COLUMNS) and "followers_count" in columns


__all__ = ["BREAKDOWN_COLUMNS", "UNKNOWN_AUDIENCE", "has_breakdowns", "shown_snapshot"]
