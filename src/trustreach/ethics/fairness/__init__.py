"""Ranking fairness: assess and mitigate unequal exposure in a ranked shortlist.

A shortlist is a ranking, and rankings distribute attention unequally: the
first places are seen far more than the tenth. fairlearn measures classifiers;
these tools measure and adjust rankings. Group membership travels beside the
data (``protected=...``, ``groups=...``), is only ever what candidates
declared, and is never a scoring feature.

- :func:`fair_rerank` applies FA*IR (Zehlike et al., CIKM 2017): every prefix
  of the top-k holds at least the number of protected candidates that a
  ranking drawn at random with a target share ``p`` would plausibly hold
  (:func:`fair_minimum_counts`, a binomial test at significance ``alpha``,
  optionally corrected for testing every prefix with
  :func:`adjusted_significance`). The result reports the utility given up and
  every position where the minimum could not be met.
- :func:`exposure_audit` measures a shortlist by group: selection rates and
  impact ratios (flagged below the four-fifths guideline), exposure under a
  position-based attention model, and NYC Local Law 144's scoring-rate method.
  Candidates without a declared group are counted on their own line; small
  groups are flagged and left out of the summary.

Everything here is pure: plain sequences and mappings in, frozen results out.
"""

from trustreach.ethics.fairness._exposure import (
    FOUR_FIFTHS,
    UNDECLARED,
    ExposureAudit,
    ExposureOverall,
    GroupExposure,
    attention,
    exposure_audit,
    exposure_audit_arrays,
)
from trustreach.ethics.fairness._fair import (
    FairRanking,
    adjusted_significance,
    fair_minimum_counts,
    fair_rerank,
    ranking_failure_probability,
)

__all__ = [
    "FOUR_FIFTHS",
    "UNDECLARED",
    "ExposureAudit",
    "ExposureOverall",
    "FairRanking",
    "GroupExposure",
    "adjusted_significance",
    "attention",
    "exposure_audit",
    "exposure_audit_arrays",
    "fair_minimum_counts",
    "fair_rerank",
    "ranking_failure_probability",
]
