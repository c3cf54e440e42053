"""The shipped fake-account model: load it offline, score accounts, explain shown rows."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import numpy as np
import polars as pl

from trustreach.audience._features import (
    BASE_FIELDS,
    FEATURES,
    account_features,
    describe_contribution,
    sufficient_data,
)
from trustreach.audience._model import FakeAccountClassifier, _threads
from trustreach.audience._prevalence import ValidatedRates

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
    classifier : FakeAccountClassifier
        The fitted classifier.
    validation : mapping of str to ValidatedRates
        Out-of-fold confusion counts at the threshold, by field profile (``"full"``:
        every model field present; ``"minimal"``: only the minimal fields).

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
    classifier: FakeAccountClassifier
    validation: dict[str, ValidatedRates] = field(default_factory=dict)

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
        self.classifier._check_fitted()
        matrix = account_features(frame)
        enough = sufficient_data(matrix)
        probs = np.full(frame.height, np.nan)
        if enough.all():
            raw = self.classifier._probability(matrix, _threads(num_threads))
            probs = np.asarray(raw, dtype=np.float64)
        elif enough.any():
            probs[enough] = self.classifier._probability(matrix[enough], _threads(num_threads))
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
    classifier = FakeAccountClassifier.from_artefact(model_bytes, meta)
    validation = meta.get("metadata", {}).get("validation", {})
    return AuthenticityModel(
        name=str(meta["name"]),
        version=str(meta["version"]),
        sha256=str(meta["sha256"]),
        threshold=float(meta["threshold"]),
        classifier=classifier,
        validation={
            str(profile): ValidatedRates.from_mapping(counts)
            for profile, counts in validation.items()
        },
    )
