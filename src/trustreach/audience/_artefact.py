"""The shipped fake-account model: load it offline, score accounts, explain shown rows.

Loading reads the artefact and checks it without LightGBM or scikit-learn: a
batch of at least :data:`COMPILED_MIN_ROWS` accounts is scored by the compiled
trees (:mod:`trustreach.audience._compiled`), which a process with a warm cache
reads and checks without them too. The LightGBM classifier is built on first
use: smaller batches, explanations, and scoring where no compiled form is
available.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl

from trustreach.audience._compiled import CompiledForest, compiled_forest
from trustreach.audience._features import (
    BASE_FIELDS,
    FEATURES,
    account_features,
    describe_contribution,
    sufficient_data,
)
from trustreach.audience._inference import (
    COMPILED_MIN_ROWS,
    _threads,
    calibrated_probability,
    checked_artefact,
)
from trustreach.audience._prevalence import ValidatedRates

if TYPE_CHECKING:
    from trustreach.audience._model import FakeAccountClassifier

__all__ = ["MODEL_NAME", "AuthenticityModel", "load_authenticity_model"]

MODEL_NAME = "fake_account"


#: Shown probabilities are kept within [PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR].
PROBABILITY_FLOOR = 0.01


@dataclass(frozen=True)
class AuthenticityModel:
    """A versioned fake-account model ready to score follower accounts.

    Parameters
    ----------
    name : str
        Model name, ``"fake_account"``.
    version : str
        Artefact version.
    sha256 : str
        SHA-256 of the model text (the model card quotes it).
    threshold : float
        Operating threshold: probabilities at or above it are flagged.
    artefact : tuple of (str, dict)
        The model text and the parsed JSON of the artefact, already checked.
    validation : mapping of str to ValidatedRates
        Out-of-fold confusion counts at the threshold, by field profile (``"full"``:
        every model field present; ``"minimal"``: only the minimal fields).

    Attributes
    ----------
    classifier : FakeAccountClassifier
        The fitted LightGBM classifier, built (and LightGBM imported) on first use.

    Examples
    --------
    >>> import polars as pl
    >>> model = load_authenticity_model()
    >>> probs = model.score(pl.DataFrame({"posts_count": [0], "followers_count": [3],
    ...                                   "following_count": [7000]}))
    >>> 0.0 <= float(probs[0]) <= 1.0
    True
    """

    name: str
    version: str
    sha256: str
    threshold: float
    artefact: tuple[str, dict[str, Any]] = field(repr=False, compare=False)
    validation: dict[str, ValidatedRates] = field(default_factory=dict)

    @functools.cached_property
    def classifier(self) -> FakeAccountClassifier:
        """The fitted LightGBM classifier (imports LightGBM and scikit-learn)."""
        from trustreach.audience._model import FakeAccountClassifier

        text, meta = self.artefact
        return FakeAccountClassifier.from_artefact(text.encode("utf-8"), meta)

    @functools.cached_property
    def _calibration(self) -> tuple[np.ndarray, str]:
        """The calibration map and its kind, read as the classifier reads them."""
        meta = self.artefact[1]
        kind = str(meta["params"].get("calibration", "isotonic"))  # the classifier's default
        return np.asarray(meta["calibrator"], dtype=np.float64), kind

    def compiled_trees(self) -> CompiledForest | None:
        """The compiled form that scores batches of :data:`COMPILED_MIN_ROWS` or more.

        Built, or read from the cache and checked, on the first call in a process;
        ``None`` where scoring stays with LightGBM (see
        :mod:`trustreach.audience._compiled`). A Dask worker calls it as it starts.
        """
        return compiled_forest(self.artefact[0], self.sha256)

    def _probability(self, matrix: np.ndarray, num_threads: int) -> np.ndarray:
        """Calibrated probabilities of a validated feature matrix: compiled trees for a
        large batch where they are available, else LightGBM (the same calibration)."""
        forest = self.compiled_trees() if matrix.shape[0] >= COMPILED_MIN_ROWS else None
        if forest is None:
            return self.classifier._probability(matrix, num_threads)
        calibrator, calibration = self._calibration
        return calibrated_probability(forest.margins(matrix, num_threads), calibrator, calibration)

    def rates(self, profile: Literal["full", "minimal"]) -> ValidatedRates:
        """Validated counts for a field profile; ValueError if the artefact lacks them."""
        if profile not in self.validation:
            raise ValueError(
                f"model {self.name} {self.version} carries no validated counts for "
                f"{profile!r} fields; retrain it with `trustreach train authenticity`"
            )
        return self.validation[profile]

    @staticmethod
    def field_profile(frame: pl.DataFrame) -> Literal["full", "minimal"]:
        """``"full"`` when every row carries every model field, else ``"minimal"``."""
        for name in BASE_FIELDS:
            if name not in frame.columns or frame.get_column(name).null_count():
                if name in ("username_length", "username_digit_count") and (
                    "username" in frame.columns and not frame.get_column("username").null_count()
                ):
                    continue
                return "minimal"
        return "full"

    def score(self, frame: pl.DataFrame, *, num_threads: int | None = None) -> np.ndarray:
        """Calibrated probability that each account shows signs of being fake.

        Parameters
        ----------
        frame : polars.DataFrame
            Follower-account fields (see :func:`account_features`); any may be
            absent or null.
        num_threads : int, optional
            LightGBM threads (default 2; 1 inside a single-threaded Dask worker).

        Returns
        -------
        numpy.ndarray
            float64 probabilities in [0.01, 0.99], one per row. The isotonic map
            reaches 0 and 1 at its ends; about a person's account the product
            never claims certainty, so scores are clipped to 1–99%. ``NaN`` for an
            account with too little data (a :data:`REQUIRED_FIELDS` count
            missing): it is not scored.
        """
        if frame.height == 0:
            return np.empty(0, dtype=np.float64)
        # account_features has validated every column, so the classifier's own
        # checks of the matrix are skipped (same result, less work per row)
        matrix = account_features(frame)
        enough = sufficient_data(matrix)
        probs = np.full(frame.height, np.nan)
        if enough.all():
            probs = self._probability(matrix, _threads(num_threads))
        elif enough.any():
            probs[enough] = self._probability(matrix[enough], _threads(num_threads))
        return np.asarray(np.clip(probs, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR), np.float64)

    def flag(self, probs: np.ndarray) -> np.ndarray:
        """True where a probability is at or above the operating threshold (False for NaN)."""
        return np.asarray(probs, dtype=np.float64) >= self.threshold

    def top_signals(
        self, frame: pl.DataFrame, k: int = 3, *, num_threads: int | None = None
    ) -> list[tuple[str, ...]]:
        """Plain words for the ``k`` strongest signals towards "fake-looking", per row.

        Only contributions that push towards the fake-looking class, from fields
        that are present, are listed, so an account with none gets an empty tuple.
        Explanation costs more than scoring: pass only the rows that will be shown.

        Parameters
        ----------
        frame : polars.DataFrame
            Follower-account fields of the rows to explain.
        k : int, default=3
            Maximum number of signals per row.
        num_threads : int, optional
            LightGBM threads (default 2).

        Returns
        -------
        list of tuple of str
            One tuple per row, strongest first.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if frame.height == 0:
            return []
        matrix = account_features(frame)
        contributions = self.classifier.explain(matrix, num_threads=num_threads)[:, : len(FEATURES)]
        result: list[tuple[str, ...]] = []
        for values, row in zip(matrix, contributions, strict=True):
            order = np.argsort(-row, kind="stable")[:k]
            result.append(
                tuple(
                    describe_contribution(FEATURES[j], float(values[j]), float(row[j]))
                    for j in order
                    if row[j] > 0 and not np.isnan(values[j])
                )
            )
        return result


@functools.cache
def load_authenticity_model() -> AuthenticityModel:
    """Load the shipped fake-account model (cached; no network).

    Returns
    -------
    AuthenticityModel
        The model in ``trustreach/audience/models/``, its SHA-256 checked.
    """
    folder = resources.files("trustreach.audience").joinpath("models")
    meta = json.loads(folder.joinpath(f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
    model_bytes = folder.joinpath(str(meta["model_file"])).read_bytes()
    text = checked_artefact(model_bytes, meta)
    validation = meta.get("metadata", {}).get("validation", {})
    return AuthenticityModel(
        name=str(meta["name"]),
        version=str(meta["version"]),
        sha256=str(meta["sha256"]),
        threshold=float(meta["threshold"]),
        artefact=(text, meta),
        validation={
            str(profile): ValidatedRates.from_mapping(counts)
            for profile, counts in validation.items()
        },
    )
