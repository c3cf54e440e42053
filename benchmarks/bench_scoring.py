"""Scoring throughput over a partitioned Parquet follower dump, and peak memory.

Prints ``name=value`` lines. End to end = read -> validate -> features -> model ->
calibration -> write, per partition, with the shipped fake-account model.

    python benchmarks/bench_scoring.py [--accounts 10000000] [--partition-rows 500000]
                                       [--small-accounts 2000000] [--workers 2]

Every product figure is printed beside its peer measured in the same run, with
the ratio: the compiled trees beside LightGBM's own ``predict`` on the same rows
(and their largest raw-score difference), and end-to-end scoring with the
compiled trees beside the same pipeline with ``TRUSTREACH_COMPILED_TREES=false``
(LightGBM). The load average is printed before and after: on a shared machine
the figures are only as good as it is quiet.

Two dump sizes are scored (``--small-accounts`` and ``--accounts``) so that peak
memory can be compared: it should follow the partition size, not the dump size.
Each measured step runs in its own process (``--child STEP``), so peak RSS
(``ru_maxrss``) belongs to that step; for Dask the worker peak is the largest
``RUSAGE_CHILDREN`` of the client process (worker processes are its descendants).
Model loading (and building or reading the compiled trees) is done before the
clock starts in the single-process step; the Dask step includes starting the
cluster and each worker's model load (``score_accounts_dask`` loads the model in
every worker as the cluster starts); a separate step times that fixed cost alone
(start, warm, close) and the Dask rate without it is printed beside the full one.
Target: >= 1.5M accounts/s end to end on
2 cores, Dask on 2 workers within 20% of it at 10M accounts.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def _mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def child(*args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run one step of this script in a fresh process and parse its name=value lines."""
    out = subprocess.run(
        [sys.executable, str(HERE), "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    ).stdout
    return {k: float(v) for k, v in (line.split("=", 1) for line in out.split())}


# ----------------------------------------------------------------- child steps


def _step_dump(folder: Path, accounts: int, partition_rows: int) -> dict[str, float]:
    from trustreach.synth import generate_follower_accounts

    folder.mkdir(parents=True, exist_ok=True)
    parts = 0
    for start in range(0, accounts, partition_rows):
        generate_follower_accounts(
            folder / f"part-{parts:05d}.parquet",
            n=min(partition_rows, accounts - start),
            seed=1000 + parts,  # a different seed (and id prefix) per partition
            fmt="parquet",
            chunk_rows=min(partition_rows, 250_000),
        )
        parts += 1
    size = sum(p.stat().st_size for p in folder.glob("*.parquet"))
    return {"rows": accounts, "partitions": parts, "mib": size / 2**20}


def _step_model(part: Path) -> dict[str, float]:
    """The tree model alone on one partition's rows: compiled beside LightGBM."""
    import numpy as np
    import polars as pl

    from trustreach.audience import account_features, load_authenticity_model

    model = load_authenticity_model()
    classifier = model.classifier  # LightGBM, the peer
    matrix = account_features(pl.read_parquet(part).drop("username"))
    forest = model.compiled_trees()  # built or read from the cache, before the clock
    got: dict[str, float] = {"rows": matrix.shape[0], "compiled": float(forest is not None)}
    for threads in (1, 2):
        runs = {}
        for name, predict in (
            ("lightgbm", lambda t=threads: classifier._booster_margins(matrix, t)),
            ("compiled", lambda t=threads: forest.margins(matrix, t) if forest else None),
        ):
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                runs[name] = predict()
                best = min(best, time.perf_counter() - started)
            got[f"{name}_seconds_{threads}"] = best
        if forest is not None:
            diff = np.abs(np.asarray(runs["compiled"]) - np.asarray(runs["lightgbm"]))
            got["max_abs_diff"] = float(diff.max())
    return got


def _step_single(dump: Path, out: Path) -> dict[str, float]:
    from trustreach.audience import load_authenticity_model, score_partition

    # loading the model and building (or reading) its compiled form is not per-account work
    load_authenticity_model().compiled_trees()
    started = time.perf_counter()
    rows = 0
    for part in sorted(dump.glob("*.parquet")):
        rows += score_partition(str(part), str(out / part.name), "none")
    return {"rows": rows, "seconds": time.perf_counter() - started}


def _step_dask(dump: Path, out: Path, workers: int) -> dict[str, float]:
    from trustreach.ethics.audit import digest_file
    from trustreach.services import score_accounts_dask

    started = time.perf_counter()
    digest_file(dump)  # the audit record's input digest: measured on its own as well
    digest_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = score_accounts_dask(dump, out, workers=workers)
    seconds = time.perf_counter() - started
    return {
        "rows": report.accounts,
        "seconds": seconds,
        "digest_seconds": digest_seconds,
        "flagged": report.flagged,
    }


def _step_dask_running(dump: Path, out: Path, workers: int) -> dict[str, float]:
    """The same call on a LocalCluster already running (``--scheduler ADDRESS``).

    The cluster is started and its workers warmed before the clock starts, as a
    service or a notebook keeps one; the call still registers the warm-up plugin,
    scores every partition, counts the output and writes the audit record.
    """
    from dask.distributed import Client

    from trustreach.services import score_accounts_dask
    from trustreach.services._scoring_dask import PLUGIN_NAME, WarmScoring, local_cluster

    cluster = local_cluster(workers)
    with Client(cluster) as client:
        client.register_plugin(WarmScoring(), name=PLUGIN_NAME)
    try:
        started = time.perf_counter()
        report = score_accounts_dask(dump, out, scheduler=cluster.scheduler_address)
        seconds = time.perf_counter() - started
    finally:
        cluster.close()
    return {"rows": report.accounts, "seconds": seconds, "flagged": report.flagged}


def _step_dask_fixed(workers: int) -> dict[str, float]:
    """The Dask path's fixed cost alone: start the cluster, warm its workers, close it."""
    from dask.distributed import Client

    from trustreach.services._scoring_dask import PLUGIN_NAME, WarmScoring, local_cluster

    started = time.perf_counter()
    cluster = local_cluster(workers)
    client = Client(cluster)
    begun = time.perf_counter()
    client.register_plugin(WarmScoring(), name=PLUGIN_NAME)
    warmed = time.perf_counter()
    client.close()
    cluster.close()
    ended = time.perf_counter()
    return {
        "start_seconds": begun - started,
        "warm_seconds": warmed - begun,
        "close_seconds": ended - warmed,
        "seconds": ended - started,
    }


def _step_explain(part: Path, rows: int) -> dict[str, float]:
    import polars as pl

    from trustreach.audience import load_authenticity_model

    model = load_authenticity_model()
    frame = pl.read_parquet(part, n_rows=rows).drop("username")
    model.top_signals(frame[:100])  # warm-up
    started = time.perf_counter()
    explained = model.top_signals(frame)
    return {"rows": len(explained), "seconds": time.perf_counter() - started}


def run_child(step: str, args: list[str]) -> None:
    started = time.perf_counter()
    if step == "dump":
        got = _step_dump(Path(args[0]), int(args[1]), int(args[2]))
        got["seconds"] = time.perf_counter() - started
    elif step == "single":
        got = _step_single(Path(args[0]), Path(args[1]))
    elif step == "model":
        got = _step_model(Path(args[0]))
    elif step == "dask":
        got = _step_dask(Path(args[0]), Path(args[1]), int(args[2]))
    elif step == "dask_running":
        got = _step_dask_running(Path(args[0]), Path(args[1]), int(args[2]))
    elif step == "dask_fixed":
        got = _step_dask_fixed(int(args[0]))
    elif step == "explain":
        got = _step_explain(Path(args[0]), int(args[1]))
    else:
        raise SystemExit(
            f"unknown step {step!r}; allowed: dump, model, single, dask, dask_running, "
            "dask_fixed, explain"
        )
    got["peak_mib"] = _mib(resource.RUSAGE_SELF)
    got["children_peak_mib"] = _mib(resource.RUSAGE_CHILDREN)
    print("\n".join(f"{k}={v}" for k, v in got.items()))


# ------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000_000)
    parser.add_argument("--partition-rows", type=int, default=500_000)
    parser.add_argument("--small-accounts", type=int, default=None, help="default: accounts / 5")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--explain-rows", type=int, default=20_000)
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child[0], args.child[1:])
        return
    small = args.small_accounts or max(args.accounts // 5, args.partition_rows)
    print(f"scoring_cpu_count={os.cpu_count()}")
    print(f"scoring_partition_rows={args.partition_rows}")
    print(f"scoring_loadavg_start={_loadavg()}")
    lightgbm = {"TRUSTREACH_COMPILED_TREES": "false"}
    with tempfile.TemporaryDirectory(prefix="trustreach-bench-scoring-") as tmp:
        work = Path(tmp)
        for n in sorted({small, args.accounts}):
            dump = work / f"dump{n}"
            made = child("dump", str(dump), str(n), str(args.partition_rows))
            print(f"synth_dump_accounts_{n}={n}")
            print(f"synth_dump_partitions_{n}={made['partitions']:.0f}")
            print(f"synth_dump_mib_{n}={made['mib']:.0f}")
            print(f"synth_dump_seconds_{n}={made['seconds']:.2f}")

            if n == small:
                model = child("model", str(sorted(dump.glob("*.parquet"))[0]))
                rows = model["rows"]
                print(f"model_compiled_available={model['compiled']:.0f}")
                for t in (1, 2):
                    base = rows / model[f"lightgbm_seconds_{t}"]
                    print(f"model_lightgbm_rows_per_s_{t}thread={base:.0f}")
                    if model["compiled"]:
                        ours = rows / model[f"compiled_seconds_{t}"]
                        print(f"model_compiled_rows_per_s_{t}thread={ours:.0f}")
                        print(f"model_compiled_over_lightgbm_{t}thread={ours / base:.2f}")
                if model["compiled"]:
                    print(f"model_compiled_max_abs_raw_score_diff={model['max_abs_diff']:.1e}")

            one = child("single", str(dump), str(work / f"single{n}"))
            print(f"score_single_accounts_per_s_{n}={one['rows'] / one['seconds']:.0f}")
            print(f"score_single_seconds_{n}={one['seconds']:.2f}")
            print(f"score_single_peak_mib_{n}={one['peak_mib']:.0f}")
            if n == small:  # the peer: the same pipeline with LightGBM's predict
                peer = child("single", str(dump), str(work / f"peer{n}"), env=lightgbm)
                print(
                    f"score_single_lightgbm_accounts_per_s_{n}={peer['rows'] / peer['seconds']:.0f}"
                )
                speedup = peer["seconds"] / one["seconds"]
                print(f"score_single_compiled_over_lightgbm_{n}={speedup:.2f}")

            data = work / f"data{n}"
            dask = child(
                "dask",
                str(dump),
                str(work / f"dask{n}"),
                str(args.workers),
                env={"TRUSTREACH_DATA_DIR": str(data)},
            )
            w = args.workers
            print(f"score_dask{w}_accounts_per_s_{n}={dask['rows'] / dask['seconds']:.0f}")
            single_rate = one["rows"] / one["seconds"]
            ratio = dask["rows"] / dask["seconds"] / single_rate
            print(f"score_dask{w}_over_single_{n}={ratio:.2f}")
            print(f"score_dask{w}_seconds_{n}={dask['seconds']:.2f}")
            print(f"score_dask{w}_input_digest_seconds_{n}={dask['digest_seconds']:.2f}")
            without = dask["rows"] / max(dask["seconds"] - dask["digest_seconds"], 1e-9)
            print(f"score_dask{w}_accounts_per_s_without_digest_{n}={without:.0f}")
            if n == args.accounts:  # the fixed cost inside that figure, measured on its own
                fixed = child("dask_fixed", str(w))
                for part in ("start", "warm", "close"):
                    print(f"score_dask{w}_fixed_{part}_seconds={fixed[f'{part}_seconds']:.2f}")
                busy = max(dask["seconds"] - fixed["seconds"], 1e-9)
                print(f"score_dask{w}_accounts_per_s_without_fixed_{n}={dask['rows'] / busy:.0f}")
                ratio_busy = dask["rows"] / busy / single_rate
                print(f"score_dask{w}_without_fixed_over_single_{n}={ratio_busy:.2f}")
            if n == args.accounts:  # the same call on a cluster already running
                running = child(
                    "dask_running",
                    str(dump),
                    str(work / f"dask_running{n}"),
                    str(w),
                    env={"TRUSTREACH_DATA_DIR": str(work / f"data_running{n}")},
                )
                rate = running["rows"] / running["seconds"]
                print(f"score_dask{w}_running_cluster_accounts_per_s_{n}={rate:.0f}")
                print(f"score_dask{w}_running_cluster_seconds_{n}={running['seconds']:.2f}")
                print(f"score_dask{w}_running_cluster_over_single_{n}={rate / single_rate:.2f}")
            print(f"score_dask{w}_client_peak_mib_{n}={dask['peak_mib']:.0f}")
            print(f"score_dask{w}_worker_peak_mib_{n}={dask['children_peak_mib']:.0f}")
            if n == small:
                part = sorted(dump.glob("*.parquet"))[0]
                ex = child("explain", str(part), str(args.explain_rows))
                print(f"explain_rows={ex['rows']:.0f}")
                print(f"explain_rows_per_s={ex['rows'] / ex['seconds']:.0f}")
            done = ("single", "peer", "dask", "dask_running")
            for folder in (dump, *(work / f"{name}{n}" for name in done)):
                subprocess.run(["rm", "-rf", str(folder)], check=True)
    print(f"scoring_loadavg_end={_loadavg()}")


def _loadavg() -> str:
    """1-, 5- and 15-minute load averages (``/proc/loadavg``), or ``unknown``."""
    try:
        return ",".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
