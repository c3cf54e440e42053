"""Run the brief property tests (tests/test_brief_fuzz.py) for longer than ``make test`` does.

Each property gets ``--examples`` examples (``make test`` runs 25-40) and
reports the slowest example, so a refusal that takes more than a moment
shows up; a failing example is printed by Hypothesis and the run exits 1.

Usage::

    python scripts/fuzz_briefs.py --examples 2000
    python scripts/fuzz_briefs.py --examples 500 --only tricky_yaml --seed 3

Prints ``name=value`` lines: examples and slowest seconds per property.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests package: its strategies and properties


def _properties(examples: int) -> Any:
    os.environ["TRUSTREACH_FUZZ_EXAMPLES"] = str(examples)  # read when the module loads
    from tests import test_brief_fuzz

    return test_brief_fuzz


NAMES = {
    "bytes": "test_any_bytes_are_a_brief_or_a_clear_refusal",
    "documents": "test_any_document_is_a_brief_or_a_clear_refusal",
    "tricky_yaml": "test_tricky_yaml_is_a_brief_or_a_clear_refusal",
    "field_values": "test_any_value_in_any_field_is_valid_or_named",
    "field_values_in_files": "test_a_valid_brief_with_any_value_in_a_file_loads_or_is_refused",
    "cli": "test_cli_gives_one_error_line_and_exit_2",
}

NEEDS_FOLDER = {"bytes", "documents", "tricky_yaml", "field_values_in_files", "cli"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per property")
    parser.add_argument("--only", choices=sorted(NAMES), action="append", help="repeatable")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (same seed, same run)")
    args = parser.parse_args()
    # the CLI property never touches a real store: a scratch data directory
    scratch = tempfile.TemporaryDirectory(prefix="fuzz-briefs-data-")
    os.environ["TRUSTREACH_DATA_DIR"] = scratch.name
    os.environ.pop("TRUSTREACH_DATABASE_URL", None)
    from hypothesis import seed

    properties = _properties(args.examples)
    failed = False
    for name in args.only or list(NAMES):
        test: Any = getattr(properties, NAMES[name])
        slowest = 0.0
        inner = test.hypothesis.inner_test

        def timed(*a: Any, _inner: Any = inner, **k: Any) -> None:
            nonlocal slowest
            start = time.perf_counter()
            try:
                _inner(*a, **k)
            finally:
                slowest = max(slowest, time.perf_counter() - start)

        test.hypothesis.inner_test = timed
        run = seed(args.seed)(test)
        started = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="fuzz-briefs-") as folder:
                run(**({"tmp_path": Path(folder)} if name in NEEDS_FOLDER else {}))
            status = "ok"
        except Exception as exc:  # a falsified property: the example is in the exception's notes
            traceback.print_exception(exc, file=sys.stderr)
            status = f"FAILED ({type(exc).__name__})"
            failed = True
        finally:
            test.hypothesis.inner_test = inner
        print(f"{name}.examples={args.examples}")
        print(f"{name}.slowest_example_s={slowest:.3f}")
        print(f"{name}.total_s={time.perf_counter() - started:.1f}")
        print(f"{name}.status={status}", flush=True)
    scratch.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
