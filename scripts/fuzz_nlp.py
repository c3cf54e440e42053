"""Run the ``nlp analyze`` property tests (tests/test_nlp_analyze_fuzz.py) for longer.

Each property gets ``--examples`` examples (``make test`` runs 20) and
reports the slowest example; a failing example is printed by Hypothesis and
the run exits 1. The models load once, in this process.

Usage::

    python scripts/fuzz_nlp.py --examples 2000
    python scripts/fuzz_nlp.py --examples 500 --only records --seed 3

Prints ``name=value`` lines: examples, slowest and total seconds, and status
per property.
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

NAMES = {
    "bytes": "test_any_bytes_give_one_row_per_line",
    "records": "test_any_text_records_keep_their_ids_and_order",
    "cli": "test_cli_exits_0_with_every_row_or_2_with_one_error_line",
}


def _properties(examples: int) -> Any:
    os.environ["TRUSTREACH_FUZZ_EXAMPLES"] = str(examples)  # read when the module loads
    from tests import test_nlp_analyze_fuzz

    return test_nlp_analyze_fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per property")
    parser.add_argument("--only", choices=sorted(NAMES), action="append", help="repeatable")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (same seed, same run)")
    args = parser.parse_args()
    # every run records an audit entry: a scratch store, never the user's
    scratch = tempfile.TemporaryDirectory(prefix="fuzz-nlp-data-")
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
            with tempfile.TemporaryDirectory(prefix="fuzz-nlp-") as folder:
                run(tmp_path=Path(folder))
            status = "ok"
        except Exception as exc:  # a falsified property: Hypothesis printed the example
            status = f"FAILED ({type(exc).__name__})"
            failed = True
            print("".join(traceback.format_exception(exc)[-3:]), file=sys.stderr)
            print("\n".join(getattr(exc, "__notes__", [])), file=sys.stderr)
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
