"""Property tests of the importer: any records, any bytes, through the library and the CLI.

Every import either refuses clearly (a trustreach error; on the command line exit 2
and one ``error:`` line, no traceback) and leaves the store exactly as it was, or
stores every number, flag and id exactly as given. The column path and the record
path give the same verdicts on the same batch. Bounded here (``make test``);
``scripts/fuzz_import.py --examples N`` runs the same properties longer.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests._world import TINY, write_records, write_world
from tests.test_import import snapshot

from trustreach.core import ImportValidationError, Settings, TrustreachError
from trustreach.ethics.privacy import Pseudonymizer, load_or_create_key
from trustreach.ingest import KINDS, RawBatch, field_specs
from trustreach.ingest._validate import validate_columns, validate_records
from trustreach.services import import_path, open_store
from trustreach.store import metadata

EXAMPLES = int(os.environ.get("TRUSTREACH_IMPORT_FUZZ_EXAMPLES", "20"))  # scripts/fuzz_import.py
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EDGE_TEXT = ["", " ", "\x00", "a\x00b", "\t", "1e20", "9999-12-31", "2026-10-01",
             "2026-10-02T10:00:00Z", "USD", "XYZ", "instagram", "ig_c1", "c1", "f_1001", "p1",
             "cmp1", "b1", "true", "NaN", "-1", "12", "١٢", "\ud800"]  # fmt: skip
EDGE_NUMBERS = [0, 1, -1, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**12, 10**12 + 1, 10**13,
                1e20, 1e308, 0.5, 2.0, -0.0, 1e-300]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(EDGE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(EDGE_TEXT),
    st.text(max_size=8),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.sampled_from(["18-24", "female", "US", "x"]), SCALARS, max_size=3),
)
# kinds whose TINY records stand alone once the tiny world is in the store
FUZZED_KINDS = ["brands", "creator_accounts", "follower_accounts", "follows", "campaigns",
                "deals", "posts", "tracking_events"]  # fmt: skip
_KEYS = {"brands": "brand_id", "creator_accounts": "account_id", "follower_accounts": "account_id",
         "campaigns": "campaign_id", "deals": "deal_id", "posts": "post_id",
         "tracking_events": "event_id"}  # fmt: skip


@st.composite
def mutated_records(draw: st.DrawFn, kind: str) -> list[dict[str, Any]]:
    """TINY's records of ``kind`` with some fields replaced, dropped or added."""
    fields = list(field_specs(KINDS[kind]))
    out = []
    for i, base in enumerate(TINY[kind]):
        record = dict(base)
        if kind in _KEYS:
            record[_KEYS[kind]] = f"{record[_KEYS[kind]]}_{i}" if i else record[_KEYS[kind]]
        for name in draw(st.lists(st.sampled_from(fields), max_size=3)):
            record[name] = draw(VALUES)
        for name in draw(st.lists(st.sampled_from(fields), max_size=1)):
            record.pop(name, None)
        if draw(st.integers(0, 9)) == 0:
            record[draw(st.sampled_from(["bogus", "Followers_count", ""]))] = draw(SCALARS)
        out.append(record)
    return out


@contextlib.contextmanager
def seeded_store(tmp_path: Path) -> Iterator[Settings]:
    """A store holding the tiny world; made once per test, shared by its examples."""
    configured = Settings(data_dir=tmp_path / "fuzz-data")
    if not (tmp_path / "fuzz-seed").exists():
        import_path(write_world(tmp_path / "fuzz-seed"), workspace="acme", settings=configured)
    yield configured


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, allow_nan=True) + "\n" for r in records).encode("utf-8", "replace")


def _attempt(path: Path, configured: Settings) -> bool:
    """Import ``path``: True when it was stored, False when it was refused unchanged."""
    before = snapshot(configured)
    try:
        import_path(path, workspace="acme", settings=configured)
    except TrustreachError:
        assert snapshot(configured) == before, "a refused import changed the store"
        return False
    return True


def _expected(spec_kind: str, value: Any) -> Any:
    """What a given value means: the documented spellings ('12', 'yes') are that value."""
    if isinstance(value, str):
        text = value.strip().lower()
        if spec_kind == "bool":
            return text in ("true", "t", "yes", "y", "1", "on")
        return int(text) if spec_kind == "int" else float(text)
    if spec_kind == "float":
        return float(value)
    return value


def _check_stored(kind: str, records: list[dict[str, Any]], configured: Settings) -> None:
    """Every number, flag and id of every record is stored as given."""
    table = metadata.tables[kind]
    specs = field_specs(KINDS[kind])
    key = _KEYS[kind]
    pseudonym = Pseudonymizer(load_or_create_key(configured.resolved_key_file()))
    engine = open_store(configured)
    with engine.connect() as connection:
        for record in records:
            column = "follower_key" if kind == "follower_accounts" else key
            wanted = pseudonym("acme", record[key]) if kind == "follower_accounts" else record[key]
            row = connection.execute(select(table).where(table.c[column] == wanted)).mappings()
            (stored,) = row.all()
            for name, value in record.items():
                spec = specs[name]
                if (
                    value is None
                    or name not in table.c
                    or spec.kind not in ("int", "float", "bool")
                ):
                    continue
                got = stored[name]
                assert got == _expected(spec.kind, value), (kind, name, value, got)
                assert not isinstance(got, float) or math.isfinite(got)
    engine.dispose()


@pytest.mark.parametrize("kind", FUZZED_KINDS)
@FUZZ
@given(data=st.data())
def test_any_records_are_refused_cleanly_or_stored_exactly(
    tmp_path: Path, kind: str, data: st.DataObject
) -> None:
    records = data.draw(mutated_records(kind))
    with seeded_store(tmp_path) as configured:
        path = tmp_path / "in" / f"{kind}.jsonl"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(_jsonl(records))
        if _attempt(path, configured) and kind in _KEYS:
            _check_stored(kind, records, configured)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
@FUZZ
@given(data=st.data())
def test_any_records_in_any_format_never_crash(
    tmp_path: Path, fmt: str, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(FUZZED_KINDS))
    records = data.draw(mutated_records(kind))
    with seeded_store(tmp_path) as configured:
        path = tmp_path / "in" / f"{kind}.{fmt}"
        try:
            write_records(path, records)
        except (ValueError, TypeError, OverflowError, UnicodeEncodeError) as exc:
            assume(not exc)  # a value the writer (pyarrow, csv) cannot hold: not our input
        except Exception as exc:  # pyarrow's own errors: mixed types in a column
            assume(type(exc).__module__.startswith("trustreach"))
        _attempt(path, configured)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
@FUZZ
@given(kind=st.sampled_from(list(KINDS)), content=st.binary(max_size=300))
def test_any_bytes_are_refused_cleanly_or_imported(
    tmp_path: Path, suffix: str, kind: str, content: bytes
) -> None:
    with seeded_store(tmp_path) as configured:
        path = tmp_path / "in" / f"{kind}{suffix}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
        _attempt(path, configured)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.builds(
                lambda r: json.dumps(r, allow_nan=True),
                st.dictionaries(
                    st.sampled_from([*field_specs(KINDS["follower_accounts"]), "bogus"]),
                    SCALARS,
                    max_size=6,
                ),
            ),
            st.sampled_from(
                [
                    '{"account_id":"a","followers_count":1,"followers_count":2}',
                    '{"account_id":"a" ,"posts_count" :3}',
                    '{"account_id":12}',
                    '{"account_id":"a","username":["x"]}',
                    '{"account_id":"a","username":[1]}',
                    '{"account_id":"a","followers_count":5,"followers_count":null}',
                    '{"account_id":"a:b","followers_count":null,"is_private":true}',
                    '{"account_id":"a","username":"x","bogus":null}',
                    '{"account_id":"a","username":"{}","posts_count":1}',
                    "[1]",
                    "{}",
                ]
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_column_path_and_record_path_agree(lines: list[str]) -> None:
    raw = [line.encode("utf-8", "replace") for line in lines]
    batch = RawBatch("f.jsonl", list(range(1, len(raw) + 1)), lines=raw)
    fast, fast_errors = validate_columns(batch, "follower_accounts")
    exact, exact_errors = validate_records(batch, "follower_accounts")
    assert fast.rows == exact.rows
    assert {e.row for e in fast_errors} == {e.row for e in exact_errors}
    if fast.frame is not None and exact.models:
        by_row = dict(zip(exact.rows, exact.models, strict=True))
        for row, values in zip(fast.rows, fast.frame.iter_rows(named=True), strict=True):
            model = by_row[row].model_dump()
            for name in ("account_id", "followers_count", "posts_count", "has_profile_pic"):
                assert values[name] == model[name], (row, name, values[name], model[name])


def _cli(args: list[str]) -> tuple[int, str]:
    """Run the CLI's entry point in this process; its exit status and stderr."""
    from trustreach.cli._app import main

    err = io.StringIO()
    argv = sys.argv
    sys.argv = ["trustreach", *args]
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main()
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    finally:
        sys.argv = argv
    return status, err.getvalue()


@settings(max_examples=max(EXAMPLES // 2, 10), deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(data=st.data())
def test_cli_refuses_with_one_error_line_and_no_traceback(
    tmp_path: Path, sqlite_settings: Settings, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(FUZZED_KINDS))
    content = data.draw(
        st.one_of(st.binary(max_size=200), st.builds(_jsonl, mutated_records(kind)))
    )
    world = tmp_path / "cli-seed"
    if not world.exists():
        import_path(write_world(world), workspace="acme", settings=sqlite_settings)
    path = tmp_path / "cli" / f"{kind}.jsonl"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    before = snapshot(sqlite_settings)
    status, err = _cli(["import", str(path), "--workspace", "acme"])
    assert "Traceback" not in err
    if status != 0:
        assert status == 2, err
        assert [line for line in err.splitlines() if line.startswith("error:")] != []
        assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1
        assert snapshot(sqlite_settings) == before


@pytest.mark.parametrize(
    "content", [b"", b'{"account_id": "f", "followers_count": 1e20}\n'], ids=["empty", "1e20"]
)
def test_cli_subprocess_refusal(tmp_path: Path, content: bytes) -> None:
    from tests.test_cli import run

    path = tmp_path / "follower_accounts.jsonl"
    path.write_bytes(content)
    done = run("import", str(path), "--workspace", "acme")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] != []


def test_refused_import_writes_no_audit_record(tmp_path: Path, sqlite_settings: Settings) -> None:
    with pytest.raises(ImportValidationError):
        import_path(write_records(tmp_path / "brands.jsonl", [{"brand_id": 1, "name": "x"}]),
                    workspace="acme", settings=sqlite_settings)  # fmt: skip
    assert snapshot(sqlite_settings)["audit_log"] == []
