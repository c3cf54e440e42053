"""Command-line start-up: wall time, CPU time and peak memory of everyday commands.

Prints ``name=value`` lines. Each command runs as a user runs it (a fresh
``python -m trustreach`` process), ``--repeat`` times; the median is reported.

    python benchmarks/bench_cli.py [--data-dir .trustreach] [--workspace demo] [--repeat 5]

``summary``, ``shortlist list`` and ``audit verify`` read the demo world's store
(``make demo`` builds it in ``.trustreach``); they only read it. Targets: ``--help``
and ``--version`` under 0.3 s; ``summary``, ``shortlist list`` and ``audit verify``
on the demo world under 1 s. Wall time depends on how busy the machine is, so the
1-minute load average is printed too, and CPU time (user + system) beside it.
As on a user's machine, Python caches the compiled bytecode: ``PYTHONDONTWRITEBYTECODE``
is removed from the commands' environment and each command runs once, untimed,
before its timed runs (on a machine that sets it, every start compiled the
package's modules again, about 0.1 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS: dict[str, tuple[list[str], bool]] = {  # name: (arguments, needs the store)
    "help": (["--help"], False),
    "version": (["--version"], False),
    "summary": (["summary"], True),
    "shortlist_list": (["shortlist", "list"], True),
    "audit_verify": (["audit", "verify"], True),
}


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one ``trustreach ARGS`` process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "trustreach", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"trustreach {' '.join(args)} failed: {stderr.strip()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".trustreach"))
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    env = {
        **os.environ,
        "TRUSTREACH_DATA_DIR": str(options.data_dir.absolute()),
        "TRUSTREACH_WORKSPACE": options.workspace,
        "COLUMNS": "120",
    }
    env.pop("TRUSTREACH_DATABASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    has_store = (options.data_dir / "trustreach.db").exists()
    print(f"load_average_1m={os.getloadavg()[0]:.2f}")
    print(f"cpu_count={os.cpu_count()}")
    peak = 0.0
    for name, (args, needs_store) in COMMANDS.items():
        if needs_store and not has_store:
            print(f"# cli_{name}: skipped, no store in {options.data_dir} (run `make demo`)")
            continue
        run_once(args, env)  # writes the bytecode a user's first start would write
        runs = [run_once(args, env) for _ in range(options.repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        peak = max(peak, rss)
        print(f"cli_{name}_s={wall:.3f}")
        print(f"cli_{name}_cpu_s={cpu:.3f}")
        print(f"cli_{name}_peak_mib={rss:.0f}")
    print(f"cli_peak_mib={peak:.0f}")


if __name__ == "__main__":
    main()
