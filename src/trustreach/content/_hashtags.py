"""Hashtag suggestions: relevance to the content, association with reach, saturation.

:func:`hashtag_evidence` reads a history of posts (the columns of
``services._content_data.posts_frame``) once; :func:`rank_hashtags` ranks the
candidate tags for a caption, an account, or a caption on an account.

- **Candidates** are the tags of the account's posts and its niche peers' (any
  tag seen on at least :data:`MIN_TAG_POSTS` of the peers' posts). Tags of the
  blocklist (:mod:`._hashtag_blocklist`: exchange and bait tags, restricted
  tags, disclosure words) are never suggested; the ones met are listed as
  excluded with their reason.
- **Relevance**: cosine similarity of the tag (split into words) and the caption
  in the shipped text embedding (:class:`trustreach.nlp.TextEmbedder`); for an
  account without a caption, its recent captions stand in.
- **Reach**: the effect of carrying the tag on ``log(1 + engagements)``, from a
  joint least-squares fit of every candidate tag at once within each account and
  media type (account x media-type fixed effects; the account's trend, days,
  followers on the day when the history has them, hour of day and weekday as
  controls; a second pass weighted by each account's residual variance with
  outlying residuals clipped), pooled over
  the niche's posts (creators whose first declared niche it is), shrunk towards
  0 by empirical Bayes (normal prior whose variance is estimated from the
  spread of the niche's effects). For an account, its own within-account
  estimate is combined with the niche's (the prior, widened by
  :data:`ACCOUNT_SPREAD`): thin history leans on the niche. The lift is
  ``exp(effect) - 1`` with a 90% interval and the posts observed with and
  without the tag. With a caption and no account, the niche is the one the
  caption reads as (:func:`caption_niches`).
- **Saturation**: the share of the platform's posts carrying the tag; a tag used
  on at least :data:`SATURATED_SHARE` of them across :data:`SATURATED_NICHES`
  niches or more is too generic to be seen, demoted and marked.

Associations, not experiments: a tag's lift is what posts carrying it drew,
controlling for the account's level, media type and trend; a person decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

from trustreach.content._hashtag_blocklist import BlockedTag, Blocklist, blocklist
from trustreach.nlp import TextEmbedder

METHOD = "trustreach.content.hashtags"
METHOD_VERSION = "1"
MIN_TAG_POSTS = 5  # posts carrying a tag in the pool before it is a candidate
SATURATED_SHARE = 0.10
SATURATED_NICHES = 3
ACCOUNT_SPREAD = 0.05  # sd of an account's tag effect around its niche's (log scale)
INTERVAL = 0.90
LIFT_SCALE = 0.2  # a log effect of this size gives the full reach part
RECENT_CAPTIONS = 30
ACCOUNT_CAPTIONS = 12  # recent captions per account that describe its niche
NICHE_MARGIN = 0.1  # niches this close to the caption's best one count too (vote share)
NEAREST = 15  # similar captions that vote for a caption's niche
_CONTROLS = ("_f", "_t")
CLIP_SD = 2.5  # residuals beyond this many account standard deviations are clipped
_Z = float(stats.norm.ppf(0.5 + INTERVAL / 2))
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TagEffect:
    """A tag's association with reach in one pool of posts (log scale, shrunk).

    ``estimate``/``se`` are the least-squares figures before shrinkage;
    ``effect``/``sd`` after it.
    """

    tag: str
    estimate: float
    se: float
    effect: float
    sd: float
    posts_with: int
    posts_without: int

    @property
    def lift(self) -> tuple[float, float, float]:
        """``exp(effect) - 1`` and its interval."""
        lo, hi = self.effect - _Z * self.sd, self.effect + _Z * self.sd
        return (float(np.expm1(self.effect)), float(np.expm1(lo)), float(np.expm1(hi)))


@dataclass(frozen=True)
class HashtagSuggestion:
    """One suggested tag with its score parts and evidence.

    Attributes
    ----------
    tag
        Lower case, without ``#``.
    score
        ``relevance_part + reach_part - saturation_part`` (ranked high to low).
    parts
        The three parts of the score.
    relevance
        Cosine similarity of tag and content in the text embedding.
    reach_lift, lift_low, lift_high
        Estimated reach lift of carrying the tag (0.2 = +20% engagements) and its
        90% interval.
    reach_signal
        ``lifts reach`` (interval above 0), ``lower reach`` (below 0) or
        ``no clear effect``.
    basis
        ``account`` (the account's own posts combined with its niche's),
        ``niche`` (peers' posts only) or ``none`` (too few posts to estimate).
    posts_with, posts_without
        Posts observed with and without the tag (the account's when the basis
        is ``account``, else the niche's).
    niche_posts_with
        Posts of the niche peers carrying the tag.
    saturation, saturation_niches, saturated
        Share of the platform's posts carrying the tag, the niches using it, and
        whether it is too generic to be seen.
    reason
        The evidence in plain words.
    """

    tag: str
    score: float
    parts: dict[str, float]
    relevance: float
    reach_lift: float
    lift_low: float
    lift_high: float
    reach_signal: str
    basis: str
    posts_with: int
    posts_without: int
    niche_posts_with: int
    saturation: float
    saturation_niches: int
    saturated: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "tag": self.tag,
            "score": round(self.score, 4),
            "parts": {k: round(v, 4) for k, v in self.parts.items()},
            "relevance": round(self.relevance, 4),
            "reach_lift": round(self.reach_lift, 4),
            "lift_interval": [round(self.lift_low, 4), round(self.lift_high, 4)],
            "interval": INTERVAL,
            "reach_signal": self.reach_signal,
            "basis": self.basis,
            "posts_with": self.posts_with,
            "posts_without": self.posts_without,
            "niche_posts_with": self.niche_posts_with,
            "saturation": round(self.saturation, 4),
            "saturation_niches": self.saturation_niches,
            "saturated": self.saturated,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class HashtagAdvice:
    """Ranked suggestions, the tags left out with their reason, and what was read."""

    suggestions: tuple[HashtagSuggestion, ...]
    excluded: tuple[BlockedTag, ...]
    candidates: int
    niches: tuple[str, ...]
    caption_niches: tuple[tuple[str, float], ...]
    account_posts: int
    peer_posts: int
    platform: str | None
    embedding: str
    blocklist_version: str


@dataclass
class HashtagEvidence:
    """A history of posts read once for suggestions (see :func:`hashtag_evidence`)."""

    posts: pl.DataFrame
    blocked: Blocklist
    _pools: dict[tuple[str, ...], dict[str, TagEffect]] = field(default_factory=dict)
    _captions: dict[str, tuple[list[str], FloatArray]] = field(default_factory=dict)

    @cached_property
    def niches(self) -> tuple[str, ...]:
        """Every niche a creator in the history names first."""
        return tuple(sorted(n for n in set(self.posts["_niche"].to_list()) if n))

    def niche_captions(self, model: TextEmbedder) -> tuple[list[str], FloatArray]:
        """Every account's recent captions (tags stripped): their niche and embeddings."""
        key = model.version
        if key not in self._captions:
            recent = (
                self.posts.filter(pl.col("_niche") != "")
                .group_by("account_id", maintain_order=True)
                .tail(ACCOUNT_CAPTIONS)
            )
            texts = recent["caption"].str.replace_all(r"#\S+", " ").to_list()
            vectors = model.embed(texts).astype(np.float64) if texts else np.zeros((0, model.dim))
            self._captions[key] = (recent["_niche"].to_list(), vectors)
        return self._captions[key]

    def saturation(self, platform: str | None) -> dict[str, tuple[float, int]]:
        """Per tag: share of the platform's posts (all posts for None) and niches using it."""
        frame = self.posts if platform is None else self._platform(platform)
        n = max(frame.height, 1)
        shares = frame.select("hashtags").explode("hashtags").drop_nulls().group_by("hashtags")
        share = {str(t): c / n for t, c in shares.len().iter_rows()}
        spread = (
            frame.select("_niche", "hashtags")
            .explode("hashtags")
            .drop_nulls()
            .group_by("hashtags")
            .agg(pl.col("_niche").n_unique())
        )
        niches = {str(t): int(k) for t, k in spread.iter_rows()}
        return {t: (s, niches.get(t, 0)) for t, s in share.items()}

    def _platform(self, platform: str) -> pl.DataFrame:
        return self.posts.filter(pl.col("platform") == platform)

    def pool(self, niches: Sequence[str]) -> pl.DataFrame:
        """Posts of creators whose first declared niche is one of ``niches``."""
        wanted = sorted({n.casefold() for n in niches})
        return self.posts.filter(pl.col("_niche").is_in(wanted))

    def niche_effects(self, niches: Sequence[str]) -> dict[str, TagEffect]:
        """Shrunk effects of the tags of the pool of ``niches`` (cached per pool)."""
        key = tuple(sorted({n.casefold() for n in niches}))
        if key not in self._pools:
            self._pools[key] = pooled_effects(self.pool(key), self.blocked)
        return self._pools[key]


def hashtag_evidence(posts: pl.DataFrame, *, blocked: Blocklist | None = None) -> HashtagEvidence:
    """Prepare a history of posts (``posts_frame`` columns) for :func:`rank_hashtags`.

    Adds ``_y = log(1 + engagements)`` and the controls ``_f = log(1 + followers)``
    (followers on the day; 0 without the column) and ``_t``, days since 2000-01-01
    of ``posted_at`` (the account's trend; 0 without the column).
    """
    missing = {"account_id", "niches", "platform", "media_type", "hashtags", "engagements"} - set(
        posts.columns
    )
    if missing:
        raise ValueError(f"posts lack columns {sorted(missing)}")
    frame = posts.with_columns(
        pl.col("engagements").fill_null(0).clip(0).log1p().alias("_y"),
        pl.col("followers").fill_null(0).clip(0).log1p().alias("_f")
        if "followers" in posts.columns
        else pl.lit(0.0).alias("_f"),
        (pl.col("posted_at").dt.epoch("s") / 86400.0 - 10957.0).fill_null(0.0).alias("_t")
        if "posted_at" in posts.columns
        else pl.lit(0.0).alias("_t"),
        *(
            (
                pl.col("posted_at").dt.hour().fill_null(0).alias("_hour"),
                pl.col("posted_at").dt.weekday().fill_null(1).alias("_day"),
            )
            if "posted_at" in posts.columns
            else ()
        ),
        pl.col("hashtags").list.unique().alias("hashtags"),
        pl.col("media_type").fill_null("unknown"),
        pl.col("niches").list.first().str.to_lowercase().fill_null("").alias("_niche"),
    )
    return HashtagEvidence(frame, blocked or blocklist())


def _demeaned(groups: npt.NDArray[np.int64], values: FloatArray) -> FloatArray:
    """Subtract each group's mean (rows of ``values`` by ``groups``)."""
    k = int(groups.max()) + 1 if groups.size else 0
    counts = np.bincount(groups, minlength=k).astype(np.float64)
    out = values.copy()
    for j in range(values.shape[1]):
        sums = np.bincount(groups, weights=values[:, j], minlength=k)
        out[:, j] -= (sums / np.maximum(counts, 1))[groups]
    return out


def _controls(frame: pl.DataFrame, time_of_week: bool) -> FloatArray:
    """``_f``, ``_t`` and (``time_of_week``) the hour of day and weekday (UTC) as indicators."""
    cols = [frame[c].cast(pl.Float64).to_numpy() for c in _CONTROLS]
    if time_of_week and "_hour" in frame.columns:
        hour = frame["_hour"].to_numpy()
        day = frame["_day"].to_numpy()
        cols += [(hour == h).astype(np.float64) for h in range(1, 24)]
        cols += [(day == d).astype(np.float64) for d in range(2, 8)]
    return np.column_stack(cols)


def _fit(
    frame: pl.DataFrame, tags: Sequence[str], group_by: Sequence[str], *, time_of_week: bool
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Joint within-group least squares of ``_y`` on tag indicators and the controls.

    Two passes: ordinary least squares, then each post weighted by its
    account's residual variance (accounts with bought or viral engagement are
    noisy) and residuals beyond :data:`CLIP_SD` account standard deviations
    clipped (one Huber-like step). Returns the tag coefficients, their standard
    errors and posts with each tag.
    """
    p = len(tags)
    if frame.height == 0 or p == 0:
        return np.zeros(p), np.full(p, np.inf), np.zeros(p, dtype=np.int64)
    index = {t: j for j, t in enumerate(tags)}
    marks = np.zeros((frame.height, p))
    for i, row in enumerate(frame["hashtags"].to_list()):
        for t in row or ():
            j = index.get(t)
            if j is not None:
                marks[i, j] = 1.0
    x = np.column_stack([marks, _controls(frame, time_of_week)])
    carried = marks.sum(axis=0).astype(np.int64)
    codes = frame.select(pl.concat_str(list(group_by), separator="\x1f").alias("g"))["g"]
    groups = (codes.rank("dense") - 1).to_numpy().astype(np.int64)
    accounts = (frame["account_id"].rank("dense") - 1).to_numpy().astype(np.int64)
    data = _demeaned(groups, np.column_stack([frame["_y"].to_numpy(), x]))
    y, xd = data[:, 0], data[:, 1:]
    keep = np.flatnonzero(np.abs(xd).sum(axis=0) > 0)
    xd = xd[:, keep]
    dof = frame.height - (int(groups.max()) + 1) - xd.shape[1]
    if dof < 3:
        return np.zeros(p), np.full(p, np.inf), carried
    # small products by einsum: no multi-threaded BLAS call on a busy machine
    ridge = 1e-6 * np.eye(xd.shape[1])
    beta = np.linalg.solve(np.einsum("ij,ik->jk", xd, xd) + ridge, np.einsum("ij,i->j", xd, y))
    resid = y - np.einsum("ij,j->i", xd, beta)
    n_acc = int(accounts.max()) + 1
    per = np.bincount(accounts, weights=resid**2, minlength=n_acc)
    var = per / np.maximum(np.bincount(accounts, minlength=n_acc), 1)
    var = np.maximum(var, max(float(np.median(var[var > 0])) if (var > 0).any() else 1.0, 1e-6) / 4)
    sd = np.sqrt(var[accounts])
    y = (y - resid) + np.clip(resid, -CLIP_SD * sd, CLIP_SD * sd)
    w = 1.0 / var[accounts]
    inv = np.linalg.inv(np.einsum("ij,ik->jk", xd, xd * w[:, None]) + ridge)
    beta = inv @ np.einsum("ij,i->j", xd, w * y)
    resid = y - np.einsum("ij,j->i", xd, beta)
    sigma2 = float(w @ resid**2) / dof
    variances = np.zeros(x.shape[1])
    coef = np.zeros(x.shape[1])
    variances[keep] = np.clip(np.diag(inv) * sigma2, 0.0, None)
    coef[keep] = beta
    se = np.where((carried > 0) & (carried < frame.height), np.sqrt(variances[:p]), np.inf)
    return coef[:p], se, carried


def _candidate_tags(frame: pl.DataFrame, blocked: Blocklist, minimum: int) -> list[str]:
    counts = frame.select("hashtags").explode("hashtags").drop_nulls().group_by("hashtags").len()
    return sorted(
        str(t) for t, c in counts.iter_rows() if c >= minimum and blocked.why(str(t)) is None
    )


def pooled_effects(frame: pl.DataFrame, blocked: Blocklist | None = None) -> dict[str, TagEffect]:
    """Tag effects in a pool of posts: within account and media type, shrunk towards 0.

    The prior variance of the effects is estimated by the method of moments
    (mean squared estimate minus mean squared standard error, at least
    ``0.02**2``), so a niche where tags make little difference shrinks hard.
    """
    tags = _candidate_tags(frame, blocked or blocklist(), MIN_TAG_POSTS)
    beta, se, carried = _fit(frame, tags, ("account_id", "media_type"), time_of_week=True)
    finite = np.isfinite(se)
    tau2 = 0.02**2
    if finite.sum() >= 3:
        tau2 = max(float(np.mean(beta[finite] ** 2) - np.mean(se[finite] ** 2)), tau2)
    out = {}
    for j, t in enumerate(tags):
        if finite[j]:
            w = tau2 / (tau2 + se[j] ** 2)
            effect, sd = w * beta[j], float(np.sqrt(w * se[j] ** 2))
        else:
            effect, sd = 0.0, float(np.sqrt(tau2))
        out[t] = _tag_effect(t, float(beta[j]), float(se[j]), effect, sd, int(carried[j]), frame)
    return out


def _tag_effect(
    tag: str,
    estimate: float,
    se: float,
    effect: float,
    sd: float,
    carried: int,
    frame: pl.DataFrame,
) -> TagEffect:
    """A :class:`TagEffect` from one fit's figures for a tag carried by ``carried`` posts."""
    return TagEffect(tag, estimate, se, float(effect), sd, carried, frame.height - carried)


def account_effects(
    frame: pl.DataFrame, prior: Mapping[str, TagEffect], tags: Sequence[str]
) -> dict[str, TagEffect]:
    """An account's tag effects: its own within-media-type estimate combined with the prior.

    The prior of a tag is its niche effect with variance ``sd**2 +
    ACCOUNT_SPREAD**2``; a tag the niche has no estimate for has prior 0 with
    the niche's largest spread.
    """
    beta, se, carried = _fit(frame, tags, ("media_type",), time_of_week=False)
    default_sd = max((e.sd for e in prior.values()), default=0.1)
    out = {}
    for j, t in enumerate(tags):
        base = prior.get(t)
        m0, v0 = (base.effect, base.sd**2) if base is not None else (0.0, default_sd**2)
        v0 += ACCOUNT_SPREAD**2
        if np.isfinite(se[j]) and se[j] > 0:
            prec = 1 / v0 + 1 / se[j] ** 2
            effect = (m0 / v0 + beta[j] / se[j] ** 2) / prec
            sd = float(np.sqrt(1 / prec))
        else:
            effect, sd = m0, float(np.sqrt(v0))
        out[t] = _tag_effect(t, float(beta[j]), float(se[j]), effect, sd, int(carried[j]), frame)
    return out


def _signal(low: float, high: float) -> str:
    if low > 0:
        return "lifts reach"
    if high < 0:
        return "lower reach"
    return "no clear effect"


def _reason(
    tag: str,
    relevance: float,
    effect: TagEffect | None,
    basis: str,
    saturation: float,
    saturated: bool,
) -> str:
    words = [f"#{tag}: relevance to the content {relevance:.2f}"]
    if effect is None:
        words.append("too few posts carry it to estimate its reach")
    else:
        lift, lo, hi = effect.lift
        where = (
            "this account's posts (with its niche's as the prior)"
            if basis == "account"
            else ("its niche peers' posts")
        )
        words.append(
            f"posts carrying it drew {lift:+.0%} engagements ({INTERVAL:.0%} interval "
            f"{lo:+.0%} to {hi:+.0%}) in {where}, {effect.posts_with} posts with it and "
            f"{effect.posts_without} without"
        )
    if saturated:
        words.append(f"on {saturation:.0%} of the platform's posts: too generic to be seen")
    return "; ".join(words) + "."


def _strip_tags(caption: str) -> str:
    return " ".join(w for w in caption.split() if not w.startswith("#"))


def caption_niches(
    evidence: HashtagEvidence, caption: str, model: TextEmbedder
) -> list[tuple[str, float]]:
    """The niches a caption reads as: a vote of its most similar captions in the history.

    The :data:`NEAREST` captions of the niches' recent posts closest to it vote
    with their similarity; the niches whose share of the vote is within
    :data:`NICHE_MARGIN` of the best one are returned, best first, with their share.
    """
    names, vectors = evidence.niche_captions(model)
    if not names:
        return []
    vector = model.embed([_strip_tags(caption)])[0].astype(np.float64)
    sims = vectors @ vector
    k = min(NEAREST, sims.size)
    nearest = np.argpartition(-sims, k - 1)[:k]
    votes: dict[str, float] = {}
    for i in nearest.tolist():
        votes[names[i]] = votes.get(names[i], 0.0) + max(float(sims[i]), 0.0)
    total = sum(votes.values())
    if total <= 0:
        return []
    ranked = sorted(((v / total, n) for n, v in votes.items()), key=lambda x: (-x[0], x[1]))
    best = ranked[0][0]
    return [(n, share) for share, n in ranked if share >= best - NICHE_MARGIN]


def rank_hashtags(
    evidence: HashtagEvidence,
    *,
    caption: str | None = None,
    account_id: str | None = None,
    niches: Sequence[str] = (),
    platform: str | None = None,
    top: int = 10,
    embedder: TextEmbedder | None = None,
) -> HashtagAdvice:
    """Rank hashtags for a caption, an account, or a caption on an account.

    Parameters
    ----------
    evidence
        The history (:func:`hashtag_evidence`).
    caption
        The draft's text; tags already in it are not suggested again.
    account_id
        The account the suggestions are for (its own posts weigh in).
    niches
        The niches whose creators are the peers (an account's first declared
        niche); empty with a caption: the niches the caption reads as
        (:func:`caption_niches`).
    platform
        Saturation is read on this platform's posts (all posts for None).
    top
        How many suggestions (at least 1).
    embedder
        The text embedding (default: the shipped one).

    Returns
    -------
    HashtagAdvice
        Suggestions ranked by score, high to low.
    """
    if caption is None and account_id is None:
        raise ValueError("give a caption, an account, or both")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    model = embedder or TextEmbedder.load()
    blocked = evidence.blocked
    mine = (
        evidence.posts.filter(pl.col("account_id") == account_id)
        if account_id is not None
        else evidence.posts.clear()
    )
    read_as: list[tuple[str, float]] = []
    if not niches and caption:
        read_as = caption_niches(evidence, caption, model)
        niches = [n for n, _ in read_as]
    pool = evidence.pool(niches) if niches else evidence.posts.clear()
    prior_of = evidence.niche_effects(niches) if niches else {}
    seen = pool.select("hashtags").explode("hashtags").drop_nulls().group_by("hashtags").len()
    counts = {str(t): int(c) for t, c in seen.iter_rows()}
    own = set(mine.select("hashtags").explode("hashtags").drop_nulls()["hashtags"].to_list())
    in_caption = {w.lstrip("#").casefold() for w in (caption or "").split() if w.startswith("#")}
    tags = sorted({t for t, c in counts.items() if c >= MIN_TAG_POSTS} | {str(t) for t in own})
    excluded: dict[str, BlockedTag] = {}
    candidates = []
    for t in tags:
        why = blocked.why(t)
        if why is not None:
            excluded[t] = why
        elif t not in in_caption:
            candidates.append(t)
    effects: dict[str, TagEffect] = dict(prior_of)
    on_account: set[str] = set()
    if mine.height:
        mine_effects = account_effects(mine, prior_of, [t for t in candidates if t in own])
        effects.update(mine_effects)
        on_account = set(mine_effects)
    content = _strip_tags(caption) if caption else ""
    texts = [content] if content.strip() else mine["caption"].tail(RECENT_CAPTIONS).to_list()
    relevance = np.zeros(len(candidates))
    if candidates and texts:
        vectors = model.embed([_strip_tags(str(t)) for t in texts])
        centre = vectors.mean(axis=0)
        norm = float(np.linalg.norm(centre))
        if norm > 0:
            relevance = model.embed(candidates) @ (centre / norm)
    sat = evidence.saturation(platform)
    out = [
        _suggestion(t, float(rel), effects.get(t), t in on_account, sat.get(t, (0.0, 0)), counts)
        for t, rel in zip(candidates, relevance.tolist(), strict=True)
    ]
    out.sort(key=lambda s: (-s.score, s.tag))
    return HashtagAdvice(
        suggestions=tuple(out[:top]),
        excluded=tuple(excluded[t] for t in sorted(excluded)),
        candidates=len(candidates),
        niches=tuple(niches),
        caption_niches=tuple((n, round(v, 4)) for n, v in read_as),
        account_posts=mine.height,
        peer_posts=pool.height,
        platform=platform,
        embedding=model.version,
        blocklist_version=blocked.version,
    )


def _suggestion(
    tag: str,
    rel: float,
    effect: TagEffect | None,
    on_account: bool,
    saturation: tuple[float, int],
    counts: Mapping[str, int],
) -> HashtagSuggestion:
    share, spread = saturation
    broad = spread >= SATURATED_NICHES
    saturated = broad and share >= SATURATED_SHARE
    half = SATURATED_SHARE / 2
    sat_part = 0.5 * float(np.clip((share - half) / half, 0.0, 1.0)) if broad else 0.0
    if effect is None:
        lift = lo = hi = reach_part = 0.0
        signal, where = "no clear effect", "none"
    else:
        lift, lo, hi = effect.lift
        reach_part = float(np.clip(effect.effect / LIFT_SCALE, -1.0, 1.0))
        signal = _signal(lo, hi)
        where = "account" if on_account else "niche"
    parts = {"relevance": 0.5 * rel, "reach": 0.5 * reach_part, "saturation": sat_part}
    return HashtagSuggestion(
        tag=tag,
        score=parts["relevance"] + parts["reach"] - parts["saturation"],
        parts=parts,
        relevance=rel,
        reach_lift=lift,
        lift_low=lo,
        lift_high=hi,
        reach_signal=signal,
        basis=where,
        posts_with=effect.posts_with if effect else 0,
        posts_without=effect.posts_without if effect else 0,
        niche_posts_with=counts.get(tag, 0),
        saturation=share,
        saturation_niches=spread,
        saturated=saturated,
        reason=_reason(tag, rel, effect, where, share, saturated),
    )


__all__ = [
    "INTERVAL",
    "METHOD",
    "METHOD_VERSION",
    "HashtagAdvice",
    "HashtagEvidence",
    "HashtagSuggestion",
    "TagEffect",
    "account_effects",
    "caption_niches",
    "hashtag_evidence",
    "pooled_effects",
    "rank_hashtags",
]
