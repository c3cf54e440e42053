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

import sys

from _fuzz import run_properties

NAMES = {
    "bytes": "test_any_bytes_are_a_brief_or_a_clear_refusal",
    "documents": "test_any_document_is_a_brief_or_a_clear_refusal",
    "tricky_yaml": "test_tricky_yaml_is_a_brief_or_a_clear_refusal",
    "field_values": "test_any_value_in_any_field_is_valid_or_named",
    "field_values_in_files": "test_a_valid_brief_with_any_value_in_a_file_loads_or_is_refused",
    "cli": "test_cli_gives_one_error_line_and_exit_2",
}

NEEDS_FOLDER = {"bytes", "documents", "tricky_yaml", "field_values_in_files", "cli"}

if __name__ == "__main__":
    sys.exit(
        run_properties(
            __doc__.splitlines()[0],
            "test_brief_fuzz",
            NAMES,
            prefix="fuzz-briefs",
            needs_folder=NEEDS_FOLDER,
        )
    )
