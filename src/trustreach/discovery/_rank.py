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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from trustreach.core import ConfigurationError
from trustreach.discovery._authenticity_policy import (
    audience_risk,
    describe_policy,
    screen_authenticity,
    unknown_creator_ids,
    unknown_ids_message,
)
from trustreach.discovery._brief import AuthenticityPolicy, Brief, BriefError, Objective
from trustreach.discovery._explain import _conversion_text, _explain
from trustreach.discovery._fx import FxRates, reference_fx_rates
from trustreach.discovery._index import CreatorIndex
from trustreach.discovery._ranking import (
    COMPONENTS,
    LABELS,
    Embedder,
    FairResult,
    FairSpec,
    FloatArray,
    IntArray,
    Query,
    RankedCreator,
    Ranking,
    four_fifths_p,
)
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
from trustreach.discovery._scores import (
    _shown_only,
    component_median,
    explain_parts,
    score_components,
)
from trustreach.ethics.fairness import ExposureAudit, exposure_audit_arrays, fair_rerank
from trustreach.ingest._schema import AGE_BANDS

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

EXCLUSION_TOPIC_SIMILARITY = 0.60
"""A creator whose content is at least this similar to an excluded topic is excluded."""

RANKING_VERSION = "1.1"
"""Version of the ranking method (components, scales, default weights, the topic gate,
fee conversion). 1.1: the topic gate and converted fees."""

BUDGET_RULE_ID = "brief-budget"
EXCLUSION_TOPIC_RULE_ID = "brief-exclusion-topic"


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
        reference_age=_normalised(_shown_only(index.age[ref])),
        reference_gender=_normalised(_shown_only(index.gender[ref])),
        reference_country=np.asarray(_shown_only(index.country[ref]), dtype=np.float64),
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
            missing = ~_any_per_creator(platform_ok, starts)
            source = "the brief's" if query.brief is not None else "the reference creator's"
            out_of_scope[f"no account on {source} platforms"] = int(missing.sum())
        in_scope &= platform_ok
    if query.language:
        language_ok = index.where_in("language", (query.language, ""))
        if len(index):
            creator_ok = _any_per_creator(in_scope & language_ok, starts)
            had_scope = _any_per_creator(in_scope, starts)
            out_of_scope[f"content language is not {query.language}"] = int(
                (had_scope & ~creator_ok).sum()
            )
        in_scope &= language_ok

    rows = np.flatnonzero(in_scope).astype(np.intp)
    fx = fx_rates or reference_fx_rates()
    scored = score_components(index, rows, query, fx)
    similarities = scored.similarities
    weights = dict(query.weights)
    medians: dict[str, float | None] = {}
    for name in COMPONENTS:
        median = component_median(index, scored, name) if scored.applicable[name] else None
        if median is None:
            if scored.applicable[name] and rows.size:
                notes.append(
                    f"No candidate has data for {LABELS[name]}: it is left out and the other "
                    "weights scaled up."
                )
            elif name == "audience_fit":
                notes.append("The brief sets no audience target: audience fit is left out.")
            weights[name] = 0.0
            medians[name] = None
            continue
        medians[name] = median
    total_weight = sum(weights.values())
    if total_weight <= 0:
        raise ConfigurationError(
            "no component with a weight above 0 can be measured for this query"
        )
    weights = {k: v / total_weight for k, v in weights.items()}
    # only accounts on topic get a score (the others are out of scope, see _relevance)
    gate, on_topic = scored.gate, scored.on_topic
    if gate is not None:
        topics = "the reference creator's content" if query.kind == "like" else "the brief's topics"
        had = starts.size if rows.size == len(index) else _distinct(seg[rows])
        out_of_scope[gate.reason(topics)] = had - _distinct(seg[rows[on_topic]])
    scores = np.zeros(on_topic.size)
    for name in COMPONENTS:
        scores += weights[name] * _used(scored.values[name], on_topic, medians[name])

    # best account per creator
    best = _best_per_segment(scores, seg[rows[on_topic]])
    best = best[np.isfinite(scores[best])]
    best_rows = rows[on_topic[best]]
    best_scores = scores[best]
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
    eligible_scores = best_scores[keep]
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

    shown = eligible_rows[chosen]
    parts = explain_parts(index, shown, scored, query)
    used = {
        name: _used(parts.values[name], np.arange(shown.size), medians[name]) for name in COMPONENTS
    }
    shortlist: list[RankedCreator] = []
    for position_in_list, e in enumerate(chosen, start=1):
        row = int(eligible_rows[e])
        explained = _explain(
            index,
            row,
            position_in_list - 1,
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

    -1 means the creator declared nothing. The names are the groups declared in
    the pool (the exposure audit reports only those). One dictionary look-up
    per creator of the pool: the declarations may cover millions of creators,
    the pool after the topic gate is usually far smaller.
    """
    if not groups:
        return {}
    ids = index.creator_id[rows].tolist()
    out: dict[str, tuple[npt.NDArray[np.intp], list[str]]] = {}
    for attribute, members in groups.items():
        declared = [members.get(c) for c in ids]
        names = sorted({str(v) for v in declared if v is not None})
        number = {name: i for i, name in enumerate(names)}
        codes = np.fromiter(
            (-1 if v is None else number[str(v)] for v in declared), dtype=np.intp, count=len(ids)
        )
        out[attribute] = (codes, names)
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


def _used(raw: FloatArray, at: IntArray, median: float | None) -> FloatArray:
    """The values that enter the score at positions ``at``: measured, else the median
    (zeros for a component left out)."""
    if median is None:
        return np.zeros(at.size)
    values = raw[at]
    used: FloatArray = np.where(np.isfinite(values), values, median)
    return used


def _any_per_creator(mask: npt.NDArray[np.bool_], starts: IntArray) -> npt.NDArray[np.bool_]:
    """Whether any row of each creator is set (rows grouped by creator from ``starts``)."""
    if starts.size == mask.size:  # one account each
        return mask
    found: npt.NDArray[np.bool_] = np.logical_or.reduceat(mask, starts)
    return found


def _distinct(sorted_values: IntArray) -> int:
    """How many different values a sorted array holds."""
    if not sorted_values.size:
        return 0
    return int(np.count_nonzero(sorted_values[1:] != sorted_values[:-1])) + 1


def _best_per_segment(score: FloatArray, seg: IntArray) -> IntArray:
    """Position of the highest score of each creator (the first one on ties).

    ``seg`` is each position's creator number, in ascending order.
    """
    if score.size == 0:
        return np.zeros(0, dtype=np.intp)
    change = np.flatnonzero(seg[1:] != seg[:-1]) + 1
    if change.size == score.size - 1:  # one account each: every position is its creator's best
        return np.arange(score.size, dtype=np.intp)
    starts = np.concatenate([[0], change])
    group = np.zeros(score.size, dtype=np.intp)
    group[change] = 1
    group = np.cumsum(group)
    best = score == np.maximum.reduceat(score, starts)[group]
    candidates = np.flatnonzero(best)
    first = np.ones(candidates.size, dtype=bool)
    first[1:] = group[candidates[1:]] != group[candidates[:-1]]
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
