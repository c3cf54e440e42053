"""Format effects: how media type and caption length go with engagement, within account.

For one account and its peers (same platform and niche), on ``log(1 + engagements)``:

``log(1 + y) = account level + account trend * time + media-type effect + length effect + noise``

- *Within account*: each account's own level and linear trend over time are taken
  out first (Frisch-Waugh: the effects come from differences between one account's
  posts, never from comparing a big account's reels with a small one's images).
- The effects are contrasts against a *reference*: the account's most used media
  type and caption-length bucket. ``multiplier`` is the expected ratio of
  engagements (e.g. 1.12: 12% more than the reference).
- *Peers* (every other account in the frame) give a pooled estimate with a
  cluster-robust (by account) standard error; the account's own posts give its own.
  The account's effect is shrunk towards the peers' in proportion to how little its
  own posts say (empirical Bayes: the between-account spread of the effect is
  estimated from the peers' own per-account estimates). A level the account never
  used gets the peers' estimate, with the between-account spread added.
- Each effect has an interval (default 80%) and its evidence: the account's posts
  and the peers' posts of that level.

Observational: an account that posts reels when it has something special to show
confounds the media effect with the content. A person decides what to post.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]

METHOD = "within-account fixed effects and trends, empirical-Bayes shrinkage to peers"
METHOD_VERSION = "1.0"

LENGTH_BUCKETS: tuple[tuple[int, str], ...] = (
    (50, "under 50 characters"),
    (125, "50-124 characters"),
    (300, "125-299 characters"),
    (10**9, "300 characters or more"),
)
"""Caption-length buckets (upper bound exclusive, label) of the caption's text without its
hashtags (hashtags are advised on their own); 125 is where Instagram cuts a caption off
behind "more"."""

Dimension = Literal["media_type", "caption_length"]
_MIN_TAU2 = 0.005  # floor of the between-account variance of an effect (log scale)
_DEFAULT_TAU2 = 0.02  # when too few peers estimate it
_TAG = re.compile(r"#\w+")
REQUIRED = ("account_id", "posted_at", "media_type", "caption", "engagements")


def length_bucket(caption: str | None) -> str:
    """The caption-length bucket of ``caption``: its text without hashtags.

    >>> length_bucket("Morning routine #skincare"), length_bucket("x" * 130)
    ('under 50 characters', '125-299 characters')
    """
    n = len(" ".join(_TAG.sub(" ", caption or "").split()))
    for upper, label in LENGTH_BUCKETS:
        if n < upper:
            return label
    return LENGTH_BUCKETS[-1][1]  # pragma: no cover


@dataclass(frozen=True)
class FormatEffect:
    """One media type's or caption-length bucket's effect against the reference.

    Attributes
    ----------
    dimension : {"media_type", "caption_length"}
    level, reference : str
        The level and the level it is compared with.
    multiplier, low, high : float
        Expected engagements relative to the reference, with its interval.
    account_posts, peer_posts, peer_accounts : int
        Evidence: the account's posts of this level; peers' posts of it and peers.
    peer_multiplier : float or None
        The peers' pooled estimate (None without peers).
    prior_weight : float
        Share of the estimate taken from the peers (1: peers only).
    reason : str
        The estimate in plain words, with how sure it is.
    """

    dimension: Dimension
    level: str
    reference: str
    multiplier: float
    low: float
    high: float
    account_posts: int
    peer_posts: int
    peer_accounts: int
    peer_multiplier: float | None
    prior_weight: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class FormatEffects:
    """Every format effect of one account, with the evidence behind the fit."""

    account_id: str
    coverage: float
    references: dict[str, str]
    effects: tuple[FormatEffect, ...]
    account_posts: int
    peer_posts: int
    peer_accounts: int

    def effect(self, dimension: Dimension, level: str) -> FormatEffect | None:
        """The effect of ``level`` (None for the reference or an unseen level)."""
        for e in self.effects:
            if e.dimension == dimension and e.level == level:
                return e
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "method": f"{METHOD} {METHOD_VERSION}",
            "account_id": self.account_id,
            "coverage": self.coverage,
            "references": dict(self.references),
            "account_posts": self.account_posts,
            "peer_posts": self.peer_posts,
            "peer_accounts": self.peer_accounts,
            "effects": [e.to_dict() for e in self.effects],
        }


def _within(values: FloatArray, group: npt.NDArray[np.int64], t: FloatArray) -> FloatArray:
    """Residuals of each column after each group's own intercept and linear trend."""
    k = int(group.max()) + 1 if group.size else 0
    n = np.bincount(group, minlength=k).astype(np.float64)
    safe = np.maximum(n, 1.0)
    t_c = t - (np.bincount(group, weights=t, minlength=k) / safe)[group]
    tt = np.bincount(group, weights=t_c * t_c, minlength=k)
    cols = values if values.ndim == 2 else values[:, None]
    out = np.empty_like(cols)
    for j in range(cols.shape[1]):
        v = cols[:, j]
        v_c = v - (np.bincount(group, weights=v, minlength=k) / safe)[group]
        tv = np.bincount(group, weights=t_c * v_c, minlength=k)
        slope = np.divide(tv, tt, out=np.zeros(k), where=tt > 1e-12)
        out[:, j] = v_c - slope[group] * t_c
    return out if values.ndim == 2 else out[:, 0]


@dataclass(frozen=True)
class _Fit:
    beta: FloatArray
    se: FloatArray
    ok: npt.NDArray[np.bool_]  # columns the data can estimate


def _ols(x: FloatArray, y: FloatArray, group: npt.NDArray[np.int64] | None, lost_dof: int) -> _Fit:
    """OLS on within-account residuals; cluster-robust SE when ``group`` is given."""
    p = x.shape[1]
    ok = (np.abs(x) > 1e-9).sum(axis=0) >= 2
    beta = np.zeros(p)
    se = np.full(p, np.inf)
    xs = x[:, ok]
    n = y.size
    dof = n - lost_dof - xs.shape[1]
    if xs.shape[1] == 0 or dof <= 0:
        return _Fit(beta, se, np.zeros(p, dtype=bool))
    xtx = xs.T @ xs
    bread = np.linalg.pinv(xtx)
    b = bread @ (xs.T @ y)
    e = y - xs @ b
    if group is not None and np.unique(group).size >= 5:
        k = int(group.max()) + 1
        scores = np.zeros((k, xs.shape[1]))
        np.add.at(scores, group, xs * e[:, None])
        g = int((np.bincount(group, minlength=k) > 0).sum())
        meat = scores.T @ scores
        cov = bread @ meat @ bread * (g / (g - 1)) * ((n - 1) / max(dof, 1))
    else:
        cov = bread * float(e @ e) / dof
    beta[ok] = b
    se[ok] = np.sqrt(np.maximum(np.diag(cov), 1e-12))
    return _Fit(beta, se, ok)


def _design(frame: pl.DataFrame, columns: Sequence[tuple[Dimension, str]]) -> FloatArray:
    media = frame["media_type"].to_list()
    length = frame["_length"].to_list()
    x = np.zeros((frame.height, len(columns)))
    for j, (dim, level) in enumerate(columns):
        source = media if dim == "media_type" else length
        x[:, j] = [1.0 if v == level else 0.0 for v in source]
    return x


def _reference(mine: pl.Series, peers: pl.Series) -> str:
    counts = (mine if mine.len() else peers).value_counts(sort=True)
    top = counts.filter(pl.col("count") == counts["count"].max())
    return str(sorted(top[counts.columns[0]].to_list())[0])


def _pct(multiplier: float) -> str:
    return f"{multiplier - 1:+.0%}"


def _reason(e: FormatEffect, coverage: float) -> str:
    if e.dimension == "media_type":
        level, ref = f"{e.level.capitalize()} posts", f"{e.reference} posts"
    else:
        level, ref = f"Captions of {e.level}", f"captions of {e.reference}"
    head = (
        f"{level} get {_pct(e.multiplier)} engagements against {ref} "
        f"({coverage:.0%} interval {_pct(e.low)} to {_pct(e.high)}), "
        f"from {e.account_posts} of this account's posts and {e.peer_posts} posts of "
        f"{e.peer_accounts} peer accounts"
    )
    if e.account_posts == 0:
        head += "; the account has no such posts, so this is the peers' estimate"
    elif e.prior_weight >= 0.5:
        head += f"; {e.prior_weight:.0%} of it comes from the peers (the account has few)"
    if e.low <= 1.0 <= e.high:
        head += ". The data cannot tell it apart from no difference"
    return head + "."


def format_effects(posts: pl.DataFrame, account_id: str, *, coverage: float = 0.8) -> FormatEffects:
    """Media-type and caption-length effects on engagements for one account.

    Parameters
    ----------
    posts : polars.DataFrame
        Posts of the account and its peers with :data:`REQUIRED` columns
        (``posted_at`` a datetime; ``engagements`` a count).
    account_id : str
        The account advised; every other account in ``posts`` is a peer.
    coverage : float, default=0.8
        Coverage of each effect's interval.

    Returns
    -------
    FormatEffects
        One :class:`FormatEffect` per media type and length bucket seen in
        ``posts`` other than the references (the account's most used ones).

    Raises
    ------
    ValueError
        A column missing or ``coverage`` outside (0, 1).
    """
    for column in REQUIRED:
        if column not in posts.columns:
            raise ValueError(f"posts lack the column {column!r}; needs {', '.join(REQUIRED)}")
    if not 0.0 < coverage < 1.0:
        raise ValueError(f"coverage must be in (0, 1), got {coverage!r}")
    frame = (
        posts.filter(pl.col("engagements").is_not_null())
        .with_columns(
            pl.col("account_id").cast(pl.String),
            pl.col("media_type").cast(pl.String).fill_null("unknown"),
            pl.col("caption")
            .fill_null("")
            .map_elements(length_bucket, return_dtype=pl.String)
            .alias("_length"),
            pl.col("engagements").cast(pl.Float64).log1p().alias("_y"),
            (pl.col("posted_at").dt.epoch("s").cast(pl.Float64) / (365.25 * 86400)).alias("_t"),
        )
        .sort("account_id", "posted_at")
    )
    is_mine = frame["account_id"] == account_id
    mine, peers = frame.filter(is_mine), frame.filter(~is_mine)
    refs: dict[str, str] = {}
    columns: list[tuple[Dimension, str]] = []
    dims: tuple[tuple[Dimension, str], ...] = (
        ("media_type", "media_type"),
        ("caption_length", "_length"),
    )
    for dim, col in dims:
        if frame.height == 0:
            continue
        refs[dim] = _reference(mine[col], peers[col])
        levels = sorted(set(frame[col].to_list()) - {refs[dim]})
        columns += [(dim, level) for level in levels]
    effects: list[FormatEffect] = []
    if columns:
        effects = _effects(mine, peers, columns, refs, coverage)
    return FormatEffects(
        account_id=account_id,
        coverage=coverage,
        references=refs,
        effects=tuple(effects),
        account_posts=mine.height,
        peer_posts=peers.height,
        peer_accounts=peers["account_id"].n_unique(),
    )


def _group_codes(frame: pl.DataFrame) -> npt.NDArray[np.int64]:
    return np.asarray(frame["account_id"].rank("dense").cast(pl.Int64).to_numpy() - 1)


def _effects(
    mine: pl.DataFrame,
    peers: pl.DataFrame,
    columns: list[tuple[Dimension, str]],
    refs: dict[str, str],
    coverage: float,
) -> list[FormatEffect]:
    z = NormalDist().inv_cdf(0.5 + coverage / 2.0)
    p = len(columns)
    # peers: pooled within-account fit (cluster-robust) and each peer's own fit (for tau2)
    peer_fit: _Fit | None = None
    tau2 = np.full(p, _DEFAULT_TAU2)
    if peers.height:
        g = _group_codes(peers)
        t = peers["_t"].to_numpy()
        x = _within(_design(peers, columns), g, t)
        y = _within(peers["_y"].to_numpy(), g, t)
        peer_fit = _ols(x, y, g, lost_dof=2 * (int(g.max()) + 1))
        own = [_ols(x[g == k], y[g == k], None, lost_dof=2) for k in range(int(g.max()) + 1)]
        for j in range(p):
            b = np.array([f.beta[j] for f in own if f.ok[j] and np.isfinite(f.se[j])])
            s2 = np.array([f.se[j] ** 2 for f in own if f.ok[j] and np.isfinite(f.se[j])])
            if b.size >= 3:
                tau2[j] = max(float(np.var(b, ddof=1) - np.mean(s2)), _MIN_TAU2)
    acc_fit: _Fit | None = None
    if mine.height >= 4:
        x_m = _within(
            _design(mine, columns), np.zeros(mine.height, dtype=np.int64), mine["_t"].to_numpy()
        )
        y_m = _within(
            mine["_y"].to_numpy(), np.zeros(mine.height, dtype=np.int64), mine["_t"].to_numpy()
        )
        acc_fit = _ols(x_m, y_m, None, lost_dof=2)
    media_mine = mine["media_type"].to_list()
    length_mine = mine["_length"].to_list()
    media_peer = peers["media_type"].to_list()
    length_peer = peers["_length"].to_list()
    peer_ids = peers["account_id"].to_list()
    out: list[FormatEffect] = []
    for j, (dim, level) in enumerate(columns):
        own_values = media_mine if dim == "media_type" else length_mine
        peer_values = media_peer if dim == "media_type" else length_peer
        n_acc = sum(1 for v in own_values if v == level)
        n_peer = sum(1 for v in peer_values if v == level)
        k_peer = len({a for a, v in zip(peer_ids, peer_values, strict=True) if v == level})
        has_peer = peer_fit is not None and bool(peer_fit.ok[j])
        has_acc = acc_fit is not None and bool(acc_fit.ok[j]) and n_acc > 0
        if not has_peer and not has_acc:
            continue
        peer_mult = None
        if has_peer:
            assert peer_fit is not None
            prior_mean = float(peer_fit.beta[j])
            prior_var = float(tau2[j] + peer_fit.se[j] ** 2)
            peer_mult = math.exp(prior_mean)
        if has_acc and has_peer:
            assert acc_fit is not None
            w_acc, w_prior = 1.0 / float(acc_fit.se[j]) ** 2, 1.0 / prior_var
            mean = (w_acc * float(acc_fit.beta[j]) + w_prior * prior_mean) / (w_acc + w_prior)
            var = 1.0 / (w_acc + w_prior)
            weight = w_prior / (w_acc + w_prior)
        elif has_peer:
            mean, var, weight = prior_mean, prior_var, 1.0
        else:
            assert acc_fit is not None
            mean, var, weight = float(acc_fit.beta[j]), float(acc_fit.se[j]) ** 2, 0.0
        sd = math.sqrt(var)
        effect = FormatEffect(
            dimension=dim,
            level=level,
            reference=refs[dim],
            multiplier=math.exp(mean),
            low=math.exp(mean - z * sd),
            high=math.exp(mean + z * sd),
            account_posts=n_acc,
            peer_posts=n_peer,
            peer_accounts=k_peer,
            peer_multiplier=peer_mult,
            prior_weight=weight,
            reason="",
        )
        out.append(_with_reason(effect, coverage))
    return out


def _with_reason(effect: FormatEffect, coverage: float) -> FormatEffect:
    return FormatEffect(**{**effect.__dict__, "reason": _reason(effect, coverage)})
