"""Which language a comment is in, and whether the text models may score it.

The sentiment and brand-safety models were trained on English tweets only. A
score on a Portuguese or Japanese comment would be false confidence, so such
texts are marked ``unsupported`` and get no scores. Detection is py3langid
(its shipped naive-Bayes model over byte n-grams, 97 languages plus a few
more, ISO 639-1 codes where one exists) with probabilities normalised per text
(py3langid divides the scores by the square root of the text's byte length, so
short texts get modest confidences).

Short and emoji-heavy comments are where detection fails: "Increíble 🔥",
"Underrated post tbh" and "👏👏👏" all get low confidences. The rule never lets
such a text through silently; every text ends in one of three states
(:class:`LanguageGuess`):

1. **English** (scored, no flag): the most probable label is English or
   English-lexified Nigerian Pidgin (``pcm``, which py3langid gives to much
   plain English) with probability at least :data:`ENGLISH_CONFIDENCE`.
2. **Unsupported** (not scored, flag ``unsupported_language``):
   the most probable label is another language with probability at least
   :data:`MIN_CONFIDENCE` and English plus Pidgin below
   :data:`MAX_ENGLISH_FOR_UNSUPPORTED`; or the text could not be placed and
   is not English-like (below); or it has fewer than :data:`MIN_LETTERS`
   letters and one of them is not a Latin letter (``好!``).
3. **Uncertain, scored with a flag** (``language_uncertain``, ``language``
   ``und``): the text could not be placed confidently but is English-like:
   at least :data:`MIN_ENGLISH_WORDS` (half) of its words, capitalised words
   (names) left out, are in the English word list (:func:`english_words`:
   the words of the models' own training tweets, built by
   ``scripts/build_english_words.py``); or it has fewer than
   :data:`MIN_LETTERS` letters, all Latin (emoji-only, ``ok``, ``10/10``),
   where there is nothing to detect and the models handle the emoji.

A text placed confidently in another language stays unsupported even when its
words look English; an English text that py3langid places elsewhere with low
confidence (one tweet in three hundred of the validation tweets) is rescued
by its words. ``docs/conversation.md`` gives the measured rates.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from trustreach.nlp._normalise import _ELONGATION, _URL

__all__ = [
    "ENGLISH_CONFIDENCE",
    "MAX_ENGLISH_FOR_UNSUPPORTED",
    "MIN_CONFIDENCE",
    "MIN_ENGLISH_WORDS",
    "MIN_LETTERS",
    "SUPPORTED_LANGUAGES",
    "LanguageGuess",
    "detect_languages",
    "english_share",
    "english_words",
    "word_forms",
]

#: Languages the text models were trained for.
SUPPORTED_LANGUAGES = ("en",)
MIN_LETTERS = 3
ENGLISH_CONFIDENCE = 0.5
MIN_CONFIDENCE = 0.9
MAX_ENGLISH_FOR_UNSUPPORTED = 0.1
MIN_ENGLISH_WORDS = 0.5
_REPORT_CONFIDENCE = 0.5
_ENGLISH_LIKE = ("en", "pcm")
_WORDS_FILE = "english_words.txt"
_MENTION = re.compile(r"@[\w.]*\w")
_REPEATS = re.compile(r"(\w)\1+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_HASHTAG = re.compile(r"#\w+")


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
    uncertain : bool
        Scored although the language could not be placed (English-like words,
        or too short to detect): the row carries ``language_uncertain``.
    """

    language: str
    confidence: float
    supported: bool
    uncertain: bool = False


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def word_forms(text: str, *, names: bool = True) -> list[str]:
    """The lower-cased letter words of a raw text, URLs, mentions and hashtags left out.

    Elongations are cut to two letters (``soooo`` -> ``soo``); emoji and
    numbers are not words; hashtags count only when there is nothing else.
    With ``names=False``, capitalised words (``Hans``, ``Monza``, and the
    first word of a sentence: names say nothing about the language, and the
    short words that open a sentence are shared by many languages) are left
    out too, unless the word is all capitals or that leaves nothing.

    Examples
    --------
    >>> word_forms("SOOOO good @anna.k https://t.co/x #ootd 🔥 10/10")
    ['soo', 'good']
    >>> word_forms("nice one Hans, danke", names=False)
    ['nice', 'one', 'danke']
    """
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "http" in text or "www." in text or "HTTP" in text:
        text = _URL.sub(" ", text)
    if "#" in text:  # a hashtag is a name or a run of words; kept only when nothing else is
        rest = _HASHTAG.sub(" ", text)
        text = rest if _WORD.search(rest) else text
    text = _ELONGATION.sub(r"\1\1", text)
    if names:
        return _WORD.findall(text.lower())
    found = _WORD.findall(text)
    kept = [w.lower() for w in found if not w[0].isupper() or w.isupper()]
    return kept or [w.lower() for w in found]


@functools.cache
def english_words() -> frozenset[str]:
    """Words of the English training tweets (``models/english_words.txt``)."""
    path = resources.files("trustreach.nlp") / "models" / _WORDS_FILE
    return frozenset(path.read_text(encoding="utf-8").split())


def english_share(text: str) -> float:
    """Share of the text's words (:func:`word_forms`, names left out) in :func:`english_words`.

    A word also counts when its repeated letters, cut to one, are listed
    (``youu`` -> ``you``). 0 for a text without words.

    Examples
    --------
    >>> english_share("Underrated post tbh"), english_share("Qué decepción")
    (1.0, 0.0)
    """
    forms = word_forms(text, names=False)
    if not forms:
        return 0.0
    known = english_words()
    hits = sum(w in known or _REPEATS.sub(r"\1", w) in known for w in forms)
    return hits / len(forms)


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
    >>> [(g.supported, g.uncertain) for g in detect_languages(
    ...     ["I love this so much", "Adorei o produto, chegou muito rápido!", "ok",
    ...      "Increíble 🔥", "Underrated post tbh"])]
    [(True, False), (False, False), (True, True), (False, False), (True, True)]
    """
    ident = _identifier()
    labels: list[str] = list(ident.nb_classes)
    english = [i for i, label in enumerate(labels) if label in _ENGLISH_LIKE]
    out: list[LanguageGuess] = []
    for text in texts:
        if not _letters(text, MIN_LETTERS):
            latin = all(c.isascii() or not c.isalpha() or _latin(c) for c in text)
            out.append(LanguageGuess("und", 0.0, latin, uncertain=latin))
            continue
        # _decide gives every label's normalised probability in one call (rank() sorts
        # them all, classify() keeps only the top); py3langid >= 0.3 has it
        probs = np.asarray(ident._decide(text), dtype=np.float64)
        top = int(probs.argmax())
        label, confidence = labels[top], float(probs[top])
        if label in _ENGLISH_LIKE and confidence >= ENGLISH_CONFIDENCE:
            out.append(LanguageGuess(label, confidence, True))
            continue
        placed = label if confidence >= _REPORT_CONFIDENCE else "und"
        confidently_other = (
            label not in _ENGLISH_LIKE
            and confidence >= MIN_CONFIDENCE
            and float(probs[english].sum()) < MAX_ENGLISH_FOR_UNSUPPORTED
        )
        if not confidently_other and english_share(text) >= MIN_ENGLISH_WORDS:
            out.append(LanguageGuess("und", confidence, True, uncertain=True))
        else:
            out.append(LanguageGuess(placed, confidence, False))
    return out


def _latin(c: str) -> bool:
    return unicodedata.name(c, "").startswith("LATIN")
