"""Hashtag suggestions: the domain on hand-made histories, the service on a synthetic world,
the CLI and the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from sqlalchemy import select
from tests._api import client
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.content import blocklist, caption_niches, hashtag_evidence, rank_hashtags
from trustreach.core import Actor, ConfigurationError, NotFoundError, Role, Settings
from trustreach.ethics.disclosure import rulebook
from trustreach.nlp import TextEmbedder
from trustreach.services._content_data import posts_frame
from trustreach.services._content_hashtags import (
    HASHTAG_COLUMNS,
    MAX_CAPTION_CHARS,
    suggest_hashtags,
)
from trustreach.store._tables import audit_log
from trustreach.synth import generate_world

WS = "acme"
ANALYST = Actor("user", "ana@acme.test", Role.analyst, WS)
CAPTIONS = {
    "beauty": ["my morning skincare routine with a serum", "soft glam makeup for date night"],
    "fitness": ["leg day workout at the gym", "five kilometre run before breakfast"],
    "gaming": ["ranking every indie game I played", "boss fight speedrun attempt"],
}
TAGS = {
    "beauty": ["skincare", "makeup", "glowup", "serum", "mua"],
    "fitness": ["workout", "legday", "gymlife", "running", "protein"],
    "gaming": ["gaming", "indiegames", "speedrun", "gamer", "retrogaming"],
}
LIFT = {"glowup": 0.4}  # the one tag with a real effect (log scale)


def history(seed: int = 3, *, spam: bool = True, posts_per_account: int = 60) -> pl.DataFrame:
    """Three niches, four accounts each; ``glowup`` lifts engagements by exp(0.4).

    Every post may also carry ``fyp`` (half of all posts: generic, every niche) and,
    when ``spam``, follow-for-follow and disclosure tags that come with a large lift.
    """
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for niche, tags in TAGS.items():
        for a in range(4):
            account = f"{niche}-{a}"
            level = rng.normal(6.0, 0.5)
            for i in range(posts_per_account):
                carried = [t for t in tags if rng.random() < 0.35]
                if rng.random() < 0.5:
                    carried.append("fyp")
                y = level + rng.normal(0, 0.3) + sum(LIFT.get(t, 0.0) for t in carried)
                if spam and rng.random() < 0.2:
                    carried += ["followforfollow", "spon", "ad", "acmepartner"]
                    y += 0.8
                media = "reel" if rng.random() < 0.5 else "image"
                y += 0.2 if media == "reel" else 0.0
                rows.append(
                    {
                        "post_id": f"{account}-{i}",
                        "account_id": account,
                        "creator_id": f"c-{account}",
                        "platform": "instagram",
                        "niches": [niche],
                        "posted_at": start + timedelta(days=i, hours=int(rng.integers(0, 24))),
                        "media_type": media,
                        "caption": str(rng.choice(CAPTIONS[niche])),
                        "hashtags": carried,
                        "engagements": int(np.expm1(y)),
                    }
                )
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def evidence() -> Any:
    return hashtag_evidence(history())


def test_the_tag_that_lifts_reach_is_found_with_its_interval(
    evidence: Any, embedder: TextEmbedder
) -> None:
    advice = rank_hashtags(evidence, account_id="beauty-0", niches=["beauty"], embedder=embedder)
    by_tag = {s.tag: s for s in advice.suggestions}
    glow = by_tag["glowup"]
    assert advice.suggestions[0].tag == "glowup"
    assert glow.reach_signal == "lifts reach" and glow.basis == "account"
    assert glow.lift_low < np.expm1(0.4) < glow.lift_high
    assert glow.posts_with > 0 and glow.posts_without > 0
    assert glow.posts_with + glow.posts_without == advice.account_posts == 60
    assert "glowup" in glow.reason and "posts with it" in glow.reason
    nulls = [s for s in advice.suggestions if s.tag in {"skincare", "makeup", "serum", "mua"}]
    assert nulls and all(s.reach_signal != "lifts reach" for s in nulls)
    assert all(set(s.to_dict()["parts"]) == {"relevance", "reach", "saturation"} for s in nulls)


def test_never_suggests_spam_or_disclosure_tags_however_they_perform(
    evidence: Any, embedder: TextEmbedder
) -> None:
    advice = rank_hashtags(
        evidence, account_id="fitness-1", niches=["fitness"], top=50, embedder=embedder
    )
    suggested = {s.tag for s in advice.suggestions}
    assert not suggested & {"followforfollow", "spon", "ad", "acmepartner"}
    groups = {b.tag: b.group for b in advice.excluded}
    assert groups == {
        "acmepartner": "disclosure_ambiguous",
        "ad": "disclosure_label",
        "followforfollow": "engagement_exchange",
        "spon": "disclosure_ambiguous",
    }
    # one list is the truth: every word the disclosure rules reject is blocked as a tag
    rejected = {w.replace(" ", "") for wd in rulebook().wording.values() for w in wd.rejected}
    assert all(blocklist().why(f"#{w.upper()}") is not None for w in rejected)
    assert blocklist().why("glowup") is None


def test_generic_tags_are_marked_and_demoted(evidence: Any, embedder: TextEmbedder) -> None:
    advice = rank_hashtags(
        evidence, account_id="gaming-2", niches=["gaming"], top=50, embedder=embedder
    )
    fyp = next(s for s in advice.suggestions if s.tag == "fyp")
    assert fyp.saturated and fyp.saturation > 0.4 and fyp.saturation_niches == 3
    assert fyp.parts["saturation"] == pytest.approx(0.5)
    assert "too generic" in fyp.reason
    assert fyp.tag not in [s.tag for s in advice.suggestions[:3]]
    assert not any(s.saturated for s in advice.suggestions if s.tag != "fyp")


def test_thin_history_leans_on_the_niche(embedder: TextEmbedder) -> None:
    frame = history(seed=4)
    few = [f"beauty-3-{i}" for i in range(6)]
    thin = frame.filter((pl.col("account_id") != "beauty-3") | pl.col("post_id").is_in(few))
    ev = hashtag_evidence(thin)
    niche = ev.niche_effects(["beauty"])["glowup"]
    advice = rank_hashtags(ev, account_id="beauty-3", niches=["beauty"], embedder=embedder)
    assert advice.account_posts < 10
    glow = next((s for s in advice.suggestions if s.tag == "glowup"), None)
    assert glow is not None and glow.reach_signal == "lifts reach"
    assert abs(np.log1p(glow.reach_lift) - niche.effect) < 0.1  # close to the niche's


def test_a_caption_alone_reads_its_niche(evidence: Any, embedder: TextEmbedder) -> None:
    niches = caption_niches(evidence, "a new serum in my skincare routine", embedder)
    assert niches[0][0] == "beauty"
    advice = rank_hashtags(evidence, caption="a new serum in my skincare routine #mua")
    assert advice.niches[0] == "beauty" and advice.account_posts == 0
    tags = [s.tag for s in advice.suggestions]
    assert "mua" not in tags  # already in the caption
    assert set(tags) <= set(TAGS["beauty"]) | {"fyp"}
    serum = next(s for s in advice.suggestions if s.tag == "serum")
    gym = rank_hashtags(evidence, caption="leg day at the gym", top=50).suggestions
    assert serum.relevance > 0 and all(s.tag != "serum" for s in gym)


def test_bad_arguments_are_refused(evidence: Any) -> None:
    with pytest.raises(ValueError, match="caption, an account"):
        rank_hashtags(evidence)
    with pytest.raises(ValueError, match="top must be"):
        rank_hashtags(evidence, caption="x", top=0)
    with pytest.raises(ValueError, match="lack columns"):
        hashtag_evidence(pl.DataFrame({"account_id": ["a"]}))


# ------------------------------------------------------------------ the service on a store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=9, creators=12, followers_per_creator=20, days=120)
    return out


@pytest.fixture(scope="module")
def imported(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    services.import_path(world, workspace=WS, settings=settings)
    return settings


def _account(settings: Settings) -> tuple[str, str]:
    with services.open_store(settings).connect() as c:
        frame = posts_frame(c, WS, columns=HASHTAG_COLUMNS)
    top = frame.group_by("account_id", "creator_id").len().sort("len", descending=True).row(0)
    return str(top[0]), str(top[1])


def test_suggestions_for_an_account_with_evidence_and_one_audit_record(
    imported: Settings, world: Path
) -> None:
    account, _ = _account(imported)
    caption = "Testing the viral serum so you don't have to"
    result = suggest_hashtags(actor=ANALYST, account=account, caption=caption, settings=imported)
    data = result.to_dict()
    assert data["generated_by"].startswith("trustreach ") and "hashtags" in data["generated_by"]
    assert data["account_id"] == account and 0 < len(data["suggestions"]) <= 10
    assert data["evidence"]["account_posts"] > 0 and data["evidence"]["peer_posts"] > 0
    for s in data["suggestions"]:
        low, high = s["lift_interval"]
        assert low <= s["reach_lift"] <= high and s["reason"]
        assert s["posts_with"] + s["posts_without"] > 0 or s["basis"] == "none"
    blocked = blocklist()
    assert all(blocked.why(s["tag"]) is None for s in data["suggestions"])
    scores = [s["score"] for s in data["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    with services.open_store(imported).connect() as c:
        entry = (
            c.execute(select(audit_log).where(audit_log.c.seq == result.audit_seq)).mappings().one()
        )
    assert entry["action"] == "content.hashtags" and entry["actor"] == "user:ana@acme.test"
    raw = json.dumps(entry["details"]) + str(entry["subject"]) + str(entry["input_digest"])
    assert "serum" not in raw and "viral" not in raw  # a digest of the caption, never its text
    details = entry["details"]
    details = details if isinstance(details, dict) else json.loads(details)
    assert details["caption_chars"] == len(caption)


def test_roles_tenancy_and_bad_input(imported: Settings) -> None:
    account, creator = _account(imported)
    mine = Actor("user", "me@c.test", Role.creator, WS, creator_id=creator)
    assert suggest_hashtags(actor=mine, account=account, settings=imported).account_id == account
    other = Actor("user", "x@c.test", Role.creator, WS, creator_id="cr-9999")
    with pytest.raises(NotFoundError, match="not found"):
        suggest_hashtags(actor=other, account=account, settings=imported)
    stranger = Actor("user", "x@globex.test", Role.admin, "globex")
    with pytest.raises(NotFoundError):
        suggest_hashtags(actor=stranger, account=account, workspace=WS, settings=imported)
    with pytest.raises(ConfigurationError, match="caption, an account"):
        suggest_hashtags(actor=ANALYST, settings=imported)
    with pytest.raises(ConfigurationError, match=f"at most {MAX_CAPTION_CHARS} characters"):
        suggest_hashtags(actor=ANALYST, caption="x" * (MAX_CAPTION_CHARS + 1), settings=imported)
    with pytest.raises(ConfigurationError, match="top must be between 1 and 50"):
        suggest_hashtags(actor=ANALYST, caption="x", top=0, settings=imported)
    with pytest.raises(NotFoundError, match="did you mean"):
        suggest_hashtags(actor=ANALYST, account=account + "x", settings=imported)


def test_cli_table_and_json(imported: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(imported.data_dir))
    account, _ = _account(imported)
    runner = CliRunner()
    out = runner.invoke(
        app,
        ["content", "hashtags", "--account", account, "--top", "3", "--format", "json",
         "--workspace", WS],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["account_id"] == account and len(data["suggestions"]) == 3
    table = runner.invoke(
        app, ["content", "hashtags", "--caption", "New PR today", "--workspace", WS]
    )
    assert table.exit_code == 0, table.output
    assert "Hashtags for the caption" in table.output and "Machine-generated" in table.output
    assert "90% interval" in table.output
    none = runner.invoke(app, ["content", "hashtags", "--workspace", WS])
    assert none.exit_code != 0 and "caption, an account" in str(none.exception)


def test_api_route(imported: Settings) -> None:
    from trustreach.api._auth import current_actor

    account, _ = _account(imported)
    api = client(imported)
    secret, _ = services.create_key(
        workspace=WS, role=Role.auditor, label="t", by=services.cli_actor(WS), settings=imported
    )
    headers = {"Authorization": f"Bearer {secret}"}
    r = api.post("/api/v1/content/hashtags", json={"account": account, "top": 2}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["account_id"] == account and len(body["suggestions"]) == 2
    assert body["generated_by"].startswith("trustreach ") and body["audit_seq"]
    assert api.post("/api/v1/content/hashtags", json={}, headers=headers).status_code == 422
    long = {"caption": "x" * (MAX_CAPTION_CHARS + 1)}
    assert api.post("/api/v1/content/hashtags", json=long, headers=headers).status_code == 422
    assert api.post("/api/v1/content/hashtags", json={"caption": "x"}).status_code == 401
    api.app.dependency_overrides[current_actor] = lambda: Actor(
        "user", "me@c.test", Role.creator, WS, creator_id="cr-9999"
    )
    other = api.post("/api/v1/content/hashtags", json={"account": account})
    assert other.status_code == 404
