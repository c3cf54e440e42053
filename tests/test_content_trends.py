"""Rising topics: injected trends in the synthetic world, the detector, the service, CLI, API."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl
import pytest
from sqlalchemy import select
from tests._api import client
from tests._main import run_main
from typer.testing import CliRunner

from trustreach import services
from trustreach.api._auth import current_actor
from trustreach.cli import app
from trustreach.content import _trends, detect_rising, find_rising_topics, topic_mentions
from trustreach.core import (
    Actor,
    ConfigurationError,
    NotFoundError,
    PermissionDenied,
    Role,
    Settings,
)
from trustreach.services._content_trends import rising_topics
from trustreach.store import audit_log
from trustreach.synth import _world as synth_world
from trustreach.synth import generate_world

WS = "trends"
ANALYST = Actor("user", "ana@acme.test", Role.analyst, WS)
T0 = datetime(2025, 1, 1, 12, tzinfo=UTC)


def _frame(
    seed: int = 1, *, days: int = 84, rise_from: int = 70
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """8 creators posting daily; from ``rise_from`` a share of posts carries ``#zone2`` and
    "zone training" and comments say "easy pace"; ``#gains`` is frequent and flat; ``#solo``
    rises on one creator's posts only."""
    rng = np.random.default_rng(seed)
    posts, comments = [], []
    for day in range(days):
        for c in range(8):
            pid = f"p{day}-{c}"
            tags = ["fitness"] + (["gains"] if rng.random() < 0.4 else [])
            caption = ["Leg day done", "Morning run by the river", "Core workout at home"][
                int(rng.integers(0, 3))
            ]
            rising = day >= rise_from and rng.random() < 0.5
            if rising:
                tags.append("zone2")
                caption = f"Zone training: {caption}"
            if c == 0 and day >= rise_from:
                tags.append("solo")
            posts.append(
                {
                    "post_id": pid,
                    "account_id": f"acc{c}",
                    "creator_id": f"cr{c}",
                    "posted_at": T0 + timedelta(days=day, hours=int(rng.integers(0, 12))),
                    "caption": caption + "\n\n" + " ".join("#" + t for t in tags),
                    "hashtags": tags,
                    "engagements": int(rng.integers(10, 100)),
                }
            )
            for k in range(3):
                text = ["Love this", "So good", "Where is this?"][k]
                if rising and k == 0:
                    text += " — easy pace"
                comments.append(
                    {"post_id": pid, "text": text, "author": f"f{rng.integers(0, 10**6)}"}
                )
    return pl.DataFrame(posts), pl.DataFrame(comments)


# ---------------------------------------------------------------- the detector (pure)


def test_a_rising_tag_keyword_and_theme_are_found_and_flat_or_lone_ones_are_not() -> None:
    posts, comments = _frame()
    scan = find_rising_topics(posts, comments)
    found = {(t.kind, t.term): t for t in scan.topics}
    assert set(found) == {
        ("hashtag", "zone2"),
        ("keyword", "zone training"),
        ("comment_theme", "easy pace"),
    }, sorted(found)
    tag = found[("hashtag", "zone2")]
    recent = posts.filter(pl.col("posted_at").dt.date() >= scan.recent_start)
    assert tag.recent_posts == recent.filter(pl.col("hashtags").list.contains("zone2")).height
    assert tag.baseline_posts == 0 and tag.growth_high is None and tag.growth_low > 1
    assert tag.creators == 8 and tag.q_value <= 0.05 and tag.p_value <= tag.q_value
    assert scan.recent_volume["hashtag"] == recent.height
    assert abs((tag.onset - date(2025, 3, 12)).days) <= 3  # day 70
    assert len(tag.example_post_ids) == 3
    assert all(p in set(recent["post_id"]) for p in tag.example_post_ids)
    assert "#zone2" in tag.reason and "q =" in tag.reason and "8 creators" in tag.reason
    # the parts of the phrase are explained by it and left out; one creator is not a trend
    assert ("keyword", "zone") not in found and ("hashtag", "solo") not in found
    assert scan.candidates >= 5
    assert json.dumps(scan.to_dict())


def test_the_same_frame_before_the_rise_reports_nothing_and_q_is_a_real_control() -> None:
    posts, comments = _frame()
    prepared = topic_mentions(posts, comments)
    assert detect_rising(prepared, as_of=date(2025, 3, 5)).topics == ()
    found = detect_rising(prepared).topics
    lowest = min(t.q_value for t in found)
    strict = detect_rising(prepared, q=lowest / 2)
    assert strict.topics == () and all(t.q_value <= 0.05 for t in found)
    # a lone creator's tag is reported once one creator is enough
    lone = detect_rising(prepared, min_creators=1)
    assert ("hashtag", "solo") in {(t.kind, t.term) for t in lone.topics}


def test_a_pod_like_regular_commenter_does_not_make_a_theme() -> None:
    posts, comments = _frame(rise_from=200)  # nothing rises
    late = posts.filter(pl.col("posted_at") >= T0 + timedelta(days=40))  # a pod forms
    pod = pl.DataFrame(
        [
            {"post_id": p, "text": "Pure gold as always", "author": f"pod{i}"}
            for p in late["post_id"]
            for i in range(4)
        ]
    )
    with_pod = pl.concat([comments, pod])
    assert detect_rising(topic_mentions(posts, with_pod)).topics == ()
    without_authors = topic_mentions(posts, with_pod.drop("author"))
    assert ("comment_theme", "pure gold") in {
        (t.kind, t.term) for t in detect_rising(without_authors).topics
    }


def test_campaign_posts_and_disclosure_words_are_left_out_and_counted() -> None:
    posts, comments = _frame(rise_from=200)  # nothing organic rises
    late = posts.filter(pl.col("posted_at") >= T0 + timedelta(days=72)).head(40)
    paid = late.with_columns(
        ("ad_" + pl.col("post_id")).alias("post_id"),
        ("Partnered with Dewdrop: " + pl.col("caption")).alias("caption"),
        pl.col("hashtags").list.concat(pl.lit(["ad", "dewdropglow"])),
    )
    said = pl.DataFrame(
        {"post_id": paid["post_id"], "text": ["Is this post sponsored?"] * paid.height}
    )
    # undisclosed ones, known from their campaign
    flagged = late.head(5).with_columns(
        ("camp_" + pl.col("post_id")).alias("post_id"),
        pl.lit("Dewdrop glow serum").alias("caption"),
        pl.lit(["dewdropglow"]).alias("hashtags"),
    )
    both = pl.concat(
        [
            posts.with_columns(pl.lit(None, pl.String).alias("campaign_id")),
            paid.with_columns(pl.lit(None, pl.String).alias("campaign_id")),
            flagged.with_columns(pl.lit("camp-1").alias("campaign_id")),
        ]
    )
    everything = pl.concat([comments.select("post_id", "text"), said])
    scan = detect_rising(topic_mentions(both, everything))
    assert scan.topics == ()
    assert scan.campaign_posts == {"recent": paid.height + flagged.height, "baseline": 0}
    assert scan.to_dict()["campaign_posts_left_out"]["recent"] == 45
    kept = detect_rising(topic_mentions(both, everything, leave_out_campaigns=False))
    found = {(t.kind, t.term) for t in kept.topics}
    assert {("hashtag", "ad"), ("hashtag", "dewdropglow"), ("keyword", "partnered")} <= found
    assert kept.campaign_posts == {"recent": 0, "baseline": 0}


def test_bad_parameters_name_the_field() -> None:
    prepared = topic_mentions(*_frame())
    with pytest.raises(ValueError, match="q must be between 0 and 1"):
        detect_rising(prepared, q=0)
    with pytest.raises(ValueError, match=r"kinds: unknown.*allowed: hashtag, keyword"):
        detect_rising(prepared, kinds=("emoji",))
    with pytest.raises(ValueError, match="lacks the columns"):
        topic_mentions(pl.DataFrame({"post_id": ["p"]}))


def _reference_grams(texts: Sequence[str | None], max_words: int) -> set[tuple[int, str]]:
    """The former implementation (string n-grams, then unique per text's row), kept as the
    reference the vectorised one must equal."""
    from trustreach.content._trends import _BREAK, _NULL, _STOP

    words = (
        pl.Series(texts, dtype=pl.String)
        .fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"['’]", "")
        .str.replace_all(_BREAK, f" {_NULL} ")
        .str.replace_all(rf"[^\p{{L}}{_NULL}]+", " ")
        .str.strip_chars()
        .str.split(" ")
    )
    flat = pl.DataFrame({"row": range(len(texts)), "w": words}).explode("w")
    ok = ((~pl.col("w").is_in(_STOP)) & (pl.col("w").str.len_chars() >= 3)).fill_null(False)
    flat = flat.with_columns(ok.alias("ok"))
    out = set(flat.filter(pl.col("ok")).select("row", "w").iter_rows())
    for n in range(2, max_words + 1):
        cond = pl.col("ok") & pl.col("ok").shift(-(n - 1)).fill_null(False)
        cond = cond & (pl.col("row").shift(-(n - 1)) == pl.col("row")).fill_null(False)
        for i in range(1, n - 1):
            w = pl.col("w").shift(-i)
            cond = cond & ((w != _NULL) & (w != "")).fill_null(False)
        term = pl.concat_str([pl.col("w").shift(-i) for i in range(n)], separator=" ")
        kept = flat.with_columns(term.alias("t"), cond.alias("keep")).filter(pl.col("keep"))
        out |= set(kept.select("row", "t").iter_rows())
    return out


def test_vectorised_mentions_equal_the_string_reference_on_a_generated_frame() -> None:
    rng = np.random.default_rng(3)
    vocab = ["zone", "training", "the", "run", "Café", "naïve", "it's", "don’t", "ad", "x1y2z"]
    vocab += ["#tag", "@some.one", "https://t.co/x?y=1", "-", " - ", "...", "—", "(fun)", "/", "2"]
    vocab += ["easy", "pace", "easy pace", "EASY", "über", "日本語", "ok", "a", "\n", "zone2"]
    captions: list[str | None] = [
        " ".join(vocab[int(k)] for k in rng.integers(0, len(vocab), int(rng.integers(0, 25))))
        for _ in range(400)
    ]
    captions[:3] = [None, "", "!!!"]
    posts = pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(400)],
            "account_id": [f"a{i % 7}" for i in range(400)],
            "posted_at": [T0 + timedelta(hours=i) for i in range(400)],
            "caption": captions,
            "hashtags": [["Zone2", "#run", " x "] if i % 3 else [] for i in range(400)],
        }
    )
    texts = [captions[int(i)] or "" for i in rng.integers(0, 400, 900)]
    comments = pl.DataFrame({"post_id": [f"p{i % 400}" for i in range(900)], "text": texts})
    prepared = topic_mentions(posts, comments, leave_out_campaigns=False)  # "ad" is a word here
    got = prepared.mentions.join(prepared.terms, on="h").select("row", "kind", "term")
    assert got.height == prepared.mentions.height  # every hash has its words
    seen: dict[str, set[tuple[int, str]]] = {
        k: set() for k in ("hashtag", "keyword", "comment_theme")
    }
    for row, kind, term in got.iter_rows():
        assert (row, term) not in seen[kind]  # once per post
        seen[kind].add((row, term))
    assert seen["keyword"] == _reference_grams(captions, 2)
    rows_of = [int(p[1:]) for p in comments["post_id"]]
    themes = {(rows_of[i], t) for i, t in _reference_grams(texts, 3)}
    assert seen["comment_theme"] == themes
    assert seen["hashtag"] == {(r, t) for r in range(400) if r % 3 for t in ("zone2", "run", "x")}
    # the exact fallback (a hash table) gives the same mentions as the sort
    rows = prepared.mentions["row"].to_numpy()
    hashes = prepared.mentions["h"].to_numpy()
    twice = np.concatenate([rows, rows])
    again = np.concatenate([hashes, hashes])
    by_sort = _trends._once_per_row(twice, again)
    by_table = _trends._once_per_row(twice + np.uint32(1 << 24), again)
    assert len(by_sort) == len(by_table) == len(rows)
    pairs = set(zip(twice[by_sort].tolist(), again[by_sort].tolist(), strict=True))
    assert pairs == set(zip(rows.tolist(), hashes.tolist(), strict=True))


# ---------------------------------------------------------------- the synthetic world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=5, creators=24, followers_per_creator=20, days=120)
    return out


def _rows(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _truth(world: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((world / "ground_truth.json").read_text())
    return data


def test_injected_trends_are_in_the_truth_and_in_captions_and_hashtags(world: Path) -> None:
    truth = _truth(world)
    start = date.fromisoformat(truth["parameters"]["start_date"])
    end = date.fromisoformat(truth["parameters"]["end_date"])
    trends, decoys = truth["trends"], truth["trend_decoys"]
    assert trends and decoys
    assert {t["kind"] for t in trends} >= {"hashtag", "keyword"}
    assert {d["pattern"] for d in decoys} == {"flat", "fading"}
    niches = {t["niche"] for t in trends}
    assert len(niches) < 10  # not every niche
    posts = _rows(world / "posts.jsonl")
    for t in trends:
        day = date.fromisoformat(t["start_date"])
        assert start <= day <= end and (day - start).days == t["start_day"]
        if t["kind"] == "hashtag":
            carrying = [p for p in posts if t["term"] in p["hashtags"]]
            assert len(carrying) == t["posts"]
            assert all(f"#{t['term']}" in p["caption"].split() for p in carrying)
            assert all(p["campaign_id"] is None for p in carrying)  # organic posts only
            late = [p for p in carrying if p["posted_at"][:10] >= t["start_date"]]
            assert len(late) >= t["posts"] - t["posts_before_start"]
        elif t["kind"] == "keyword":
            leading = t["term"][:1].upper() + t["term"][1:] + ": "  # leads the caption
            assert sum(leading in p["caption"].split("\n")[0] for p in posts) == t["posts"]


def test_trends_change_no_count_label_or_sponsored_post(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        synth_world, "inject_trends", lambda *a, **k: {"trends": [], "trend_decoys": []}
    )
    plain = tmp_path / "plain"
    generate_world(plain, seed=5, creators=24, followers_per_creator=20, days=120)
    with_trends, without = _rows(world / "posts.jsonl"), _rows(plain / "posts.jsonl")
    assert len(with_trends) == len(without)
    changed = 0
    for a, b in zip(with_trends, without, strict=True):
        assert {k: v for k, v in a.items() if k not in ("caption", "hashtags")} == {
            k: v for k, v in b.items() if k not in ("caption", "hashtags")
        }
        if a["campaign_id"] is not None:
            assert a == b
        changed += a != b
    assert changed > 0
    ta, tb = _truth(world), _truth(plain)
    for key in ("sentiment", "disclosure", "creators", "best_posting_times", "pods"):
        assert ta[key] == tb[key], key
    ca, cb = _rows(world / "comments.jsonl"), _rows(plain / "comments.jsonl")
    assert [c["comment_id"] for c in ca] == [c["comment_id"] for c in cb]
    assert any(a["text"] != b["text"] for a, b in zip(ca, cb, strict=True))
    for a, b in zip(ca, cb, strict=True):
        if a["text"] != b["text"]:
            assert ta["sentiment"]["labels"][a["comment_id"]] == "positive"
            assert a["text"].startswith(b["text"] + " — ")


# ---------------------------------------------------------------- service, CLI, API


@pytest.fixture(scope="module")
def imported(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    services.import_path(world, workspace=WS, settings=settings)
    return settings


def _big_trend(world: Path) -> dict[str, Any]:
    hashtags = [t for t in _truth(world)["trends"] if t["kind"] == "hashtag"]
    return max(hashtags, key=lambda t: t["posts"])


def test_rising_topics_finds_the_injected_trend_with_evidence_and_one_audit_record(
    world: Path, imported: Settings
) -> None:
    trend = _big_trend(world)
    as_of = date.fromisoformat(trend["start_date"]) + timedelta(days=21)
    result = rising_topics(actor=ANALYST, niche=trend["niche"], as_of=as_of, settings=imported)
    data = result.to_dict()
    assert data["generated_by"].startswith("trustreach ") and data["scope"] == "niche"
    scan = data["niches"][0]
    assert scan["niche"] == trend["niche"] and scan["as_of"] == as_of.isoformat()
    found = {(t["kind"], t["term"]): t for t in scan["topics"]}
    assert ("hashtag", trend["term"]) in found
    topic = found[("hashtag", trend["term"])]
    assert topic["growth"]["low"] > 1 and topic["q_value"] <= 0.05
    assert topic["volume"]["recent_posts"] >= 5 and topic["example_post_ids"]
    decoys = {d["term"] for d in _truth(world)["trend_decoys"]}
    assert not decoys & {t["term"] for t in scan["topics"]}
    with services.open_store(imported).connect() as c:
        entries = (
            c.execute(select(audit_log).where(audit_log.c.seq == result.audit_seq)).mappings().all()
        )
    assert len(entries) == 1
    entry = entries[0]
    assert entry["action"] == "content.rising_topics" and entry["actor"] == "user:ana@acme.test"
    details = (
        entry["details"] if isinstance(entry["details"], dict) else json.loads(entry["details"])
    )
    assert details["niches"][0]["topics"] == len(scan["topics"])
    assert trend["term"] not in json.dumps(details)  # counts only, no captions


def test_a_trend_rising_at_the_worlds_end_is_found_as_of_now(
    world: Path, imported: Settings
) -> None:
    truth = _truth(world)
    end = date.fromisoformat(truth["parameters"]["end_date"])
    now = [t for t in truth["trends"] if t["rising_at_end"] and t["kind"] == "hashtag"]
    assert now, "each world has a trend rising at its end"
    earlier = [t for t in truth["trends"] if not t["rising_at_end"]]
    assert earlier  # kept for the back-test of delays
    for t in now:
        assert 10 <= (end - date.fromisoformat(t["start_date"])).days <= 25
    trend = max(now, key=lambda t: t["posts"])
    result = rising_topics(actor=ANALYST, niche=trend["niche"], settings=imported)  # as of now
    assert result.as_of >= end - timedelta(days=1)
    assert ("hashtag", trend["term"]) in {(t.kind, t.term) for _, t in result.topics}


def test_rising_topics_for_an_account_reads_its_niches_on_its_platform(
    world: Path, imported: Settings
) -> None:
    trend = _big_trend(world)
    owners = {c["creator_id"]: c["niches"] for c in _rows(world / "creators.jsonl")}
    account = next(
        a for a in _rows(world / "creator_accounts.jsonl")
        if owners[a["creator_id"]][0] == trend["niche"]
    )  # fmt: skip
    mine = Actor("user", "me@c.test", Role.creator, WS, creator_id=account["creator_id"])
    result = rising_topics(actor=mine, account=account["account_id"], settings=imported)
    assert result.scope == "account" and result.platform == account["platform"]
    assert [n.niche for n in result.niches] == owners[account["creator_id"]]
    other = Actor("user", "x@c.test", Role.creator, WS, creator_id="cr-9999")
    with pytest.raises(NotFoundError, match="not found"):
        rising_topics(actor=other, account=account["account_id"], settings=imported)
    with pytest.raises(PermissionDenied, match="own account"):
        rising_topics(actor=mine, niche=trend["niche"], settings=imported)


def test_rising_topics_refuses_bad_input_naming_the_field(imported: Settings) -> None:
    with pytest.raises(ConfigurationError, match="exactly one of niche or account"):
        rising_topics(actor=ANALYST, settings=imported)
    with pytest.raises(ConfigurationError, match="exactly one"):
        rising_topics(actor=ANALYST, niche="food", account="x", settings=imported)
    with pytest.raises(ConfigurationError, match=r"known niches: .*food"):
        rising_topics(actor=ANALYST, niche="knitting", settings=imported)
    with pytest.raises(ConfigurationError, match="as_of must be a date"):
        rising_topics(actor=ANALYST, niche="food", as_of="soon", settings=imported)
    with pytest.raises(ConfigurationError, match="as_of must be a date from 1990-01-01"):
        rising_topics(actor=ANALYST, niche="food", as_of=date(1, 1, 1), settings=imported)
    with pytest.raises(NotFoundError, match="workspace"):
        rising_topics(actor=ANALYST, niche="food", workspace="elsewhere", settings=imported)


def test_cli_trends_table_and_json(
    world: Path, imported: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    trend = _big_trend(world)
    as_of = (date.fromisoformat(trend["start_date"]) + timedelta(days=21)).isoformat()
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(imported.data_dir))
    runner = CliRunner()
    args = ["content", "trends", "--niche", trend["niche"], "--as-of", as_of, "--workspace", WS]
    out = runner.invoke(app, [*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert trend["term"] in {t["term"] for t in data["niches"][0]["topics"]}
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert f"#{trend['term']}" in table.output and "Machine-generated" in table.output
    code, _, err = run_main("content", "trends", "--niche", "knitting", "--workspace", WS)
    assert code != 0 and "known niches" in err


def test_api_trends_for_readers_and_a_creators_own_account(world: Path, imported: Settings) -> None:
    trend = _big_trend(world)
    api = client(imported)
    as_of = (date.fromisoformat(trend["start_date"]) + timedelta(days=21)).isoformat()
    api.app.dependency_overrides[current_actor] = lambda: ANALYST
    r = api.get("/api/v1/content/trends", params={"niche": trend["niche"], "as_of": as_of})
    assert r.status_code == 200, r.text
    assert trend["term"] in {t["term"] for t in r.json()["niches"][0]["topics"]}
    assert api.get("/api/v1/content/trends").status_code == 422
    bad = api.get("/api/v1/content/trends", params={"niche": "knitting"})
    assert bad.status_code == 422 and "known niches" in bad.text
    account = _rows(world / "creator_accounts.jsonl")[0]
    api.app.dependency_overrides[current_actor] = lambda: Actor(
        "user", "me@c.test", Role.creator, WS, creator_id=account["creator_id"]
    )
    own = api.get("/api/v1/content/trends", params={"account": account["account_id"]})
    assert own.status_code == 200 and own.json()["scope"] == "account"
    assert api.get("/api/v1/content/trends", params={"niche": trend["niche"]}).status_code == 403
    api.app.dependency_overrides[current_actor] = lambda: Actor(
        "user", "x@c.test", Role.creator, WS, creator_id="cr-9999"
    )
    other = api.get("/api/v1/content/trends", params={"account": account["account_id"]})
    assert other.status_code == 404
