"""The account-level fake-follower classifier: LightGBM with out-of-fold calibration.

The classifier gives each follower account a calibrated probability of looking
like a fake account (the InstaFake notion: fake or automated). It is trained on
the accounts as given *and* on copies of them with fields blanked out, so a
follower list that carries fewer fields (for example only counts, flags and the
username) is scored by the same model. Raw LightGBM margins are mapped to
probabilities by an isotonic (or Platt) map fitted on out-of-fold margins.

The artefact is a LightGBM model text file plus a JSON file (calibration map,
feature names, threshold, version, SHA-256 of the model text); no pickle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

import lightgbm as lgb
import numpy as np
import polars as pl
from sklearn.base import (  # type: ignore[import-untyped, unused-ignore]
    BaseEstimator,
    ClassifierMixin,
)
from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped, unused-ignore]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped, unused-ignore]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped, unused-ignore]

from trustreach.audience._compiled import LIGHTGBM_ZERO, CompiledForest, compiled_forest
from trustreach.audience._features import (
    BASE_FIELDS,
    FEATURE_INPUTS,
    FEATURES,
    FLAG_FIELDS,
    MINIMAL_FIELDS,
    MONOTONE_DIRECTIONS,
    account_features,
)
from trustreach.audience._inference import (
    _NUM_THREADS,
    ARTEFACT_FORMAT,
    COMPILED_MIN_ROWS,
    _threads,
    calibrate,
    calibrated_probability,
    checked_artefact,
)
from trustreach.core import replaced_atomically, write_text_atomically

__all__ = ["ARTEFACT_FORMAT", "COMPILED_MIN_ROWS", "FakeAccountClassifier"]

_LAMBDA_L2: Final = 1.0
# dependency matrix: _DEPENDS[i, j] is True when feature j needs base field i
_DEPENDS: Final = np.array(
    [[field in FEATURE_INPUTS[feature] for feature in FEATURES] for field in BASE_FIELDS]
)
_MINIMAL_MASK: Final = np.array([field not in MINIMAL_FIELDS for field in BASE_FIELDS])
_BASE_INDEX: Final = tuple(FEATURES.index(field) for field in BASE_FIELDS)


def _as_matrix(X: Any) -> np.ndarray:
    """Validate ``X`` and return it as a float64 matrix in :data:`FEATURES` order."""
    if isinstance(X, pl.DataFrame):
        return account_features(X)
    try:
        matrix = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "X must be numeric (floats, NaN for missing) or a polars DataFrame of "
            f"follower-account fields: {error}"
        ) from None
    if matrix.ndim != 2:
        raise ValueError(f"X must be 2-dimensional, got {matrix.ndim} dimension(s)")
    if matrix.shape[1] != len(FEATURES):
        raise ValueError(
            f"X has {matrix.shape[1]} columns; expected {len(FEATURES)} in the order of "
            f"FEATURES ({', '.join(FEATURES)})"
        )
    if matrix.shape[0] == 0:
        raise ValueError("X has no rows")
    if np.isinf(matrix).any():
        column = FEATURES[int(np.nonzero(np.isinf(matrix).any(axis=0))[0][0])]
        raise ValueError(f"column {column!r} holds an infinite value; use NaN for missing")
    for field, index in zip(BASE_FIELDS, _BASE_INDEX, strict=True):
        values = matrix[:, index]
        present = values[~np.isnan(values)]
        if field in FLAG_FIELDS:
            if not np.isin(present, (0.0, 1.0)).all():
                raise ValueError(f"column {field!r} must be 0 or 1 (NaN for missing)")
        elif (present < 0).any():
            raise ValueError(f"column {field!r} must be a non-negative count")
    tiny = np.abs(matrix) <= LIGHTGBM_ZERO
    if (tiny & (matrix != 0)).any():  # LightGBM reads these as 0: so does every engine
        matrix = np.where(tiny, 0.0, matrix)
    return matrix


def _as_labels(y: Any, n_rows: int) -> np.ndarray:
    """Validate binary labels (0/1 or booleans) and return them as int64."""
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-dimensional, got {labels.ndim} dimension(s)")
    if labels.shape[0] != n_rows:
        raise ValueError(f"y has {labels.shape[0]} labels but X has {n_rows} rows")
    if labels.dtype == np.bool_:
        labels = labels.astype(np.int64)
    try:
        numeric = labels.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError("y must hold 0 (genuine-looking) or 1 (fake-looking)") from None
    if not np.isin(numeric, (0.0, 1.0)).all():
        raise ValueError("y must hold only 0 (genuine-looking) or 1 (fake-looking)")
    return numeric.astype(np.int64)


def _mask_features(matrix: np.ndarray, field_mask: np.ndarray) -> np.ndarray:
    """Blank out (NaN) every feature that needs a masked base field."""
    feature_mask = (field_mask.astype(np.int64) @ _DEPENDS.astype(np.int64)) > 0
    masked = matrix.copy()
    masked[feature_mask] = np.nan
    return masked


class FakeAccountClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc, unused-ignore]
    """Calibrated probability that a follower account looks fake, robust to missing fields.

    A LightGBM booster is trained on the given accounts plus masked copies: one
    copy with only the fields a minimal follower list carries (:data:`MINIMAL_FIELDS`)
    and ``n_masked_copies`` copies where each field is blanked with probability
    ``mask_rate``. Raw margins are calibrated on out-of-fold margins from a
    stratified ``cv``-fold split (held-out rows scored as given and masked the
    same way), with an isotonic or a Platt (sigmoid) map.

    Parameters
    ----------
    n_estimators : int, default=200
        Boosting rounds.
    learning_rate : float, default=0.05
        Shrinkage per round.
    num_leaves : int, default=8
        Maximum leaves per tree.
    min_child_samples : int, default=20
        Minimum rows in a leaf.
    mask_rate : float, default=0.3
        Probability that a field is blanked in a randomly masked copy.
    n_masked_copies : int, default=2
        Number of randomly masked copies added to the training rows (the minimal
        copy is always added).
    calibration : {"isotonic", "sigmoid"}, default="isotonic"
        Map from raw margin to probability.
    cv : int, default=5
        Folds used to collect out-of-fold margins for calibration.
    threshold : float, default=0.5
        Probability at or above which :meth:`predict` returns 1.
    ignored_features : tuple of str, default=()
        Features the booster never splits on (blanked in training), e.g. raw counts
        whose level differs between populations while their ratios do not.
    monotone : bool, default=False
        Constrain each feature to move the score only in the direction of
        :data:`MONOTONE_DIRECTIONS` (LightGBM monotone constraints), so the model
        cannot learn a reversal that holds only in the training population.
    random_state : int or None, default=None
        Seed for the folds, the masks and LightGBM. With an int, fitting twice on
        the same data gives the same model text.

    Attributes
    ----------
    booster_ : lightgbm.Booster
        Booster trained on all rows (and their masked copies).
    calibrator_ : numpy.ndarray
        For isotonic calibration, shape ``(2, k)``: margins (row 0) and
        probabilities (row 1), interpolated linearly and clipped at the ends. For
        sigmoid calibration, shape ``(2, 1)``: slope ``a`` and intercept ``b`` of
        ``1 / (1 + exp(-(a * margin + b)))``.
    classes_ : numpy.ndarray
        ``array([0, 1])``; 1 means fake-looking.
    n_features_in_ : int
        ``len(FEATURES)``.
    feature_names_in_ : numpy.ndarray
        :data:`FEATURES` as an object array.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 50, size=(200, len(FEATURES))).astype(float)
    >>> X[:, [3, 4]] = rng.integers(0, 2, size=(200, 2))
    >>> y = (X[:, 2] > X[:, 1]).astype(int)
    >>> clf = FakeAccountClassifier(n_estimators=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(
        self,
        *,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 8,
        min_child_samples: int = 20,
        mask_rate: float = 0.3,
        n_masked_copies: int = 2,
        calibration: Literal["isotonic", "sigmoid"] = "isotonic",
        cv: int = 5,
        threshold: float = 0.5,
        ignored_features: tuple[str, ...] = (),
        monotone: bool = False,
        random_state: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.mask_rate = mask_rate
        self.n_masked_copies = n_masked_copies
        self.calibration = calibration
        self.cv = cv
        self.threshold = threshold
        self.ignored_features = ignored_features
        self.monotone = monotone
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ fitting

    def _check_params(self) -> None:
        integers = {
            "n_estimators": (self.n_estimators, 1),
            "num_leaves": (self.num_leaves, 2),
            "min_child_samples": (self.min_child_samples, 1),
            "n_masked_copies": (self.n_masked_copies, 0),
            "cv": (self.cv, 2),
        }
        for name, (value, lowest) in integers.items():
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ValueError(f"{name} must be an int, got {value!r}")
            if value < lowest:
                raise ValueError(f"{name} must be at least {lowest}, got {value}")
        if not 0 < float(self.learning_rate) <= 1:
            raise ValueError(f"learning_rate must be in (0, 1], got {self.learning_rate!r}")
        if not 0 <= float(self.mask_rate) < 1:
            raise ValueError(f"mask_rate must be in [0, 1), got {self.mask_rate!r}")
        if not 0 <= float(self.threshold) <= 1:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold!r}")
        unknown = [name for name in self.ignored_features if name not in FEATURES]
        if isinstance(self.ignored_features, str) or unknown:
            raise ValueError(
                f"ignored_features must be a tuple of names from FEATURES "
                f"({', '.join(FEATURES)}), got {self.ignored_features!r}"
            )
        if self.calibration not in ("isotonic", "sigmoid"):
            raise ValueError(
                f"calibration must be 'isotonic' or 'sigmoid', got {self.calibration!r}"
            )

    def _augment(
        self, matrix: np.ndarray, labels: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows as given, a minimal-fields copy and randomly masked copies."""
        n = matrix.shape[0]
        blocks = [matrix, _mask_features(matrix, np.tile(_MINIMAL_MASK, (n, 1)))]
        for _ in range(self.n_masked_copies):
            field_mask = rng.random((n, len(BASE_FIELDS))) < self.mask_rate
            blocks.append(_mask_features(matrix, field_mask))
        stacked = np.vstack(blocks)
        stacked[:, [FEATURES.index(name) for name in self.ignored_features]] = np.nan
        return stacked, np.tile(labels, len(blocks))

    def _train_booster(self, matrix: np.ndarray, labels: np.ndarray, seed: int) -> lgb.Booster:
        params: dict[str, Any] = {
            "objective": "binary",
            "learning_rate": float(self.learning_rate),
            "num_leaves": int(self.num_leaves),
            "min_data_in_leaf": int(self.min_child_samples),
            "lambda_l2": _LAMBDA_L2,
            "num_threads": _NUM_THREADS,
            "deterministic": True,
            "force_col_wise": True,
            "seed": seed,
            "feature_pre_filter": False,
            "verbosity": -1,
        }
        if self.monotone:
            params["monotone_constraints"] = [MONOTONE_DIRECTIONS[name] for name in FEATURES]
            params["monotone_constraints_method"] = "intermediate"
        dataset = lgb.Dataset(
            matrix, label=labels, feature_name=list(FEATURES), params={"verbosity": -1}
        )
        return lgb.train(params, dataset, num_boost_round=int(self.n_estimators))

    def _fit_calibrator(self, margins: np.ndarray, labels: np.ndarray) -> np.ndarray:
        if self.calibration == "isotonic":
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            iso.fit(margins, labels.astype(np.float64))
            return np.vstack(
                [np.asarray(iso.X_thresholds_, np.float64), np.asarray(iso.y_thresholds_)]
            ).astype(np.float64)
        return _platt(margins, labels)

    def fit(self, X: Any, y: Any) -> FakeAccountClassifier:
        """Train the booster and the calibration map.

        Parameters
        ----------
        X : array-like of shape (n_samples, len(FEATURES)) or polars.DataFrame
            Feature matrix in :data:`FEATURES` order with NaN for missing (see
            :func:`account_features`), or a frame of follower-account fields.
        y : array-like of shape (n_samples,)
            1 for fake-looking accounts, 0 for genuine-looking.

        Returns
        -------
        FakeAccountClassifier
            ``self``, fitted.

        Raises
        ------
        ValueError
            If a parameter, ``X`` or ``y`` is invalid, or a class has fewer rows
            than ``cv``.
        """
        self._check_params()
        matrix = _as_matrix(X)
        labels = _as_labels(y, matrix.shape[0])
        counts = np.bincount(labels, minlength=2)
        if counts.min() < self.cv:
            raise ValueError(
                f"y needs at least cv={self.cv} rows of each class, got {counts[0]} of class 0 "
                f"and {counts[1]} of class 1"
            )
        rng = np.random.default_rng(self.random_state)
        seed = int(rng.integers(0, 2**31 - 1))

        folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=seed)
        oof_margins, oof_labels = [], []
        for fold, (train, held_out) in enumerate(folds.split(matrix, labels)):
            train_x, train_y = self._augment(matrix[train], labels[train], rng)
            booster = self._train_booster(train_x, train_y, seed + fold + 1)
            test_x, test_y = self._augment(matrix[held_out], labels[held_out], rng)
            oof_margins.append(np.asarray(booster.predict(test_x, raw_score=True)))
            oof_labels.append(test_y)
        self.calibrator_ = self._fit_calibrator(
            np.concatenate(oof_margins), np.concatenate(oof_labels)
        )
        all_x, all_y = self._augment(matrix, labels, rng)
        self.booster_ = self._train_booster(all_x, all_y, seed)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(FEATURES)
        self.feature_names_in_ = np.array(FEATURES, dtype=object)
        return self

    # --------------------------------------------------------------- prediction

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_"):
            raise AttributeError(
                "this FakeAccountClassifier is not fitted yet; call fit or load first"
            )

    def decision_function(self, X: Any, *, num_threads: int | None = None) -> np.ndarray:
        """Raw LightGBM margin (log-odds before calibration) for each row.

        ``num_threads`` (default 2) is the number of LightGBM threads; pass 1 in
        a process that shares its cores with others (a Dask worker, say).
        """
        self._check_fitted()
        return self._margins(_as_matrix(X), _threads(num_threads))

    def _margins(self, matrix: np.ndarray, num_threads: int) -> np.ndarray:
        """Margins of a validated feature matrix.

        A batch of at least :data:`COMPILED_MIN_ROWS` rows of a loaded artefact is
        scored by its compiled form (see :mod:`trustreach.audience._compiled`;
        the same raw scores within 1e-9) where one can be built, otherwise, and
        for smaller batches, by LightGBM.
        """
        if matrix.shape[0] >= COMPILED_MIN_ROWS:
            forest = self._compiled_forest()
            if forest is not None:
                return forest.margins(matrix, num_threads)
        return self._booster_margins(matrix, num_threads)

    def _booster_margins(self, matrix: np.ndarray, num_threads: int) -> np.ndarray:
        return np.asarray(
            self.booster_.predict(matrix, raw_score=True, num_threads=num_threads),
            dtype=np.float64,
        )

    def _compiled_forest(self) -> CompiledForest | None:
        """The compiled form of the artefact's model text (None for a model fitted here)."""
        source = getattr(self, "_artefact_text", None)  # set by from_artefact
        if source is None or source[0] is not self.booster_:
            return None
        return compiled_forest(source[1], self.sha256_, self.booster_)

    def _calibrate(self, margins: np.ndarray) -> np.ndarray:
        return calibrate(margins, self.calibrator_, self.calibration)

    def predict_proba(self, X: Any, *, num_threads: int | None = None) -> np.ndarray:
        """Calibrated probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, len(FEATURES)) or polars.DataFrame
            As for :meth:`fit`.
        num_threads : int, optional
            LightGBM threads (default 2).

        Returns
        -------
        numpy.ndarray of shape (n_samples, 2)
            Column 1 is the probability that the account looks fake.
        """
        self._check_fitted()
        p = self._probability(_as_matrix(X), _threads(num_threads))
        return np.column_stack([1.0 - p, p])

    def _probability(self, matrix: np.ndarray, num_threads: int) -> np.ndarray:
        """Calibrated probability (class 1) of a feature matrix already validated."""
        return calibrated_probability(
            self._margins(matrix, num_threads), self.calibrator_, self.calibration
        )

    def predict(self, X: Any) -> np.ndarray:
        """1 where the probability is at least ``threshold``, else 0."""
        return np.asarray(
            self.classes_[(self.predict_proba(X)[:, 1] >= self.threshold).astype(int)]
        )

    def explain(self, X: Any, *, num_threads: int | None = None) -> np.ndarray:
        """Per-feature contributions to the raw margin (LightGBM ``pred_contrib``).

        Parameters
        ----------
        X : array-like of shape (n_samples, len(FEATURES)) or polars.DataFrame
            As for :meth:`fit`.
        num_threads : int, optional
            LightGBM threads (default 2).

        Returns
        -------
        numpy.ndarray of shape (n_samples, len(FEATURES) + 1)
            Contributions in log-odds (before calibration); the last column is the
            bias. Each row sums to :meth:`decision_function`. Positive values push
            towards the fake-looking class.
        """
        self._check_fitted()
        matrix = _as_matrix(X)
        return np.asarray(
            self.booster_.predict(matrix, pred_contrib=True, num_threads=_threads(num_threads)),
            dtype=np.float64,
        )

    # -------------------------------------------------------------- persistence

    def save(
        self,
        directory: Path,
        name: str,
        version: str,
        *,
        metadata: Mapping[str, object] | None = None,
    ) -> str:
        """Write ``<name>.txt`` (LightGBM model text) and ``<name>.json``.

        Parameters
        ----------
        directory : pathlib.Path
            Created if missing.
        name : str
            File stem, e.g. ``"fake_account"``.
        version : str
            Artefact version, e.g. ``"1.0.0"``.
        metadata : mapping, optional
            Extra JSON-serialisable facts stored under ``"metadata"`` (provenance).

        Returns
        -------
        str
            SHA-256 (hex) of the model text file.
        """
        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        text = self.booster_.model_to_string(num_iteration=-1)
        data = text.encode("utf-8")
        sha256 = hashlib.sha256(data).hexdigest()
        with replaced_atomically(directory / f"{name}.txt") as tmp:
            tmp.write_bytes(data)
        meta = {
            "format": ARTEFACT_FORMAT,
            "name": name,
            "version": version,
            "model_file": f"{name}.txt",
            "sha256": sha256,
            "feature_names": list(FEATURES),
            "classes": [0, 1],
            "threshold": float(self.threshold),
            "calibration": self.calibration,
            "calibrator": self.calibrator_.tolist(),
            "params": self.get_params(),
            "lightgbm_version": lgb.__version__,
            "metadata": dict(metadata or {}),
        }
        write_text_atomically(
            directory / f"{name}.json", json.dumps(meta, indent=1, sort_keys=True) + "\n"
        )
        self.version_ = version
        self.sha256_ = sha256
        return sha256

    @classmethod
    def load(cls, directory: Path, name: str) -> FakeAccountClassifier:
        """Read an artefact written by :meth:`save`, checking its SHA-256.

        Parameters
        ----------
        directory : pathlib.Path
            Folder holding ``<name>.txt`` and ``<name>.json``.
        name : str
            File stem.

        Returns
        -------
        FakeAccountClassifier
            Fitted, with ``version_`` and ``sha256_`` set.

        Raises
        ------
        ValueError
            If the model text does not match the recorded SHA-256 or the artefact
            does not describe this model's features.
        """
        directory = Path(directory)
        meta = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        model_bytes = (directory / str(meta["model_file"])).read_bytes()
        return cls.from_artefact(model_bytes, meta)

    @classmethod
    def from_artefact(cls, model_bytes: bytes, meta: Mapping[str, Any]) -> FakeAccountClassifier:
        """Build a fitted classifier from model-text bytes and the parsed JSON."""
        text = checked_artefact(model_bytes, meta)
        params = dict(meta["params"])
        params["threshold"] = float(meta["threshold"])
        params["ignored_features"] = tuple(params.get("ignored_features", ()))
        model = cls(**params)
        model.booster_ = lgb.Booster(model_str=text)
        model._artefact_text = (model.booster_, text)
        model.calibrator_ = np.asarray(meta["calibrator"], dtype=np.float64)
        model.classes_ = np.array(meta["classes"])
        model.n_features_in_ = len(FEATURES)
        model.feature_names_in_ = np.array(FEATURES, dtype=object)
        model.version_ = str(meta["version"])
        model.sha256_ = str(meta["sha256"])
        return model


def _platt(margins: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Platt scaling: a one-feature logistic regression on the margin (weak L2)."""
    regression = LogisticRegression(C=1e4)
    regression.fit(margins.reshape(-1, 1), labels)
    a = float(regression.coef_[0, 0])
    b = float(regression.intercept_[0])
    return np.array([[a], [b]], dtype=np.float64)
