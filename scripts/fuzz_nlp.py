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

import sys

from _fuzz import run_properties

NAMES = {
    "bytes": "test_any_bytes_give_one_row_per_line",
    "records": "test_any_text_records_keep_their_ids_and_order",
    "cli": "test_cli_exits_0_with_every_row_or_2_with_one_error_line",
}

if __name__ == "__main__":
    sys.exit(
        run_properties(__doc__.splitlines()[0], "test_nlp_analyze_fuzz", NAMES, prefix="fuzz-nlp")
    )
