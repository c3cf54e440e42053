"""Alert rules for a running campaign: what needs a person's look, with the evidence.

Pure: plain values in, :class:`Finding` records out (the services store them,
deduplicate them and deliver them). An alert is evidence that something in the
campaign's figures departs from what was planned or expected; it is never a
verdict about a person. The thresholds are the module's constants and are
documented in docs/campaigns.md ("Alerts").

- ``off_pace``: the forecast's 80% interval for reach or conversions lies entirely
  below the campaign's target (:func:`off_pace`).
- ``over_budget``: the contracted deal amounts exceed the budget (:func:`over_budget`).
- ``engagement_anomaly``: between two snapshots of a post with first-party reach,
  the likes grew far more than the reach would bring, or a like count fell (bought
  likes are sometimes purged later) (:func:`engagement_anomalies`).
- ``negative_comments`` / ``unsafe_comments``: over the campaign's posts, the share of
  negative (or unsafe: offensive or hateful) comments in the last
  :data:`RECENT_DAYS` days is above the share before, with non-overlapping 95%
  Wilson intervals (:func:`comment_shares_rising`).
- ``disclosure``: a campaign post whose disclosure check (the rules engine,
  :mod:`trustreach.ethics.disclosure`) has a status in
  :data:`DISCLOSURE_ALERT_STATUSES`: ``non_compliant`` only (the service
  :mod:`trustreach.services._disclosure_alerts` reads and checks the posts).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from trustreach.campaigns._forecast import Forecast

RULES = (
    "off_pace",
    "over_budget",
    "engagement_anomaly",
    "negative_comments",
    "unsafe_comments",
    "disclosure",
)
#: Disclosure statuses that raise a ``disclosure`` alert: a rule not met. ``needs_review``
#: (the platform's label alone, words regulators advise against, a video whose own
#: disclosure is not known) goes to the compliance report for a person, not to alerts:
#: an alert is raised for what the rules find failing.
DISCLOSURE_ALERT_STATUSES = ("non_compliant",)
#: A likes increase between two snapshots is anomalous when it is more than this many
#: times what the reach gained in the interval would bring at the post's like rate so far
LIKES_JUMP_FACTOR = 3.0
#: ... and at least this many likes (small counts jump by chance).
LIKES_JUMP_MIN = 100
#: ... and at least this share of the likes the post had before the interval.
LIKES_JUMP_SHARE = 0.5
#: A like count that falls by at least this many between two snapshots is reported
#: (cumulative counts do not fall except when likes are removed).
LIKES_DROP_MIN = 50
#: The recent window of the comment rules (days, up to the day checked).
RECENT_DAYS = 3
#: The comment rules need this many analysed comments in the recent window and before it.
MIN_COMMENTS = 20
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class Finding:
    """One thing a rule found: the rule, what it is about, a summary and the evidence."""

    rule: str
    subject: str
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    creator_id: str | None = None


@dataclass(frozen=True)
class MetricPoint:
    """One snapshot of a post's cumulative reach and likes."""

    observed_at: datetime
    reach: int | None
    likes: int | None
    views: int | None = None


def off_pace(forecast: Forecast) -> list[Finding]:
    """A finding per goal (reach, conversions) whose forecast interval lies below its target."""
    out = []
    for metric in ("reach", "conversions"):
        p = forecast.projections.get(metric)
        if p is None or p.target is None or p.high is None or not p.off_pace:
            continue
        out.append(
            Finding(
                "off_pace",
                f"campaign:{forecast.campaign_id}:{metric}",
                f"projected {metric} at the campaign's end is {p.expected:,.0f} "
                f"(80% interval {p.low:,.0f}–{p.high:,.0f}), below the target of {p.target:,.0f}",
                {
                    "metric": metric,
                    "so_far": p.so_far,
                    "expected": p.expected,
                    "low": p.low,
                    "high": p.high,
                    "target": p.target,
                    "target_by_now": p.target_by_now,
                    "as_of": forecast.as_of.isoformat(),
                    "elapsed_share": round(forecast.elapsed_share, 4),
                    "method": p.method,
                },
            )
        )
    return out


def over_budget(
    campaign_id: str, committed: float | None, budget: float | None, currency: str
) -> list[Finding]:
    """A finding when the contracted deal amounts exceed the campaign's budget."""
    if committed is None or budget is None or committed <= budget:
        return []
    return [
        Finding(
            "over_budget",
            f"campaign:{campaign_id}",
            f"contracted deal amounts {committed:,.2f} {currency} exceed the budget of "
            f"{budget:,.2f} {currency} by {committed - budget:,.2f} {currency}",
            {"committed": round(committed, 2), "budget": budget, "currency": currency},
        )
    ]


def engagement_anomalies(
    post_id: str, creator_id: str | None, points: Sequence[MetricPoint]
) -> list[Finding]:
    """Likes jumps without matching reach, and like counts that fell, on one post.

    Needs first-party reach (an ``insights`` snapshot): a post with public counts only
    is not checked. The finding names the interval and the counts: evidence
    consistent with bought engagement, for a person to look into.
    """
    pts = sorted(
        (p for p in points if p.reach is not None and p.likes is not None),
        key=lambda p: p.observed_at,
    )
    jumps = []
    drops = []
    for prev, cur in itertools.pairwise(pts):
        assert prev.likes is not None and cur.likes is not None
        assert prev.reach is not None and cur.reach is not None
        d_likes = cur.likes - prev.likes
        d_reach = max(cur.reach - prev.reach, 0)
        if d_likes <= -LIKES_DROP_MIN:
            drops.append(_interval(prev, cur, d_likes, d_reach, None))
            continue
        if prev.reach <= 0:
            continue
        rate = prev.likes / prev.reach
        expected = rate * d_reach
        if (
            d_likes >= LIKES_JUMP_MIN
            and d_likes > LIKES_JUMP_FACTOR * expected
            and d_likes >= LIKES_JUMP_SHARE * prev.likes
        ):
            jumps.append(_interval(prev, cur, d_likes, d_reach, expected))
    if not jumps and not drops:
        return []
    parts = []
    if jumps:
        j = max(jumps, key=lambda x: x["likes_added"])
        parts.append(
            f"likes rose by {j['likes_added']:,} between {j['from']} and {j['to']} while reach "
            f"rose by {j['reach_added']:,} (about {j['likes_expected']:,.0f} likes expected "
            "at the post's like rate)"
        )
    if drops:
        d = drops[0]
        parts.append(f"likes fell by {-d['likes_added']:,} between {d['from']} and {d['to']}")
    return [
        Finding(
            "engagement_anomaly",
            f"post:{post_id}",
            "; ".join(parts) + ": consistent with bought engagement, to be checked",
            {"post_id": post_id, "jumps": jumps, "drops": drops},
            creator_id,
        )
    ]


def _interval(
    prev: MetricPoint, cur: MetricPoint, d_likes: int, d_reach: int, expected: float | None
) -> dict[str, Any]:
    return {
        "from": prev.observed_at.isoformat(),
        "to": cur.observed_at.isoformat(),
        "likes_before": prev.likes,
        "likes_after": cur.likes,
        "likes_added": d_likes,
        "reach_added": d_reach,
        "likes_expected": None if expected is None else round(expected, 1),
    }


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a share ``k / n``."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2 = _Z95 * _Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


@dataclass(frozen=True)
class CommentDay:
    """The analysed comments of a campaign's posts on one day."""

    day: date
    comments: int
    negative: int
    unsafe: int


def comment_shares_rising(
    campaign_id: str, days: Sequence[CommentDay], today: date
) -> list[Finding]:
    """Negative or unsafe comment shares in the last :data:`RECENT_DAYS` days above before.

    Only analysed comments count (``trustreach conversation analyze``); with fewer than
    :data:`MIN_COMMENTS` in either window the rule says nothing.
    """
    start = today - timedelta(days=RECENT_DAYS - 1)
    recent = [d for d in days if start <= d.day <= today]
    before = [d for d in days if d.day < start]
    n_recent = sum(d.comments for d in recent)
    n_before = sum(d.comments for d in before)
    if n_recent < MIN_COMMENTS or n_before < MIN_COMMENTS:
        return []
    out = []
    for rule, attr, word in (
        ("negative_comments", "negative", "negative"),
        ("unsafe_comments", "unsafe", "unsafe (offensive or hateful)"),
    ):
        k_recent = sum(getattr(d, attr) for d in recent)
        k_before = sum(getattr(d, attr) for d in before)
        lo_recent, hi_recent = wilson(k_recent, n_recent)
        lo_before, hi_before = wilson(k_before, n_before)
        if lo_recent > hi_before:
            out.append(
                Finding(
                    rule,
                    f"campaign:{campaign_id}",
                    f"{word} comments on the campaign's posts: {k_recent / n_recent:.1%} of "
                    f"{n_recent} in the last {RECENT_DAYS} days, against "
                    f"{k_before / n_before:.1%} of {n_before} before",
                    {
                        "recent": {
                            "from": start.isoformat(),
                            "to": today.isoformat(),
                            "comments": n_recent,
                            attr: k_recent,
                            "interval": [round(lo_recent, 4), round(hi_recent, 4)],
                        },
                        "before": {
                            "comments": n_before,
                            attr: k_before,
                            "interval": [round(lo_before, 4), round(hi_before, 4)],
                        },
                    },
                )
            )
    return out


__all__ = [
    "DISCLOSURE_ALERT_STATUSES",
    "LIKES_DROP_MIN",
    "LIKES_JUMP_FACTOR",
    "LIKES_JUMP_MIN",
    "LIKES_JUMP_SHARE",
    "MIN_COMMENTS",
    "RECENT_DAYS",
    "RULES",
    "CommentDay",
    "Finding",
    "MetricPoint",
    "comment_shares_rising",
    "engagement_anomalies",
    "off_pace",
    "over_budget",
    "wilson",
]
