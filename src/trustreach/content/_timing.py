"""Best time to post: expected engagement by weekday and hour, shrunk towards peers.

The model, on the log scale (``log(1 + engagements)``), in UTC:

1. **Adjustment.** One least-squares fit over every post of the platform
   removes what is not the posting time: each account's own level and linear
   trend (a per-account intercept and slope in time), media type, and the
   followers the account had on the day (``log(1 + followers)``), with a
   platform-wide weekday and hour profile in the design so the adjustments are
   not confounded with it. What is left of each post, ``z``, is its time-of-week
   effect plus noise.
2. **Time-of-week effect** of a group of posts: a weekday effect (seven values)
   plus a smooth, circular hour profile (Fourier terms of the hour of day up to
   ``hour_harmonics`` cycles a day, so neighbouring hours share strength and
   23:00 is next to 00:00). The two add on the log scale: weekday and hour
   multiply engagement; an interaction (weekend mornings only) is not modelled.
3. **Shrinkage** (empirical Bayes, a normal hierarchy): the account's effect is
   drawn around its niche peers' (same platform, same first niche), which is
   drawn around the platform's (the other niches). Each level's spread (how
   far accounts stray from their niche, niches from the platform) is estimated
   from the data by the method of moments; an account with few posts, or whose
   posts look like its peers', is pulled to them, one with many posts that
   differ keeps its own. Each account's own level is free, so only the
   contrasts *within* an account (its Tuesday posts against its other posts)
   inform the time-of-week effect.
4. **Windows.** A window is a weekday and ``window_hours`` consecutive hours
   (UTC; it may run past midnight into the next day). Its expected engagement
   is the mean effect of its hours; its **lift** is over the account's median
   window (the median over the week's windows that have posts by the account
   or its peers), with a 90% interval from posterior draws. Media type drops
   out: the lift is the same for every format.

Everything is computed in UTC and shown in the audience's time zone too
(:func:`audience_time_zone`).

>>> audience_time_zone({"US": 0.6, "GB": 0.2}, "DE").zone
'America/New_York'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = [
    "AudienceZone",
    "PostingWindow",
    "TimingAdvice",
    "audience_time_zone",
    "best_posting_windows",
]

METHOD = "timing-eb"
METHOD_VERSION = "1"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
INTERVAL = 0.90
THIN_POSTS = 20
"""Fewer posts of its own than this: the account's answer leans on its peers."""

_MIN_OWN_FOR_SPREAD = 25  # posts an account needs to inform how far accounts stray
_TAU_FLOOR = 0.03**2  # the smallest spread allowed between levels (log scale)
_PLATFORM_PRIOR = 1.0  # the platform level's prior spread (log scale, very wide)
_LEVEL = 1e4  # a free level (the account's own intercept)

Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]
Tensor = npt.NDArray[np.float64]  # a stack of matrices

# A representative IANA zone per country (its most populous zone): countries
# that span several zones get one of them. Countries not listed fall back to UTC.
COUNTRY_ZONES: dict[str, str] = {
    "AE": "Asia/Dubai", "AR": "America/Argentina/Buenos_Aires", "AT": "Europe/Vienna",
    "AU": "Australia/Sydney", "BD": "Asia/Dhaka", "BE": "Europe/Brussels",
    "BR": "America/Sao_Paulo", "CA": "America/Toronto", "CH": "Europe/Zurich",
    "CL": "America/Santiago", "CN": "Asia/Shanghai", "CO": "America/Bogota",
    "CZ": "Europe/Prague", "DE": "Europe/Berlin", "DK": "Europe/Copenhagen",
    "EG": "Africa/Cairo", "ES": "Europe/Madrid", "FI": "Europe/Helsinki", "FR": "Europe/Paris",
    "GB": "Europe/London", "GH": "Africa/Accra", "GR": "Europe/Athens",
    "HK": "Asia/Hong_Kong", "HU": "Europe/Budapest", "ID": "Asia/Jakarta",
    "IE": "Europe/Dublin", "IL": "Asia/Jerusalem", "IN": "Asia/Kolkata", "IT": "Europe/Rome",
    "JP": "Asia/Tokyo", "KE": "Africa/Nairobi", "KR": "Asia/Seoul", "MA": "Africa/Casablanca",
    "MX": "America/Mexico_City", "MY": "Asia/Kuala_Lumpur", "NG": "Africa/Lagos",
    "NL": "Europe/Amsterdam", "NO": "Europe/Oslo", "NZ": "Pacific/Auckland",
    "PE": "America/Lima", "PH": "Asia/Manila", "PK": "Asia/Karachi", "PL": "Europe/Warsaw",
    "PT": "Europe/Lisbon", "RO": "Europe/Bucharest", "RU": "Europe/Moscow",
    "SA": "Asia/Riyadh", "SE": "Europe/Stockholm", "SG": "Asia/Singapore",
    "TH": "Asia/Bangkok", "TR": "Europe/Istanbul", "TW": "Asia/Taipei", "UA": "Europe/Kyiv",
    "US": "America/New_York", "VN": "Asia/Ho_Chi_Minh", "ZA": "Africa/Johannesburg",
}  # fmt: skip
_MULTI_ZONE = frozenset({"AU", "BR", "CA", "CL", "ID", "MX", "RU", "US", "KZ", "CD", "MN"})


@dataclass(frozen=True)
class AudienceZone:
    """The time zone a window is shown in, and where it came from."""

    zone: str
    country: str | None
    source: str  # "audience" (largest audience country), "creator" (creator's country), "none"
    note: str


def audience_time_zone(
    audience_countries: Mapping[str, float] | None, creator_country: str | None
) -> AudienceZone:
    """The audience's time zone: its largest country's, else the creator's, else UTC.

    A country spanning several zones gets a representative one (its most
    populous), and the note says so.
    """
    country, source = None, "none"
    shares = {str(k).upper(): float(v) for k, v in (audience_countries or {}).items() if v}
    if shares:
        country, source = max(sorted(shares), key=lambda k: shares[k]), "audience"
    elif creator_country:
        country, source = str(creator_country).upper(), "creator"
    if country is None:
        return AudienceZone("UTC", None, "none", "no audience or creator country known: UTC")
    zone = COUNTRY_ZONES.get(country)
    if zone is None or not _zone_available(zone):
        return AudienceZone(
            "UTC", country, source, f"no representative time zone known for {country}: UTC"
        )
    why = (
        f"largest audience country {country} ({shares[country]:.0%} of the audience)"
        if source == "audience"
        else f"creator's country {country} (no audience countries reported)"
    )
    multi = (
        f"; {country} spans several time zones, {zone} is a representative one"
        if country in _MULTI_ZONE
        else ""
    )
    return AudienceZone(zone, country, source, f"{zone}: {why}{multi}")


def _zone_available(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class PostingWindow:
    """One recommended window with its evidence.

    ``weekday`` (0 = Monday) and ``start_hour`` are in UTC; ``local`` and
    ``utc`` are the same window written out for a person. ``lift`` is the
    expected engagement over the account's median window minus one (0.25 is
    25% more), ``lift_low``/``lift_high`` its 90% interval; ``p_better`` the
    probability that the window beats the median window. ``own_posts`` are
    the account's posts in the window, ``peer_posts`` its niche peers',
    ``platform_posts`` the other niches' on the platform; ``account_share`` is
    how much of the estimate comes from the account's own posts (0: all from
    peers).
    """

    weekday: int
    start_hour: int
    hours: int
    utc: str
    local: str
    lift: float
    lift_low: float
    lift_high: float
    p_better: float
    own_posts: int
    peer_posts: int
    platform_posts: int
    account_share: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "weekday_utc": WEEKDAY_NAMES[self.weekday],
            "start_hour_utc": self.start_hour,
            "hours": self.hours,
            "utc": self.utc,
            "local": self.local,
            "lift": round(self.lift, 4),
            "interval": [round(self.lift_low, 4), round(self.lift_high, 4)],
            "interval_level": INTERVAL,
            "p_better_than_median": round(self.p_better, 3),
            "evidence": {
                "own_posts": self.own_posts,
                "peer_posts": self.peer_posts,
                "platform_posts": self.platform_posts,
                "account_share": round(self.account_share, 3),
            },
            "reason": self.reason,
        }


@dataclass(frozen=True)
class WindowLift:
    """One window of the week (every start hour) with its lift, for a week's heat map.

    ``weekday`` and ``start_hour`` are in UTC, ``local_weekday`` and
    ``local_start`` (``HH:MM``) the same start in the audience's zone on the week
    of ``as_of``. ``lift``, ``lift_low``/``lift_high`` (90% interval) and the
    posts observed in the window are as in :class:`PostingWindow`; a window
    without posts of the account or its peers is an extrapolation of the smooth
    weekday and hour profile.
    """

    weekday: int
    start_hour: int
    local_weekday: int
    local_start: str
    lift: float
    lift_low: float
    lift_high: float
    own_posts: int
    peer_posts: int
    platform_posts: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "weekday_utc": WEEKDAY_NAMES[self.weekday],
            "start_hour_utc": self.start_hour,
            "local_weekday": WEEKDAY_NAMES[self.local_weekday],
            "local_start": self.local_start,
            "lift": round(self.lift, 4),
            "interval": [round(self.lift_low, 4), round(self.lift_high, 4)],
            "evidence": {
                "own_posts": self.own_posts,
                "peer_posts": self.peer_posts,
                "platform_posts": self.platform_posts,
            },
        }


@dataclass(frozen=True)
class TimingAdvice:
    """The best windows for one account and what they rest on.

    ``grid`` holds every window of the week (168 start hours, UTC order) with its
    lift, interval and posts observed: the best ``windows`` are among them.
    """

    account_id: str
    niche: str | None
    zone: AudienceZone
    windows: list[PostingWindow]
    own_posts: int
    peer_posts: int
    peer_accounts: int
    platform_posts: int
    statement: str
    adjustments: dict[str, float] = field(default_factory=dict)
    spreads: dict[str, float] = field(default_factory=dict)
    grid: tuple[WindowLift, ...] = ()
    window_hours: int = 3

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the service adds ``generated_by``)."""
        return {
            "account_id": self.account_id,
            "niche": self.niche,
            "method": METHOD,
            "method_version": METHOD_VERSION,
            "time_zone": {
                "zone": self.zone.zone,
                "country": self.zone.country,
                "source": self.zone.source,
                "note": self.zone.note,
            },
            "windows": [w.to_dict() for w in self.windows],
            "grid": {
                "window_hours": self.window_hours,
                "interval_level": INTERVAL,
                "windows": [w.to_dict() for w in self.grid],
            },
            "evidence": {
                "own_posts": self.own_posts,
                "peer_posts": self.peer_posts,
                "peer_accounts": self.peer_accounts,
                "platform_posts": self.platform_posts,
            },
            "adjusted_for": {k: round(v, 4) for k, v in self.adjustments.items()},
            "spreads": {k: round(v, 5) for k, v in self.spreads.items()},
            "statement": self.statement,
        }


def best_posting_windows(
    posts: pl.DataFrame,
    account_id: str,
    *,
    niche: str | None = None,
    top: int = 3,
    window_hours: int = 3,
    hour_harmonics: int = 4,
    zone: AudienceZone | None = None,
    as_of: datetime | None = None,
    n_draws: int = 1000,
    random_state: int = 0,
) -> TimingAdvice:
    """The ``top`` windows of the week to post on ``account_id``, each with its evidence.

    Parameters
    ----------
    posts
        The account's posts and its platform's (columns of
        :func:`trustreach.services._content_data.posts_frame`; ``account_id``,
        ``niches``, ``posted_at``, ``media_type``, ``followers`` and
        ``engagements`` are used). Every account in it is taken to be on the
        account's platform.
    account_id
        The account advised; it may have no posts (the answer is then its peers').
    niche
        The account's niche: peers are the accounts whose first declared niche
        it is (default: the account's first niche in ``posts``).
    top
        How many windows (1 to 10); windows do not overlap.
    window_hours
        Hours per window (1 to 6).
    hour_harmonics
        Smoothness of the hour profile: daily cycles in its Fourier series (1 to 8).
    zone
        Where to show the windows (default UTC).
    as_of
        The date whose UTC offset converts windows to local time (default now).
    n_draws, random_state
        Posterior draws for the intervals, and their seed.
    """
    _check(
        top=(top, 1, 10), window_hours=(window_hours, 1, 6), hour_harmonics=(hour_harmonics, 1, 8)
    )
    zone = zone or AudienceZone("UTC", None, "none", "UTC")
    as_of = as_of or datetime.now(UTC)
    frame = posts.filter(pl.col("engagements").is_not_null())
    first = frame["niches"].list.first().fill_null("").str.to_lowercase()
    if niche is None:
        mine = first.filter(frame["account_id"] == account_id)
        niche = (mine[0] or None) if len(mine) else None
    niche_key = (niche or "").strip().casefold()
    own = (frame["account_id"] == account_id).to_numpy()
    peer = (~own) & (first == niche_key).to_numpy() & bool(niche_key)
    other = ~(own | peer)
    accounts_all = frame["account_id"].to_numpy()
    peer_accounts = len(set(accounts_all[peer].tolist()))
    n_own, n_peer, n_other = int(own.sum()), int(peer.sum()), int(other.sum())
    if n_own + n_peer + n_other == 0:
        return TimingAdvice(
            account_id, niche, zone, [], 0, 0, 0, 0,
            "No posts by this account or by any account on its platform: "
            "there is nothing to learn a posting time from.",
            window_hours=window_hours,
        )  # fmt: skip

    when = frame["posted_at"].dt.convert_time_zone("UTC")
    weekday = (when.dt.weekday().to_numpy() - 1).astype(np.int64)  # polars: Monday = 1
    hour = when.dt.hour().to_numpy() + when.dt.minute().to_numpy() / 60.0
    basis = _time_basis(weekday, hour, hour_harmonics)
    z, sigma2, adjustments = _adjusted(frame, basis)

    codes, account_idx = np.unique(accounts_all, return_inverse=True)
    niche_of = first.to_numpy()
    p = basis.shape[1]
    free = _free_level(p)
    mats, scores = _account_infos(basis, z, account_idx, len(codes), sigma2)
    _, first_row = np.unique(account_idx, return_index=True)
    niche_names, niche_idx = np.unique(niche_of[first_row].astype(str), return_inverse=True)
    n_posts = np.bincount(account_idx, minlength=len(codes))
    spread_acc = _account_spread(mats, scores, niche_idx, len(niche_names), n_posts, p)
    t_acc = _spread_matrix(p, spread_acc) + free
    is_self = codes == account_id
    in_niche = np.array([bool(niche_key) and n == niche_key for n in niche_names], dtype=bool)
    peer_acc = ~is_self & in_niche[niche_idx]
    rest_acc = ~is_self & ~in_niche[niche_idx]
    # the platform: every other niche, each niche drawn around the platform
    d_mats, d_scores = _discounted(mats[rest_acc], scores[rest_acc], t_acc)
    niche_mats = np.zeros((len(niche_names), p, p))
    niche_scores = np.zeros((len(niche_names), p))
    np.add.at(niche_mats, niche_idx[rest_acc], d_mats)
    np.add.at(niche_scores, niche_idx[rest_acc], d_scores)
    present = np.isin(np.arange(len(niche_names)), niche_idx[rest_acc])
    niche_mats, niche_scores = niche_mats[present], niche_scores[present]
    spread_niche = _niche_spread(niche_mats, niche_scores, p)
    t_niche = _spread_matrix(p, spread_niche) + free
    prec = np.diag(np.r_[np.full(7, 1 / _LEVEL), np.full(p - 7, 1 / _PLATFORM_PRIOR)])
    n_mats, n_scores = _discounted(niche_mats, niche_scores, t_niche)
    cov_plat = np.asarray(np.linalg.inv(prec + n_mats.sum(axis=0)), dtype=np.float64)
    mean_plat = cov_plat @ n_scores.sum(axis=0)
    # the niche: its peers, drawn around the platform
    p_mats, p_scores = _discounted(mats[peer_acc], scores[peer_acc], t_acc)
    mean_niche, cov_niche = _posterior(
        mean_plat, cov_plat + t_niche, p_mats.sum(axis=0), p_scores.sum(axis=0)
    )
    # the account, drawn around its niche
    info_own, score_own = mats[is_self].sum(axis=0), scores[is_self].sum(axis=0)
    prior_cov = cov_niche + t_acc
    mean_acc, cov_acc = _posterior(mean_niche, prior_cov, info_own, score_own)

    windows = _window_matrix(window_hours, hour_harmonics)
    cells = (weekday * 24 + np.floor(hour).astype(np.int64)) % 168
    members = _window_members(window_hours)
    counts = {
        name: np.bincount(cells[mask], minlength=168)[members].sum(axis=1)
        for name, mask in (("own", own), ("peer", peer), ("other", other))
    }
    support = counts["own"] + counts["peer"]
    supported = support > 0
    if not supported.any():
        supported = (support + counts["other"]) > 0
    rng = np.random.default_rng(random_state)
    factor = np.linalg.cholesky(_symmetric(cov_acc))
    draws = mean_acc + np.einsum("dp,qp->dq", rng.standard_normal((n_draws, len(mean_acc))), factor)
    # einsum, not BLAS: small products that BLAS threads only slow down on a busy machine
    scores = np.einsum("dp,wp->dw", draws, windows)  # (draws, 168)
    medians = np.median(scores[:, supported], axis=1)
    expected = windows @ mean_acc
    reference = float(np.median(expected[supported]))
    draws_lift = np.expm1(scores - medians[:, None])  # (draws, 168)
    lows, highs = np.quantile(draws_lift, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2], axis=0)
    centre = windows[supported].mean(axis=0)
    order = [int(i) for i in np.argsort(-expected, kind="stable") if supported[i]]
    chosen: list[int] = []
    for i in order:
        if len(chosen) == top:
            break
        if all(not (set(members[i]) & set(members[j])) for j in chosen):
            chosen.append(i)
    out = []
    for i in chosen:
        low, high = lows[i], highs[i]
        contrast = windows[i] - centre
        prior_var = float(contrast @ prior_cov @ contrast)
        post_var = float(contrast @ cov_acc @ contrast)
        share = 0.0 if prior_var <= 0 else float(np.clip(1 - post_var / prior_var, 0.0, 1.0))
        d, s = divmod(i, 24)
        utc, local = _labels(d, s, window_hours, zone.zone, as_of)
        lift = math.expm1(float(expected[i]) - reference)
        out.append(
            PostingWindow(
                weekday=d,
                start_hour=s,
                hours=window_hours,
                utc=utc,
                local=local,
                lift=lift,
                lift_low=float(low),
                lift_high=float(high),
                p_better=float((scores[:, i] > medians).mean()),
                own_posts=int(counts["own"][i]),
                peer_posts=int(counts["peer"][i]),
                platform_posts=int(counts["other"][i]),
                account_share=share,
                reason=_reason(
                    local,
                    utc,
                    lift,
                    float(low),
                    float(high),
                    int(counts["own"][i]),
                    int(counts["peer"][i]),
                    peer_accounts,
                    niche,
                    share,
                ),
            )
        )
    return TimingAdvice(
        account_id=account_id,
        niche=niche,
        zone=zone,
        windows=out,
        own_posts=n_own,
        peer_posts=n_peer,
        peer_accounts=peer_accounts,
        platform_posts=n_other,
        statement=_statement(n_own, n_peer, peer_accounts, niche, zone),
        grid=_grid(np.expm1(expected - reference), lows, highs, counts, zone.zone, as_of),
        window_hours=window_hours,
        adjustments=adjustments,
        spreads={
            "account_weekday": spread_acc[0],
            "account_hour": spread_acc[1],
            "niche_weekday": spread_niche[0],
            "niche_hour": spread_niche[1],
            "noise": sigma2,
        },
    )


def _grid(
    lift: Vector,
    low: Vector,
    high: Vector,
    counts: Mapping[str, npt.NDArray[np.int64]],
    zone: str,
    as_of: datetime,
) -> tuple[WindowLift, ...]:
    """Every window of the week (UTC start hour order) with its local start in ``zone``."""
    tz = ZoneInfo(zone)
    base = as_of.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for i in range(168):
        d, s = divmod(i, 24)
        local = (base + timedelta(days=(d - base.weekday()) % 7, hours=s)).astimezone(tz)
        out.append(
            WindowLift(
                weekday=d,
                start_hour=s,
                local_weekday=local.weekday(),
                local_start=f"{local:%H:%M}",
                lift=float(lift[i]),
                lift_low=float(low[i]),
                lift_high=float(high[i]),
                own_posts=int(counts["own"][i]),
                peer_posts=int(counts["peer"][i]),
                platform_posts=int(counts["other"][i]),
            )
        )
    return tuple(out)


def _check(**ranges: tuple[int, int, int]) -> None:
    for name, (value, low, high) in ranges.items():
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")


def _time_basis(weekday: npt.NDArray[np.int64], hour: Vector, harmonics: int) -> Matrix:
    """Seven weekday indicators, then cos/sin of the hour for 1..harmonics cycles a day."""
    out = np.zeros((len(weekday), 7 + 2 * harmonics))
    out[np.arange(len(weekday)), weekday] = 1.0
    angle = 2 * np.pi * np.asarray(hour, dtype=np.float64) / 24.0
    for k in range(1, harmonics + 1):
        out[:, 7 + 2 * (k - 1)] = np.cos(k * angle)
        out[:, 8 + 2 * (k - 1)] = np.sin(k * angle)
    return out


def _window_members(window_hours: int) -> npt.NDArray[np.int64]:
    """For each of the week's 168 windows (weekday * 24 + start hour): its hour cells."""
    start = np.arange(168)[:, None]
    return (start + np.arange(window_hours)[None, :]) % 168


def _window_matrix(window_hours: int, harmonics: int) -> Matrix:
    """Each window's row: the mean of its hour cells' basis rows (cell centres)."""
    cell = np.arange(168)
    rows = _time_basis(cell // 24, (cell % 24).astype(np.float64) + 0.5, harmonics)
    return np.asarray(rows[_window_members(window_hours)].mean(axis=1), dtype=np.float64)


def _adjusted(frame: pl.DataFrame, basis: Matrix) -> tuple[Vector, float, dict[str, float]]:
    """Each post's time-of-week effect plus noise, the noise variance, the adjustments.

    One least-squares fit: per-account intercept and linear trend (removed by
    projecting within accounts), media type, log followers on the day, and the
    platform's weekday and hour profile.
    """
    y = np.log1p(frame["engagements"].to_numpy().astype(np.float64).clip(min=0))
    followers = np.log1p(frame["followers"].fill_null(0).to_numpy().astype(np.float64).clip(0))
    media = frame["media_type"].fill_null("unknown").to_numpy()
    kinds, counts = np.unique(media, return_counts=True)
    common = kinds[int(np.argmax(counts))] if len(kinds) else ""
    others = [k for k in kinds if k != common]
    media_cols = (
        np.column_stack([(media == k).astype(np.float64) for k in others])
        if others
        else np.zeros((len(y), 0))
    )
    days = frame["posted_at"].dt.epoch("s").to_numpy().astype(np.float64) / 86400.0 / 365.25
    _, groups = np.unique(frame["account_id"].to_numpy(), return_inverse=True)
    # the weekday indicators sum to the intercept, which the accounts' levels hold: drop one
    x = np.column_stack([media_cols, followers, basis[:, 1:]])
    x_res = _within(x, groups, days)
    y_res = _within(y[:, None], groups, days)[:, 0]
    gram = np.einsum("ij,ik->jk", x_res, x_res) + 1e-6 * np.eye(x.shape[1])
    beta = np.linalg.solve(gram, np.einsum("ij,i->j", x_res, y_res))
    resid = y_res - np.einsum("ij,j->i", x_res, beta)
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    dof = max(len(y) - 2 * n_groups - x.shape[1], 1)
    sigma2 = float(max(resid @ resid / dof, 1e-4))
    k = len(others)
    time_part = np.einsum("ij,j->i", basis[:, 1:], beta[k + 1 :])
    adjustments = {f"media:{name}": float(beta[i]) for i, name in enumerate(others)}
    adjustments["log_followers"] = float(beta[k])
    return resid + time_part, sigma2, adjustments


def _within(x: Matrix, groups: npt.NDArray[np.int64], t: Vector) -> Matrix:
    """``x`` minus, within each group, its least-squares line in ``t``."""
    n = int(groups.max()) + 1 if len(groups) else 0
    size = np.bincount(groups, minlength=n).astype(np.float64)
    t_mean = np.bincount(groups, weights=t, minlength=n) / np.maximum(size, 1)
    tc = t - t_mean[groups]
    stt = np.bincount(groups, weights=tc * tc, minlength=n)
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        col = x[:, j]
        mean = np.bincount(groups, weights=col, minlength=n) / np.maximum(size, 1)
        centred = col - mean[groups]
        stx = np.bincount(groups, weights=tc * centred, minlength=n)
        slope = np.where((size >= 3) & (stt > 1e-12), stx / np.where(stt > 0, stt, 1.0), 0.0)
        out[:, j] = centred - slope[groups] * tc
    return out


def _account_infos(
    basis: Matrix, z: Vector, account_idx: npt.NDArray[np.int64], n: int, sigma2: float
) -> tuple[Tensor, Matrix]:
    """Each account's data precision ``X'X / sigma2`` and score ``X'z / sigma2``, stacked."""
    p = basis.shape[1]
    if n == 0:
        return np.zeros((0, p, p)), np.zeros((0, p))
    order = np.argsort(account_idx, kind="stable")
    starts = np.searchsorted(account_idx[order], np.arange(n))
    x = basis[order]
    outer = x[:, :, None] * x[:, None, :]
    mats = np.add.reduceat(outer, starts, axis=0) / sigma2
    scores = np.add.reduceat(x * z[order][:, None], starts, axis=0) / sigma2
    return np.asarray(mats, dtype=np.float64), np.asarray(scores, dtype=np.float64)


def _free_level(p: int) -> Matrix:
    """A free shift of all seven weekday effects together (a group's own level)."""
    out = np.zeros((p, p))
    out[:7, :7] = _LEVEL
    return out


def _spread_matrix(p: int, spread: tuple[float, float]) -> Matrix:
    return np.diag(np.r_[np.full(7, spread[0]), np.full(p - 7, spread[1])])


def _discounted(mats: Tensor, scores: Matrix, spread: Matrix) -> tuple[Tensor, Matrix]:
    """What members say about their group's mean when members stray by ``spread``.

    ``(V + T)^-1`` and ``(V + T)^-1 b`` with ``V = info^-1``, for a stack of
    members, written so that ``info`` may be singular: ``info (I + T info)^-1``.
    """
    p = scores.shape[1]
    if len(mats) == 0:
        return np.zeros((0, p, p)), np.zeros((0, p))
    inv = np.linalg.inv(np.eye(p) + spread @ mats)
    info = mats @ inv
    info = (info + info.transpose(0, 2, 1)) / 2.0
    return np.asarray(info, dtype=np.float64), np.einsum("kji,kj->ki", inv, scores)


def _posterior(
    prior_mean: Vector, prior_cov: Matrix, info: Matrix, score: Vector
) -> tuple[Vector, Matrix]:
    prior_prec = np.asarray(np.linalg.inv(_symmetric(prior_cov)), dtype=np.float64)
    cov = np.asarray(np.linalg.inv(prior_prec + info), dtype=np.float64)
    return cov @ (prior_prec @ prior_mean + score), _symmetric(cov)


def _symmetric(m: Matrix) -> Matrix:
    return np.asarray((m + m.T) / 2.0, dtype=np.float64)


def _ols(mats: Tensor, scores: Matrix) -> tuple[npt.NDArray[np.bool_], Matrix, Tensor]:
    """Least-squares coefficients and covariances of a stack; which are identified."""
    if len(mats) == 0:
        return np.zeros(0, dtype=bool), np.zeros_like(scores), np.zeros_like(mats)
    eig = np.linalg.eigvalsh(mats)
    ok = eig[:, 0] > 1e-10 * np.maximum(eig[:, -1], 1e-300)
    covs = np.zeros_like(mats)
    if ok.any():
        covs[ok] = np.linalg.inv(mats[ok])
    return ok, np.einsum("kij,kj->ki", covs, scores), covs


def _centred_spread(diffs: Matrix, covs: Tensor, p: int) -> tuple[float, float]:
    """Method of moments: the spread of true effects from differences and their noise."""
    if len(diffs) == 0:
        return (_TAU_FLOOR, _TAU_FLOOR)
    centre = np.eye(7) - 1 / 7
    dw = diffs[:, :7] @ centre
    week = ((dw * dw).sum(axis=1) - np.einsum("kij,ji->k", covs[:, :7, :7], centre)) / 6
    dh = diffs[:, 7:]
    hour = ((dh * dh).sum(axis=1) - np.einsum("kii->k", covs[:, 7:, 7:])) / (p - 7)
    return (max(float(week.mean()), _TAU_FLOOR), max(float(hour.mean()), _TAU_FLOOR))


def _account_spread(
    mats: Tensor,
    scores: Matrix,
    niche_idx: npt.NDArray[np.int64],
    n_niches: int,
    n_posts: npt.NDArray[np.int64],
    p: int,
) -> tuple[float, float]:
    """How far accounts' effects stray from the rest of their niche (accounts with enough posts)."""
    tot_mats = np.zeros((n_niches, p, p))
    tot_scores = np.zeros((n_niches, p))
    np.add.at(tot_mats, niche_idx, mats)
    np.add.at(tot_scores, niche_idx, scores)
    q = n_posts >= _MIN_OWN_FOR_SPREAD
    ok_a, mine, cov_a = _ols(mats[q], scores[q])
    ok_b, rest, cov_b = _ols(tot_mats[niche_idx[q]] - mats[q], tot_scores[niche_idx[q]] - scores[q])
    ok = ok_a & ok_b
    return _centred_spread(mine[ok] - rest[ok], cov_a[ok] + cov_b[ok], p)


def _niche_spread(mats: Tensor, scores: Matrix, p: int) -> tuple[float, float]:
    """How far niches' effects stray from the rest of the platform."""
    ok, mine, cov = _ols(mats, scores)
    if ok.sum() < 2:
        return (_TAU_FLOOR, _TAU_FLOOR)
    mats, scores, mine, cov = mats[ok], scores[ok], mine[ok], cov[ok]
    ok_r, rest, cov_r = _ols(mats.sum(axis=0) - mats, scores.sum(axis=0) - scores)
    return _centred_spread(mine[ok_r] - rest[ok_r], cov[ok_r] + cov_r[ok_r], p)


def _labels(weekday: int, start: int, hours: int, zone: str, as_of: datetime) -> tuple[str, str]:
    """The window in UTC and in ``zone``, on the week of ``as_of`` (for its UTC offset)."""
    base = as_of.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    begin = base + timedelta(days=(weekday - base.weekday()) % 7, hours=start)
    end = begin + timedelta(hours=hours)

    def fmt(a: datetime, b: datetime, name: str) -> str:
        day = WEEKDAYS[a.weekday()]
        tail = (
            ""
            if b.date() == a.date() or (b.hour, b.minute) == (0, 0)
            else f" {WEEKDAYS[b.weekday()]}"
        )
        return f"{day} {a:%H:%M}–{tail.strip() + ' ' if tail else ''}{b:%H:%M} {name}"

    utc = fmt(begin, end, "UTC")
    if zone == "UTC":
        return utc, utc
    tz = ZoneInfo(zone)
    return utc, fmt(begin.astimezone(tz), end.astimezone(tz), zone)


def _percent(x: float) -> str:
    return f"{x:+.0%}"


def _reason(
    local: str,
    utc: str,
    lift: float,
    low: float,
    high: float,
    own: int,
    peer: int,
    peer_accounts: int,
    niche: str | None,
    share: float,
) -> str:
    where = local if local == utc else f"{local} ({utc})"
    peers = f"{peer} by {peer_accounts} peer account(s) in {niche or 'its niche'}"
    if low <= 0:
        sure = "the interval reaches below the median window: a lead to test, not a plan"
    elif high - low > 0.6:
        sure = "the whole interval is above the median window, but it is wide"
    else:
        sure = "the whole interval is above the median window"
    return (
        f"{where}: expected engagement {_percent(lift)} against this account's median window "
        f"(90% interval {_percent(low)} to {_percent(high)}); posts in this window itself: "
        f"{own} of its own and {peers} (the weekday and the hours are each learnt from every "
        f"post on that day or at those hours); {share:.0%} of the estimate comes from the "
        f"account's own posts, the rest from its peers; {sure}."
    )


def _statement(
    own: int, peer: int, peer_accounts: int, niche: str | None, zone: AudienceZone
) -> str:
    where = f"Times are shown in {zone.note}."
    if own == 0 and peer == 0:
        return (
            "This account has no posts and no niche peers: the windows are the platform's "
            f"pattern only, with wide intervals. {where}"
        )
    if own == 0:
        return (
            f"This account has no posts yet: the windows are its peers' ({peer} posts by "
            f"{peer_accounts} account(s) in {niche}), with wide intervals. {where}"
        )
    if own < THIN_POSTS:
        return (
            f"This account has only {own} posts: the windows lean on its peers ({peer} posts by "
            f"{peer_accounts} account(s) in {niche or 'its niche'}) and the intervals are wide. "
            f"{where}"
        )
    return (
        f"From {own} of this account's posts and {peer} by {peer_accounts} peer account(s) in "
        f"{niche or 'its niche'}, adjusted for media type, followers on the day and the "
        f"account's trend. {where}"
    )
