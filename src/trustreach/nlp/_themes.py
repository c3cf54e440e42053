"""What people praise and what they complain about: distinctive phrases by sentiment.

For the positive and the negative comments separately, :func:`themes` ranks
word 1-3-grams by the log-odds ratio with an informative Dirichlet prior
(Monroe, Colaresi & Quinn 2008, "Fightin' Words"): how much more often a
phrase occurs in, say, the positive comments than in the negative ones,
shrunk towards its frequency in all comments and divided by its standard
error, so a phrase seen twice cannot outrank one seen two hundred times by
luck. Counts are comments (a phrase repeated within one comment counts once).
Phrases never start or end with a stop word (a phrase may start with a
negation: ``not worth``), and a phrase that is part of, or contains, a
higher-ranked phrase is left out.

Each phrase comes with up to three example comments (in input order, mentions
masked as ``@user``). Authors are shown only as the pseudonyms the caller
passes in ``authors``; this function never sees a platform id.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from trustreach.nlp._normalise import normalise, words

__all__ = ["Theme", "ThemeExample", "Themes", "themes"]

_NEGATIONS = frozenset(["not", "no", "never", "nothing", "nobody", "nor", "cannot"])
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"user", "rt", "amp", "im", "i'm", "it's", "don't"}
_MENTION = re.compile(r"@\w+")
MAX_N = 3
MIN_COUNT = 2


@dataclass(frozen=True)
class ThemeExample:
    """One comment that contains a theme's phrase."""

    text: str
    author: str | None


@dataclass(frozen=True)
class Theme:
    """A distinctive phrase of positive or negative comments.

    Attributes
    ----------
    phrase : str
        Lower-case words as they occur in the (normalised) comments.
    count : int
        Comments of this sentiment that contain the phrase.
    other_count : int
        Comments of the opposite sentiment that contain it.
    z : float
        Log-odds ratio over its standard error (higher: more distinctive).
    examples : tuple of ThemeExample
        Up to three comments containing the phrase.
    """

    phrase: str
    count: int
    other_count: int
    z: float
    examples: tuple[ThemeExample, ...]


@dataclass(frozen=True)
class Themes:
    """Top phrases of positive and of negative comments."""

    positive: list[Theme]
    negative: list[Theme]
    positive_comments: int
    negative_comments: int


def _phrases(tokens: list[str]) -> set[str]:
    out: set[str] = set()
    for n in range(1, MAX_N + 1):
        for start in range(len(tokens) - n + 1):
            gram = tokens[start : start + n]
            first, last = gram[0], gram[-1]
            if n == 1:
                if first in _STOP or len(first) < 2:
                    continue
            elif (first in _STOP and first not in _NEGATIONS) or last in _STOP:
                continue
            out.add(" ".join(gram))
    return out


def _contains(outer: str, inner: str) -> bool:
    return f" {inner} " in f" {outer} "


def themes(
    texts: Sequence[str],
    sentiments: Sequence[str],
    *,
    authors: Sequence[str | None] | None = None,
    top: int = 10,
) -> Themes:
    """Top distinctive phrases of positive and of negative comments, with examples.

    Parameters
    ----------
    texts : sequence of str
        Comments.
    sentiments : sequence of str
        ``positive``, ``negative`` or ``neutral`` per comment (e.g.
        ``predict_sentiment(texts).labels``); neutral comments only shape the
        prior.
    authors : sequence of str or None, optional
        A pseudonym per comment, shown with the examples. Pass pseudonyms,
        never platform handles or ids.
    top : int
        Phrases per sentiment.

    Returns
    -------
    Themes

    Raises
    ------
    ValueError
        If the lengths differ or ``top`` is below 1.

    Examples
    --------
    >>> t = themes(
    ...     ["love the colour", "love it", "love the fit!", "shipping was slow", "slow shipping"],
    ...     ["positive", "positive", "positive", "negative", "negative"],
    ... )
    >>> [(x.phrase, x.count) for x in t.positive], [(x.phrase, x.count) for x in t.negative]
    ([('love', 3)], [('shipping', 2), ('slow', 2)])
    """
    if len(texts) != len(sentiments):
        raise ValueError(
            f"texts and sentiments differ in length: {len(texts)} != {len(sentiments)}"
        )
    if authors is not None and len(authors) != len(texts):
        raise ValueError(f"texts and authors differ in length: {len(texts)} != {len(authors)}")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    grams = [_phrases(words(normalise(t, idioms=False))) for t in texts]
    background: Counter[str] = Counter()
    by_class: dict[str, Counter[str]] = {"positive": Counter(), "negative": Counter()}
    n_docs = {"positive": 0, "negative": 0}
    for g, label in zip(grams, sentiments, strict=True):
        background.update(g)
        if label in by_class:
            by_class[label].update(g)
            n_docs[label] += 1
    a0 = float(sum(background.values())) or 1.0
    totals = {k: float(sum(v.values())) for k, v in by_class.items()}

    def rank(label: str, other: str) -> list[Theme]:
        mine, theirs = by_class[label], by_class[other]
        scored: list[tuple[float, str]] = []
        for phrase, y_i in mine.items():
            if y_i < MIN_COUNT:
                continue
            a_w = float(background[phrase])
            y_j = float(theirs.get(phrase, 0))
            delta = math.log((y_i + a_w) / (totals[label] + a0 - y_i - a_w)) - math.log(
                (y_j + a_w) / (totals[other] + a0 - y_j - a_w)
            )
            z = delta / math.sqrt(1.0 / (y_i + a_w) + 1.0 / (y_j + a_w))
            if z > 0:
                scored.append((z, phrase))
        scored.sort(key=lambda item: (-item[0], item[1]))
        chosen: list[tuple[float, str]] = []
        for z, phrase in scored:
            if any(_contains(p, phrase) or _contains(phrase, p) for _, p in chosen):
                continue
            chosen.append((z, phrase))
            if len(chosen) == top:
                break
        out = []
        for z, phrase in chosen:
            examples = []
            for i, (g, lab) in enumerate(zip(grams, sentiments, strict=True)):
                if lab == label and phrase in g:
                    who = authors[i] if authors is not None else None
                    examples.append(ThemeExample(_MENTION.sub("@user", texts[i]), who))
                    if len(examples) == 3:
                        break
            out.append(
                Theme(phrase, mine[phrase], theirs.get(phrase, 0), round(z, 4), tuple(examples))
            )
        return out

    return Themes(
        positive=rank("positive", "negative"),
        negative=rank("negative", "positive"),
        positive_comments=n_docs["positive"],
        negative_comments=n_docs["negative"],
    )
