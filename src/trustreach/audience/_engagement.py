"""Engagement level against follower-band peers, and likes per comment.

**Engagement level.** A post's engagement rate is ``(likes + comments) /
followers``; an account's level is the median over its posts. Engagement
rates fall with audience size, so an account is compared with the accounts of
other creators in the same follower band (:data:`FOLLOWER_BANDS`). The
comparison is on the log scale: ``log(rate) - median(log(peer rates))``, in
units of the peers' robust spread (1.4826 MAD, at least
:data:`PEER_SPREAD_FLOOR`). The signal is raised when the account is at least
:data:`OUTLIER_RATIO` times the band median **and** :data:`OUTLIER_Z` robust
units above it, over at least :data:`MIN_POSTS` posts. A band with fewer
than :data:`MIN_PEERS` peers is widened to the neighbouring bands.

**Likes per comment.** Real audiences comment at a fairly steady rate: per
post, ``log((likes + 1) / (comments + 1))`` varies little around a creator's
own level. Likes bought on some posts, without the comments and views that
real reach brings, widen that spread and lift the level. The signal is
raised on strong evidence only: an interquartile range of the log ratio of at
least :data:`RATIO_SPREAD_MAX` (the middle half of posts spans a factor of
``e**0.65``, about 1.9; organic creators in the synthetic worlds stay below
``e**0.57``), a median above :data:`LIKES_PER_COMMENT_HIGH` or below
:data:`LIKES_PER_COMMENT_LOW` likes per comment, or a spread below
:data:`RATIO_SPREAD_MIN` (too uniform to be organic).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from trustreach.audience._signals import pct, ramp
from trustreach.audience._types import Signal
from trustreach.core import plural

FOLLOWER_BANDS: tuple[tuple[str, int, float], ...] = (
    ("under 10k", 0, 10_000),
    ("10k-100k", 10_000, 100_000),
    ("100k-1M", 100_000, 1_000_000),
    ("1M and more", 1_000_000, math.inf),
)
"""Follower bands: label, lower bound (inclusive), upper bound (exclusive)."""

MIN_POSTS = 10
"""Posts needed before engagement level or likes per comment is judged."""
MIN_PEERS = 5
"""Peers needed in a band before it is used without widening."""
PEER_SPREAD_FLOOR = 0.25
"""Smallest robust spread of peers' log engagement rate."""
OUTLIER_RATIO = 2.0
"""Engagement at least this many times the band median ..."""
OUTLIER_Z = 2.5
"""... and at least this many robust spreads above it."""
RATIO_SPREAD_MAX = 0.65
"""Interquartile range of log likes per comment above which the mix is uneven."""
RATIO_SPREAD_MIN = 0.03
"""Interquartile range below which likes per comment are too uniform."""
LIKES_PER_COMMENT_HIGH = 250.0
"""Median likes per comment above this: far too few comments for the likes."""
LIKES_PER_COMMENT_LOW = 3.0
"""Median likes per comment below this: far too many comments for the likes."""


def follower_band(followers: float) -> str:
    """The follower band label of an audience size.

    >>> follower_band(42_000), follower_band(2_500_000)
    ('10k-100k', '1M and more')
    """
    for label, lo, hi in FOLLOWER_BANDS:
        if lo <= followers < hi:
            return label
    return FOLLOWER_BANDS[0][0]


def _band_index(followers: float) -> int:
    for i, (_, lo, hi) in enumerate(FOLLOWER_BANDS):
        if lo <= followers < hi:
            return i
    return 0


def _engagement_rates(posts: pl.DataFrame, followers: float) -> pl.Series:
    eng = pl.col("likes").fill_null(0) + pl.col("comments").fill_null(0)
    return posts.select((eng.cast(pl.Float64) / followers).alias("rate"))["rate"]


def peer_bands(posts: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """One peer row per account: its median engagement rate and follower band.

    Parameters
    ----------
    posts : polars.DataFrame
        ``posts`` rows of all creators: ``account_id``, ``likes``, ``comments``.
    accounts : polars.DataFrame
        ``creator_accounts`` rows: ``account_id``, ``creator_id``,
        ``followers_count``.

    Returns
    -------
    polars.DataFrame
        Columns ``creator_id``, ``account_id``, ``followers``,
        ``median_engagement_rate``, ``posts`` and ``band``; accounts with
        fewer than :data:`MIN_POSTS` posts or no followers are left out.
    """
    eng = (pl.col("likes").fill_null(0) + pl.col("comments").fill_null(0)).cast(pl.Float64)
    joined = posts.select("account_id", eng.alias("_eng")).join(
        accounts.select(
            "account_id",
            "creator_id",
            pl.col("followers_count").cast(pl.Float64).alias("followers"),
        ),
        on="account_id",
    )
    out = (
        joined.filter(pl.col("followers") > 0)
        .group_by("creator_id", "account_id")
        .agg(
            pl.col("followers").first(),
            (pl.col("_eng") / pl.col("followers")).median().alias("median_engagement_rate"),
            pl.len().alias("posts"),
        )
        .filter(pl.col("posts") >= MIN_POSTS)
        .sort("creator_id", "account_id")
    )
    return out.with_columns(
        pl.col("followers").map_elements(follower_band, return_dtype=pl.String).alias("band")
    )


def _peer_group(
    peers: pl.DataFrame, followers: float, creator_id: str | None
) -> tuple[pl.DataFrame, str]:
    if creator_id is not None and "creator_id" in peers.columns:
        peers = peers.filter(pl.col("creator_id") != creator_id)
    peers = peers.filter(
        pl.col("median_engagement_rate").is_not_null() & (pl.col("median_engagement_rate") > 0)
    )
    bands = [_band_index(f) for f in peers["followers"].cast(pl.Float64).to_list()]
    own = _band_index(followers)
    lo = hi = own
    while True:
        chosen = peers.filter(pl.Series([lo <= b <= hi for b in bands], dtype=pl.Boolean))
        if chosen.height >= MIN_PEERS or (lo == 0 and hi == len(FOLLOWER_BANDS) - 1):
            break
        lo, hi = max(0, lo - 1), min(len(FOLLOWER_BANDS) - 1, hi + 1)
    if lo == hi:
        label = f"{FOLLOWER_BANDS[lo][0]} followers"
    elif hi == len(FOLLOWER_BANDS) - 1 and lo == 0:
        label = "any number of followers"
    else:
        low = FOLLOWER_BANDS[lo][1]
        high = FOLLOWER_BANDS[hi][2]
        label = (
            f"{_short(low)}-{_short(high)} followers"
            if high != math.inf
            else (f"{_short(low)} followers or more")
        )
    return chosen, label


def _short(n: float) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g}M"
    if n >= 1_000:
        return f"{n / 1_000:g}k"
    return f"{n:g}"


def engagement_outliers(
    posts: pl.DataFrame,
    followers: int,
    peers: pl.DataFrame,
    *,
    creator_id: str | None = None,
) -> Signal:
    """Compare an account's engagement rate with creators of the same follower band.

    Parameters
    ----------
    posts : polars.DataFrame
        The account's posts: ``likes``, ``comments``.
    followers : int
        The account's follower count.
    peers : polars.DataFrame
        ``creator_id``, ``followers``, ``median_engagement_rate`` per peer
        account (as built by :func:`peer_bands`).
    creator_id : str, optional
        The creator's own id, left out of the peers.

    Returns
    -------
    Signal
        ``engagement_outlier``; ``details`` holds ``posts``,
        ``median_engagement_rate``, ``peer_band``, ``peer_median``, ``peers``,
        ``ratio`` and ``robust_z``.
    """
    n = posts.height
    band = follower_band(followers)
    if followers <= 0 or n < MIN_POSTS:
        evidence = (
            f"Only {plural(n, 'post')} available; at least {MIN_POSTS} are needed to compare "
            "engagement with peers."
            if followers > 0
            else "The follower count is unknown, so the engagement rate cannot be computed."
        )
        thin: dict[str, object] = {"posts": n, "peer_band": band, "measured": False}
        return Signal("engagement_outlier", False, 0.0, evidence, thin)
    rate = _engagement_rates(posts, float(followers)).median()
    own = float(rate) if isinstance(rate, (int, float)) else 0.0
    group, label = _peer_group(peers, float(followers), creator_id)
    details: dict[str, object] = {
        "posts": n,
        "median_engagement_rate": round(own, 6),
        "peer_band": band,
        "peer_group": label,
        "peers": group.height,
    }
    if group.height < 3 or own <= 0:
        evidence = (
            f"Median engagement of {pct(own)} of followers per post over {plural(n, 'post')}; "
            "too few peers to compare with."
        )
        return Signal("engagement_outlier", False, 0.0, evidence, {**details, "measured": False})
    logs = np.log(group["median_engagement_rate"].cast(pl.Float64).to_numpy())
    center = float(np.median(logs))
    spread = max(1.4826 * float(np.median(np.abs(logs - center))), PEER_SPREAD_FLOOR)
    log_ratio = math.log(own) - center
    z = log_ratio / spread
    ratio = math.exp(log_ratio)
    details.update(
        peer_median=round(math.exp(center), 6), ratio=round(ratio, 3), robust_z=round(z, 2)
    )
    raised = ratio >= OUTLIER_RATIO and z >= OUTLIER_Z
    base = (
        f"Median engagement of {pct(own)} of followers per post over {plural(n, 'post')} is "
        f"{ratio:.1f} times the {pct(math.exp(center))} median of "
        f"{plural(group.height, 'peer account')} with {label}"
    )
    if raised:
        evidence = f"{base}, far above what accounts of this size usually get."
        strength = 0.5 + 0.5 * ramp(log_ratio, math.log(OUTLIER_RATIO), math.log(6.0))
    else:
        evidence = f"{base}, within the usual range for accounts of this size."
        strength = 0.5 * ramp(log_ratio, 0.0, math.log(OUTLIER_RATIO))
    return Signal("engagement_outlier", raised, strength, evidence, details)


def like_comment_ratio(posts: pl.DataFrame) -> Signal:
    """Look for likes-per-comment patterns that real audiences rarely show.

    Parameters
    ----------
    posts : polars.DataFrame
        One account's (or creator's) posts: ``likes``, ``comments``.

    Returns
    -------
    Signal
        ``like_comment_ratio``; ``details`` holds ``posts``,
        ``median_likes_per_comment``, ``quartiles`` (of likes per comment),
        ``log_spread`` (interquartile range of the log ratio) and ``reasons``.
    """
    frame = posts.select(
        pl.col("likes").fill_null(0).cast(pl.Float64), pl.col("comments").fill_null(0)
    ).filter((pl.col("likes") + pl.col("comments")) > 0)
    n = frame.height
    if n < MIN_POSTS:
        evidence = (
            f"Only {plural(n, 'post')} with engagement available; at least {MIN_POSTS} are needed "
            "to judge likes per comment."
        )
        return Signal("like_comment_ratio", False, 0.0, evidence, {"posts": n, "measured": False})
    likes = frame["likes"].to_numpy().astype(np.float64)
    comments = frame["comments"].cast(pl.Float64).to_numpy().astype(np.float64)
    lr = np.log((likes + 1.0) / (comments + 1.0))
    q1, med, q3 = (float(v) for v in np.quantile(lr, [0.25, 0.5, 0.75]))
    iqr = q3 - q1
    per = math.exp(med)
    reasons: list[str] = []
    parts: list[str] = []
    strength = 0.0
    if iqr >= RATIO_SPREAD_MAX:
        reasons.append("uneven")
        parts.append(
            f"likes per comment swing from {math.exp(q1):.0f} to {math.exp(q3):.0f} across the "
            f"middle half of {plural(n, 'post')} (organic posts usually stay within a factor "
            "of 1.8)"
        )
        strength = max(strength, 0.5 + 0.5 * ramp(iqr, RATIO_SPREAD_MAX, 1.8))
    if per >= LIKES_PER_COMMENT_HIGH:
        reasons.append("too_few_comments")
        parts.append(f"a typical post draws {per:.0f} likes per comment, far more than usual")
        strength = max(
            strength,
            0.5 + 0.5 * ramp(med, math.log(LIKES_PER_COMMENT_HIGH), math.log(1000.0)),
        )
    if per <= LIKES_PER_COMMENT_LOW:
        reasons.append("too_many_comments")
        parts.append(f"a typical post draws only {per:.1f} likes per comment, far fewer than usual")
        strength = max(strength, 0.5 + 0.5 * ramp(-med, -math.log(LIKES_PER_COMMENT_LOW), 0.0))
    if iqr <= RATIO_SPREAD_MIN:
        reasons.append("too_uniform")
        parts.append(
            f"likes per comment stay within {pct(math.expm1(iqr))} of each other over the "
            f"middle half of {plural(n, 'post')}, more uniform than organic engagement"
        )
        strength = max(strength, 0.6)
    details: dict[str, object] = {
        "posts": n,
        "median_likes_per_comment": round(per, 2),
        "quartiles": [round(math.exp(q1), 2), round(math.exp(q3), 2)],
        "log_spread": round(iqr, 3),
        "reasons": reasons,
    }
    if reasons:
        text = "; ".join(parts)
        return Signal(
            "like_comment_ratio", True, strength, f"{text[0].upper()}{text[1:]}.", details
        )
    evidence = (
        f"A typical post draws {per:.0f} likes per comment, and the middle half of "
        f"{plural(n, 'post')} ranges from {math.exp(q1):.0f} to {math.exp(q3):.0f}, a usual "
        "pattern."
    )
    weak = 0.5 * max(ramp(iqr, 0.45, RATIO_SPREAD_MAX), ramp(med, math.log(120.0), math.log(250.0)))
    return Signal("like_comment_ratio", False, weak, evidence, details)
