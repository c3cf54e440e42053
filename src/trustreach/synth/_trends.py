"""Rising topics with known start dates, and decoys, injected into a world's posts.

For a few niches with enough posts, a trend starts on a known day of the
observed period: from that day a rising share of the niche's organic posts
(posts of creators whose main niche it is; sponsored posts are never touched)
carries a new hashtag (appended to ``hashtags`` and to the caption's hashtag
block, as :mod:`trustreach.synth._content` writes it) and, on most of them, a
keyword phrase that leads the caption (``"Skin flooding: <caption>"``). Some
trends also have a comment theme: a phrase appended (after " — ") to some of
the positive organic comments on the trend's posts. The share ramps linearly from the start
day to its peak over ``ramp_days``; before the start the tag is absent or rare.

Each world also gets trends rising at its end (:func:`_end_trends`): in a niche
with enough recent posts, one that starts 10-25 days before the last day and
ramps up over 5-10 days, so that a report "as of now" has something to find
(``rising_at_end`` true in the truth; the earlier trends are false).

Decoys make precision mean something: a *flat* tag used on a steady share of
a niche's posts for the whole period, and a *fading* tag whose share falls.
Neither rises, so a detector that reports them is wrong.

Nothing here changes likes, comment counts, sentiment labels, sponsored posts
or any other hidden truth: only caption text, hashtags and the text of some
positive comments. A child generator (``[seed, 1603]``) keeps the rest of the
world as it was without trends.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from trustreach.synth._content import Post

STREAM = 1603
MIN_NICHE_POSTS = 60  # a niche needs this many organic posts to carry a trend
MIN_NICHE_ACCOUNTS = 2
COMMENT_SHARE = 0.3  # of the positive organic comments on a trend's posts
END_SHARE = 0.7  # chance that a niche with enough recent posts has a trend rising at the end
END_START_DAYS = (10, 25)  # such a trend starts this many days before the last day
END_MIN_POSTS = 12.0  # expected posts carrying its tag by the last day
END_MIN_ACCOUNTS = 4  # accounts of the niche posting since its start


@dataclass(frozen=True)
class TrendTerms:
    """What one trend adds: a hashtag, a caption keyword and a comment phrase."""

    hashtag: str
    keyword: str
    comment: str


TRENDS: dict[str, tuple[TrendTerms, ...]] = {
    "beauty": (
        TrendTerms("skinflooding", "skin flooding", "dewy finish"),
        TrendTerms("lattemakeup", "latte makeup", "warm bronze"),
        TrendTerms("cloudskin", "cloud skin", "blurred glow"),
    ),
    "fitness": (
        TrendTerms("hybridtraining", "hybrid training", "engine work"),
        TrendTerms("walkingpad", "walking pad", "step streak"),
        TrendTerms("zone2", "zone training", "easy pace"),
    ),
    "gaming": (
        TrendTerms("cozygames", "cozy games", "comfort game"),
        TrendTerms("retrohandheld", "retro handheld", "emulation shelf"),
        TrendTerms("roguelite", "roguelite runs", "perfect run"),
    ),
    "food": (
        TrendTerms("cottagecheese", "cottage cheese", "protein swap"),
        TrendTerms("dubaichocolate", "dubai chocolate", "pistachio filling"),
        TrendTerms("tinnedfish", "tinned fish", "fish date"),
    ),
    "travel": (
        TrendTerms("slowtravel", "slow travel", "quiet season"),
        TrendTerms("nighttrain", "night trains", "sleeper cabin"),
        TrendTerms("coolcation", "coolcation trip", "cooler summers"),
    ),
    "tech": (
        TrendTerms("localai", "local models", "runs offline"),
        TrendTerms("epaper", "epaper tablet", "paper feel"),
        TrendTerms("mechkeys", "custom switches", "thocky sound"),
    ),
    "fashion": (
        TrendTerms("barnjacket", "barn jacket", "waxed cotton"),
        TrendTerms("quietluxury", "quiet luxury", "old money"),
        TrendTerms("bootcutjeans", "bootcut jeans", "flared hem"),
    ),
    "parenting": (
        TrendTerms("gentleparenting", "gentle parenting", "calm voice"),
        TrendTerms("screenfree", "screen free", "outdoor play"),
        TrendTerms("riskyplay", "risky play", "tree climbing"),
    ),
    "finance": (
        TrendTerms("cashstuffing", "cash stuffing", "envelope method"),
        TrendTerms("nospendmonth", "spending freeze", "wallet detox"),
        TrendTerms("loudbudgeting", "loud budgeting", "budget boundaries"),
    ),
    "music": (
        TrendTerms("bedroompop", "bedroom pop", "lofi vocals"),
        TrendTerms("sampleflip", "sample flip", "chopped sample"),
        TrendTerms("hyperpop", "hyperpop edits", "pitched vocals"),
    ),
}
"""Candidate trends per niche (invented; none is in the niche's usual vocabulary)."""

DECOYS: dict[str, tuple[str, str]] = {
    "beauty": ("beautyfinds", "y2kmakeup"),
    "fitness": ("sweatsession", "75hard"),
    "gaming": ("gamingclips", "battlepass"),
    "food": ("tastetest", "fetapasta"),
    "travel": ("passportready", "revengetravel"),
    "tech": ("desksetup", "metaverse"),
    "fashion": ("closetedit", "cottagecore"),
    "parenting": ("littleones", "sleeptraining"),
    "finance": ("moneymindset", "memestocks"),
    "music": ("studiosession", "tiktoksound"),
}
"""Per niche: a tag used at a flat share, and a tag whose share fades."""


def _add_tag(row: dict[str, Any], tag: str) -> None:
    if tag in row["hashtags"]:
        return
    sep = " " if row["hashtags"] else "\n\n"
    row["caption"] = f"{row['caption']}{sep}#{tag}"
    row["hashtags"] = [*row["hashtags"], tag]


def _lead(row: dict[str, Any], phrase: str) -> None:
    row["caption"] = f"{phrase[:1].upper()}{phrase[1:]}: {row['caption']}"


@dataclass(frozen=True)
class _Shape:
    trend_id: str
    niche: str
    bundle: TrendTerms
    start_day: int
    ramp: int
    peak: float
    prior: float


def _inject_one(
    posts: list[Post],
    idx: list[int],
    comments_of: dict[str, list[dict[str, Any]]],
    rng: np.random.Generator,
    shape: _Shape,
    start: date,
    *,
    rising_at_end: bool,
) -> list[dict[str, Any]]:
    """Inject one trend into the niche's organic posts ``idx``; its truth entries."""
    bundle, start_day, ramp, peak = shape.bundle, shape.start_day, shape.ramp, shape.peak
    keyword_share = float(rng.uniform(0.7, 0.9))
    themed = bool(rng.random() < 0.6)
    carried: list[int] = []
    keyed: list[int] = []
    themed_comments = 0
    for i in idx:
        p = posts[i]
        if p.day < start_day:
            share = shape.prior
        else:
            share = peak * min(1.0, (p.day - start_day + 1) / ramp)
        if rng.random() >= share:
            continue
        _add_tag(p.row, bundle.hashtag)
        carried.append(i)
        if p.day >= start_day and rng.random() < keyword_share:
            _lead(p.row, bundle.keyword)
            keyed.append(i)
        if themed and p.day >= start_day:
            for c in comments_of.get(p.row["post_id"], []):
                if (
                    c["_kind"] == "organic"
                    and c["_label"] == "positive"
                    and rng.random() < COMMENT_SHARE
                ):
                    c["text"] = f"{c['text']} — {bundle.comment}"
                    themed_comments += 1
    other = sorted({n for i in carried for n in posts[i].creator.niches if n != shape.niche})
    common = {
        "trend_id": shape.trend_id,
        "niche": shape.niche,
        "start_date": start + timedelta(days=start_day),
        "start_day": start_day,
        "ramp_days": ramp,
        "peak_share": round(peak, 3),
        "prior_share": shape.prior,
        "also_in_niches": other,
        "rising_at_end": rising_at_end,
    }
    terms: list[dict[str, Any]] = [
        {
            **common,
            "kind": "hashtag",
            "term": bundle.hashtag,
            "posts": len(carried),
            "posts_before_start": sum(posts[i].day < start_day for i in carried),
        },
        {**common, "kind": "keyword", "term": bundle.keyword, "posts": len(keyed)},
    ]
    if themed and themed_comments:
        terms.append(
            {**common, "kind": "comment_theme", "term": bundle.comment, "comments": themed_comments}
        )
    return terms


def _end_trends(
    posts: list[Post],
    by_niche: dict[str, list[int]],
    eligible: list[str],
    used_in: dict[str, set[int]],
    comments_of: dict[str, list[dict[str, Any]]],
    days: int,
    start: date,
    seed: int,
    first_no: int,
) -> list[dict[str, Any]]:
    """Trends that start 10-25 days before the world's last day: rising "now".

    A niche carries one (a bundle it has not used) with chance :data:`END_SHARE`
    when its organic posts since the start are expected to carry the tag
    :data:`END_MIN_POSTS` times from :data:`END_MIN_ACCOUNTS` accounts (at least one
    niche when any qualifies). Their own child generator (``[seed, 1603, 1]``)
    leaves the earlier trends and the decoys as they were.
    """
    rng = np.random.default_rng([seed, STREAM, 1])
    plans: list[tuple[bool, _Shape]] = []
    for niche in eligible:
        take = bool(rng.random() < END_SHARE)
        free = [k for k in range(len(TRENDS[niche])) if k not in used_in.get(niche, set())]
        pick = free[int(rng.integers(0, len(free)))]
        start_day = int(rng.integers(days - END_START_DAYS[1], days - END_START_DAYS[0] + 1))
        ramp = int(rng.integers(5, 11))
        peak = float(rng.uniform(0.35, 0.55))
        late = [i for i in by_niche[niche] if posts[i].day >= start_day]
        expected = sum(peak * min(1.0, (posts[i].day - start_day + 1) / ramp) for i in late)
        if expected < END_MIN_POSTS or (
            len({posts[i].account.index for i in late}) < END_MIN_ACCOUNTS
        ):
            continue
        shape = _Shape("", niche, TRENDS[niche][pick], start_day, ramp, peak, 0.0)
        plans.append((take, shape))
    if plans and not any(take for take, _ in plans):
        plans[0] = (True, plans[0][1])
    terms: list[dict[str, Any]] = []
    no = first_no
    for take, shape in plans:
        if not take:
            continue
        no += 1
        shape = replace(shape, trend_id=f"trend-{no}")
        idx = by_niche[shape.niche]
        terms += _inject_one(posts, idx, comments_of, rng, shape, start, rising_at_end=True)
    return terms


def inject_trends(
    posts: list[Post],
    comments: list[dict[str, Any]],
    days: int,
    start: date,
    seed: int,
) -> dict[str, Any]:
    """Inject trends and decoys into organic posts (and some comments), in place.

    Returns the ground truth's ``trends`` (one entry per injected hashtag,
    keyword and comment theme: niche, kind, term, start date and day, ramp, peak
    share, the posts that carry it, and ``also_in_niches``: other niches the
    carrying creators declare, where the term rises too, diluted) and
    ``trend_decoys`` (flat and fading tags).
    """
    rng = np.random.default_rng([seed, STREAM])
    by_niche: dict[str, list[int]] = {}
    for i, p in enumerate(posts):
        if p.sponsored is None:
            by_niche.setdefault(p.creator.niche.name, []).append(i)
    eligible = [
        n
        for n in sorted(by_niche)
        if n in TRENDS
        and len(by_niche[n]) >= MIN_NICHE_POSTS
        and len({posts[i].account.index for i in by_niche[n]}) >= MIN_NICHE_ACCOUNTS
    ]
    terms: list[dict[str, Any]] = []
    decoys: list[dict[str, Any]] = []
    if not eligible:
        return _section(terms, decoys)
    n_trend = max(1, round(0.4 * len(eligible)))
    chosen = sorted(rng.choice(len(eligible), size=n_trend, replace=False).tolist())
    used_in: dict[str, set[int]] = {}
    comments_of: dict[str, list[dict[str, Any]]] = {}
    for c in comments:
        comments_of.setdefault(c["post_id"], []).append(c)
    trend_no = 0
    for k in chosen:
        niche = eligible[int(k)]
        idx = by_niche[niche]
        n_here = 2 if rng.random() < 0.35 else 1
        picks = rng.choice(len(TRENDS[niche]), size=n_here, replace=False).tolist()
        for pick in sorted(picks):
            trend_no += 1
            used_in.setdefault(niche, set()).add(int(pick))
            bundle = TRENDS[niche][int(pick)]
            start_day = int(rng.integers(round(0.35 * days), round(0.8 * days) + 1))
            ramp = int(rng.integers(7, 22))
            peak = float(rng.uniform(0.25, 0.5))
            prior = 0.01 if rng.random() < 0.5 else 0.0
            terms += _inject_one(
                posts,
                idx,
                comments_of,
                rng,
                _Shape(f"trend-{trend_no}", niche, bundle, start_day, ramp, peak, prior),
                start,
                rising_at_end=False,
            )
    for niche in eligible:
        if rng.random() >= 0.5:
            continue
        flat_tag, fading_tag = DECOYS[niche]
        flat = float(rng.uniform(0.15, 0.3))
        top = float(rng.uniform(0.25, 0.4))
        used: Counter[str] = Counter()
        for i in by_niche[niche]:
            row, day = posts[i].row, posts[i].day
            if rng.random() < flat:
                _add_tag(row, flat_tag)
                used[flat_tag] += 1
            if rng.random() < top * (1.0 - 0.85 * day / max(days - 1, 1)):
                _add_tag(row, fading_tag)
                used[fading_tag] += 1
        decoys.append(
            {
                "niche": niche,
                "kind": "hashtag",
                "term": flat_tag,
                "pattern": "flat",
                "share": round(flat, 3),
                "posts": used[flat_tag],
            }
        )
        decoys.append(
            {
                "niche": niche,
                "kind": "hashtag",
                "term": fading_tag,
                "pattern": "fading",
                "share_start": round(top, 3),
                "share_end": round(0.15 * top, 3),
                "posts": used[fading_tag],
            }
        )
    terms += _end_trends(
        posts, by_niche, eligible, used_in, comments_of, days, start, seed, trend_no
    )
    return _section(terms, decoys)


def _section(terms: list[dict[str, Any]], decoys: list[dict[str, Any]]) -> dict[str, Any]:
    return {"trends": terms, "trend_decoys": decoys}


__all__ = ["DECOYS", "TRENDS", "TrendTerms", "inject_trends"]
