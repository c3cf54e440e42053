"""A refused scoring file is described as scoring (no database involved), in row order."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests._world import write_records

from trustreach.core import ImportValidationError, Settings
from trustreach.services import score_accounts_file


def test_scoring_refusal_names_scoring_and_lists_rows_in_order(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    rows = [
        {"account_id": "a1", "followers_count": 10},
        {"account_id": "a2", "followers_count": -1, "is_private": "maybe"},
        {"account_id": "a3", "followers_count": "many"},
    ]
    source = write_records(tmp_path / "accounts.csv", rows)
    with pytest.raises(ImportValidationError) as info:
        score_accounts_file(source, tmp_path / "out.csv", settings=sqlite_settings)
    error = info.value
    assert [e.row for e in error.errors] == sorted(e.row for e in error.errors)
    assert [e.row for e in error.errors] == [2, 2, 3]
    assert error.task == "scoring" and "database" not in str(error)
    assert str(error).startswith("scoring refused, no output file was written")
