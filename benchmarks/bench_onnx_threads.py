"""ONNX Runtime threads for the accurate text tier when the cores are shared.

Prints ``name=value`` lines: accurate brand safety (``AccurateSafety``, one
text per call, the default tier of ``nlp analyze``) in texts/s,

- ``alone_1_thread`` / ``alone_2_threads``: one process, nothing else of ours
  running;
- ``shared_1_thread`` / ``shared_2_threads``: the same while another process
  keeps one core busy (it runs the same model, one thread, for as long as the
  measurement lasts): the case of a shared machine;
- ``two_processes_1_thread_total``: two processes of one thread each at the
  same time, their texts/s summed: scaling by processes instead of threads;
- ``loadavg_start`` / ``loadavg_end``: ``/proc/loadavg`` around the timings.

The texts are generated comments (no data files needed), ``--texts`` of them
per measurement, after a warm-up.

    python benchmarks/bench_onnx_threads.py [--texts 2000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from multiprocessing.synchronize import Event
from pathlib import Path

PHRASES = (
    "love this so much",
    "best routine ever",
    "honestly my skin is glowing",
    "worst product i have tried",
    "never again total scam do not buy",
    "where can i get it link please",
    "the colour is lovely",
    "you are an idiot and this is garbage",
    "follow me for free followers",
)


def _texts(count: int, seed: int = 7) -> list[str]:
    import random

    rng = random.Random(seed)
    return [" ".join(rng.choices(PHRASES, k=rng.randint(1, 5))) for _ in range(count)]


def _rate(threads: int, count: int) -> float:
    """Texts/s of the accurate safety model with ``threads`` ONNX threads, in this process."""
    from trustreach.nlp._accurate import AccurateSafety

    model = AccurateSafety.load(threads=threads)
    texts = _texts(count)
    model.predict_proba(texts[:50])  # warm-up
    started = time.perf_counter()
    model.predict_proba(texts)
    return count / (time.perf_counter() - started)


def _measure(threads: int, count: int, out: mp.Queue[float]) -> None:
    out.put(_rate(threads, count))


def _busy(stop: Event, ready: Event) -> None:
    from trustreach.nlp._accurate import AccurateSafety

    model = AccurateSafety.load(threads=1)
    texts = _texts(200, seed=11)
    model.predict_proba(texts[:10])
    ready.set()
    while not stop.is_set():
        model.predict_proba(texts)


def _run(context: mp.context.SpawnContext, threads: list[int], count: int) -> list[float]:
    """Measure in fresh processes at the same time, one per entry of ``threads``."""
    out: mp.Queue[float] = context.Queue()
    workers = [context.Process(target=_measure, args=(t, count, out)) for t in threads]
    for w in workers:
        w.start()
    rates = [out.get() for _ in workers]
    for w in workers:
        w.join()
    return rates


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    args = parser.parse_args()
    context = mp.get_context("spawn")
    start = _loadavg()
    figures = {
        "alone_1_thread": _run(context, [1], args.texts)[0],
        "alone_2_threads": _run(context, [2], args.texts)[0],
    }
    stop, ready = context.Event(), context.Event()
    busy = context.Process(target=_busy, args=(stop, ready))
    busy.start()
    ready.wait()
    try:
        figures["shared_1_thread"] = _run(context, [1], args.texts)[0]
        figures["shared_2_threads"] = _run(context, [2], args.texts)[0]
    finally:
        stop.set()
        busy.join()
    figures["two_processes_1_thread_total"] = sum(_run(context, [1, 1], args.texts))
    print(f"texts={args.texts}")
    for name, value in figures.items():
        print(f"{name}={value:.0f}")
    print(f"loadavg_start={start}")
    print(f"loadavg_end={_loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
