"""Three-class sentiment of comments (negative, neutral, positive) in three tiers.

=========  =================================================================
tier       model
=========  =================================================================
fast       multinomial logistic regression on hashed word 1-2-grams,
           character n-grams, the static embedding and the capitals share
           (``models/sentiment_fast.*``); for firehose volumes
lexicon    VADER (rule-based lexicon); the class follows VADER's standard
           thresholds on ``compound`` (>= 0.05 positive, <= -0.05 negative),
           the probabilities come from a 4-feature multinomial calibration
           of VADER's (neg, neu, pos, compound) fitted on SemEval train
           (``models/lexicon_calibration.json``)
accurate   the ONNX transformer :class:`trustreach.nlp.AccurateSentiment`,
           loaded lazily; an error names the tier when it is not installed
=========  =================================================================

Every tier returns probabilities in the column order of
:data:`SENTIMENT_CLASSES` and a score ``p_positive - p_negative`` in [-1, 1].
A text with nothing to read (empty, whitespace, only URLs, mentions or
punctuation; see :func:`has_text`) is ``neutral`` with probabilities
(0, 1, 0) and score 0, and is marked ``no_text``: no sentiment was measured,
and it neither adds to nor dilutes the positive and negative shares.
Model card: ``docs/models/sentiment_fast.md``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from trustreach.core import ConfigurationError, NotFoundError
from trustreach.nlp._accurate import AccurateSentiment
from trustreach.nlp._idioms import read_idioms
from trustreach.nlp._linear import load_linear_model, softmax
from trustreach.nlp._normalise import has_emoji, normalise
from trustreach.nlp._versions import decision_version

__all__ = [
    "SENTIMENT_CLASSES",
    "TIERS",
    "SentimentResult",
    "has_text",
    "is_readable",
    "lexicon_features",
    "predict_sentiment",
    "sentiment_of",
]

SENTIMENT_CLASSES = ("negative", "neutral", "positive")
TIERS = ("fast", "accurate", "lexicon")
FAST_MODEL = "sentiment_fast"
LEXICON_MODEL = "lexicon_calibration"
VADER_POSITIVE = 0.05
VADER_NEGATIVE = -0.05

FloatMatrix = npt.NDArray[np.float32]
_READABLE = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class SentimentResult:
    """Sentiment of a batch of texts.

    Attributes
    ----------
    labels : list of str
        ``negative``, ``neutral`` or ``positive`` per text.
    proba : numpy.ndarray
        float32 (n, 3), columns in :data:`SENTIMENT_CLASSES` order; rows sum to 1.
    score : numpy.ndarray
        float32 (n,), ``p_positive - p_negative``.
    no_text : numpy.ndarray
        bool (n,), texts with nothing to read (not scored; neutral by convention).
    model_name, model_version : str
        Which model produced the scores.
    """

    labels: list[str]
    proba: FloatMatrix
    score: FloatMatrix
    no_text: npt.NDArray[np.bool_]
    model_name: str
    model_version: str


def has_text(text: str) -> bool:
    """Whether a text has anything to read: a letter, digit or emoji once URLs and mentions go.

    Examples
    --------
    >>> [has_text(t) for t in ["", "   ", "https://t.co/x @bob", "!!!", "ok", "😍"]]
    [False, False, False, False, True, True]
    """
    return is_readable(normalise(text), text)


def is_readable(normalised: str, text: str) -> bool:
    """:func:`has_text` for a text and its normalised form."""
    return _READABLE.search(normalised.replace("@user", " ")) is not None or has_emoji(text)


@functools.cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_features(texts: Sequence[str]) -> FloatMatrix:
    """VADER's (neg, neu, pos, compound) per text, float32 (n, 4).

    Praise idioms are read first (:func:`~trustreach.nlp._idioms.read_idioms`).
    """
    analyzer = _vader()
    out = np.empty((len(texts), 4), dtype=np.float32)
    for i, text in enumerate(texts):
        s = analyzer.polarity_scores(read_idioms(text))
        out[i] = (s["neg"], s["neu"], s["pos"], s["compound"])
    return out


@functools.cache
def _lexicon_calibration() -> dict[str, Any]:
    path = resources.files("trustreach.nlp") / "models" / f"{LEXICON_MODEL}.json"
    if not path.is_file():
        raise NotFoundError(
            "tier 'lexicon': calibration lexicon_calibration.json is not in the package; "
            "train it with scripts/train_text_models.py"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _lexicon_version(cal: dict[str, Any]) -> str:
    # the calibration's digest covers its coefficients; the suffix, the text rewrite
    return decision_version("vader-calibrated", str(cal["sha256"]), {})


def _lexicon(texts: Sequence[str]) -> tuple[FloatMatrix, list[str], str, str]:
    feats = lexicon_features(texts)
    cal = _lexicon_calibration()
    coef = np.asarray(cal["coef"], dtype=np.float32)
    intercept = np.asarray(cal["intercept"], dtype=np.float32)
    proba = softmax(feats @ coef.T + intercept)
    compound = feats[:, 3]
    labels = [
        "positive" if c >= VADER_POSITIVE else "negative" if c <= VADER_NEGATIVE else "neutral"
        for c in compound.tolist()
    ]
    return proba, labels, "vader-calibrated", _lexicon_version(cal)


def _accurate(texts: Sequence[str]) -> tuple[FloatMatrix, str, str]:
    """Probabilities from the transformer tier; the model loads even for no texts."""
    try:
        model = AccurateSentiment.load()
    except FileNotFoundError as exc:
        raise NotFoundError(
            "tier 'accurate' is not available: its transformer model "
            "(trustreach.nlp.AccurateSentiment) is not installed in this package "
            f"({exc}); use --tier fast or --tier lexicon"
        ) from exc
    proba = model.predict_proba(list(texts)) if texts else np.zeros((0, 3), dtype=np.float32)
    return proba, model.name, model.version


def predict_sentiment(texts: Sequence[str], *, tier: str = "fast") -> SentimentResult:
    """Sentiment of each text with probabilities and a score in [-1, 1].

    Parameters
    ----------
    texts : sequence of str
        Raw comments (normalisation happens inside).
    tier : {"fast", "lexicon", "accurate"}
        Which model (see the module docstring).

    Returns
    -------
    SentimentResult

    Raises
    ------
    ConfigurationError
        If ``tier`` is not one of :data:`TIERS`.
    NotFoundError
        If the tier's model is not installed (the message names the tier).

    Examples
    --------
    >>> r = predict_sentiment(["I love this, amazing!", "worst purchase ever", ""])
    >>> r.labels
    ['positive', 'negative', 'neutral']
    >>> r.no_text.tolist()
    [False, False, True]
    """
    if tier not in TIERS:
        raise ConfigurationError(f"tier {tier!r} not allowed; allowed: {', '.join(TIERS)}")
    items = list(texts)
    norms = [normalise(t) for t in items]
    readable = np.fromiter(
        (is_readable(n, t) for n, t in zip(norms, items, strict=True)), dtype=bool, count=len(items)
    )
    return sentiment_of(items, norms, readable, tier=tier)


def sentiment_of(
    items: list[str], norms: list[str], readable: npt.NDArray[np.bool_], *, tier: str
) -> SentimentResult:
    """:func:`predict_sentiment` for callers that have normalised the texts already.

    Rows where ``readable`` is False are not scored: ``neutral``, (0, 1, 0), ``no_text``.
    """
    if tier not in TIERS:
        raise ConfigurationError(f"tier {tier!r} not allowed; allowed: {', '.join(TIERS)}")
    proba = np.zeros((len(items), 3), dtype=np.float32)
    proba[:, 1] = 1.0
    labels = ["neutral"] * len(items)
    scored = [t for t, ok in zip(items, readable, strict=True) if ok]
    rows = np.flatnonzero(readable)
    if tier == "fast":
        model = load_linear_model(FAST_MODEL)
        name, version = model.name, model.version
        if scored:
            proba[rows] = model.predict_proba(scored, normalised=[norms[i] for i in rows])
            for i, p in zip(rows.tolist(), proba[rows].argmax(axis=1).tolist(), strict=True):
                labels[i] = SENTIMENT_CLASSES[p]
    elif tier == "lexicon":
        if scored:
            p_lex, lex_labels, name, version = _lexicon(scored)
            proba[rows] = p_lex
            for i, label in zip(rows.tolist(), lex_labels, strict=True):
                labels[i] = label
        else:
            cal = _lexicon_calibration()
            name, version = "vader-calibrated", _lexicon_version(cal)
    else:
        p_acc, name, version = _accurate(scored)
        if scored:
            proba[rows] = p_acc
            for i, p in zip(rows.tolist(), p_acc.argmax(axis=1).tolist(), strict=True):
                labels[i] = SENTIMENT_CLASSES[p]
    proba /= proba.sum(axis=1, keepdims=True)
    score = (proba[:, 2] - proba[:, 0]).astype(np.float32)
    return SentimentResult(
        labels=labels,
        proba=proba,
        score=score,
        no_text=~readable,
        model_name=name,
        model_version=version,
    )
