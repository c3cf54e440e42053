"""Sudden rises in a follower history (signals of purchased followers).

The rule, in words: take the daily relative change of the follower count
(``log`` difference per day, so gaps between snapshots are spread evenly over
the missing days), subtract its centred rolling median (the account's usual
growth at that time) and divide by the robust spread of what is left (1.4826
times its median absolute deviation, floored so a perfectly flat history does
not make every wobble infinite). That is a robust z per day.

Consecutive days with z of at least :data:`EXTEND_Z` form one episode; an
episode is a *spike* when its peak day reaches :data:`SPIKE_Z` **and** the
followers it added beyond the usual growth reach :data:`MIN_EXCESS_GAIN` of
the count before it. Bursts of purchased followers land within one to three
days and add 5% or more; ordinary days never come close.

Organic viral moments are the confounder: a post takes off and followers
follow, typically adding 1-4% over a few days with a decaying tail. They stay
below the gain floor, and when a post is given they are also *explained*: a
spike adding less than :data:`CLEAR_EXCESS_GAIN` is not raised when a post
published from :data:`VIRAL_LOOKBACK_DAYS` days before it to its last day
drew at least :data:`VIRAL_MULTIPLE` times the account's median engagement
(likes + comments, and views where the platform reports them), because
matching engagement is what organic growth looks like and purchased
followers do not bring it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from trustreach.audience._signals import pct, ramp
from trustreach.audience._types import Signal, Spike

FloatArray = npt.NDArray[np.float64]

MIN_HISTORY_POINTS = 14
"""Fewer daily counts than this give no growth signal."""
ROLLING_WINDOW_DAYS = 21
"""Width of the centred rolling median that defines the usual daily change."""
MAD_FLOOR = 2e-4
"""Smallest robust spread of the daily relative change (0.02% a day)."""
SPIKE_Z = 6.0
"""Robust z the peak day of an episode must reach."""
EXTEND_Z = 3.0
"""Robust z that keeps a day inside an episode."""
MIN_EXCESS_GAIN = 0.045
"""Followers added beyond usual growth, relative to the count before, for a spike."""
CLEAR_EXCESS_GAIN = 0.08
"""Above this a viral post no longer explains a spike."""
VIRAL_MULTIPLE = 3.0
"""A post with this many times the median engagement counts as viral."""
VIRAL_LOOKBACK_DAYS = 3
"""A viral post may precede the rise by up to this many days."""


@dataclass(frozen=True)
class _Episode:
    first: int  # index into the interval arrays
    last: int
    spike: Spike
    excess: float
    explained_by: str | None = None


def _rolling_median(x: FloatArray, window: int) -> FloatArray:
    half = window // 2
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = np.median(x[max(0, i - half) : i + half + 1])
    return out


def _prepare(history: pl.DataFrame) -> tuple[list[date], FloatArray]:
    missing = {"captured_on", "followers_count"} - set(history.columns)
    if missing:
        raise ValueError(
            f"history needs columns captured_on and followers_count; missing {missing}"
        )
    if "account_id" in history.columns and history["account_id"].n_unique() > 1:
        raise ValueError("history must hold one account; merge per-account signals afterwards")
    frame = (
        history.select(pl.col("captured_on").cast(pl.Date), pl.col("followers_count"))
        .drop_nulls()
        .unique("captured_on", keep="last")
        .sort("captured_on")
    )
    dates: list[date] = frame["captured_on"].to_list()
    counts = frame["followers_count"].cast(pl.Float64).to_numpy()
    return dates, np.maximum(counts, 1.0)


def _viral_posts(posts: pl.DataFrame) -> list[tuple[date, str, float]]:
    """(date, post_id, multiple of the median engagement) of far-above-norm posts."""
    if posts.height == 0:
        return []
    eng = (pl.col("likes").fill_null(0) + pl.col("comments").fill_null(0)).cast(pl.Float64)
    frame = posts.with_columns(_eng=eng)
    median_eng = frame["_eng"].median()
    if not isinstance(median_eng, float) or median_eng <= 0:
        return []
    has_views = "views" in frame.columns
    median_views = frame["views"].cast(pl.Float64).median() if has_views else None
    out: list[tuple[date, str, float]] = []
    for row in frame.iter_rows(named=True):
        multiple = row["_eng"] / median_eng
        if multiple < VIRAL_MULTIPLE:
            continue
        views = row.get("views")
        if (
            isinstance(median_views, float)
            and median_views > 0
            and views is not None
            and views < VIRAL_MULTIPLE * median_views
        ):
            continue  # likes without matching reach are not a viral moment
        when = row["posted_at"]
        day = when.date() if hasattr(when, "date") else when
        out.append((day, str(row.get("post_id", "")), float(multiple)))
    return out


def _episodes(dates: list[date], counts: FloatArray) -> tuple[list[_Episode], float, float]:
    gaps = np.array([(b - a).days for a, b in itertools.pairwise(dates)], float)
    rate = np.diff(np.log(counts)) / gaps
    baseline = _rolling_median(rate, ROLLING_WINDOW_DAYS)
    resid = rate - baseline
    spread = max(1.4826 * float(np.median(np.abs(resid - np.median(resid)))), MAD_FLOOR)
    z = resid / spread
    out: list[_Episode] = []
    i = 0
    while i < z.size:
        if z[i] < EXTEND_Z:
            i += 1
            continue
        j = i
        while j + 1 < z.size and z[j + 1] >= EXTEND_Z:
            j += 1
        peak = float(z[i : j + 1].max())
        excess = float(np.expm1(np.sum(resid[i : j + 1] * gaps[i : j + 1])))
        before = counts[i]
        gain = round(float(counts[j + 1] - before))
        spike = Spike(
            start=dates[i + 1],
            end=dates[j + 1],
            gain=gain,
            relative_gain=gain / before,
            robust_z=round(peak, 1),
        )
        if peak >= SPIKE_Z:
            out.append(_Episode(i, j, spike, excess))
        i = j + 1
    return out, spread, float(np.median(rate))


def _describe(ep: _Episode) -> str:
    days = (ep.spike.end - ep.spike.start).days + 1
    span = "within 1 day" if days == 1 else f"within {days} days"
    return (
        f"a rise of {pct(ep.spike.relative_gain)} ({ep.spike.gain:+,} followers) {span} "
        f"around {ep.spike.start.isoformat()}"
    )


def follower_spikes(
    history: pl.DataFrame, *, posts: pl.DataFrame | None = None
) -> tuple[list[Spike], Signal]:
    """Find sudden rises in one account's follower history.

    Parameters
    ----------
    history : polars.DataFrame
        One account's ``audience_snapshots`` rows: ``captured_on`` (date) and
        ``followers_count``; an ``account_id`` column, if present, must hold a
        single account. Gaps between dates are allowed.
    posts : polars.DataFrame, optional
        The same account's posts (``post_id``, ``posted_at``, ``likes``,
        ``comments``, optionally ``views``). When given, moderate rises that
        follow a post with far-above-usual engagement are treated as organic
        viral growth and not raised (see the module docstring).

    Returns
    -------
    tuple[list[Spike], Signal]
        The raised spikes, oldest first, and a ``follower_spike`` signal.
        ``details`` holds ``points``, ``daily_spread`` (robust spread of the
        daily relative change), ``usual_daily_change``, ``spikes`` and
        ``explained`` (rises attributed to a viral post).

    Raises
    ------
    ValueError
        If a column is missing or the history mixes accounts.
    """
    dates, counts = _prepare(history)
    if len(dates) < MIN_HISTORY_POINTS:
        evidence = (
            f"Only {len(dates)} daily follower counts are available; at least "
            f"{MIN_HISTORY_POINTS} are needed to judge growth."
        )
        thin: dict[str, object] = {"points": len(dates), "measured": False}
        return [], Signal("follower_spike", False, 0.0, evidence, thin)
    episodes, spread, usual = _episodes(dates, counts)
    viral = _viral_posts(posts) if posts is not None else []
    raised: list[_Episode] = []
    explained: list[_Episode] = []
    below: list[_Episode] = []
    for ep in episodes:
        if ep.excess < MIN_EXCESS_GAIN:
            below.append(ep)
            continue
        if ep.excess < CLEAR_EXCESS_GAIN:
            lo = ep.spike.start - timedelta(days=VIRAL_LOOKBACK_DAYS)
            hits = [v for v in viral if lo <= v[0] <= ep.spike.end]
            if hits:
                best = max(hits, key=lambda v: v[2])
                explained.append(
                    _Episode(ep.first, ep.last, ep.spike, ep.excess, f"{best[1]}:{best[2]:.1f}")
                )
                continue
        raised.append(ep)
    details: dict[str, object] = {
        "points": len(dates),
        "daily_spread": round(spread, 6),
        "usual_daily_change": round(usual, 6),
        "spikes": [
            {
                "start": ep.spike.start.isoformat(),
                "end": ep.spike.end.isoformat(),
                "gain": ep.spike.gain,
                "relative_gain": round(ep.spike.relative_gain, 4),
                "excess_gain": round(ep.excess, 4),
                "robust_z": ep.spike.robust_z,
            }
            for ep in raised
        ],
        "explained": [
            {
                "start": ep.spike.start.isoformat(),
                "relative_gain": round(ep.spike.relative_gain, 4),
                "post_id": (ep.explained_by or ":").split(":")[0],
            }
            for ep in explained
        ],
    }
    usual_txt = f"this account's usual daily change of {pct(usual)} (typical spread {pct(spread)})"
    if raised:
        top = max(raised, key=lambda e: e.excess)
        strength = 0.5 + 0.5 * ramp(top.excess, MIN_EXCESS_GAIN, 0.25)
        lead = _describe(top)
        more = f" ({len(raised)} such rises in all)" if len(raised) > 1 else ""
        evidence = (
            f"{lead[0].upper()}{lead[1:]}{more}, with a peak day about "
            f"{top.spike.robust_z:.0f} times the typical spread beyond {usual_txt}."
        )
        return [e.spike for e in raised], Signal(
            "follower_spike", True, strength, evidence, details
        )
    if explained:
        ep = explained[0]
        _, multiple = (ep.explained_by or ":0").split(":")
        evidence = (
            f"{_describe(ep)[0].upper()}{_describe(ep)[1:]} followed a post with "
            f"{float(multiple):.0f} times the usual engagement, as organic viral growth does; "
            "no other sudden rise was found."
        )
        strength = 0.5 * ramp(ep.excess, 0.0, MIN_EXCESS_GAIN)
        return [], Signal("follower_spike", False, strength, evidence, details)
    if below:
        ep = max(below, key=lambda e: e.excess)
        evidence = (
            f"No sudden rise: the largest unusual gain, {_describe(ep)}, is small "
            f"(under {pct(MIN_EXCESS_GAIN)} beyond {usual_txt})."
        )
        strength = 0.5 * ramp(ep.excess, 0.0, MIN_EXCESS_GAIN)
        return [], Signal("follower_spike", False, strength, evidence, details)
    evidence = (
        f"No sudden rise in {len(dates)} daily follower counts: every daily change is "
        f"within the usual range ({usual_txt})."
    )
    return [], Signal("follower_spike", False, 0.0, evidence, details)
