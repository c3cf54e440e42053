"""Brand safety of comments: probability of offensive language and of hate speech.

Two tiers, both trained on TweetEval's offensive (OLID, OffensEval 2019) and
hate (HatEval 2019) tasks:

- ``accurate`` (the default): one fine-tuned MiniLM with a head per task
  (:class:`~trustreach.nlp._accurate.AccurateSafety`), run with ONNX Runtime;
  its flag thresholds were chosen on a holdout of the training split.
- ``fast``: two logistic-regression models over hashed n-grams and the static
  embedding (:mod:`trustreach.nlp._linear`), about a hundred times faster and
  less accurate; thresholds chosen on 5-fold out-of-fold predictions within
  the training split.

A flag is evidence about a comment for a person to review, never a verdict
about its author. A text with nothing to read gets probability 0 and no flag.
Model card: ``docs/models/brand_safety.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from trustreach.core import ConfigurationError
from trustreach.nlp._accurate import AccurateSafety
from trustreach.nlp._linear import FeatureSpec, featurise, load_linear_model, softmax
from trustreach.nlp._normalise import normalise

__all__ = [
    "SAFETY_MODELS",
    "SAFETY_TIERS",
    "SafetyResult",
    "predict_safety",
    "safety_thresholds",
]

#: What brand safety measures; also the fast tier's artefact names.
SAFETY_MODELS = ("offensive", "hate")
#: Brand-safety tiers, the default first.
SAFETY_TIERS = ("accurate", "fast")

FloatVector = npt.NDArray[np.float32]
BoolVector = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SafetyResult:
    """Brand-safety probabilities and flags of a batch of texts.

    Attributes
    ----------
    offensive_probability, hate_probability : numpy.ndarray
        float32 (n,), in [0, 1].
    offensive, hate : numpy.ndarray
        bool (n,), probability at or above the model's threshold.
    thresholds : dict
        ``{"offensive": t, "hate": t}``.
    model_versions : dict
        ``{"offensive": "offensive@…", "hate": "hate@…"}``.
    """

    offensive_probability: FloatVector
    offensive: BoolVector
    hate_probability: FloatVector
    hate: BoolVector
    thresholds: dict[str, float]
    model_versions: dict[str, str]


def _check_tier(tier: str) -> None:
    if tier not in SAFETY_TIERS:
        raise ConfigurationError(
            f"safety tier {tier!r} not allowed; allowed: {', '.join(SAFETY_TIERS)}"
        )


def safety_thresholds(tier: str = "accurate") -> dict[str, float]:
    """The shipped flag thresholds of ``tier``, by task."""
    _check_tier(tier)
    if tier == "accurate":
        return dict(AccurateSafety.load().thresholds)
    return {name: float(load_linear_model(name).meta["threshold"]) for name in SAFETY_MODELS}


def predict_safety(
    texts: Sequence[str],
    *,
    tier: str = "accurate",
    normalised: Sequence[str] | None = None,
    readable: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
) -> SafetyResult:
    """Offensive-language and hate-speech probabilities and flags for each text.

    Parameters
    ----------
    texts : sequence of str
        Raw comments.
    tier : {"accurate", "fast"}
        Fine-tuned transformer or linear models (see the module docstring).
    normalised : sequence of str, optional
        The texts through :func:`~trustreach.nlp._normalise.normalise`, if at
        hand (used by the fast tier only).
    readable : sequence of bool, optional
        Which texts have anything to read; the others get probability 0.
        Default: all.

    Returns
    -------
    SafetyResult

    Raises
    ------
    ConfigurationError
        If ``tier`` is not one of :data:`SAFETY_TIERS`.

    Examples
    --------
    >>> r = predict_safety(["have a lovely day", "shut up you stupid idiot"])
    >>> bool(r.offensive_probability[1] > r.offensive_probability[0])
    True
    """
    _check_tier(tier)
    items = list(texts)
    keep = np.ones(len(items), dtype=bool) if readable is None else np.asarray(readable, bool)
    rows = np.flatnonzero(keep)
    probs = {name: np.zeros(len(items), dtype=np.float32) for name in SAFETY_MODELS}
    if tier == "accurate":
        model = AccurateSafety.load()
        if len(rows):
            for name, p in model.predict_proba([items[i] for i in rows]).items():
                probs[name][rows] = p
        thresholds = {name: model.thresholds[name] for name in SAFETY_MODELS}
        versions = dict.fromkeys(SAFETY_MODELS, model.version)
    else:
        thresholds, versions = {}, {}
        norms = list(normalised) if normalised is not None else [normalise(t) for t in items]
        features: dict[FeatureSpec, sp.csr_matrix] = {}  # both models share one feature map
        for name in SAFETY_MODELS:
            linear = load_linear_model(name)
            if len(rows):
                if linear.spec not in features:
                    features[linear.spec] = featurise(
                        [items[i] for i in rows], linear.spec, normalised=[norms[i] for i in rows]
                    )
                probs[name][rows] = softmax(linear.scores(features[linear.spec]))[:, 1]
            thresholds[name] = float(linear.meta["threshold"])
            versions[name] = linear.version
    flags = {name: probs[name] >= thresholds[name] for name in SAFETY_MODELS}
    return SafetyResult(
        offensive_probability=probs["offensive"],
        offensive=flags["offensive"],
        hate_probability=probs["hate"],
        hate=flags["hate"],
        thresholds=thresholds,
        model_versions=versions,
    )
