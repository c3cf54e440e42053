"""Rising topics: hashtags, caption keywords and comment themes rising against their own baseline.

The unit is a post. A post *mentions* a hashtag it carries, a keyword (a word
1-2-gram of its caption; no stop word at either end, hashtags and @mentions
left out, never across punctuation) or a comment theme (a word 1-3-gram of
one of its comments). Each term is compared with itself: its share of the
posts of a *recent* window (default the 14 days up to ``as_of``) against its
share of the posts of the *baseline* window before it (default 56 days), so
posting volume is normalised away and a tag that is merely frequent does not
rise.

Campaign posts (a paid flag, a disclosure tag of the rules, or an accepted or weak
disclosure word in the caption: :func:`campaign_words`) and their comments are left
out and counted, and no topic is made of a disclosure word: a campaign's words rise
because a brand paid for them, not because the niche took them up.

Test: given the term's mentions in both windows (``x = r + b``), under "no
change" the recent count ``r`` is binomial with ``p0 = N_recent / (N_recent +
N_baseline)`` (the exact conditional test that compares two Poisson rates);
the one-sided p-value is ``P(R >= r)``. Every candidate term (at least
``min_posts`` mentions in the two windows together: a filter that does not
depend on the direction of change) gets a p-value, and the Benjamini-Hochberg
procedure turns them into q-values across all kinds at once, so among the
topics reported at ``q <= 0.05`` about 5% or fewer are expected to be
noise. A topic is reported when its q-value is at most ``q``, it has
``min_posts`` recent posts from ``min_creators`` creators (one creator's
habit is not a niche's trend) and its growth is at least ``min_growth``.

Growth is the ratio of the two shares with a Haldane ``+0.5``; its 95%
interval is the exact conditional (Clopper-Pearson) interval, unbounded above
when the term was absent from the baseline. The onset is the day that best
splits the term's daily share over both windows into a lower and a higher
level (a one-change-point binomial likelihood); ``first_seen`` is its first
mention in the two windows. A phrase contained in a longer reported phrase of
the same kind is left out when the longer one explains most of its posts.

Limits: posts of one account are not independent (an undisclosed campaign can
cluster a term), which the account minimum only partly guards against; a
trend that rose before the baseline window is not "rising"; caption keywords
are words as written (no stemming, no translation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
import polars as pl
from scipy.special import xlogy
from scipy.stats import beta, binom, false_discovery_control
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from trustreach.ethics.disclosure import rulebook

__all__ = [
    "TOPIC_KINDS",
    "TREND_METHOD",
    "RisingTopic",
    "TopicMentions",
    "TrendScan",
    "detect_rising",
    "find_rising_topics",
    "topic_mentions",
]

TREND_METHOD = "trustreach.content.rising_topics/1"
TOPIC_KINDS = ("hashtag", "keyword", "comment_theme")
_STOP = sorted(
    set(ENGLISH_STOP_WORDS)
    | {"im", "ive", "its", "dont", "didnt", "cant", "youre", "thats", "tbh", "lol", "omg"}
    | {"today", "just", "really", "new", "time", "day", "week", "got", "make", "like"}
)
_BREAK = r"[#@][\w.]+|https?://\S+|[.!?:;|,()\[\]{}\"“”…\n\r\t–—·/+&=]+|\s-\s"
_NULL = "\x00"
_MIX = 0x9E3779B97F4A7C15  # an n-gram's hash: h(w1) * _MIX + h(w2) (wrapping), then the next
_SALT = {
    "hashtag": 0x243F6A8885A308D3,
    "keyword": 0x13198A2E03707344,
    "comment_theme": 0xA4093822299F31D0,
}
CAMPAIGN_FLAGS = ("sponsored", "paid_partnership", "campaign_id")
"""Columns of ``posts`` that mark a post as paid (true, or any value for ``campaign_id``)."""
EVERYDAY = frozenset({"thanks", "thank you", "thanks to", "thx", "gift", "partner"})
"""Disclosure-list words too common in organic captions to set a post or a topic aside."""
REGULAR_SHARE = 0.3
"""Share of a creator's posts an author comments on to count as a regular (pod-like)."""
REGULAR_MIN_POSTS = 10


@dataclass(frozen=True)
class TopicMentions:
    """Who mentions what, prepared once; :func:`detect_rising` scans it at any ``as_of``.

    Attributes
    ----------
    mentions
        One row per (post, kind, term): ``row`` (the post's row in ``posts``), ``h``
        (a 64-bit hash of kind and term), ``k`` (the kind's index in
        :data:`TOPIC_KINDS`), ``day`` (date), ``who`` (the creator, a number).
    volume
        Posts per ``day`` and ``kind``: all posts for hashtags and keywords, posts
        with at least one comment read for comment themes.
    posts
        ``row``, ``post_id``, ``day``, ``posted_at`` and ``engagements`` (to pick examples).
    terms
        ``h``, ``kind`` and ``term``: the words behind each hash.
    campaign
        Campaign posts left out, per ``day`` (``posts``).
    """

    mentions: pl.DataFrame
    volume: pl.DataFrame
    posts: pl.DataFrame
    terms: pl.DataFrame
    campaign: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"day": pl.Date, "posts": pl.Int64})
    )


@dataclass(frozen=True)
class RisingTopic:
    """One term rising against its own baseline, with its evidence.

    Attributes
    ----------
    term, kind
        The hashtag (without ``#``), keyword or comment phrase, and which of
        :data:`TOPIC_KINDS` it is.
    recent_posts, baseline_posts
        Posts mentioning it in the recent and in the baseline window.
    recent_share, baseline_share
        The same as shares of the window's posts.
    growth, growth_low, growth_high
        Ratio of the shares and its 95% interval (``growth_high`` None: unbounded,
        the term was absent before).
    creators
        Distinct creators (accounts when no ``creator_id``) mentioning it in the recent window.
    first_seen, onset
        First mention in the two windows; estimated day the level rose.
    p_value, q_value
        One-sided test and its Benjamini-Hochberg q-value over all candidates.
    example_post_ids
        Up to three recent posts that mention it (most engaged first).
    reason
        The evidence in plain words.
    """

    term: str
    kind: str
    recent_posts: int
    baseline_posts: int
    recent_share: float
    baseline_share: float
    growth: float
    growth_low: float
    growth_high: float | None
    creators: int
    first_seen: date
    onset: date
    p_value: float
    q_value: float
    example_post_ids: tuple[str, ...]
    reason: str

    @property
    def label(self) -> str:
        """The term as a person would write it (``#tag`` for a hashtag)."""
        return f"#{self.term}" if self.kind == "hashtag" else self.term

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "term": self.term,
            "kind": self.kind,
            "label": self.label,
            "growth": {
                "ratio": _round(self.growth),
                "low": _round(self.growth_low),
                "high": None if self.growth_high is None else _round(self.growth_high),
                "level": 0.95,
            },
            "volume": {
                "recent_posts": self.recent_posts,
                "baseline_posts": self.baseline_posts,
                "recent_share": round(self.recent_share, 4),
                "baseline_share": round(self.baseline_share, 4),
                "creators": self.creators,
            },
            "first_seen": self.first_seen.isoformat(),
            "onset": self.onset.isoformat(),
            "p_value": float(f"{self.p_value:.3g}"),
            "q_value": float(f"{self.q_value:.3g}"),
            "example_post_ids": list(self.example_post_ids),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class TrendScan:
    """What :func:`detect_rising` looked at and what it found.

    ``recent_volume`` and ``baseline_volume`` hold the posts per window and kind
    (the denominators of the shares); ``candidates`` the number of terms tested
    (the size of the false-discovery control); ``campaign_posts`` the campaign posts
    left out of the two windows (``recent``, ``baseline``).
    """

    as_of: date
    recent_start: date
    baseline_start: date
    recent_volume: Mapping[str, int]
    baseline_volume: Mapping[str, int]
    candidates: int
    q: float
    min_posts: int
    min_creators: int
    min_growth: float
    topics: tuple[RisingTopic, ...] = field(default_factory=tuple)
    campaign_posts: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "method": TREND_METHOD,
            "as_of": self.as_of.isoformat(),
            "recent_window": {
                "from": self.recent_start.isoformat(),
                "to": self.as_of.isoformat(),
                "posts": dict(self.recent_volume),
            },
            "baseline_window": {
                "from": self.baseline_start.isoformat(),
                "to": (self.recent_start - timedelta(days=1)).isoformat(),
                "posts": dict(self.baseline_volume),
            },
            "campaign_posts_left_out": dict(self.campaign_posts),
            "candidates_tested": self.candidates,
            "false_discovery_rate": self.q,
            "min_posts": self.min_posts,
            "min_creators": self.min_creators,
            "min_growth": self.min_growth,
            "topics": [t.to_dict() for t in self.topics],
        }


def _round(x: float) -> float:
    return round(x, 2) if x < 100 else round(x)


def _words(texts: pl.Series) -> pl.Series:
    """Each text's words in order, lower case, with a break token (``_NULL``) where a
    phrase must not continue: punctuation, hashtags, @mentions and links."""
    return (
        texts.fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"['’]", "")
        .str.replace_all(_BREAK, f" {_NULL} ")
        .str.extract_all(rf"\p{{L}}+|{_NULL}")
    )


def _once_per_row(rows: np.ndarray[Any, Any], hashes: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Indices of the first of each (row, hash), in row order.

    One sort of a 64-bit key (row in the top 24 bits, the hash's top 40 below): equal
    pairs become neighbours. When two different hashes of one row share the key (about
    one in 10^12 pairs) or rows reach 2^24, a hash table decides instead: exact always.
    """
    n = len(rows)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    h = hashes.astype(np.uint64, copy=False)
    if int(rows.max()) < 1 << 24:
        key = rows.astype(np.uint64)
        key <<= np.uint64(40)
        key |= h >> np.uint64(24)
        order = np.argsort(key, kind="stable")  # rows come sorted: runs merge fast
        ks = key[order]
        same = np.empty(n, dtype=bool)
        same[0] = False
        np.equal(ks[1:], ks[:-1], out=same[1:])
        pairs = np.flatnonzero(same)  # few: a row's repeated terms
        if not (h[order[pairs]] != h[order[pairs - 1]]).any():
            return order[~same]
    r = rows.astype(np.uint64)
    mixed = pl.Series(h ^ (r * np.uint64(0x9E3779B97F4A7C15)))
    return np.flatnonzero(mixed.is_first_distinct().to_numpy())


def _grams(
    rows: pl.Series, texts: pl.Series, max_words: int, kind: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Word 1..max_words-grams of each text, once per row: ``(row, h)`` and ``(h, term)``.

    One flat pass over the words: a phrase is a run of words of one text with no break
    inside and no stop word (or word under 3 letters) at either end. ``h`` (a 64-bit
    hash of the kind and the phrase) is built from the words' hashes, so no phrase is
    spelled out except once per distinct ``h`` for the second frame.
    """
    seq = pl.int_range(0, len(rows), dtype=pl.UInt32, eager=True).alias("seq")  # one text
    flat = pl.DataFrame({"row": rows.cast(pl.UInt32), "seq": seq, "w": _words(texts)}).explode("w")
    ok = ((~pl.col("w").is_in(_STOP)) & (pl.col("w").str.len_chars() >= 3)).fill_null(False)
    wh = pl.col("w").hash(7)
    flat = flat.with_columns(ok.alias("ok"), wh.alias("wh"))
    at = pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("at")
    parts = [
        flat.select(
            "row", (pl.col("wh") ^ _SALT[kind]).alias("h"), at, pl.lit(1, pl.UInt8).alias("n"), "ok"
        )
        .filter(pl.col("ok"))
        .drop("ok")
    ]
    for n in range(2, max_words + 1):
        last = n - 1
        same = (pl.col("seq").shift(-last) == pl.col("seq")).fill_null(False)
        cond = pl.col("ok") & pl.col("ok").shift(-last).fill_null(False) & same
        for i in range(1, last):
            w = pl.col("w").shift(-i)
            cond = cond & ((w != _NULL) & (w != "")).fill_null(False)
        h = pl.col("wh")
        for i in range(1, n):
            h = h * _MIX + pl.col("wh").shift(-i).fill_null(0)
        parts.append(
            flat.select(
                "row",
                (h ^ _SALT[kind]).alias("h"),
                at,
                pl.lit(n, pl.UInt8).alias("n"),
                cond.alias("keep"),
            )
            .filter(pl.col("keep"))
            .drop("keep")
        )
    grams = pl.concat(parts)
    grams = grams[_once_per_row(grams["row"].to_numpy(), grams["h"].to_numpy())]
    first = grams.filter(pl.col("h").is_first_distinct())
    spelled = []
    for n in range(1, max_words + 1):
        these = first.filter(pl.col("n") == n)
        if these.is_empty():
            continue
        pieces = pl.DataFrame({f"w{i}": flat["w"].gather(these["at"] + i) for i in range(n)})
        spelled.append(
            pieces.select(
                these["h"].alias("h"), pl.concat_str(pl.all(), separator=" ").alias("term")
            )
        )
    terms = (
        pl.concat(spelled) if spelled else pl.DataFrame(schema={"h": pl.UInt64, "term": pl.String})
    )
    return grams.select("row", "h"), terms


def _tags(rows: pl.Series, hashtags: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each post's hashtags (trimmed, no ``#``, lower case), once per row, as :func:`_grams`."""
    tags = (
        pl.DataFrame({"row": rows.cast(pl.UInt32), "term": hashtags})
        .explode("term")
        .select(
            "row",
            pl.col("term")
            .cast(pl.String)
            .str.strip_chars()
            .str.strip_chars_start("#")
            .str.to_lowercase(),
        )
        .filter(pl.col("term").is_not_null() & (pl.col("term") != ""))
        .with_columns((pl.col("term").hash(7) ^ _SALT["hashtag"]).alias("h"))
    )
    tags = tags[_once_per_row(tags["row"].to_numpy(), tags["h"].to_numpy())]
    return tags.select("row", "h"), tags.filter(pl.col("h").is_first_distinct()).select("h", "term")


@cache
def campaign_words() -> tuple[frozenset[str], frozenset[str]]:
    """``(tags, words)``: the disclosure rules' words (``rules.toml``, every jurisdiction).

    ``tags``: accepted, weak and rejected words and phrases (spaces removed), as
    hashtags; ``words``: the accepted and weak ones, as caption words and phrases;
    neither holds :data:`EVERYDAY`. A post that carries one is a campaign post, and
    no topic is made of them.
    """
    book = rulebook()
    every: set[str] = set()
    clear: set[str] = set()
    for w in book.wording.values():
        every |= {x.casefold() for x in (*w.accepted, *w.weak, *w.rejected)}
        clear |= {x.casefold() for x in (*w.accepted, *w.weak)}
    tags = frozenset(x.replace(" ", "") for x in every - EVERYDAY)
    return tags, frozenset(clear - EVERYDAY)


def _campaign_posts(posts: pl.DataFrame) -> pl.Series:
    """True for a paid post: a flag column says so, a hashtag is a disclosure tag, or the
    caption says "ad", "sponsored", "paid partnership", ... as words."""
    tags, words = campaign_words()
    flags = [
        pl.col(c).is_not_null()
        if c == "campaign_id"
        else pl.col(c).cast(pl.Boolean).fill_null(False)
        for c in CAMPAIGN_FLAGS
        if c in posts.columns
    ]
    alternatives = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )
    said = (
        pl.col("caption")
        .cast(pl.String)
        .fill_null("")
        .str.to_lowercase()
        .str.contains(rf"(?:^|[^\p{{L}}\p{{N}}_])#?(?:{alternatives})(?:$|[^\p{{L}}\p{{N}}_])")
    )
    tagged = (
        pl.col("hashtags")
        .list.eval(
            pl.element()
            .cast(pl.String)
            .str.strip_chars()
            .str.strip_chars_start("#")
            .str.to_lowercase()
            .is_in(sorted(tags))
        )
        .list.any()
        .fill_null(False)
    )
    return posts.select(pl.any_horizontal([said, tagged, *flags]).alias("campaign")).to_series()


def _campaign_terms(terms: pl.DataFrame, kind: str) -> pl.Series:
    """``h`` of the terms made of disclosure words (a tag, or a phrase with one in it)."""
    tags, words = campaign_words()
    if kind == "hashtag":
        return terms.filter(pl.col("term").is_in(sorted(tags)))["h"]
    single = sorted(w for w in words | tags if " " not in w)
    phrases = sorted(w for w in words if " " in w)
    has = pl.col("term").str.split(" ").list.eval(pl.element().is_in(single)).list.any()
    for phrase in phrases:
        has = has | pl.concat_str([pl.lit(" "), pl.col("term"), pl.lit(" ")]).str.contains(
            f" {phrase} ", literal=True
        )
    return terms.filter(has)["h"]


def _without_regulars(comments: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    """``post_id``, ``text`` of comments, less those of a creator's regular commenters.

    With an ``author`` column, an author who commented on at least
    :data:`REGULAR_SHARE` of a creator's posts (of at least :data:`REGULAR_MIN_POSTS`)
    is a regular, as engagement-pod members are: their comments are left out, so a
    pod's script does not read as a rising theme. Authors are only counted.
    """
    said = comments.select(
        pl.col("post_id").cast(pl.String),
        pl.col("text").cast(pl.String).fill_null(""),
        (
            pl.col("author").cast(pl.String)
            if "author" in comments.columns
            else pl.lit(None, pl.String)
        ).alias("author"),
    )
    if "author" not in comments.columns:
        return said.select("post_id", "text")
    per = said.join(owners, on="post_id")
    posts_of = owners.group_by("account_id").agg(pl.len().alias("n"))
    regulars = (
        per.filter(pl.col("author").is_not_null())
        .group_by("account_id", "author")
        .agg(pl.col("post_id").n_unique().alias("k"))
        .join(posts_of, on="account_id")
        .filter((pl.col("n") >= REGULAR_MIN_POSTS) & (pl.col("k") >= REGULAR_SHARE * pl.col("n")))
        .select("account_id", "author")
    )
    return per.join(regulars, on=["account_id", "author"], how="anti").select("post_id", "text")


def topic_mentions(
    posts: pl.DataFrame,
    comments: pl.DataFrame | None = None,
    *,
    keyword_words: int = 2,
    theme_words: int = 3,
    kinds: tuple[str, ...] = TOPIC_KINDS,
    leave_out_campaigns: bool = True,
) -> TopicMentions:
    """Every post's hashtags, caption keywords and comment themes, once each.

    Parameters
    ----------
    posts
        ``post_id``, ``account_id``, ``posted_at`` (datetime), ``hashtags``
        (list of str, without ``#``) and ``caption``; ``engagements`` if present
        ranks the example posts; ``creator_id`` if present is who counts towards
        ``min_creators`` (one creator's two accounts are one voice).
    comments
        ``post_id`` and ``text`` of comments on these posts (None: no comment
        themes), and optionally ``author`` (a pseudonym): comments of a creator's
        regular commenters (pod-like, :data:`REGULAR_SHARE`) are then left out.
        Authors are only counted, never returned.
    kinds
        Which of :data:`TOPIC_KINDS` to read (hashtags alone skip the caption words).
    keyword_words, theme_words
        Longest phrase, in words, of a caption keyword and of a comment theme.
    leave_out_campaigns
        Leave out campaign posts (and their comments): a column of
        :data:`CAMPAIGN_FLAGS` marks them, or a disclosure tag or word of the rules
        (:func:`campaign_words`); and make no topic of disclosure words. They are
        counted per day in ``campaign``.
    """
    bad = [k for k in kinds if k not in TOPIC_KINDS]
    if bad:
        raise ValueError(f"kinds: unknown {bad}; allowed: {', '.join(TOPIC_KINDS)}")
    missing = {"post_id", "account_id", "posted_at", "hashtags", "caption"} - set(posts.columns)
    if missing:
        raise ValueError(f"posts lacks the columns {sorted(missing)}")
    who = "creator_id" if "creator_id" in posts.columns else "account_id"
    campaign = pl.DataFrame(schema={"day": pl.Date, "posts": pl.Int64})
    if leave_out_campaigns and not posts.is_empty():
        paid = _campaign_posts(posts)
        campaign = (
            posts.filter(paid)
            .group_by(pl.col("posted_at").dt.date().alias("day"))
            .agg(pl.len().cast(pl.Int64).alias("posts"))
            .sort("day")
        )
        posts = posts.filter(~paid)
    base = posts.select(
        pl.col("post_id").cast(pl.String),
        pl.col(who).cast(pl.String).alias("account_id"),
        pl.col("posted_at"),
        pl.col("posted_at").dt.date().alias("day"),
        (
            pl.col("engagements").cast(pl.Int64)
            if "engagements" in posts.columns
            else pl.lit(0, dtype=pl.Int64).alias("engagements")
        ),
    )
    base = base.with_row_index("row")
    parts = {"hashtag": _tags(base["row"], posts["hashtags"])}
    if "keyword" in kinds:
        parts["keyword"] = _grams(
            base["row"], posts["caption"].cast(pl.String), keyword_words, "keyword"
        )
    volume_parts = [
        base.group_by("day").agg(pl.len().alias("posts")).with_columns(pl.lit(k).alias("kind"))
        for k in parts
    ]
    if comments is not None and not comments.is_empty() and "comment_theme" in kinds:
        said = _without_regulars(
            comments.join(base.select("post_id"), on="post_id", how="semi"),
            base.select("post_id", "account_id"),
        ).join(base.select("post_id", "row"), on="post_id")
        parts["comment_theme"] = _grams(
            said["row"], said["text"].cast(pl.String), theme_words, "comment_theme"
        )
        volume_parts.append(
            base.join(said.select("post_id").unique(), on="post_id", how="semi")
            .group_by("day")
            .agg(pl.len().alias("posts"))
            .with_columns(pl.lit("comment_theme").alias("kind"))
        )
    if leave_out_campaigns:
        for k, (p, t) in list(parts.items()):
            paid_terms = _campaign_terms(t, k)
            if len(paid_terms):
                parts[k] = (
                    p.filter(~pl.col("h").is_in(paid_terms.implode())),
                    t.filter(~pl.col("h").is_in(paid_terms.implode())),
                )
    rows = pl.concat(
        [
            p.select("row", "h", pl.lit(TOPIC_KINDS.index(k), dtype=pl.UInt8).alias("k"))
            for k, (p, _) in parts.items()
        ]
    )
    voice = base["account_id"].rank("dense").cast(pl.UInt32)
    mentions = rows.with_columns(
        base["day"].gather(rows["row"]).alias("day"), voice.gather(rows["row"]).alias("who")
    )
    terms = pl.concat(
        [t.select("h", pl.lit(k).alias("kind"), "term") for k, (_, t) in parts.items()]
    ).unique("h", keep="any")
    volume = pl.concat(
        [v.select("day", "kind", pl.col("posts").cast(pl.Int64)) for v in volume_parts]
    )
    return TopicMentions(
        mentions,
        volume,
        base.select("row", "post_id", "day", "posted_at", "engagements"),
        terms,
        campaign,
    )


def detect_rising(
    prepared: TopicMentions,
    *,
    as_of: date | None = None,
    recent_days: int = 14,
    baseline_days: int = 56,
    q: float = 0.05,
    min_posts: int = 5,
    min_creators: int = 3,
    min_growth: float = 1.5,
    kinds: tuple[str, ...] = TOPIC_KINDS,
) -> TrendScan:
    """Terms whose share of posts rose in the recent window, with a false-discovery control.

    Parameters
    ----------
    prepared
        From :func:`topic_mentions`.
    as_of
        Last day of the recent window (default: the latest post's day).
    recent_days, baseline_days
        Window lengths in days.
    q
        False-discovery rate of the Benjamini-Hochberg control (0 < q < 1).
    min_posts
        Mentions a term needs in the two windows together to be tested, and in the
        recent window to be reported.
    min_creators
        Distinct creators that must mention it in the recent window.
    min_growth
        Smallest growth (ratio of shares) worth reporting.
    kinds
        Which of :data:`TOPIC_KINDS` to look at.
    """
    bad = [k for k in kinds if k not in TOPIC_KINDS]
    if bad:
        raise ValueError(f"kinds: unknown {bad}; allowed: {', '.join(TOPIC_KINDS)}")
    if not 0 < q < 1:
        raise ValueError(f"q must be between 0 and 1 (exclusive), got {q}")
    if recent_days < 1 or baseline_days < 1:
        raise ValueError("recent_days and baseline_days must be at least 1")
    if as_of is None:
        last = prepared.posts["day"].max()
        as_of = last if isinstance(last, date) else date.today()
    recent_start = as_of - timedelta(days=recent_days - 1)
    baseline_start = recent_start - timedelta(days=baseline_days)
    in_span = pl.col("day").is_between(baseline_start, as_of)
    recent = pl.col("day") >= recent_start
    vol = (
        prepared.volume.filter(in_span & pl.col("kind").is_in(list(kinds)))
        .group_by("kind")
        .agg(
            pl.col("posts").filter(recent).sum().alias("n_r"),
            pl.col("posts").filter(~recent).sum().alias("n_b"),
        )
    )
    n_r = {str(k): int(v) for k, v in zip(vol["kind"], vol["n_r"], strict=True)}
    n_b = {str(k): int(v) for k, v in zip(vol["kind"], vol["n_b"], strict=True)}
    scan = {
        "as_of": as_of,
        "recent_start": recent_start,
        "baseline_start": baseline_start,
        "recent_volume": {k: n_r.get(k, 0) for k in kinds},
        "baseline_volume": {k: n_b.get(k, 0) for k in kinds},
        "q": q,
        "min_posts": min_posts,
        "min_creators": min_creators,
        "min_growth": min_growth,
        "campaign_posts": {
            "recent": int(prepared.campaign.filter(in_span & recent)["posts"].sum()),
            "baseline": int(prepared.campaign.filter(in_span & ~recent)["posts"].sum()),
        },
    }
    codes = [TOPIC_KINDS.index(k) for k in kinds]
    span = prepared.mentions.filter(in_span & pl.col("k").is_in(codes))
    totals = (
        span.group_by("h")
        .agg(recent.sum().alias("r"), pl.len().alias("x"))
        .filter(pl.col("x") >= min_posts)
    )
    span = span.filter(pl.col("h").is_in(totals["h"].implode()))  # the candidates' mentions
    counts = (
        span.group_by("h")
        .agg(pl.col("who").filter(recent).n_unique().alias("creators"))
        .join(totals, on="h")
        .join(prepared.terms, on="h")
        .with_columns(
            pl.col("kind").replace_strict(n_r, default=0, return_dtype=pl.Int64).alias("n_r"),
            pl.col("kind").replace_strict(n_b, default=0, return_dtype=pl.Int64).alias("n_b"),
        )
        .filter((pl.col("n_r") > 0) & (pl.col("n_b") > 0))
        .sort("kind", "term")
    )
    if counts.is_empty():
        return TrendScan(candidates=0, **scan)  # type: ignore[arg-type]
    r = counts["r"].to_numpy().astype(np.int64)
    x = counts["x"].to_numpy().astype(np.int64)
    nr = counts["n_r"].to_numpy().astype(np.float64)
    nb = counts["n_b"].to_numpy().astype(np.float64)
    p0 = nr / (nr + nb)
    pvalue = binom.sf(r - 1, x, p0)
    qvalue = false_discovery_control(pvalue, method="bh")
    b = x - r
    growth = ((r + 0.5) / nr) / ((b + 0.5) / nb)
    counts = counts.with_columns(
        pl.Series("p", pvalue), pl.Series("q", qvalue), pl.Series("growth", growth)
    )
    hits = counts.filter(
        (pl.col("q") <= q)
        & (pl.col("r") >= min_posts)
        & (pl.col("creators") >= min_creators)
        & (pl.col("growth") >= min_growth)
    ).sort(["q", "r", "kind", "term"], descending=[False, True, False, False])
    hits = _drop_contained(hits)
    topics = _topics(prepared, span, hits, scan, baseline_start, as_of, recent_start)
    return TrendScan(candidates=counts.height, topics=tuple(topics), **scan)  # type: ignore[arg-type]


def _drop_contained(hits: pl.DataFrame) -> pl.DataFrame:
    """Leave out a phrase inside a longer kept phrase of its kind that explains most of it."""
    kept: list[int] = []
    rows = hits.select("kind", "term", "r").rows()
    order = sorted(range(len(rows)), key=lambda i: -len(rows[i][1].split()))
    for i in order:
        kind, term, r = rows[i]
        words = f" {term} "
        if kind != "hashtag" and any(
            rows[j][0] == kind and words in f" {rows[j][1]} " and r <= 1.5 * rows[j][2]
            for j in kept
        ):
            continue
        kept.append(i)
    keep = sorted(kept)
    return hits[keep] if keep else hits.clear()


def _topics(
    prepared: TopicMentions,
    span: pl.DataFrame,
    hits: pl.DataFrame,
    scan: Mapping[str, Any],
    baseline_start: date,
    as_of: date,
    recent_start: date,
) -> list[RisingTopic]:
    if hits.is_empty():
        return []
    span = (  # the reported topics' mentions, with their words and posts
        span.filter(pl.col("h").is_in(hits["h"].implode()))
        .join(prepared.terms, on="h")
        .join(prepared.posts.select("row", "post_id"), on="row")
    )
    days = (as_of - baseline_start).days + 1
    keys = hits.select("kind", "term")
    daily = (
        span.join(keys, on=["kind", "term"], how="semi")
        .group_by("kind", "term", "day")
        .agg(pl.len().alias("c"))
    )
    volume = prepared.volume.filter(pl.col("day").is_between(baseline_start, as_of))
    per_day: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for kind in hits["kind"].unique().to_list():
        arr = np.zeros(days)
        v = volume.filter(pl.col("kind") == kind)
        for d, n in zip(v["day"].to_list(), v["posts"].to_list(), strict=True):
            arr[(d - baseline_start).days] += n
        per_day[kind] = arr
    series: dict[tuple[str, str], np.ndarray[Any, np.dtype[np.float64]]] = {}
    for kind, term, d, c in daily.iter_rows():
        arr = series.setdefault((kind, term), np.zeros(days))
        arr[(d - baseline_start).days] = c
    examples = (
        span.filter(pl.col("day") >= recent_start)
        .join(keys, on=["kind", "term"], how="semi")
        .join(prepared.posts.select("post_id", "posted_at", "engagements"), on="post_id")
        .sort(["engagements", "posted_at", "post_id"], descending=[True, True, False])
        .group_by("kind", "term", maintain_order=True)
        .agg(pl.col("post_id").head(3))
    )
    example_of = {(k, t): tuple(ids) for k, t, ids in examples.iter_rows()}
    out = []
    for row in hits.iter_rows(named=True):
        kind, term = row["kind"], row["term"]
        c = series[(kind, term)]
        seen = baseline_start + timedelta(days=int(np.flatnonzero(c)[0]))
        onset = baseline_start + timedelta(days=_change_point(c, per_day[kind]))
        r, x = int(row["r"]), int(row["x"])
        b = x - r
        nr, nb = int(row["n_r"]), int(row["n_b"])
        low, high = _growth_interval(r, x, nr, nb)
        topic = RisingTopic(
            term=term,
            kind=kind,
            recent_posts=r,
            baseline_posts=b,
            recent_share=r / nr,
            baseline_share=b / nb,
            growth=float(row["growth"]),
            growth_low=low,
            growth_high=high,
            creators=int(row["creators"]),
            first_seen=seen,
            onset=onset,
            p_value=float(row["p"]),
            q_value=float(row["q"]),
            example_post_ids=example_of.get((kind, term), ()),
            reason="",
        )
        out.append(_with_reason(topic, scan))
    return out


def _growth_interval(r: int, x: int, nr: int, nb: int) -> tuple[float, float | None]:
    """95% exact conditional interval of the ratio of shares (Clopper-Pearson on r of x)."""
    lo_p = float(beta.ppf(0.025, r, x - r + 1)) if r > 0 else 0.0
    hi_p = float(beta.ppf(0.975, r + 1, x - r)) if r < x else 1.0
    scale = nb / nr
    low = lo_p / (1 - lo_p) * scale
    high = None if hi_p >= 1.0 else hi_p / (1 - hi_p) * scale
    return low, high


def _change_point(
    c: np.ndarray[Any, np.dtype[np.float64]], n: np.ndarray[Any, np.dtype[np.float64]]
) -> int:
    """Day index where a one-change-point binomial model puts the rise (0 when none)."""
    k1, n1 = np.cumsum(c)[:-1], np.cumsum(n)[:-1]
    k2, n2 = c.sum() - k1, n.sum() - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(n1 > 0, k1 / n1, 0.0)
        p2 = np.where(n2 > 0, k2 / n2, 0.0)
        ll = xlogy(k1, p1) + xlogy(n1 - k1, 1 - p1) + xlogy(k2, p2) + xlogy(n2 - k2, 1 - p2)
    ll = np.where((p2 > p1) & (n1 > 0) & (n2 > 0), ll, -np.inf)
    if not np.isfinite(ll).any():
        return 0
    return int(np.argmax(ll)) + 1


def _with_reason(topic: RisingTopic, scan: Mapping[str, Any]) -> RisingTopic:
    recent_days = (scan["as_of"] - scan["recent_start"]).days + 1
    baseline_days = (scan["recent_start"] - scan["baseline_start"]).days
    unit = "posts with comments" if topic.kind == "comment_theme" else "posts"
    where = {"hashtag": "", "keyword": " in captions", "comment_theme": " in comments"}[topic.kind]
    nr = scan["recent_volume"][topic.kind]
    nb = scan["baseline_volume"][topic.kind]
    high = (
        "no upper bound (absent before)"
        if topic.growth_high is None
        else (f"{_fmt(topic.growth_high)}x")
    )
    reason = (
        f"{topic.label}{where}: {topic.recent_posts} of {nr} {unit} in the last "
        f"{recent_days} days ({topic.recent_share:.1%}) from {topic.creators} creators, "
        f"against {topic.baseline_posts} of {nb} ({topic.baseline_share:.1%}) in the "
        f"{baseline_days} days before: about {_fmt(topic.growth)}x (95% interval "
        f"{_fmt(topic.growth_low)}x to {high}); rising since about {topic.onset.isoformat()}; "
        f"q = {topic.q_value:.2g} (false-discovery controlled)."
    )
    return RisingTopic(**{**topic.__dict__, "reason": reason})


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "∞"
    return f"{x:.1f}" if x < 10 else f"{x:.0f}"


def find_rising_topics(
    posts: pl.DataFrame,
    comments: pl.DataFrame | None = None,
    *,
    as_of: date | None = None,
    recent_days: int = 14,
    baseline_days: int = 56,
    q: float = 0.05,
    min_posts: int = 5,
    min_creators: int = 3,
    min_growth: float = 1.5,
) -> TrendScan:
    """:func:`topic_mentions` then :func:`detect_rising` (see the module docstring).

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    >>> rows = [
    ...     {"post_id": f"p{i}", "account_id": f"a{i % 4}",
    ...      "posted_at": start + timedelta(days=i // 4), "caption": "Morning run",
    ...      "hashtags": ["running"] + (["zone2"] if i // 4 >= 56 and i % 4 else [])}
    ...     for i in range(4 * 70)
    ... ]
    >>> scan = find_rising_topics(pl.DataFrame(rows))
    >>> [(t.label, t.recent_posts, t.baseline_posts) for t in scan.topics]
    [('#zone2', 42, 0)]
    """
    prepared = topic_mentions(posts, comments)
    return detect_rising(
        prepared,
        as_of=as_of,
        recent_days=recent_days,
        baseline_days=baseline_days,
        q=q,
        min_posts=min_posts,
        min_creators=min_creators,
        min_growth=min_growth,
    )
