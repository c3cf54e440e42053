"""FA*IR: fair top-k ranking with a minimum share of a protected group.

Zehlike, Bonchi, Castillo, Hajian, Megahed and Baeza-Yates, "FA*IR: A Fair
Top-k Ranking Algorithm", CIKM 2017.

The *ranked group fairness* test asks, for every prefix of a ranking, whether
the number of protected candidates in it is plausible for a ranking drawn at
random with a protected proportion ``p``: a prefix of length ``i`` holding
``t`` protected candidates fails when the binomial CDF ``F(t; i, p)`` is at most
the significance ``alpha``. The smallest passing ``t`` for each ``i`` is the
table of minimum counts :math:`m(i) = F^{-1}(\\alpha; i, p)`, and the FA*IR
algorithm builds a top-k that meets it while keeping the scores as high as it
can.

Everything here is exact arithmetic on binomial probabilities (no sampling),
with no dependency beyond NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

_BISECTION_STEPS = 60


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")


def _check_open_unit(name: str, value: float) -> None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not 0.0 < number < 1.0:
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {value!r}")


def _binomial_cdf_rows(k: int, p: float, alpha: float) -> list[NDArray[np.float64]]:
    """CDF of Binomial(i, p) for i = 1..k, each row cut just past its alpha-quantile.

    Row ``i`` holds ``F(0; i, p) .. F(m; i, p)`` where ``m`` is the minimum count
    for ``alpha``; that is every value needed to find the minimum count for any
    significance at or below ``alpha``. The probability mass functions are built
    by the recurrence ``P_i(t) = (1 - p) P_{i-1}(t) + p P_{i-1}(t - 1)``: sums of
    non-negative terms, so no cancellation, and exact for dyadic ``p`` (0.5,
    0.25, ...) while the numbers fit in a double.
    """
    q = 1.0 - p
    pmf = np.ones(1, dtype=np.float64)
    rows: list[NDArray[np.float64]] = []
    for i in range(1, k + 1):
        nxt = np.zeros(i + 1, dtype=np.float64)
        nxt[:-1] = q * pmf
        nxt[1:] += p * pmf
        pmf = nxt
        cdf = np.cumsum(pmf)
        m = min(int(np.searchsorted(cdf, alpha, side="right")), i)
        rows.append(cdf[: m + 1].copy())
    return rows


def _table(rows: Sequence[NDArray[np.float64]], alpha: float) -> list[int]:
    # Smallest m with F(m; i, p) > alpha: the first CDF entry strictly above alpha.
    return [min(int(np.searchsorted(row, alpha, side="right")), i) for i, row in enumerate(rows, 1)]


def ranking_failure_probability(minimum_counts: Sequence[int], p: float) -> float:
    """Probability that a ranking drawn at random with protected share ``p`` fails the table.

    A random ranking puts a protected candidate at each position independently
    with probability ``p``; it fails when some prefix of length ``i`` holds fewer
    than ``minimum_counts[i - 1]`` protected candidates. The probability is
    computed exactly by dynamic programming over prefixes: the distribution of
    the protected count among rankings that have passed every test so far, with
    the mass that falls below ``m(i)`` moved to "failed" at each step.

    Parameters
    ----------
    minimum_counts : sequence of int
        ``m(1), ..., m(k)``, each between 0 and its prefix length.
    p : float
        Protected proportion of the random ranking, strictly between 0 and 1.

    Returns
    -------
    float
        The family-wise failure probability, between 0 and 1.

    Examples
    --------
    >>> ranking_failure_probability([1], 0.25)  # first place must be protected
    0.75
    >>> ranking_failure_probability([0, 0, 0], 0.5)
    0.0
    """
    _check_open_unit("p", p)
    q = 1.0 - p
    dist = np.ones(1, dtype=np.float64)
    failed = 0.0
    for i, m in enumerate(minimum_counts, start=1):
        if not 0 <= m <= i:
            raise ValueError(
                f"minimum_counts[{i - 1}] must be between 0 and {i} (the prefix length), got {m}"
            )
        nxt = np.zeros(i + 1, dtype=np.float64)
        nxt[:-1] = q * dist
        nxt[1:] += p * dist
        if m > 0:
            failed += float(nxt[:m].sum())
            nxt[:m] = 0.0
        dist = nxt
    return min(failed, 1.0)


def adjusted_significance(k: int, p: float, alpha: float) -> float:
    """The per-prefix significance that keeps the whole top-k test at ``alpha``.

    Testing every prefix of a top-k at level ``alpha`` rejects more than a
    fraction ``alpha`` of rankings that were in fact drawn at random with
    protected share ``p`` (the multiple-testing problem). Following FA*IR's
    ``adjustSignificance``, this searches (by bisection) for the largest
    :math:`\\alpha_c \\le \\alpha` whose table of minimum counts fails such
    rankings with probability at most ``alpha``; the failure probability of each
    candidate table is computed exactly with :func:`ranking_failure_probability`.

    The table is a step function of :math:`\\alpha_c`, so the failure probability
    is usually a little under ``alpha`` rather than equal to it; any value in the
    last step gives the same table.

    Parameters
    ----------
    k : int
        Length of the ranking, at least 1.
    p : float
        Target protected proportion, strictly between 0 and 1.
    alpha : float
        Family-wise significance, strictly between 0 and 1.

    Returns
    -------
    float
        :math:`\\alpha_c`, with ``0 < alpha_c <= alpha``.

    Examples
    --------
    >>> a_c = adjusted_significance(20, 0.25, 0.1)
    >>> a_c < 0.1
    True
    >>> ranking_failure_probability(fair_minimum_counts(20, 0.25, a_c), 0.25) <= 0.1
    True
    """
    _check_k(k)
    _check_open_unit("p", p)
    _check_open_unit("alpha", alpha)
    k, p, alpha = int(k), float(p), float(alpha)
    rows = _binomial_cdf_rows(k, p, alpha)
    if ranking_failure_probability(_table(rows, alpha), p) <= alpha:
        return alpha
    low, high = 0.0, alpha  # failure(low) <= alpha < failure(high)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (low + high)
        if ranking_failure_probability(_table(rows, mid), p) <= alpha:
            low = mid
        else:
            high = mid
    return low if low > 0.0 else math.ulp(0.0)


def fair_minimum_counts(k: int, p: float, alpha: float, *, adjust: bool = False) -> list[int]:
    """Minimum number of protected candidates in each prefix of a fair top-k.

    ``m(i)`` is the smallest count ``t`` for which the binomial CDF
    ``F(t; i, p)`` exceeds ``alpha``: a prefix of length ``i`` with fewer
    protected candidates than that would be implausible (at significance
    ``alpha``) for a ranking in which each position is protected with
    probability ``p``.

    Parameters
    ----------
    k : int
        Length of the ranking, at least 1.
    p : float
        Target minimum proportion of protected candidates, strictly between 0
        and 1.
    alpha : float
        Significance of each prefix test, strictly between 0 and 1.
    adjust : bool, default False
        When True, first replace ``alpha`` by :func:`adjusted_significance`
        (FA*IR's multiple-testing correction), so that a ranking drawn at
        random with share ``p`` fails *any* prefix test with probability at
        most ``alpha``. The adjusted table is never above the unadjusted one.

    Returns
    -------
    list of int
        ``[m(1), ..., m(k)]``; non-decreasing, rising by at most one per step.

    Raises
    ------
    ValueError
        If ``k < 1`` or ``p`` or ``alpha`` is outside the open interval (0, 1).

    Examples
    --------
    The table from the FA*IR paper (k = 20, p = 0.25, alpha = 0.1):

    >>> fair_minimum_counts(20, 0.25, 0.1)
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]
    >>> fair_minimum_counts(4, 0.5, 0.1)
    [0, 0, 0, 1]
    """
    _check_k(k)
    _check_open_unit("p", p)
    _check_open_unit("alpha", alpha)
    k, p, alpha = int(k), float(p), float(alpha)
    rows = _binomial_cdf_rows(k, p, alpha)
    if adjust:
        alpha = adjusted_significance(k, p, alpha)
    return _table(rows, alpha)


@dataclass(frozen=True, slots=True)
class FairRanking:
    """A top-k re-ranked by FA*IR, with what it cost and what could not be met.

    Positions are ranks counted from 1. Two utilities are reported, both
    comparing the re-ranked top-k with the top-k by score alone: the plain sum
    of scores, and a DCG-style sum in which the score at rank ``r`` is weighted
    by ``1 / log2(r + 1)``. Both ratios read naturally for non-negative scores.

    Attributes
    ----------
    order : tuple of int
        Indices into the input of the re-ranked top-k, best first.
    alpha : float
        Significance used for each prefix test (the adjusted one when
        ``adjust=True`` was asked for).
    minimum_counts : tuple of int
        ``m(i)`` for ranks 1..k.
    protected_counts : tuple of int
        Number of protected candidates in each prefix of ``order``.
    infeasible_positions : tuple of int
        Ranks at which ``m(i)`` could not be met because no protected candidate
        was left; empty when the table is met everywhere.
    utility_before, utility_after : float
        Sum of the scores in the top-k by score, and in the re-ranked top-k.
    utility_loss : float
        ``(utility_before - utility_after) / |utility_before|`` (0 when the
        top-k by score sums to 0).
    dcg_before, dcg_after : float
        Position-discounted sums of scores, ``sum(score_r / log2(r + 1))``.
    ndcg : float
        ``dcg_after / dcg_before``: 1 means no discounted utility was given up
        (1 when ``dcg_before`` is 0).
    moved : int
        How many candidates of the top-k by score are not in the re-ranked top-k.
    """

    order: tuple[int, ...]
    alpha: float
    minimum_counts: tuple[int, ...]
    protected_counts: tuple[int, ...]
    infeasible_positions: tuple[int, ...]
    utility_before: float
    utility_after: float
    utility_loss: float
    dcg_before: float
    dcg_after: float
    ndcg: float
    moved: int

    @property
    def k(self) -> int:
        """Length of the re-ranked top-k."""
        return len(self.order)

    @property
    def meets_minimum(self) -> bool:
        """Whether every prefix holds at least its minimum number of protected candidates."""
        return not self.infeasible_positions

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        data["k"] = self.k
        data["meets_minimum"] = self.meets_minimum
        return data


def _dcg(values: Sequence[float]) -> float:
    return math.fsum(v / math.log2(r + 1) for r, v in enumerate(values, start=1))


def fair_rerank(
    scores: Sequence[float],
    protected: Sequence[bool],
    k: int,
    p: float,
    alpha: float,
    *,
    adjust: bool = False,
) -> FairRanking:
    """Re-rank candidates so every prefix of the top-k meets FA*IR's minimum counts.

    The FA*IR greedy algorithm: candidates wait in two queues (protected and
    not), each ordered by score. At rank ``i``, if the top-``(i - 1)`` holds fewer
    protected candidates than ``m(i)``, the best protected candidate is placed;
    otherwise the best candidate of either queue is. Within each group the order
    by score is kept. Equal scores keep their input order.

    When ``m(i)`` calls for a protected candidate and none is left, the best
    remaining candidate is placed instead and rank ``i`` is recorded in
    ``infeasible_positions``: the shortfall is reported, never hidden.

    Parameters
    ----------
    scores : sequence of float
        One finite score per candidate; higher is better.
    protected : sequence of bool
        Whether each candidate belongs to the protected group, aligned with
        ``scores``.
    k : int
        Length of the top-k, between 1 and ``len(scores)``.
    p : float
        Target minimum proportion of protected candidates, strictly between 0
        and 1.
    alpha : float
        Significance of each prefix test, strictly between 0 and 1.
    adjust : bool, default False
        Use FA*IR's multiple-testing adjustment of ``alpha``
        (:func:`adjusted_significance`).

    Returns
    -------
    FairRanking

    Raises
    ------
    ValueError
        On mismatched lengths, a non-finite score, ``k`` outside
        ``1..len(scores)``, or ``p``/``alpha`` outside (0, 1).

    Examples
    --------
    >>> r = fair_rerank([9, 8, 7, 6, 5, 4], [False, False, False, False, True, True], 4, 0.5, 0.1)
    >>> r.order, r.minimum_counts, r.protected_counts
    ((0, 1, 2, 4), (0, 0, 0, 1), (0, 0, 0, 1))
    >>> r.utility_before, r.utility_after, r.moved
    (30.0, 29.0, 1)
    """
    n = len(scores)
    if len(protected) != n:
        raise ValueError(
            f"scores and protected must have the same length, got {n} and {len(protected)}"
        )
    _check_k(k)
    if k > n:
        raise ValueError(f"k must be between 1 and len(scores) = {n}, got {k}")
    values = [float(s) for s in scores]
    for index, value in enumerate(values):
        if not math.isfinite(value):
            raise ValueError(f"scores must be finite numbers; scores[{index}] is {value!r}")
    flags = [bool(f) for f in protected]
    _check_open_unit("p", p)
    _check_open_unit("alpha", alpha)
    used_alpha = adjusted_significance(k, p, alpha) if adjust else float(alpha)
    minimum = fair_minimum_counts(k, p, used_alpha)

    # Sorting by (-score, index) gives descending scores with ties in input order.
    by_score = sorted(range(n), key=lambda j: (-values[j], j))
    queue_protected = [j for j in by_score if flags[j]]
    queue_other = [j for j in by_score if not flags[j]]
    next_protected = next_other = 0

    order: list[int] = []
    protected_counts: list[int] = []
    infeasible: list[int] = []
    count = 0
    for rank in range(1, k + 1):
        has_protected = next_protected < len(queue_protected)
        has_other = next_other < len(queue_other)
        if count < minimum[rank - 1] and not has_protected:
            infeasible.append(rank)
        if has_protected and (
            count < minimum[rank - 1]
            or not has_other
            or (-values[queue_protected[next_protected]], queue_protected[next_protected])
            < (-values[queue_other[next_other]], queue_other[next_other])
        ):
            chosen = queue_protected[next_protected]
            next_protected += 1
            count += 1
        else:
            chosen = queue_other[next_other]
            next_other += 1
        order.append(chosen)
        protected_counts.append(count)

    top_by_score = by_score[:k]
    utility_before = math.fsum(values[j] for j in top_by_score)
    utility_after = math.fsum(values[j] for j in order)
    dcg_before = _dcg([values[j] for j in top_by_score])
    dcg_after = _dcg([values[j] for j in order])
    utility_loss = (
        (utility_before - utility_after) / abs(utility_before) if utility_before != 0 else 0.0
    )
    ndcg = dcg_after / dcg_before if dcg_before != 0 else 1.0
    kept = set(order)
    return FairRanking(
        order=tuple(order),
        alpha=used_alpha,
        minimum_counts=tuple(minimum),
        protected_counts=tuple(protected_counts),
        infeasible_positions=tuple(infeasible),
        utility_before=utility_before,
        utility_after=utility_after,
        utility_loss=utility_loss,
        dcg_before=dcg_before,
        dcg_after=dcg_after,
        ndcg=ndcg,
        moved=sum(1 for j in top_by_score if j not in kept),
    )
