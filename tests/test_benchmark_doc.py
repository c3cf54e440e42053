"""``benchmarks/render_doc.py``: the benchmarks document is filled from one run, never by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_doc", ROOT / "benchmarks" / "render_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["render_doc"] = module
    spec.loader.exec_module(module)
    return module


render_doc = _load()

RUN = """\
run_started_utc=2026-12-05T15:10:46Z
run_commit=abc123
run_cpu=AMD EPYC
run_cpu_count=2
# bench_scoring.py
scoring_loadavg_start=1.0 1.2 1.3
score_single_accounts_per_s_10000000=1149982
model_compiled_max_abs_raw_score_diff=1.3e-14
verdict=not a number
script_seconds=12.5
# bench_retention.py
store=sqlite
import_s=5.30
store=postgresql
import_s=7.00
script_seconds=20.1
# bench_broken.py
Traceback (most recent call last):
figure=1
script_seconds=0.4
script_exit=1
# bench_cut.py
figure=2
run_ended_utc=2026-12-05T16:00:00Z
"""


def _render(template: str) -> str:
    result: str = render_doc.render(template, render_doc.parse_run(RUN), "t.md.in")
    return result


def test_values_formats_and_checks_are_filled_from_the_run() -> None:
    template = (
        "On {{run:run_cpu}} ({{run:run_cpu_count}} cores), "
        "{{run:run_started_utc}}..{{run:run_ended_utc}}\n"
        "| single | {{bench_scoring:score_single_accounts_per_s_10000000|,.0f}} | "
        "{{check bench_scoring:score_single_accounts_per_s_10000000 >= 1500000}} |\n"
        "as printed {{bench_scoring:score_single_accounts_per_s_10000000}}, "
        "{{bench_scoring:model_compiled_max_abs_raw_score_diff|.0e}}, "
        "{{check bench_scoring:model_compiled_max_abs_raw_score_diff < 1e-9}}, "
        "load {{bench_scoring:scoring_loadavg_start}}, {{bench_scoring:script_seconds}} s\n"
        "{{bench_retention:import_s@1}} / {{bench_retention:import_s@2\\|.1f}} "
        "{{check bench_retention:import_s@2 <= 7}} {{check bench_retention:import_s@2 < 7}}\n"
    )
    assert _render(template) == (
        "On AMD EPYC (2 cores), 2026-12-05T15:10:46Z..2026-12-05T16:00:00Z\n"
        "| single | 1,149,982 | **not met** |\n"
        "as printed 1149982, 1e-14, met, load 1.0 1.2 1.3, 12.5 s\n"
        "5.30 / 7.0 met **not met**\n"
    )


@pytest.mark.parametrize(
    ("placeholder", "reason"),
    [
        ("{{bench_missing:x}}", "bench_missing.py is not in the run"),
        ("{{bench_scoring:nope}}", "printed no nope= line"),
        ("{{run:run_nope}}", "printed no run_nope= line"),
        ("{{bench_broken:figure}}", "exited with status 1"),
        ("{{bench_cut:figure}}", "did not finish"),
        ("{{bench_scoring:verdict|.2f}}", "is not a number"),
        ("{{check bench_scoring:verdict >= 1}}", "is not a number"),
        ("{{bench_retention:import_s}}", "say which"),
        ("{{bench_retention:import_s@3}}", "not 3"),
        ("{{bench_scoring:score single}}", "not a placeholder"),
        ("{{check bench_scoring:scoring_loadavg_start == 1}}", "not a placeholder"),
    ],
)
def test_an_unfillable_placeholder_is_named_with_its_line(placeholder: str, reason: str) -> None:
    with pytest.raises(render_doc.RenderError) as caught:
        _render(f"first line {{{{run:run_cpu}}}}\n\nthird {placeholder} line\n")
    message = str(caught.value)
    assert f"t.md.in:3: {placeholder}" in message
    assert reason in message


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(render_doc.RenderError) as caught:
        _render("{{bench_scoring:a}}\n{{bench_scoring:b}}\n")
    assert str(caught.value).splitlines() == [
        "t.md.in:1: {{bench_scoring:a}}: bench_scoring.py printed no a= line",
        "t.md.in:2: {{bench_scoring:b}}: bench_scoring.py printed no b= line",
    ]


def test_check_mode_reports_a_stale_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run, template, out = tmp_path / "run.txt", tmp_path / "doc.md.in", tmp_path / "doc.md"
    run.write_text(RUN, encoding="utf-8")
    template.write_text("cpu {{run:run_cpu}}\n", encoding="utf-8")
    paths = ["--run", str(run), "--template", str(template), "--out", str(out)]
    assert render_doc.main([*paths, "--check"]) == 1
    assert render_doc.main(paths) == 0
    assert out.read_text(encoding="utf-8") == "cpu AMD EPYC\n"
    assert render_doc.main([*paths, "--check"]) == 0
    out.write_text("cpu by hand\n", encoding="utf-8")
    assert render_doc.main([*paths, "--check"]) == 1
    assert "+cpu AMD EPYC" in capsys.readouterr().out


def test_every_placeholder_of_the_template_is_well_formed_and_names_a_script() -> None:
    template = render_doc.TEMPLATE.read_text(encoding="utf-8")
    bodies = render_doc._PLACEHOLDER.findall(template)
    assert len(bodies) > 100
    scripts = {path.stem for path in (ROOT / "benchmarks").glob("bench_*.py")}
    for body in bodies:
        match = render_doc._CHECK.match(body.strip()) or render_doc._VALUE.match(body.strip())
        assert match is not None, body
        assert match["source"] == "run" or match["source"] in scripts, body


def test_the_committed_document_is_the_rendering_of_the_committed_run() -> None:
    if not render_doc.RUN.exists():
        pytest.skip("docs/benchmark-run.txt is not committed yet (written by a fresh-clone run)")
    rendered = render_doc.render(
        render_doc.TEMPLATE.read_text(encoding="utf-8"),
        render_doc.parse_run(render_doc.RUN.read_text(encoding="utf-8")),
        str(render_doc.TEMPLATE),
    )
    assert render_doc.OUTPUT.read_text(encoding="utf-8") == rendered, (
        "docs/benchmarks.md is stale: run .venv/bin/python benchmarks/render_doc.py"
    )


def _load_runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FULL = """\
run_started_utc=2026-12-05T15:00:00Z
run_commit=aaaaaaa111
run_loadavg=2.0 2.0 2.0
# bench_a.py
x=1
script_seconds=1.0
# bench_b.py
y=1
script_seconds=1.0
run_ended_utc=2026-12-05T16:00:00Z
"""

AGAIN = """\
run_started_utc=2026-12-05T16:30:00Z
run_commit=bbbbbbb222
run_loadavg=0.5 0.5 0.5
# bench_b.py
y=2
script_seconds=2.0
run_ended_utc=2026-12-05T16:31:00Z
"""


def test_a_script_run_again_replaces_its_section_and_says_so() -> None:
    runner = _load_runner()
    merged = runner.replace_sections(FULL, AGAIN, "fixed its measurement")
    run = render_doc.parse_run(merged)
    assert [v for _, v in run.scripts["bench_b"].lines] == ["2", "2.0"]
    assert [v for _, v in run.scripts["bench_a"].lines] == ["1", "1.0"]  # the rest as it was
    assert run.machine["run_commit"] == "aaaaaaa111"  # the run's own lines are kept
    note = run.machine["run_rerun_bench_b"]
    assert "2026-12-05T16:30:00Z" in note and "bbbbbbb" in note and "fixed its measurement" in note
    assert render_doc.render("{{run:reruns}}", run) == note
    assert render_doc.render("{{run:reruns}}", render_doc.parse_run(FULL)) == "none"
    again = runner.replace_sections(merged, AGAIN.replace("y=2", "y=3"), "second fix")
    assert again.count("run_rerun_bench_b=") == 1 and "second fix" in again and "y=3" in again
    with pytest.raises(ValueError, match=r"bench_c\.py is not in the run"):
        runner.replace_sections(FULL, AGAIN.replace("bench_b", "bench_c"), "x")
