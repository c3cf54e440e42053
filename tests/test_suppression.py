"""Small groups stay hidden: the suppression function and the views built on it (rule T5)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustreach import services
from trustreach.core import Settings
from trustreach.ethics.privacy import suppress_shares, suppress_small_buckets
from trustreach.ingest._schema import AGE_BANDS
from trustreach.synth import generate_world


def _determined(names: list[str], shown: list[str], bucket: str) -> bool:
    """Whether ``bucket`` follows from the shown buckets and the total (a linear system)."""
    rows = [np.eye(len(names))[names.index(b)] for b in shown] + [np.ones(len(names))]
    known = np.vstack(rows)
    with_bucket = np.vstack([known, np.eye(len(names))[names.index(bucket)]])
    return bool(np.linalg.matrix_rank(with_bucket) == np.linalg.matrix_rank(known))


@settings(max_examples=300, deadline=None)
@given(
    counts=st.lists(st.integers(0, 600), min_size=2, max_size=8),
    remainder=st.one_of(st.just(0), st.integers(1, 400)),
    minimum=st.integers(1, 200),
)
def test_no_combination_of_the_displayed_numbers_recovers_a_hidden_bucket(
    counts: list[int], remainder: int, minimum: int
) -> None:
    buckets = {f"b{i}": float(n) for i, n in enumerate(counts)}
    total = sum(counts) + remainder
    result = suppress_small_buckets(buckets, minimum=minimum, total=total)
    assert set(result.shown) | set(result.hidden) == set(buckets)
    assert not set(result.shown) & set(result.hidden)
    for n in result.shown.values():
        assert n == 0 or n >= minimum  # no small group is shown
    for bucket, reason in result.hidden.items():
        assert reason != "small" or 0 < buckets[bucket] < minimum
    # the unknowns: every bucket, and the people in no bucket when there are any
    names = list(buckets) + (["(in no bucket)"] if remainder else [])
    for bucket in result.hidden:
        assert not _determined(names, list(result.shown), bucket), (bucket, result)
    if not result.withheld:  # the hidden sum never pins a small bucket down either
        for bucket, reason in result.hidden.items():
            if reason == "small":
                assert result.not_shown - buckets[bucket] >= minimum


def test_a_hidden_bucket_takes_a_complement_with_it_and_says_why() -> None:
    result = suppress_small_buckets({"18-24": 700, "25-34": 250, "65+": 50}, minimum=100)
    assert result.shown == {"18-24": 700.0}
    assert result.hidden == {"25-34": "complementary", "65+": "small"}
    assert result.reason("65+") == "fewer than 100 people"
    assert "worked out" in result.reason("25-34")
    # nothing small: nothing hidden; empty buckets are shown
    assert suppress_small_buckets({"a": 0, "b": 150}, minimum=100).hidden == {}
    # too small an audience for any breakdown
    withheld = suppress_small_buckets({"a": 80, "b": 70}, minimum=100)
    assert withheld.withheld and withheld.shown == {} and withheld.total == 150


def test_shares_are_people_of_the_audience() -> None:
    result = suppress_shares({"US": 0.6, "GB": 0.3, "IE": 0.05}, audience=1000, minimum=100)
    # IE holds 50 people; the 50 in no bucket are not enough to hide it: GB goes too
    assert result.shown == {"US": 600.0} and result.shares() == {"US": 0.6}
    assert result.hidden == {"IE": "small", "GB": "complementary"}
    bigger = suppress_shares({"US": 0.6, "GB": 0.3, "IE": 0.05}, audience=10_000)
    assert bigger.hidden == {}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: suppress_small_buckets({"a": -1}), "bucket 'a' holds -1 people"),
        (lambda: suppress_small_buckets({"a": 5}, minimum=0), "minimum must be at least 1"),
        (lambda: suppress_small_buckets({"a": 5}, total=3), "total 3 must be a number at least"),
        (lambda: suppress_shares({"a": 1.5}, audience=10), "share of 'a' is 1.5"),
        (lambda: suppress_shares({"a": 0.5}, audience=-1), "audience must be a number"),
    ],
)
def test_bad_input_names_the_value(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=11, creators=10, followers_per_creator=20, days=28)
    return out


def _latest_snapshots(world: Path) -> dict[str, dict[str, object]]:
    latest: dict[str, dict[str, object]] = {}
    for line in (world / "audience_snapshots.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row.get("age_bands") and row["captured_on"] >= str(
            latest.get(row["account_id"], {}).get("captured_on", "")
        ):
            latest[row["account_id"]] = row
    return latest


def test_the_discovery_index_and_what_is_shown_from_it_hold_no_small_group(
    world: Path, sqlite_settings: Settings
) -> None:
    snapshots = _latest_snapshots(world)
    people = sorted(
        share * int(s["followers_count"])  # type: ignore[call-overload]
        for s in snapshots.values()
        for share in s["age_bands"].values()  # type: ignore[attr-defined]
        if share > 0
    )
    minimum = int(people[len(people) // 3]) + 1  # a third of the age buckets are small
    settings_ = sqlite_settings.model_copy(update={"min_bucket_size": minimum})
    services.import_path(world, workspace="w", settings=settings_)
    index = services.load_discovery_index(workspace="w", settings=settings_)
    assert index.meta["min_bucket_size"] == minimum
    hidden = 0
    for row, account in enumerate(index.account_id):
        snap = snapshots.get(str(account))
        if snap is None:
            continue
        followers = int(snap["followers_count"])  # type: ignore[call-overload]
        expected = suppress_shares(snap["age_bands"], audience=followers, minimum=minimum)  # type: ignore[arg-type]
        for band, value in zip(AGE_BANDS, index.age[row], strict=True):
            if math.isfinite(value) and value > 0:
                assert value * followers >= minimum, (account, band)
                assert band in expected.shown
            elif band in expected.hidden:
                hidden += 1
                assert math.isnan(value)
    assert hidden > 0, "the threshold hides some buckets of this world"
    # the default threshold is read back; a changed threshold rebuilds the index
    again = services.load_discovery_index(workspace="w", settings=sqlite_settings)
    assert again.meta["min_bucket_size"] == sqlite_settings.min_bucket_size
