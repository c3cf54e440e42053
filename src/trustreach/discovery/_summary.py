"""One wording for what a ranking's fairness figures say, shared by console, JSON and HTML.

- :func:`exposure_line`: the exposure audit of one declared attribute, naming
  the metric behind a four-fifths flag and its value
  (:meth:`~trustreach.ethics.fairness.ExposureAudit.four_fifths_summary`).
- :func:`fair_effect`: what fair mode changed for the declared group it
  protects: members on the shortlist and their selection-rate impact ratio by
  score alone and after FA*IR (only where the exposure audit compared impact
  ratios: with too little declared data the line says so instead), and the
  utility given up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from trustreach.core import plural
from trustreach.discovery._ranking import Ranking
from trustreach.ethics.fairness import ExposureAudit


def exposure_line(attribute: str, audit: ExposureAudit) -> str:
    """``"Exposure audit by gender: below four-fifths (0.8): lowest scoring-rate …"``."""
    return f"Exposure audit by {attribute}: {audit.four_fifths_summary()}."


@dataclass(frozen=True)
class FairEffect:
    """Fair mode's effect on the group it protects (``attribute = group``)."""

    attribute: str
    group: str
    selected_before: int | None
    selected_after: int | None
    impact_ratio_before: float | None
    impact_ratio_after: float | None
    utility_loss: float
    moved: int
    k: int

    def sentence(self) -> str:
        """The effect in one sentence, e.g. for the console."""

        def ratio(value: float | None) -> str:
            return "–" if value is None else f"{value:.2f}"

        def count(value: int | None) -> str:
            return "–" if value is None else str(value)

        if self.selected_before is None and self.selected_after is None:
            return (
                f"Fair mode effect for {self.attribute}={self.group}: no eligible candidate "
                f"declared {self.group}, so fair mode could change nothing for the group "
                f"(utility given up {self.utility_loss:.1%})."
            )
        if self.impact_ratio_before is None and self.impact_ratio_after is None:
            impact = "selection-rate impact ratio not compared (too little declared data)"
        else:
            impact = (
                f"selection-rate impact ratio {ratio(self.impact_ratio_before)} → "
                f"{ratio(self.impact_ratio_after)}"
            )
        return (
            f"Fair mode effect for {self.attribute}={self.group} (by score alone → fair mode): "
            f"{impact}, {count(self.selected_before)} → {count(self.selected_after)} of "
            f"{self.k} on the shortlist, at a utility cost of {self.utility_loss:.1%} of the "
            f"summed scores; {plural(self.moved, 'creator')} ranked in by score alone left "
            "the list."
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "summary": self.sentence()}


def fair_effect(ranking: Ranking) -> FairEffect | None:
    """What fair mode did for its group (None when the ranking is not in fair mode)."""
    f = ranking.fair
    if f is None:
        return None
    value = f.spec.value
    before = next((g for g in f.before.by_group if g.group == value), None)
    audit = ranking.exposure.get(f.spec.attribute)
    after = next((g for g in audit.by_group if g.group == value), None) if audit else None
    return FairEffect(
        attribute=f.spec.attribute,
        group=value,
        selected_before=before.selected_count if before else None,
        selected_after=after.selected_count if after else None,
        impact_ratio_before=f.before.supported_impact_ratio(value),
        impact_ratio_after=audit.supported_impact_ratio(value) if audit else None,
        utility_loss=f.reranking.utility_loss,
        moved=f.reranking.moved,
        k=len(ranking.shortlist),
    )
