"""The topic gate: topical shortlists hold on-topic creators, in plain and fair mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import Settings
from trustreach.discovery import Brief
from trustreach.discovery._relevance import MIN_TOPIC_FIT, topic_gate
from trustreach.synth import generate_world
from trustreach.synth._lexicon import NICHES

FAIR = "gender=woman:auto:0.1"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=11, creators=40, followers_per_creator=40, days=60)
    return out


def _truth(world: Path) -> dict[str, str]:
    data = json.loads((world / "ground_truth.json").read_text())
    return {cid: entry["niche"] for cid, entry in data["creators"].items()}


def _brief(topics: list[str], **update: object) -> Brief:
    data: dict[str, object] = {
        "brief_id": "topical",
        "brand": "Test",
        "objective": "awareness",
        "category": "general",
        "platforms": ["instagram", "tiktok", "youtube"],
        "audience": {"age_bands": ["18-24", "25-34"], "countries": ["US", "GB"]},
        "topics": topics,
        "budget": {"amount": 20000, "currency": "USD"},
        "content_language": "en",
    }
    data.update(update)
    return Brief.model_validate(data)


@pytest.mark.parametrize("fair", [None, FAIR], ids=["plain", "fair"])
def test_topical_top_k_holds_the_niche_and_no_near_zero_fit(
    world: Path, sqlite_settings: Settings, fair: str | None
) -> None:
    services.import_path(world, workspace="w", settings=sqlite_settings)
    truth = _truth(world)
    hits = total = 0
    for niche in NICHES:
        brief = _brief(list(niche.topics))
        # the pool the brief could shortlist, topics aside (topic weight 0: no gate)
        pool = services.discover(
            _brief(list(niche.topics), weights={"topic_fit": 0}),
            top_n=1,
            propose=False,
            workspace="w",
            settings=sqlite_settings,
        ).ranking
        k = min(10, sum(1 for c in pool.scores if truth[c] == niche.name))
        ranking = services.discover(
            brief, top_n=10, fair=fair, propose=False, workspace="w", settings=sqlite_settings
        ).ranking
        for row in ranking.shortlist:
            fit = row.component("topic_fit").score
            assert fit is None or fit >= MIN_TOPIC_FIT, (niche.name, row.creator_id, fit)
        hits += sum(truth[row.creator_id] == niche.name for row in ranking.shortlist[:k])
        total += k
    assert total > 0 and hits / total >= 0.9


def test_the_gate_is_reported_as_out_of_scope(world: Path, sqlite_settings: Settings) -> None:
    services.import_path(world, workspace="w", settings=sqlite_settings)
    ranking = services.discover(
        _brief(["skincare routines", "SPF and sun care"]),
        top_n=10,
        propose=False,
        workspace="w",
        settings=sqlite_settings,
    ).ranking
    reasons = [r for r in ranking.out_of_scope if "far from the brief's topics" in r]
    assert len(reasons) == 1 and ranking.out_of_scope[reasons[0]] > 0
    gate = ranking.topic_gate
    assert gate is not None and f"under {gate.threshold:.2f}" in reasons[0]
    best = max(r.component("topic_fit").score or 0 for r in ranking.shortlist)
    assert gate.best >= best - 1e-3  # the best in-scope candidate, shortlisted or not
    assert gate.threshold == pytest.approx(max(MIN_TOPIC_FIT, gate.share * gate.best), abs=1e-4)
    for row in ranking.shortlist:
        assert (row.component("topic_fit").score or gate.threshold) >= gate.threshold
    assert ranking.to_dict()["topic_gate"]["threshold"] == gate.threshold


def test_topic_weight_zero_says_topics_do_not_matter(
    world: Path, sqlite_settings: Settings
) -> None:
    services.import_path(world, workspace="w", settings=sqlite_settings)
    ranking = services.discover(
        _brief(["skincare routines"], weights={"topic_fit": 0}),
        top_n=40,
        propose=False,
        workspace="w",
        settings=sqlite_settings,
    ).ranking
    assert not any("far from the brief's topics" in r for r in ranking.out_of_scope)
    assert ranking.topic_gate is None and ranking.to_dict()["topic_gate"] is None
    fits = [row.component("topic_fit").score for row in ranking.shortlist]
    assert any(f is not None and f < MIN_TOPIC_FIT for f in fits)


def test_gate_needs_a_topic_weight_and_a_measurement() -> None:
    import numpy as np

    assert topic_gate(np.array([np.nan, np.nan]), 0.25) is None
    gate = topic_gate(np.array([0.9, 0.05, np.nan]), 0.25)
    assert gate is not None and gate.threshold == pytest.approx(0.45)
    assert gate.off_topic(np.array([0.9, 0.05, np.nan])).tolist() == [False, True, False]


def test_cli_discover_json_has_no_off_topic_row(
    world: Path, sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.import_path(world, workspace="w", settings=sqlite_settings)
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(sqlite_settings.data_dir))
    path = tmp_path / "brief.yaml"
    brief = _brief(["personal finance", "budgeting tips"])
    path.write_text(yaml.safe_dump(brief.model_dump(mode="json", exclude_none=True)))
    result = CliRunner().invoke(
        app, ["discover", str(path), "--top", "10", "--dry-run", "--format", "json",
              "--workspace", "w"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    truth = _truth(world)
    assert any("far from the brief's topics" in r for r in data["out_of_scope"])
    for row in data["shortlist"]:
        topic = next(c for c in row["components"] if c["name"] == "topic_fit")
        assert topic["score"] is None or topic["score"] >= MIN_TOPIC_FIT
    assert data["shortlist"] and truth[data["shortlist"][0]["creator_id"]] == "finance"
