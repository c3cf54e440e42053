"""Predicted performance of a creator's next post, with a calibrated prediction interval.

**What is predicted.** For one *next* post of an account:

- *engagements* — ``likes + comments + shares`` (shares count where the
  platform reports them, otherwise 0);
- *reach* — the post's **views** as the platform reports them (plays or
  impressions, not unique people). Instagram reports no views for image and
  carousel posts, so a reach prediction for those is null, with the reason in
  ``reach_unavailable_reason``. With no ``media_type`` given, an Instagram
  account's reach is that of its reels and videos.

The point prediction (``expected_*``) is the centre of the predictive
distribution on the log scale (its median), which is the usual figure for a
skewed count; ``*_low`` and ``*_high`` bound an interval meant to hold the
actual figure of one post ``coverage`` (default 80%) of the time.

**Model.** On ``log(1 + count)``, an additive model is fitted by backfitting
over each account's ``recent_posts`` most recent posts:

``log(1 + y) = account level + media-type effect + hour effect + weekday effect + noise``

- The *account level* is an empirical-Bayes estimate: the account's own mean,
  shrunk towards a peer prior ``platform offset + slope * log(followers)``
  (ridge-fitted across accounts) in proportion to how few posts it has. An
  account with no posts — or one unknown at fit time — gets the prior itself,
  with the between-account variance as its uncertainty, hence a wide interval.
- Media-type, hour-of-day and weekday effects are learned globally from
  within-account deviations, each shrunk towards 0 when its cell has few posts.
- Each account has its own noise spread (its residual variance shrunk towards
  the pooled one), so erratic accounts get wider intervals.

**Interval (split conformal).** The fit is repeated on each account's posts
except its latest ``calibration_share``; the held-back posts' residuals,
divided by their predictive spread, give the lower and upper quantiles that are
then used, with the model refitted on all posts. This calibrates coverage on
the task that matters — posts *after* the training window — instead of
trusting a normal approximation. :func:`backtest` checks it on held-back posts.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from statistics import NormalDist
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.base import BaseEstimator

from trustreach.audience import follower_band, wilson_interval

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MODEL_NAME = "trustreach-performance"
MODEL_VERSION = "1.0"

POST_COLUMNS = (
    "post_id",
    "account_id",
    "posted_at",
    "media_type",
    "likes",
    "comments",
    "views",
    "shares",
)
"""Columns :meth:`PerformanceModel.fit` needs in ``posts``."""
ACCOUNT_COLUMNS = ("account_id", "platform", "followers_count")
"""Columns :class:`PerformanceModel` needs in ``accounts``."""

NO_VIEWS_REASON = "{platform} reports no views for {media} posts"
NO_VIEW_HISTORY_REASON = "no post of this platform reports views"

_ITERATIONS = 6
_CELL_PRIOR = 20.0  # posts' worth of shrinkage of a media/hour/weekday effect towards 0
_SPREAD_PRIOR = 10.0  # degrees of freedom of the pooled spread in an account's spread
_SLOPE_RIDGE = 0.5
_PLATFORM_RIDGE = 1.0
_MIN_TAU2 = 0.01
_VIEWS_SHARE = 0.5  # a (platform, media) pair reports views when at least half its posts do


@dataclass(frozen=True)
class _TargetFit:
    """One fitted target (engagements or views) on the log scale."""

    intercept: float
    slope: float
    mean_log_followers: float
    var_log_followers: float
    platform_offset: dict[str, float]
    tau2: float
    sigma2: float
    media: dict[str, float]
    hour: FloatArray
    weekday: FloatArray
    platform_mix: dict[str, float]
    accounts: pl.DataFrame  # account_id, level, level_var, spread2, posts, shrinkage, mix, time_mix
    q_low: float = 0.0
    q_high: float = 0.0


def _require(frame: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    for column in columns:
        if column not in frame.columns:
            raise ValueError(f"{name} lacks the column {column!r}; needs {', '.join(columns)}")


def _utc_datetime(posted_at: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return posted_at.str.to_datetime(time_zone="UTC")
    if isinstance(dtype, pl.Datetime):
        return posted_at if dtype.time_zone is None else posted_at.dt.convert_time_zone("UTC")
    raise ValueError(f"posted_at must be a datetime or an ISO-8601 string, got {dtype}")


def _utc_parts(posted_at: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    posted_at = _utc_datetime(posted_at, dtype)
    return (
        posted_at.dt.hour().cast(pl.Int64).alias("hour"),
        (posted_at.dt.weekday().cast(pl.Int64) - 1).alias("weekday"),
    )


def _account_frame(accounts: pl.DataFrame) -> pl.DataFrame:
    _require(accounts, ACCOUNT_COLUMNS, "accounts")
    return accounts.select(
        pl.col("account_id").cast(pl.String),
        pl.col("platform").cast(pl.String),
        pl.col("followers_count").cast(pl.Float64),
    ).unique("account_id", keep="first", maintain_order=True)


def _post_frame(posts: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Posts joined to their account, with log targets, hour, weekday and recency rank."""
    _require(posts, POST_COLUMNS, "posts")
    hour, weekday = _utc_parts(pl.col("posted_at"), posts.schema["posted_at"])
    eng = (
        pl.col("likes").cast(pl.Float64).fill_null(0.0)
        + pl.col("comments").cast(pl.Float64).fill_null(0.0)
        + pl.col("shares").cast(pl.Float64).fill_null(0.0)
    )
    frame = (
        posts.select(
            pl.col("post_id").cast(pl.String),
            pl.col("account_id").cast(pl.String),
            pl.col("posted_at"),
            pl.col("media_type").cast(pl.String),
            hour,
            weekday,
            eng.alias("engagements"),
            pl.col("views").cast(pl.Float64),
        )
        .join(_account_frame(accounts), on="account_id", how="inner")
        .sort(["account_id", "posted_at", "post_id"])
        .with_columns(
            (pl.len().over("account_id") - 1 - pl.int_range(pl.len()).over("account_id")).alias(
                "age_rank"
            ),  # 0 = the account's latest post
            pl.col("engagements").log1p().alias("y_engagements"),
            pl.col("views").log1p().alias("y_views"),
        )
    )
    return frame


def _codes(values: pl.Series) -> tuple[IntArray, list[str]]:
    names = sorted(str(v) for v in values.unique().to_list())
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[str(v)] for v in values.to_list()], dtype=np.int64), names


def _shrunk_means(residual: FloatArray, code: IntArray, k: int) -> FloatArray:
    total = np.bincount(code, weights=residual, minlength=k)
    count = np.bincount(code, minlength=k).astype(np.float64)
    effect = total / (count + _CELL_PRIOR)
    weight = count / max(count.sum(), 1.0)
    return np.asarray(effect - float(weight @ effect), dtype=np.float64)


def _fit_target(frame: pl.DataFrame, target: str, *, time_effects: bool) -> _TargetFit:
    """Backfit account levels (empirical Bayes) and global media/hour/weekday effects."""
    data = frame.filter(pl.col(target).is_not_null())
    if data.height == 0:
        raise ValueError(f"no posts with a value for {target.removeprefix('y_')}")
    acc_code, acc_names = _codes(data["account_id"])
    media_code, media_names = _codes(data["media_type"])
    n_acc = len(acc_names)
    y = data[target].to_numpy().astype(np.float64)
    hour = data["hour"].to_numpy().astype(np.int64)
    weekday = data["weekday"].to_numpy().astype(np.int64)
    per_acc = (
        data.group_by("account_id")
        .agg(pl.col("platform").first(), pl.col("followers_count").first())
        .sort("account_id")
    )
    platforms = per_acc["platform"].to_list()
    log_f = np.log(np.maximum(per_acc["followers_count"].fill_null(np.nan).to_numpy(), 1.0))
    known_f = np.isfinite(log_f)
    mean_log_f = float(log_f[known_f].mean()) if known_f.any() else 0.0
    var_log_f = float(log_f[known_f].var()) if known_f.sum() > 1 else 1.0
    log_f = np.where(known_f, log_f, mean_log_f)
    plat_names = sorted(set(platforms))
    design = np.zeros((n_acc, 2 + len(plat_names)))
    design[:, 0] = 1.0
    design[:, 1] = log_f - mean_log_f
    for i, p in enumerate(platforms):
        design[i, 2 + plat_names.index(p)] = 1.0
    ridge = np.diag([0.0, _SLOPE_RIDGE] + [_PLATFORM_RIDGE] * len(plat_names))

    n = np.bincount(acc_code, minlength=n_acc).astype(np.float64)
    media_eff = np.zeros(len(media_names))
    hour_eff = np.zeros(24)
    wd_eff = np.zeros(7)
    beta = np.zeros(design.shape[1])
    tau2 = sigma2 = 1.0
    level = level_var = spread2 = shrink = np.zeros(n_acc)
    for _ in range(_ITERATIONS):
        effects = media_eff[media_code] + hour_eff[hour] + wd_eff[weekday]
        r = y - effects
        mean = np.bincount(acc_code, weights=r, minlength=n_acc) / n
        dev2 = np.bincount(acc_code, weights=(r - mean[acc_code]) ** 2, minlength=n_acc)
        dof = np.maximum(n - 1.0, 0.0)
        sigma2 = float(dev2.sum() / dof.sum()) if dof.sum() > 0 else 0.25
        spread2 = (_SPREAD_PRIOR * sigma2 + dev2) / (_SPREAD_PRIOR + dof)
        beta = np.asarray(
            np.linalg.solve(design.T @ design + ridge, design.T @ mean), dtype=np.float64
        )
        prior = design @ beta
        excess = float(np.mean((mean - prior) ** 2 - spread2 / n))
        tau2 = max(excess * n_acc / max(n_acc - 2, 1), _MIN_TAU2)
        precision = n / spread2 + 1.0 / tau2
        level = (n / spread2 * mean + prior / tau2) / precision
        level_var = 1.0 / precision
        shrink = (1.0 / tau2) / precision
        e = y - level[acc_code]
        media_eff = _shrunk_means(
            e - hour_eff[hour] - wd_eff[weekday], media_code, len(media_names)
        )
        if time_effects:
            hour_eff = _shrunk_means(e - media_eff[media_code] - wd_eff[weekday], hour, 24)
            wd_eff = _shrunk_means(e - media_eff[media_code] - hour_eff[hour], weekday, 7)

    media_mix = np.bincount(acc_code, weights=media_eff[media_code], minlength=n_acc) / n
    time_mix = np.bincount(acc_code, weights=hour_eff[hour] + wd_eff[weekday], minlength=n_acc) / n
    plat_of_post = np.array([plat_names.index(p) for p in data["platform"].to_list()])
    plat_mix = {
        p: float(media_eff[media_code][plat_of_post == i].mean()) for i, p in enumerate(plat_names)
    }
    accounts = pl.DataFrame(
        {
            "account_id": acc_names,
            "level": level,
            "level_var": level_var,
            "spread2": spread2,
            "posts": n.astype(np.int64),
            "shrinkage": shrink,
            "media_mix": media_mix,
            "time_mix": time_mix,
        }
    )
    return _TargetFit(
        intercept=float(beta[0]),
        slope=float(beta[1]),
        mean_log_followers=mean_log_f,
        var_log_followers=var_log_f,
        platform_offset={p: float(beta[2 + i]) for i, p in enumerate(plat_names)},
        tau2=tau2,
        sigma2=sigma2,
        media=dict(zip(media_names, media_eff.tolist(), strict=True)),
        hour=hour_eff,
        weekday=wd_eff,
        platform_mix=plat_mix,
        accounts=accounts,
    )


def _centre_and_spread(fit: _TargetFit, rows: pl.DataFrame) -> tuple[FloatArray, FloatArray]:
    """Log-scale centre and predictive spread for rows of account_id, platform,
    followers_count, media_type, hour, weekday (media/hour/weekday may be null)."""
    joined = rows.join(fit.accounts, on="account_id", how="left")
    known = joined["level"].is_not_null().to_numpy()
    log_f = np.log(np.maximum(joined["followers_count"].fill_null(np.nan).to_numpy(), 1.0))
    has_f = np.isfinite(log_f)
    log_f = np.where(has_f, log_f, fit.mean_log_followers)
    offsets = np.array([fit.platform_offset.get(str(p), 0.0) for p in joined["platform"]])
    prior = fit.intercept + fit.slope * (log_f - fit.mean_log_followers) + offsets
    prior_var = fit.tau2 + np.where(has_f, 0.0, fit.slope**2 * fit.var_log_followers)
    level = np.where(known, joined["level"].fill_null(0.0).to_numpy(), prior)
    level_var = np.where(known, joined["level_var"].fill_null(0.0).to_numpy(), prior_var)
    spread2 = np.where(known, joined["spread2"].fill_null(0.0).to_numpy(), fit.sigma2)
    plat_mix = np.array([fit.platform_mix.get(str(p), 0.0) for p in joined["platform"]])
    media_mix = np.where(known, joined["media_mix"].fill_null(0.0).to_numpy(), plat_mix)
    media = np.array(
        [
            fit.media.get(str(m), 0.0) if m is not None else float(mix)
            for m, mix in zip(joined["media_type"].to_list(), media_mix, strict=True)
        ]
    )
    hours = joined["hour"].to_list()
    days = joined["weekday"].to_list()
    time_mix = np.where(known, joined["time_mix"].fill_null(0.0).to_numpy(), 0.0)
    timing = np.array(
        [
            (fit.hour[h] if h is not None else 0.0) + (fit.weekday[d] if d is not None else 0.0)
            if h is not None or d is not None
            else float(mix)
            for h, d, mix in zip(hours, days, time_mix, strict=True)
        ]
    )
    centre = level + media + timing
    spread = np.sqrt(spread2 + level_var)
    return np.asarray(centre, dtype=np.float64), np.asarray(spread, dtype=np.float64)


def _conformal_quantiles(scores: FloatArray, coverage: float) -> tuple[float, float]:
    """Lower and upper split-conformal quantiles of standardised residuals."""
    n = scores.size
    if n == 0:  # nothing to calibrate on: fall back to a normal interval
        z = NormalDist().inv_cdf(0.5 + coverage / 2.0)
        return -z, z
    tail = (1.0 - coverage) / 2.0
    hi_level = min(1.0, math.ceil((n + 1) * (1.0 - tail)) / n)
    lo_level = max(0.0, math.floor((n + 1) * tail) / n)
    return (
        float(np.quantile(scores, lo_level, method="lower")),
        float(np.quantile(scores, hi_level, method="higher")),
    )


class PerformanceModel(BaseEstimator):  # type: ignore[misc, unused-ignore]
    """Engagements and reach of an account's next post, with a calibrated interval.

    An empirical-Bayes additive model on ``log(1 + count)`` (account level
    shrunk towards a platform and follower-count prior, plus global media-type,
    hour and weekday effects), with split-conformal prediction intervals; see
    the module docstring for the full recipe and what "reach" means.

    Parameters
    ----------
    coverage : float, default=0.8
        Target share of next posts whose actual figure falls inside
        ``[*_low, *_high]``.
    recent_posts : int, default=30
        Each account's most recent posts used (older posts describe an
        audience that has since grown or shrunk).
    calibration_share : float, default=0.2
        Share of each account's recent posts, the latest, held back to
        calibrate the interval (every account with at least two posts gives
        at least one).
    time_effects : bool, default=True
        Learn hour-of-day and weekday effects (UTC).
    random_state : int or None, default=None
        Accepted for interface consistency; the fit has no randomness and is
        deterministic whatever its value.

    Attributes
    ----------
    engagements_ : _TargetFit
        Fitted engagements model (log scale) with its conformal quantiles.
    views_ : _TargetFit or None
        Fitted views model, or None when no post reports views.
    views_reported_ : dict[str, set[str]]
        Per platform, the media types whose posts report views.
    n_posts_ : int
        Posts used (after joining to ``accounts``).
    n_calibration_posts_ : int
        Posts whose residuals calibrated the engagements interval.

    Examples
    --------
    >>> from datetime import datetime, timedelta, UTC
    >>> start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    >>> posts = pl.DataFrame({
    ...     "post_id": [f"p{i}" for i in range(40)],
    ...     "account_id": ["a", "b"] * 20,
    ...     "posted_at": [start + timedelta(days=i) for i in range(40)],
    ...     "media_type": ["video"] * 40,
    ...     "likes": [1000 + 10 * (i % 7) if i % 2 == 0 else 100 + i % 5 for i in range(40)],
    ...     "comments": [20] * 40, "views": [None] * 40, "shares": [None] * 40,
    ... })
    >>> accounts = pl.DataFrame({"account_id": ["a", "b"], "platform": ["tiktok"] * 2,
    ...                          "followers_count": [50_000, 5_000]})
    >>> model = PerformanceModel().fit(posts, accounts)
    >>> out = model.predict(accounts)
    >>> bool((out["engagements_low"] <= out["expected_engagements"]).all())
    True
    >>> out["expected_engagements"][0] > out["expected_engagements"][1]
    True
    """

    def __init__(
        self,
        *,
        coverage: float = 0.8,
        recent_posts: int = 30,
        calibration_share: float = 0.2,
        time_effects: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.coverage = coverage
        self.recent_posts = recent_posts
        self.calibration_share = calibration_share
        self.time_effects = time_effects
        self.random_state = random_state

    def _validate_params(self) -> None:
        if not 0.0 < self.coverage < 1.0:
            raise ValueError(f"coverage must be in (0, 1), got {self.coverage!r}")
        if int(self.recent_posts) < 2:
            raise ValueError(f"recent_posts must be at least 2, got {self.recent_posts!r}")
        if not 0.0 < self.calibration_share < 1.0:
            raise ValueError(f"calibration_share must be in (0, 1), got {self.calibration_share!r}")

    def _fit_both(self, frame: pl.DataFrame) -> tuple[_TargetFit, _TargetFit | None]:
        eng = _fit_target(frame, "y_engagements", time_effects=self.time_effects)
        views = None
        if frame["y_views"].is_not_null().any():
            views = _fit_target(frame, "y_views", time_effects=self.time_effects)
        return eng, views

    def fit(self, posts: pl.DataFrame, accounts: pl.DataFrame) -> Self:
        """Fit on post history.

        Parameters
        ----------
        posts : polars.DataFrame
            One row per post with :data:`POST_COLUMNS`; ``posted_at`` a datetime
            (naive means UTC) or an ISO-8601 string; ``views`` and ``shares``
            may be null.
        accounts : polars.DataFrame
            One row per account with :data:`ACCOUNT_COLUMNS`; posts of accounts
            not listed are ignored.

        Returns
        -------
        PerformanceModel
            The fitted model.

        Raises
        ------
        ValueError
            If a column is missing, a parameter is out of range, or no post
            belongs to a listed account.
        """
        self._validate_params()
        frame = _post_frame(posts, accounts)
        if frame.height == 0:
            raise ValueError("no post belongs to an account in accounts")
        frame = frame.filter(pl.col("age_rank") < int(self.recent_posts))
        # split conformal: fit without each account's latest posts, score those
        n_calib = (
            (pl.len().over("account_id") * self.calibration_share).ceil().cast(pl.Int64)
        ).clip(upper_bound=pl.len().over("account_id") - 1)
        is_calib = pl.col("age_rank") < n_calib
        train, calib = frame.filter(~is_calib), frame.filter(is_calib)
        quantiles: dict[str, tuple[float, float]] = {}
        if train.height > 0 and calib.height > 0:
            part_eng, part_views = self._fit_both(train)
            for name, part in (("y_engagements", part_eng), ("y_views", part_views)):
                rows = calib.filter(pl.col(name).is_not_null())
                if part is None or rows.height == 0:
                    continue
                centre, spread = _centre_and_spread(part, rows)
                scores = (rows[name].to_numpy() - centre) / spread
                quantiles[name] = _conformal_quantiles(scores, self.coverage)
        eng, views = self._fit_both(frame)
        empty = np.zeros(0, dtype=np.float64)
        self.engagements_ = _with_quantiles(
            eng, quantiles.get("y_engagements") or _conformal_quantiles(empty, self.coverage)
        )
        self.views_ = (
            None
            if views is None
            else _with_quantiles(
                views, quantiles.get("y_views") or _conformal_quantiles(empty, self.coverage)
            )
        )
        reported = (
            frame.group_by("platform", "media_type")
            .agg(pl.col("views").is_not_null().mean().alias("share"))
            .filter(pl.col("share") >= _VIEWS_SHARE)
        )
        self.views_reported_: dict[str, set[str]] = {}
        for platform, media in reported.select("platform", "media_type").iter_rows():
            self.views_reported_.setdefault(platform, set()).add(media)
        self.n_posts_ = frame.height
        self.n_calibration_posts_ = calib.filter(pl.col("y_engagements").is_not_null()).height
        return self

    def predict(
        self,
        accounts: pl.DataFrame,
        *,
        media_type: str | None = None,
        posted_at: datetime | None = None,
    ) -> pl.DataFrame:
        """Predict engagements and reach of one next post per account.

        Parameters
        ----------
        accounts : polars.DataFrame
            Rows with :data:`ACCOUNT_COLUMNS` (``followers_count`` may be null).
            Optional ``media_type`` and ``posted_at`` columns give a planned
            post per row and override the keyword arguments. Accounts unseen
            at fit time are predicted from the peer prior.
        media_type : str or None, default=None
            Media type of the planned post; None means the account's usual mix.
        posted_at : datetime or None, default=None
            Planned time (naive means UTC); None means the account's usual times.

        Returns
        -------
        polars.DataFrame
            Per input row: ``account_id``, ``expected_engagements``,
            ``engagements_low``, ``engagements_high``, ``expected_reach``,
            ``reach_low``, ``reach_high`` (views; null where unavailable),
            ``reach_unavailable_reason``, ``posts_used`` (the account's posts
            behind the estimate, 0 for the prior alone) and ``prior_weight``
            (share of the account level taken from the peer prior).
        """
        fit = self.engagements_  # raises AttributeError when unfitted, like sklearn
        rows = self._rows(accounts, media_type, posted_at)
        centre, spread = _centre_and_spread(fit, rows)
        out: dict[str, Any] = {"account_id": rows["account_id"]}
        low, high = centre + fit.q_low * spread, centre + fit.q_high * spread
        out["expected_engagements"] = np.expm1(np.maximum(centre, 0.0))
        out["engagements_low"] = np.expm1(np.maximum(low, 0.0))
        out["engagements_high"] = np.expm1(np.maximum(high, 0.0))
        reach, reason = self._reach(rows)
        out.update(reach)
        out["reach_unavailable_reason"] = pl.Series(reason, dtype=pl.String)
        state = rows.join(fit.accounts, on="account_id", how="left")
        out["posts_used"] = state["posts"].fill_null(0)
        out["prior_weight"] = state["shrinkage"].fill_null(1.0)
        return pl.DataFrame(out)

    def _rows(
        self, accounts: pl.DataFrame, media_type: str | None, posted_at: datetime | None
    ) -> pl.DataFrame:
        """One planned post per row: account, media type (or null) and UTC hour/weekday."""
        _require(accounts, ACCOUNT_COLUMNS, "accounts")
        if "media_type" in accounts.columns:
            media = pl.col("media_type").cast(pl.String)
        else:
            media = pl.lit(media_type, dtype=pl.String).alias("media_type")
        if "posted_at" in accounts.columns:
            hour, weekday = _utc_parts(pl.col("posted_at"), accounts.schema["posted_at"])
        else:
            when = None if posted_at is None else _as_utc(posted_at)
            hour = pl.lit(None if when is None else when.hour, dtype=pl.Int64).alias("hour")
            weekday = pl.lit(None if when is None else when.weekday(), dtype=pl.Int64).alias(
                "weekday"
            )
        return accounts.select(
            pl.col("account_id").cast(pl.String),
            pl.col("platform").cast(pl.String),
            pl.col("followers_count").cast(pl.Float64),
            media,
            hour,
            weekday,
        )

    def _reach(self, rows: pl.DataFrame) -> tuple[dict[str, Any], list[str | None]]:
        n = rows.height
        reason: list[str | None] = [None] * n
        available = np.ones(n, dtype=bool)
        for i, (platform, media) in enumerate(
            zip(rows["platform"].to_list(), rows["media_type"].to_list(), strict=True)
        ):
            kinds = self.views_reported_.get(str(platform), set())
            if self.views_ is None or not kinds:
                reason[i] = NO_VIEW_HISTORY_REASON
            elif media is not None and media not in kinds:
                reason[i] = NO_VIEWS_REASON.format(platform=platform, media=media)
            available[i] = reason[i] is None
        nulls = pl.Series([None] * n, dtype=pl.Float64)
        if self.views_ is None:
            return {"expected_reach": nulls, "reach_low": nulls, "reach_high": nulls}, reason
        fit = self.views_
        centre, spread = _centre_and_spread(fit, rows)
        low, high = centre + fit.q_low * spread, centre + fit.q_high * spread
        cols = {}
        for name, values in (("expected_reach", centre), ("reach_low", low), ("reach_high", high)):
            cols[name] = pl.Series(
                name, np.where(available, np.expm1(np.maximum(values, 0.0)), np.nan)
            ).fill_nan(None)
        return cols, reason


def _as_utc(when: datetime) -> datetime:
    return when if when.tzinfo is None else when.astimezone(UTC)


def _with_quantiles(fit: _TargetFit, quantiles: tuple[float, float]) -> _TargetFit:
    q_low, q_high = quantiles
    return _TargetFit(**{**fit.__dict__, "q_low": q_low, "q_high": q_high})


@dataclass(frozen=True)
class GroupCoverage:
    """Back-test figures of one group of held-back posts.

    Attributes
    ----------
    posts : int
        Held-back posts in the group.
    coverage : float
        Share whose actual figure fell inside the interval.
    coverage_low, coverage_high : float
        Wilson 95% interval of that share.
    median_ape : float
        Median absolute percentage error of the point prediction.
    """

    posts: int
    coverage: float
    coverage_low: float
    coverage_high: float
    median_ape: float


@dataclass(frozen=True)
class BacktestReport:
    """How well :class:`PerformanceModel` predicted each account's latest posts.

    Attributes
    ----------
    model : str
        Model name and version.
    coverage_target : float
        Nominal interval coverage.
    holdout_last : int
        Posts held back per account (its latest by time).
    accounts, held_out_posts : int
        Accounts and posts scored.
    coverage, coverage_low, coverage_high : float
        Share of held-back posts whose engagements fell inside the interval,
        with its Wilson 95% interval.
    below_share, above_share : float
        Shares that fell below the low end and above the high end.
    median_ape, mean_ape : float
        Median and mean absolute percentage error of ``expected_engagements``
        (posts with zero engagements are left out of the percentages).
    median_width_ratio : float
        Median of ``engagements_high / engagements_low`` (how many times
        larger the top of the interval is than its bottom).
    by_platform, by_follower_band : dict[str, GroupCoverage]
        The same, per platform and per follower band.
    reach : GroupCoverage or None
        The same for views, on held-back posts that report views.
    fit_seconds, predict_seconds : float
        Wall time of the fit and of the prediction.
    """

    model: str
    coverage_target: float
    holdout_last: int
    accounts: int
    held_out_posts: int
    coverage: float
    coverage_low: float
    coverage_high: float
    below_share: float
    above_share: float
    median_ape: float
    mean_ape: float
    median_width_ratio: float
    by_platform: dict[str, GroupCoverage] = field(default_factory=dict)
    by_follower_band: dict[str, GroupCoverage] = field(default_factory=dict)
    reach: GroupCoverage | None = None
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0

    @property
    def verdict(self) -> str:
        """``"too narrow"``, ``"too wide"`` or ``"consistent with target"``.

        The interval is judged too narrow (wide) when the target lies above
        (below) the Wilson interval of the observed coverage.
        """
        if self.coverage_target > self.coverage_high:
            return "too narrow"
        if self.coverage_target < self.coverage_low:
            return "too wide"
        return "consistent with target"

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dictionary of every figure, with the verdict."""
        out = asdict(self)
        out["verdict"] = self.verdict
        return out


def _group(inside: npt.NDArray[np.bool_], ape: FloatArray) -> GroupCoverage:
    k, n = int(inside.sum()), int(inside.size)
    low, high = wilson_interval(k, n)
    finite = ape[np.isfinite(ape)]
    return GroupCoverage(
        posts=n,
        coverage=k / n if n else float("nan"),
        coverage_low=low,
        coverage_high=high,
        median_ape=float(np.median(finite)) if finite.size else float("nan"),
    )


def _ape(actual: FloatArray, predicted: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ape = np.abs(predicted - actual) / actual
    return np.asarray(np.where(actual > 0, ape, np.nan), dtype=np.float64)


def backtest(
    posts: pl.DataFrame,
    accounts: pl.DataFrame,
    *,
    holdout_last: int = 5,
    coverage: float = 0.8,
    model: PerformanceModel | None = None,
) -> BacktestReport:
    """Hold back each account's latest posts, fit on the rest, and score the interval.

    Parameters
    ----------
    posts, accounts : polars.DataFrame
        As for :meth:`PerformanceModel.fit`.
    holdout_last : int, default=5
        Posts held back per account, its latest by ``posted_at``. An account
        with no more posts than this is held back whole and predicted from
        the peer prior.
    coverage : float, default=0.8
        Nominal interval coverage.
    model : PerformanceModel or None, default=None
        Unfitted model whose parameters to use (``coverage`` overrides its
        own); None means the defaults.

    Returns
    -------
    BacktestReport
        Coverage with Wilson intervals, errors, and subgroup figures.

    Raises
    ------
    ValueError
        If a column is missing, ``holdout_last < 1``, or nothing is left to fit on.
    """
    if holdout_last < 1:
        raise ValueError(f"holdout_last must be at least 1, got {holdout_last!r}")
    _require(posts, POST_COLUMNS, "posts")
    base = _account_frame(accounts)
    when = _utc_datetime(pl.col("posted_at"), posts.schema["posted_at"]).alias("_when")
    ranked = (
        posts.with_columns(when)
        .sort(["account_id", "_when", "post_id"])
        .with_columns(
            (pl.len().over("account_id") - 1 - pl.int_range(pl.len()).over("account_id")).alias(
                "_age"
            )
        )
    )
    held_mask = pl.col("_age") < holdout_last
    train = ranked.filter(~held_mask).drop("_when", "_age")
    held = ranked.filter(held_mask).join(base, on="account_id", how="inner")
    estimator = PerformanceModel() if model is None else model
    estimator = type(estimator)(**{**estimator.get_params(), "coverage": coverage})
    started = time.perf_counter()
    estimator.fit(train, accounts)
    fitted = time.perf_counter()
    rows = held.select(
        "account_id",
        "platform",
        "followers_count",
        "media_type",
        pl.col("_when").alias("posted_at"),
    )
    pred = estimator.predict(rows)
    predicted = time.perf_counter()

    eng = (
        held["likes"].cast(pl.Float64).fill_null(0.0)
        + held["comments"].cast(pl.Float64).fill_null(0.0)
        + held["shares"].cast(pl.Float64).fill_null(0.0)
    ).to_numpy()
    low = pred["engagements_low"].to_numpy()
    high = pred["engagements_high"].to_numpy()
    inside = (eng >= low) & (eng <= high)
    ape = _ape(eng, pred["expected_engagements"].to_numpy())
    overall = _group(inside, ape)
    platforms = np.array(held["platform"].to_list(), dtype=object)
    bands = np.array(
        [follower_band(float(f or 0.0)) for f in held["followers_count"].to_list()], dtype=object
    )
    views = held["views"].cast(pl.Float64).to_numpy()
    has_reach = np.isfinite(views) & pred["expected_reach"].is_not_null().to_numpy()
    reach = None
    if has_reach.any():
        r_low = pred["reach_low"].fill_null(np.nan).to_numpy()[has_reach]
        r_high = pred["reach_high"].fill_null(np.nan).to_numpy()[has_reach]
        v = views[has_reach]
        reach = _group(
            (v >= r_low) & (v <= r_high),
            _ape(v, pred["expected_reach"].fill_null(np.nan).to_numpy()[has_reach]),
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(low > 0, high / low, np.inf)
    finite_ape = ape[np.isfinite(ape)]
    return BacktestReport(
        model=f"{MODEL_NAME} {MODEL_VERSION}",
        coverage_target=coverage,
        holdout_last=holdout_last,
        accounts=held["account_id"].n_unique(),
        held_out_posts=held.height,
        coverage=overall.coverage,
        coverage_low=overall.coverage_low,
        coverage_high=overall.coverage_high,
        below_share=float(np.mean(eng < low)) if eng.size else float("nan"),
        above_share=float(np.mean(eng > high)) if eng.size else float("nan"),
        median_ape=overall.median_ape,
        mean_ape=float(np.mean(finite_ape)) if finite_ape.size else float("nan"),
        median_width_ratio=float(np.median(ratio)) if ratio.size else float("nan"),
        by_platform={
            str(p): _group(inside[platforms == p], ape[platforms == p])
            for p in sorted(set(platforms.tolist()))
        },
        by_follower_band={
            str(b): _group(inside[bands == b], ape[bands == b])
            for b in sorted(set(bands.tolist()), key=_band_order)
        },
        reach=reach,
        fit_seconds=fitted - started,
        predict_seconds=predicted - fitted,
    )


def _band_order(label: str) -> float:
    for lo in (0, 10_000, 100_000, 1_000_000):
        if follower_band(lo) == label:
            return float(lo)
    return math.inf


__all__ = [
    "ACCOUNT_COLUMNS",
    "POST_COLUMNS",
    "BacktestReport",
    "GroupCoverage",
    "PerformanceModel",
    "backtest",
]
