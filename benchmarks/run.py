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

A script re-run alone after a fix replaces its section of a full run's output,
which then says so in a ``run_rerun_<script>=`` line (when, which commit, the
load and the reason; ``render_doc.py`` lists them in the page's header)::

    python benchmarks/run.py bench_cli --into docs/benchmark-run.txt --reason "..."
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


def _section(lines: list[str], script: str) -> tuple[int, int]:
    """Where a script's lines (its ``# bench_x.py`` line on) start and end in a run."""
    start = lines.index(f"# {script}.py")
    for end in range(start + 1, len(lines)):
        line = lines[end]
        if (line.startswith("# bench_") and line.endswith(".py")) or line.startswith("run_ended"):
            return start, end
    return start, len(lines)


def replace_sections(full: str, rerun: str, reason: str) -> str:
    """``full`` (a whole run's output) with each script of ``rerun`` put in its place.

    Each replaced script gets a ``run_rerun_<script>=`` line among the run's
    ``run_*`` lines (replacing an earlier one) that says when and at which
    commit it ran again, the load, and ``reason``. A script that ``full`` does not
    hold raises ``ValueError`` naming it.
    """
    lines = full.splitlines()
    again = rerun.splitlines()
    meta = dict(line.split("=", 1) for line in again if line.startswith("run_") and "=" in line)
    scripts = [line[2:-3] for line in again if line.startswith("# bench_") and line.endswith(".py")]
    for script in scripts:
        if f"# {script}.py" not in lines:
            raise ValueError(f"{script}.py is not in the run it should replace")
        start, end = _section(lines, script)
        new_start, new_end = _section(again, script)
        lines[start:end] = again[new_start:new_end]
        note = (
            f"run_rerun_{script}={script}.py alone, {meta.get('run_started_utc', '?')} to "
            f"{meta.get('run_ended_utc', '?')}, commit {meta.get('run_commit', '?')[:7]}, "
            f"load average {meta.get('run_loadavg', '?')}: {reason}"
        )
        lines = [line for line in lines if not line.startswith(f"run_rerun_{script}=")]
        after = max(i for i, line in enumerate(lines[:start]) if line.startswith("run_"))
        lines.insert(after + 1, note)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "only",
        nargs="*",
        help="script names to run (bench_scoring or bench_scoring.py); all if none",
    )
    parser.add_argument(
        "--into", type=Path, help="a full run's output: replace these scripts' sections in it"
    )
    parser.add_argument("--reason", default="", help="with --into: why the scripts ran again")
    args = parser.parse_args()
    if args.into and not (args.only and args.reason):
        parser.error("--into needs the scripts to run again and a --reason")
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {name.removesuffix(".py") for name in args.only}
        unknown = wanted - {s.stem for s in scripts}
        if unknown:
            allowed = ", ".join(s.stem for s in scripts)
            parser.error(f"unknown script(s) {', '.join(sorted(unknown))}; allowed: {allowed}")
        scripts = [s for s in scripts if s.stem in wanted]
    out: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        out.append(line)

    for name, value in machine().items():
        say(f"{name}={value}")
    status = 0
    for script in scripts:
        say(f"# {script.name}")
        started = time.perf_counter()
        with subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, text=True
        ) as child:
            assert child.stdout is not None
            for line in child.stdout:  # passed on as it comes
                say(line.rstrip("\n"))
        say(f"script_seconds={time.perf_counter() - started:.1f}")
        if child.returncode:
            say(f"script_exit={child.returncode}")
        status |= child.returncode
    say(f"run_ended_utc={datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if args.into and not status:
        full = args.into.read_text(encoding="utf-8")
        args.into.write_text(replace_sections(full, "\n".join(out), args.reason), encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
