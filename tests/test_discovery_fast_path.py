"""The fast ranking path gives exactly the ranking as first shipped.

``rank_creators`` computes the component values column by column, scores only
the accounts on topic, and builds the explanation numbers for the shown rows
only; ``tests/_discovery_reference.py`` is the ranking as first shipped (every
component of every candidate as whole-matrix expressions). On generated
indexes (one and several accounts per creator, hidden audience buckets,
accounts without text, fees in several currencies, audits missing) and
queries (briefs of each objective, category rules, exclusions, budgets, topic
weight 0, lookalikes, declared groups and fair mode) both must give the same
JSON, byte for byte, and the same score for every eligible creator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _discovery_reference as reference
from tests._discovery import make_brief

from trustreach.discovery import (
    CreatorIndex,
    FairSpec,
    Ranking,
    _scores,
    query_from_brief,
    query_like,
    rank_creators,
    reference_fx_rates,
    synthetic_index,
)

DIM = 16


class _HashEmbedder:
    """Deterministic unit vectors per text (the ranking only needs vectors)."""

    version = "hash-test-1"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            out[i] = np.random.default_rng(seed).normal(size=DIM)
        return out


def _index(creators: int, *, seed: int, accounts: int = 1, audits: str = "some") -> CreatorIndex:
    """A synthetic index with the awkward cases a real one has."""
    index = synthetic_index(creators, seed=seed, dim=DIM, accounts_per_creator=accounts)
    rng = np.random.default_rng([seed, 17])
    n = len(index)
    for matrix in (index.age, index.gender, index.country):  # hidden small buckets
        hidden = (rng.random(matrix.shape) < 0.08) & np.isfinite(matrix)
        matrix[hidden] = np.nan
    index.topics[rng.random(n) < 0.07] = 0.0  # accounts without text
    index.rate_currency[:] = np.where(
        np.isnan(index.rate), "", rng.choice(np.array(["USD", "EUR", "GBP", "XTS"]), n)
    )
    index.language[:] = rng.choice(np.array(["en", "en", "fr", ""]), n)
    index.top_terms[:] = rng.choice(np.array(["", "#skin,#spf", "#beer"]), n)
    index.engagements[rng.random(n) < 0.05] = np.nan
    index.reach[rng.random(n) < 0.05] = np.nan
    index.followers[rng.random(n) < 0.01] = np.nan
    if audits == "none":
        for column in (index.fake_share, index.fake_low, index.fake_high, index.quality):
            column[:] = np.nan
        index.signals[:] = np.nan
    elif audits == "no-quality":
        index.quality[:] = np.nan
    return index


def _groups(index: CreatorIndex, seed: int) -> dict[str, dict[str, str]]:
    rng = np.random.default_rng([seed, 29])
    keys = index.creator_keys()
    declared = rng.random(keys.size) < 0.4
    values = rng.choice(np.array(["woman", "man", "non-binary"]), keys.size, p=[0.3, 0.6, 0.1])
    return {"gender": {str(c): str(v) for c, v, d in zip(keys, values, declared, strict=True) if d}}


def _same(index: CreatorIndex, query: Any, **kwargs: Any) -> Ranking:
    new = rank_creators(index, query, **kwargs)
    old = reference.rank_creators(index, query, **kwargs)
    assert json.dumps(new.to_dict(), sort_keys=True) == json.dumps(old.to_dict(), sort_keys=True)
    assert new.scores == old.scores
    assert [r.score for r in new.shortlist] == [r.score for r in old.shortlist]
    return new


EMBEDDER = _HashEmbedder()
BRIEFS: dict[str, dict[str, Any]] = {
    "awareness": {
        "platforms": ["instagram", "tiktok", "youtube"],
        "topics": ["skincare routine", "sensitive skin", "spf"],
        "audience": {
            "age_bands": ["18-24", "25-34"],
            "genders": ["female"],
            "countries": ["GB", "US", "IE"],  # IE is in no index: ignored
            "interests": ["beauty"],
        },
        "exclusions": {"topics": ["cosmetic surgery"]},
        "budget": {"amount": 3_000, "currency": "GBP"},
    },
    "engagement": {
        "objective": "engagement",
        "platforms": ["tiktok", "youtube"],
        "topics": [f"topic {i}" for i in range(11)],
        "audience": {"genders": ["male", "female"]},
        "budget": {"amount": 50_000, "currency": "EUR"},
        "content_language": "fr",
    },
    "conversions-beer": {
        "objective": "conversions",
        "category": "beer",
        "platforms": ["instagram", "tiktok"],
        "topics": ["craft beer"],
        "audience": {"age_bands": ["25-34", "35-44"], "countries": ["US"]},
        "authenticity": {"min_audience_quality": 60, "fraud_signals": "exclude"},
    },
    "topics-do-not-matter": {
        "platforms": ["instagram", "youtube"],
        "weights": {"topic_fit": 0},
        "audience": {"countries": ["DE"]},
    },
    "no-audience-target": {"topics": ["gaming"], "platforms": ["youtube", "instagram"]},
    "every-country": {  # eight chosen columns: NumPy may sum them pairwise
        "topics": ["travel"],
        "platforms": ["instagram", "tiktok", "youtube"],
        "audience": {"countries": ["US", "GB", "DE", "FR", "BR", "IN", "ES", "IT"]},
    },
}


@pytest.fixture(scope="module")
def indexes() -> dict[str, CreatorIndex]:
    return {
        "single": _index(2_500, seed=3),
        "multi": _index(1_200, seed=4, accounts=3),
        "unaudited": _index(900, seed=5, accounts=2, audits="none"),
        "no-quality": _index(900, seed=6, audits="no-quality"),
    }


@pytest.mark.parametrize("brief_name", sorted(BRIEFS))
@pytest.mark.parametrize("index_name", ["single", "multi", "unaudited", "no-quality"])
def test_briefs_rank_exactly_as_the_whole_matrix_form(
    indexes: dict[str, CreatorIndex], index_name: str, brief_name: str
) -> None:
    index = indexes[index_name]
    brief = make_brief(**BRIEFS[brief_name])
    keys = index.creator_keys()
    brief = brief.model_copy(
        update={"exclusions": brief.exclusions.model_copy(update={"creator_ids": [str(keys[7])]})}
    )
    query = query_from_brief(brief, EMBEDDER)
    ranking = _same(index, query, top_n=25)
    assert ranking.shortlist  # something was ranked and compared


@pytest.mark.parametrize("index_name", ["single", "multi"])
def test_audit_and_fair_mode_rank_exactly_as_before(
    indexes: dict[str, CreatorIndex], index_name: str
) -> None:
    index = indexes[index_name]
    groups = _groups(index, 1)
    query = query_from_brief(make_brief(**BRIEFS["awareness"]), EMBEDDER)
    _same(index, query, top_n=30, groups=groups)
    for value, p in (("woman", None), ("woman", 0.6), ("non-binary", None), ("agender", 0.5)):
        ranking = _same(
            index, query, top_n=30, groups=groups, fair=FairSpec("gender", value, p, 0.1)
        )
        assert ranking.fair is not None


@pytest.mark.parametrize("index_name", ["single", "multi", "unaudited"])
def test_lookalikes_rank_exactly_as_before(
    indexes: dict[str, CreatorIndex], index_name: str
) -> None:
    index = indexes[index_name]
    for at in (0, 11):
        creator = str(index.creator_keys()[at])
        _same(index, query_like(index, creator), top_n=20)
        brief = make_brief(**BRIEFS["engagement"])
        _same(index, query_like(index, creator, brief=brief), top_n=20)


def test_block_edges_and_sampled_medians_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small blocks (many block edges) and a pool large enough for the sampled median."""
    index = _index(40_000, seed=8, accounts=3)
    everywhere = {**BRIEFS["topics-do-not-matter"], "platforms": ["instagram", "tiktok", "youtube"]}
    query = query_from_brief(make_brief(**everywhere), EMBEDDER)
    in_scope = index.where_in("language", ("en", "")).sum()
    assert in_scope >= 16 * _scores._SAMPLE  # the medians take the sampled path
    _same(index, query, top_n=25)
    monkeypatch.setattr(_scores, "_BLOCK", 1_000)
    _same(index, query_from_brief(make_brief(**BRIEFS["awareness"]), EMBEDDER), top_n=25)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=False, allow_infinity=False, width=64)
        | st.sampled_from([0.0, -0.0, 1.0, 0.5]),
        min_size=1,
        max_size=400,
    ),
    sample=st.sampled_from([4, 8, 16]),
)
def test_exact_median_is_np_median(values: list[float], sample: int) -> None:
    array = np.asarray(values, dtype=np.float64)
    original = _scores._SAMPLE
    _scores._SAMPLE = sample  # small enough that the bracketed path runs on small arrays
    try:
        fast = _scores.exact_median(array)
    finally:
        _scores._SAMPLE = original
    expected = float(np.median(array))
    assert fast == expected or (np.isnan(fast) and np.isnan(expected))
    assert np.signbit(fast) == np.signbit(expected)


@pytest.mark.parametrize("zero", [0.0, -0.0, 0.25])
@pytest.mark.parametrize("size", [200_000, 200_001])
def test_exact_median_of_a_long_run_of_one_value(zero: float, size: int) -> None:
    """Most values equal (as the topic fit of off-topic accounts): the median is that value,
    with its sign when it is a zero, as ``np.median`` gives it."""
    rng = np.random.default_rng(size)
    values = np.where(rng.random(size) < 0.8, 0.0, rng.random(size))
    values[rng.random(size) < 0.5 * (zero == 0.0)] = zero
    values[rng.random(size) < 0.7 * (zero == 0.25)] = zero
    fast, expected = _scores.exact_median(values), float(np.median(values))
    assert fast == expected and np.signbit(fast) == np.signbit(expected)


def test_the_index_reads_repeated_text_once_with_the_same_values(tmp_path: Path) -> None:
    index = _index(3_000, seed=9, accounts=2)
    index.save(tmp_path / "index")
    back = CreatorIndex.load(tmp_path / "index")
    for column in ("creator_id", "platform", "language", "top_terms", "rate_currency"):
        assert getattr(back, column).tolist() == getattr(index, column).tolist(), column
    for column in ("platform", "language", "top_terms", "rate_currency"):
        values = getattr(back, column)
        assert len({id(v) for v in values}) == len(set(values.tolist())), column
    query = query_from_brief(make_brief(**BRIEFS["awareness"]), EMBEDDER)
    _same(back, query, top_n=25)


def test_columns_kept_with_the_index_follow_the_query() -> None:
    """Ranking keeps columns that depend on the index alone (or on it and the exchange
    rates, the objective, the audit medians of a pool of everyone) with the index. One
    index ranked for briefs in turn (every row a candidate, then a filtered pool; other
    exchange rates; another objective; back again) ranks each exactly as the
    whole-matrix form, and what is kept is read-only."""
    index = _index(3_000, seed=12, accounts=2)
    index.language[:] = np.where(np.arange(len(index)) % 5 == 0, "", "en")  # all in scope
    fx = reference_fx_rates()
    dearer = replace(fx, rates={**fx.rates, "EUR": fx.rates["EUR"] / 1.5, "GBP": 0.5})
    everywhere = {"platforms": ["instagram", "tiktok", "youtube"], "content_language": "en"}
    everyone = {**BRIEFS["awareness"], **everywhere}
    engagement = {**BRIEFS["engagement"], **everywhere}
    runs: list[tuple[dict[str, Any], Any]] = [
        (everyone, None),
        (everyone, dearer),
        ({**BRIEFS["awareness"], "platforms": ["instagram", "tiktok"]}, dearer),
        ({**engagement, "budget": {"amount": 50_000, "currency": "GBP"}}, None),
        (everyone, None),
        (engagement, dearer),
        (BRIEFS["engagement"], None),
        (everyone, dearer),
    ]
    for changes, rates in runs:
        query = query_from_brief(make_brief(**changes), EMBEDDER)
        _same(index, query, top_n=25, fx_rates=rates)
    assert "derived:medians:audit" in index._derived  # a pool of everyone was ranked
    kept = [v for v in index._derived.values() if isinstance(v, tuple) and len(v) == 2]
    arrays = [a for _, a in kept if isinstance(a, np.ndarray) and a.dtype == np.float64]
    assert len(arrays) >= 6  # totals, authentic reach, performance and cost of both objectives
    for array in arrays:
        assert not array.flags.writeable
