"""Run the importer's property tests (tests/test_import_fuzz.py) longer than ``make test`` does.

Each property gets ``--examples`` examples (``make test`` runs 20; the CLI property
half as many): any records of every kind in JSONL, CSV and Parquet, any bytes per
kind and format, the column path against the record path, and the command line.
A failing example is printed by Hypothesis (shrunk) and the run exits 1.

Usage::

    python scripts/fuzz_import.py --examples 500
    python scripts/fuzz_import.py --examples 200 --only agree --seed 3

Prints ``name=value`` lines: examples per property, seconds, passed and failed tests.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = {
    "records": "test_any_records_are_refused_cleanly_or_stored_exactly",
    "formats": "test_any_records_in_any_format_never_crash",
    "bytes": "test_any_bytes_are_refused_cleanly_or_imported",
    "agree": "test_column_path_and_record_path_agree",
    "cli": "test_cli_refuses_with_one_error_line_and_no_traceback",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per property")
    parser.add_argument("--only", choices=sorted(NAMES), action="append", help="repeatable")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (same seed, same run)")
    args = parser.parse_args()
    chosen = [NAMES[n] for n in args.only or NAMES]
    env = {**os.environ, "TRUSTREACH_IMPORT_FUZZ_EXAMPLES": str(args.examples)}
    env.pop("TRUSTREACH_DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_import_fuzz.py", "-q", "-p",
         "no:cacheprovider", f"--hypothesis-seed={args.seed}", "-k", " or ".join(chosen)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    if done.returncode not in (0, 1):
        sys.stdout.write(done.stdout + done.stderr)
    elif failed:
        sys.stdout.write(done.stdout)
    counts = dict.fromkeys(("passed", "failed"), 0)
    for number, word in re.findall(r"(\d+) (passed|failed)", done.stdout.splitlines()[-1]):
        counts[word] = int(number)
    print(f"examples_per_property={args.examples}")
    print(f"seconds={seconds:.0f}")
    print(f"tests_passed={counts['passed']}")
    print(f"tests_failed={counts['failed']}")
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
