"""The runner the in-process fuzz scripts share: run a test module's Hypothesis properties
with more examples than ``make test`` does and print ``name=value`` lines per property."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Collection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests package: its strategies and properties


def run_properties(
    description: str,
    module: str,
    names: dict[str, str],
    *,
    prefix: str,
    needs_folder: Collection[str] | None = None,
) -> int:
    """Parse ``--examples/--only/--seed``, run each chosen property of ``tests.<module>``.

    ``names`` maps a short name to the test function; ``needs_folder`` the short
    names whose test takes pytest's ``tmp_path`` (all of them when None). The
    store is a scratch data directory, never the user's. Returns the exit status:
    1 when a property was falsified (its example is printed on stderr).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--examples", type=int, default=500, help="examples per property")
    parser.add_argument("--only", choices=sorted(names), action="append", help="repeatable")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (same seed, same run)")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory(prefix=f"{prefix}-data-")
    os.environ["TRUSTREACH_DATA_DIR"] = scratch.name
    os.environ.pop("TRUSTREACH_DATABASE_URL", None)
    os.environ["TRUSTREACH_FUZZ_EXAMPLES"] = str(args.examples)  # read when the module loads
    from hypothesis import seed

    properties = importlib.import_module(f"tests.{module}")
    failed = False
    for name in args.only or list(names):
        test: Any = getattr(properties, names[name])
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
            with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
                wants = needs_folder is None or name in needs_folder
                run(**({"tmp_path": Path(folder)} if wants else {}))
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
