"""Raw margins to probabilities, without LightGBM or scikit-learn.

What scoring with the compiled trees needs beside the trees themselves: the
artefact's checks, the calibration map and the thread count. The classifier
(:mod:`trustreach.audience._model`, which imports LightGBM and scikit-learn)
uses the same functions, so both paths give the same probabilities.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

import numpy as np

from trustreach.audience._features import FEATURES

__all__ = [
    "ARTEFACT_FORMAT",
    "COMPILED_MIN_ROWS",
    "calibrate",
    "calibrated_probability",
    "checked_artefact",
]

#: Format tag written into the artefact's JSON file.
ARTEFACT_FORMAT: Final = "trustreach.audience.fake_account/1"
#: Batches at least this large are scored by the compiled trees where they can be built
#: (smaller ones never load LLVM: LightGBM scores them in a few milliseconds).
COMPILED_MIN_ROWS: Final = 10_000
_NUM_THREADS: Final = 2


def _threads(num_threads: int | None) -> int:
    """Prediction threads: ``num_threads`` or the default (2)."""
    if num_threads is None:
        return _NUM_THREADS
    if isinstance(num_threads, bool) or not isinstance(num_threads, int | np.integer):
        raise ValueError(f"num_threads must be an int, got {num_threads!r}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be at least 1, got {num_threads}")
    return int(num_threads)


def calibrate(margins: np.ndarray, calibrator: np.ndarray, calibration: str) -> np.ndarray:
    """The calibration map applied to raw margins (log-odds).

    Parameters
    ----------
    margins : numpy.ndarray
        Raw scores, one per row.
    calibrator : numpy.ndarray of shape (2, k)
        Isotonic: margins (row 0) and probabilities (row 1), interpolated linearly
        and clipped at the ends. Sigmoid: slope ``a`` and intercept ``b``.
    calibration : {"isotonic", "sigmoid"}
        Kind of map.

    Returns
    -------
    numpy.ndarray
        float64 probabilities.
    """
    if calibration == "sigmoid":
        a, b = float(calibrator[0, 0]), float(calibrator[1, 0])
        z = np.clip(a * margins + b, -35.0, 35.0)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)
    knots, values = calibrator[0], calibrator[1]
    return np.asarray(np.interp(margins, knots, values), dtype=np.float64)


def calibrated_probability(
    margins: np.ndarray, calibrator: np.ndarray, calibration: str
) -> np.ndarray:
    """:func:`calibrate`, clipped to [0, 1]: the probability of class 1 (fake-looking)."""
    p = np.clip(calibrate(margins, calibrator, calibration), 0.0, 1.0)
    return np.asarray(p, dtype=np.float64)


def checked_artefact(model_bytes: bytes, meta: Mapping[str, Any]) -> str:
    """Check an artefact's format, SHA-256 and features; return the model text.

    Raises
    ------
    ValueError
        If the format tag is not :data:`ARTEFACT_FORMAT`, the model text does not
        match the recorded SHA-256, or the features differ from :data:`FEATURES`.
    """
    if meta.get("format") != ARTEFACT_FORMAT:
        raise ValueError(f"artefact format {meta.get('format')!r} is not {ARTEFACT_FORMAT!r}")
    sha256 = hashlib.sha256(model_bytes).hexdigest()
    if sha256 != meta["sha256"]:
        raise ValueError(
            f"model text SHA-256 {sha256} does not match the recorded {meta['sha256']}"
        )
    if tuple(meta["feature_names"]) != FEATURES:
        raise ValueError("artefact features differ from this version's FEATURES")
    return model_bytes.decode("utf-8")
