"""What discovery says: fair mode's effect follows the exposure audit's data rule,
a mistyped ``--fair`` group is refused, counts take the right plural, and the
out-of-scope reasons name where a lookalike query's platforms and topics came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests._discovery import make_brief
from tests.test_discovery_rank import SKIN, _index
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.cli._app import console
from trustreach.cli._discover import print_ranking
from trustreach.core import ConfigurationError, Settings
from trustreach.discovery import (
    CreatorIndex,
    FairSpec,
    fair_effect,
    load_brief,
    query_from_brief,
    query_like,
    rank_creators,
    render_shortlist_html,
)
from trustreach.nlp import TextEmbedder
from trustreach.synth import generate_world

BRIEFS = Path(__file__).resolve().parent.parent / "examples" / "briefs"


def _sparse_pool(embedder: TextEmbedder) -> tuple[CreatorIndex, dict[str, dict[str, str]]]:
    """20 creators, only 3 + 3 of whom declared a gender: groups too small to compare."""
    rows = [{"id": f"c{i:02d}", "text": SKIN, "followers": 200_000 - 5_000 * i} for i in range(20)]
    declared = {"c00": "man", "c01": "man", "c02": "man"}
    declared |= {"c17": "woman", "c18": "woman", "c19": "woman"}
    return _index(embedder, rows), {"gender": declared}


def test_fair_effect_gives_no_impact_ratio_the_audit_refused(embedder: TextEmbedder) -> None:
    index, groups = _sparse_pool(embedder)
    query = query_from_brief(make_brief(), embedder)
    ranking = rank_creators(
        index, query, top_n=5, groups=groups, fair=FairSpec("gender", "woman", None, 0.1)
    )
    audit = ranking.exposure["gender"]
    assert "too little declared data" in audit.four_fifths_summary()
    assert ranking.fair is not None
    assert "too little declared data" in ranking.fair.before.four_fifths_summary()
    # the rows still carry raw ratios, which the summary does not vouch for
    assert audit.group("woman").impact_ratio is not None
    effect = fair_effect(ranking)
    assert effect is not None
    assert effect.impact_ratio_before is None and effect.impact_ratio_after is None
    assert effect.selected_after == audit.group("woman").selected_count
    assert "too little declared data" in effect.sentence()
    assert "impact ratio 0" not in effect.sentence() and "→ 1.00" not in effect.sentence()
    data = json.loads(json.dumps(ranking.to_dict()))
    assert data["fair"]["effect"]["impact_ratio_after"] is None
    assert "too little declared data" in data["fair"]["effect"]["summary"]
    html = render_shortlist_html(ranking)
    row = html.split("impact ratio of woman", 1)[1].split("</tr>", 1)[0]
    assert not any(ch.isdigit() for ch in row)


def test_fair_effect_keeps_ratios_the_audit_compared(embedder: TextEmbedder) -> None:
    rows, declared = [], {}
    for i in range(40):
        rows.append({"id": f"c{i:02d}", "text": SKIN, "followers": 200_000 - 1_000 * i})
        declared[f"c{i:02d}"] = "woman" if i % 2 else "man"
    query = query_from_brief(make_brief(), embedder)
    ranking = rank_creators(
        _index(embedder, rows),
        query,
        top_n=10,
        groups={"gender": declared},
        fair=FairSpec("gender", "woman", None, 0.1),
    )
    effect = fair_effect(ranking)
    assert effect is not None and effect.impact_ratio_after is not None
    assert effect.impact_ratio_after == ranking.exposure["gender"].group("woman").impact_ratio


def test_fair_value_must_be_a_declared_one() -> None:
    values = {"gender": {"woman", "man", "non-binary"}}
    spec = FairSpec.parse("gender=woman:auto:0.1", attributes=["gender"], values=values)
    assert spec.value == "woman"
    with pytest.raises(ConfigurationError) as caught:
        FairSpec.parse("gender=femal:auto:0.1", attributes=["gender"], values=values)
    message = str(caught.value)
    assert "--fair" in message and "'femal'" in message
    assert "allowed: man, non-binary, woman" in message
    with pytest.raises(ConfigurationError, match="nobody in this workspace declared disability"):
        FairSpec.parse("disability=yes:auto:0.1", attributes=["disability"], values=values)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=7, creators=30, followers_per_creator=100, days=60)
    return out


def test_mistyped_fair_group_is_refused_by_service_and_cli(
    world: Path, tmp_path: Path, sqlite_settings: Settings
) -> None:
    services.import_path(world, workspace="w", settings=sqlite_settings)
    brief = load_brief(BRIEFS / "skincare_awareness.yaml")
    with pytest.raises(ConfigurationError, match=r"allowed: .*woman"):
        services.discover(
            brief,
            fair="gender=femal:auto:0.1",
            propose=False,
            workspace="w",
            settings=sqlite_settings,
        )
    result = CliRunner().invoke(
        app,
        [
            "discover",
            str(BRIEFS / "skincare_awareness.yaml"),
            "--fair",
            "gender=femal:auto:0.1",
            "--dry-run",
            "-w",
            "w",
        ],
        env={"TRUSTREACH_DATA_DIR": str(sqlite_settings.data_dir), "COLUMNS": "300"},
    )
    assert result.exit_code != 0 and isinstance(result.exception, ConfigurationError)
    message = str(result.exception)
    assert "--fair" in message and "'femal'" in message and "woman" in message


def test_counts_take_the_right_plural(embedder: TextEmbedder) -> None:
    index = _index(
        embedder,
        [
            {"id": "solo", "text": SKIN},
            {"id": "away", "text": SKIN, "platform": "tiktok"},
        ],
    )
    ranking = rank_creators(index, query_from_brief(make_brief(), embedder), top_n=5)
    (row,) = ranking.shortlist
    assert row.explanation.startswith("Ranked 1 of 1 eligible creator with")
    assert ranking.out_of_scope == {"no account on the brief's platforms": 1}
    with console.capture() as captured:
        print_ranking(ranking)
    text = " ".join(captured.get().split())
    assert "Out of scope: 1 creator: no account" in text
    assert "(s)" not in text
    assert "1 eligible creator;" in render_shortlist_html(ranking)


def test_lookalike_without_brief_names_the_reference_as_the_source(
    embedder: TextEmbedder,
) -> None:
    index = _index(
        embedder,
        [
            {"id": "ref", "text": SKIN, "followers": 100_000},
            *({"id": f"on{i}", "text": SKIN} for i in range(6)),
            {"id": "off", "text": "motorbike engine rebuild and exhaust tuning"},
            {"id": "tt", "text": SKIN, "platform": "tiktok"},
        ],
    )
    ranking = rank_creators(index, query_like(index, "ref"), top_n=5)
    reasons = list(ranking.out_of_scope)
    assert "no account on the reference creator's platforms" in reasons
    assert not any("brief" in reason for reason in reasons)
