"""Text to vocabulary rows: a fast BERT-style WordPiece tokenizer for static vectors.

It follows BERT's uncased rules (lower-case, strip accents, split punctuation,
greedy longest-match-first with ``##`` continuations, a word that cannot be
matched is unknown), with three changes that suit social text and a model
without word order:

- URLs (``scheme://...``) and ``@mentions`` are dropped: they name places and people, not topics;
- a hashtag is split at camel case, digits and underscores, and a run of
  lower-case letters is segmented into whole vocabulary words when it can be
  (``#veganskincare`` -> ``vega ##n skin care``; the word break prefers few,
  frequent words), otherwise it is WordPiece-tokenised like any word;
- symbols that are not in the vocabulary (emoji, pictographs) and words that
  cannot be matched are skipped instead of becoming ``[UNK]``.

Every distinct surface token is tokenised once and cached, which is what makes
this pure-Python tokenizer fast on captions and tweets.

``mode="bert"`` is for a transformer that reads word order (the accurate
sentiment tier): it keeps what a BERT tokenizer keeps. Punctuation, ``@`` and
the parts of a URL become tokens, a hashtag is ``#`` followed by its split
words, and a symbol or word the vocabulary cannot spell becomes ``[UNK]``.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Literal

__all__ = ["WordPieceTokenizer"]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ceaf\U0002f800-\U0002fa1f"

#: One surface token: a run of letters/digits (with a URL's tail when it is a
#: scheme), a hashtag, a mention, one CJK ideograph, or one other non-space
#: character. The commonest case comes first: this regex is the hot path.
_SURFACE = re.compile(rf"[^\W_{_CJK}]+(?:://\S*)?|#[^\W_]\w*|@\w+|[{_CJK}]|[^\w\s]|_")

#: ``mode="bert"``: BERT's basic split (letter/digit runs, one CJK ideograph, one
#: punctuation or symbol character), except that a hashtag stays whole.
_BERT_SURFACE = re.compile(rf"[^\W_{_CJK}]+|#[^\W_]\w*|[{_CJK}]|[^\w\s]|_")

#: Parts of a hashtag body: acronyms, capitalised or lower-case words, digits.
_HASHTAG_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W\d_]+")

_MAX_WORD_CHARS = 100  # BERT's limit: longer words are unknown
_MAX_SEGMENT_CHARS = 60  # longer hashtag runs are not word-broken
_MAX_SEGMENT_WORD = 20
_CACHE_SIZE = 1 << 18
#: The only words of one or two letters a hashtag is split into.
_SHORT_WORDS = frozenset(
    [
        "a",
        "i",
        "my",
        "me",
        "of",
        "to",
        "in",
        "on",
        "at",
        "up",
        "we",
        "us",
        "no",
        "go",
        "do",
        "so",
        "be",
        "by",
        "or",
        "is",
        "it",
    ]
)


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


class WordPieceTokenizer:
    """Maps text to rows of a token list (vocabulary order = frequency rank).

    Parameters
    ----------
    tokens : sequence of str
        The vocabulary, one entry per vector row, ``##`` marking continuations,
        ordered as the teacher's vocabulary (roughly most frequent first).
    mode : {"topic", "bert"}, default "topic"
        ``"topic"`` drops URLs, mentions and what the vocabulary cannot spell
        (for static vectors); ``"bert"`` keeps them as BERT does, unknowns as
        ``[UNK]``, which must then be in ``tokens`` (for a transformer).

    Examples
    --------
    >>> tok = WordPieceTokenizer(["the", "skin", "care", "##s", "vega", "##n", "!"])
    >>> tok.pieces("The SKIN-cares! https://x.y @someone #veganSkincare 🌱")
    ['the', 'skin', 'care', '##s', '!', 'vega', '##n', 'skin', 'care']
    >>> bert = WordPieceTokenizer(["[UNK]", "@", "#", "user", "vega", "##n", "!"], mode="bert")
    >>> bert.pieces("@user #vegan! 🌱")
    ['@', 'user', '#', 'vega', '##n', '!', '[UNK]']
    """

    def __init__(self, tokens: Sequence[str], *, mode: Literal["topic", "bert"] = "topic") -> None:
        if mode not in ("topic", "bert"):
            raise ValueError(f"mode must be 'topic' or 'bert', not {mode!r}")
        self.tokens = list(tokens)
        self.mode = mode
        self.index = {token: row for row, token in enumerate(self.tokens)}
        self._words = frozenset(
            t
            for t in self.tokens
            if t.isascii() and t.isalpha() and (len(t) > 2 or t in _SHORT_WORDS)
        )
        self._split = _SURFACE.findall
        surface_ids = self._surface_ids
        if mode == "bert":
            if "[UNK]" not in self.index or "#" not in self.index:
                raise ValueError('mode="bert" needs "[UNK]" and "#" in tokens')
            self._unknown = (self.index["[UNK]"],)
            self._split = _BERT_SURFACE.findall
            surface_ids = self._bert_surface_ids
        self.surface_ids: Callable[[str], tuple[int, ...]] = functools.lru_cache(
            maxsize=_CACHE_SIZE
        )(surface_ids)

    def ids(self, text: str) -> list[int]:
        """Rows of the vocabulary that ``text`` contributes, in order."""
        out: list[int] = []
        surface_ids = self.surface_ids
        for surface in self._split(text):
            out += surface_ids(surface)
        return out

    def pieces(self, text: str) -> list[str]:
        """The vocabulary entries that ``text`` contributes, in order (for explanations)."""
        return [self.tokens[row] for row in self.ids(text)]

    # ------------------------------------------------------------------ internals

    def _surface_ids(self, surface: str) -> tuple[int, ...]:
        first = surface[0]
        if first == "@" and len(surface) > 1:
            return ()
        if first == "#" and len(surface) > 1:
            return self._hashtag_ids(surface[1:])
        if "://" in surface:
            return ()
        return self._word_ids(_strip_accents(surface.lower()))

    def _bert_surface_ids(self, surface: str) -> tuple[int, ...]:
        if surface[0] == "#" and len(surface) > 1:
            return (self.index["#"], *(self._hashtag_ids(surface[1:]) or self._unknown))
        return self._word_ids(_strip_accents(surface.lower())) or self._unknown

    def _word_ids(self, word: str) -> tuple[int, ...]:
        row = self.index.get(word)
        if row is not None:
            return (row,)
        if not word or len(word) > _MAX_WORD_CHARS:
            return ()
        pieces: list[int] = []
        start = 0
        index = self.index
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                row = index.get(piece)
                if row is not None:
                    pieces.append(row)
                    break
                end -= 1
            else:
                return ()  # BERT: a word that cannot be matched is unknown as a whole
            start = end
        return tuple(pieces)

    def _hashtag_ids(self, body: str) -> tuple[int, ...]:
        out: list[int] = []
        for part in _HASHTAG_PART.findall(_strip_accents(body)):
            word = part.lower()
            row = self.index.get(word)
            if row is not None:
                out.append(row)
            elif len(word) <= _MAX_SEGMENT_CHARS and word.isascii() and word.isalpha():
                out += self._segment(word)
            else:
                out += self._word_ids(word)
        return tuple(out)

    def _segment_rows(self, segment: str) -> tuple[int, ...]:
        """Rows of one hashtag segment: a word, or a WordPiece spelling of 3+ letters."""
        if segment in self._words:
            return (self.index[segment],)
        return self._word_ids(segment) if len(segment) >= 3 else ()

    def _segment(self, run: str) -> tuple[int, ...]:
        """Rows of the best split of a lower-case hashtag run into words.

        A segment is a vocabulary word (three letters or more, or a common short
        word) or, where the vocabulary spells a word with continuations
        (``vegan`` is ``vega ##n``), its WordPiece spelling. The split with the
        fewest pieces wins; ties go to longer pieces (sum of squared lengths),
        then to fewer continuations. So ``veganskincare`` becomes
        ``vega ##n skin care`` rather than ``vega ##nsk ##in ##care``.
        """
        n = len(run)
        worst = (math.inf, 0.0, 0.0)
        best: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] + [worst] * n
        back: list[tuple[int, tuple[int, ...]]] = [(0, ())] * (n + 1)
        tokens = self.tokens
        for end in range(1, n + 1):
            for start in range(max(0, end - _MAX_SEGMENT_WORD), end):
                if best[start] is worst:
                    continue
                rows = self._segment_rows(run[start:end])
                if not rows:
                    continue
                pieces, neg_sumsq, continuations = best[start]
                lengths = [len(tokens[r]) - 2 * tokens[r].startswith("##") for r in rows]
                score = (
                    pieces + len(rows),
                    neg_sumsq - sum(x * x for x in lengths),
                    continuations + len(rows) - 1,
                )
                if score < best[end]:
                    best[end] = score
                    back[end] = (start, rows)
        if best[n] is worst:
            return self._word_ids(run)
        out: list[tuple[int, ...]] = []
        end = n
        while end > 0:
            end, rows = back[end]
            out.append(rows)
        return tuple(row for rows in reversed(out) for row in rows)
