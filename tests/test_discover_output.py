"""``trustreach discover --output``: every format writes the file it was asked for."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trustreach.cli import app
from trustreach.synth import generate_world

BRIEF = Path(__file__).resolve().parents[1] / "examples" / "briefs" / "skincare_awareness.yaml"


def test_dry_run_table_to_a_file_writes_plain_text(tmp_path: Path) -> None:
    world = tmp_path / "world"
    generate_world(world, seed=7, creators=30, followers_per_creator=50, days=30)
    runner = CliRunner()
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80"}
    assert runner.invoke(app, ["import", str(world), "-w", "w"], env=env).exit_code == 0
    ranked = runner.invoke(
        app, ["discover", str(BRIEF), "-n", "5", "--dry-run", "-f", "json", "-w", "w"], env=env
    )
    assert ranked.exit_code == 0, ranked.output
    ids = [row["creator_id"] for row in json.loads(ranked.output)["shortlist"]]
    assert ids

    target = tmp_path / "out" / "table.txt"
    written = runner.invoke(
        app, ["discover", str(BRIEF), "-n", "5", "--dry-run", "-o", str(target), "-w", "w"],
        env={**env, "FORCE_COLOR": "1"},
    )  # fmt: skip
    assert written.exit_code == 0, written.output
    # the path may wrap at 80 columns anywhere (a pytest-xdist temporary folder is long)
    assert f"Wrote{target}" in "".join(written.output.split())
    text = target.read_text(encoding="utf-8")
    assert "\x1b[" not in text  # plain text: no colour codes
    assert text.lstrip().startswith("Shortlist for")
    for creator in ids:  # the same shortlist, each id on one unwrapped line
        assert creator in text
    assert "Shortlist for" not in written.output  # the table went to the file, not the screen
