"""Import never changes a value silently: out of range, inexact, duplicate or odd input is refused.

Every refusal names the file, the row at fault (not the first row of its batch),
the field and the value, and leaves the store exactly as it was.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from tests._world import TINY, write_records, write_world
from tests.test_import import snapshot

from trustreach.core import ImportValidationError, Settings
from trustreach.services import import_path, open_store
from trustreach.store import metadata

FOLLOWER = {"account_id": "f_ok", "followers_count": 10}
ACCOUNT = {"account_id": "ig_c1", "creator_id": "c1", "platform": "instagram", "handle": "ana",
           "followers_count": 10}  # fmt: skip


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding the tiny world, made once and copied by each test."""
    root = tmp_path_factory.mktemp("seeded")
    import_path(write_world(root / "seed"), workspace="acme",
                settings=Settings(data_dir=root / "data"))  # fmt: skip
    return root / "data"


@pytest.fixture
def seeded(seeded_template: Path, sqlite_settings: Settings) -> Settings:
    shutil.copytree(seeded_template, sqlite_settings.data_dir)
    return sqlite_settings


def refused(path: Path, settings: Settings) -> ImportValidationError:
    """Import ``path``, expect a refusal, and check that nothing changed."""
    before = snapshot(settings)
    with pytest.raises(ImportValidationError) as info:
        import_path(path, workspace="acme", settings=settings)
    assert snapshot(settings) == before, "a refused import must leave the store as it was"
    return info.value


def jsonl(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def stored(settings: Settings, kind: str, column: str) -> list[Any]:
    engine = open_store(settings)
    with engine.connect() as connection:
        table = metadata.tables[kind]
        values = [r[0] for r in connection.execute(select(table.c[column]))]
    engine.dispose()
    return sorted(values, key=lambda v: (v is None, str(type(v)), 0 if v is None else v))


def assert_blames(err: ImportValidationError, row: int, field: str, shown: str | None) -> None:
    got = [(e.row, e.field, e.value) for e in err.errors]
    assert all(e.row == row for e in err.errors), got
    assert any(e.field == field for e in err.errors), got
    if shown is not None:
        assert any(e.value is not None and _same(shown, e.value) for e in err.errors), got


def _same(raw: str, value: str) -> bool:
    """The shown value is the raw one (numbers may be shown in Python's spelling)."""
    if raw.lower() in value.lower():
        return True
    try:
        return float(raw) == float(value.strip("'\"").replace("...", ""))
    except ValueError:
        return False


BAD_COUNTS = ["1e20", "1e308", "9223372036854775807", "9007199254740993", "1.5", "true", "-1",
              "18446744073709551616", "1e-400", '"12x"']  # fmt: skip


@pytest.mark.parametrize("raw", BAD_COUNTS)
@pytest.mark.parametrize("kind", ["follower_accounts", "creator_accounts"])
def test_jsonl_count_out_of_range_or_inexact_is_refused_at_its_row(
    tmp_path: Path, seeded: Settings, kind: str, raw: str
) -> None:
    first = dict(FOLLOWER if kind == "follower_accounts" else ACCOUNT)
    second = json.dumps({**first, "account_id": "x2"})[:-1] + f', "followers_count": {raw}}}'
    second = second.replace('"followers_count": 10, ', "")
    path = jsonl(tmp_path / "bad" / f"{kind}.jsonl", json.dumps(first), second)
    err = refused(path, seeded)
    assert_blames(err, 2, "followers_count", raw.strip('"'))
    assert all(e.file == str(path) for e in err.errors)


@pytest.mark.parametrize(
    ("value", "arrow_type"),
    [(math.nan, pa.float64()), (math.inf, pa.float64()), (1e300, pa.float64()),
     (2**64 - 1, pa.uint64()), (2**63 - 1, pa.int64()), (2.5, pa.float64())],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["follower_accounts", "creator_accounts"])
def test_parquet_count_not_finite_or_out_of_range_is_refused(
    tmp_path: Path, seeded: Settings, kind: str, value: float, arrow_type: pa.DataType
) -> None:
    base = FOLLOWER if kind == "follower_accounts" else ACCOUNT
    columns: dict[str, Any] = {k: [v, v] for k, v in base.items() if k != "followers_count"}
    columns["account_id"] = ["ig_c1", "x2"] if kind == "creator_accounts" else ["f_ok", "x2"]
    columns["followers_count"] = pa.array([10, value], type=arrow_type)
    path = tmp_path / "bad" / f"{kind}.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table(columns), path)
    err = refused(path, seeded)
    assert_blames(err, 2, "followers_count", None)


@pytest.mark.parametrize("cell", ["1e20", "99999999999999999999", "1.5", "nan", "inf", "true",
                                  "1_000", "١٢", "0x10"])  # fmt: skip
@pytest.mark.parametrize("kind", ["follower_accounts", "creator_accounts"])
def test_csv_count_that_is_not_a_whole_number_in_range_is_refused(
    tmp_path: Path, seeded: Settings, kind: str, cell: str
) -> None:
    first = dict(FOLLOWER if kind == "follower_accounts" else ACCOUNT)
    path = write_records(tmp_path / "bad" / f"{kind}.csv", [first, {**first, "account_id": "x2"}])
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("followers_count")] = cell
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = refused(path, seeded)
    assert_blames(err, 2, "followers_count", cell)


@pytest.mark.parametrize(
    ("kind", "field", "raw"),
    [
        ("creator_accounts", "rate_per_post", "1e308"),
        ("creator_accounts", "rate_per_post", "0.10000000000000000001"),
        ("campaigns", "budget", "1e20"),
        ("campaigns", "budget", "-5"),
        ("deals", "amount", "1e400"),
        ("tracking_events", "value", "123456789.123456789123"),
        ("tracking_events", "quantity", "3000000000"),
        ("tracking_events", "quantity", "2.5"),
    ],
)
def test_money_and_quantities_out_of_range_or_inexact_are_refused(
    tmp_path: Path, seeded: Settings, kind: str, field: str, raw: str
) -> None:
    good = dict(TINY[kind][-1])
    if kind == "creator_accounts":
        good.update(rate_per_post=100, rate_currency="USD")
    else:
        good.setdefault("currency", "USD")
    bad = json.dumps({**good, field: 0})[:-1]
    bad = bad.replace(f'"{field}": 0', f'"{field}": {raw}')
    path = jsonl(tmp_path / "bad" / f"{kind}.jsonl", json.dumps(good), bad + "}")
    err = refused(path, seeded)
    assert_blames(err, 2, field, raw)


def test_parquet_money_nan_and_inf_are_refused(tmp_path: Path, seeded: Settings) -> None:
    rows = [dict(r) for r in TINY["tracking_events"]]
    path = tmp_path / "bad" / "tracking_events.parquet"
    path.parent.mkdir(parents=True)
    table = {c: [r.get(c) for r in rows] for c in rows[1]}
    table["value"] = [1.0, math.nan]
    table["currency"] = ["USD", "USD"]
    pq.write_table(pa.table(table), path)
    assert_blames(refused(path, seeded), 2, "value", None)
    table["value"] = [math.inf, 1.0]
    pq.write_table(pa.table(table), path)
    assert_blames(refused(path, seeded), 1, "value", None)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("audience_snapshots", "captured_on", "9999-12-31"),
        ("audience_snapshots", "captured_on", "1999-12-31"),
        ("posts", "posted_at", "9999-12-31T00:00:00Z"),
        ("comments", "posted_at", "1970-01-01T00:00:00Z"),
        ("follows", "followed_on", "9999-12-31"),
        ("follows", "followed_on", "1900-01-01"),
        ("campaigns", "ends_on", "9999-12-31"),
        ("consent_records", "recorded_at", "3000-01-01T00:00:00"),
    ],
)
def test_dates_outside_the_plausible_range_are_refused(
    tmp_path: Path, seeded: Settings, fmt: str, kind: str, field: str, value: str
) -> None:
    rows = [dict(r) for r in TINY[kind]][:2]
    if len(rows) == 1:
        rows.append({**rows[0], next(iter(rows[0])): "second"})
    rows[1][field] = value
    err = refused(write_records(tmp_path / "bad" / f"{kind}.{fmt}", rows), seeded)
    assert_blames(err, 2, field, value[:4])
    assert any("2000-01-01" in e.message for e in err.errors)


def test_a_number_for_a_date_is_refused(tmp_path: Path, seeded: Settings) -> None:
    rows = [dict(r) for r in TINY["posts"]]
    rows[1]["posted_at"] = 1_700_000_000
    assert_blames(refused(write_records(tmp_path / "p" / "posts.jsonl", rows), seeded), 2,
                  "posted_at", "17")  # fmt: skip


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
@pytest.mark.parametrize(
    ("kind", "field"), [("brands", "brand_id"), ("follower_accounts", "account_id"),
                        ("follows", "follower_account_id"), ("posts", "account_id")]
)  # fmt: skip
def test_an_integer_where_an_id_is_expected_is_refused(
    tmp_path: Path, seeded: Settings, fmt: str, kind: str, field: str
) -> None:
    rows = [dict(r) for r in TINY[kind]]
    for r in rows:  # a whole column of integers (Parquet: an int64 column)
        r[field] = 1001
    err = refused(write_records(tmp_path / "bad" / f"{kind}.{fmt}", rows), seeded)
    assert {e.field for e in err.errors} == {field}
    assert all("text" in e.message for e in err.errors), [e.message for e in err.errors]


def test_mixed_integer_and_text_ids_blame_the_integer_row(tmp_path: Path, seeded: Settings) -> None:
    path = jsonl(tmp_path / "bad" / "follower_accounts.jsonl",
                 '{"account_id": "f_a"}', '{"account_id": 12}', '{"account_id": true}')  # fmt: skip
    err = refused(path, seeded)
    assert sorted(e.row for e in err.errors) == [2, 3]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("brands", "brand_id", "b\x00x"),
        ("brands", "name", "Acme\x00"),
        ("follower_accounts", "account_id", "f\x00_1"),
        ("follower_accounts", "username", "jane\x1bdoe"),
        ("follows", "creator_account_id", "ig\tc1"),
        ("comments", "text", "nice\x00post"),
        ("creators", "niches", ["beauty", "sk\x07in"]),
    ],
)
def test_control_characters_in_ids_and_text_are_refused(
    tmp_path: Path, seeded: Settings, fmt: str, kind: str, field: str, value: Any
) -> None:
    rows = [dict(r) for r in TINY[kind]][:2]
    if len(rows) == 1:
        rows.append({**rows[0], next(iter(rows[0])): "second"})
    rows[1][field] = value
    err = refused(write_records(tmp_path / "bad" / f"{kind}.{fmt}", rows), seeded)
    assert_blames(err, 2, field, None)
    assert any("control character" in e.message for e in err.errors), err.errors


def test_line_breaks_and_tabs_in_free_text_are_kept(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    world = write_world(tmp_path / "w")
    rows = [dict(r) for r in TINY["comments"]]
    rows[1]["text"] = "line one\nline two\ttabbed"
    write_records(world / "comments.jsonl", rows)
    import_path(world, workspace="acme", settings=sqlite_settings)
    assert "line one\nline two\ttabbed" in stored(sqlite_settings, "comments", "text")


DUPLICATES = [
    ("follower_accounts", '{"account_id": "f_d", "followers_count": 1, "followers_count": -1}'),
    ("follower_accounts", '{"account_id": "f_d", "followers_count": 5, "followers_count": null}'),
    ("follower_accounts", '{"account_id": "f_d", "account_id": "f_e"}'),
    ("follower_accounts", '{"account_id": "f_d", "followers_count" : 1, "followers_count":2}'),
    ("follower_accounts", '{"account_id": "f_d", "\\u0061ccount_id": "f_e"}'),
    ("creator_accounts", '{"account_id": "ig_c1", "creator_id": "c1", "platform": "instagram", '
                         '"handle": "a", "followers_count": 1, "followers_count": 2}'),
    ("audience_snapshots", '{"account_id": "ig_c1", "captured_on": "2026-10-03", '
                           '"followers_count": 1, "age_bands": {"18-24": 0.1, "18-24": 0.2}}'),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "line"), DUPLICATES)
def test_duplicate_json_keys_are_refused_naming_the_key(
    tmp_path: Path, seeded: Settings, kind: str, line: str
) -> None:
    first = json.dumps(TINY[kind][0])
    err = refused(jsonl(tmp_path / "bad" / f"{kind}.jsonl", first, line), seeded)
    assert [e.row for e in err.errors] == [2], err.errors
    assert "duplicate key" in err.errors[0].message
    assert err.errors[0].field is not None


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_duplicate_keys_in_json_text_cells_are_refused(
    tmp_path: Path, seeded: Settings, fmt: str
) -> None:
    rows = [dict(r) for r in TINY["audience_snapshots"]]
    rows[1]["age_bands"] = {"18-24": 0.1}
    path = write_records(tmp_path / "bad" / f"audience_snapshots.{fmt}", rows)
    if fmt == "csv":
        path.write_text(
            path.read_text().replace('{""18-24"": 0.1}', '{""18-24"": 0.1, ""18-24"": 0.9}')
        )
    else:
        table = pq.read_table(path).to_pydict()
        table["age_bands"][1] = '{"18-24": 0.1, "18-24": 0.9}'
        pq.write_table(pa.table(table), path)
    err = refused(path, seeded)
    assert [(e.row, e.field) for e in err.errors] == [(2, "age_bands")]
    assert "duplicate key" in err.errors[0].message


@pytest.mark.parametrize("kind", ["follower_accounts", "brands"])
def test_duplicate_csv_columns_are_refused(tmp_path: Path, seeded: Settings, kind: str) -> None:
    path = tmp_path / "bad" / f"{kind}.csv"
    path.parent.mkdir(parents=True)
    column = "account_id" if kind == "follower_accounts" else "brand_id"
    other = "followers_count" if kind == "follower_accounts" else "name"
    path.write_text(f"{column},{other},{other}\nx1,1,2\n", encoding="utf-8")
    err = refused(path, seeded)
    assert [(e.row, e.field) for e in err.errors] == [(0, other)]
    assert "more than once" in err.errors[0].message


def test_unknown_key_hidden_by_spacing_is_refused(tmp_path: Path, seeded: Settings) -> None:
    path = jsonl(tmp_path / "bad" / "follower_accounts.jsonl",
                 '{"account_id": "f_a"}', '{"account_id":"f_b", "bogus" :5}')  # fmt: skip
    err = refused(path, seeded)
    assert [(e.row, e.field) for e in err.errors] == [(2, "bogus")]


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n", b"account_id,followers_count\n"],
    ids=["zero-bytes", "blank-lines", "header-only"],
)
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_file_without_records_is_refused_and_audits_nothing(
    tmp_path: Path, store_settings: Settings, content: bytes, suffix: str
) -> None:
    if suffix == ".jsonl" and content.startswith(b"account_id"):
        content = b" \n"  # a JSONL file has no header: a blank line instead
    path = tmp_path / f"follower_accounts{suffix}"
    path.write_bytes(content)
    err = refused(path, store_settings)
    assert "no records" in str(err) or "no header" in str(err)
    assert stored(store_settings, "audit_log", "seq") == []


def test_an_empty_parquet_file_is_refused(tmp_path: Path, sqlite_settings: Settings) -> None:
    path = tmp_path / "brands.parquet"
    pq.write_table(pa.table({"brand_id": pa.array([], pa.string())}), path)
    assert "no records" in str(refused(path, sqlite_settings))


def test_in_a_directory_an_empty_kind_file_is_zero_rows(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    world = write_world(tmp_path / "w")
    (world / "follows.jsonl").write_bytes(b"")
    report = import_path(world, workspace="acme", settings=sqlite_settings)
    assert {k.kind: k.rows for k in report.kinds}["follows"] == 0
    assert report.audit_seq == 1


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_directory_of_empty_files_is_refused_and_audits_nothing(
    tmp_path: Path, store_settings: Settings, fmt: str
) -> None:
    for kind in ("brands", "creators"):
        (tmp_path / "w").mkdir(exist_ok=True)
        (tmp_path / "w" / f"{kind}.{fmt}").write_bytes(b"" if fmt == "jsonl" else b"brand_id\n")
    err = refused(tmp_path / "w", store_settings)
    assert "nothing to import" in str(err)
    assert stored(store_settings, "audit_log", "seq") == []


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [("campaigns", "currency", "XYZ"), ("deals", "currency", "usd"),
     ("creator_accounts", "rate_currency", "ABC"), ("tracking_events", "currency", "BTC")],
)  # fmt: skip
def test_unknown_currency_codes_are_refused(
    tmp_path: Path, seeded: Settings, kind: str, field: str, value: str
) -> None:
    rows = [dict(r) for r in TINY[kind]][:2]
    if len(rows) == 1:
        rows.append({**rows[0], next(iter(rows[0])): "second"})
    rows[1][field] = value
    if kind == "creator_accounts":
        rows[1]["rate_per_post"] = 100
    if kind == "tracking_events":
        rows[1]["value"] = 1
    err = refused(write_records(tmp_path / "bad" / f"{kind}.jsonl", rows), seeded)
    assert_blames(err, 2, field, value)
    assert any("ISO 4217" in e.message for e in err.errors)


@pytest.mark.parametrize(
    ("kind", "amount"), [("campaigns", "budget"), ("deals", "amount"), ("briefs", "budget"),
                         ("tracking_events", "value")]
)  # fmt: skip
def test_an_amount_without_its_currency_is_refused(
    tmp_path: Path, seeded: Settings, kind: str, amount: str
) -> None:
    rows = [dict(r) for r in TINY[kind]]
    rows[-1][amount] = 100
    rows[-1].pop("currency", None)
    err = refused(write_records(tmp_path / "bad" / f"{kind}.jsonl", rows), seeded)
    assert [e.row for e in err.errors] == [len(rows)]
    assert "currency" in err.errors[0].message


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_values_at_the_limits_are_stored_exactly(
    tmp_path: Path, store_settings: Settings, fmt: str
) -> None:
    from trustreach.ingest._schema import COUNT_MAX

    rows = [{"account_id": "f1", "followers_count": COUNT_MAX, "posts_count": 0},
            {"account_id": "f2", "followers_count": 9_007_199, "following_count": 2}]  # fmt: skip
    import_path(write_records(tmp_path / f"follower_accounts.{fmt}", rows), workspace="acme",
                settings=store_settings)  # fmt: skip
    assert stored(store_settings, "follower_accounts", "followers_count") == [9_007_199, COUNT_MAX]
    assert 10**12 <= COUNT_MAX < 2**53


def test_whole_numbers_written_as_floats_are_accepted_exactly(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    path = jsonl(tmp_path / "follower_accounts.jsonl",
                 '{"account_id": "f1", "followers_count": 2.0}',
                 '{"account_id": "f2", "followers_count": 1e3}')  # fmt: skip
    import_path(path, workspace="acme", settings=sqlite_settings)
    assert stored(sqlite_settings, "follower_accounts", "followers_count") == [2, 1000]


@pytest.mark.parametrize("raw", ["1e20", "9223372036854775807", "true"])
def test_score_accounts_refuses_what_import_refuses(
    tmp_path: Path, sqlite_settings: Settings, raw: str
) -> None:
    from trustreach.services import score_accounts_file

    source = jsonl(tmp_path / "in.jsonl", '{"account_id": "a", "followers_count": 5}',
                   f'{{"account_id": "b", "followers_count": {raw}}}')  # fmt: skip
    with pytest.raises(ImportValidationError) as info:
        score_accounts_file(source, tmp_path / "out.csv", settings=sqlite_settings)
    assert_blames(info.value, 2, "followers_count", raw)
    assert not (tmp_path / "out.csv").exists()
