"""Audience risk on every shortlist row, the brief's authenticity policy, unknown creator ids,
one wording for the four-fifths flag, fair mode's effect, and the shortlist page's order."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from tests._discovery import make_brief
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import NotFoundError, Settings
from trustreach.discovery import (
    AUTHENTICITY_RULE_ID,
    FRAUD_SIGNALS,
    BriefError,
    CreatorIndex,
    FairSpec,
    fair_effect,
    load_brief,
    parse_brief,
    query_from_brief,
    query_like,
    rank_creators,
    render_shortlist_html,
)
from trustreach.ethics.fairness import exposure_audit
from trustreach.nlp import TextEmbedder
from trustreach.synth import generate_world

ROOT = Path(__file__).resolve().parent.parent
BRIEFS = ROOT / "examples" / "briefs"
SKIN = "my morning skincare routine with serum and SPF #skincare #glowyskin"
AGE = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")


def _index(embedder: TextEmbedder, creators: Sequence[dict[str, Any]]) -> CreatorIndex:
    """One instagram account per creator; ``signals`` maps a signal kind to its raised strength,
    ``quality`` None means the creator was never audited."""
    rows = sorted(creators, key=lambda c: c["id"])
    n = len(rows)
    audited = np.array([r.get("quality", 80.0) is not None for r in rows])
    fake = np.where(audited, [r.get("fake", 0.05) for r in rows], np.nan)
    signals = np.zeros((n, len(FRAUD_SIGNALS)), dtype=np.float32)
    for i, r in enumerate(rows):
        for kind, strength in r.get("signals", {}).items():
            signals[i, FRAUD_SIGNALS.index(kind)] = strength
    signals[~audited] = np.nan
    f = np.asarray
    ones = np.ones(n)
    return CreatorIndex(
        creator_id=f([r["id"] for r in rows], dtype=object),
        account_id=f([f"{r['id']}-ig" for r in rows], dtype=object),
        display_name=f([r.get("name", r["id"].title()) for r in rows], dtype=object),
        platform=f(["instagram"] * n, dtype=object),
        language=f(["en"] * n, dtype=object),
        followers=f([r.get("followers", 50_000) for r in rows], dtype=np.float64),
        age=np.full((n, len(AGE)), np.nan, dtype=np.float32),
        gender=np.full((n, 4), np.nan, dtype=np.float32),
        countries=("GB",),
        country=np.full((n, 1), np.nan, dtype=np.float32),
        topics=embedder.embed([SKIN] * n),
        top_terms=f(["#skincare"] * n, dtype=object),
        fake_share=fake,
        fake_low=fake - 0.01,
        fake_high=fake + 0.01,
        quality=f(
            [np.nan if r.get("quality", 80.0) is None else r.get("quality", 80.0) for r in rows],
            dtype=np.float64,
        ),
        engagements=1_000.0 * ones,
        engagements_low=500.0 * ones,
        engagements_high=2_000.0 * ones,
        reach=f([r.get("reach", 20_000.0) for r in rows], dtype=np.float64),
        reach_low=10_000.0 * ones,
        reach_high=40_000.0 * ones,
        rate=500.0 * ones,
        rate_currency=f(["USD"] * n, dtype=object),
        signals=signals,
        meta={"model_versions": {"performance": "test@1"}},
    )


# the shape of the demo world's cr-0022: low Audience Quality, three strong signals, big reach
RISKY = {
    "id": "cr-0022",
    "name": "Noa | Beauty",
    "quality": 40.4,
    "fake": 0.22,
    "followers": 900_000,
    "reach": 200_000.0,
    "signals": {"follower_spike": 0.97, "engagement_pod": 0.64, "bot_comments": 1.0},
}
POOL = [
    RISKY,
    {"id": "cr-0001", "quality": 91.0, "fake": 0.08},
    {"id": "cr-0002", "quality": 88.0, "fake": 0.1, "signals": {"like_comment_ratio": 0.3}},
    {"id": "cr-0003", "quality": None},
    {"id": "cr-0004", "quality": 48.0, "fake": 0.3},
]


def test_every_row_shows_audience_quality_fake_share_interval_and_signals(
    embedder: TextEmbedder,
) -> None:
    index = _index(embedder, POOL)
    ranking = rank_creators(
        index,
        query_from_brief(
            make_brief(authenticity={"fraud_signals": "show", "low_quality": "show"}), embedder
        ),
        top_n=5,
    )
    rows = {r.creator_id: r for r in ranking.shortlist}
    assert set(rows) == {p["id"] for p in POOL}
    risky = rows["cr-0022"].to_dict()["authenticity"]
    assert risky["audited"] and risky["audience_quality"] == pytest.approx(40.4)
    assert risky["fake_share"] == pytest.approx(0.22)
    assert risky["fake_share_low_95"] < risky["fake_share"] < risky["fake_share_high_95"]
    assert [s["kind"] for s in risky["signals_raised"]] == [
        "bot_comments",
        "follower_spike",
        "engagement_pod",
    ]
    assert "Audience Quality 40" in rows["cr-0022"].explanation
    assert "bot-like comments" in rows["cr-0022"].explanation
    unaudited = rows["cr-0003"].to_dict()["authenticity"]
    assert not unaudited["audited"] and unaudited["summary"] == "not audited"
    assert "not audited" in rows["cr-0003"].explanation
    json.dumps(ranking.to_dict())


def test_default_policy_holds_low_quality_and_strong_signals_for_review(
    embedder: TextEmbedder,
) -> None:
    index = _index(embedder, POOL)
    ranking = rank_creators(index, query_from_brief(make_brief(), embedder), top_n=5)
    ranked = [r.creator_id for r in ranking.shortlist]
    held = {f.creator_id: f for f in ranking.review}
    # held, never silently ranked: under 50, or a raised signal of strength ≥ 0.5
    assert set(held) == {"cr-0022", "cr-0004"} and not set(held) & set(ranked)
    assert "cr-0002" in ranked  # a weak raised signal (0.3) is shown, not held
    assert "cr-0003" in ranked  # not audited: ranked by default, and says so
    finding = held["cr-0022"]
    assert finding.rule_id == AUTHENTICITY_RULE_ID
    assert "Audience Quality 40.4" in finding.reason and "follower spike" in finding.reason
    assert finding.numbers["audience_quality"] == pytest.approx(40.4)
    assert finding.numbers["min_audience_quality"] == 50
    assert finding.numbers["signal_bot_comments"] == pytest.approx(1.0)
    assert "under the brief's minimum of 50" in held["cr-0004"].reason
    assert AUTHENTICITY_RULE_ID in {r.rule_id for r in ranking.rules_applied}
    data = ranking.to_dict()
    assert {r["creator_id"]: r["display_name"] for r in data["review"]}["cr-0022"] == (
        "Noa | Beauty"
    )


def test_policy_actions_exclude_show_and_not_audited(embedder: TextEmbedder) -> None:
    index = _index(embedder, POOL)

    def run(**policy: Any) -> Any:
        brief = make_brief(authenticity=policy)
        return rank_creators(index, query_from_brief(brief, embedder), top_n=5)

    excluded = run(fraud_signals="exclude")
    assert "cr-0022" in {f.creator_id for f in excluded.excluded}
    assert "cr-0004" in {f.creator_id for f in excluded.review}  # low quality: still review
    shown = run(fraud_signals="show", low_quality="show")
    assert not shown.review and {"cr-0022", "cr-0004"} <= {r.creator_id for r in shown.shortlist}
    strict = run(not_audited="review", min_signal_strength=0.2, min_audience_quality=30)
    assert {f.creator_id for f in strict.review} == {"cr-0003", "cr-0022", "cr-0002"}
    assert "not been audited" in next(f.reason for f in strict.review if f.creator_id == "cr-0003")


def test_lookalikes_hold_risky_creators_too(embedder: TextEmbedder) -> None:
    index = _index(embedder, POOL)
    ranking = rank_creators(index, query_like(index, "cr-0001"), top_n=5)
    assert "cr-0022" in {f.creator_id for f in ranking.review}
    assert "cr-0022" not in {r.creator_id for r in ranking.shortlist}
    assert all(r.risk is not None for r in ranking.shortlist)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            {"fraud_signals": "maybe"},
            r"authenticity\.fraud_signals: 'maybe' not allowed; "
            r"allowed: review, exclude, show",
        ),
        ({"low_quality": "hide"}, r"authenticity\.low_quality: .*allowed: review, exclude, show"),
        ({"min_audience_quality": 120}, r"authenticity\.min_audience_quality"),
        ({"min_signal_strength": 2}, r"authenticity\.min_signal_strength"),
        (
            {"fraud_signal": "review"},
            r"authenticity\.fraud_signal: unknown field "
            r"\(did you mean 'fraud_signals'\?\)",
        ),
    ],
)
def test_authenticity_policy_errors_name_the_field_and_allowed_values(
    policy: dict[str, Any], message: str
) -> None:
    data = make_brief().model_dump(mode="json")
    with pytest.raises(BriefError, match=message):
        parse_brief({**data, "authenticity": policy})


def test_unknown_creator_ids_in_a_brief_or_like_are_errors_that_name_them(
    embedder: TextEmbedder,
) -> None:
    index = _index(embedder, POOL)
    brief = make_brief(exclusions={"creator_ids": ["creator-0042", "cr-0001"]})
    with pytest.raises(
        BriefError,
        match=r"exclusions\.creator_ids: no creator with id "
        r"'creator-0042'",
    ) as caught:
        rank_creators(index, query_from_brief(brief, embedder), top_n=3)
    assert "cr-0001" not in str(caught.value).split("ids like")[0]
    with pytest.raises(
        NotFoundError,
        match=r"--like: no creator with id 'creator-0001'.*"
        r"did you mean 'cr-0001'",
    ):
        query_like(index, "creator-0001")


def test_example_briefs_and_docs_name_only_ids_of_the_demo_world() -> None:
    truth = ROOT / "demo-world" / "ground_truth.json"
    texts = [p.read_text(encoding="utf-8") for p in sorted(BRIEFS.glob("*.y*ml"))]
    for name in ("briefs.md", "discovery.md"):  # the examples: fenced blocks of the docs
        texts += (ROOT / "docs" / name).read_text(encoding="utf-8").split("```")[1::2]
    ids = {m for text in texts for m in re.findall(r"\b(?:cr|creator)-\d+\b", text)}
    assert not {i for i in ids if not i.startswith("cr-")}, "ids look like cr-0042"
    # the synthetic demo world (seed 7, 80 creators) numbers creators cr-0001 … cr-0080
    assert all(1 <= int(i.split("-")[1]) <= 80 for i in ids), ids
    if truth.is_file():  # the generated demo world, when present, agrees
        creators = json.loads(truth.read_text(encoding="utf-8"))["creators"]
        assert ids <= set(creators)
    for path in sorted(BRIEFS.glob("*.y*ml")):
        brief = load_brief(path)
        assert all(re.fullmatch(r"cr-\d{4}", c) for c in brief.exclusions.creator_ids)


def test_four_fifths_wording_names_the_metric_behind_the_flag() -> None:
    pool = [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)]
    groups = {c: c[0] for c in pool}
    # equal selection (4 of 10 each) but group b mostly scores below the median
    ranked = ["a0", "a1", "b0", "b1", "a2", "a3", "b2", "b3"]
    scores = {c: (1.0 if c.startswith("a") else 0.1) for c in pool}
    scores.update({"b0": 0.9, "b1": 0.9, "b2": 0.9, "b3": 0.9})
    audit = exposure_audit(ranked, groups, pool=pool, scores=scores, min_group_size=5)
    assert audit.min_impact_ratio == pytest.approx(1.0)
    assert audit.min_scoring_impact_ratio is not None and audit.min_scoring_impact_ratio < 0.8
    assert audit.four_fifths_ok is False
    assert audit.four_fifths_flagged_by == ("scoring_rate",)
    summary = audit.four_fifths_summary()
    below = summary.split(";")[0]
    assert below.startswith("below four-fifths")
    assert f"scoring-rate impact ratio {audit.min_scoring_impact_ratio:.2f} (b)" in below
    assert "selection-rate" not in below  # the metric that passed is not blamed
    assert audit.to_dict()["four_fifths_summary"] == summary


def _fair_pool(embedder: TextEmbedder) -> tuple[CreatorIndex, dict[str, dict[str, str]]]:
    rows, groups = [], {}
    for i in range(40):
        protected = i % 2 == 1
        rows.append(
            {
                "id": f"cr-{i:04d}",
                "followers": (20_000 if protected else 200_000) + i,
                "reach": (4_000.0 if protected else 40_000.0) + i,
            }
        )
        groups[f"cr-{i:04d}"] = "woman" if protected else "man"
    return _index(embedder, rows), {"gender": groups}


def test_fair_effect_reports_the_groups_impact_ratio_before_and_after(
    embedder: TextEmbedder,
) -> None:
    index, groups = _fair_pool(embedder)
    query = query_from_brief(make_brief(), embedder)
    fair = rank_creators(
        index, query, top_n=10, groups=groups, fair=FairSpec("gender", "woman", None, 0.1)
    )
    effect = fair_effect(fair)
    assert effect is not None and effect.impact_ratio_before == pytest.approx(0.0)
    assert effect.impact_ratio_after is not None and effect.impact_ratio_after >= 0.8
    assert effect.selected_before == 0 and (effect.selected_after or 0) > 0
    assert fair.fair is not None and effect.utility_loss == pytest.approx(
        fair.fair.reranking.utility_loss
    )
    text = effect.sentence()
    assert f"{effect.impact_ratio_after:.2f}" in text and f"{effect.utility_loss:.1%}" in text
    assert fair.to_dict()["fair"]["effect"]["impact_ratio_after"] == effect.impact_ratio_after
    assert fair_effect(rank_creators(index, query, top_n=10, groups=groups)) is None


def test_shortlist_page_opens_with_the_ranked_table_and_risk_columns(
    embedder: TextEmbedder,
) -> None:
    index = _index(embedder, POOL)
    groups = {"gender": {"cr-0001": "man", "cr-0002": "woman"}}  # too few to summarise
    ranking = rank_creators(index, query_from_brief(make_brief(), embedder), top_n=5, groups=groups)
    page = render_shortlist_html(ranking)
    table = page.index("<h2>Shortlist</h2>")
    assert table < page.index("Score components per creator")
    assert table < page.index("Exposure audit by declared group")
    for column in ("Audience Quality", "fake-looking followers (95% CI)", "fraud signals raised"):
        assert table < page.index(column) < page.index("Exposure audit by declared group")
    assert "not audited" in page
    held = page.index("Held for human review (2)")
    assert table < held < page.index("Exposure audit by declared group")
    assert "Noa | Beauty (cr-0022)" in page  # the name next to the id in the held list
    # too few declared to summarise: folded away, still there
    assert "<details><summary>gender:" in page


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=7, creators=30, followers_per_creator=100, days=60)
    return out


def test_cli_discover_shows_risk_held_creators_fairness_wording_and_unknown_ids(
    world: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    env = {"TRUSTREACH_DATA_DIR": str(data), "COLUMNS": "220"}
    assert runner.invoke(app, ["import", str(world), "-w", "w"], env=env).exit_code == 0
    settings = Settings(data_dir=data)
    index = services.load_discovery_index(workspace="w", settings=settings)
    ids = sorted({str(c) for c in index.creator_id})
    for creator in ids[:20]:
        services.audit_creator(creator, workspace="w", settings=settings)

    brief = yaml.safe_load((BRIEFS / "skincare_awareness.yaml").read_text(encoding="utf-8"))
    brief["exclusions"]["creator_ids"] = []
    brief["authenticity"] = {"min_audience_quality": 100, "fraud_signals": "review"}
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(brief), encoding="utf-8")
    shown = runner.invoke(
        app, ["discover", str(strict), "-n", "5", "--dry-run", "-w", "w"], env=env
    )
    assert shown.exit_code == 0, shown.output
    assert "audience audit" in shown.output and "Held for human review" in shown.output
    assert "brief-authenticity" in shown.output and "under the brief's minimum of 100" in (
        " ".join(shown.output.split())
    )
    held = json.loads(
        runner.invoke(
            app, ["discover", str(strict), "-n", "5", "--dry-run", "-f", "json", "-w", "w"], env=env
        ).output
    )
    names = {str(c): str(n) for c, n in zip(index.creator_id, index.display_name, strict=True)}
    for finding in held["review"]:
        assert finding["display_name"] == names[finding["creator_id"]]
        assert (
            f"{finding['display_name']} ({finding['creator_id']})" in " ".join(shown.output.split())
            or len(finding["display_name"]) > 20
        )
    for row in held["shortlist"]:  # nobody audited under 100 is ranked
        assert not row["authenticity"]["audited"]

    fair = runner.invoke(
        app,
        [
            "discover",
            str(BRIEFS / "skincare_awareness.yaml"),
            "-n",
            "10",
            "--dry-run",
            "--fair",
            "gender=woman:auto:0.1",
            "-w",
            "w",
        ],
        env=env,
    )
    assert fair.exit_code == 0, fair.output
    flat = " ".join(fair.output.split())
    assert "Fair mode effect for gender=woman" in flat  # the README's promise, in the console
    assert re.search(r"utility (cost of|given up) \d+\.\d%", flat)
    for line in re.findall(r"Exposure audit by \w+: [^.]*", flat):
        assert "lowest impact ratio" not in line  # the old line that hid the metric
        assert "impact ratio" in line or "too little declared data" in line

    unknown = tmp_path / "unknown.yaml"
    brief["exclusions"]["creator_ids"] = ["creator-0042"]
    unknown.write_text(yaml.safe_dump(brief), encoding="utf-8")
    refused = runner.invoke(app, ["discover", str(unknown), "--dry-run", "-w", "w"], env=env)
    assert refused.exit_code != 0
    assert isinstance(refused.exception, BriefError)
    assert "creator-0042" in str(refused.exception) and "exclusions.creator_ids" in str(
        refused.exception
    )
    like = runner.invoke(
        app, ["discover", "--like", "creator-0042", "--dry-run", "-w", "w"], env=env
    )
    assert like.exit_code != 0 and "creator-0042" in str(like.exception)
    # --like takes a unique display name as well as an id (names two creators share are refused)
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n] = counts.get(n, 0) + 1
    unique = next(c for c, n in sorted(names.items()) if counts[n] == 1)
    by_name = runner.invoke(
        app,
        ["discover", "--like", names[unique], "-n", "3", "--dry-run", "-f", "json", "-w", "w"],
        env=env,
    )
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.output)["query"]["like"] == unique


def test_demo_shows_the_risk_column_and_the_held_creators_for_the_skincare_brief(
    world: Path,
    tmp_path: Path,
    sqlite_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trustreach.cli._app import console
    from trustreach.cli._demo import DEMO_BRIEFS, _demo_discovery

    monkeypatch.setattr(console, "_width", 240)  # a wide terminal: table cells stay whole

    services.import_path(world, workspace="demo", settings=sqlite_settings)
    index = services.load_discovery_index(workspace="demo", settings=sqlite_settings)
    for creator in sorted({str(c) for c in index.creator_id})[:20]:
        services.audit_creator(creator, workspace="demo", settings=sqlite_settings)
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    for name in {n for n, _ in DEMO_BRIEFS}:
        data = yaml.safe_load((BRIEFS / name).read_text(encoding="utf-8"))
        if name == "skincare_awareness.yaml":  # every audited creator falls under the bar
            data["authenticity"] = {"min_audience_quality": 100}
        (briefs / name).write_text(yaml.safe_dump(data), encoding="utf-8")
    capsys.readouterr()
    (tmp_path / "reports").mkdir()
    _demo_discovery(briefs, tmp_path / "reports", "demo")
    out = " ".join(capsys.readouterr().out.split())
    skincare = out.split("skincare_awareness.yaml:", 1)[1].split("craft_beer.yaml", 1)[0]
    assert "audience audit" in skincare and "AQ · fake (95% CI) · signals" in skincare
    assert "Held for human review" in skincare and "brief-authenticity" in skincare
    assert "under the brief's minimum of 100" in skincare
    assert re.search(r"top: [^.]*\(cr-\d{4}\)", out)  # names with their ids


def test_index_takes_the_share_its_interval_describes_and_the_raised_signals() -> None:
    import polars as pl

    from trustreach.services._discovery import _audit_columns

    signals = [
        {"kind": "bot_comments", "raised": True, "strength": 0.9},
        {"kind": "follower_spike", "raised": False, "strength": 0.4},
    ]
    old = {"estimate": 0.057, "flagged_share": 0.042, "low": 0.035, "high": 0.052}
    new = {**old, "estimate": 0.044, "field_profile": "full"}  # interval of the estimate
    audits = pl.DataFrame(
        {
            "creator_id": ["a", "b"],
            "audit_seq": [1, 2],
            "quality_score": [70.0, 80.0],
            "result": [
                json.dumps({"fake_share": old, "signals": signals}),
                json.dumps({"fake_share": new, "signals": []}),
            ],
        }
    )
    accounts = pl.DataFrame({"account_id": ["a-ig", "b-ig", "c-ig"], "creator_id": ["a", "b", "c"]})
    out = _audit_columns(accounts, audits)
    assert out["fake_share"][0] == pytest.approx(0.042)  # Wilson interval of the flagged share
    assert out["fake_share"][1] == pytest.approx(0.044)  # the corrected estimate's interval
    for i in (0, 1):
        assert out["fake_low"][i] <= out["fake_share"][i] <= out["fake_high"][i]
    assert out["signals"][0][FRAUD_SIGNALS.index("bot_comments")] == pytest.approx(0.9)
    assert out["signals"][0][FRAUD_SIGNALS.index("follower_spike")] == 0  # not raised
    assert np.isnan(out["signals"][2]).all() and np.isnan(out["quality"][2])  # not audited
