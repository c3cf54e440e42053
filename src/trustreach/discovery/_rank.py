"""Ranking creators for a brief (or like a creator), every position explained.

The score of a creator is a weighted sum of five components, each in [0, 1]:

- **audience fit**: the share of the creator's platform-reported audience in
  the brief's target age bands, genders and countries (the mean over the
  dimensions the brief sets). For lookalikes: one minus the total variation
  distance between the two reported distributions.
- **topic fit**: cosine similarity between the brief's topics (and audience
  interests) and the embedding of the creator's recent captions and hashtags,
  mapped linearly from :data:`TOPIC_SCALE` onto [0, 1] and averaged over topics.
- **authentic reach**: followers × (1 − the share of followers that look
  inauthentic in the latest audit), on a log scale from 1,000 to 10 million,
  blended 3:1 with Audience Quality / 100.
- **predicted performance**: expected reach (awareness) or engagements
  (engagement, conversions) of the next post, on a log scale.
- **cost**: declared fee per expected engagement (CPE) or per 1,000 expected
  reach (CPM), on a reversed log scale, in the brief's currency: fees declared
  in another currency are converted with a dated exchange-rate table
  (:mod:`trustreach.discovery._fx`; the shipped reference snapshot unless the
  caller gives one), and the row says the rate and its date.

A component the data cannot measure for a creator is counted at the median of
the candidates that have it — neither rewarded nor punished — and the
explanation says so. A component nobody has is left out and the other weights
are scaled up. Weights per objective are in :data:`DEFAULT_WEIGHTS`; a brief
may set its own.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from trustreach.core import ConfigurationError
from trustreach.discovery._authenticity_policy import (
    AudienceRisk,
    audience_risk,
    describe_policy,
    screen_authenticity,
    unknown_creator_ids,
    unknown_ids_message,
)
from trustreach.discovery._brief import AuthenticityPolicy, Brief, BriefError, Objective
from trustreach.discovery._fx import FxRates, reference_fx_rates
from trustreach.discovery._index import CreatorIndex
from trustreach.discovery._relevance import TopicGate, creators_off_topic, topic_gate
from trustreach.discovery._rules import (
    BRIEF_EXCLUSION_RULE_ID,
    DEFAULT_RULES,
    AppliedRule,
    AudienceRule,
    CreatorAudience,
    Finding,
    Rule,
    check_brief_targeting,
    rules_for,
    screen_creators,
)
from trustreach.ethics.fairness import (
    FOUR_FIFTHS,
    ExposureAudit,
    FairRanking,
    exposure_audit_arrays,
    fair_minimum_counts,
    fair_rerank,
)
from trustreach.ingest._schema import AGE_BANDS, GENDERS

COMPONENTS = ("audience_fit", "topic_fit", "authentic_reach", "performance", "cost")
"""The score components, in report order."""

LABELS = {
    "audience_fit": "audience fit",
    "topic_fit": "topic fit",
    "authentic_reach": "authentic reach",
    "performance": "predicted performance",
    "cost": "cost",
}

DEFAULT_WEIGHTS: dict[Objective, dict[str, float]] = {
    Objective.awareness: {
        "audience_fit": 0.30,
        "topic_fit": 0.25,
        "authentic_reach": 0.20,
        "performance": 0.15,
        "cost": 0.10,
    },
    Objective.engagement: {
        "audience_fit": 0.20,
        "topic_fit": 0.25,
        "authentic_reach": 0.15,
        "performance": 0.25,
        "cost": 0.15,
    },
    Objective.conversions: {
        "audience_fit": 0.25,
        "topic_fit": 0.25,
        "authentic_reach": 0.10,
        "performance": 0.15,
        "cost": 0.25,
    },
}
"""Weights of the components for each objective (each set sums to 1)."""

TOPIC_SCALE = (0.15, 0.65)
"""Cosine similarities mapped to topic fit 0 and 1 (see docs/discovery.md)."""
EXCLUSION_TOPIC_SIMILARITY = 0.60
"""A creator whose content is at least this similar to an excluded topic is excluded."""
REACH_SCALE = (3.0, 7.0)  # log10 authentic followers: 1,000 → 0, 10 million → 1
VIEWS_SCALE = (2.0, 6.0)  # log10 expected reach per post: 100 → 0, 1 million → 1
ENGAGEMENTS_SCALE = (1.0, 5.0)  # log10 expected engagements per post: 10 → 0, 100,000 → 1
CPE_SCALE = (-2.0, 1.0)  # log10 cost per engagement: 0.01 → 1, 10 → 0
CPM_SCALE = (0.0, 2.0)  # log10 cost per 1,000 reach: 1 → 1, 100 → 0
QUALITY_SHARE = 0.25  # share of authentic reach taken from Audience Quality
_CHUNK = 131_072

RANKING_VERSION = "1.1"
"""Version of the ranking method (components, scales, default weights, the topic gate,
fee conversion). 1.1: the topic gate and converted fees."""

BUDGET_RULE_ID = "brief-budget"
EXCLUSION_TOPIC_RULE_ID = "brief-exclusion-topic"

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


def resolve_weights(
    objective: Objective, overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The objective's default weights with ``overrides`` applied, scaled to sum to 1.

    >>> resolve_weights(Objective.awareness, {"cost": 0.0})["cost"]
    0.0
    >>> round(sum(resolve_weights(Objective.engagement, {"topic_fit": 2}).values()), 6)
    1.0
    """
    weights = dict(DEFAULT_WEIGHTS[objective])
    for name, value in (overrides or {}).items():
        if name not in weights:
            raise ConfigurationError(
                f"weights.{name}: unknown component; allowed: {', '.join(COMPONENTS)}"
            )
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise ConfigurationError(f"weights.{name}: {value!r} must be a number ≥ 0")
        weights[name] = float(value)
    total = sum(weights.values())
    if total <= 0:
        raise ConfigurationError("weights: at least one component needs a weight above 0")
    return {name: value / total for name, value in weights.items()}


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out: npt.NDArray[np.float32] = np.divide(
        vectors, norms, out=np.zeros_like(vectors), where=norms > 0
    )
    return out


def query_from_brief(
    brief: Brief, embedder: Embedder, *, rules: Sequence[Rule] = DEFAULT_RULES
) -> Query:
    """Turn a brief into a :class:`Query`; refuses targeting the category may not use.

    The brief's topics and its audience interests are the topic queries
    (interests describe what the audience cares about, which shows in what the
    creator posts about).

    Raises
    ------
    TargetingRefused
        When the brief targets by age or gender in a special ad category, or
        targets minors for a restricted product.
    """
    check_brief_targeting(brief, rules=rules)
    labels = tuple(dict.fromkeys([*brief.topics, *brief.audience.interests]))
    excluded = tuple(brief.exclusions.topics)
    overrides = brief.weights.model_dump(exclude_none=True) if brief.weights else None
    return Query(
        kind="brief",
        objective=brief.objective,
        platforms=frozenset(str(p) for p in brief.platforms),
        language=brief.content_language,
        topic_labels=labels,
        topic_vectors=_unit(embedder.embed(list(labels))),
        weights=resolve_weights(brief.objective, overrides),
        brief=brief,
        exclusion_labels=excluded,
        exclusion_vectors=_unit(embedder.embed(list(excluded))) if excluded else None,
        excluded_ids=frozenset(brief.exclusions.creator_ids),
        age_target=tuple(brief.audience.age_bands),
        gender_target=tuple(brief.audience.genders),
        country_target=tuple(brief.audience.countries),
        budget=brief.budget.amount,
        currency=brief.budget.currency,
        embedding_version=embedder.version,
    )


def query_like(
    index: CreatorIndex,
    creator_id: str,
    *,
    brief: Brief | None = None,
    embedding_version: str = "",
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> Query:
    """A :class:`Query` for creators similar to ``creator_id`` in topics and audience.

    The reference is the creator's largest account. With a ``brief``, its
    platforms, language, category rules, budget and exclusions apply too;
    without one, the reference's platforms and the awareness weights are used.

    Raises
    ------
    NotFoundError
        When the creator is not in the index.
    """
    from trustreach.core import NotFoundError

    rows = index.rows_of(creator_id)
    if rows.size == 0:
        raise NotFoundError(unknown_ids_message("--like", [creator_id], index))
    followers = np.nan_to_num(index.followers[rows], nan=-1.0)
    ref = int(rows[int(np.argmax(followers))])
    topics = np.asarray(index.topics[rows], dtype=np.float32).sum(axis=0, keepdims=True)
    if brief is not None:
        check_brief_targeting(brief, rules=rules)
    objective = brief.objective if brief else Objective.awareness
    overrides = brief.weights.model_dump(exclude_none=True) if brief and brief.weights else None
    excluded = tuple(brief.exclusions.topics) if brief else ()
    name = str(index.display_name[ref])
    return Query(
        kind="like",
        objective=objective,
        platforms=frozenset(str(p) for p in brief.platforms)
        if brief
        else frozenset(str(p) for p in index.platform[rows]),
        language=brief.content_language if brief else None,
        topic_labels=(f"the content of {name}",),
        topic_vectors=_unit(topics),
        weights=resolve_weights(objective, overrides),
        brief=brief,
        like=creator_id,
        exclusion_labels=excluded,
        exclusion_vectors=None,
        excluded_ids=frozenset([creator_id, *(brief.exclusions.creator_ids if brief else ())]),
        reference_age=_normalised(index.age[ref]),
        reference_gender=_normalised(index.gender[ref]),
        reference_country=np.asarray(index.country[ref], dtype=np.float64),
        budget=brief.budget.amount if brief else None,
        currency=brief.budget.currency if brief else None,
        embedding_version=embedding_version,
    )


def _normalised(row: npt.NDArray[np.float32]) -> FloatArray | None:
    values = np.asarray(row, dtype=np.float64)
    total = float(np.sum(values))
    if not math.isfinite(total) or total <= 0:
        return None
    return values / total


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
    def parse(cls, text: str, *, attributes: Sequence[str]) -> FairSpec:
        """Parse ``ATTRIBUTE=VALUE:P:ALPHA``; P may be ``auto``.

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
        return cls(attribute, value, None if auto else p, alpha)


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
        """Everything as JSON-ready data."""
        return {
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


# --------------------------------------------------------------------------- components


def _scale(values: FloatArray, lo: float, hi: float) -> FloatArray:
    return np.clip((values - lo) / (hi - lo), 0.0, 1.0)


def _log10(values: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.where(values > 0, values, np.nan))


def _share_in(matrix: FloatArray, columns: Sequence[int], *, normalise: bool) -> FloatArray:
    """Share of each row in ``columns`` (NaN for unreported rows, which are all-NaN)."""
    if not matrix.shape[1]:
        return np.full(len(matrix), np.nan)
    chosen: FloatArray
    if columns:
        chosen = matrix[:, list(columns)].sum(axis=1, dtype=np.float64)
    else:
        chosen = np.where(np.isnan(matrix[:, 0]), np.nan, 0.0)
    if not normalise:
        return chosen
    total = matrix.sum(axis=1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, chosen / total, np.nan)


def _tvd_similarity(
    matrix: FloatArray, reference: FloatArray | None, *, normalise: bool
) -> FloatArray:
    n = matrix.shape[0]
    if reference is None:
        return np.full(n, np.nan)
    rows = matrix
    if normalise:
        total = rows.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            rows = np.where(total > 0, rows / total, np.nan)
    rest = np.clip(1.0 - rows.sum(axis=1), 0.0, 1.0)
    ref_rest = max(0.0, 1.0 - float(reference.sum()))
    distance = 0.5 * (np.abs(rows - reference).sum(axis=1) + np.abs(rest - ref_rest))
    similarity: FloatArray = 1.0 - np.clip(distance, 0.0, 1.0)
    return similarity


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


def _topic_similarity(
    index: CreatorIndex, vectors: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Cosine similarity of every row's topic vector with each query vector, (n, t).

    Computed over contiguous blocks of the (memory-mapped) matrix: gathering
    rows first would copy the whole matrix.
    """
    n = len(index)
    out = np.empty((n, vectors.shape[0]), dtype=np.float32)
    queries = np.ascontiguousarray(vectors.T, dtype=np.float32)
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        out[start:stop] = np.asarray(index.topics[start:stop], dtype=np.float32) @ queries
    return out


def _all_similarities(index: CreatorIndex, query: Query) -> npt.NDArray[np.float32]:
    """Similarities with the topics, then the excluded topics: one pass over the matrix."""
    vectors = query.topic_vectors
    if query.exclusion_vectors is not None and query.exclusion_vectors.size:
        vectors = np.vstack([vectors, query.exclusion_vectors])
    return _topic_similarity(index, vectors)


def _components(
    index: CreatorIndex,
    rows: IntArray,
    query: Query,
    similarities: npt.NDArray[np.float32],
    fx: FxRates | None = None,
) -> _Parts:
    n = rows.size
    values: dict[str, FloatArray] = {}
    applicable = dict.fromkeys(COMPONENTS, True)

    # audience fit
    everyone = rows.size == len(index)

    def take(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if everyone else values[rows]  # a view when nothing is filtered

    age = take(index.age)
    gender = take(index.gender)
    country = take(index.country)
    dims: dict[str, FloatArray] = {}
    if query.kind == "like":
        dims["age"] = _tvd_similarity(age, query.reference_age, normalise=True)
        dims["gender"] = _tvd_similarity(gender, query.reference_gender, normalise=True)
        ref_country = query.reference_country
        dims["country"] = _tvd_similarity(
            country,
            None if ref_country is None or not np.isfinite(ref_country).all() else ref_country,
            normalise=False,
        )
        dims = {k: v for k, v in dims.items() if not np.isnan(v).all()}
    else:
        if query.age_target:
            dims["age"] = _share_in(
                age, [AGE_BANDS.index(b) for b in query.age_target], normalise=True
            )
        if query.gender_target:
            dims["gender"] = _share_in(
                gender, [GENDERS.index(g) for g in query.gender_target], normalise=True
            )
        if query.country_target:
            cols = [index.countries.index(c) for c in query.country_target if c in index.countries]
            dims["country"] = _share_in(country, cols, normalise=False)
    if dims:
        stack = np.vstack(list(dims.values()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no data
            values["audience_fit"] = np.nanmean(stack, axis=0)
    else:
        applicable["audience_fit"] = False
        values["audience_fit"] = np.full(n, np.nan)

    # topic fit
    sims = take(similarities)[:, : query.topic_vectors.shape[0]].astype(np.float64)
    has_text = np.any(sims != 0.0, axis=1)
    fit = _scale(sims, *TOPIC_SCALE).mean(axis=1)
    values["topic_fit"] = np.where(has_text, fit, np.nan)
    topic_best = np.argmax(sims, axis=1) if sims.shape[1] else np.zeros(n, dtype=np.intp)
    topic_cosine = np.where(has_text, sims.max(axis=1) if sims.shape[1] else np.nan, np.nan)

    # authentic reach
    followers = take(index.followers)
    fake = take(index.fake_share)
    audited = np.isfinite(fake)
    fake_used = fake.copy()
    if audited.any():
        fake_used[~audited] = float(np.median(fake[audited]))
    else:
        fake_used[:] = 0.0
    authentic = followers * (1.0 - fake_used)
    reach_part = _scale(_log10(authentic), *REACH_SCALE)
    quality = take(index.quality) / 100.0
    has_quality = np.isfinite(quality)
    quality_used = quality.copy()
    if has_quality.any():
        quality_used[~has_quality] = float(np.median(quality[has_quality]))
        values["authentic_reach"] = (1 - QUALITY_SHARE) * reach_part + QUALITY_SHARE * quality_used
    else:
        values["authentic_reach"] = reach_part

    # predicted performance and cost
    awareness = query.objective is Objective.awareness
    if awareness:
        perf_metric, perf = "reach", take(index.reach)
        values["performance"] = _scale(_log10(perf), *VIEWS_SCALE)
    else:
        perf_metric, perf = "engagements", take(index.engagements)
        values["performance"] = _scale(_log10(perf), *ENGAGEMENTS_SCALE)
    # declared fees in the budget's currency: converted with the dated table (see _fx)
    fx = fx or reference_fx_rates()
    codes, currencies = index.codes("rate_currency")
    factor = np.append(fx.factors(currencies, query.currency), np.nan)[codes]
    rate = take(index.rate) * take(factor)
    with np.errstate(divide="ignore", invalid="ignore"):
        if awareness:
            cost_metric = "CPM"
            cost_value = rate / (perf / 1000.0)
            values["cost"] = 1.0 - _scale(_log10(cost_value), *CPM_SCALE)
        else:
            cost_metric = "CPE"
            cost_value = rate / perf
            values["cost"] = 1.0 - _scale(_log10(cost_value), *CPE_SCALE)
    cost_value = np.where(np.isfinite(cost_value), cost_value, np.nan)
    values["cost"] = np.where(np.isfinite(cost_value), values["cost"], np.nan)
    if query.currency is None:
        applicable["cost"] = False
    return _Parts(
        values=values,
        topic_best=topic_best.astype(np.intp),
        topic_cosine=topic_cosine,
        dims=dims,
        authentic=authentic,
        fake_used=fake_used,
        perf_metric=perf_metric,
        perf=perf,
        cost_metric=cost_metric,
        cost_value=cost_value,
        applicable=applicable,
        fx=fx,
    )


# --------------------------------------------------------------------------- ranking


def rank_creators(
    index: CreatorIndex,
    query: Query,
    *,
    top_n: int,
    groups: Mapping[str, Mapping[str, str]] | None = None,
    fair: FairSpec | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
    model_versions: Mapping[str, str] | None = None,
    fx_rates: FxRates | None = None,
) -> Ranking:
    """Rank the index's creators for ``query`` and explain the top ``top_n``.

    Parameters
    ----------
    index : CreatorIndex
        Precomputed features (one row per account).
    query : Query
        From :func:`query_from_brief` or :func:`query_like`.
    top_n : int
        Length of the shortlist (at least 1).
    groups : mapping, optional
        ``{attribute: {creator_id: value}}`` of attributes creators declared
        with consent. Used only to audit the shortlist (and, with ``fair``, to
        re-rank); never a scoring feature.
    fair : FairSpec, optional
        Re-rank the shortlist with FA*IR for the declared group ``fair``
        names.
    fx_rates : FxRates, optional
        Exchange rates for fees declared in another currency than the
        budget's (default: the shipped reference snapshot,
        :func:`~trustreach.discovery.reference_fx_rates`).

    Returns
    -------
    Ranking
        The shortlist, creators excluded or held for review by rules (each
        with rule id, reason and numbers), counts of creators out of scope,
        the exposure audit by declared attribute, and fair mode's result.
    """
    if top_n < 1:
        raise ConfigurationError(f"top_n must be ≥ 1, got {top_n}")
    if query.brief is not None:
        unknown = unknown_creator_ids(index, query.brief.exclusions.creator_ids)
        if unknown:
            raise BriefError([unknown_ids_message("exclusions.creator_ids", unknown, index)])
    groups = groups or {}
    if fair is not None and fair.attribute not in groups:
        groups = {**groups, fair.attribute: {}}
    notes: list[str] = []
    starts, seg = index.segment_ids()

    # scope: platform and content language (counted per creator, not listed)
    out_of_scope: dict[str, int] = {}
    in_scope = np.ones(len(index), dtype=bool)
    if query.platforms:
        platform_ok = index.where_in("platform", query.platforms)
        if len(index):
            missing = ~np.logical_or.reduceat(platform_ok, starts)
            out_of_scope["no account on the brief's platforms"] = int(missing.sum())
        in_scope &= platform_ok
    if query.language:
        language_ok = index.where_in("language", (query.language, ""))
        if len(index):
            creator_ok = np.logical_or.reduceat(in_scope & language_ok, starts)
            had_scope = np.logical_or.reduceat(in_scope, starts)
            out_of_scope[f"content language is not {query.language}"] = int(
                (had_scope & ~creator_ok).sum()
            )
        in_scope &= language_ok

    rows = np.flatnonzero(in_scope).astype(np.intp)
    similarities = _all_similarities(index, query)
    fx = fx_rates or reference_fx_rates()
    parts = _components(index, rows, query, similarities, fx)
    weights = dict(query.weights)
    medians: dict[str, float | None] = {}
    used: dict[str, FloatArray] = {}
    for name in COMPONENTS:
        raw = parts.values[name]
        measured = np.isfinite(raw)
        if not parts.applicable[name] or not measured.any():
            if parts.applicable[name] and rows.size:
                notes.append(
                    f"No candidate has data for {LABELS[name]}: it is left out and the other "
                    "weights scaled up."
                )
            elif name == "audience_fit":
                notes.append("The brief sets no audience target: audience fit is left out.")
            weights[name] = 0.0
            medians[name] = None
            used[name] = np.zeros(rows.size)
            continue
        median = float(np.median(raw[measured]))
        medians[name] = median
        used[name] = np.where(measured, raw, median)
    total_weight = sum(weights.values())
    if total_weight <= 0:
        raise ConfigurationError(
            "no component with a weight above 0 can be measured for this query"
        )
    weights = {k: v / total_weight for k, v in weights.items()}
    score_rows = np.zeros(rows.size)
    for name in COMPONENTS:
        score_rows += weights[name] * used[name]
    gate = topic_gate(parts.values["topic_fit"], query.weights["topic_fit"])
    if gate is not None:  # off-topic accounts are out of scope (see _relevance)
        off_topic = np.zeros(len(index), dtype=bool)
        off_topic[rows] = gate.off_topic(parts.values["topic_fit"])
        out_of_scope[gate.reason()] = creators_off_topic(in_scope, off_topic, starts)
        score_rows = np.where(off_topic[rows], -np.inf, score_rows)

    # best account per creator
    full = np.full(len(index), -np.inf)
    full[rows] = score_rows
    position = np.full(len(index), -1, dtype=np.intp)
    position[rows] = np.arange(rows.size)
    best_rows = _best_per_segment(full, seg, starts)
    best_rows = best_rows[np.isfinite(full[best_rows])]
    creator_ids = index.creator_id[best_rows]

    # exclusions by the brief: ids, topics, budget
    excluded: list[Finding] = []
    keep = np.ones(best_rows.size, dtype=bool)
    if query.excluded_ids:
        hit = _member(creator_ids, query.excluded_ids)
        for i in np.flatnonzero(hit):
            if query.kind == "like" and creator_ids[i] == query.like:
                keep[i] = False
                continue
            excluded.append(
                Finding(
                    str(creator_ids[i]),
                    BRIEF_EXCLUSION_RULE_ID,
                    "The brief lists this creator under exclusions.creator_ids.",
                    {},
                )
            )
        keep &= ~hit
    if query.exclusion_vectors is not None and query.exclusion_vectors.size and best_rows.size:
        sims = similarities[best_rows, query.topic_vectors.shape[0] :]
        worst = sims.argmax(axis=1)
        top = sims.max(axis=1)
        for i in np.flatnonzero(keep & (top >= EXCLUSION_TOPIC_SIMILARITY)):
            label = query.exclusion_labels[int(worst[i])]
            excluded.append(
                Finding(
                    str(creator_ids[i]),
                    EXCLUSION_TOPIC_RULE_ID,
                    f"Recent captions and hashtags are close to the excluded topic '{label}' "
                    f"(similarity {top[i]:.2f}, limit {EXCLUSION_TOPIC_SIMILARITY:.2f}).",
                    {
                        "similarity": round(float(top[i]), 4),
                        "limit": EXCLUSION_TOPIC_SIMILARITY,
                    },
                )
            )
            keep[i] = False
    if query.budget is not None and best_rows.size:
        declared = index.rate[best_rows]
        declared_in = index.rate_currency[best_rows]
        rate_codes, rate_labels = index.codes("rate_currency")
        factor = np.append(fx.factors(rate_labels, query.currency), np.nan)[rate_codes[best_rows]]
        with np.errstate(invalid="ignore"):
            rate = declared * factor
            over = keep & (rate > query.budget)
        for i in np.flatnonzero(over):
            converted = (
                ""
                if declared_in[i] == query.currency
                else f" ({declared[i]:,.0f} {declared_in[i]} at "
                f"{_conversion_text(fx, str(declared_in[i]), query.currency)})"
            )
            excluded.append(
                Finding(
                    str(creator_ids[i]),
                    BUDGET_RULE_ID,
                    f"The declared fee of {rate[i]:,.0f} {query.currency}{converted} per post "
                    f"is above the whole budget of {query.budget:,.0f} {query.currency}.",
                    {"rate": float(rate[i]), "budget": float(query.budget)},
                )
            )
        keep &= ~over

    # restricted-category rules on each remaining creator's chosen account
    review: list[Finding] = []
    applied: list[AppliedRule] = []
    brief = query.brief
    if brief is not None:
        applicable = rules_for(brief.category, rules)
        applied = [r.describe() for r in applicable]
        if query.excluded_ids:
            applied.append(
                AppliedRule(
                    BRIEF_EXCLUSION_RULE_ID,
                    "Creators the brief excludes by id",
                    "The brief's exclusions.creator_ids list.",
                )
            )
        if any(isinstance(r, AudienceRule) for r in applicable):
            found_excluded, found_review = _screen_accounts(
                index, brief, rules, in_scope, seg, best_rows[keep]
            )
            excluded += found_excluded
            review += found_review
            set_aside = {f.creator_id for f in (*found_excluded, *found_review)}
            keep &= ~_member(creator_ids, set_aside)
    # the brief's authenticity policy (the default one for lookalikes without a brief)
    policy = brief.authenticity if brief is not None else AuthenticityPolicy()
    kept = np.flatnonzero(keep)
    found_excluded, found_review, held = screen_authenticity(index, best_rows[kept], policy)
    excluded += found_excluded
    review += found_review
    keep[kept[held]] = False
    applied.append(describe_policy(policy))
    if query.exclusion_vectors is not None:
        applied.append(
            AppliedRule(
                EXCLUSION_TOPIC_RULE_ID,
                "Creators close to an excluded topic",
                "The brief's exclusions.topics list.",
            )
        )
    if query.budget is not None:
        applied.append(
            AppliedRule(
                BUDGET_RULE_ID, "Declared fee above the whole budget", "The brief's budget."
            )
        )

    eligible_rows = best_rows[keep]
    eligible_ids = index.creator_id[eligible_rows]
    eligible_scores = full[eligible_rows]
    eligible_count = int(eligible_rows.size)
    k = min(top_n, eligible_count)
    by_score = _top(eligible_scores, np.arange(eligible_count), k)

    codes = _group_codes(index, eligible_rows, groups)
    fair_result: FairResult | None = None
    chosen = by_score
    protected: npt.NDArray[np.bool_] | None = None
    if fair is not None and k > 0:
        group_codes, names = codes[fair.attribute]
        wanted = names.index(fair.value) if fair.value in names else -2
        protected = group_codes == wanted
        # FA*IR only ever draws from the best k of each group
        pool_idx = np.concatenate(
            [
                _top(eligible_scores, np.flatnonzero(~protected), k),
                _top(eligible_scores, np.flatnonzero(protected), k),
            ]
        )
        pool_idx = pool_idx[np.lexsort((pool_idx, -eligible_scores[pool_idx]))]
        p_used = fair.p
        if p_used is None:
            p_used = four_fifths_p(k, float(protected.mean()), fair.alpha)
            fair = FairSpec(fair.attribute, fair.value, p_used, fair.alpha)
        reranking = fair_rerank(
            eligible_scores[pool_idx].tolist(), protected[pool_idx].tolist(), k, p_used, fair.alpha
        )
        chosen = pool_idx[list(reranking.order)]
        before = exposure_audit_arrays(group_codes, names, by_score, scores=eligible_scores)
        fair_result = FairResult(fair, reranking, before, int(protected.sum()))
        if reranking.infeasible_positions:
            notes.append(
                "Fair mode could not meet FA*IR's minimum at ranks "
                f"{', '.join(map(str, reranking.infeasible_positions))}: "
                "not enough candidates declared the group."
            )

    # exposure audit by every declared attribute
    exposure: dict[str, ExposureAudit] = {}
    if k > 0:
        for attribute, (group_codes, names) in sorted(codes.items()):
            exposure[attribute] = exposure_audit_arrays(
                group_codes, names, chosen, scores=eligible_scores
            )
    if not groups:
        notes.append(
            "No creator in the pool declared an attribute with consent: "
            "no exposure audit by group is possible."
        )

    shortlist: list[RankedCreator] = []
    for position_in_list, e in enumerate(chosen, start=1):
        row = int(eligible_rows[e])
        explained = _explain(
            index,
            row,
            int(position[row]),
            parts,
            used,
            weights,
            medians,
            query,
            rank=position_in_list,
            score_rank=_score_rank(eligible_scores, int(e)),
            eligible=eligible_count,
            protected=None if protected is None else bool(protected[e]),
        )
        risk = audience_risk(index, row)
        shortlist.append(
            replace(explained, risk=risk, explanation=f"{explained.explanation} {risk.sentence()}")
        )
    named = {r.creator_id for r in shortlist} | {f.creator_id for f in (*excluded, *review)}
    display_names = {
        c: str(index.display_name[r[0]]) for c in named if (r := index.rows_of(c)).size
    }
    versions = {
        "ranking": RANKING_VERSION,
        **index.meta.get("model_versions", {}),
        **(model_versions or {}),
    }
    if query.embedding_version:
        versions["text_embedding"] = query.embedding_version
    if query.currency is not None:
        versions["fx_rates"] = fx.describe()
    if any(row.component("cost").numbers.get("fx_date") is not None for row in shortlist):
        notes.append(
            f"Fees declared in another currency than {query.currency} are converted with "
            f"{fx.describe()}; each row gives the rate and its date."
        )
    return Ranking(
        query=query,
        shortlist=tuple(shortlist),
        excluded=tuple(excluded),
        review=tuple(review),
        rules_applied=tuple(applied),
        eligible=eligible_count,
        out_of_scope={k2: v for k2, v in out_of_scope.items() if v},
        weights=weights,
        medians=medians,
        exposure=exposure,
        fair=fair_result,
        model_versions=versions,
        notes=tuple(dict.fromkeys(notes)),
        topic_gate=gate,
        scores={str(c): float(s) for c, s in zip(eligible_ids, eligible_scores, strict=True)}
        if eligible_count <= 100_000
        else {},
        names=display_names,
    )


def _group_codes(
    index: CreatorIndex,
    rows: IntArray,
    groups: Mapping[str, Mapping[str, str]],
) -> dict[str, tuple[npt.NDArray[np.intp], list[str]]]:
    """Per attribute: the group of each creator at ``rows``, as an index into the names.

    -1 means the creator declared nothing. Vectorised (sorted fixed-width ids and
    ``searchsorted``) because pools reach millions.
    """
    if not groups:
        return {}
    keys = index.creator_keys()
    _, seg = index.segment_ids()
    row_creators = seg[rows]
    out: dict[str, tuple[npt.NDArray[np.intp], list[str]]] = {}
    for attribute, members in groups.items():
        codes = np.full(keys.size, -1, dtype=np.intp)
        names: list[str] = []
        if members:
            ids = np.array(list(members.keys()), dtype=str)
            names_array, value_codes = np.unique(
                np.array(list(members.values()), dtype=str), return_inverse=True
            )
            at = np.minimum(np.searchsorted(keys, ids), keys.size - 1)
            found = keys[at] == ids
            codes[at[found]] = value_codes[found]
            present = np.unique(value_codes[found])  # only groups someone in the index declared
            renumber = np.full(names_array.size, -1, dtype=np.intp)
            renumber[present] = np.arange(present.size)
            codes = np.where(codes >= 0, renumber[np.maximum(codes, 0)], -1)
            names = [str(v) for v in names_array[present]]
        out[attribute] = (codes[row_creators], names)
    return out


def _member(values: npt.NDArray[np.object_], wanted: Collection[str]) -> npt.NDArray[np.bool_]:
    """Which of ``values`` (creator ids) are in ``wanted``: one set lookup per value.

    ``np.isin`` on object arrays compares every pair (242 s for 6,142 ids in a
    pool of 1M); this takes about 0.2 s.
    """
    if not wanted:
        return np.zeros(values.size, dtype=bool)
    found = set(wanted)
    return np.fromiter((v in found for v in values.tolist()), dtype=bool, count=values.size)


def _top(scores: FloatArray, candidates: IntArray, k: int) -> IntArray:
    """The best ``k`` of ``candidates`` by score, best first; ties by position.

    Rows are sorted by creator id, so ties fall back to the creator id.
    """
    if candidates.size > k:
        part = np.argpartition(-scores[candidates], k - 1)[:k]
        candidates = candidates[part]
    return candidates[np.lexsort((candidates, -scores[candidates]))].astype(np.intp)


def _score_rank(scores: FloatArray, i: int) -> int:
    """Rank of candidate ``i`` by score alone (ties broken by position)."""
    s = scores[i]
    return int(np.count_nonzero(scores > s) + np.count_nonzero(scores[:i] == s)) + 1


def _best_per_segment(score: FloatArray, seg: IntArray, starts: IntArray) -> IntArray:
    """Row of the highest score in each segment (the first one on ties)."""
    if score.size == 0:
        return np.zeros(0, dtype=np.intp)
    seg_max = np.maximum.reduceat(score, starts)
    is_best = score == seg_max[seg]
    candidates = np.flatnonzero(is_best)
    first = np.ones(candidates.size, dtype=bool)
    first[1:] = seg[candidates[1:]] != seg[candidates[:-1]]
    return candidates[first].astype(np.intp)


def _screen_accounts(
    index: CreatorIndex,
    brief: Brief,
    rules: Sequence[Rule],
    in_scope: npt.NDArray[np.bool_],
    seg: IntArray,
    chosen_rows: IntArray,
) -> tuple[list[Finding], list[Finding]]:
    """Apply the category's audience rules to every in-scope account of each creator.

    A creator is one person with one audience reputation, so the strictest
    account decides: excluded if any account is excluded, else held for review
    if any account is. Each finding names the account it comes from.
    """
    wanted = np.zeros(int(seg[-1]) + 1 if seg.size else 0, dtype=bool)
    wanted[seg[chosen_rows]] = True
    rows = np.flatnonzero(in_scope & wanted[seg])
    audiences = [_audience(index, int(r)) for r in rows]
    unscoped = brief.model_copy(
        update={"exclusions": brief.exclusions.model_copy(update={"creator_ids": []})}
    )
    screening = screen_creators(unscoped, audiences, rules=rules)
    creator_of = {str(index.account_id[r]): str(index.creator_id[r]) for r in rows}
    platform_of = {str(index.account_id[r]): str(index.platform[r]) for r in rows}

    def per_creator(findings: Sequence[Finding]) -> list[Finding]:
        return [
            Finding(
                creator_of[f.creator_id],
                f.rule_id,
                f"On the {platform_of[f.creator_id]} account {f.creator_id}: {f.reason}",
                {**f.numbers},
            )
            for f in findings
        ]

    excluded = per_creator(screening.excluded)
    out = {f.creator_id for f in excluded}
    review = [f for f in per_creator(screening.review) if f.creator_id not in out]
    return excluded, review


def _audience(index: CreatorIndex, row: int) -> CreatorAudience:
    age = index.age[row]
    shares = (
        None
        if np.isnan(age).all()
        else {band: float(v) for band, v in zip(AGE_BANDS, age, strict=True) if np.isfinite(v)}
    )
    country = index.country[row]
    countries = (
        None
        if not country.size or np.isnan(country).all()
        else {c: float(v) for c, v in zip(index.countries, country, strict=True) if v > 0}
    )
    followers = index.followers[row]
    return CreatorAudience(
        str(index.account_id[row]),
        followers=int(followers) if np.isfinite(followers) else None,
        age_bands=shares,
        country_shares=countries,
    )


# --------------------------------------------------------------------------- explanations


def _pct(share: float) -> str:
    return f"{share:.0%}"


def _count(value: float) -> str:
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def _explain(
    index: CreatorIndex,
    row: int,
    p: int,
    parts: _Parts,
    used: Mapping[str, FloatArray],
    weights: Mapping[str, float],
    medians: Mapping[str, float | None],
    query: Query,
    *,
    rank: int,
    score_rank: int,
    eligible: int,
    protected: bool | None,
) -> RankedCreator:
    components: list[Component] = []
    for name in COMPONENTS:
        raw = float(parts.values[name][p])
        measured = math.isfinite(raw)
        value = float(used[name][p])
        detail, numbers = _detail(name, index, row, p, parts, query, measured, medians.get(name))
        components.append(
            Component(
                name=name,
                score=round(raw, 4) if measured else None,
                used=round(value, 4),
                weight=round(weights[name], 4),
                contribution=round(weights[name] * value, 4),
                detail=detail,
                numbers=numbers,
            )
        )
    score = sum(c.weight * c.used for c in components)
    weighted = [c for c in components if c.weight > 0]
    strong = sorted((c for c in weighted if not c.imputed), key=lambda c: -c.contribution)[:2]
    weak = min((c for c in weighted if not c.imputed), key=lambda c: c.used, default=None)
    sentences = [f"Ranked {rank} of {eligible} eligible creators with a score of {score:.2f}."]
    if rank != score_rank:
        sentences.append(
            f"Fair mode moved this creator from {score_rank} by score alone to {rank}."
        )
    if strong:
        sentences.append(
            "Strongest: "
            + "; ".join(f"{LABELS[c.name]} {c.used:.2f} ({c.detail})" for c in strong)
            + "."
        )
    if weak is not None and weak not in strong and weak.used < 0.5:
        sentences.append(f"Held back by {LABELS[weak.name]} {weak.used:.2f} ({weak.detail}).")
    missing = [c for c in weighted if c.imputed]
    if missing:
        sentences.append(
            "Not measured, counted at the candidates' median: "
            + "; ".join(f"{LABELS[c.name]} ({c.detail})" for c in missing)
            + "."
        )
    cost = next(c for c in components if c.name == "cost")
    said = {c.name for c in (*strong, *missing)} | ({weak.name} if weak else set())
    if cost.numbers.get("fx_date") is not None and "cost" not in said:
        sentences.append(f"Cost: {cost.detail}.")
    return RankedCreator(
        rank=rank,
        score_rank=score_rank,
        creator_id=str(index.creator_id[row]),
        account_id=str(index.account_id[row]),
        display_name=str(index.display_name[row]),
        platform=str(index.platform[row]),
        score=round(score, 4),
        components=tuple(components),
        explanation=" ".join(sentences),
        protected=protected,
    )


def _detail(
    name: str,
    index: CreatorIndex,
    row: int,
    p: int,
    parts: _Parts,
    query: Query,
    measured: bool,
    median: float | None,
) -> tuple[str, dict[str, float | str | None]]:
    numbers: dict[str, float | str | None] = {}
    if name == "audience_fit":
        shares: dict[str, float] = {}
        for dim, values in parts.dims.items():
            v = float(values[p])
            numbers[dim] = round(v, 4) if math.isfinite(v) else None
            if math.isfinite(v):
                shares[dim] = v
        if not parts.dims:
            return "the query sets no audience target", numbers
        if not measured:
            return "the platform reported no audience breakdown for this account", numbers
        if query.kind == "like":
            bits = [f"{dim} mix {_pct(v)} alike" for dim, v in shares.items()]
            return "reported audience " + ", ".join(bits), numbers
        target = {
            "age": "target age bands",
            "gender": "target genders",
            "country": "target countries",
        }
        bits = [f"{_pct(v)} in the {target[dim]}" for dim, v in shares.items()]
        return "reported audience " + ", ".join(bits), numbers
    if name == "topic_fit":
        terms = str(index.top_terms[row])
        if not measured:
            return "no recent captions or hashtags to compare", {"top_terms": terms}
        label = query.topic_labels[int(parts.topic_best[p])]
        cosine = float(parts.topic_cosine[p])
        numbers = {"best_topic": label, "similarity": round(cosine, 4), "top_terms": terms}
        text = f"content closest to '{label}', similarity {cosine:.2f}"
        return (text + (f"; often uses {terms}" if terms else "")), numbers
    if name == "authentic_reach":
        followers = float(index.followers[row])
        fake = float(index.fake_share[row])
        numbers = {
            "followers": followers if math.isfinite(followers) else None,
            "fake_share": fake if math.isfinite(fake) else None,
            "fake_share_used": float(parts.fake_used[p]),
            "authentic_followers": float(parts.authentic[p])
            if math.isfinite(parts.authentic[p])
            else None,
            "quality": float(index.quality[row]) if math.isfinite(index.quality[row]) else None,
        }
        if not math.isfinite(followers):
            return "follower count not reported", numbers
        if math.isfinite(fake):
            low, high = float(index.fake_low[row]), float(index.fake_high[row])
            return (
                f"{_count(parts.authentic[p])} of {_count(followers)} followers after the "
                f"{_pct(fake)} that look inauthentic in the latest audit "
                f"(95% CI {_pct(low)}–{_pct(high)})"
            ), numbers
        return (
            f"{_count(followers)} followers; not audited yet, so the candidates' median "
            f"inauthentic-looking share ({_pct(float(parts.fake_used[p]))}) is assumed"
        ), numbers
    if name == "performance":
        metric = parts.perf_metric
        value = float(parts.perf[p])
        low = float((index.reach_low if metric == "reach" else index.engagements_low)[row])
        high = float((index.reach_high if metric == "reach" else index.engagements_high)[row])
        numbers = {
            "metric": metric,
            "expected": value if math.isfinite(value) else None,
            "low_80": low if math.isfinite(low) else None,
            "high_80": high if math.isfinite(high) else None,
        }
        if not measured:
            return f"no post history with {metric} to predict from", numbers
        return (
            f"about {_count(value)} {metric} per post expected "
            f"(80% interval {_count(low)}–{_count(high)})",
            numbers,
        )
    # cost
    rate = float(index.rate[row])
    currency = str(index.rate_currency[row])
    cost = float(parts.cost_value[p])
    numbers = {
        "rate": rate if math.isfinite(rate) else None,
        "currency": currency or None,
        "metric": parts.cost_metric,
        "value": cost if math.isfinite(cost) else None,
    }
    if not math.isfinite(rate):
        return "no declared rate", numbers
    budget_currency = query.currency or currency
    fee = f"{rate:,.0f} {currency} per post"
    if currency != budget_currency:
        conversion = parts.fx.conversion(currency, budget_currency) if parts.fx else None
        if conversion is None:
            origin = parts.fx.describe() if parts.fx else "no exchange-rate table"
            return (
                f"rate declared in {currency}; no exchange rate to {budget_currency} in the "
                f"table ({origin}), so not measured",
                numbers,
            )
        numbers.update(
            fx_rate=round(conversion.factor, 6),
            fx_date=conversion.on.isoformat(),
            fx_source=conversion.source,
            rate_converted=round(rate * conversion.factor, 2),
        )
        fee = (
            f"{rate:,.0f} {currency} per post = {rate * conversion.factor:,.0f} {budget_currency} "
            f"at {conversion.describe()}"
        )
    if not measured:
        return f"{fee}, but no prediction to divide it by", numbers
    return f"{fee}, {cost:,.2f} {budget_currency} {parts.cost_metric}", numbers


def _conversion_text(fx: FxRates, source: str, target: str | None) -> str:
    found = fx.conversion(source, target) if target else None
    return found.describe() if found else "no rate"
