"""Tests of the synthetic demo world (``trustreach.synth``)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow.parquet as pq
import pytest

from trustreach.ingest._schema import KINDS
from trustreach.synth import (
    FOLLOWER_FIELDS,
    FRAUD_TYPES,
    KIND_FIELDS,
    KIND_ORDER,
    LIST_SEPARATOR,
    WorldSummary,
    generate_follower_accounts,
    generate_world,
    sample_follower_features,
)

SMALL = {"creators": 20, "followers_per_creator": 200, "days": 120}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _field_codes(kind: str) -> dict[str, str]:
    if kind == "follower_accounts":
        return {f: "x" for f in FOLLOWER_FIELDS}
    return KIND_FIELDS[kind]


def _decode_csv(kind: str, row: dict[str, str]) -> dict[str, Any]:
    """Undo the documented CSV encodings: empty = null, ';' lists, JSON dicts."""
    codes = _field_codes(kind)
    out: dict[str, Any] = {}
    for key, cell in row.items():
        code = codes[key]
        if code == "l":
            out[key] = cell.split(LIST_SEPARATOR) if cell else []
        elif cell == "":
            continue
        elif code == "j":
            out[key] = json.loads(cell)
        else:
            out[key] = cell
    return out


def _read(summary: WorldSummary, kind: str) -> list[dict[str, Any]]:
    path = summary.paths[kind]
    if summary.fmt == "jsonl":
        return _jsonl(path)
    if summary.fmt == "csv":
        with path.open(encoding="utf-8", newline="") as fh:
            return [_decode_csv(kind, r) for r in csv.DictReader(fh)]
    rows = pq.read_table(path).to_pylist()
    codes = _field_codes(kind)
    for r in rows:
        for key, code in codes.items():
            if code == "j" and r.get(key) is not None:
                r[key] = json.loads(r[key])
    return rows


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    return generate_world(tmp_path_factory.mktemp("w"), seed=11, **SMALL)


@pytest.fixture(scope="module")
def records(world: WorldSummary) -> dict[str, list[dict[str, Any]]]:
    return {kind: _read(world, kind) for kind in KIND_ORDER}


@pytest.fixture(scope="module")
def truth(world: WorldSummary) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(world.ground_truth.read_text(encoding="utf-8"))
    return data


def test_writes_one_file_per_kind_in_import_order(world: WorldSummary) -> None:
    assert list(world.paths) == list(KINDS) == list(KIND_ORDER)
    for kind, path in world.paths.items():
        assert path.name == f"{kind}.jsonl" and path.exists()
    assert world.ground_truth.name == "ground_truth.json"
    assert all(n > 0 for n in world.counts.values())


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_same_seed_gives_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    a = generate_world(tmp_path / "a", seed=5, fmt=fmt, **SMALL)
    b = generate_world(tmp_path / "b", seed=5, fmt=fmt, **SMALL)
    c = generate_world(tmp_path / "c", seed=6, fmt=fmt, **SMALL)
    for kind in KIND_ORDER:
        assert a.paths[kind].read_bytes() == b.paths[kind].read_bytes(), kind
    assert a.ground_truth.read_bytes() == b.ground_truth.read_bytes()
    assert a.paths["posts"].read_bytes() != c.paths["posts"].read_bytes()


def test_every_jsonl_record_validates(world: WorldSummary) -> None:
    for kind, model in KINDS.items():
        rows = _jsonl(world.paths[kind])
        assert len(rows) == world.counts[kind]
        for row in rows:
            model.model_validate(row)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_records_validate(tmp_path: Path, fmt: str) -> None:
    small = dict(SMALL, creators=8, followers_per_creator=50)
    summary = generate_world(tmp_path, seed=3, fmt=fmt, **small)
    for kind, model in KINDS.items():
        assert summary.paths[kind].suffix == f".{fmt}"
        rows = _read(summary, kind)
        assert len(rows) == summary.counts[kind]
        for row in rows:
            model.model_validate(row)


def test_ids_are_unique_within_each_kind(records: dict[str, list[dict[str, Any]]]) -> None:
    keys = {
        "brands": "brand_id",
        "creators": "creator_id",
        "creator_accounts": "account_id",
        "follower_accounts": "account_id",
        "campaigns": "campaign_id",
        "briefs": "brief_id",
        "deals": "deal_id",
        "posts": "post_id",
        "comments": "comment_id",
        "tracking_events": "event_id",
        "consent_records": "consent_id",
    }
    for kind, key in keys.items():
        ids = [r[key] for r in records[kind]]
        assert len(ids) == len(set(ids)), kind
    pairs = [(r["creator_account_id"], r["follower_account_id"]) for r in records["follows"]]
    assert len(pairs) == len(set(pairs))
    snaps = [(r["account_id"], r["captured_on"]) for r in records["audience_snapshots"]]
    assert len(snaps) == len(set(snaps))


def test_references_resolve(records: dict[str, list[dict[str, Any]]]) -> None:
    def ids(kind: str, key: str) -> set[str]:
        return {r[key] for r in records[kind]}

    brands, creators = ids("brands", "brand_id"), ids("creators", "creator_id")
    accounts, followers = (
        ids("creator_accounts", "account_id"),
        ids("follower_accounts", "account_id"),
    )
    campaigns, posts = ids("campaigns", "campaign_id"), ids("posts", "post_id")
    assert {r["creator_id"] for r in records["creator_accounts"]} <= creators
    assert {r["account_id"] for r in records["audience_snapshots"]} <= accounts
    assert {r["creator_account_id"] for r in records["follows"]} <= accounts
    assert {r["follower_account_id"] for r in records["follows"]} <= followers
    assert {r["brand_id"] for r in records["campaigns"]} <= brands
    assert {r["brand_id"] for r in records["briefs"]} <= brands
    assert {r["campaign_id"] for r in records["briefs"]} - {None} <= campaigns
    assert {r["campaign_id"] for r in records["deals"]} <= campaigns
    assert {r["creator_id"] for r in records["deals"]} <= creators
    assert {r["account_id"] for r in records["posts"]} <= accounts
    assert {r["campaign_id"] for r in records["posts"]} - {None} <= campaigns
    assert {r["post_id"] for r in records["comments"]} <= posts
    assert {r["author_id"] for r in records["comments"]} <= followers
    assert {r["campaign_id"] for r in records["tracking_events"]} <= campaigns
    assert {r["post_id"] for r in records["tracking_events"]} - {None} <= posts
    assert {r["creator_id"] for r in records["tracking_events"]} - {None} <= creators
    assert {r["creator_id"] for r in records["consent_records"]} <= creators
    # a sponsored post is made by a creator who has a deal in that campaign
    deal_pairs = {(r["campaign_id"], r["creator_id"]) for r in records["deals"]}
    owner = {r["account_id"]: r["creator_id"] for r in records["creator_accounts"]}
    for p in records["posts"]:
        if p["campaign_id"] is not None:
            assert (p["campaign_id"], owner[p["account_id"]]) in deal_pairs


def test_each_fraud_type_on_three_creators_and_clean_creators_untouched(
    truth: dict[str, Any],
) -> None:
    fraud = truth["fraud_creators"]
    assert set(fraud) == set(FRAUD_TYPES)
    for kind in FRAUD_TYPES:
        assert len(fraud[kind]) >= 3, kind
    flagged = {c for ids in fraud.values() for c in ids}
    clean = set(truth["clean_creators"])
    assert clean and not clean & flagged
    assert 0.2 <= len(flagged) / len(truth["creators"]) <= 0.35
    for cid in clean:
        entry = truth["creators"][cid]
        assert entry["fraud_types"] == []
        assert all(not a["bought_follower_bursts"] for a in entry["accounts"].values())
        assert "pod_ids" not in entry and "inflated_engagement" not in entry
    assert {v["creator_id"] for v in truth["bot_comment_posts"].values()} <= set(
        fraud["bot_comments"]
    )
    assert {c for p in truth["pods"] for c in p["creator_ids"]} <= set(fraud["engagement_pod"])
    assert all(8 <= len(p["member_account_ids"]) <= 20 for p in truth["pods"])


def test_bought_follower_bursts_show_in_history_and_follow_dates(
    truth: dict[str, Any], records: dict[str, list[dict[str, Any]]]
) -> None:
    history: dict[str, dict[str, int]] = {}
    for r in records["audience_snapshots"]:
        history.setdefault(r["account_id"], {})[r["captured_on"]] = r["followers_count"]
    fakes = set(truth["fake_follower_account_ids"])
    follow_dates: dict[str, list[tuple[str, str]]] = {}
    for f in records["follows"]:
        follow_dates.setdefault(f["creator_account_id"], []).append(
            (f["followed_on"], f["follower_account_id"])
        )
    seen = 0
    for cid in truth["fraud_creators"]["bought_followers"]:
        for acc, entry in truth["creators"][cid]["accounts"].items():
            for burst in entry["bought_follower_bursts"]:
                seen += 1
                days = sorted(history[acc])
                before = days[days.index(burst["start"]) - 1]
                jump = history[acc][burst["end"]] / history[acc][before] - 1
                assert jump >= 0.04
                inside = [
                    fid for d, fid in follow_dates[acc] if burst["start"] <= d <= burst["end"]
                ]
                assert inside and sum(f in fakes for f in inside) / len(inside) > 0.7
    assert seen >= 3


def test_fake_share_truth_and_sample_agree(truth: dict[str, Any]) -> None:
    for entry in truth["creators"].values():
        for acc in entry["accounts"].values():
            assert abs(acc["sampled_fake_share"] - acc["true_fake_share"]) < 0.1
    clean = [truth["creators"][c]["true_fake_share"] for c in truth["clean_creators"]]
    bought = [
        truth["creators"][c]["true_fake_share"] for c in truth["fraud_creators"]["bought_followers"]
    ]
    assert max(clean) < 0.15 and np.mean(bought) > np.mean(clean)


def test_posts_comments_and_disclosure(
    truth: dict[str, Any], records: dict[str, list[dict[str, Any]]]
) -> None:
    posts = {p["post_id"]: p for p in records["posts"]}
    per_post = Counter(c["post_id"] for c in records["comments"])
    assert all(posts[pid]["comments"] >= n for pid, n in per_post.items())
    sponsored = {pid for pid, p in posts.items() if p["campaign_id"] is not None}
    assert set(truth["disclosure"]) == sponsored
    statuses = Counter(v["status"] for v in truth["disclosure"].values())
    assert set(statuses) == {"disclosed", "buried", "missing"}
    for pid, d in truth["disclosure"].items():
        post = posts[pid]
        caption = post["caption"]
        starts = caption.startswith(("#ad ", "#sponsored "))
        if d["status"] == "disclosed":
            assert starts or post["paid_partnership"]
        elif d["status"] == "buried":
            assert not starts and not post["paid_partnership"] and caption.endswith("#ad")
            assert caption.count("#") >= 6
        else:
            assert not post["paid_partnership"] and "#ad" not in caption
            assert "#sponsored" not in caption
    organic = [p for p in posts.values() if p["campaign_id"] is None]
    assert not any("#ad" in p["caption"].split() for p in organic)
    labels = truth["sentiment"]["labels"]
    assert len(labels) == len(records["comments"])
    assert set(labels.values()) == {"positive", "neutral", "negative"}
    assert sum(truth["sentiment"]["counts"].values()) == len(records["comments"])
    assert any(c["text"].startswith("@") for c in records["comments"])
    bots = set(truth["sentiment"]["bot_comment_ids"])
    assert {c["post_id"] for c in records["comments"] if c["comment_id"] in bots} == set(
        truth["bot_comment_posts"]
    )


def test_best_posting_times_and_audience_shares(
    truth: dict[str, Any], records: dict[str, list[dict[str, Any]]]
) -> None:
    best = truth["best_posting_times"]
    assert {"beauty", "fitness", "gaming", "food", "travel", "tech"} <= set(best)
    assert all(v["best_hours_utc"] and v["best_weekdays"] for v in best.values())
    breakdowns = [r for r in records["audience_snapshots"] if r["age_bands"] is not None]
    assert breakdowns
    for r in breakdowns:
        for key in ("age_bands", "genders", "countries"):
            assert sum(r[key].values()) <= 1.0


def test_sample_follower_features_fake_share_and_usernames() -> None:
    rng = np.random.Generator(np.random.PCG64(1))
    cols = sample_follower_features(20_000, fake_share=0.2, rng=rng)
    assert set(FOLLOWER_FIELDS) | {"is_fake"} == set(cols)
    assert abs(float(cols["is_fake"].mean()) - 0.2) < 0.015
    assert len(set(cols["account_id"].tolist())) == 20_000
    for name, length, digits in zip(
        cols["username"][:500],
        cols["username_length"][:500],
        cols["username_digit_count"][:500],
        strict=True,
    ):
        assert len(name) == length and sum(ch.isdigit() for ch in name) == digits
    fake, real = cols["is_fake"], ~cols["is_fake"]
    # the fitted classes differ: fake-class accounts follow many more accounts
    assert np.median(cols["following_count"][fake]) > np.median(cols["following_count"][real])


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_generate_follower_accounts_streams_exact_rows(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"follower_accounts.{fmt}"
    assert generate_follower_accounts(path, n=12_345, seed=2, fmt=fmt, chunk_rows=5_000) == 12_345
    if fmt == "jsonl":
        rows = _jsonl(path)
    elif fmt == "csv":
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [_decode_csv("follower_accounts", r) for r in csv.DictReader(fh)]
    else:
        rows = pq.read_table(path).to_pylist()
    assert len(rows) == 12_345
    assert len({r["account_id"] for r in rows}) == 12_345
    assert list(rows[0]) == list(FOLLOWER_FIELDS)
    model = KINDS["follower_accounts"]
    for r in rows[::1_000]:
        model.model_validate(r)


def test_bad_format_names_allowed_values(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="jsonl, csv, parquet"):
        generate_world(tmp_path, seed=1, fmt="xlsx", **SMALL)
    with pytest.raises(ValueError, match="jsonl, csv, parquet"):
        generate_follower_accounts(tmp_path / "x", n=1, seed=1, fmt="json")
    assert not list(tmp_path.iterdir())


def test_ground_truth_dates_within_period(truth: dict[str, Any]) -> None:
    params = truth["parameters"]
    start, end = date.fromisoformat(params["start_date"]), date.fromisoformat(params["end_date"])
    assert (end - start).days + 1 == SMALL["days"]
    for pod in truth["pods"]:
        assert start <= date.fromisoformat(pod["active_since"]) <= end
