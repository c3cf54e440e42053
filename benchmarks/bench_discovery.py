"""Discovery latency: rank 1M synthetic creators for a brief.

Prints ``name=value`` lines. A synthetic creator index
(``trustreach.discovery.synthetic_index``: log-normal followers, Dirichlet
audiences, random unit topic vectors of the shipped embedding's dimension, a
third unaudited, a fifth without a declared rate) is written to disk and read
back the way ``trustreach discover`` reads it (columns from Parquet, the topic
matrix memory-mapped). Then the skincare example brief is ranked ``--runs``
times, each run timed from the query to the explained top 25:

- ``rank_p50_s`` / ``rank_p95_s``: plain ranking (target p50 ≤ 1 s on 2 cores);
- ``rank_audit_p50_s``: ranking plus the exposure audit, with ``--declared``
  of the creators having declared a gender;
- ``fair_p50_s``: the same with FA*IR fair mode (``p=auto``);
- ``authenticity_screen_p50_s``: the brief's default authenticity policy
  applied to every creator of the pool (``authenticity_held`` of them held for
  review), the step that runs before ranking whatever the topics;
- ``peak_rss_mib``: the process's peak resident memory, index included.

    python benchmarks/bench_discovery.py [--creators 1000000] [--runs 20]

``--part quality`` (``all``, the default, runs both) measures ranking quality
instead (``_discovery_quality.py``): topic precision of the top k for the
example briefs and one generated brief per niche, plain and fair mode, on
synthetic worlds of ``--quality-seeds`` (201, 202, 203: seeds the topic gate
was not tuned on) and on the demo world when its store and ground truth are
there (``--demo-data-dir .trustreach --demo-world demo-world``, as ``make
demo`` leaves them); and the share of the demo skincare top 10 whose cost is
measured (``topic_precision_plain=…``, ``cost_measured_share_…=…``).

    python benchmarks/bench_discovery.py --part quality
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from trustreach.discovery import (
    AuthenticityPolicy,
    CreatorIndex,
    FairSpec,
    load_brief,
    query_from_brief,
    rank_creators,
    screen_authenticity,
    synthetic_index,
)
from trustreach.nlp import TextEmbedder

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "examples" / "briefs" / "skincare_awareness.yaml"


def _timed(runs: int, call: object) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return times


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--declared", type=float, default=0.3, help="share declaring a gender")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--part", choices=("speed", "quality", "all"), default="all")
    parser.add_argument("--quality-seeds", default="201,202,203", help="comma-separated")
    parser.add_argument("--demo-data-dir", type=Path, default=ROOT / ".trustreach")
    parser.add_argument("--demo-world", type=Path, default=ROOT / "demo-world")
    args = parser.parse_args()

    if args.part in ("quality", "all"):
        from _discovery_quality import measure

        measure(
            [int(s) for s in args.quality_seeds.split(",") if s],
            demo_data_dir=args.demo_data_dir,
            demo_world=args.demo_world,
        )
        if args.part == "quality":
            return 0

    embedder = TextEmbedder.load()
    brief = load_brief(BRIEF)
    brief = brief.model_copy(
        update={
            "platforms": ["instagram", "tiktok", "youtube"],
            "budget": brief.budget.model_copy(update={"currency": "USD"}),
            "audience": brief.audience.model_copy(update={"countries": ["GB", "US"]}),
            # the example names a demo-world creator; the synthetic pool numbers its own
            "exclusions": brief.exclusions.model_copy(update={"creator_ids": []}),
        }
    )
    started = time.perf_counter()
    built = synthetic_index(args.creators, seed=args.seed, dim=embedder.dim)
    with tempfile.TemporaryDirectory() as tmp:
        built.save(Path(tmp) / "index")
        del built
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        index = CreatorIndex.load(Path(tmp) / "index")
        load_s = time.perf_counter() - started
        query = query_from_brief(brief, embedder)
        rng = np.random.default_rng(args.seed)
        declares = rng.random(len(index)) < args.declared
        values = np.where(rng.random(len(index)) < 0.5, "woman", "man")
        groups = {
            "gender": {
                str(c): str(v)
                for c, v, d in zip(index.creator_id, values, declares, strict=True)
                if d
            }
        }
        everyone = np.arange(len(index), dtype=np.intp)
        held = int(screen_authenticity(index, everyone, AuthenticityPolicy())[2].sum())
        screen = _timed(
            max(3, args.runs // 4),
            lambda: screen_authenticity(index, everyone, AuthenticityPolicy()),
        )
        rank_creators(index, query, top_n=25)  # warm-up: page the topic matrix in
        plain = _timed(args.runs, lambda: rank_creators(index, query, top_n=25))
        audited = _timed(
            max(3, args.runs // 4), lambda: rank_creators(index, query, top_n=25, groups=groups)
        )
        fair = FairSpec("gender", "woman", None, 0.1)
        fair_runs = _timed(
            max(3, args.runs // 4),
            lambda: rank_creators(index, query, top_n=25, groups=groups, fair=fair),
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"creators={args.creators}")
    print(f"embedding_dim={embedder.dim}")
    print(f"index_build_and_save_s={build_s:.2f}")
    print(f"index_load_s={load_s:.2f}")
    print(f"authenticity_held={held}")
    print(f"authenticity_screen_p50_s={statistics.median(screen):.3f}")
    print(f"rank_runs={len(plain)}")
    print(f"rank_p50_s={statistics.median(plain):.3f}")
    print(f"rank_p95_s={_p95(plain):.3f}")
    print(f"rank_audit_p50_s={statistics.median(audited):.3f}")
    print(f"fair_p50_s={statistics.median(fair_runs):.3f}")
    print(f"peak_rss_mib={peak:.0f}")
    print("target_rank_p50_s=1.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
