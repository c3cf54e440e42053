"""Run one measured step in a fresh process and print name=value lines.

Used by the benchmarks so that peak memory (ru_maxrss) belongs to one step. The
modules a step needs are imported before its clock starts (the figures are the
work, not Python's start-up); its peak memory includes them.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path


def main() -> None:
    step, *args = sys.argv[1:]
    # module loading happens before the clock starts: the figure is the work itself
    # (peak memory, ru_maxrss, still counts the loaded modules)
    if step == "import":
        from trustreach.core import Settings
        from trustreach.services import import_path

        path, data_dir, url = Path(args[0]), Path(args[1]), args[2] or None
        settings = Settings(data_dir=data_dir, database_url=url)
        started = time.perf_counter()
        rows = import_path(path, workspace="bench", settings=settings).rows
    elif step == "followers":
        from trustreach.synth import generate_follower_accounts

        path, n = Path(args[0]), int(args[1])
        started = time.perf_counter()
        rows = generate_follower_accounts(path, n=n, seed=11)
    elif step == "world":
        from trustreach.synth import generate_world

        started = time.perf_counter()
        rows = generate_world(Path(args[0]), seed=7).total_records
    else:
        raise SystemExit(f"unknown step {step!r}; allowed: import, followers, world")
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"rows={rows}\nseconds={seconds:.3f}\npeak_mib={peak_mib:.0f}\nworker_mib={worker_mib:.0f}"
    )


if __name__ == "__main__":
    main()
