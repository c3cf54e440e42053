"""The share of an audience showing signs of being fake, corrected for the model's errors.

The share of sampled followers *flagged* by the model is not the share that *are*
fake-looking: the model misses some (sensitivity below 1) and flags some genuine
accounts (specificity below 1). The Rogan–Gladen estimator corrects the flagged
(apparent) share ``a`` with the validated sensitivity ``se`` and specificity ``sp``::

    prevalence = (a + sp - 1) / (se + sp - 1)      clipped to [0, 1]

The interval has to carry three uncertainties: sampling (which followers were
scored), and the sensitivity and specificity themselves (measured on a few hundred
labelled accounts, and transferred to audiences the model never saw). They are
propagated by Monte Carlo over their distributions (a parametric bootstrap):

- the apparent share of each stratum ~ Beta(k + 1/2, n - k + 1/2) (Jeffreys);
- sensitivity ~ Beta(tp + 1, fn + 1), specificity ~ Beta(tn + 1, fp + 1), from the
  out-of-fold counts the training script stores in the shipped artefact; then each
  is moved on the logit scale by a normal draw with the *transfer* standard
  deviation stored beside them: a creator's audience is not the validation set's
  population, and the training script measures how far the rates move when the
  population's follower counts shift by one standard deviation (its shift stress
  test). Without that term the interval would claim the model errs on every
  audience exactly as it did on InstaFake;
- each draw is corrected and clipped to [0, 1]; strata (a creator's accounts) are
  combined with weights (their follower counts).

The estimate is the median of the draws and the interval their 2.5% and 97.5%
points, so the number shown and its interval describe the same quantity and the
estimate always lies inside. Draws use a fixed seed: the same inputs give the same
figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

__all__ = ["Prevalence", "ValidatedRates", "estimate_prevalence"]

_DRAWS: Final = 4000
_SEED: Final = 20_261_111


@dataclass(frozen=True)
class ValidatedRates:
    """Out-of-fold confusion counts of the model at its operating threshold.

    Counts may be fractional (an account's flag rate averaged over CV repeats).
    ``sensitivity_transfer_sd`` and ``specificity_transfer_sd`` are how far (logit
    scale, one standard deviation) the rates move in another population.
    """

    true_positives: float
    false_negatives: float
    true_negatives: float
    false_positives: float
    sensitivity_transfer_sd: float = 0.0
    specificity_transfer_sd: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "true_positives",
            "false_negatives",
            "true_negatives",
            "false_positives",
            "sensitivity_transfer_sd",
            "specificity_transfer_sd",
        ):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a non-negative count, got {value!r}")

    @property
    def sensitivity(self) -> float:
        """Share of fake-labelled validation accounts the model flags."""
        return self.true_positives / max(self.true_positives + self.false_negatives, 1e-12)

    @property
    def specificity(self) -> float:
        """Share of genuine-labelled validation accounts the model does not flag."""
        return self.true_negatives / max(self.true_negatives + self.false_positives, 1e-12)

    @classmethod
    def from_mapping(cls, counts: Mapping[str, float]) -> ValidatedRates:
        """Read the ``metadata.validation.<profile>`` entry of the artefact's JSON."""
        try:
            return cls(
                true_positives=float(counts["true_positives"]),
                false_negatives=float(counts["false_negatives"]),
                true_negatives=float(counts["true_negatives"]),
                false_positives=float(counts["false_positives"]),
                sensitivity_transfer_sd=float(counts.get("sensitivity_transfer_sd", 0.0)),
                specificity_transfer_sd=float(counts.get("specificity_transfer_sd", 0.0)),
            )
        except KeyError as error:
            raise ValueError(f"validated counts lack {error.args[0]!r}") from None


@dataclass(frozen=True)
class Prevalence:
    """Corrected share with its interval, and the plain flagged share it came from."""

    estimate: float
    low: float
    high: float
    flagged_share: float


def _rate(
    rng: np.random.Generator, hits: float, misses: float, transfer_sd: float, draws: int
) -> np.ndarray:
    """Draws of a rate: Beta posterior of the counts, moved on the logit scale."""
    rate = np.clip(rng.beta(hits + 1.0, misses + 1.0, draws), 1e-9, 1 - 1e-9)
    if transfer_sd <= 0:
        return rate
    shifted = np.log(rate / (1 - rate)) + rng.normal(0.0, transfer_sd, draws)
    return np.asarray(1.0 / (1.0 + np.exp(-shifted)), dtype=np.float64)


def estimate_prevalence(
    strata: Sequence[tuple[float, int, int]],
    rates: ValidatedRates,
    *,
    confidence: float = 0.95,
    transfer: bool = True,
    draws: int = _DRAWS,
) -> Prevalence:
    """Share of an audience showing signs of being fake, corrected for model error.

    Parameters
    ----------
    strata : sequence of (weight, flagged, scored)
        One entry per sampled stratum (a creator's account): its weight (its
        follower count; any non-negative number, normalised here), how many of its
        scored sampled followers the model flagged, and how many were scored.
        Strata with no scored account are left out and the remaining weights
        renormalised.
    rates : ValidatedRates
        The model's validated confusion counts at its operating threshold.
    confidence : float, default 0.95
        Two-sided level of the interval.
    transfer : bool, default True
        Add the rates' transfer spread (False: the validation counts' own
        uncertainty only, as if the audience were the validation population).
    draws : int, default 4000
        Monte Carlo draws.

    Returns
    -------
    Prevalence
        ``estimate`` (median of the draws), ``low``/``high`` (the interval), and
        the weighted plain ``flagged_share``; all in [0, 1] with
        ``low <= estimate <= high``.

    Raises
    ------
    ValueError
        If no stratum has a scored account, a count is impossible, or the model's
        validated rates cannot be told from chance (sensitivity + specificity <= 1).

    Examples
    --------
    >>> rates = ValidatedRates(120, 20, 665, 13, 0.65, 1.1)
    >>> p = estimate_prevalence([(1.0, 90, 1000)], rates)
    >>> p.low <= p.estimate <= p.high, round(p.flagged_share, 3)
    (True, 0.09)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    if draws < 100:
        raise ValueError(f"draws must be at least 100, got {draws}")
    if rates.sensitivity + rates.specificity <= 1.0:
        raise ValueError(
            "the model's validated sensitivity + specificity must exceed 1 to correct a share"
        )
    used = []
    for weight, flagged, scored in strata:
        if weight < 0 or not np.isfinite(weight):
            raise ValueError(f"stratum weight must be a non-negative number, got {weight!r}")
        if scored < 0 or flagged < 0 or flagged > scored:
            raise ValueError(f"need 0 <= flagged <= scored, got flagged={flagged}, scored={scored}")
        if scored:
            used.append((float(weight), int(flagged), int(scored)))
    if not used:
        raise ValueError("no stratum has a scored account")
    weights = np.array([w for w, _, _ in used])
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(used), 1 / len(used))
    rng = np.random.default_rng(_SEED)
    se_sd = rates.sensitivity_transfer_sd if transfer else 0.0
    sp_sd = rates.specificity_transfer_sd if transfer else 0.0
    se = _rate(rng, rates.true_positives, rates.false_negatives, se_sd, draws)
    sp = _rate(rng, rates.true_negatives, rates.false_positives, sp_sd, draws)
    informative = se + sp > 1.0  # draws where the model beats chance
    se, sp = se[informative], sp[informative]
    prevalence = np.zeros(se.size)
    for weight, (_, flagged, scored) in zip(weights, used, strict=True):
        apparent = rng.beta(flagged + 0.5, scored - flagged + 0.5, se.size)
        prevalence += weight * np.clip((apparent + sp - 1.0) / (se + sp - 1.0), 0.0, 1.0)
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, estimate, high = np.percentile(prevalence, [tail, 50.0, 100.0 - tail])
    flagged_share = float(sum(w * f / n for w, (_, f, n) in zip(weights, used, strict=True)))
    return Prevalence(
        estimate=float(estimate), low=float(low), high=float(high), flagged_share=flagged_share
    )
