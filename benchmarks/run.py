"""Run every benchmark script (``bench_*.py``) here with its defaults; each prints name=value lines.

Scripts take their own options (``python benchmarks/bench_import.py --help``);
this runner passes none, so every figure comes from the documented defaults.
It first prints what the figures depend on (``run_*`` lines: date, commit,
CPU, cores, memory, Python, load average) and after each script the seconds it
took (``script_seconds=``) and, when it failed, its exit status
(``script_exit=``). ``docs/benchmarks.md`` is regenerated from one such run on a
fresh clone, its output kept in ``docs/benchmark-run.txt``:

    python benchmarks/run.py | tee docs/benchmark-run.txt
    python benchmarks/run.py bench_scoring bench_discovery   # only these scripts
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""


def machine() -> dict[str, str]:
    """What the figures depend on: when, which code, which machine, how busy."""
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(HERE), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory = next(
        (
            f"{int(line.split()[1]) / 2**20:.1f}"
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        "unknown",
    )
    return {
        "run_started_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run_commit": commit or "unknown",
        "run_uncommitted_changes": "yes" if dirty else "no",
        "run_cpu": cpu,
        "run_cpu_count": str(os.cpu_count()),
        "run_memory_gib": memory,
        "run_python": platform.python_version(),
        "run_platform": platform.platform(),
        "run_loadavg": " ".join(_read("/proc/loadavg").split()[:3]) or "unknown",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "only",
        nargs="*",
        help="script names to run (bench_scoring or bench_scoring.py); all if none",
    )
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {name.removesuffix(".py") for name in args.only}
        unknown = wanted - {s.stem for s in scripts}
        if unknown:
            allowed = ", ".join(s.stem for s in scripts)
            parser.error(f"unknown script(s) {', '.join(sorted(unknown))}; allowed: {allowed}")
        scripts = [s for s in scripts if s.stem in wanted]
    for name, value in machine().items():
        print(f"{name}={value}", flush=True)
    status = 0
    for script in scripts:
        print(f"# {script.name}", flush=True)
        started = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        print(f"script_seconds={time.perf_counter() - started:.1f}", flush=True)
        if code:
            print(f"script_exit={code}", flush=True)
        status |= code
    print(f"run_ended_utc={datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
