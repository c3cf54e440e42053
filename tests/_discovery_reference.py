"""The ranking as first shipped (``trustreach.discovery._rank`` at commit b8caa5d,
ranking method 1.1): every component of every candidate as whole-matrix NumPy
expressions, the score of every in-scope account, the medians by ``np.median``.

Frozen here, unchanged but for the query builders it does not need, as the
oracle that ``tests/test_discovery_fast_path.py`` holds the fast path to: the
same ranks, scores, medians and explanations. When the method changes on
purpose (a new ``RANKING_VERSION``), change or retire this copy with it.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

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
    FairResult,
    FairSpec,
    FloatArray,
    IntArray,
    Query,
    RankedCreator,
    Ranking,
    _Parts,
    four_fifths_p,
)
from trustreach.discovery._relevance import creators_off_topic, topic_gate
from trustreach.discovery._rules import (
    BRIEF_EXCLUSION_RULE_ID,
    DEFAULT_RULES,
    AppliedRule,
    AudienceRule,
    CreatorAudience,
    Finding,
    Rule,
    rules_for,
    screen_creators,
)
from trustreach.ethics.fairness import ExposureAudit, exposure_audit_arrays, fair_rerank
from trustreach.ingest._schema import AGE_BANDS, GENDERS

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


def _shown_only(matrix: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Buckets hidden as small groups (NaN in a row that has shown buckets) count as 0.

    A row with no shown bucket stays all-NaN: the audience is unreported.

    >>> _shown_only(np.array([[0.6, np.nan], [np.nan, np.nan]])).tolist()
    [[0.6, 0.0], [nan, nan]]
    """
    missing = np.isnan(matrix)
    if not missing.any():
        return matrix
    unreported = missing.all(axis=-1, keepdims=True)
    return np.where(missing & ~unreported, 0.0, matrix)


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

    age = _shown_only(take(index.age))  # small groups are NaN in the index (rule T5)
    gender = _shown_only(take(index.gender))
    country = _shown_only(take(index.country))
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
            source = "the brief's" if query.brief is not None else "the reference creator's"
            out_of_scope[f"no account on {source} platforms"] = int(missing.sum())
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
        topics = "the reference creator's content" if query.kind == "like" else "the brief's topics"
        out_of_scope[gate.reason(topics)] = creators_off_topic(in_scope, off_topic, starts)
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
