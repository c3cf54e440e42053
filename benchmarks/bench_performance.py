"""Back-test of predicted next-post performance on synthetic worlds.

Prints ``name=value`` lines. For each seed a default-size world is generated
(``trustreach.synth.generate_world``), its JSONL files are read directly with
polars (no database), each account's last ``--holdout-last`` posts are held
back, :class:`~trustreach.discovery._performance.PerformanceModel` is fitted
on the rest, and the 80% interval of every held-back post is scored:

- ``coverage`` (with its Wilson 95% interval ``coverage_low``/``coverage_high``):
  share of held-back posts whose engagements fell inside the interval; the
  target is ``coverage_target``. ``verdict`` says whether the interval is too
  narrow, too wide, or consistent with the target;
- ``below_share`` / ``above_share``: misses on each side;
- ``median_ape`` / ``mean_ape``: absolute percentage error of the point
  prediction; ``median_width_ratio``: median of high / low;
- ``coverage.<platform>``, ``coverage.<follower band>`` and ``reach_*``
  (views, on posts that report them);
- ``fit_seconds`` / ``predict_seconds``.

``pooled.*`` lines pool every held-back post over the seeds. Seeds 7, 11 and
23 chose the design (studentised split-conformal over an empirical-Bayes
additive model, against LightGBM quantile regression and a global-residual
interval); the shrinkage constants were set beforehand, not tuned.

    python benchmarks/bench_performance.py [--seeds 7 11 23] [--holdout-last 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polars as pl

from trustreach.audience import wilson_interval
from trustreach.discovery._performance import BacktestReport, backtest
from trustreach.synth import generate_world


def _read(folder: Path, kind: str) -> pl.DataFrame:
    return pl.read_ndjson(folder / f"{kind}.jsonl", infer_schema_length=None)


def _print(prefix: str, report: BacktestReport) -> None:
    print(f"{prefix}.held_out_posts={report.held_out_posts}")
    print(f"{prefix}.coverage_target={report.coverage_target}")
    print(f"{prefix}.coverage={report.coverage:.3f}")
    print(f"{prefix}.coverage_low={report.coverage_low:.3f}")
    print(f"{prefix}.coverage_high={report.coverage_high:.3f}")
    print(f"{prefix}.verdict={report.verdict}")
    print(f"{prefix}.below_share={report.below_share:.3f}")
    print(f"{prefix}.above_share={report.above_share:.3f}")
    print(f"{prefix}.median_ape={report.median_ape:.3f}")
    print(f"{prefix}.mean_ape={report.mean_ape:.3f}")
    print(f"{prefix}.median_width_ratio={report.median_width_ratio:.2f}")
    for groups in (report.by_platform, report.by_follower_band):
        for name, g in groups.items():
            key = name.replace(" ", "_")
            print(
                f"{prefix}.coverage.{key}={g.coverage:.3f} "
                f"({g.coverage_low:.3f}-{g.coverage_high:.3f}, n={g.posts})"
            )
    if report.reach is not None:
        r = report.reach
        print(
            f"{prefix}.reach_coverage={r.coverage:.3f} ({r.coverage_low:.3f}-{r.coverage_high:.3f})"
        )
        print(f"{prefix}.reach_median_ape={r.median_ape:.3f}")
        print(f"{prefix}.reach_posts={r.posts}")
    print(f"{prefix}.fit_seconds={report.fit_seconds:.3f}")
    print(f"{prefix}.predict_seconds={report.predict_seconds:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[7, 11, 23])
    parser.add_argument("--holdout-last", type=int, default=5)
    parser.add_argument("--coverage", type=float, default=0.8)
    args = parser.parse_args()
    inside = total = 0
    by_platform: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="trustreach-perf-") as tmp:
        for seed in args.seeds:
            folder = Path(tmp) / f"seed{seed}"
            generate_world(folder, seed=seed)
            report = backtest(
                _read(folder, "posts"),
                _read(folder, "creator_accounts"),
                holdout_last=args.holdout_last,
                coverage=args.coverage,
            )
            _print(f"seed{seed}", report)
            inside += round(report.coverage * report.held_out_posts)
            total += report.held_out_posts
            for name, g in report.by_platform.items():
                acc = by_platform.setdefault(name, [0, 0])
                acc[0] += round(g.coverage * g.posts)
                acc[1] += g.posts
    low, high = wilson_interval(inside, total)
    print(f"pooled.held_out_posts={total}")
    print(f"pooled.coverage={inside / total:.3f}")
    print(f"pooled.coverage_low={low:.3f}")
    print(f"pooled.coverage_high={high:.3f}")
    for name, (k, n) in sorted(by_platform.items()):
        lo, hi = wilson_interval(k, n)
        print(f"pooled.coverage.{name}={k / n:.3f} ({lo:.3f}-{hi:.3f}, n={n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
