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
- what depends on the index alone is computed on the first ranking of a
  loaded index and kept with it (:meth:`CreatorIndex.derived`, read-only):
  the performance component of each objective, the cost component for the
  exchange rates in use, the audience row totals and the rows with hidden
  buckets, and, when every row is a candidate, the audit medians, the
  authentic reach component and the medians of these components (one float64
  column is 8 MB per million rows; about 40 MB for one objective at 1M rows);
- the audience dimensions are added into the audience fit as they come and
  kept only for the accounts the topic gate lets through (the shortlist is
  among them), so at most one full-length dimension is alive at a time;
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
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from trustreach.discovery._brief import Objective
from trustreach.discovery._fx import FxRates
from trustreach.discovery._index import CreatorIndex
from trustreach.discovery._ranking import COMPONENTS, FloatArray, IntArray, Query, _Parts
from trustreach.discovery._relevance import TopicGate, topic_gate
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
Float32Array = npt.NDArray[np.float32]
_Array = TypeVar("_Array", bound=npt.NDArray[Any])


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
    # One value brackets the median (a long run of it, as the zeros of topic fit): when
    # the ranks fall in the run, every middle value is that value (and no -0 is among
    # the zeros), so there is nothing to partition.
    if (
        lo == hi
        and below <= ranks[0]
        and (lo != 0 or np.count_nonzero(np.signbit(values)) == below)
        and ranks[-1] < below + int(np.count_nonzero(values == lo))
    ):
        return float(np.mean(np.full(len(ranks), lo)))
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

    ``values`` are aligned with the candidate rows; ``gate`` is the topic gate
    (None: topics do not matter) and ``on_topic`` the positions of the
    candidates it lets through, with which ``dims`` (the audience dimensions
    that count) are aligned; ``similarities`` covers every row of the index
    (topics, then excluded topics); ``fake_median`` is the stand-in
    inauthentic share for creators not audited; ``kept`` names the components
    whose values are a whole column kept with the index (see
    :func:`component_median`).
    """

    rows: IntArray
    values: dict[str, FloatArray]
    applicable: dict[str, bool]
    dims: dict[str, FloatArray]
    similarities: npt.NDArray[np.float32]
    fake_median: float
    fx: FxRates
    gate: TopicGate | None
    on_topic: IntArray
    kept: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def component_median(index: CreatorIndex, scored: Scored, name: str) -> float | None:
    """The median of component ``name`` over the candidates that have it (None: nobody).

    For a component that is a column kept with the index, so is its median.
    """
    values = scored.values[name]
    if name in scored.kept:
        slot, key = scored.kept[name]
        return index.derived(f"median:{slot}", key, lambda: _median_of_measured(values))
    return _median_of_measured(values)


def _median_of_measured(values: FloatArray) -> float | None:
    measured = np.isfinite(values)
    if not measured.any():
        return None
    return exact_median(values if measured.all() else values[measured])


def score_components(index: CreatorIndex, rows: IntArray, query: Query, fx: FxRates) -> Scored:
    """Raw component values of the candidates at ``rows`` (see the module docstring)."""
    n = rows.size
    everyone = n == len(index)

    def take(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if everyone else values[rows]  # a view when nothing is filtered

    values: dict[str, FloatArray] = {}
    applicable = dict.fromkeys(COMPONENTS, True)
    # First the components read from columns kept with the index (computed on the
    # first ranking, before the per-query arrays exist, so the two never add up).

    # authentic reach: with every row a candidate, the medians and the column depend on
    # the index alone and are kept with it
    kept: dict[str, tuple[str, bytes]] = {}  # components that are whole kept columns
    if everyone:
        fake_median, quality_median = index.derived(
            "medians:audit", b"", lambda: _audit_medians(index)
        )
        key = np.array(
            [fake_median, np.nan if quality_median is None else quality_median]
        ).tobytes()
        kept["authentic_reach"] = ("authentic_reach", key)
        values["authentic_reach"] = index.derived(
            "authentic_reach",
            key,
            lambda: _frozen(
                _authentic_reach(
                    index.followers, index.fake_share, index.quality, fake_median, quality_median
                )
            ),
        )
    else:
        fake, quality = take(index.fake_share), take(index.quality)
        fake_median, quality_median = _audit_medians_of(fake, quality)
        values["authentic_reach"] = _authentic_reach(
            take(index.followers), fake, quality, fake_median, quality_median
        )
        del fake, quality

    # predicted performance and cost: index columns (cost: for the exchange rates used)
    metric = "reach" if query.objective is Objective.awareness else "engagements"
    slot: tuple[str, bytes] = (f"performance:{metric}", b"")
    values["performance"] = take(index.derived(*slot, lambda: _frozen(_performance(index, metric))))
    if everyone:
        kept["performance"] = slot
    codes, currencies = index.codes("rate_currency")
    factors = np.append(fx.factors(currencies, query.currency), np.nan)
    slot = (f"cost:{metric}", factors.tobytes())
    values["cost"] = take(
        index.derived(*slot, lambda: _frozen(_cost(index, metric, factors[codes])))
    )
    if everyone:
        kept["cost"] = slot
    if query.currency is None:
        applicable["cost"] = False

    # topic fit, in the pass over the topic matrix, and the topic gate
    topics = query.topic_vectors.shape[0]
    similarities, fit = _similarities_and_fit(index, query, fused=topics < _PAIRWISE)
    if fit is None:  # as many topics as NumPy sums pairwise: the whole-matrix mean
        sims = take(similarities)[:, :topics].astype(np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no topics: the mean of nothing
            fit = np.where(
                np.any(sims != 0.0, axis=1), _scale(sims, *TOPIC_SCALE).mean(axis=1), np.nan
            )
        del sims
        values["topic_fit"] = fit
    else:
        values["topic_fit"] = take(fit)
    del fit
    gate = topic_gate(values["topic_fit"], query.weights["topic_fit"])
    # only accounts on topic get a score (the others are out of scope, see _relevance)
    on_topic = (
        np.arange(n, dtype=np.intp)
        if gate is None
        else np.flatnonzero(~gate.off_topic(values["topic_fit"]))
    )

    # audience fit: the mean of the dimensions, each added as it is computed and kept
    # for the accounts on topic only (the shortlist is among them)
    mean = _MeanOfMeasured(n)
    dims: dict[str, FloatArray] = {}
    if query.kind == "like":  # distances over whole distributions: kept whole-matrix
        like = _like_dims(take(index.age), take(index.gender), take(index.country), query)
        for name, dim in like.items():
            if not np.isnan(dim).all():
                mean.add(dim)
                dims[name] = dim[on_topic]
        del like
    else:
        chosen = None if everyone else rows
        targets = (
            ("age", [AGE_BANDS.index(b) for b in query.age_target], True),
            ("gender", [GENDERS.index(g) for g in query.gender_target], True),
            (
                "country",
                [index.countries.index(c) for c in query.country_target if c in index.countries],
                False,
            ),
        )
        for name, cols, normalise in targets:
            if getattr(query, f"{name}_target"):
                dim = _shares(index, name, chosen, cols, normalise=normalise)
                mean.add(dim)
                dims[name] = dim[on_topic]
                del dim
    if dims:
        values["audience_fit"] = mean.result()
    else:
        applicable["audience_fit"] = False
        values["audience_fit"] = np.full(n, np.nan)
    del mean
    values = {name: values[name] for name in COMPONENTS}
    return Scored(
        rows, values, applicable, dims, similarities, fake_median, fx, gate, on_topic, kept
    )


class _MeanOfMeasured:
    """``np.nanmean(np.vstack(dims), axis=0)`` over dimensions added one at a time:
    the measured values summed in order from 0, divided by their count."""

    def __init__(self, n: int) -> None:
        self.total = np.zeros(n)
        self.count = np.zeros(n, dtype=np.uint8)

    def add(self, values: FloatArray) -> None:
        measured = ~np.isnan(values)
        np.add(self.total, values, out=self.total, where=measured)  # + 0 where NaN
        self.count += measured

    def result(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            mean: FloatArray = self.total / self.count
        return mean


def _frozen(values: _Array) -> _Array:
    """``values`` made read-only (a column kept with the index is shared by every ranking)."""
    values.flags.writeable = False
    return values


def _audit_medians(index: CreatorIndex) -> tuple[float, float | None]:
    return _audit_medians_of(index.fake_share, index.quality)


def _audit_medians_of(fake: FloatArray, quality: FloatArray) -> tuple[float, float | None]:
    """The candidates' median inauthentic share (0 when nobody was audited) and median
    Audience Quality / 100 (None when nobody has one): the stand-ins for creators not audited."""
    audited = np.isfinite(fake)
    fake_median = exact_median(fake[audited]) if audited.any() else 0.0
    quality = quality / 100.0
    has_quality = np.isfinite(quality)
    quality_median = exact_median(quality[has_quality]) if has_quality.any() else None
    return fake_median, quality_median


def _authentic_reach(
    followers: FloatArray,
    fake: FloatArray,
    quality: FloatArray,
    fake_median: float,
    quality_median: float | None,
) -> FloatArray:
    """The authentic reach component of these rows, missing audits at the medians."""
    # followers × (1 − share used), in place (IEEE products and sums commute)
    authentic = np.subtract(1.0, np.where(np.isfinite(fake), fake, fake_median))
    authentic *= followers
    reach_part = _scale(_log10(authentic), *REACH_SCALE)
    del authentic
    if quality_median is not None:
        quality = quality / 100.0
        quality_used = np.where(np.isfinite(quality), quality, quality_median)
        del quality
        reach_part *= 1 - QUALITY_SHARE
        quality_used *= QUALITY_SHARE
        reach_part += quality_used
        del quality_used
    return reach_part


def _performance(index: CreatorIndex, metric: str) -> FloatArray:
    """The performance component of every row: ``metric`` (reach or engagements) on its scale."""
    scale = VIEWS_SCALE if metric == "reach" else ENGAGEMENTS_SCALE
    return _scale(_log10(getattr(index, metric)), *scale)


def _cost(index: CreatorIndex, metric: str, factor: FloatArray) -> FloatArray:
    """The cost component of every row: fee × ``factor`` (into the budget's currency) per
    engagement or per 1,000 reach, on its reversed scale (NaN where not measured)."""
    rate = factor * index.rate
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "reach":
            cost_value = np.divide(rate, index.reach / 1000.0, out=rate)
            cost = _scale(_log10(cost_value), *CPM_SCALE)
        else:
            cost_value = np.divide(rate, index.engagements, out=rate)
            cost = _scale(_log10(cost_value), *CPE_SCALE)
        np.subtract(1.0, cost, out=cost)
    cost[~np.isfinite(cost_value)] = np.nan
    return cost


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


def _shares(
    index: CreatorIndex,
    name: str,
    rows: IntArray | None,
    columns: Sequence[int],
    *,
    normalise: bool,
) -> FloatArray:
    """``_share_in(_shown_only(matrix), columns, normalise=…)`` of the index's audience
    matrix ``name`` at ``rows`` (None: every row), column by column.

    NumPy sums fewer than :data:`_PAIRWISE` numbers of a row from 0 in column
    order, so adding the float32 columns into float64 sums in that order gives
    the same sums. Rows whose sum meets a NaN (hidden buckets, or an
    unreported audience) are summed again the whole-matrix way, with hidden
    buckets as 0; they are few. The row totals that normalise the shares
    depend on the index alone and are kept with it. Longer sums (pairwise in
    NumPy) and no chosen column take the whole-matrix form throughout.
    """
    whole: Float32Array = getattr(index, name)
    width = whole.shape[1]
    if not columns or len(columns) >= _PAIRWISE or (normalise and width >= _PAIRWISE):
        matrix = whole if rows is None else whole[rows]
        return _share_in(_shown_only(matrix), columns, normalise=normalise)
    partial = index.derived(f"partial:{name}", b"", lambda: _frozen(_partial_rows(whole)))
    chosen = _column_sums(whole, rows, columns, partial)
    if not normalise:
        return chosen
    every = range(width)
    total = index.derived(
        f"total:{name}", b"", lambda: _frozen(_column_sums(whole, None, every, partial))
    )
    if rows is not None:
        total = total[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        chosen /= total
    share: FloatArray = np.where(total > 0, chosen, np.nan)
    return share


def _partial_rows(matrix: Float32Array) -> IntArray:
    """Rows with hidden buckets: NaN beside numbers (a row of NaN is an unreported audience)."""
    missing = np.isnan(matrix)
    return np.flatnonzero(missing.any(axis=1) & ~missing.all(axis=1)).astype(np.intp)


def _column_sums(
    matrix: Float32Array,
    rows: IntArray | None,
    columns: Sequence[int] | range,
    partial: IntArray,
) -> FloatArray:
    """The float64 sums of ``columns`` of ``matrix`` at ``rows`` (None: every row), from 0 in
    the order given, hidden buckets as 0; NaN for an unreported row (all NaN).

    The columns are added straight (NaN where a row has a hidden bucket among
    them), then the ``partial`` rows (those with hidden buckets) summed again
    with them as 0. Adding 0 last gives the sum from 0: it only turns a -0 into
    0, which a sum from 0 gives where the straight one gives -0.
    """

    def column(j: int) -> npt.NDArray[np.float32]:
        return matrix[:, j] if rows is None else matrix[rows, j]

    first, *others = list(columns)
    if others:
        total = np.add(column(first), column(others[0]), dtype=np.float64)
        for j in others[1:]:
            total += column(j)
        total += 0.0
    else:
        total = np.add(column(first), 0.0, dtype=np.float64)
    if rows is None:
        at = partial
    else:
        at = np.searchsorted(rows, partial)
        inside = at < rows.size
        at = at[inside][rows[at[inside]] == partial[inside]]
    if at.size:  # hidden buckets count as 0
        where = at if rows is None else rows[at]
        total[at] = _row_sums(np.ascontiguousarray(_shown_only(matrix[where]).T), columns)
    return total


def _row_sums(by_column: npt.NDArray[Any], columns: Sequence[int] | range) -> FloatArray:
    """Sums over ``columns`` (rows of ``by_column``) in float64, from 0 in the order given."""
    total = np.zeros(by_column.shape[1])
    for j in columns:
        total += by_column[j]
    return total


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
    at_on_topic = np.searchsorted(scored.rows[scored.on_topic], rows)
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
        dims={name: v[at_on_topic] for name, v in scored.dims.items()},
        authentic=followers * (1.0 - fake_used),
        fake_used=fake_used,
        perf_metric="reach" if awareness else "engagements",
        perf=take(index.reach if awareness else index.engagements),
        cost_metric="CPM" if awareness else "CPE",
        cost_value=cost_value,
        applicable=dict(scored.applicable),
        fx=scored.fx,
    )
