"""Small-group suppression for audience breakdowns (ethics rule T5).

An audience breakdown (people per age band, gender or country) is shown to a
brand only where every bucket it shows holds at least ``minimum`` people
(``TRUSTREACH_MIN_BUCKET_SIZE``, default 100, as Instagram does). Hiding a small
bucket is not enough when the audience's size is shown too: its size minus
the shown buckets gives the hidden one back. So:

1. **Primary suppression.** A bucket with at least one but fewer than
   ``minimum`` people is hidden. Empty buckets say nothing about anyone and
   stay visible.
2. **Complementary suppression.** Everything that is not shown (the hidden
   buckets and the people in no bucket, such as an unreported remainder)
   can be worked out as one sum, the total minus the shown buckets. For each
   small bucket, the rest of that sum must hold at least ``minimum`` people,
   so the sum never pins the bucket down; the smallest shown buckets are
   hidden, one at a time, until it does.
3. **Withheld.** When no choice of buckets achieves that (an audience under
   about twice the minimum), every bucket is hidden and only the total
   remains.

The outcome: the displayed numbers (shown buckets, the total, and anything
computed from them, like the unreported share) span no hidden bucket, so no
combination of them recovers one. Breakdowns over different dimensions of the
same audience (age and country) do not leak into each other, since each is a
partition of the same people and the only sum they share is the total.

>>> result = suppress_small_buckets({"18-24": 700, "25-34": 250, "65+": 50})
>>> result.shown
{'18-24': 700.0}
>>> sorted(result.hidden.items())
[('25-34', 'complementary'), ('65+', 'small')]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_MINIMUM = 100
"""People a shown bucket must hold at least (ethics rule T5; ``min_bucket_size``)."""

SMALL = "small"
"""Reason: the bucket holds fewer people than the minimum."""
COMPLEMENTARY = "complementary"
"""Reason: hidden so that a small bucket cannot be worked out from the others."""
WITHHELD = "withheld"
"""Reason: the audience is too small for any bucket to be shown safely."""

REASONS = {
    SMALL: "fewer than {minimum} people",
    COMPLEMENTARY: "hidden so that a smaller group cannot be worked out from the rest",
    WITHHELD: "the audience is too small for a breakdown of at least {minimum} per group",
}
"""Each reason in plain words (``{minimum}`` filled in by :meth:`Breakdown.reason`)."""


@dataclass(frozen=True)
class Breakdown:
    """What may be shown of one audience breakdown, and why the rest is not.

    Attributes
    ----------
    shown : dict of str to float
        People per bucket that may be displayed, in the input's order.
    hidden : dict of str to str
        Each hidden bucket and its reason (:data:`SMALL`, :data:`COMPLEMENTARY`
        or :data:`WITHHELD`).
    total : float
        The people the breakdown is of (shown buckets, hidden buckets and
        those in no bucket); it may be displayed.
    minimum : int
        The threshold applied.
    """

    shown: dict[str, float]
    hidden: dict[str, str]
    total: float
    minimum: int
    withheld: bool = field(default=False)

    def reason(self, bucket: str) -> str:
        """Why ``bucket`` is hidden, in plain words (KeyError when it is shown)."""
        return REASONS[self.hidden[bucket]].format(minimum=self.minimum)

    def shares(self) -> dict[str, float]:
        """The shown buckets as shares of :attr:`total` (empty when the total is 0)."""
        if self.total <= 0:
            return {}
        return {bucket: count / self.total for bucket, count in self.shown.items()}

    @property
    def not_shown(self) -> float:
        """People in hidden buckets or in none: the total minus the shown buckets."""
        return max(self.total - math.fsum(self.shown.values()), 0.0)


def _check(counts: Mapping[str, float], minimum: int, total: float | None) -> float:
    if minimum < 1:
        raise ValueError(f"minimum must be at least 1 person, got {minimum}")
    for bucket, count in counts.items():
        if not math.isfinite(count) or count < 0:
            raise ValueError(f"bucket {bucket!r} holds {count!r} people; must be a number >= 0")
    summed = math.fsum(counts.values())
    if total is None:
        return summed
    if not math.isfinite(total) or total < summed * (1 - 1e-9) - 1e-9:
        raise ValueError(f"total {total!r} must be a number at least the buckets' sum ({summed:g})")
    return float(total)


def suppress_small_buckets(
    counts: Mapping[str, float],
    *,
    minimum: int = DEFAULT_MINIMUM,
    total: float | None = None,
) -> Breakdown:
    """Hide buckets under ``minimum`` people and the complements that would reveal them.

    Parameters
    ----------
    counts : mapping of str to float
        People per bucket (fractions allowed, as from shares × audience size).
    minimum : int
        Smallest number of people a shown bucket may hold (>= 1).
    total : float, optional
        People the breakdown is of, when more than the buckets' sum (a
        remainder in no bucket, such as an unreported share). Default: the sum.

    Returns
    -------
    Breakdown
        The shown buckets, the hidden ones with reasons, and the total.

    Examples
    --------
    A remainder of unreported people protects a small bucket as a hidden
    bucket would:

    >>> suppress_small_buckets({"f": 520, "m": 450, "x": 30}, total=1150).hidden
    {'x': 'small'}
    >>> suppress_small_buckets({"US": 60}, total=60).withheld
    True
    """
    whole = _check(counts, minimum, total)
    counts = {str(k): float(v) for k, v in counts.items()}
    small = {b for b, n in counts.items() if 0 < n < minimum}
    hidden: dict[str, str] = {b: SMALL for b in counts if b in small}
    if not small:
        return Breakdown(dict(counts), {}, whole, minimum)
    remainder = max(whole - math.fsum(counts.values()), 0.0)

    def protected() -> bool:
        mass = remainder + math.fsum(counts[b] for b in hidden)
        return all(mass - counts[b] >= minimum for b in small)

    candidates = sorted(
        (b for b in counts if b not in hidden and counts[b] > 0), key=lambda b: (counts[b], b)
    )
    while not protected() and candidates:
        hidden[candidates.pop(0)] = COMPLEMENTARY
    if not protected():
        everything = {b: (SMALL if b in small else WITHHELD) for b in counts}
        return Breakdown({}, everything, whole, minimum, withheld=True)
    shown = {b: n for b, n in counts.items() if b not in hidden}
    ordered = {b: hidden[b] for b in counts if b in hidden}
    return Breakdown(shown, ordered, whole, minimum)


def suppress_shares(
    shares: Mapping[str, float],
    *,
    audience: float,
    minimum: int = DEFAULT_MINIMUM,
) -> Breakdown:
    """:func:`suppress_small_buckets` for shares of an audience of ``audience`` people.

    Platforms report breakdowns as shares; a bucket's people are its share
    times the audience's size, and shares adding up to less than 1 leave a
    remainder of people in no bucket.

    >>> shown = suppress_shares({"18-24": 0.6, "25-34": 0.35, "65+": 0.05}, audience=1000)
    >>> shown.shares(), shown.hidden
    ({'18-24': 0.6}, {'25-34': 'complementary', '65+': 'small'})
    """
    if not math.isfinite(audience) or audience < 0:
        raise ValueError(f"audience must be a number of people >= 0, got {audience!r}")
    for bucket, share in shares.items():
        if not math.isfinite(share) or not 0 <= share <= 1:
            raise ValueError(f"share of {bucket!r} is {share!r}; must be between 0 and 1")
    counts = {bucket: share * audience for bucket, share in shares.items()}
    return suppress_small_buckets(
        counts, minimum=minimum, total=max(audience, math.fsum(counts.values()))
    )
