"""Discovery latency: rank 1M synthetic creators for a brief, beside its floor.

Prints ``name=value`` lines. A synthetic creator index
(``trustreach.discovery.synthetic_index``: log-normal followers, Dirichlet
audiences, random unit topic vectors of the shipped embedding's dimension, a
third unaudited, a fifth without a declared rate) is written to disk by a child
process (so its build does not count in this process's peak memory) and read
back the way ``trustreach discover`` reads it (columns from Parquet, the topic
matrix memory-mapped). Then the skincare example brief is ranked ``--runs``
times, each run timed from the query to the explained top 25, and each run
paired with one run of the **floor**: the bare matrix product of the brief's 8
query vectors (6 topics and interests, 2 excluded topics) with the whole topic
matrix, in the blocks ranking uses. Ranking cannot be faster than reading that
matrix once; the ratio says how much it adds:

- ``floor_p50_s`` and ``rank_p50_s`` / ``rank_p95_s``, ``rank_over_floor``
  (target: p50 ≤ 0.25 s, ≤ 2.5× the floor);
- ``rank_audit_p50_s``: ranking plus the exposure audit, with ``--declared``
  of the creators having declared a gender (``audit_over_floor``);
- ``fair_p50_s``: the same with FA*IR fair mode (``p=auto``; target for both
  ≤ 0.4 s);
- ``authenticity_screen_p50_s``: the brief's default authenticity policy
  applied to every creator of the pool (``authenticity_held`` of them held for
  review), the step that runs before ranking whatever the topics;
- ``peak_rss_mib``: this process's peak resident memory (index, declarations
  and every ranking; target ≤ 1.5 GiB), and ``rank_traced_peak_mib``: the most
  memory one ranking call allocates (``tracemalloc``, NumPy included);
- ``loadavg_start`` / ``loadavg_end``: ``/proc/loadavg`` around the timings
  (on a shared machine the ratios are the figures to trust).

    python benchmarks/bench_discovery.py --part speed [--creators 1000000] [--runs 20]

``--part quality`` (``all``, the default, runs both; the quality part then in
a child process, so its worlds do not count in ``peak_rss_mib``) measures ranking quality
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
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from trustreach.discovery import (
    AuthenticityPolicy,
    CreatorIndex,
    FairSpec,
    Query,
    load_brief,
    query_from_brief,
    rank_creators,
    screen_authenticity,
)
from trustreach.nlp import TextEmbedder

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "examples" / "briefs" / "skincare_awareness.yaml"


def _timed(runs: int, call: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _paired(
    runs: int, call: Callable[[], object], floor: Callable[[], object]
) -> tuple[list[float], list[float]]:
    """Time ``call`` and ``floor`` alternately, so both see the same machine."""
    calls, floors = [], []
    for _ in range(runs):
        floors += _timed(1, floor)
        calls += _timed(1, call)
    return calls, floors


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "unknown"


def _floor(index: CreatorIndex, query: Query) -> Callable[[], object]:
    """The bare product of the query's vectors with the topic matrix, in ranking's blocks."""
    vectors = query.topic_vectors
    if query.exclusion_vectors is not None and query.exclusion_vectors.size:
        vectors = np.vstack([vectors, query.exclusion_vectors])
    queries = np.ascontiguousarray(vectors.T, dtype=np.float32)
    out = np.empty((len(index), queries.shape[1]), dtype=np.float32)
    block = 131_072

    def product() -> None:
        for start in range(0, len(index), block):
            out[start : start + block] = index.topics[start : start + block] @ queries

    return product


def floor_vectors(query: Query) -> int:
    """How many query vectors the floor multiplies with the topic matrix."""
    excluded = 0 if query.exclusion_vectors is None else query.exclusion_vectors.shape[0]
    return int(query.topic_vectors.shape[0]) + excluded


def _build(folder: Path, creators: int, seed: int, dim: int) -> float:
    """Build and save the synthetic index in a child process; its wall time."""
    started = time.perf_counter()
    code = (
        "import sys; from pathlib import Path; "
        "from trustreach.discovery import synthetic_index; "
        "synthetic_index(int(sys.argv[1]), seed=int(sys.argv[2]), dim=int(sys.argv[3]))"
        ".save(Path(sys.argv[4]))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(creators), str(seed), str(dim), str(folder)], check=True
    )
    return time.perf_counter() - started


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

    if args.part == "quality":
        from _discovery_quality import measure

        measure(
            [int(s) for s in args.quality_seeds.split(",") if s],
            demo_data_dir=args.demo_data_dir,
            demo_world=args.demo_world,
        )
        return 0
    if args.part == "all":  # in its own process: its worlds must not count in the peak below
        sys.stdout.flush()
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--part",
                "quality",
                "--quality-seeds",
                args.quality_seeds,
                "--demo-data-dir",
                str(args.demo_data_dir),
                "--demo-world",
                str(args.demo_world),
            ],
            check=True,
        )

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
    with tempfile.TemporaryDirectory() as tmp:
        build_s = _build(Path(tmp) / "index", args.creators, args.seed, embedder.dim)
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
        load_start = _loadavg()
        screen = _timed(
            max(3, args.runs // 4),
            lambda: screen_authenticity(index, everyone, AuthenticityPolicy()),
        )
        floor = _floor(index, query)
        rank_creators(index, query, top_n=25)  # warm-up: page the topic matrix in
        plain, floors = _paired(args.runs, lambda: rank_creators(index, query, top_n=25), floor)
        audited, audit_floors = _paired(
            max(3, args.runs // 4),
            lambda: rank_creators(index, query, top_n=25, groups=groups),
            floor,
        )
        fair = FairSpec("gender", "woman", None, 0.1)
        fair_runs, fair_floors = _paired(
            max(3, args.runs // 4),
            lambda: rank_creators(index, query, top_n=25, groups=groups, fair=fair),
            floor,
        )
        load_end = _loadavg()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        rank_creators(index, query, top_n=25, groups=groups, fair=fair)
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    floor_p50 = statistics.median(floors)
    print(f"creators={args.creators}")
    print(f"embedding_dim={embedder.dim}")
    print(f"query_vectors={floor_vectors(query)}")
    print(f"index_build_and_save_s={build_s:.2f}")
    print(f"index_load_s={load_s:.2f}")
    print(f"authenticity_held={held}")
    print(f"authenticity_screen_p50_s={statistics.median(screen):.3f}")
    print(f"rank_runs={len(plain)}")
    print(f"floor_p50_s={floor_p50:.3f}")
    print(f"rank_p50_s={statistics.median(plain):.3f}")
    print(f"rank_p95_s={_p95(plain):.3f}")
    print(f"rank_over_floor={statistics.median(plain) / floor_p50:.2f}")
    print(f"rank_audit_p50_s={statistics.median(audited):.3f}")
    print(f"audit_over_floor={statistics.median(audited) / statistics.median(audit_floors):.2f}")
    print(f"fair_p50_s={statistics.median(fair_runs):.3f}")
    print(f"fair_over_floor={statistics.median(fair_runs) / statistics.median(fair_floors):.2f}")
    print(f"peak_rss_mib={peak:.0f}")
    print(f"rank_traced_peak_mib={traced_peak:.0f}")
    print(f"loadavg_start={load_start}")
    print(f"loadavg_end={load_end}")
    print("target_rank_p50_s=0.25")
    print("target_rank_over_floor=2.5")
    print("target_audit_and_fair_p50_s=0.4")
    print("target_peak_rss_mib=1536")
    return 0


if __name__ == "__main__":
    sys.exit(main())
