"""Engagement-fraud signals and the Audience Quality score (``trustreach.audience``)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl
import pytest

from trustreach.audience._comments import bot_comments, engagement_pods, is_generic_comment
from trustreach.audience._engagement import (
    engagement_outliers,
    follower_band,
    like_comment_ratio,
    peer_bands,
)
from trustreach.audience._signals import (
    QUALITY_WEIGHTS,
    audience_quality,
    strongest_signal,
    wilson_interval,
)
from trustreach.audience._spikes import follower_spikes
from trustreach.audience._types import FakeShare, Signal
from trustreach.synth import generate_world

VERDICT = re.compile(r"\b(fraud\w*|cheat\w*|liars?)\b", re.IGNORECASE)
START = date(2025, 1, 1)
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _history(counts: Sequence[float] | np.ndarray, start: date = START) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "captured_on": [start + timedelta(days=i) for i in range(len(counts))],
            "followers_count": [round(float(c)) for c in counts],
        }
    )


def _smooth(days: int = 90, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 20_000 * np.exp(np.cumsum(0.002 + rng.normal(0.0, 0.0008, days)))


def _posts(
    n: int, likes: list[int] | None = None, comments: list[int] | None = None
) -> pl.DataFrame:
    rng = np.random.default_rng(n)
    lk = likes or [int(v) for v in rng.lognormal(np.log(1_000), 0.3, n)]
    cm = comments or [max(1, round(v * 0.02 * rng.lognormal(0, 0.25))) for v in lk]
    return pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "posted_at": [T0 + timedelta(days=2 * i) for i in range(n)],
            "likes": lk,
            "comments": cm,
        }
    )


def _no_verdict(signal: Signal) -> None:
    assert signal.evidence and not VERDICT.search(signal.evidence), signal.evidence
    assert 0.0 <= signal.strength <= 1.0


# ---- Wilson interval


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(10, 100)
    assert low == pytest.approx(0.0552, abs=1e-4)
    assert high == pytest.approx(0.1744, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low0, high0 = wilson_interval(0, 20)
    assert low0 == 0.0 and high0 == pytest.approx(0.1611, abs=1e-4)
    assert wilson_interval(20, 20)[1] == 1.0
    narrow, wide = wilson_interval(50, 100, 0.90), wilson_interval(50, 100, 0.99)
    assert wide[0] < narrow[0] < 0.5 < narrow[1] < wide[1]


@pytest.mark.parametrize(("k", "n", "conf"), [(5, 3, 0.95), (-1, 3, 0.95), (1, 3, 1.0)])
def test_wilson_interval_rejects_bad_input(k: int, n: int, conf: float) -> None:
    with pytest.raises(ValueError, match=r"k <= n|confidence"):
        wilson_interval(k, n, conf)


# ---- follower spikes


def test_smooth_history_raises_no_spike() -> None:
    spikes, signal = follower_spikes(_history(_smooth()))
    assert spikes == [] and not signal.raised
    _no_verdict(signal)


def test_injected_jump_is_raised_with_its_dates() -> None:
    counts = _smooth()
    counts[40:] *= 1.20  # +20% between 2025-02-09 and 2025-02-10
    spikes, signal = follower_spikes(_history(counts))
    assert signal.raised and signal.kind == "follower_spike"
    assert len(spikes) == 1
    assert spikes[0].start == date(2025, 2, 10)
    assert spikes[0].relative_gain == pytest.approx(0.20, abs=0.01)
    assert "2025-02-10" in signal.evidence and "20%" in signal.evidence
    assert signal.strength > 0.5
    _no_verdict(signal)


def test_jump_is_found_across_gaps_in_the_history() -> None:
    counts = _smooth()
    counts[40:] *= 1.15
    history = _history(counts).filter(pl.int_range(pl.len()) % 5 != 3)  # drop every 5th day
    spikes, signal = follower_spikes(history)
    assert signal.raised and len(spikes) == 1


def test_flat_and_short_histories_do_not_crash() -> None:
    spikes, signal = follower_spikes(_history([5_000] * 60))
    assert spikes == [] and not signal.raised
    spikes, signal = follower_spikes(_history([5_000] * 30 + [5_001] * 30))
    assert not signal.raised
    spikes, signal = follower_spikes(_history([5_000] * 10))
    assert not signal.raised and "at least 14" in signal.evidence
    _no_verdict(signal)


def test_history_of_two_accounts_is_rejected() -> None:
    frame = _history(_smooth(20)).with_columns(account_id=pl.Series(["a"] * 10 + ["b"] * 10))
    with pytest.raises(ValueError, match="one account"):
        follower_spikes(frame)


def test_organic_viral_rise_is_not_raised() -> None:
    counts = _smooth()
    for k, w in enumerate((0.45, 0.3, 0.15, 0.1)):  # 3.5% over four days, decaying
        counts[40 + k :] *= 1 + 0.035 * w
    _, signal = follower_spikes(_history(counts))
    assert not signal.raised


def test_moderate_rise_after_a_viral_post_is_explained() -> None:
    counts = _smooth()
    counts[40:] *= 1.06
    posts = pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(12)],
            "posted_at": [
                datetime(2025, 1, 3, 18, tzinfo=UTC) + timedelta(days=7 * i) for i in range(12)
            ],
            "likes": [900, 1_000, 1_100, 950, 1_050, 8_000, 1_000, 980, 1_020, 990, 1_010, 1_000],
            "comments": [20] * 12,
        }
    )  # p5 on 2025-02-07, two days before the rise
    _, alone = follower_spikes(_history(counts))
    spikes, with_posts = follower_spikes(_history(counts), posts=posts)
    assert alone.raised
    assert not with_posts.raised and spikes == []
    assert "viral" in with_posts.evidence
    assert with_posts.details["explained"] == [
        {"start": "2025-02-10", "relative_gain": pytest.approx(0.06, abs=0.005), "post_id": "p5"}
    ]


# ---- engagement level and likes per comment


def _peers(n: int = 12, rate: float = 0.03) -> pl.DataFrame:
    rng = np.random.default_rng(1)
    return pl.DataFrame(
        {
            "creator_id": [f"c{i}" for i in range(n)],
            "followers": [int(v) for v in rng.uniform(12_000, 90_000, n)],
            "median_engagement_rate": [float(v) for v in rate * rng.lognormal(0, 0.3, n)],
        }
    )


def test_engagement_far_above_peers_is_raised() -> None:
    high = _posts(20, likes=[6_000] * 20)  # 30k followers: ~20% per post
    signal = engagement_outliers(high, 30_000, _peers())
    assert signal.raised and signal.details["peer_band"] == "10k-100k"
    assert "10k-100k" in signal.evidence
    _no_verdict(signal)
    usual = engagement_outliers(_posts(20, likes=[900] * 20), 30_000, _peers())
    assert not usual.raised and usual.strength < signal.strength
    few = engagement_outliers(_posts(4, likes=[6_000] * 4), 30_000, _peers())
    assert not few.raised and "at least 10" in few.evidence


def test_peer_bands_and_own_creator_left_out() -> None:
    posts = pl.DataFrame(
        {
            "account_id": ["a1"] * 10 + ["a2"] * 10 + ["a3"] * 3,
            "likes": [100] * 10 + [3_000] * 10 + [5] * 3,
            "comments": [2] * 23,
        }
    )
    accounts = pl.DataFrame(
        {
            "account_id": ["a1", "a2", "a3"],
            "creator_id": ["c1", "c2", "c3"],
            "followers_count": [8_000, 250_000, 1_000],
        }
    )
    peers = peer_bands(posts, accounts)
    assert peers["account_id"].to_list() == ["a1", "a2"]  # a3 has too few posts
    assert peers["band"].to_list() == ["under 10k", "100k-1M"]
    assert peers["median_engagement_rate"][0] == pytest.approx(102 / 8_000)
    assert follower_band(9_999) == "under 10k" and follower_band(1_000_000) == "1M and more"
    signal = engagement_outliers(
        posts.filter(pl.col("account_id") == "a1"), 8_000, peers, creator_id="c1"
    )
    assert signal.details["peers"] == 1 and not signal.raised


def test_like_comment_ratio_uneven_versus_steady() -> None:
    rng = np.random.default_rng(3)
    likes = [int(v) for v in rng.lognormal(np.log(2_000), 0.2, 30)]
    comments = [max(1, round(v / 40 * rng.lognormal(0, 0.3))) for v in likes]
    steady = like_comment_ratio(_posts(30, likes=likes, comments=comments))
    assert not steady.raised
    inflated = [v * 6 if i % 2 else v for i, v in enumerate(likes)]
    uneven = like_comment_ratio(_posts(30, likes=inflated, comments=comments))
    assert uneven.raised and "uneven" in str(uneven.details["reasons"])
    _no_verdict(uneven)
    uniform = like_comment_ratio(_posts(30, likes=[4_000] * 30, comments=[100] * 30))
    assert uniform.raised and uniform.details["reasons"] == ["too_uniform"]


# ---- comments: pods and bot-like bursts


def _organic_comments(
    posts: int, rng: np.random.Generator, authors: int = 2_000
) -> list[dict[str, Any]]:
    texts = [
        "Where did you find this?",
        "Love this look so much 😍",
        "Part 2?",
        "Tried it and it worked 🙌",
        "Not convinced, sorry",
        "The view looks amazing",
    ]
    rows = []
    for p in range(posts):
        for _ in range(8):
            rows.append(
                {
                    "post_id": f"p{p}",
                    "author_key": f"f{int(rng.integers(0, authors))}",
                    "posted_at": T0
                    + timedelta(days=2 * p, seconds=float(rng.exponential(5 * 3600))),
                    "text": texts[int(rng.integers(0, len(texts)))],
                }
            )
    return rows


def test_engagement_pod_detected_on_a_constructed_pod() -> None:
    rng = np.random.default_rng(7)
    rows = _organic_comments(20, rng)
    for p in range(20):
        if p % 5 == 4:
            continue  # the pod skips one post in five
        for m in range(6):
            rows.append(
                {
                    "post_id": f"p{p}",
                    "author_key": f"pod{m}",
                    "posted_at": T0 + timedelta(days=2 * p, minutes=int(rng.integers(1, 40))),
                    "text": "Absolutely stunning content as always! 🙌🔥",
                }
            )
    signal = engagement_pods(pl.DataFrame(rows), _posts(20))
    assert signal.raised
    assert signal.details["accounts"] == [f"pod{m}" for m in range(6)]
    assert signal.evidence.startswith("6 accounts") and "80%" in signal.evidence
    _no_verdict(signal)


def test_random_commenters_are_not_a_pod() -> None:
    rng = np.random.default_rng(8)
    signal = engagement_pods(pl.DataFrame(_organic_comments(20, rng, authors=300)), _posts(20))
    assert not signal.raised
    _no_verdict(signal)


def test_bot_comment_bursts_versus_varied_comments() -> None:
    rng = np.random.default_rng(9)
    varied = _organic_comments(15, rng)
    calm = bot_comments(pl.DataFrame(varied))
    assert not calm.raised
    script = ["nice pic!!", "🔥🔥🔥", "love this 🔥", "👍👍"]
    burst = list(varied)
    for p in (2, 5, 9):
        for k in range(25):
            burst.append(
                {
                    "post_id": f"p{p}",
                    "author_key": f"b{p}-{k}",
                    "posted_at": T0 + timedelta(days=2 * p, seconds=30 + 20 * k),
                    "text": script[k % len(script)],
                }
            )
    signal = bot_comments(pl.DataFrame(burst))
    assert signal.raised
    bursts = cast(list[dict[str, Any]], signal.details["burst_posts"])
    assert sorted(b["post_id"] for b in bursts) == ["p2", "p5", "p9"]
    assert signal.details["bot_like_comments"] == 75
    assert "3 of 15 posts" in signal.evidence
    _no_verdict(signal)


def test_generic_comment_rules() -> None:
    assert is_generic_comment("Nice 😍") and is_generic_comment("❤️❤️")
    assert is_generic_comment("DM us to collab 💰")
    assert not is_generic_comment("Obsessed!! 🔥")
    assert not is_generic_comment("Best routine I've seen this week honestly")


# ---- Audience Quality


def _fake(estimate: float) -> FakeShare:
    return FakeShare(estimate, estimate, estimate - 0.02, estimate + 0.02, 400, 50_000, "m", "1")


def _calm() -> list[Signal]:
    return [
        Signal("follower_spike", False, 0.0, "No sudden rise."),
        Signal("engagement_outlier", False, 0.1, "In line with peers."),
        Signal("like_comment_ratio", False, 0.0, "A usual pattern."),
        Signal("engagement_pod", False, 0.0, "No group of regular commenters."),
        Signal("bot_comments", False, 0.0, "No bursts."),
    ]


def test_audience_quality_weights_range_and_direction() -> None:
    assert sum(QUALITY_WEIGHTS.values()) == pytest.approx(1.0)
    good = audience_quality(_fake(0.06), _calm())
    assert sum(c.weight for c in good.components) == pytest.approx(1.0)
    assert [c.name for c in good.components] == list(QUALITY_WEIGHTS)
    assert 0 <= good.score <= 100 and good.score > 80
    worse_fake = audience_quality(_fake(0.30), _calm())
    assert worse_fake.score < good.score
    spiky = [Signal("follower_spike", True, 0.9, "A rise of 20% within 1 day."), *_calm()[1:]]
    with_spike = audience_quality(_fake(0.06), spiky)
    assert with_spike.score < good.score
    growth = next(c for c in with_spike.components if c.name == "Follower growth")
    assert growth.value == pytest.approx(10.0) and "20%" in growth.evidence
    worst = audience_quality(
        _fake(0.6), [Signal(s.kind, True, 1.0, "Strong evidence.") for s in _calm()]
    )
    assert worst.score == 0.0


def test_audience_quality_without_fake_share_redistributes_its_weight() -> None:
    q = audience_quality(None, _calm())
    real = q.components[0]
    assert real.name == "Real followers" and real.weight == 0.0
    assert "unknown" in real.evidence and "35%" in real.evidence
    assert sum(c.weight for c in q.components) == pytest.approx(1.0)
    growth = next(c for c in q.components if c.name == "Follower growth")
    assert growth.weight == pytest.approx(0.20 / 0.65)
    with pytest.raises(ValueError, match="nothing to score"):
        audience_quality(None, [])


def test_strongest_signal_prefers_raised() -> None:
    a = Signal("bot_comments", False, 0.4, "weak")
    b = Signal("bot_comments", True, 0.6, "raised")
    merged = strongest_signal([a, b])
    assert merged.raised and merged.details["accounts"] == 2
    with pytest.raises(ValueError, match="different kinds"):
        strongest_signal([a, Signal("follower_spike", False, 0.0, "x")])


# ---- a small synthetic world


def _read(folder: Path, kind: str) -> pl.DataFrame:
    return pl.read_ndjson(folder / f"{kind}.jsonl", infer_schema_length=None)


def test_signals_find_injected_evidence_in_a_small_world(tmp_path: Path) -> None:
    generate_world(tmp_path, seed=5, creators=20, followers_per_creator=100, days=90)
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    accounts = _read(tmp_path, "creator_accounts")
    snaps = _read(tmp_path, "audience_snapshots").with_columns(pl.col("captured_on").str.to_date())
    posts = (
        _read(tmp_path, "posts")
        .with_columns(pl.col("posted_at").str.to_datetime(time_zone="UTC"))
        .join(accounts.select("account_id", "creator_id"), on="account_id")
    )
    comments = (
        _read(tmp_path, "comments")
        .rename({"author_id": "author_key"})
        .with_columns(pl.col("posted_at").str.to_datetime(time_zone="UTC"))
        .join(posts.select("post_id", "creator_id"), on="post_id")
    )
    peers = peer_bands(posts, accounts)
    raised: dict[str, set[str]] = {}
    for acc in accounts.iter_rows(named=True):
        cid, aid = acc["creator_id"], acc["account_id"]
        mine = posts.filter(pl.col("account_id") == aid)
        found = [
            follower_spikes(snaps.filter(pl.col("account_id") == aid), posts=mine)[1],
            engagement_outliers(mine, acc["followers_count"], peers, creator_id=cid),
            like_comment_ratio(mine),
        ]
        raised.setdefault(cid, set()).update(s.kind for s in found if s.raised)
        for s in found:
            _no_verdict(s)
    for cid in accounts["creator_id"].unique().to_list():
        theirs = comments.filter(pl.col("creator_id") == cid)
        for s in (
            engagement_pods(theirs, posts.filter(pl.col("creator_id") == cid)),
            bot_comments(theirs),
        ):
            _no_verdict(s)
            if s.raised:
                raised[cid].add(s.kind)
    expected = {
        "bought_followers": {"follower_spike"},
        "engagement_pod": {"engagement_pod"},
        "bot_comments": {"bot_comments"},
        "inflated_engagement": {"engagement_outlier", "like_comment_ratio"},
    }
    for fraud_type, creators in truth["fraud_creators"].items():
        assert creators, fraud_type
        assert any(raised[c] & expected[fraud_type] for c in creators), fraud_type
    clean = truth["clean_creators"]
    quiet = [c for c in clean if not raised[c]]
    assert len(quiet) >= 0.8 * len(clean)


def test_too_little_data_is_not_counted_as_a_perfect_component() -> None:
    thin = follower_spikes(
        pl.DataFrame({"captured_on": [date(2025, 1, 1)], "followers_count": [100]})
    )[1]
    assert thin.details["measured"] is False
    share = FakeShare(0.4, 0.4, 0.3, 0.5, 200, None, "fake_account", "1.0.0")
    quality = audience_quality(share, [thin])
    growth = next(c for c in quality.components if c.name == "Follower growth")
    assert growth.weight == 0.0
    # only the (poor) fake share counts; an unmeasured component cannot lift it
    assert quality.score < 30


def test_merging_prefers_a_measured_account() -> None:
    measured = Signal("follower_spike", False, 0.2, "measured", {"measured": True})
    unmeasured = Signal("follower_spike", False, 0.0, "too little", {"measured": False})
    assert strongest_signal([unmeasured, measured]).evidence == "measured"


def test_an_unmeasured_component_says_why() -> None:
    thin = follower_spikes(
        pl.DataFrame({"captured_on": [date(2025, 1, 1)], "followers_count": [100]})
    )[1]
    share = FakeShare(0.1, 0.1, 0.05, 0.2, 300, None, "fake_account", "1.0.0")
    growth = next(
        c for c in audience_quality(share, [thin]).components if c.name == "Follower growth"
    )
    assert "Only 1 daily follower counts" in growth.evidence
    assert "not measured" in growth.evidence
