"""Ranking fairness: FA*IR tables and re-ranking, exposure and impact audits."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustreach.ethics.fairness import (
    UNDECLARED,
    ExposureAudit,
    adjusted_significance,
    attention,
    exposure_audit,
    fair_minimum_counts,
    fair_rerank,
    ranking_failure_probability,
)

PAPER_TABLE = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]


def _binomial_cdf(m: int, n: int, p: float) -> float:
    return math.fsum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(m + 1))


def _reference_table(k: int, p: float, alpha: float) -> list[int]:
    return [
        next(m for m in range(i + 1) if _binomial_cdf(m, i, p) > alpha) for i in range(1, k + 1)
    ]


# --- minimum counts ------------------------------------------------------------------------


def test_paper_table_k20_p025_alpha01() -> None:
    assert fair_minimum_counts(20, 0.25, 0.1) == PAPER_TABLE


def test_hand_checked_p05_tables() -> None:
    # F(0; i, 0.5) = 1/2^i: 0.5, 0.25, 0.125, 0.0625 ; F(1; 4) = 5/16, F(1; 5) = 6/32,
    # F(1; 6) = 7/64 > 0.1 but F(0; 6) = 1/64 <= 0.1, F(1; 7) = 8/128 <= 0.1, F(2; 7) = 29/128.
    assert fair_minimum_counts(7, 0.5, 0.1) == [0, 0, 0, 1, 1, 1, 2]
    # alpha = 0.3: F(0;1)=.5 > .3 ; F(0;2)=.25 <= .3, F(1;2)=.75 ; F(0;3)=.125, F(1;3)=.5 ;
    # F(1;4)=5/16=.3125 > .3 ; F(1;5)=6/32 <= .3, F(2;5)=16/32.
    assert fair_minimum_counts(5, 0.5, 0.3) == [0, 1, 1, 1, 2]
    # The test is strict: F(0; 1, 0.5) = 0.5 is not above alpha = 0.5, so one is needed.
    assert fair_minimum_counts(2, 0.5, 0.5) == [1, 1]


@pytest.mark.parametrize(("k", "p", "alpha"), [(30, 0.3, 0.05), (40, 0.5, 0.1), (25, 0.1, 0.2)])
def test_table_matches_closed_form_binomial(k: int, p: float, alpha: float) -> None:
    assert fair_minimum_counts(k, p, alpha) == _reference_table(k, p, alpha)


def test_table_is_non_decreasing_by_at_most_one() -> None:
    table = fair_minimum_counts(300, 0.4, 0.1)
    assert table[0] in (0, 1)
    assert all(b - a in (0, 1) for a, b in itertools.pairwise(table))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 0, "p": 0.5, "alpha": 0.1}, r"k must be an integer >= 1, got 0"),
        ({"k": 2.5, "p": 0.5, "alpha": 0.1}, r"k must be an integer >= 1"),
        ({"k": 5, "p": 0.0, "alpha": 0.1}, r"p must be a number strictly between 0 and 1, got 0.0"),
        ({"k": 5, "p": 1.0, "alpha": 0.1}, r"p must be .* between 0 and 1"),
        ({"k": 5, "p": math.nan, "alpha": 0.1}, r"p must be .* between 0 and 1"),
        ({"k": 5, "p": 0.5, "alpha": 0.0}, r"alpha must be a number strictly between 0 and 1"),
        ({"k": 5, "p": 0.5, "alpha": 1.5}, r"alpha must be .* between 0 and 1, got 1.5"),
    ],
)
def test_minimum_counts_validation(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fair_minimum_counts(**kwargs)  # type: ignore[arg-type]


# --- multiple-testing adjustment --------------------------------------------------------------


def _brute_force_failure(table: list[int], p: float) -> float:
    total = 0.0
    for pattern in itertools.product((0, 1), repeat=len(table)):
        counts = list(itertools.accumulate(pattern))
        if any(c < m for c, m in zip(counts, table, strict=True)):
            t = sum(pattern)
            total += p**t * (1 - p) ** (len(table) - t)
    return total


@pytest.mark.parametrize(("k", "p", "alpha"), [(10, 0.5, 0.1), (12, 0.3, 0.2), (9, 0.25, 0.1)])
def test_failure_probability_matches_enumeration(k: int, p: float, alpha: float) -> None:
    table = fair_minimum_counts(k, p, alpha)
    assert ranking_failure_probability(table, p) == pytest.approx(
        _brute_force_failure(table, p), abs=1e-12
    )


def test_failure_probability_validates_table() -> None:
    with pytest.raises(ValueError, match=r"minimum_counts\[1\] must be between 0 and 2"):
        ranking_failure_probability([0, 3], 0.5)


@pytest.mark.parametrize(
    ("k", "p", "alpha"), [(20, 0.25, 0.1), (100, 0.5, 0.1), (50, 0.3, 0.05), (12, 0.3, 0.2)]
)
def test_adjusted_alpha_keeps_family_wise_failure_at_alpha(k: int, p: float, alpha: float) -> None:
    alpha_c = adjusted_significance(k, p, alpha)
    assert 0 < alpha_c <= alpha
    plain = fair_minimum_counts(k, p, alpha)
    adjusted = fair_minimum_counts(k, p, alpha, adjust=True)
    assert adjusted == fair_minimum_counts(k, p, alpha_c)
    assert all(a <= b for a, b in zip(adjusted, plain, strict=True))
    assert ranking_failure_probability(adjusted, p) <= alpha
    # The adjustment is the largest that works: the next step up fails too often.
    assert ranking_failure_probability(fair_minimum_counts(k, p, alpha_c * 1.001), p) > alpha


def test_adjusted_alpha_on_paper_example() -> None:
    # Unadjusted, the k=20 table rejects about 15% of fair rankings, not 10%.
    assert ranking_failure_probability(PAPER_TABLE, 0.25) == pytest.approx(0.1469, abs=1e-4)
    # The adjusted table sits just below the step at F(0; 9, 0.25) = 0.75**9.
    alpha_c = adjusted_significance(20, 0.25, 0.1)
    assert alpha_c == pytest.approx(0.75**9, rel=1e-9)
    assert alpha_c < 0.75**9
    assert fair_minimum_counts(20, 0.25, 0.1, adjust=True) == [0] * 9 + [1] * 6 + [2] * 5


def test_no_adjustment_needed_when_nothing_can_fail() -> None:
    assert adjusted_significance(3, 0.5, 0.1) == 0.1  # table is all zeros


# --- fair_rerank ------------------------------------------------------------------------------


def test_rerank_lifts_protected_into_every_prefix() -> None:
    scores = [float(s) for s in range(20, 0, -1)]  # 20 .. 1, best first
    protected = [False] * 14 + [True] * 6  # every protected candidate scores lowest
    result = fair_rerank(scores, protected, 20, 0.25, 0.1)
    assert result.minimum_counts == tuple(PAPER_TABLE)
    assert all(c >= m for c, m in zip(result.protected_counts, result.minimum_counts, strict=True))
    assert result.meets_minimum and result.infeasible_positions == ()
    assert result.protected_counts[8] == 1  # rank 9 is the first that needs one
    assert protected[result.order[8]]
    for flag in (True, False):
        group = [scores[j] for j in result.order if protected[j] == flag]
        assert group == sorted(group, reverse=True)
    assert result.utility_after <= result.utility_before
    assert result.dcg_after <= result.dcg_before
    assert 0 <= result.ndcg <= 1


def test_rerank_known_small_case() -> None:
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    protected = [False, False, False, False, True, True]
    result = fair_rerank(scores, protected, 4, 0.5, 0.1)
    assert result.order == (0, 1, 2, 4)
    assert result.moved == 1
    assert result.utility_before == pytest.approx(3.0)
    assert result.utility_after == pytest.approx(2.9)
    assert result.utility_loss == pytest.approx(0.1 / 3.0)
    dcg = 0.9 + 0.8 / math.log2(3) + 0.7 / 2
    assert result.dcg_before == pytest.approx(dcg + 0.6 / math.log2(5))
    assert result.dcg_after == pytest.approx(dcg + 0.5 / math.log2(5))
    assert json.loads(json.dumps(result.to_dict()))["order"] == [0, 1, 2, 4]


def test_rerank_keeps_score_order_when_table_already_met() -> None:
    scores = [5.0, 4.0, 3.0, 2.0, 1.0]
    protected = [True, False, True, False, True]
    result = fair_rerank(scores, protected, 5, 0.5, 0.1)
    assert result.order == (0, 1, 2, 3, 4)
    assert result.moved == 0 and result.utility_loss == 0.0 and result.ndcg == 1.0


def test_rerank_breaks_ties_by_input_order() -> None:
    result = fair_rerank([1.0, 1.0, 1.0, 1.0], [False, True, False, True], 4, 0.1, 0.1)
    assert result.order == (0, 1, 2, 3)


def test_rerank_without_protected_candidates_reports_infeasible_positions() -> None:
    scores = [float(s) for s in range(10)]
    result = fair_rerank(scores, [False] * 10, 10, 0.5, 0.1)
    table = fair_minimum_counts(10, 0.5, 0.1)
    assert result.infeasible_positions == tuple(i for i, m in enumerate(table, 1) if m > 0)
    assert result.infeasible_positions  # the table asks for some by rank 10
    assert not result.meets_minimum
    assert result.order == tuple(range(9, -1, -1))
    assert result.utility_after == result.utility_before


def test_rerank_runs_out_of_protected_midway() -> None:
    scores = [10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    protected = [False] * 9 + [True]
    result = fair_rerank(scores, protected, 10, 0.5, 0.1)
    # m = [0,0,0,1,1,1,2,2,3,3]: rank 4 takes the one protected; 7, 8, 9, 10 cannot be met.
    assert result.order[3] == 9
    assert result.infeasible_positions == (7, 8, 9, 10)


def test_rerank_with_adjustment_records_alpha() -> None:
    scores = [float(s) for s in range(20, 0, -1)]
    protected = [False] * 14 + [True] * 6
    result = fair_rerank(scores, protected, 20, 0.25, 0.1, adjust=True)
    assert result.alpha == adjusted_significance(20, 0.25, 0.1)
    assert result.minimum_counts == tuple(fair_minimum_counts(20, 0.25, 0.1, adjust=True))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([1.0, 2.0], [True], 1, 0.5, 0.1), r"same length, got 2 and 1"),
        (([1.0, 2.0], [True, False], 3, 0.5, 0.1), r"k must be between 1 and len\(scores\) = 2"),
        (([1.0, 2.0], [True, False], 0, 0.5, 0.1), r"k must be an integer >= 1"),
        (([1.0, math.nan], [True, False], 1, 0.5, 0.1), r"scores\[1\] is nan"),
        (([1.0, 2.0], [True, False], 1, 1.2, 0.1), r"p must be .* between 0 and 1"),
        (([1.0, 2.0], [True, False], 1, 0.5, -0.1), r"alpha must be .* between 0 and 1"),
    ],
)
def test_rerank_validation(args: tuple[object, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fair_rerank(*args)  # type: ignore[arg-type]


@st.composite
def _feasible_pools(draw: st.DrawFn) -> tuple[list[float], list[bool], int, float, float]:
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, n))
    p = draw(st.floats(0.05, 0.95))
    alpha = draw(st.floats(0.01, 0.5))
    scores = draw(st.lists(st.integers(0, 20).map(float), min_size=n, max_size=n))
    needed = fair_minimum_counts(k, p, alpha)[-1]
    protected = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    short = needed - sum(protected)
    for j in range(n):  # top up so the pool holds enough protected candidates
        if short <= 0:
            break
        if not protected[j]:
            protected[j] = True
            short -= 1
    return scores, protected, k, p, alpha


@settings(max_examples=150, deadline=None)
@given(_feasible_pools())
def test_rerank_property_feasible_pools(
    case: tuple[list[float], list[bool], int, float, float],
) -> None:
    scores, protected, k, p, alpha = case
    result = fair_rerank(scores, protected, k, p, alpha)
    assert len(result.order) == k
    assert len(set(result.order)) == k
    assert all(0 <= j < len(scores) for j in result.order)
    assert result.infeasible_positions == ()
    counts = list(itertools.accumulate(int(protected[j]) for j in result.order))
    assert tuple(counts) == result.protected_counts
    assert all(c >= m for c, m in zip(counts, result.minimum_counts, strict=True))
    for flag in (True, False):
        ranked = [(-scores[j], j) for j in result.order if protected[j] == flag]
        assert ranked == sorted(ranked)
    assert result.utility_after <= result.utility_before


# --- exposure audit ---------------------------------------------------------------------------


def _two_group_pool() -> tuple[list[str], dict[str, str | None]]:
    pool = [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)]
    return pool, {c: c[0].upper() for c in pool}


def test_audit_selection_rates_and_four_fifths_flag() -> None:
    pool, groups = _two_group_pool()
    ranked = ["a0", "a1", "b0", "a2", "a3", "b1"]
    audit = exposure_audit(ranked, groups, pool=pool)
    a, b = audit.group("A"), audit.group("B")
    assert (a.pool_count, a.selected_count, a.selection_rate) == (10, 4, 0.4)
    assert (b.pool_count, b.selected_count, b.selection_rate) == (10, 2, 0.2)
    assert a.impact_ratio == 1.0 and b.impact_ratio == pytest.approx(0.5)
    assert b.below_four_fifths and not a.below_four_fifths
    assert audit.min_impact_ratio == pytest.approx(0.5) and audit.min_impact_group == "B"
    assert audit.four_fifths_ok is False
    assert audit.ratio() == pytest.approx(0.5)
    assert audit.difference() == pytest.approx(0.2)
    assert audit.overall.reference_group == "A"
    assert audit.overall.selection_rate == pytest.approx(6 / 20)
    # Attention 1/log2(1 + r): B holds ranks 3 and 6.
    total = sum(attention(r) for r in range(1, 7))
    assert b.exposure == pytest.approx(attention(3) + attention(6))
    assert b.exposure_share == pytest.approx(b.exposure / total)
    assert a.exposure_share + b.exposure_share == pytest.approx(1.0)
    assert a.pool_share == b.pool_share == 0.5
    assert b.exposure_ratio == pytest.approx(b.exposure_share / 0.5)
    assert any("four-fifths" in note for note in audit.notes)


def test_audit_k_cuts_the_shortlist() -> None:
    pool, groups = _two_group_pool()
    audit = exposure_audit(["a0", "b0", "a1", "b1"], groups, pool=pool, k=2)
    assert audit.overall.k == 2
    assert audit.group("A").selected_count == audit.group("B").selected_count == 1
    assert audit.four_fifths_ok is True and audit.min_impact_ratio == 1.0


def test_audit_ll144_scoring_rates() -> None:
    pool, groups = _two_group_pool()
    # A scores 10..19, B scores 0..7 and 50, 60: the pool median is (11 + 12) / 2.
    scores = {f"a{i}": 10.0 + i for i in range(10)}
    scores |= {f"b{i}": float(i) for i in range(8)}
    scores |= {"b8": 50.0, "b9": 60.0}
    audit = exposure_audit(["b9", "b8", "a9", "a8"], groups, pool=pool, scores=scores)
    assert audit.overall.median_score == pytest.approx(11.5)
    # Above 11.5: A has a2..a9 (8 of 10), B has b8, b9 (2 of 10).
    a, b = audit.group("A"), audit.group("B")
    assert a.scoring_rate == pytest.approx(0.8) and b.scoring_rate == pytest.approx(0.2)
    assert a.scoring_impact_ratio == 1.0 and b.scoring_impact_ratio == pytest.approx(0.25)
    assert b.scoring_below_four_fifths
    assert audit.overall.scoring_reference_group == "A"
    assert audit.min_scoring_impact_ratio == pytest.approx(0.25)
    assert audit.overall.scoring_rate == pytest.approx(0.5)
    # Selection is equal (2 of 10 each), yet the scoring-rate method flags the gap.
    assert audit.min_impact_ratio == 1.0
    assert audit.four_fifths_ok is False
    assert audit.ratio("scoring_rate") == pytest.approx(0.25)
    assert any("Local Law 144" in note for note in audit.notes)


def test_audit_small_groups_flagged_and_left_out_of_summary() -> None:
    pool, groups = _two_group_pool()
    pool = [*pool, "c0", "c1"]
    groups |= {"c0": "C", "c1": "C"}
    audit = exposure_audit(["a0", "a1", "b0", "b1"], groups, pool=pool)
    c = audit.group("C")
    assert c.small_group and c.selected_count == 0 and c.impact_ratio == 0.0
    assert c.below_four_fifths  # still flagged on its own line
    assert not audit.group("A").small_group
    assert audit.min_impact_ratio == 1.0  # C's zero rate is left out of the summary
    assert audit.four_fifths_ok is True
    assert any("fewer than 5" in note and "(C)" in note for note in audit.notes)


def test_audit_undeclared_kept_separate_and_never_imputed() -> None:
    pool, groups = _two_group_pool()
    pool = [*pool, "u0", "u1", "u2", "u3", "u4", "u5"]
    groups |= {"u0": None, "u1": None}  # u2..u5 are simply missing from the mapping
    audit = exposure_audit(["u0", "u1", "u2", "a0", "b0"], groups, pool=pool)
    names = [row.group for row in audit.by_group]
    assert names == ["A", "B", UNDECLARED]
    undeclared = audit.group(UNDECLARED)
    assert not undeclared.declared and not undeclared.small_group
    assert (undeclared.pool_count, undeclared.selected_count) == (6, 3)
    assert audit.group("A").pool_count == audit.group("B").pool_count == 10
    assert audit.overall.undeclared_count == 6
    # The undeclared line is selected most often, but is neither the reference nor summarised.
    assert audit.overall.reference_group == "A"
    assert audit.min_impact_ratio == 1.0
    assert sum(row.exposure_share for row in audit.by_group) == pytest.approx(1.0)
    assert any("no group is inferred" in note for note in audit.notes)


def test_audit_not_assessable_with_one_group() -> None:
    pool = [f"a{i}" for i in range(6)]
    audit = exposure_audit(["a0"], dict.fromkeys(pool, "A"), pool=pool)
    assert audit.min_impact_ratio is None and audit.four_fifths_ok is None
    assert audit.ratio() is None and audit.difference() is None
    assert any("could not be compared" in note for note in audit.notes)


def test_audit_notes_describe_measurements_and_serialise() -> None:
    pool, groups = _two_group_pool()
    audit = exposure_audit(["a0", "a1", "b0"], groups, pool=pool, scores=dict.fromkeys(pool, 1.0))
    assert isinstance(audit, ExposureAudit)
    for note in audit.notes:
        assert "bias" not in note.lower()
    data = json.loads(json.dumps(audit.to_dict()))
    assert [row["group"] for row in data["by_group"]] == ["A", "B"]
    assert data["overall"]["pool_count"] == 20
    # Everyone ties on the median: nobody scores above it, so scoring ratios are undefined.
    assert audit.min_scoring_impact_ratio is None and audit.four_fifths_ok is None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ranked_ids": ["a0"], "pool": []}, r"pool is empty"),
        ({"ranked_ids": ["a0"], "pool": ["a0", "a0"]}, r"pool lists 'a0' more than once"),
        ({"ranked_ids": ["a0", "a0"], "pool": ["a0"]}, r"ranked_ids lists 'a0' more than once"),
        ({"ranked_ids": [], "pool": ["a0"]}, r"ranked_ids is empty"),
        ({"ranked_ids": ["zz"], "pool": ["a0"]}, r"not in pool: 'zz'"),
        ({"ranked_ids": ["a0"], "pool": ["a0"], "k": 2}, r"k must be an integer between 1 and 1"),
        ({"ranked_ids": ["a0"], "pool": ["a0"], "k": 0}, r"k must be an integer between 1 and 1"),
        (
            {"ranked_ids": ["a0"], "pool": ["a0"], "min_group_size": 0},
            r"min_group_size must be an integer >= 1",
        ),
        (
            {"ranked_ids": ["a0"], "pool": ["a0", "a1"], "scores": {"a0": 1.0}},
            r"scores must cover every candidate in pool; missing 'a1'",
        ),
        (
            {"ranked_ids": ["a0"], "pool": ["a0"], "scores": {"a0": math.inf}},
            r"scores must be finite numbers",
        ),
    ],
)
def test_audit_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        exposure_audit(groups={}, **kwargs)  # type: ignore[arg-type]


def test_audit_rejects_reserved_group_label() -> None:
    with pytest.raises(ValueError, match=r"group of 'a0' must be a non-empty string other than"):
        exposure_audit(["a0"], {"a0": UNDECLARED}, pool=["a0"])


def test_audit_unknown_group_and_metric() -> None:
    pool, groups = _two_group_pool()
    audit = exposure_audit(["a0"], groups, pool=pool)
    with pytest.raises(KeyError, match=r"no group 'Z'"):
        audit.group("Z")
    with pytest.raises(ValueError, match=r"metric must be one of"):
        audit.ratio("precision")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_array_audit_matches_the_mapping_audit(seed: int) -> None:
    import numpy as np

    from trustreach.ethics.fairness import exposure_audit_arrays

    rng = np.random.default_rng(seed)
    n, k = 300, 25
    names = ["a", "b", "c", "tiny"]
    codes = rng.choice([-1, 0, 1, 2], size=n, p=[0.3, 0.3, 0.3, 0.1])
    codes[:3] = 3  # a small group
    scores = rng.random(n)
    selected = np.argsort(-scores)[:k]
    pool = [f"p{i}" for i in range(n)]
    by_mapping = exposure_audit(
        [pool[i] for i in selected],
        {pool[i]: names[c] for i, c in enumerate(codes) if c >= 0},
        pool=pool,
        scores=dict(zip(pool, scores.tolist(), strict=True)),
    )
    by_arrays = exposure_audit_arrays(codes, names, selected, scores=scores)
    assert by_arrays == by_mapping
