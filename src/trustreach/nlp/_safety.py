"""Brand safety of comments: probability of offensive language and of hate speech.

Two binary logistic-regression models with the fast sentiment tier's features
(:mod:`trustreach.nlp._linear`), trained on TweetEval's offensive (OLID,
OffensEval 2019) and hate (HatEval 2019) tasks. Each carries the threshold at
which it flags a comment, chosen on out-of-fold predictions within the
training split (5-fold cross-validation, maximising macro-F1) and recorded in
the model's sidecar. A flag is evidence about a comment for a person to
review, never a verdict about its author. A text with nothing to read gets
probability 0 and no flag. Model card: ``docs/models/brand_safety.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from trustreach.nlp._linear import FeatureSpec, featurise, load_linear_model, softmax
from trustreach.nlp._normalise import normalise

__all__ = ["SAFETY_MODELS", "SafetyResult", "predict_safety", "safety_thresholds"]

#: Artefact names of the brand-safety models.
SAFETY_MODELS = ("offensive", "hate")

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


def safety_thresholds() -> dict[str, float]:
    """The shipped flag thresholds, by model name."""
    return {name: float(load_linear_model(name).meta["threshold"]) for name in SAFETY_MODELS}


def predict_safety(
    texts: Sequence[str],
    *,
    normalised: Sequence[str] | None = None,
    readable: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
) -> SafetyResult:
    """Offensive-language and hate-speech probabilities and flags for each text.

    Parameters
    ----------
    texts : sequence of str
        Raw comments.
    normalised : sequence of str, optional
        The texts through :func:`~trustreach.nlp._normalise.normalise`, if at hand.
    readable : sequence of bool, optional
        Which texts have anything to read; the others get probability 0.
        Default: all.

    Returns
    -------
    SafetyResult

    Examples
    --------
    >>> r = predict_safety(["have a lovely day", "shut up you stupid idiot"])
    >>> bool(r.offensive_probability[1] > r.offensive_probability[0])
    True
    """
    items = list(texts)
    norms = list(normalised) if normalised is not None else [normalise(t) for t in items]
    keep = np.ones(len(items), dtype=bool) if readable is None else np.asarray(readable, bool)
    rows = np.flatnonzero(keep)
    probs: dict[str, FloatVector] = {}
    flags: dict[str, BoolVector] = {}
    thresholds: dict[str, float] = {}
    versions: dict[str, str] = {}
    features: dict[FeatureSpec, sp.csr_matrix] = {}  # both models share one feature map
    for name in SAFETY_MODELS:
        model = load_linear_model(name)
        p = np.zeros(len(items), dtype=np.float32)
        if len(rows):
            if model.spec not in features:
                features[model.spec] = featurise(
                    [items[i] for i in rows], model.spec, normalised=[norms[i] for i in rows]
                )
            p[rows] = softmax(model.scores(features[model.spec]))[:, 1]
        thresholds[name] = float(model.meta["threshold"])
        probs[name] = p
        flags[name] = p >= thresholds[name]
        versions[name] = model.version
    return SafetyResult(
        offensive_probability=probs["offensive"],
        offensive=flags["offensive"],
        hate_probability=probs["hate"],
        hate=flags["hate"],
        thresholds=thresholds,
        model_versions=versions,
    )
