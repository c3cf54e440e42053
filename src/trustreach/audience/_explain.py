"""Creator-level explanation: why the flagged follower accounts were flagged, in aggregate."""

from __future__ import annotations

import numpy as np
import polars as pl

from trustreach.audience._artefact import AuthenticityModel
from trustreach.audience._features import FEATURES, account_features, describe_contribution

#: Explanations cost far more than scores; a creator-level summary needs a sample only.
MAX_EXPLAINED = 500


def flag_reasons(
    model: AuthenticityModel,
    frame: pl.DataFrame,
    flagged: np.ndarray,
    *,
    top: int = 4,
    min_share: float = 0.1,
    seed: int = 0,
) -> tuple[tuple[str, float], ...]:
    """The features that most often pushed flagged accounts towards "fake-looking".

    Per-feature contributions (LightGBM ``pred_contrib``) are computed for the
    flagged accounts (a seeded sample of at most :data:`MAX_EXPLAINED`), and
    features are ranked by their mean positive contribution. Each reason is
    described at the median value among the accounts it pushed, with the share
    of flagged accounts it pushed.

    Returns
    -------
    tuple of (str, float)
        ``(plain words, share of flagged accounts)``, strongest first; empty when
        nothing was flagged.
    """
    index = np.flatnonzero(np.asarray(flagged, dtype=bool))
    if index.size == 0:
        return ()
    if index.size > MAX_EXPLAINED:
        index = np.sort(np.random.default_rng(seed).choice(index, MAX_EXPLAINED, replace=False))
    matrix = account_features(frame[index.tolist()])
    contributions = model.classifier.explain(matrix)[:, : len(FEATURES)]
    pushes = (contributions > 0) & ~np.isnan(matrix)
    strength = np.where(pushes, contributions, 0.0).mean(axis=0)
    reasons: list[tuple[str, float]] = []
    for j in np.argsort(-strength, kind="stable"):
        share = float(pushes[:, j].mean())
        if strength[j] <= 0 or share < min_share:
            continue
        typical = float(np.median(matrix[pushes[:, j], j]))
        reasons.append((describe_contribution(FEATURES[j], typical, 1.0), share))
        if len(reasons) == top:
            break
    return tuple(reasons)
