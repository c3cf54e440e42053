"""Text understanding that ships with the package: offline, CPU-only, no PyTorch.

- :class:`TextEmbedder` turns captions, hashtags, comments and brief topics into
  unit-length vectors whose dot product is a semantic similarity. The shipped
  model (:meth:`TextEmbedder.load`) is a static distillation of the
  sentence-transformers model all-MiniLM-L6-v2: one vector per WordPiece token,
  a text is their weighted mean, so it runs at tens of thousands of short texts
  a second and needs nothing but NumPy. It is used for topic fit in discovery
  (how close a creator's recent posts are to a brief's topics) and as features
  for text classifiers.
- Conversation intelligence, each with probabilities, never verdicts:
  :func:`predict_sentiment` (negative/neutral/positive in three tiers: ``fast``
  linear model, ``lexicon`` VADER, ``accurate`` transformer),
  :func:`predict_safety` (offensive-language and hate-speech probabilities and
  flags, ``accurate`` transformer or ``fast`` linear tier),
  :func:`detect_languages` (English only is scored; other languages are
  marked unsupported), :func:`themes` (distinctive phrases of positive and
  negative comments) and :func:`analyze_texts`, all of it per row with flags.

Everything here is pure: texts in, arrays out. The only file read is the
model artefact shipped inside the package. Its model card is
``docs/models/text_embedding.md``; it is rebuilt by
``scripts/build_text_embedding.py``.
"""

from trustreach.nlp._accurate import AccurateSafety, AccurateSentiment
from trustreach.nlp._analyze import (
    ANALYSIS_COLUMNS,
    FLAGS,
    MAX_TEXT_CHARS,
    TextAnalysis,
    analyze_texts,
    model_versions,
)
from trustreach.nlp._embedding import TextEmbedder
from trustreach.nlp._language import LanguageGuess, detect_languages
from trustreach.nlp._linear import FeatureSpec, LinearTextClassifier
from trustreach.nlp._normalise import normalise
from trustreach.nlp._safety import SAFETY_TIERS, SafetyResult, predict_safety
from trustreach.nlp._sentiment import SENTIMENT_CLASSES, TIERS, SentimentResult, predict_sentiment
from trustreach.nlp._themes import Theme, ThemeExample, Themes, themes

__all__ = [
    "ANALYSIS_COLUMNS",
    "FLAGS",
    "MAX_TEXT_CHARS",
    "SAFETY_TIERS",
    "SENTIMENT_CLASSES",
    "TIERS",
    "AccurateSafety",
    "AccurateSentiment",
    "FeatureSpec",
    "LanguageGuess",
    "LinearTextClassifier",
    "SafetyResult",
    "SentimentResult",
    "TextAnalysis",
    "TextEmbedder",
    "Theme",
    "ThemeExample",
    "Themes",
    "analyze_texts",
    "detect_languages",
    "model_versions",
    "normalise",
    "predict_safety",
    "predict_sentiment",
    "themes",
]
