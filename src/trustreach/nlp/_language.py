"""Which language a comment is in, and whether the text models may score it.

The sentiment and brand-safety models were trained on English tweets only. A
score on a Portuguese or Japanese comment would be false confidence, so such
texts are marked ``unsupported`` and get no scores. Detection is py3langid
(its shipped naive-Bayes model over byte n-grams, 97 languages plus a few
more, ISO 639-1 codes where one exists) with probabilities normalised per text
(py3langid divides the scores by the square root of the text's byte length, so
short texts get modest confidences).

The rule, tuned so that fewer than 3 in 3,300 English validation tweets are
set aside:

- a text with fewer than :data:`MIN_LETTERS` letters is ``und`` and is scored
  as English (``ok``, ``lol``, ``!!!``: there is nothing to detect, and the
  models handle them);
- a text is **unsupported** when the most probable language is neither
  English nor English-lexified Nigerian Pidgin (``pcm``, which py3langid
  gives to much plain English), has probability at least
  :data:`MIN_CONFIDENCE`, and English plus Pidgin together have less than
  :data:`MAX_ENGLISH_FOR_UNSUPPORTED`;
- otherwise the text is scored. Its ``language`` is the most probable label
  when that has probability at least 0.5, else ``und``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "MAX_ENGLISH_FOR_UNSUPPORTED",
    "MIN_CONFIDENCE",
    "MIN_LETTERS",
    "SUPPORTED_LANGUAGES",
    "LanguageGuess",
    "detect_languages",
]

#: Languages the text models were trained for.
SUPPORTED_LANGUAGES = ("en",)
MIN_LETTERS = 3
MIN_CONFIDENCE = 0.3
MAX_ENGLISH_FOR_UNSUPPORTED = 0.1
_REPORT_CONFIDENCE = 0.5
_ENGLISH_LIKE = ("en", "pcm")


@dataclass(frozen=True)
class LanguageGuess:
    """The detected language of one text.

    Attributes
    ----------
    language : str
        ISO 639-1 code (639-3 where there is none, e.g. ``pcm``), or ``und``.
    confidence : float
        Probability of ``language`` (of the top label for ``und``); 0 for a
        text too short to detect.
    supported : bool
        Whether the sentiment and safety models may score the text.
    """

    language: str
    confidence: float
    supported: bool


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _letters(text: str, at_least: int) -> bool:
    n = 0
    for c in text:
        if c.isalpha():
            n += 1
            if n >= at_least:
                return True
    return False


def detect_languages(texts: Sequence[str]) -> list[LanguageGuess]:
    """The language of each text and whether it may be scored (rule in the module doc).

    Parameters
    ----------
    texts : sequence of str
        Comments, already stripped of URLs and mentions for best results.

    Returns
    -------
    list of LanguageGuess
        One per text, in order.

    Examples
    --------
    >>> [g.supported for g in detect_languages(
    ...     ["I love this so much", "Adorei o produto, chegou muito rápido!", "ok"])]
    [True, False, True]
    """
    ident = _identifier()
    labels: list[str] = list(ident.nb_classes)
    english = [i for i, label in enumerate(labels) if label in _ENGLISH_LIKE]
    out: list[LanguageGuess] = []
    for text in texts:
        if not _letters(text, MIN_LETTERS):
            out.append(LanguageGuess("und", 0.0, True))
            continue
        # _decide gives every label's normalised probability in one call (rank() sorts
        # them all, classify() keeps only the top); py3langid >= 0.3 has it
        probs = np.asarray(ident._decide(text), dtype=np.float64)
        top = int(probs.argmax())
        label, confidence = labels[top], float(probs[top])
        english_share = float(probs[english].sum())
        unsupported = (
            label not in _ENGLISH_LIKE
            and confidence >= MIN_CONFIDENCE
            and english_share < MAX_ENGLISH_FOR_UNSUPPORTED
        )
        if unsupported:
            out.append(LanguageGuess(label, confidence, False))
        elif confidence >= _REPORT_CONFIDENCE:
            out.append(LanguageGuess(label, confidence, True))
        else:
            out.append(LanguageGuess("und", confidence, True))
    return out
