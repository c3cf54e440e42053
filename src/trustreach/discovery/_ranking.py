"""What a ranking is: the query it answers, its rows and components, fair mode's
specification and outcome, and the whole result with its audits (the method that
produces it is :mod:`trustreach.discovery._rank`; the sentences that explain each
row are :mod:`trustreach.discovery._explain`)."""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from trustreach.core import ConfigurationError
from trustreach.discovery._authenticity_policy import AudienceRisk
from trustreach.discovery._brief import Brief, Objective
from trustreach.discovery._fx import FxRates
from trustreach.discovery._relevance import TopicGate
from trustreach.discovery._rules import AppliedRule, Finding
from trustreach.ethics.disclosure import generated_by
from trustreach.ethics.fairness import FOUR_FIFTHS, ExposureAudit, FairRanking, fair_minimum_counts

COMPONENTS = ("audience_fit", "topic_fit", "authentic_reach", "performance", "cost")
"""The score components, in report order."""

LABELS = {
    "audience_fit": "audience fit",
    "topic_fit": "topic fit",
    "authentic_reach": "authentic reach",
    "performance": "predicted performance",
    "cost": "cost",
}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class Embedder(Protocol):
    """What ranking needs of a text embedding model."""

    @property
    def version(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...


# --------------------------------------------------------------------------- query


@dataclass(frozen=True)
class Query:
    """What to rank for: built from a brief (:func:`query_from_brief`) or a creator
    (:func:`query_like`)."""

    kind: Literal["brief", "like"]
    objective: Objective
    platforms: frozenset[str]
    language: str | None
    topic_labels: tuple[str, ...]
    topic_vectors: npt.NDArray[np.float32]
    weights: Mapping[str, float]
    brief: Brief | None = None
    like: str | None = None
    exclusion_labels: tuple[str, ...] = ()
    exclusion_vectors: npt.NDArray[np.float32] | None = None
    excluded_ids: frozenset[str] = frozenset()
    age_target: tuple[str, ...] = ()
    gender_target: tuple[str, ...] = ()
    country_target: tuple[str, ...] = ()
    reference_age: FloatArray | None = None
    reference_gender: FloatArray | None = None
    reference_country: FloatArray | None = None
    budget: float | None = None
    currency: str | None = None
    embedding_version: str = ""

    def describe(self) -> dict[str, Any]:
        """The query as plain data (for reports and the audit log)."""
        return {
            "kind": self.kind,
            "brief_id": self.brief.brief_id if self.brief else None,
            "like": self.like,
            "objective": self.objective.value,
            "platforms": sorted(self.platforms),
            "language": self.language,
            "topics": list(self.topic_labels),
            "excluded_topics": list(self.exclusion_labels),
            "audience_target": {
                "age_bands": list(self.age_target),
                "genders": list(self.gender_target),
                "countries": list(self.country_target),
            },
            "budget": None
            if self.budget is None
            else {"amount": self.budget, "currency": self.currency},
            "weights": dict(self.weights),
        }


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Component:
    """One score component of one creator.

    ``score`` is what was measured (None when the data could not measure it);
    ``used`` is the value that entered the rank score (the candidates' median
    when not measured); ``contribution`` = ``weight`` × ``used``.
    """

    name: str
    score: float | None
    used: float
    weight: float
    contribution: float
    detail: str
    numbers: dict[str, float | str | None] = field(default_factory=dict)

    @property
    def imputed(self) -> bool:
        """True when the candidates' median stood in for a missing measurement."""
        return self.score is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": self.score,
            "used": self.used,
            "weight": self.weight,
            "contribution": self.contribution,
            "imputed": self.imputed,
            "detail": self.detail,
            "numbers": self.numbers,
        }


@dataclass(frozen=True)
class RankedCreator:
    """A creator on the shortlist, with the components behind its position."""

    rank: int
    score_rank: int
    creator_id: str
    account_id: str
    display_name: str
    platform: str
    score: float
    components: tuple[Component, ...]
    explanation: str
    protected: bool | None = None
    risk: AudienceRisk | None = None

    def component(self, name: str) -> Component:
        """The component called ``name``."""
        return next(c for c in self.components if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score_rank": self.score_rank,
            "creator_id": self.creator_id,
            "account_id": self.account_id,
            "display_name": self.display_name,
            "platform": self.platform,
            "score": self.score,
            "protected": self.protected,
            "authenticity": (self.risk or AudienceRisk(False)).to_dict(),
            "components": [c.to_dict() for c in self.components],
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class FairSpec:
    """FA*IR re-ranking for one declared group: ``attribute=value:p:alpha``.

    ``p`` is FA*IR's target minimum proportion. ``None`` (``auto`` on the
    command line) picks the smallest ``p`` (in steps of 0.01) whose FA*IR
    minimum at rank k selects enough of the group for an impact ratio of at
    least four-fifths, given its share of the eligible pool
    (:func:`four_fifths_p`).
    """

    attribute: str
    value: str
    p: float | None
    alpha: float

    @classmethod
    def parse(
        cls,
        text: str,
        *,
        attributes: Sequence[str],
        values: Mapping[str, Collection[str]] | None = None,
    ) -> FairSpec:
        """Parse ``ATTRIBUTE=VALUE:P:ALPHA``; P may be ``auto``.

        With ``values`` (the values declared for each attribute), a VALUE
        nobody declared for ATTRIBUTE is refused, listing the declared ones.

        >>> FairSpec.parse("gender=woman:0.4:0.1", attributes=["gender"])
        FairSpec(attribute='gender', value='woman', p=0.4, alpha=0.1)
        >>> FairSpec.parse("disability=yes:auto:0.1", attributes=["disability"]).p is None
        True
        """
        parts = text.rsplit(":", 2)
        group = parts[0]
        if len(parts) != 3 or "=" not in group:
            raise ConfigurationError(
                f"--fair {text!r}: expected ATTRIBUTE=VALUE:P:ALPHA, e.g. gender=woman:0.4:0.1"
            )
        attribute, value = (s.strip() for s in group.split("=", 1))
        if attribute not in attributes:
            raise ConfigurationError(
                f"--fair attribute {attribute!r} not allowed; allowed: {', '.join(attributes)}"
            )
        auto = parts[1].strip().lower() == "auto"
        try:
            p, alpha = (0.5 if auto else float(parts[1])), float(parts[2])
        except ValueError:
            raise ConfigurationError(
                f"--fair {text!r}: P must be a number or auto, ALPHA a number"
            ) from None
        for name, number in (("P", p), ("ALPHA", alpha)):
            if not 0 < number < 1:
                raise ConfigurationError(
                    f"--fair {name} = {number} must be strictly between 0 and 1"
                )
        if not value:
            raise ConfigurationError("--fair VALUE must not be empty")
        if values is not None:
            _check_declared(attribute, value, sorted(values.get(attribute, ())))
        return cls(attribute, value, None if auto else p, alpha)


def _check_declared(attribute: str, value: str, declared: Sequence[str]) -> None:
    """Refuse a ``--fair`` group value that nobody declared for ``attribute``."""
    if value in declared:
        return
    if not declared:
        raise ConfigurationError(
            f"--fair {attribute}={value}: nobody in this workspace declared {attribute} "
            "(with consent in force), so fair mode has no group to protect"
        )
    close = difflib.get_close_matches(value, declared, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ConfigurationError(
        f"--fair {attribute} value {value!r} is not one declared in this workspace; "
        f"allowed: {', '.join(declared)}{hint}"
    )


def four_fifths_p(k: int, pool_share: float, alpha: float) -> float:
    """Smallest FA*IR ``p`` whose minimum at rank ``k`` reaches four-fifths parity.

    With a group's share ``s`` of the pool, selecting ``m`` of ``k`` gives the
    group an impact ratio of at least 0.8 when ``m ≥ 0.8·s·k / (1 − s + 0.8·s)``.
    Returns 0.99 when even that cannot reach it.

    >>> four_fifths_p(10, 0.5, 0.1)  # 5 of 10 needed; p = 0.65 is the first to ask for 5
    0.65
    """
    needed = math.ceil(
        FOUR_FIFTHS * pool_share * k / (1 - pool_share + FOUR_FIFTHS * pool_share) - 1e-9
    )
    for step in range(1, 100):
        p = step / 100
        if fair_minimum_counts(k, p, alpha)[-1] >= needed:
            return p
    return 0.99


@dataclass(frozen=True)
class FairResult:
    """What fair mode did: the FA*IR re-ranking and the group's audit before it."""

    spec: FairSpec
    reranking: FairRanking
    before: ExposureAudit
    protected_in_pool: int

    def to_dict(self) -> dict[str, Any]:
        r = self.reranking
        return {
            "attribute": self.spec.attribute,
            "value": self.spec.value,
            "p": self.spec.p,
            "alpha": self.spec.alpha,
            "protected_in_pool": self.protected_in_pool,
            "minimum_counts": list(r.minimum_counts),
            "protected_counts": list(r.protected_counts),
            "infeasible_positions": list(r.infeasible_positions),
            "utility_before": r.utility_before,
            "utility_after": r.utility_after,
            "utility_loss": r.utility_loss,
            "ndcg": r.ndcg,
            "moved": r.moved,
            "before": _audit_dict(self.before),
        }


@dataclass(frozen=True)
class Ranking:
    """A ranked shortlist with everything needed to explain and audit it."""

    query: Query
    shortlist: tuple[RankedCreator, ...]
    excluded: tuple[Finding, ...]
    review: tuple[Finding, ...]
    rules_applied: tuple[AppliedRule, ...]
    eligible: int
    out_of_scope: dict[str, int]
    weights: dict[str, float]
    medians: dict[str, float | None]
    exposure: dict[str, ExposureAudit]
    fair: FairResult | None
    model_versions: dict[str, str]
    notes: tuple[str, ...]
    scores: dict[str, float] = field(repr=False, default_factory=dict)
    names: dict[str, str] = field(repr=False, default_factory=dict)
    """Display name of every creator on the shortlist or in a finding, by creator id."""
    topic_gate: TopicGate | None = None
    """The topic fit a creator needed to be ranked (None: topics did not matter)."""

    def name(self, creator_id: str) -> str:
        """``"Display Name (creator-id)"``, or the bare id when the name is unknown."""
        name = self.names.get(creator_id)
        return f"{name} ({creator_id})" if name and name != creator_id else creator_id

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data (``generated_by``: the explanations are machine-made)."""
        return {
            "generated_by": generated_by("discovery"),
            "query": self.query.describe(),
            "model_versions": self.model_versions,
            "weights": self.weights,
            "eligible": self.eligible,
            "out_of_scope": self.out_of_scope,
            "medians_used_for_missing": self.medians,
            "shortlist": [row.to_dict() for row in self.shortlist],
            "excluded": [_finding_dict(f, self.names) for f in self.excluded],
            "review": [_finding_dict(f, self.names) for f in self.review],
            "rules_applied": [r._asdict() for r in self.rules_applied],
            "exposure_audit": {k: _audit_dict(a) for k, a in self.exposure.items()},
            "fair": self._fair_dict(),
            "notes": list(self.notes),
            "topic_gate": None if self.topic_gate is None else asdict(self.topic_gate),
        }

    def _fair_dict(self) -> dict[str, Any] | None:
        from trustreach.discovery._summary import fair_effect  # it reads a Ranking

        effect = fair_effect(self)
        if self.fair is None or effect is None:
            return None
        return {**self.fair.to_dict(), "effect": effect.to_dict()}


def _finding_dict(f: Finding, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "creator_id": f.creator_id,
        "display_name": (names or {}).get(f.creator_id),
        "rule_id": f.rule_id,
        "reason": f.reason,
        "numbers": dict(f.numbers),
    }


def _audit_dict(audit: ExposureAudit) -> dict[str, Any]:
    return audit.to_dict()


@dataclass
class _Parts:
    """Raw component values for the rows being ranked (NaN = not measured)."""

    values: dict[str, FloatArray]
    topic_best: IntArray
    topic_cosine: FloatArray
    dims: dict[str, FloatArray]
    authentic: FloatArray
    fake_used: FloatArray
    perf_metric: str
    perf: FloatArray
    cost_metric: str
    cost_value: FloatArray
    applicable: dict[str, bool]
    fx: FxRates | None = None
