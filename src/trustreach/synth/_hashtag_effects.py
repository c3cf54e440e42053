"""A hidden reach effect of a few hashtags per niche, for hashtag suggestions to find.

Per niche, :data:`EFFECT_TAGS` of its hashtags carry a multiplier drawn from
:data:`MULTIPLIER_RANGE`: an organic post that carries such a tag gets its likes,
comments, shares, saves and views scaled by it (by the product when it carries
several). The broad first tag of each niche (``skincare``, ``fitness`` …),
``fyp`` and ``ai`` (an AI label, which suggestions never offer) carry none.

The effects are a pure function of the seed (a child generator
``default_rng([seed, EFFECT_STREAM])``), so the rest of the world is drawn
exactly as before; they are applied after the posts are measured and before
engagement fraud is injected (fraud boosts scale on top). Sponsored posts are
left as measured, so campaign events and snapshots (drawn from their counts)
stay the same. The ground truth records them as ``hashtag_effects``
(``{niche: {tag: multiplier}}``).
"""

from __future__ import annotations

import numpy as np

from trustreach.synth._content import Post
from trustreach.synth._lexicon import NICHES

EFFECT_STREAM = 0x4A5347  # the child generator's second key
EFFECT_TAGS = 3
MULTIPLIER_RANGE = (1.15, 1.35)
NO_EFFECT = frozenset({"fyp", "ai"})


def hashtag_effects(seed: int) -> dict[str, dict[str, float]]:
    """The hidden reach multiplier of each effect tag, per niche, for ``seed``."""
    rng = np.random.default_rng([seed, EFFECT_STREAM])
    out: dict[str, dict[str, float]] = {}
    for niche in NICHES:
        pool = [t for t in niche.hashtags[1:] if t not in NO_EFFECT]
        picked = sorted(pool[int(i)] for i in rng.choice(len(pool), EFFECT_TAGS, replace=False))
        out[niche.name] = {t: round(float(rng.uniform(*MULTIPLIER_RANGE)), 3) for t in picked}
    return out


def apply_hashtag_effects(posts: list[Post], seed: int) -> dict[str, dict[str, float]]:
    """Scale the counts of organic posts that carry an effect tag of their niche."""
    effects = hashtag_effects(seed)
    for post in posts:
        if post.sponsored is not None:
            continue
        mine = effects.get(post.creator.niche.name, {})
        mult = 1.0
        for tag in post.row["hashtags"]:
            mult *= mine.get(tag, 1.0)
        if mult == 1.0:
            continue
        row = post.row
        for key in ("likes", "comments", "views", "shares", "saves"):
            if row[key] is not None:
                row[key] = round(row[key] * mult)
    return effects


__all__ = ["EFFECT_TAGS", "MULTIPLIER_RANGE", "apply_hashtag_effects", "hashtag_effects"]
