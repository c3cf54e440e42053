"""Pacing and forecast: a campaign's reach, conversions and spend at its end, with 80% intervals.

Pure: plain values in (each post's cumulative reach snapshots, the attributed
orders' moments, the contracted and incurred cost), a :class:`Forecast` out. The
model is deliberately simple and documented (docs/campaigns.md, "Pacing and
forecast"); :data:`FORECAST_LEVEL` intervals are the 10th and 90th percentiles of
:data:`DRAWS` seeded Monte Carlo draws.

- **Reach** (posts with first-party reach figures only). Each post observed so far
  grows on a saturating curve ``A·(1 − exp(−age/τ))``. For every ``τ`` on a grid
  (1 h to 30 days) the level ``A`` is the relative least-squares fit to the post's
  snapshots; ``τ`` is weighted by that fit (relative error σ :data:`FIT_SIGMA`) and a
  log-normal prior (median :data:`TAU_PRIOR_HOURS`, the pooled median of the
  campaign's well-observed posts where there are any). A draw picks a ``τ`` per post
  and reads the curve at the campaign's end. Posts still to come arrive as a
  Poisson process whose rate has a Gamma posterior from the posts so far; each
  takes the level of a randomly drawn observed post and a uniformly drawn
  publication moment in the time left.
- **Conversions** (attributed orders). Orders so far plus a Gamma–Poisson
  (negative binomial) count over the days left: the daily rate has a Gamma
  posterior from the campaign's days so far, widened by the over-dispersion of
  the daily counts (method of moments).
- **Spend** is contractual: the contracted deal amounts (the interval is that one
  figure; a deal signed later is not foreseen), against the budget.

A goal (a target for reach or conversions) is compared with the interval:
``off_pace`` when the whole interval lies below the target. Campaigns in the
interchange format carry a goal *kind* (awareness, engagement, conversions) and
a budget, not a numeric target: targets are set per campaign by a person.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np

from trustreach.ethics.disclosure import generated_by

#: The interval level of every projection (the 10th to the 90th percentile).
FORECAST_LEVEL = 0.80
#: What wrote a forecast, for its ``generated_by`` (the model is trustreach's own code).
FORECAST_MODEL = "campaign forecast: reach curves per post, Poisson arrivals, contracted spend"
#: Monte Carlo draws per projection.
DRAWS = 2000
#: Prior median of a post's growth time constant τ (hours) when the campaign has no
#: post observed long enough to pool from.
TAU_PRIOR_HOURS = 40.0
#: Prior spread of log τ.
TAU_PRIOR_SD = 0.9
#: Relative error of one snapshot against the fitted curve.
FIT_SIGMA = 0.12
#: A post counts as well observed (its τ feeds the pooled prior) from this age (hours).
WELL_OBSERVED_HOURS = 72.0
#: Spread (sd of the log) of a post's level (reach, orders) around the campaign's typical
#: post, before the campaign's own posts are seen; shrunk towards with weight PRIOR_WEIGHT.
LEVEL_SPREAD_PRIOR = 1.5
PRIOR_WEIGHT = 2.0
#: Spread (sd of the log) of the orders per post between posts (orders are far lumpier than
#: reach: one post may bring most of a campaign's orders).
CONVERSION_SPREAD = 1.6
#: Time constant (days) of the orders that follow a post.
CONVERSION_DAYS = 2.0
METRICS = ("reach", "conversions", "spend")
_TAUS = np.exp(np.linspace(math.log(1.0), math.log(720.0), 80))
_HOUR = 3600.0


@dataclass(frozen=True)
class PostSeries:
    """One post's cumulative figure (e.g. reach) over time."""

    post_id: str
    posted_at: datetime
    points: tuple[tuple[datetime, int], ...]


@dataclass(frozen=True)
class Projection:
    """One figure at the campaign's end: so far, expected, and its interval."""

    metric: str
    so_far: float | None
    expected: float | None
    low: float | None
    high: float | None
    target: float | None = None
    target_by_now: float | None = None
    """The target scaled to the share of the campaign's time gone (linear pace)."""
    off_pace: bool | None = None
    """True when the whole interval lies below the target (None: no target)."""
    currency: str | None = None
    reason: str | None = None
    method: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "so_far": self.so_far,
            "expected": self.expected,
            "low": self.low,
            "high": self.high,
            "target": self.target,
            "target_by_now": self.target_by_now,
            "off_pace": self.off_pace,
            "currency": self.currency,
            "reason": self.reason,
            "method": self.method,
        }


@dataclass(frozen=True)
class Forecast:
    """A campaign's projections at ``as_of``."""

    campaign_id: str
    as_of: datetime
    starts_on: date
    ends_on: date
    elapsed_share: float
    projections: Mapping[str, Projection]
    level: float = FORECAST_LEVEL
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "as_of": self.as_of.isoformat(),
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "elapsed_share": round(self.elapsed_share, 4),
            "level": self.level,
            "projections": {k: p.to_dict() for k, p in self.projections.items()},
            "notes": list(self.notes),
            "generated_by": generated_by(FORECAST_MODEL),  # machine-generated (rule AI3)
        }


def campaign_window(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """The campaign's first and last moment (UTC): start of its first day, end of its last."""
    return (
        datetime.combine(starts_on, time.min, UTC),
        datetime.combine(ends_on, time.max, UTC).replace(microsecond=0),
    )


# ------------------------------------------------------------------------- reach


def _tau_weights(ages: np.ndarray, values: np.ndarray, prior_median: float) -> np.ndarray:
    """Posterior weights of the τ grid for one post (relative least squares x log-normal prior)."""
    shape = 1.0 - np.exp(-ages[None, :] / _TAUS[:, None])  # (taus, points)
    w = 1.0 / np.maximum(values, 1.0)
    level = ((shape * values * w * w).sum(axis=1)) / np.maximum(
        (shape * shape * w * w).sum(1), 1e-12
    )
    resid = (values[None, :] - level[:, None] * shape) * w[None, :]
    sse = (resid * resid).sum(axis=1)
    logp = -sse / (2 * FIT_SIGMA**2)
    logp += -((np.log(_TAUS) - math.log(prior_median)) ** 2) / (2 * TAU_PRIOR_SD**2)
    logp -= logp.max()
    p = np.exp(logp)
    out: np.ndarray = p / p.sum()
    return out


def _level(ages: np.ndarray, values: np.ndarray, tau: np.ndarray) -> np.ndarray:
    shape = 1.0 - np.exp(-ages[None, :] / tau[:, None])
    w = 1.0 / np.maximum(values, 1.0)
    out: np.ndarray = ((shape * values * w * w).sum(axis=1)) / np.maximum(
        (shape * shape * w * w).sum(1), 1e-12
    )
    return out


def _reach(
    series: Sequence[PostSeries],
    start: datetime,
    end: datetime,
    cut: datetime,
    target: float | None,
    rng: np.random.Generator,
) -> Projection:
    method = (
        "per post A·(1−exp(−age/τ)) fitted to its snapshots, read at the campaign's end; "
        "posts still to come: Poisson arrivals at the rate so far, levels of observed posts"
    )
    observed = []
    for s in series:
        pts = [(t, v) for t, v in s.points if t <= cut and v is not None]
        if s.posted_at <= cut and pts:
            ages = np.array([max((t - s.posted_at).total_seconds() / _HOUR, 0.01) for t, _ in pts])
            vals = np.array([float(v) for _, v in pts])
            observed.append((s, ages, vals))
    so_far = float(sum(v[-1] for _, _, v in observed)) if observed else 0.0
    if not observed:
        return Projection(
            "reach", so_far, None, None, None, target,
            reason="no post with first-party reach figures observed yet", method=method,
        )  # fmt: skip
    pooled = [
        float(_TAUS[int(np.argmax(_tau_weights(a, v, TAU_PRIOR_HOURS)))])
        for _, a, v in observed
        if a[-1] >= WELL_OBSERVED_HOURS and len(a) >= 3
    ]
    prior = float(np.median(pooled)) if pooled else TAU_PRIOR_HOURS
    end_age = np.array([(end - s.posted_at).total_seconds() / _HOUR for s, _, _ in observed])
    totals = np.zeros(DRAWS)
    levels = np.zeros((len(observed), DRAWS))
    for i, (_, ages, vals) in enumerate(observed):
        p = _tau_weights(ages, vals, prior)
        tau = _TAUS[rng.choice(len(_TAUS), size=DRAWS, p=p)]
        level = _level(ages, vals, tau)
        levels[i] = level
        at_end = level * (1.0 - np.exp(-max(end_age[i], 0.0) / tau))
        totals += np.maximum(at_end, vals[-1])  # a cumulative count does not fall
    elapsed_days = max((cut - start).total_seconds() / 86_400, 0.5)
    left_days = max((end - cut).total_seconds() / 86_400, 0.0)
    posted = sum(1 for s, _, _ in observed if s.posted_at >= start)
    if left_days > 0:
        logs = np.log(np.maximum(np.median(levels, axis=1), 1.0))
        mu, sd = _log_spread(logs)
        rate = rng.gamma(posted + 0.5, 1.0 / elapsed_days, size=DRAWS)
        arrivals = rng.poisson(rate * left_days)
        centre = rng.normal(mu, sd / math.sqrt(len(logs)), size=DRAWS)
        for d in np.nonzero(arrivals)[0]:
            n = int(arrivals[d])
            lv = np.exp(rng.normal(centre[d], sd, size=n))
            tau = np.exp(rng.normal(math.log(prior), TAU_PRIOR_SD / 2, size=n))
            age = rng.uniform(0.0, left_days * 24.0, size=n)
            totals[d] += float((lv * (1.0 - np.exp(-age / tau))).sum())
    return _projection("reach", so_far, totals, target, start, end, cut, method=method)


# ------------------------------------------------------------------- conversions


def _log_spread(logs: np.ndarray) -> tuple[float, float]:
    """Mean and spread of log levels, the spread shrunk towards :data:`LEVEL_SPREAD_PRIOR`."""
    mu = float(logs.mean())
    ss = float(((logs - mu) ** 2).sum())
    return mu, math.sqrt((ss + LEVEL_SPREAD_PRIOR**2 * PRIOR_WEIGHT) / (len(logs) + PRIOR_WEIGHT))


def _completeness(age_days: np.ndarray) -> np.ndarray:
    """Share of a post's conversions that have happened ``age_days`` after it was published."""
    out: np.ndarray = 1.0 - np.exp(-np.maximum(age_days, 0.0) / CONVERSION_DAYS)
    return out


def _conversions(
    moments: Sequence[datetime],
    posts: Sequence[datetime],
    start: datetime,
    end: datetime,
    cut: datetime,
    target: float | None,
    rng: np.random.Generator,
) -> Projection:
    method = (
        "attributed orders so far + each post's orders still to come (a post's orders follow it "
        f"over days, 1−exp(−age/{CONVERSION_DAYS:g} d)) + posts still to come (Poisson arrivals "
        "at the rate so far, each with the orders per post so far, spread between posts)"
    )
    seen = [m for m in moments if start <= m <= min(cut, end)]
    n = len(seen)
    published = np.array([(cut - p).total_seconds() / 86_400 for p in posts if p <= cut])
    if not len(published):
        return Projection(
            "conversions", float(n), None, None, None, target,
            reason="no campaign post published yet", method=method,
        )  # fmt: skip
    if cut >= end:
        return _projection(
            "conversions", float(n), np.full(DRAWS, float(n)), target, start, end, cut,
            method=method,
        )  # fmt: skip
    left_days = (end - cut).total_seconds() / 86_400
    elapsed_days = max((cut - start).total_seconds() / 86_400, 0.5)
    now = _completeness(published)
    exposure = float(now.sum())
    per_post = rng.gamma(n + 0.5, 1.0 / max(exposure, 0.05), size=DRAWS)
    spread = CONVERSION_SPREAD
    # posts already out: their orders still to come, each post with its own multiplier
    more = _completeness(published + left_days) - now
    mult = np.exp(rng.normal(-(spread**2) / 2, spread, size=(DRAWS, len(published))))
    totals = n + rng.poisson(per_post * (mult * more[None, :]).sum(axis=1))
    rate = rng.gamma(len(published) + 0.5, 1.0 / elapsed_days, size=DRAWS)
    arrivals = rng.poisson(rate * left_days)
    for d in np.nonzero(arrivals)[0]:
        k = int(arrivals[d])
        share = _completeness(rng.uniform(0.0, left_days, size=k))
        m = np.exp(rng.normal(0.0, spread, size=k))
        totals[d] += int(rng.poisson(per_post[d] * float((m * share).sum())))
    return _projection(
        "conversions", float(n), totals.astype(float), target, start, end, cut, method=method
    )


def _projection(
    metric: str,
    so_far: float,
    totals: np.ndarray,
    target: float | None,
    start: datetime,
    end: datetime,
    cut: datetime,
    *,
    method: str,
    currency: str | None = None,
) -> Projection:
    tail = (1.0 - FORECAST_LEVEL) / 2
    low, mid, high = (float(x) for x in np.quantile(totals, [tail, 0.5, 1.0 - tail]))
    share = _share(start, end, cut)
    return Projection(
        metric,
        so_far,
        round(mid, 2),
        round(low, 2),
        round(high, 2),
        target,
        None if target is None else round(target * share, 2),
        None if target is None else high < target,
        currency,
        method=method,
    )


def _share(start: datetime, end: datetime, cut: datetime) -> float:
    total = (end - start).total_seconds()
    return min(max((cut - start).total_seconds() / total, 0.0), 1.0) if total > 0 else 1.0


# ---------------------------------------------------------------------- forecast


def forecast_campaign(
    campaign_id: str,
    *,
    starts_on: date,
    ends_on: date,
    as_of: datetime,
    reach: Sequence[PostSeries],
    conversions: Sequence[datetime],
    posts: Sequence[datetime],
    spend_committed: float | None,
    spend_so_far: float | None,
    budget: float | None,
    currency: str,
    targets: Mapping[str, float] | None = None,
    seed: int = 0,
) -> Forecast:
    """Project reach, conversions and spend to the campaign's end from what ``as_of`` knew.

    ``reach`` holds each campaign post's cumulative reach snapshots (those after
    ``as_of`` are ignored), ``conversions`` the moments of the attributed orders,
    ``posts`` the publication moments of all the campaign's posts,
    ``spend_committed`` the contracted deal amounts and ``spend_so_far`` the cost of
    the posts published so far (both in ``currency``; None where an amount could not
    be converted). ``targets`` maps ``reach``/``conversions`` to a number.
    """
    targets = dict(targets or {})
    unknown = sorted(set(targets) - {"reach", "conversions"})
    if unknown:
        raise ValueError(f"target {unknown[0]!r} not allowed; allowed: reach, conversions")
    as_of = as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=UTC)
    start, end = campaign_window(starts_on, ends_on)
    cut = min(as_of, end)
    rng = np.random.default_rng([seed, 0xF0CA])
    spend_method = "contracted deal amounts (a deal signed later is not foreseen)"
    if spend_committed is None:
        spend = Projection(
            "spend", spend_so_far, None, None, None, budget, currency=currency,
            reason="a deal amount could not be converted into the campaign currency",
            method=spend_method,
        )  # fmt: skip
    else:
        spend = Projection(
            "spend", spend_so_far, spend_committed, spend_committed, spend_committed, budget,
            None if budget is None else round(budget * _share(start, end, cut), 2),
            None, currency, method=spend_method,
        )  # fmt: skip
    notes = []
    if as_of < start:
        notes.append("the campaign has not started: projections rest on no data")
    return Forecast(
        campaign_id,
        as_of,
        starts_on,
        ends_on,
        _share(start, end, cut),
        {
            "reach": _reach(reach, start, end, cut, targets.get("reach"), rng),
            "conversions": _conversions(
                conversions, posts, start, end, cut, targets.get("conversions"), rng
            ),
            "spend": spend,
        },
        notes=tuple(notes),
    )


def reach_at(series: PostSeries, moment: datetime) -> float | None:
    """A post's cumulative figure at ``moment``, interpolated linearly between snapshots.

    Before the first snapshot: linear from 0 at publication; after the last: the last.
    """
    pts = sorted(series.points)
    if not pts:
        return None
    prev_t, prev_v = series.posted_at, 0.0
    for t, v in pts:
        if t >= moment:
            span = (t - prev_t).total_seconds()
            f = 1.0 if span <= 0 else (moment - prev_t).total_seconds() / span
            return prev_v + max(min(f, 1.0), 0.0) * (v - prev_v)
        prev_t, prev_v = t, float(v)
    return prev_v


__all__ = [
    "DRAWS",
    "FORECAST_LEVEL",
    "METRICS",
    "Forecast",
    "PostSeries",
    "Projection",
    "campaign_window",
    "forecast_campaign",
    "reach_at",
]
