"""One pass over a batch of comments: clean, detect language, sentiment, brand safety.

:func:`analyze_texts` never raises on what a comment contains. Every oddity is
a per-row flag (:data:`FLAGS`), and every input row gives one output row in
input order. Every row has a ``status``: ``scored``, or ``not_scored`` with a
``reason`` (:data:`REASONS`); a row that was not scored has no sentiment, no
probabilities, no scores and no safety flags (empty, never an invented
``neutral``):

- ``control_characters``: control characters (other than tab, newline,
  carriage return) were replaced by spaces;
- ``truncated``: a model read only the start of the text: it was cut to
  :data:`MAX_TEXT_CHARS` characters, or to the transformer's input length
  (64 word pieces for accurate sentiment, 96 for accurate safety) by a tier
  that ran;
- ``no_text``: nothing to read (empty, whitespace, only URLs, mentions or
  punctuation): not scored, reason ``no_text``;
- ``language_uncertain``: the language could not be placed confidently, but
  the text is English-like or too short to place (emoji only, ``ok``), so it
  was scored (rule in :mod:`trustreach.nlp._language`);
- ``unsupported_language``: not English, or not placed and not English-like:
  not scored, reason ``unsupported_language``;
- ``invalid_utf8`` is set here for a text holding lone surrogates (replaced
  by U+FFFD), and by the file reader for bytes that are not UTF-8;
  ``invalid_record`` is set by the file reader
  (``trustreach.services.analyze_file``), not here; an invalid record with
  no text to read is not scored, reason ``invalid_record``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from trustreach.nlp._language import _MENTION, detect_languages
from trustreach.nlp._normalise import _URL, normalise, without_surrogates
from trustreach.nlp._safety import predict_safety
from trustreach.nlp._sentiment import is_readable, sentiment_of

__all__ = [
    "ANALYSIS_COLUMNS",
    "FLAGS",
    "MAX_TEXT_CHARS",
    "REASONS",
    "TextAnalysis",
    "analyze_texts",
    "model_versions",
    "prepare_text",
]

MAX_TEXT_CHARS = 10_000
#: Every flag a row can carry, in the order they are listed in the output.
FLAGS = (
    "invalid_record",
    "invalid_utf8",
    "control_characters",
    "truncated",
    "no_text",
    "language_uncertain",
    "unsupported_language",
)
#: Why a row was not scored: ``invalid_record`` (a broken record with no text
#: to read), ``no_text``, ``unsupported_language``.
REASONS = ("invalid_record", "no_text", "unsupported_language")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

FloatVector = npt.NDArray[np.float32]


def prepare_text(text: str) -> tuple[str, list[str]]:
    """A text safe to analyse and the flags of what was changed.

    Control characters become spaces (``control_characters``), lone
    surrogates (a string decoded with ``surrogateescape`` or built from
    ``\\ud800``-style escapes) become U+FFFD (``invalid_utf8``), other
    non-printing format characters are kept, and the text is cut to
    :data:`MAX_TEXT_CHARS` (``truncated``).

    Examples
    --------
    >>> prepare_text("bad\\x00byte")
    ('bad byte', ['control_characters'])
    >>> text, flags = prepare_text("x" * 20_000)
    >>> len(text), flags
    (10000, ['truncated'])
    """
    flags: list[str] = []
    if not text.isprintable() and _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
        flags.append("control_characters")
    if not text.isprintable() and (repaired := without_surrogates(text)) != text:
        text = repaired  # a lone surrogate is no character: no encoder accepts it
        flags.append("invalid_utf8")
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        flags.append("truncated")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text, flags


#: Columns of :func:`analyze_texts`, in order.
ANALYSIS_COLUMNS = (
    "status",
    "reason",
    "language",
    "language_confidence",
    "sentiment",
    "p_negative",
    "p_neutral",
    "p_positive",
    "sentiment_score",
    "offensive_probability",
    "offensive",
    "hate_probability",
    "hate",
    "flags",
)


@dataclass(frozen=True)
class TextAnalysis:
    """Per-row results of :func:`analyze_texts`, column by column (see :data:`ANALYSIS_COLUMNS`).

    Rows with ``status`` ``not_scored`` (``reason``: ``invalid_record``,
    ``no_text`` or ``unsupported_language``) have ``sentiment`` None, NaN
    probabilities and scores, and ``offensive``/``hate`` None: nothing was
    measured. :meth:`to_frame` gives the same as a Polars frame with nulls
    there and ``flags`` joined by ``;``.
    """

    status: list[str]
    reason: list[str | None]
    language: list[str | None]
    language_confidence: FloatVector
    sentiment: list[str | None]
    p_negative: FloatVector
    p_neutral: FloatVector
    p_positive: FloatVector
    sentiment_score: FloatVector
    offensive_probability: FloatVector
    offensive: list[bool | None]
    hate_probability: FloatVector
    hate: list[bool | None]
    flags: list[list[str]]
    models: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.language)

    def to_frame(self) -> pl.DataFrame:
        """One row per text with :data:`ANALYSIS_COLUMNS`; unmeasured values are null."""

        def floats(values: FloatVector) -> pl.Series:
            return pl.Series(values, dtype=pl.Float32).fill_nan(None)

        return pl.DataFrame(
            {
                "status": pl.Series(self.status, dtype=pl.String),
                "reason": pl.Series(self.reason, dtype=pl.String),
                "language": pl.Series(self.language, dtype=pl.String),
                "language_confidence": pl.Series(self.language_confidence, dtype=pl.Float32),
                "sentiment": pl.Series(self.sentiment, dtype=pl.String),
                "p_negative": floats(self.p_negative),
                "p_neutral": floats(self.p_neutral),
                "p_positive": floats(self.p_positive),
                "sentiment_score": floats(self.sentiment_score),
                "offensive_probability": floats(self.offensive_probability),
                "offensive": pl.Series(self.offensive, dtype=pl.Boolean),
                "hate_probability": floats(self.hate_probability),
                "hate": pl.Series(self.hate, dtype=pl.Boolean),
                "flags": pl.Series([";".join(f) for f in self.flags], dtype=pl.String),
            }
        )


def model_versions(tier: str = "fast", safety: str = "accurate") -> str:
    """The versions of the models :func:`analyze_texts` uses with ``tier`` and ``safety``.

    One string: ``sentiment=…;offensive=…;hate=…``.

    Examples
    --------
    >>> model_versions("fast").split(";")[0].startswith("sentiment=sentiment_fast@")
    True
    """
    from trustreach.nlp._sentiment import predict_sentiment

    senti = predict_sentiment([], tier=tier)
    result = predict_safety([], tier=safety)
    return ";".join(
        [f"sentiment={senti.model_version}"]
        + [f"{name}={v}" for name, v in result.model_versions.items()]
    )


def analyze_texts(
    texts: Sequence[str],
    *,
    tier: str = "fast",
    safety: str = "accurate",
    flags: Sequence[Sequence[str]] | None = None,
) -> TextAnalysis:
    """Language, sentiment and brand safety of each text, with per-row flags.

    Parameters
    ----------
    texts : sequence of str
        Raw comments, any length and script.
    tier : {"fast", "lexicon", "accurate"}
        Sentiment model (see :func:`~trustreach.nlp.predict_sentiment`).
    safety : {"accurate", "fast"}
        Brand-safety models (see :func:`~trustreach.nlp.predict_safety`).
    flags : sequence of sequence of str, optional
        Flags already raised per row by a reader (``invalid_utf8``, ...).

    Returns
    -------
    TextAnalysis
        One entry per text, in order: ``status`` (``scored`` or
        ``not_scored``), ``reason`` (why not: :data:`REASONS`), ``language``
        (ISO 639-1 or ``und``; empty when there was nothing to read),
        ``language_confidence``, ``sentiment``, ``p_negative``, ``p_neutral``,
        ``p_positive``, ``sentiment_score`` (``p_positive - p_negative``),
        ``offensive_probability``, ``offensive``, ``hate_probability``, ``hate``,
        ``flags`` (in :data:`FLAGS` order) and the ``models`` used. Rows not
        scored have no sentiment (None), NaN probabilities and scores, and no
        safety flags: nothing was measured.

    Examples
    --------
    >>> a = analyze_texts(["I love it, great work!", "", "Das ist wirklich sehr schlecht", "🔥🔥"])
    >>> a.status
    ['scored', 'not_scored', 'not_scored', 'scored']
    >>> a.reason, a.sentiment
    ([None, 'no_text', 'unsupported_language', None], ['positive', None, None, 'positive'])
    >>> a.flags
    [[], ['no_text'], ['unsupported_language'], ['language_uncertain']]
    """
    n = len(texts)
    row_flags = [list(f) for f in flags] if flags is not None else [[] for _ in range(n)]
    if len(row_flags) != n:
        raise ValueError(f"flags must have one entry per text: {len(row_flags)} != {n}")
    clean: list[str] = []
    for i, raw in enumerate(texts):
        text, found = prepare_text(raw)
        clean.append(text)
        row_flags[i] += found
    norms = [normalise(t) for t in clean]
    readable = np.fromiter(
        (is_readable(m, t) for m, t in zip(norms, clean, strict=True)), dtype=bool, count=n
    )
    language: list[str | None] = [None] * n
    confidence = np.zeros(n, dtype=np.float32)
    scored = readable.copy()
    rows = np.flatnonzero(readable).tolist()
    stripped = [_MENTION.sub(" ", _URL.sub(" ", clean[i])) for i in rows]
    for i, guess in zip(rows, detect_languages(stripped), strict=True):
        language[i] = guess.language
        confidence[i] = guess.confidence
        if not guess.supported:
            scored[i] = False
            row_flags[i].append("unsupported_language")
        elif guess.uncertain:
            row_flags[i].append("language_uncertain")
    for i in np.flatnonzero(~readable).tolist():
        row_flags[i].append("no_text")
    keep = np.flatnonzero(scored)
    sub_items = [clean[i] for i in keep]
    sub_norms = [norms[i] for i in keep]
    sub_readable = np.ones(len(keep), dtype=bool)
    senti = sentiment_of(sub_items, sub_norms, sub_readable, tier=tier)
    unsafe = predict_safety(sub_items, tier=safety, normalised=sub_norms, readable=sub_readable)
    for j in _cut_by_models(sub_items, tier=tier, safety=safety):
        if "truncated" not in row_flags[keep[j]]:
            row_flags[keep[j]].append("truncated")

    def column(values: npt.NDArray[np.float32]) -> FloatVector:
        out = np.full(n, np.nan, dtype=np.float32)
        out[keep] = values
        return out

    sentiment: list[str | None] = [None] * n
    offensive: list[bool | None] = [None] * n
    hate: list[bool | None] = [None] * n
    status = ["not_scored"] * n
    for j, i in enumerate(keep.tolist()):
        sentiment[i] = senti.labels[j]
        offensive[i] = bool(unsafe.offensive[j])
        hate[i] = bool(unsafe.hate[j])
        status[i] = "scored"
    reason = [
        _reason(fl) if st != "scored" else None for st, fl in zip(status, row_flags, strict=True)
    ]
    return TextAnalysis(
        status=status,
        reason=reason,
        language=language,
        language_confidence=confidence,
        sentiment=sentiment,
        p_negative=column(senti.proba[:, 0]),
        p_neutral=column(senti.proba[:, 1]),
        p_positive=column(senti.proba[:, 2]),
        sentiment_score=column(senti.score),
        offensive_probability=column(unsafe.offensive_probability),
        offensive=offensive,
        hate_probability=column(unsafe.hate_probability),
        hate=hate,
        flags=[[f for f in FLAGS if f in fl] for fl in row_flags],
        models={"sentiment": senti.model_version, **unsafe.model_versions},
    )


def _reason(flags: Sequence[str]) -> str | None:
    """Why a row was not scored: a broken record with no text, no text, or the language."""
    if "no_text" in flags:
        return "invalid_record" if "invalid_record" in flags else "no_text"
    return "unsupported_language" if "unsupported_language" in flags else None


def _cut_by_models(texts: Sequence[str], *, tier: str, safety: str) -> list[int]:
    """Positions of the texts a transformer tier in use reads only the start of."""
    from trustreach.nlp._accurate import AccurateSafety, AccurateSentiment

    models = ([AccurateSentiment.load()] if tier == "accurate" else []) + (
        [AccurateSafety.load()] if safety == "accurate" else []
    )
    if not models:
        return []
    # a character gives at most two word pieces (an emoji read as two words), so
    # a text of at most (max_len - 2) // 2 characters is never cut: skip the tokenizer
    shortest = min(m.max_len for m in models)
    return [
        j
        for j, text in enumerate(texts)
        if len(text) > (shortest - 2) // 2 and any(m.is_cut(text) for m in models)
    ]
