"""Comment patterns: engagement pods and bursts of bot-like comments.

**Engagement pods.** Ordinary commenters come and go: out of thousands of
followers, a single account rarely comments on more than a few percent of a
creator's posts. A pod is a small group of accounts that comment on most of
them. The signal is raised when at least :data:`POD_MIN_ACCOUNTS` accounts
each commented on at least :data:`POD_MIN_SHARE` of the creator's posts (with
at least :data:`POD_MIN_POSTS` posts). As supporting evidence it reports how
closely in time the group's comments on one post arrive, and, when comments
on other creators' posts are given, how many of the accounts also comment
regularly elsewhere.

**Bot-like comments.** A comment is *generic* when it has no letters or
digits (emoji only), matches a promotion pattern (``DM us to collab``,
``free followers``), or is at most :data:`GENERIC_MAX_WORDS` words all drawn
from :data:`GENERIC_WORDS` ("nice pic!!", "love this 🔥"). On each post the
densest :data:`BURST_WINDOW` of comments is found; a post has a *burst* when
that window holds at least :data:`BURST_MIN_COMMENTS` comments of which at
least :data:`BURST_MIN_GENERIC` are generic. The signal is raised when at
least :data:`BURST_MIN_POSTS` posts have a burst. Organic comments trickle in
over hours and vary in wording, so they do not form such bursts.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
import polars as pl

from trustreach.audience._signals import pct, ramp, to_float
from trustreach.audience._types import Signal
from trustreach.core import plural

POD_MIN_POSTS = 10
"""Posts a creator needs before pods are looked for."""
POD_MIN_SHARE = 0.30
"""Share of the creator's posts an account must comment on to count as a regular."""
POD_MIN_ACCOUNTS = 5
"""Regular accounts needed to raise the pod signal."""

GENERIC_MAX_WORDS = 4
"""Longest generic comment, in words (emoji and punctuation not counted)."""
_GENERIC_TEXT = """
nice pic pics picture photo shot love this great post awesome wow cool amazing content
so cute beautiful gorgeous omg lit fire perfect wonderful super good best lovely pretty
video yes yay very much one excellent stunning such job keep it up the work my page
"""
GENERIC_WORDS: frozenset[str] = frozenset(_GENERIC_TEXT.split())
"""Words a generic comment may consist of."""
PROMOTION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bdm (us|me)\b",
        r"\bfree (followers|likes)\b",
        r"\bcheck (out )?my (page|profile|bio)\b",
        r"\bpromote (it|your)\b",
        r"\bfollow (me|back|4 ?follow)\b",
        r"\b(link in (my )?bio)\b",
    )
)
"""Promotion patterns that make any comment generic."""
BURST_WINDOW = timedelta(minutes=30)
"""Width of the window in which a burst is counted."""
BURST_MIN_COMMENTS = 10
"""Comments in the window for a burst."""
BURST_MIN_GENERIC = 0.6
"""Share of generic comments in the window for a burst."""
BURST_MIN_POSTS = 2
"""Posts with a burst needed to raise the signal."""

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def is_generic_comment(text: str) -> bool:
    """Whether a comment is generic: emoji-only, promotional, or a stock phrase.

    >>> [is_generic_comment(t) for t in ("nice pic!!", "🔥🔥🔥", "Where did you find this?")]
    [True, True, False]
    """
    if any(p.search(text) for p in PROMOTION_PATTERNS):
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return bool(text.strip())
    return len(words) <= GENERIC_MAX_WORDS and all(w in GENERIC_WORDS for w in words)


def _author(comments: pl.DataFrame) -> str:
    for name in ("author_key", "author_id"):
        if name in comments.columns:
            return name
    raise ValueError("comments need an author_key column")


def engagement_pods(
    comments: pl.DataFrame,
    posts: pl.DataFrame,
    *,
    other_comments: pl.DataFrame | None = None,
) -> Signal:
    """Look for a small group of accounts that comment on most of a creator's posts.

    Parameters
    ----------
    comments : polars.DataFrame
        Comments with ``post_id``, ``author_key`` and ``posted_at``; only those
        on ``posts`` are used.
    posts : polars.DataFrame
        The creator's posts (all accounts): ``post_id``.
    other_comments : polars.DataFrame, optional
        Comments on *other* creators' posts, with ``author_key`` and a
        ``creator_id`` column saying whose post it was; used to report how
        many of the regular accounts also comment regularly elsewhere.

    Returns
    -------
    Signal
        ``engagement_pod``; ``details`` holds ``posts``, ``accounts``
        (pseudonymous keys of the regulars), ``mean_share``,
        ``median_minutes_apart`` and ``seen_with_other_creators``.
    """
    author = _author(comments)
    post_ids = posts["post_id"].unique()
    n_posts = post_ids.len()
    if n_posts < POD_MIN_POSTS:
        evidence = (
            f"Only {plural(n_posts, 'post')} available; at least {POD_MIN_POSTS} are needed to "
            "look for accounts that comment on most of them."
        )
        return Signal("engagement_pod", False, 0.0, evidence, {"posts": n_posts, "measured": False})
    mine = comments.filter(pl.col("post_id").is_in(post_ids.implode()))
    per_author = (
        mine.group_by(author)
        .agg(pl.col("post_id").n_unique().alias("k"))
        .with_columns((pl.col("k") / n_posts).alias("share"))
        .sort("share", author, descending=[True, False])
    )
    regulars = per_author.filter(pl.col("share") >= POD_MIN_SHARE)
    keys: list[str] = regulars[author].cast(pl.String).to_list()
    top_share = to_float(per_author["share"].max()) if per_author.height else 0.0
    details: dict[str, object] = {"posts": n_posts, "accounts": keys}
    if len(keys) < POD_MIN_ACCOUNTS:
        if keys:
            what = f"{plural(len(keys), 'account')} commented on at least {pct(POD_MIN_SHARE)}"
        else:
            what = f"no account commented on more than {pct(top_share)}"
        evidence = (
            f"Across {plural(n_posts, 'post')}, {what} of them; no group of regular commenters."
        )
        strength = 0.5 * ramp(len(keys), 0, POD_MIN_ACCOUNTS)
        return Signal("engagement_pod", False, strength, evidence, details)
    mean_share = to_float(regulars["share"].mean())
    group = mine.filter(pl.col(author).is_in(regulars[author].implode()))
    spans = (
        group.group_by("post_id")
        .agg(
            pl.len().alias("n"),
            (
                (pl.col("posted_at").max() - pl.col("posted_at").min()).dt.total_seconds() / 60.0
            ).alias("minutes"),
        )
        .filter(pl.col("n") >= 2)
    )
    minutes = float(np.median(spans["minutes"].to_numpy())) if spans.height else None
    details.update(mean_share=round(mean_share, 3), median_minutes_apart=minutes)
    evidence = (
        f"{len(keys)} accounts each commented on at least {pct(POD_MIN_SHARE)} of this "
        f"creator's {plural(n_posts, 'post')} (on average {pct(mean_share)}), while ordinary "
        "commenters reach only a few percent"
    )
    if minutes is not None:
        evidence += f"; on a post, their comments typically arrive within {minutes:.0f} minutes"
    if other_comments is not None and other_comments.height:
        other_author = _author(other_comments)
        elsewhere = (
            other_comments.filter(pl.col(other_author).is_in(regulars[author].implode()))
            .group_by(other_author)
            .agg(pl.col("creator_id").n_unique().alias("creators"))
            .filter(pl.col("creators") >= 1)
        )
        seen = elsewhere.height
        details["seen_with_other_creators"] = seen
        if seen:
            most = int(to_float(elsewhere["creators"].max()))
            evidence += (
                f"; {seen} of them also comment on the posts of up to {most} other creator"
                f"{'s' if most != 1 else ''}"
            )
    strength = 0.5 + 0.5 * ramp(len(keys) * mean_share, 0.5 * POD_MIN_ACCOUNTS, 10.0)
    return Signal("engagement_pod", True, strength, f"{evidence}.", details)


@dataclass(frozen=True)
class _Burst:
    post_id: str
    comments: int
    generic: int
    repeated: int
    examples: list[str]


def _bursts(frame: pl.DataFrame) -> list[_Burst]:
    """Densest window of each post and its generic share, for posts with a burst."""
    out: list[_Burst] = []
    window = int(BURST_WINDOW.total_seconds())
    for (post_id,), grp in frame.sort("posted_at").group_by(["post_id"], maintain_order=True):
        if grp.height < BURST_MIN_COMMENTS:
            continue
        t = grp["_t"].to_numpy()
        ends = np.searchsorted(t, t + window, side="right")
        counts = ends - np.arange(t.size)
        i = int(np.argmax(counts))
        n = int(counts[i])
        if n < BURST_MIN_COMMENTS:
            continue
        sub = grp.slice(i, n)
        generic = int(sub["_generic"].sum())
        if generic / n < BURST_MIN_GENERIC:
            continue
        texts = sub.filter(pl.col("_generic"))["text"]
        repeated = int(texts.is_duplicated().sum())
        examples = [
            str(v)
            for v in texts.value_counts(sort=True)["text"].head(3).to_list()
            if "@" not in str(v) and "http" not in str(v).lower()
        ]
        out.append(_Burst(str(post_id), n, generic, repeated, examples))
    return out


def bot_comments(comments: pl.DataFrame) -> Signal:
    """Look for bursts of generic, repeated or emoji-only comments on a creator's posts.

    Parameters
    ----------
    comments : polars.DataFrame
        The creator's comments: ``post_id``, ``posted_at`` (datetime) and
        ``text``.

    Returns
    -------
    Signal
        ``bot_comments``; ``details`` holds ``comments``, ``posts`` (with
        comments), ``burst_posts`` (one entry per affected post: ``post_id``,
        ``comments`` in the window, ``generic``, ``repeated``, ``examples``),
        ``bot_like_comments`` and ``share`` (of all comments).
    """
    total = comments.height
    n_posts = comments["post_id"].n_unique() if total else 0
    if total == 0:
        thin: dict[str, object] = {"comments": 0, "measured": False}
        return Signal("bot_comments", False, 0.0, "No comments are available.", thin)
    frame = comments.select(
        "post_id",
        "text",
        pl.col("posted_at").dt.epoch("s").alias("_t"),
        pl.col("posted_at"),
        pl.col("text")
        .fill_null("")
        .map_elements(is_generic_comment, return_dtype=pl.Boolean)
        .alias("_generic"),
    )
    bursts = _bursts(frame)
    bot_like = sum(b.generic for b in bursts)
    share = bot_like / total
    generic_share = to_float(frame["_generic"].mean())
    details: dict[str, object] = {
        "comments": total,
        "posts": n_posts,
        "burst_posts": [asdict(b) for b in bursts],
        "bot_like_comments": bot_like,
        "share": round(share, 4),
        "generic_share": round(generic_share, 4),
    }
    minutes = int(BURST_WINDOW.total_seconds() // 60)
    if len(bursts) >= BURST_MIN_POSTS:
        sizes = [b.comments for b in bursts]
        repeated = sum(b.repeated for b in bursts)
        examples: list[str] = []
        for b in bursts:
            for e in b.examples:
                if e not in examples and len(examples) < 3:
                    examples.append(e)
        quoted = ", ".join(f"\u201c{e}\u201d" for e in examples)
        size = f"{min(sizes)}-{max(sizes)}" if min(sizes) != max(sizes) else f"{sizes[0]}"
        evidence = (
            f"On {len(bursts)} of {plural(n_posts, 'post')}, {size} comments arrived within "
            f"{minutes} minutes, mostly generic or emoji-only"
            + (f" (e.g. {quoted})" if quoted else "")
            + (f", {repeated} of them repeated word for word" if repeated else "")
            + f"; these bot-like comments are {pct(share)} of all {plural(total, 'comment')}."
        )
        strength = 0.5 + 0.5 * max(ramp(len(bursts), BURST_MIN_POSTS, 8), ramp(share, 0.05, 0.4))
        return Signal("bot_comments", True, strength, evidence, details)
    if bursts:
        evidence = (
            f"One post drew a burst of {bursts[0].comments} mostly generic comments within "
            f"{minutes} minutes; the other {plural(n_posts - 1, 'post')} "
            f"{'shows' if n_posts == 2 else 'show'} no such burst."
        )
        return Signal("bot_comments", False, 0.3, evidence, details)
    evidence = (
        f"No bursts of generic comments on {plural(n_posts, 'post')}; {pct(generic_share)} "
        f"of {plural(total, 'comment')} are short stock phrases or emoji only."
    )
    return Signal("bot_comments", False, 0.0, evidence, details)
