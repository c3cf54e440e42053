"""The held-back lift the content back-tests print, with its bootstrap interval."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def pooled_lift(
    stats: Sequence[Sequence[float]], *, draws: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Lift ``expm1(sum xy / sum xx)`` pooled over accounts, and its 95% bootstrap interval.

    Each entry of ``stats`` is one account's ``(sum xy, sum xx, ...)``: the
    within-account least-squares slope of log engagement on following the advice
    is ``sum xy / sum xx``; the interval resamples whole accounts.

    >>> lift, low, high = pooled_lift([(0.2, 1.0), (0.4, 1.0), (0.3, 1.0)])
    >>> round(lift, 4), low <= lift <= high
    (0.3499, True)
    """
    sxy = np.array([s[0] for s in stats], dtype=float)
    sxx = np.array([s[1] for s in stats], dtype=float)
    lift = math.expm1(sxy.sum() / sxx.sum()) if sxx.sum() > 0 else float("nan")
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(draws):
        pick = rng.integers(0, len(stats), len(stats))
        if sxx[pick].sum() > 0:
            boot.append(math.expm1(sxy[pick].sum() / sxx[pick].sum()))
    low, high = np.quantile(boot, [0.025, 0.975])
    return lift, float(low), float(high)
