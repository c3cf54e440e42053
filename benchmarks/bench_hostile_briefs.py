"""Hostile briefs are refused quickly and in little memory (issue #12, item 8).

Times :func:`trustreach.discovery.load_brief` on each hostile file (best of
``--repeat`` runs) and, for the ``trustreach discover`` command, the whole
process in a child (wall seconds and peak RSS), and prints name=value lines:

- ``alias_bomb_10``: the "billion laughs", ten levels of nine aliases (before
  the safe reader: 33 s and 693 MB at nine levels; ten did not finish);
- ``deep_json`` / ``deep_yaml``: 100,000 nested lists (before: RecursionError);
- ``binary``: bytes that are not UTF-8 (before: UnicodeDecodeError);
- ``largest_valid``: a brief just under the 256 KiB limit, read in full;
- ``too_large``: a 64 MiB file, refused before it is read;
- ``baseline_missing_file``: the command with a brief that does not exist, i.e.
  the CLI's own start-up, which the other CLI figures include.

Usage::

    python benchmarks/bench_hostile_briefs.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trustreach.core._structured import MAX_BYTES
from trustreach.discovery import BriefError, load_brief

VALID = {
    "brief_id": "b1",
    "brand": "Glow Labs",
    "objective": "awareness",
    "platforms": ["instagram"],
    "category": "beauty",
    "budget": {"amount": 1000, "currency": "GBP"},
    "content_language": "en",
}


def files(folder: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    bomb = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 11)]
    out["alias_bomb_10"] = folder / "bomb.yaml"
    out["alias_bomb_10"].write_text("\n".join(bomb) + "\n", encoding="utf-8")
    out["deep_json"] = folder / "deep.json"
    out["deep_json"].write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    out["deep_yaml"] = folder / "deep.yaml"
    out["deep_yaml"].write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    out["binary"] = folder / "binary.yaml"
    out["binary"].write_bytes(os.urandom(4096) + b"\xff")
    topics = []
    size = len(json.dumps(VALID))
    while size < MAX_BYTES - 300:
        topic = f"topic number {len(topics):06d} about skincare and running"
        topics.append(topic)
        size += len(topic) + 4
    out["largest_valid"] = folder / "largest.json"
    out["largest_valid"].write_text(json.dumps({**VALID, "topics": topics}), encoding="utf-8")
    out["too_large"] = folder / "huge.yaml"
    with out["too_large"].open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    return out


def time_library(path: Path, repeat: int) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            load_brief(path)
            outcome = "loaded"
        except BriefError:
            outcome = "refused"
        best = min(best, time.perf_counter() - start)
    return best, outcome


_LAUNCH = (
    "import resource, runpy, sys\n"
    "try:\n"
    "    runpy.run_module('trustreach', run_name='__main__')\n"
    "finally:\n"
    "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    print(f'peak_rss_kib={peak}', file=sys.stderr)\n"
)


def time_cli(path: Path, data_dir: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit status of ``trustreach discover PATH``."""
    env = {**os.environ, "TRUSTREACH_DATA_DIR": str(data_dir)}
    argv = ["trustreach", "discover", str(path), "--dry-run", "-w", "bench"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.argv = {argv!r}\n" + _LAUNCH],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    wall = time.perf_counter() - start
    peak = next(
        int(line.split("=")[1])
        for line in reversed(done.stderr.splitlines())
        if line.startswith("peak_rss_kib=")
    )
    return wall, peak / 1024, done.returncode  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="library runs per file (best)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-briefs-") as folder:
        root = Path(folder)
        # the command's own start-up (imports) with a brief that is not there: the floor
        wall, peak_mb, code = time_cli(root / "absent.yaml", root / "data")
        print(f"baseline_missing_file.cli_wall_s={wall:.2f}")
        print(f"baseline_missing_file.cli_peak_rss_mb={peak_mb:.0f}")
        print(f"baseline_missing_file.cli_exit={code}", flush=True)
        for name, path in files(root).items():
            seconds, outcome = time_library(path, args.repeat)
            print(f"{name}.load_brief_s={seconds:.4f}")
            print(f"{name}.outcome={outcome}")
            wall, peak_mb, code = time_cli(path, root / "data")
            print(f"{name}.cli_wall_s={wall:.2f}")
            print(f"{name}.cli_peak_rss_mb={peak_mb:.0f}")
            print(f"{name}.cli_exit={code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
