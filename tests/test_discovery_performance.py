"""Predicted next-post performance: estimator conventions, sanity, prior fallback, back-test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.base import clone

from trustreach.discovery._performance import (
    BacktestReport,
    PerformanceModel,
    backtest,
)
from trustreach.synth import generate_world


def _read(folder: Path, kind: str) -> pl.DataFrame:
    return pl.read_ndjson(folder / f"{kind}.jsonl", infer_schema_length=None)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    folder = tmp_path_factory.mktemp("perf_world")
    generate_world(folder, seed=5, creators=20, followers_per_creator=50, days=90)
    return _read(folder, "posts"), _read(folder, "creator_accounts")


def _toy() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two similar TikTok accounts, one with 10x the followers and ~8x the engagement."""
    rng = np.random.default_rng(0)
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    rows = []
    for account, base in (("small", 300.0), ("big", 2400.0), ("third", 900.0)):
        for i in range(25):
            likes = int(base * rng.lognormal(0.0, 0.3))
            rows.append(
                {
                    "post_id": f"{account}-{i}",
                    "account_id": account,
                    "posted_at": start + timedelta(days=i, hours=int(rng.integers(0, 10))),
                    "media_type": "video",
                    "likes": likes,
                    "comments": likes // 50,
                    "views": likes * 12,
                    "shares": likes // 30,
                }
            )
    accounts = pl.DataFrame(
        {
            "account_id": ["small", "big", "third"],
            "platform": ["tiktok"] * 3,
            "followers_count": [10_000, 100_000, 30_000],
        }
    )
    return pl.DataFrame(rows), accounts


def test_estimator_conventions() -> None:
    posts, accounts = _toy()
    model = PerformanceModel(coverage=0.9, recent_posts=20, random_state=3)
    params = model.get_params()
    assert model.fit(posts, accounts) is model
    assert model.get_params() == params
    assert hasattr(model, "engagements_") and hasattr(model, "views_reported_")
    copy = clone(model)
    assert copy.get_params() == params
    assert not hasattr(copy, "engagements_")
    with pytest.raises(TypeError):
        PerformanceModel(0.8)  # type: ignore[misc]


def test_deterministic() -> None:
    posts, accounts = _toy()
    first = PerformanceModel().fit(posts, accounts).predict(accounts)
    second = PerformanceModel().fit(posts.reverse(), accounts).predict(accounts)
    assert first.equals(second)


def test_shapes_and_monotonic() -> None:
    posts, accounts = _toy()
    out = PerformanceModel().fit(posts, accounts).predict(accounts)
    assert out.height == accounts.height
    assert out["account_id"].to_list() == accounts["account_id"].to_list()
    for name in ("engagements", "reach"):
        low = out[f"{name}_low"].to_numpy()
        mid = out[f"expected_{name}"].to_numpy()
        high = out[f"{name}_high"].to_numpy()
        assert np.all(low <= mid) and np.all(mid <= high)
    by_id = dict(zip(out["account_id"], out["expected_engagements"], strict=True))
    assert by_id["big"] > by_id["small"]
    assert out["reach_unavailable_reason"].is_null().all()


def test_more_followers_more_engagement_from_prior(
    world: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    posts, accounts = world
    model = PerformanceModel().fit(posts, accounts)
    new = pl.DataFrame(
        {
            "account_id": ["new-a", "new-b"],
            "platform": ["instagram", "instagram"],
            "followers_count": [20_000, 200_000],
        }
    )
    out = model.predict(new, media_type="reel")
    small, big = out["expected_engagements"].to_list()
    assert big > 3 * small


def test_unknown_account_gets_wide_prior_interval(
    world: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    posts, accounts = world
    model = PerformanceModel().fit(posts, accounts)
    known = accounts.head(1)
    unknown = known.with_columns(pl.lit("never-seen").alias("account_id"))
    no_followers = unknown.with_columns(pl.lit(None, dtype=pl.Int64).alias("followers_count"))
    out = model.predict(pl.concat([known, unknown, no_followers]))
    ratio = (out["engagements_high"] / out["engagements_low"]).to_list()
    assert ratio[1] > ratio[0] and ratio[2] > ratio[1]
    assert out["posts_used"].to_list()[1:] == [0, 0]
    assert out["prior_weight"].to_list()[1:] == [1.0, 1.0]
    assert (out["engagements_low"] <= out["expected_engagements"]).all()


def test_reach_unavailable_for_instagram_images(
    world: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    posts, accounts = world
    model = PerformanceModel().fit(posts, accounts)
    ig = accounts.filter(pl.col("platform") == "instagram").head(1)
    image = model.predict(ig, media_type="image", posted_at=datetime(2025, 7, 1, 18))
    assert image["expected_reach"].is_null().all()
    assert "no views for image" in image["reach_unavailable_reason"][0]
    reel = model.predict(ig, media_type="reel")
    assert reel["expected_reach"].is_not_null().all()
    assert reel["reach_unavailable_reason"].is_null().all()


@pytest.mark.parametrize("column", ["likes", "posted_at", "media_type"])
def test_missing_post_column(column: str) -> None:
    posts, accounts = _toy()
    with pytest.raises(ValueError, match=column):
        PerformanceModel().fit(posts.drop(column), accounts)


def test_missing_account_column() -> None:
    posts, accounts = _toy()
    with pytest.raises(ValueError, match="followers_count"):
        PerformanceModel().fit(posts, accounts.drop("followers_count"))
    model = PerformanceModel().fit(posts, accounts)
    with pytest.raises(ValueError, match="platform"):
        model.predict(accounts.drop("platform"))


def test_bad_params() -> None:
    posts, accounts = _toy()
    with pytest.raises(ValueError, match="coverage"):
        PerformanceModel(coverage=1.5).fit(posts, accounts)
    with pytest.raises(ValueError, match="holdout_last"):
        backtest(posts, accounts, holdout_last=0)


def test_backtest_on_small_world(world: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    posts, accounts = world
    report = backtest(posts, accounts, holdout_last=5)
    assert isinstance(report, BacktestReport)
    assert report.held_out_posts == 5 * report.accounts
    assert 0.6 <= report.coverage <= 0.95
    assert report.coverage_low <= report.coverage <= report.coverage_high
    assert 0.0 < report.median_ape < 1.0
    assert set(report.by_platform) <= {"instagram", "tiktok", "youtube"}
    assert sum(g.posts for g in report.by_platform.values()) == report.held_out_posts
    assert sum(g.posts for g in report.by_follower_band.values()) == report.held_out_posts
    assert report.reach is not None and report.reach.posts > 0
    data = report.to_dict()
    assert data["verdict"] in {"too narrow", "too wide", "consistent with target"}
    assert data["by_platform"][next(iter(report.by_platform))]["posts"] > 0
