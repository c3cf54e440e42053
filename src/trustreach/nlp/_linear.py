"""Linear text classifiers that ship as plain arrays: hashed n-grams + the static embedding.

A text becomes one sparse row: hashed word 1-2-grams and character 2-5-grams
of its normalised form (:func:`~trustreach.nlp._normalise.normalise`), both
L2-normalised, beside the 128-d static embedding
(:class:`~trustreach.nlp.TextEmbedder`) and the text's share of capitals. The
hashing is stateless, so only its parameters ship; a model is a weight matrix
and an intercept per class, stored as ``.npy`` (no pickle) with a JSON
sidecar that records names, classes, feature parameters, thresholds, training
metrics and the SHA-256 of the weights.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from trustreach.core import NotFoundError
from trustreach.nlp._embedding import TextEmbedder
from trustreach.nlp._normalise import caps_ratio, normalise
from trustreach.nlp._versions import decision_version

__all__ = [
    "FeatureSpec",
    "LinearTextClassifier",
    "LinearTextModel",
    "featurise",
    "load_linear_model",
    "save_linear_model",
    "softmax",
]

FloatMatrix = npt.NDArray[np.float32]

#: Words with an apostrophe stay whole (``don't``); ``!`` and ``?`` are tokens.
TOKEN_PATTERN = r"(?u)[\w']+|[!?]"


@dataclass(frozen=True)
class FeatureSpec:
    """Parameters of the feature map (all that is needed to rebuild it).

    Attributes
    ----------
    word_bits, char_bits : int
        log2 of the number of hash buckets for word and character n-grams
        (``char_bits=0`` leaves character n-grams out).
    word_ngrams, char_ngrams : tuple of int
        n-gram ranges.
    embedding_weight : float
        Scale of the 128-d embedding block (0 leaves it out).
    caps_weight : float
        Scale of the capitals-share feature (0 leaves it out).
    """

    word_bits: int = 18
    char_bits: int = 18
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    embedding_weight: float = 1.0
    caps_weight: float = 1.0

    @property
    def n_features(self) -> int:
        extra = TextEmbedder.load().dim if self.embedding_weight else 0
        char = (1 << self.char_bits) if self.char_bits else 0
        return (1 << self.word_bits) + char + extra + int(bool(self.caps_weight))

    def to_json(self) -> dict[str, Any]:
        return {
            "word_bits": self.word_bits,
            "char_bits": self.char_bits,
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "embedding_weight": self.embedding_weight,
            "caps_weight": self.caps_weight,
            "token_pattern": TOKEN_PATTERN,
            "normalisation": "trustreach.nlp._normalise.normalise",
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(
            word_bits=int(data["word_bits"]),
            char_bits=int(data["char_bits"]),
            word_ngrams=(int(data["word_ngrams"][0]), int(data["word_ngrams"][1])),
            char_ngrams=(int(data["char_ngrams"][0]), int(data["char_ngrams"][1])),
            embedding_weight=float(data["embedding_weight"]),
            caps_weight=float(data["caps_weight"]),
        )


@functools.cache
def _vectorisers(spec: FeatureSpec) -> tuple[HashingVectorizer, HashingVectorizer]:
    word = HashingVectorizer(
        analyzer="word",
        token_pattern=TOKEN_PATTERN,
        ngram_range=spec.word_ngrams,
        n_features=1 << spec.word_bits,
        alternate_sign=False,
        lowercase=False,
        norm="l2",
        dtype=np.float32,
    )
    char = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=spec.char_ngrams,
        n_features=1 << spec.char_bits,
        alternate_sign=False,
        lowercase=False,
        norm="l2",
        dtype=np.float32,
    )
    return word, char


def featurise(
    texts: Sequence[str], spec: FeatureSpec, *, normalised: Sequence[str] | None = None
) -> sp.csr_matrix:
    """The sparse feature rows of ``texts`` (raw; normalised here unless given).

    Parameters
    ----------
    texts : sequence of str
        Raw texts (capitals are measured on these).
    spec : FeatureSpec
        The feature map.
    normalised : sequence of str, optional
        ``[normalise(t) for t in texts]`` when the caller already has it.

    Returns
    -------
    scipy.sparse.csr_matrix
        float32, shape (len(texts), spec.n_features).
    """
    norm = list(normalised) if normalised is not None else [normalise(t) for t in texts]
    word, char = _vectorisers(spec)
    blocks: list[Any] = [word.transform(norm)]
    if spec.char_bits:
        blocks.append(char.transform(norm))
    if spec.embedding_weight:
        blocks.append(sp.csr_matrix(TextEmbedder.load().embed(norm) * spec.embedding_weight))
    if spec.caps_weight:
        caps = np.fromiter((caps_ratio(t) for t in texts), dtype=np.float32, count=len(norm))
        blocks.append(sp.csr_matrix((caps * spec.caps_weight)[:, None]))
    return sp.hstack(blocks, format="csr", dtype=np.float32)


def softmax(scores: npt.NDArray[np.floating[Any]]) -> FloatMatrix:
    """Row-wise softmax; one column of scores means a binary logistic model."""
    if scores.shape[1] == 1:
        p1 = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - p1, p1]).astype(np.float32)
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    out: FloatMatrix = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


@dataclass(frozen=True)
class LinearTextModel:
    """A shipped linear text classifier: weights, intercepts, feature map, metadata.

    Attributes
    ----------
    name, version : str
        Model name and ``name@`` + 12 hex digits of the weights' SHA-256.
    classes : tuple of str
        Class names in column order of :meth:`predict_proba`.
    coef : numpy.ndarray
        (n_scores, n_features) float32; one row for a binary model.
    intercept : numpy.ndarray
        (n_scores,) float32.
    spec : FeatureSpec
        The feature map.
    temperature : float
        Scores are divided by it before the softmax (calibration).
    meta : dict
        Everything else the sidecar records (thresholds, metrics, data).
    """

    name: str
    version: str
    classes: tuple[str, ...]
    coef: FloatMatrix
    intercept: FloatMatrix
    spec: FeatureSpec
    temperature: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    def scores(self, features: sp.csr_matrix) -> FloatMatrix:
        out: FloatMatrix = np.asarray(features @ self.coef.T, dtype=np.float32) + self.intercept
        return out / np.float32(self.temperature)

    def predict_proba(
        self, texts: Sequence[str], *, normalised: Sequence[str] | None = None
    ) -> FloatMatrix:
        """Class probabilities, one row per text, columns in :attr:`classes` order.

        ``normalised`` (the texts through :func:`normalise`) saves that step
        when the caller has it already.
        """
        if not texts:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return softmax(self.scores(featurise(texts, self.spec, normalised=normalised)))


def save_linear_model(
    directory: Any,
    name: str,
    *,
    classes: Sequence[str],
    coef: npt.ArrayLike,
    intercept: npt.ArrayLike,
    spec: FeatureSpec,
    temperature: float = 1.0,
    meta: dict[str, Any] | None = None,
) -> str:
    """Write ``name.npy`` (float16 weights, intercept as the last column) and ``name.json``.

    Returns the SHA-256 of the ``.npy`` bytes. The bytes depend only on the
    arrays, so the same training gives the same file.
    """
    from pathlib import Path

    w = np.asarray(coef, dtype=np.float32)
    b = np.asarray(intercept, dtype=np.float32).reshape(-1, 1)
    packed = np.hstack([w, b]).astype(np.float16)
    buffer = io.BytesIO()
    np.save(buffer, packed, allow_pickle=False)
    raw = buffer.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.npy").write_bytes(raw)
    sidecar = {
        "name": name,
        "classes": list(classes),
        "features": spec.to_json(),
        "temperature": temperature,
        "weights_sha256": digest,
        **(meta or {}),
    }
    (out / f"{name}.json").write_text(
        json.dumps(sidecar, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return digest


@functools.cache
def load_linear_model(name: str) -> LinearTextModel:
    """A shipped linear model by artefact name, read once and cached.

    Raises
    ------
    NotFoundError
        If the package holds no artefact of that name.
    RuntimeError
        If the weights do not match the SHA-256 recorded beside them.
    """
    models = resources.files("trustreach.nlp") / "models"
    npy, sidecar = models / f"{name}.npy", models / f"{name}.json"
    if not (npy.is_file() and sidecar.is_file()):
        raise NotFoundError(
            f"text model {name!r} is not in the package; train it with scripts/train_text_models.py"
        )
    raw = npy.read_bytes()
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta["weights_sha256"]:
        raise RuntimeError(
            f"{name}.npy does not match its recorded SHA-256 "
            f"({digest[:12]} != {meta['weights_sha256'][:12]}); reinstall trustreach"
        )
    packed = np.load(io.BytesIO(raw), allow_pickle=False).astype(np.float32)
    coef = np.ascontiguousarray(packed[:, :-1])
    intercept = np.ascontiguousarray(packed[:, -1])
    coef.flags.writeable = False
    intercept.flags.writeable = False
    return LinearTextModel(
        name=name,
        version=decision_version(
            name,
            digest,
            {"temperature": meta.get("temperature", 1.0), "threshold": meta.get("threshold")},
        ),
        classes=tuple(meta["classes"]),
        coef=coef,
        intercept=intercept,
        spec=FeatureSpec.from_json(meta["features"]),
        temperature=float(meta.get("temperature", 1.0)),
        meta=meta,
    )


class LinearTextClassifier:
    """Trainable form of a shipped linear text model (scikit-learn conventions).

    Parameters
    ----------
    spec : FeatureSpec
        The feature map.
    C : float
        Inverse L2 regularisation strength of the logistic regression.
    class_weight : "balanced" or None
        ``"balanced"`` weighs classes inversely to their frequency (for macro recall).
    max_iter : int
        L-BFGS iterations at most.
    random_state : int
        Seed (L-BFGS is deterministic; kept for the estimator contract).

    Examples
    --------
    >>> clf = LinearTextClassifier(spec=FeatureSpec(word_bits=10, char_bits=10), C=1.0)
    >>> clf = clf.fit(["good", "great", "bad", "awful"], ["pos", "pos", "neg", "neg"])
    >>> clf.classes_
    ['neg', 'pos']
    """

    def __init__(
        self,
        *,
        spec: FeatureSpec | None = None,
        C: float = 1.0,
        class_weight: str | None = None,
        max_iter: int = 2000,
        random_state: int = 0,
    ) -> None:
        self.spec = spec
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(
        self,
        texts: Sequence[str],
        y: Sequence[str],
        *,
        features: sp.csr_matrix | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> LinearTextClassifier:
        """Fit on raw texts (or on their precomputed ``features``), rows optionally weighted."""
        from sklearn.linear_model import LogisticRegression

        if self.C <= 0:
            raise ValueError(f"C must be positive, got {self.C}")
        spec = self.spec or FeatureSpec()
        X = features if features is not None else featurise(texts, spec)
        if X.shape[0] != len(y):
            raise ValueError(f"texts and y differ in length: {X.shape[0]} != {len(y)}")
        model = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            solver="lbfgs",
            random_state=self.random_state,
        )
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weights is not None and weights.shape != (X.shape[0],):
            raise ValueError(f"sample_weight must have one value per row ({X.shape[0]})")
        model.fit(X, np.asarray(y), sample_weight=weights)
        self.spec_ = spec
        self.classes_ = [str(c) for c in model.classes_]
        self.coef_ = np.asarray(model.coef_, dtype=np.float32)
        self.intercept_ = np.asarray(model.intercept_, dtype=np.float32)
        self.n_iter_ = int(np.max(model.n_iter_))
        return self

    def predict_proba(
        self, texts: Sequence[str], *, features: sp.csr_matrix | None = None
    ) -> FloatMatrix:
        """Class probabilities in :attr:`classes_` order."""
        X = features if features is not None else featurise(texts, self.spec_)
        scores = np.asarray(X @ self.coef_.T, dtype=np.float32) + self.intercept_
        return softmax(scores)
