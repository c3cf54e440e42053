"""The five component values of every candidate, and the explanation parts of the shown rows.

Ranking needs each component's value for every candidate (the rank score, and
the median that stands in for a missing measurement), but the numbers behind
an explanation (best topic, similarity, authentic followers, cost per
engagement …) only for the creators it shows. So the work is split:

- :func:`score_components` computes the raw component values of every
  candidate, one column at a time over cache-sized blocks of rows: no
  per-row reductions over the audience matrices (NumPy runs those row by row),
  no copy of a matrix with its hidden buckets zeroed, and the topic fit taken
  from each block of similarities while it is still in cache, in the same
  pass over the topic matrix;
- :func:`explain_parts` computes everything the explanations read, for the
  shown rows only.

Both compute each value with the same floating-point operations in the same
order as the whole-matrix form they replace (ranking 1.1 as first shipped):
NumPy sums a short row from 0 in column order, which is what the column-wise
sums do, and :func:`exact_median` returns exactly what ``np.median`` returns.
``tests/test_discovery_fast_path.py`` checks ranks, scores and explanations
equal to that form on generated indexes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from trustreach.discovery._brief import Objective
from trustreach.discovery._fx import FxRates
from trustreach.discovery._index import CreatorIndex
from trustreach.discovery._ranking import COMPONENTS, FloatArray, IntArray, Query, _Parts
from trustreach.ingest._schema import AGE_BANDS, GENDERS

TOPIC_SCALE = (0.15, 0.65)
"""Cosine similarities mapped to topic fit 0 and 1 (see docs/discovery.md)."""
REACH_SCALE = (3.0, 7.0)  # log10 authentic followers: 1,000 → 0, 10 million → 1
VIEWS_SCALE = (2.0, 6.0)  # log10 expected reach per post: 100 → 0, 1 million → 1
ENGAGEMENTS_SCALE = (1.0, 5.0)  # log10 expected engagements per post: 10 → 0, 100,000 → 1
CPE_SCALE = (-2.0, 1.0)  # log10 cost per engagement: 0.01 → 1, 10 → 0
CPM_SCALE = (0.0, 2.0)  # log10 cost per 1,000 reach: 1 → 1, 100 → 0
QUALITY_SHARE = 0.25  # share of authentic reach taken from Audience Quality
_CHUNK = 131_072
"""Rows per matrix product over the topic matrix (kept: the product's rounding may
depend on the block's shape, and the similarities must not change)."""
_BLOCK = 16_384
"""Rows per block of the column-wise work (a block of float64 columns stays in cache)."""
_PAIRWISE = 8
"""From this many numbers in a row, NumPy may sum them pairwise instead of in order."""
_SAMPLE = 4_096
"""Values sampled to bracket the median in :func:`exact_median`."""

BoolArray = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------- elementwise


def _scale(values: FloatArray, lo: float, hi: float) -> FloatArray:
    """``clip((values - lo) / (hi - lo), 0, 1)``, in one new array."""
    out = values - lo
    out /= hi - lo
    scaled: FloatArray = np.clip(out, 0.0, 1.0, out=out)
    return scaled


def _log10(values: FloatArray) -> FloatArray:
    """log10 of the positive values, NaN elsewhere, in one new array."""
    out = np.where(values > 0, values, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs: FloatArray = np.log10(out, out=out)
    return logs


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


def exact_median(values: FloatArray) -> float:
    """``np.median`` of finite ``values``, the same number, faster on large arrays.

    The median is one or two order statistics of ``values``. A strided sample
    brackets them; one pass counts the values below the bracket and keeps the
    few inside it, and only those are partitioned. When the bracket misses
    (it cannot on data without long runs of one value, but ties and adversarial
    orders are allowed), ``np.median`` itself answers.

    >>> v = np.random.default_rng(0).normal(size=200_001)
    >>> exact_median(v) == float(np.median(v)), exact_median(v[:-1]) == float(np.median(v[:-1]))
    (True, True)
    """
    n = values.size
    if n < 16 * _SAMPLE:
        return float(np.median(values))
    sample = np.sort(values[:: n // _SAMPLE])
    middle, margin = sample.size // 2, 6 * math.isqrt(sample.size) // 2
    lo = sample[max(0, middle - margin)]
    hi = sample[min(sample.size - 1, middle + margin)]
    ranks = sorted({(n - 1) // 2, n // 2})
    below = int(np.count_nonzero(values < lo))
    inside = values[(values >= lo) & (values <= hi)]
    if below <= ranks[0] and ranks[-1] < below + inside.size:
        kth = [r - below for r in ranks]
        picked = np.partition(inside, kth)[kth]
        return float(np.mean(picked))  # as np.median: the mean of the middle one or two
    return float(np.median(values))


# --------------------------------------------------------------------------- every candidate


@dataclass(frozen=True)
class Scored:
    """The raw component values of every candidate (NaN = not measured).

    ``values`` and ``dims`` (the audience dimensions that count) are aligned
    with the candidate rows; ``similarities`` covers every row of the index
    (topics, then excluded topics); ``fake_median`` is the stand-in
    inauthentic share for creators not audited.
    """

    rows: IntArray
    values: dict[str, FloatArray]
    applicable: dict[str, bool]
    dims: dict[str, FloatArray]
    similarities: npt.NDArray[np.float32]
    fake_median: float
    fx: FxRates


def score_components(index: CreatorIndex, rows: IntArray, query: Query, fx: FxRates) -> Scored:
    """Raw component values of the candidates at ``rows`` (see the module docstring)."""
    n = rows.size
    everyone = n == len(index)

    def take(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if everyone else values[rows]  # a view when nothing is filtered

    values: dict[str, FloatArray] = {}
    applicable = dict.fromkeys(COMPONENTS, True)

    # audience fit
    dims: dict[str, FloatArray] = {}
    if query.kind == "like":  # distances over whole distributions: kept whole-matrix
        dims = _like_dims(take(index.age), take(index.gender), take(index.country), query)
        dims = {k: v for k, v in dims.items() if not np.isnan(v).all()}
    else:
        if query.age_target:
            cols = [AGE_BANDS.index(b) for b in query.age_target]
            dims["age"] = _shares(take(index.age), cols, normalise=True)
        if query.gender_target:
            cols = [GENDERS.index(g) for g in query.gender_target]
            dims["gender"] = _shares(take(index.gender), cols, normalise=True)
        if query.country_target:
            cols = [index.countries.index(c) for c in query.country_target if c in index.countries]
            dims["country"] = _shares(take(index.country), cols, normalise=False)
    if dims:
        values["audience_fit"] = _nanmean(list(dims.values()))
    else:
        applicable["audience_fit"] = False
        values["audience_fit"] = np.full(n, np.nan)

    # topic fit, in the pass over the topic matrix
    topics = query.topic_vectors.shape[0]
    similarities, fit = _similarities_and_fit(index, query, fused=topics < _PAIRWISE)
    if fit is None:  # as many topics as NumPy sums pairwise: the whole-matrix mean
        sims = take(similarities)[:, :topics].astype(np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no topics: the mean of nothing
            fit = np.where(
                np.any(sims != 0.0, axis=1), _scale(sims, *TOPIC_SCALE).mean(axis=1), np.nan
            )
        values["topic_fit"] = fit
    else:
        values["topic_fit"] = take(fit)

    # authentic reach
    followers = take(index.followers)
    fake = take(index.fake_share)
    audited = np.isfinite(fake)
    fake_median = exact_median(fake[audited]) if audited.any() else 0.0
    # followers × (1 − share used), in place (IEEE products and sums commute)
    authentic = np.subtract(1.0, np.where(audited, fake, fake_median))
    authentic *= followers
    reach_part = _scale(_log10(authentic), *REACH_SCALE)
    del authentic
    quality = take(index.quality) / 100.0
    has_quality = np.isfinite(quality)
    if has_quality.any():
        quality_used = np.where(has_quality, quality, exact_median(quality[has_quality]))
        del quality
        reach_part *= 1 - QUALITY_SHARE
        quality_used *= QUALITY_SHARE
        reach_part += quality_used
        del quality_used
    values["authentic_reach"] = reach_part

    # predicted performance and cost
    values["performance"], values["cost"], _ = _performance_and_cost(
        index, take, query, fx, with_value=False
    )
    if query.currency is None:
        applicable["cost"] = False
    return Scored(rows, values, applicable, dims, similarities, fake_median, fx)


def _like_dims(
    age: npt.NDArray[Any], gender: npt.NDArray[Any], country: npt.NDArray[Any], query: Query
) -> dict[str, FloatArray]:
    ref_country = query.reference_country
    return {
        "age": _tvd_similarity(_shown_only(age), query.reference_age, normalise=True),
        "gender": _tvd_similarity(_shown_only(gender), query.reference_gender, normalise=True),
        "country": _tvd_similarity(
            _shown_only(country),
            None if ref_country is None or not np.isfinite(ref_country).all() else ref_country,
            normalise=False,
        ),
    }


def _shares(matrix: FloatArray, columns: Sequence[int], *, normalise: bool) -> FloatArray:
    """``_share_in(_shown_only(matrix), columns, normalise=…)``, column by column.

    NumPy sums fewer than :data:`_PAIRWISE` numbers of a row from 0 in column
    order, so adding the float32 columns into float64 sums in that order gives
    the same sums. Rows whose sum meets a NaN (hidden buckets, or an
    unreported audience) are summed again the whole-matrix way, with hidden
    buckets as 0; they are few. Longer sums (pairwise in NumPy) and no
    chosen column take the whole-matrix form throughout.
    """
    n, width = matrix.shape
    if not columns or len(columns) >= _PAIRWISE or (normalise and width >= _PAIRWISE):
        return _share_in(_shown_only(matrix), columns, normalise=normalise)
    out = np.empty(n)
    every = range(width)
    for start in range(0, n, _BLOCK):
        block = matrix[start : start + _BLOCK]
        by_column = np.ascontiguousarray(block.T)  # one contiguous row per column
        chosen = _row_sums(by_column, columns)
        total = _row_sums(by_column, every) if normalise else chosen
        gaps = np.flatnonzero(np.isnan(total))
        if gaps.size:  # hidden buckets count as 0; an unreported row stays all-NaN
            shown = np.ascontiguousarray(_shown_only(block[gaps]).T)
            chosen[gaps] = _row_sums(shown, columns)
            if normalise:
                total[gaps] = _row_sums(shown, every)
        if normalise:
            with np.errstate(divide="ignore", invalid="ignore"):
                out[start : start + _BLOCK] = np.where(total > 0, chosen / total, np.nan)
        else:
            out[start : start + _BLOCK] = chosen
    return out


def _row_sums(by_column: npt.NDArray[Any], columns: Sequence[int] | range) -> FloatArray:
    """Sums over ``columns`` (rows of ``by_column``) in float64, from 0 in the order given."""
    total = np.zeros(by_column.shape[1])
    for j in columns:
        total += by_column[j]
    return total


def _nanmean(dims: list[FloatArray]) -> FloatArray:
    """``np.nanmean(np.vstack(dims), axis=0)``: sums in order from 0, divided by the count."""
    total = np.zeros(dims[0].size)
    count = np.zeros(dims[0].size, dtype=np.intp)
    for values in dims:
        missing = np.isnan(values)
        total += np.where(missing, 0.0, values)
        count += ~missing
    with np.errstate(divide="ignore", invalid="ignore"):
        mean: FloatArray = total / count
    return mean


def _similarities_and_fit(
    index: CreatorIndex, query: Query, *, fused: bool
) -> tuple[npt.NDArray[np.float32], FloatArray | None]:
    """Every row's cosine similarity with the topics then the excluded topics, and
    (``fused``) its topic fit (NaN without text), in one pass over the topic matrix.

    Blocks of contiguous rows: gathering rows first would copy the (memory-mapped)
    matrix.
    """
    vectors = query.topic_vectors
    if query.exclusion_vectors is not None and query.exclusion_vectors.size:
        vectors = np.vstack([vectors, query.exclusion_vectors])
    n, topics = len(index), query.topic_vectors.shape[0]
    similarities = np.empty((n, vectors.shape[0]), dtype=np.float32)
    fit = np.empty(n) if fused else None
    queries = np.ascontiguousarray(vectors.T, dtype=np.float32)
    lo, hi = TOPIC_SCALE
    for chunk in range(0, n, _CHUNK):
        stop = min(chunk + _CHUNK, n)
        similarities[chunk:stop] = np.asarray(index.topics[chunk:stop], dtype=np.float32) @ queries
        if fit is None:
            continue
        for start in range(chunk, stop, _BLOCK):
            end = min(start + _BLOCK, stop)
            # one row per topic, contiguous: the column-wise work reads memory in order
            sims = np.ascontiguousarray(similarities[start:end, :topics].T, dtype=np.float64)
            scaled = _scale(sims, lo, hi)
            text = sims != 0.0
            has_text = np.zeros(end - start, dtype=bool)
            total = np.zeros(end - start)
            for j in range(topics):
                has_text |= text[j]
                total += scaled[j]
            with np.errstate(divide="ignore", invalid="ignore"):
                fit[start:end] = np.where(has_text, total / topics, np.nan)
    return similarities, fit


def _performance_and_cost(
    index: CreatorIndex,
    take: Callable[[Any], Any],
    query: Query,
    fx: FxRates,
    *,
    with_value: bool = True,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Predicted performance, the cost component (fees converted to the budget's
    currency) and (``with_value``) the cost per engagement or per 1,000 reach behind it.

    Products and quotients are taken in place where an operand is no longer
    needed (IEEE products commute, so the values are those of the plain form).
    """
    awareness = query.objective is Objective.awareness
    perf = take(index.reach if awareness else index.engagements)
    performance = _scale(_log10(perf), *(VIEWS_SCALE if awareness else ENGAGEMENTS_SCALE))
    codes, currencies = index.codes("rate_currency")
    rate = np.append(fx.factors(currencies, query.currency), np.nan)[take(codes)]
    rate *= take(index.rate)  # the declared fee in the budget's currency
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_value = np.divide(rate, perf / 1000.0 if awareness else perf, out=rate)
        cost = _scale(_log10(cost_value), *(CPM_SCALE if awareness else CPE_SCALE))
        np.subtract(1.0, cost, out=cost)
    finite = np.isfinite(cost_value)
    cost[~finite] = np.nan
    if not with_value:
        return performance, cost, None
    cost_value[~finite] = np.nan
    return performance, cost, cost_value


# --------------------------------------------------------------------------- shown rows


def explain_parts(index: CreatorIndex, rows: IntArray, scored: Scored, query: Query) -> _Parts:
    """Everything the explanations read, for the shown ``rows`` only (position i = rows[i]).

    Component values and audience dimensions are the candidates' own
    (``scored``); the numbers behind them are computed for these rows.
    """
    at = np.searchsorted(scored.rows, rows)
    topics = query.topic_vectors.shape[0]
    sims = scored.similarities[rows][:, :topics].astype(np.float64)
    has_text = np.any(sims != 0.0, axis=1)
    topic_best = np.argmax(sims, axis=1) if topics else np.zeros(rows.size, dtype=np.intp)
    topic_cosine = np.where(has_text, sims.max(axis=1) if topics else np.nan, np.nan)
    followers = index.followers[rows]
    fake = index.fake_share[rows]
    fake_used = np.where(np.isfinite(fake), fake, scored.fake_median)
    awareness = query.objective is Objective.awareness

    def take(column: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return column[rows]

    _, _, cost_value = _performance_and_cost(index, take, query, scored.fx)
    assert cost_value is not None
    return _Parts(
        values={name: v[at] for name, v in scored.values.items()},
        topic_best=topic_best.astype(np.intp),
        topic_cosine=topic_cosine,
        dims={name: v[at] for name, v in scored.dims.items()},
        authentic=followers * (1.0 - fake_used),
        fake_used=fake_used,
        perf_metric="reach" if awareness else "engagements",
        perf=take(index.reach if awareness else index.engagements),
        cost_metric="CPM" if awareness else "CPE",
        cost_value=cost_value,
        applicable=dict(scored.applicable),
        fx=scored.fx,
    )
