"""Shared pieces of the engagement-fraud signals and the Audience Quality score.

The signals themselves live in :mod:`._spikes` (follower growth),
:mod:`._engagement` (engagement level and likes per comment) and
:mod:`._comments` (engagement pods and bot-like comments). Each is a pure
function over polars frames named like the store tables and returns a
:class:`~trustreach.audience._types.Signal` whose ``evidence`` sentence
describes what was measured, never a verdict about a person.

This module holds what they share (the Wilson interval, number formatting,
merging per-account signals) and :func:`audience_quality`, which turns a
fake-follower share and the signals into one 0-100 score made of named,
weighted, explained components.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

from trustreach.audience._types import AudienceQuality, FakeShare, QualityComponent, Signal
from trustreach.core import plural

SIGNAL_KINDS: tuple[str, ...] = (
    "follower_spike",
    "engagement_outlier",
    "like_comment_ratio",
    "engagement_pod",
    "bot_comments",
)
"""The kinds of :class:`Signal` the detectors produce."""

#: Weights of the Audience Quality components (they add up to 1). The real
#: follower share dominates because it is the most direct measure of who a
#: brand reaches; growth and engagement authenticity come next; the engagement
#: level and the comment/like consistency are weaker, more indirect evidence.
QUALITY_WEIGHTS: dict[str, float] = {
    "Real followers": 0.35,
    "Follower growth": 0.20,
    "Engagement authenticity": 0.25,
    "Engagement level vs peers": 0.10,
    "Comment/like consistency": 0.10,
}

#: A fake-follower share at or above this maps to 0 on "Real followers"; a
#: share of 0 maps to 100 (linear in between). Audiences with no bought
#: followers typically show 5-15% fake-looking accounts.
FAKE_SHARE_AT_ZERO = 0.5

#: How much a signal that was *not* raised can still lower its component: an
#: unraised signal of strength s gives ``100 * (1 - UNRAISED_PENALTY * s)``.
UNRAISED_PENALTY = 0.3

_COMPONENT_KINDS: dict[str, tuple[str, ...]] = {
    "Follower growth": ("follower_spike",),
    "Engagement authenticity": ("engagement_pod", "bot_comments"),
    "Engagement level vs peers": ("engagement_outlier",),
    "Comment/like consistency": ("like_comment_ratio",),
}


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion of ``k`` successes in ``n`` trials.

    Parameters
    ----------
    k : int
        Number of successes, ``0 <= k <= n``.
    n : int
        Number of trials; ``n == 0`` gives the uninformative ``(0.0, 1.0)``.
    confidence : float, default 0.95
        Two-sided confidence level, strictly between 0 and 1.

    Returns
    -------
    tuple[float, float]
        Lower and upper bound, both in [0, 1].

    Raises
    ------
    ValueError
        If ``k`` or ``n`` is out of range or ``confidence`` is not in (0, 1).

    Examples
    --------
    >>> low, high = wilson_interval(10, 100)
    >>> round(low, 4), round(high, 4)
    (0.0552, 0.1744)
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    if n == 0:
        return (0.0, 1.0)
    z = NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, center - half)
    high = 1.0 if k == n else min(1.0, center + half)
    return (low, high)


def ramp(x: float, lo: float, hi: float) -> float:
    """0 at or below ``lo``, 1 at or above ``hi``, linear in between.

    >>> ramp(0.5, 0.0, 1.0)
    0.5
    """
    if hi <= lo:
        return 1.0 if x >= hi else 0.0
    return min(1.0, max(0.0, (x - lo) / (hi - lo)))


def to_float(value: object, default: float = 0.0) -> float:
    """A polars/numpy scalar as a float (``default`` for None, NaN or non-numbers).

    >>> to_float(3), to_float(None, 1.0)
    (3.0, 1.0)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return default if math.isnan(value) else float(value)


def pct(x: float) -> str:
    """A share as a short percentage: ``0.1834 -> '18%'``, ``0.031 -> '3.1%'``.

    >>> pct(0.1834), pct(0.031), pct(0.0004)
    ('18%', '3.1%', '0.04%')
    """
    v = 100.0 * x
    if abs(v) >= 10:
        return f"{v:.0f}%"
    if abs(v) >= 1:
        return f"{v:.1f}%"
    return f"{v:.2g}%"


def strongest_signal(signals: Sequence[Signal]) -> Signal:
    """Merge one kind's per-account signals into one creator-level signal.

    The raised signal with the highest strength wins (else the strongest
    unraised one measured on enough data); ``details["accounts"]`` says how
    many were merged and
    ``details["raised_accounts"]`` how many raised it.

    Raises
    ------
    ValueError
        If ``signals`` is empty or mixes kinds.
    """
    if not signals:
        raise ValueError("need at least one signal to merge")
    kinds = {s.kind for s in signals}
    if len(kinds) > 1:
        raise ValueError(f"cannot merge signals of different kinds: {sorted(kinds)}")
    best = max(signals, key=lambda s: (s.raised, s.details.get("measured", True), s.strength))
    if len(signals) == 1:
        return best
    details = dict(best.details)
    details["accounts"] = len(signals)
    details["raised_accounts"] = sum(s.raised for s in signals)
    return Signal(best.kind, best.raised, best.strength, best.evidence, details)


def _signal_value(signal: Signal) -> float:
    penalty = 1.0 if signal.raised else UNRAISED_PENALTY
    return 100.0 * (1.0 - penalty * min(1.0, max(0.0, signal.strength)))


def fake_share_sentence(fake_share: FakeShare) -> str:
    """One sentence for the estimated fake-looking share: the estimate and *its* interval.

    >>> from trustreach.audience._types import FakeShare
    >>> fake_share_sentence(FakeShare(0.052, 0.045, 0.036, 0.069, 4000, None, "m", "1",
    ...                               insufficient_data=3))  # doctest: +NORMALIZE_WHITESPACE
    "An estimated 5.2% of followers show signs of being fake (95% interval 3.6% to 6.9%,
    corrected for the model's validated error rates; 4.5% of 4,000 scored accounts flagged;
    3 sampled accounts had too little data to score)."
    """
    thin = fake_share.insufficient_data
    return (
        f"An estimated {pct(fake_share.estimate)} of followers show signs of being fake "
        f"(95% interval {pct(fake_share.low)} to {pct(fake_share.high)}, corrected for the "
        f"model's validated error rates; {pct(fake_share.flagged_share)} of "
        f"{fake_share.sample_size:,} scored accounts flagged"
        + (f"; {plural(thin, 'sampled account')} had too little data to score" if thin else "")
        + ")."
    )


def _real_followers(fake_share: FakeShare) -> tuple[float, str]:
    value = 100.0 * (1.0 - min(1.0, max(0.0, fake_share.estimate) / FAKE_SHARE_AT_ZERO))
    return value, fake_share_sentence(fake_share)


def _merge_by_kind(signals: Sequence[Signal]) -> dict[str, Signal]:
    groups: dict[str, list[Signal]] = {}
    for s in signals:
        groups.setdefault(s.kind, []).append(s)
    return {kind: strongest_signal(group) for kind, group in groups.items()}


def audience_quality(fake_share: FakeShare | None, signals: Sequence[Signal]) -> AudienceQuality:
    """Audience Quality score, 0-100 (higher is better), from named components.

    Components and weights are :data:`QUALITY_WEIGHTS`:

    - **Real followers** - ``100 * (1 - estimate / 0.5)`` of the fake-follower
      share (0 at 50% or more);
    - **Follower growth** - the ``follower_spike`` signal;
    - **Engagement authenticity** - the weaker of ``engagement_pod`` and
      ``bot_comments``;
    - **Engagement level vs peers** - ``engagement_outlier``;
    - **Comment/like consistency** - ``like_comment_ratio``.

    A raised signal of strength ``s`` gives ``100 * (1 - s)``; one that was not
    raised gives ``100 * (1 - 0.3 * s)``. A signal computed from too little
    data (``details["measured"] is False``) counts as not measured. Several
    signals of one kind (one per account) are merged with
    :func:`strongest_signal`. A component whose input is missing (no fake
    share, a signal not computed, too little data) keeps weight 0 and says so;
    its weight is shared among the measured components in proportion to their
    own weights, so the weights always add up to 1.

    Parameters
    ----------
    fake_share : FakeShare or None
        The estimated fake-follower share, or None when it is unknown.
    signals : sequence of Signal
        Any of the signals of :data:`SIGNAL_KINDS`.

    Returns
    -------
    AudienceQuality
        The score and its components (in :data:`QUALITY_WEIGHTS` order).

    Raises
    ------
    ValueError
        If nothing at all was measured.

    Examples
    --------
    >>> from trustreach.audience._types import Signal
    >>> calm = Signal("follower_spike", False, 0.0, "No sudden rise in followers.")
    >>> q = audience_quality(None, [calm])
    >>> q.score, [c.weight for c in q.components]
    (100.0, [0.0, 1.0, 0.0, 0.0, 0.0])
    """
    by_kind = _merge_by_kind(signals)
    measured: dict[str, tuple[float, str]] = {}
    thin: dict[str, str] = {}  # component -> why it could not be measured
    if fake_share is not None:
        measured["Real followers"] = _real_followers(fake_share)
    for name, kinds in _COMPONENT_KINDS.items():
        # a signal computed from too little data (details["measured"] is False)
        # says nothing about quality: it must not count as a perfect score
        present = [
            by_kind[k] for k in kinds if k in by_kind and by_kind[k].details.get("measured", True)
        ]
        if not present:
            thin_evidence = [
                by_kind[k].evidence
                for k in kinds
                if k in by_kind and not by_kind[k].details.get("measured", True)
            ]
            if thin_evidence:
                thin[name] = " ".join(thin_evidence)
            continue
        value = min(_signal_value(s) for s in present)
        raised = [s for s in present if s.raised]
        shown = raised or sorted(present, key=lambda s: -s.strength)[:1]
        evidence = " ".join(s.evidence for s in shown)
        if len(present) > 1 and not raised:
            evidence = " ".join(s.evidence for s in present)
        measured[name] = (value, evidence)
    if not measured:
        raise ValueError("nothing to score: no fake-follower share and no signals were given")
    total = sum(QUALITY_WEIGHTS[name] for name in measured)
    missing = [name for name in QUALITY_WEIGHTS if name not in measured]
    components: list[QualityComponent] = []
    for name, base in QUALITY_WEIGHTS.items():
        if name in measured:
            value, evidence = measured[name]
            components.append(QualityComponent(name, round(value, 1), base / total, evidence))
        else:
            if name == "Real followers":
                what = "The fake-follower share is unknown"
            elif name in thin:
                what = f"{thin[name]} So this was not measured"
            else:
                what = "This was not measured"
            components.append(
                QualityComponent(
                    name,
                    0.0,
                    0.0,
                    f"{what}; its weight of {base:.0%} was shared among the measured components.",
                )
            )
    if missing:
        note = ", ".join(missing)
        components = [
            c
            if c.weight == 0.0
            else QualityComponent(
                c.name,
                c.value,
                c.weight,
                f"{c.evidence} (Weight raised from {QUALITY_WEIGHTS[c.name]:.0%} to "
                f"{c.weight:.0%} because these were not measured: {note}.)",
            )
            for c in components
        ]
    score = sum(c.value * c.weight for c in components)
    return AudienceQuality(
        score=round(min(100.0, max(0.0, score)), 1), components=tuple(components)
    )
