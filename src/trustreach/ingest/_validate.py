"""Validation of raw batches against the interchange models.

Two paths give the same verdicts:

- the *record* path validates each record with its pydantic model; it is exact
  and used for every kind, and for any batch the fast path cannot read;
- the *column* path (high-volume flat kinds such as ``follower_accounts``)
  checks whole columns at once with Polars and names every failing row.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
from pydantic import BaseModel, ValidationError

from trustreach.core import RecordError
from trustreach.ingest._fields import FieldSpec, field_specs
from trustreach.ingest._readers import JsonRefusal, RawBatch, decode_json_line
from trustreach.ingest._schema import KINDS

COLUMN_KINDS = frozenset({"follower_accounts", "follows"})
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_INT_TYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


@dataclass
class ValidBatch:
    """The valid records of a batch: models (record path) or a typed frame (column path)."""

    rows: list[int]
    models: list[BaseModel] | None = None
    frame: pl.DataFrame | None = None


def _show(value: Any) -> str:
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _model_errors(file: str, row: int, kind: str, exc: ValidationError) -> list[RecordError]:
    specs = field_specs(KINDS[kind])
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        name = loc[0] if loc else None
        spec = specs.get(name) if name else None
        if err["type"] == "extra_forbidden":
            message = f"is not a field of {kind}; allowed fields: {', '.join(specs)}"
        elif err["type"] == "missing":
            message = "is required"
        elif spec is not None and err["type"] != "value_error":
            detail = f" at {'.'.join(loc)}" if len(loc) > 1 else ""
            message = f"must be {spec.allowed}{detail} ({err['msg']})"
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
        value = None if err["type"] == "missing" else _show(err.get("input"))
        if name is None or (err["type"] == "value_error" and not loc):
            value = None
        out.append(RecordError(file, row, name if loc else None, value, message))
    return out


def _json_cell(name: str, text: str) -> Any:
    """An object field's JSON text (CSV, Parquet), read exactly like a JSONL line.

    Text that is not a JSON object stays text (the model then names what is
    allowed); a duplicate key refuses the record, naming the field.
    """
    value = decode_json_line(text.encode("utf-8"))
    if isinstance(value, JsonRefusal) and value.field is not None:
        return JsonRefusal(f"{value} (in the JSON text of {name!r})", name)
    return text if isinstance(value, str) else value


def _csv_record(
    header: list[str], cells: list[str], specs: dict[str, FieldSpec]
) -> dict[str, Any] | str:
    record: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=True):
        if cell == "":
            continue
        spec = specs.get(name)
        if spec is not None and spec.kind == "list":
            record[name] = [part.strip() for part in cell.split(";") if part.strip()]
        elif spec is not None and spec.kind == "dict":
            record[name] = _json_cell(name, cell)
            if isinstance(record[name], JsonRefusal):
                return record[name]  # type: ignore[no-any-return]
        else:
            record[name] = cell
    return record


def _records(batch: RawBatch, kind: str) -> Iterable[tuple[int, dict[str, Any] | str]]:
    specs = field_specs(KINDS[kind])
    if batch.lines is not None:
        for row, line in zip(batch.rows, batch.lines, strict=True):
            yield row, decode_json_line(line)
    elif batch.cells is not None and batch.header is not None:
        for row, cells in zip(batch.rows, batch.cells, strict=True):
            yield row, _csv_record(batch.header, cells, specs)
    elif batch.table is not None:
        dict_fields = {n for n, s in specs.items() if s.kind == "dict"}
        for row, record in zip(batch.rows, batch.table.to_pylist(), strict=True):
            refused = None
            for name in dict_fields & record.keys():
                if isinstance(record[name], str):
                    record[name] = _json_cell(name, record[name])
                    if isinstance(record[name], JsonRefusal):
                        refused = record[name]
            yield row, refused or {k: v for k, v in record.items() if v is not None}


def validate_records(batch: RawBatch, kind: str) -> tuple[ValidBatch, list[RecordError]]:
    """The record path: each record through its pydantic model."""
    model = KINDS[kind]
    errors: list[RecordError] = []
    rows: list[int] = []
    models: list[BaseModel] = []
    for row, record in _records(batch, kind):
        if isinstance(record, str):
            field = getattr(record, "field", None)
            errors.append(RecordError(batch.file, row, field, None, str(record)))
            continue
        try:
            models.append(model.model_validate(record))
            rows.append(row)
        except ValidationError as exc:
            errors.extend(_model_errors(batch.file, row, kind, exc))
    return ValidBatch(rows, models=models), errors


# ---------------------------------------------------------------- column path


_KEY_TOKEN = r'"[^"]*"\s*:'


def _plain_json(
    lines: list[bytes], payload: bytes, frame: pl.DataFrame, specs: dict[str, FieldSpec]
) -> bool:
    """True when a declared-schema read of ``lines`` lost nothing, so the frame is exact.

    A declared read drops unknown keys, keeps the first of duplicate keys and turns
    any scalar into text for a text column; every one of these must go to the record
    path instead, which names the row. Checked for payloads without escapes (no
    backslash, so every quote delimits a string and ``"name":`` is always a key),
    first cheaply, then, for what that cannot prove (explicit nulls), exactly.
    """
    text_columns = [n for n, spec in specs.items() if _polars_type(spec) == pl.String]
    texts = frame.select(text_columns)
    if any(texts[c].str.contains('"', literal=True).any() for c in text_columns):
        return False  # a nested array or object turned into text
    source = pl.Series(lines, dtype=pl.Binary).cast(pl.String)
    return _plain_by_lengths(source, frame, texts, specs) or _plain_by_keys(
        source, payload, texts, specs
    )


def _plain_by_lengths(
    source: pl.Series, frame: pl.DataFrame, texts: pl.DataFrame, specs: dict[str, FieldSpec]
) -> bool:
    """The cheap proof (no nulls written out): known keys removed, nothing key-like is left.

    With every ``"name":`` of a known field removed, no colon may remain (so every
    key was a known one, written plainly); the bytes removed must be exactly the
    keys of the frame's non-null values (so no key came twice and none was null);
    and two quotes must remain per non-null text value (so each was a JSON string).
    """
    tokens = {name: f'"{name}":' for name in specs}
    rest = source.str.replace_many(list(tokens.values()), [""] * len(tokens))
    if not (rest.str.count_matches(":", literal=True) == 0).all():
        return False
    expected = frame.select(
        pl.sum_horizontal(
            pl.col(name).is_not_null().cast(pl.Int64) * len(token.encode())
            for name, token in tokens.items()
        )
    ).to_series()
    if not ((source.str.len_bytes() - rest.str.len_bytes()).cast(pl.Int64) == expected).all():
        return False
    strings = texts.select(pl.sum_horizontal(pl.all().is_not_null().cast(pl.Int64))).to_series()
    return bool((rest.str.count_matches('"', literal=True) == 2 * strings).all())


def _plain_by_keys(
    source: pl.Series, payload: bytes, texts: pl.DataFrame, specs: dict[str, FieldSpec]
) -> bool:
    """The exact proof: every key token a known field written ``"name":``, once per line,
    and two quotes per key plus two per non-null text value (each was a JSON string)."""
    keys = source.str.extract_all(_KEY_TOKEN)
    if not (keys.list.n_unique() == keys.list.len()).all():
        return False
    allowed = {f'"{name}":' for name in specs}
    if not set(keys.explode().drop_nulls().unique().to_list()) <= allowed:
        return False
    quoted = sum(texts.count().row(0))
    return bool(payload.count(b'"') == 2 * int(keys.list.len().sum()) + 2 * quoted)


def _frame(batch: RawBatch, specs: dict[str, FieldSpec]) -> pl.DataFrame | None:
    """The batch as a frame, or None when only the record path can read it exactly."""
    try:
        if batch.lines is not None:
            payload = b"\n".join(batch.lines)
            if b"\\" in payload:  # escapes: let the record path read each line exactly
                return None
            payload.decode("utf-8")  # polars would replace bad bytes silently
            schema = {name: _polars_type(spec) for name, spec in specs.items()}
            try:  # declared types: strict on every number and boolean
                frame = pl.read_ndjson(io.BytesIO(payload), schema=schema)
            except pl.exceptions.PolarsError:
                return None
            if frame.height == len(batch.rows) and _plain_json(batch.lines, payload, frame, specs):
                return frame
            return None
        if batch.cells is not None and batch.header is not None:
            if len(set(batch.header)) != len(batch.header):
                return None
            columns = (
                list(zip(*batch.cells, strict=True)) if batch.cells else [()] * len(batch.header)
            )
            return pl.DataFrame(
                {
                    h: pl.Series(h, c, dtype=pl.String)
                    for h, c in zip(batch.header, columns, strict=True)
                }
            ).with_columns(pl.all().replace("", None))
        if batch.table is not None:
            table = pl.from_arrow(batch.table)
            if isinstance(table, pl.DataFrame) and table.height == len(batch.rows):
                return table
            return None
    except (pl.exceptions.PolarsError, UnicodeDecodeError, ValueError):
        return None
    return None


class _Collector:
    def __init__(self, file: str, rows: list[int], cap: int) -> None:
        self.file, self.rows, self.cap = file, rows, cap
        self.errors: list[RecordError] = []
        self.bad = np.zeros(len(rows), dtype=bool)
        #: text columns kept as given, by name, with their bytes (see _Ascii)
        self.ascii: dict[str, _Ascii] = {}
        #: the batch as Arrow read it, when the frame was made from it unchanged
        self.table: pa.Table | None = None

    def add(
        self, mask: pl.Series, name: str | None, values: pl.Series | None, message: str
    ) -> None:
        if mask.dtype == pl.Boolean and not mask.any():  # nulls are not failures
            return
        idx = np.flatnonzero(mask.fill_null(False).to_numpy())
        if idx.size == 0:
            return
        self.bad[idx] = True
        for i in idx[: self.cap]:
            value = None if values is None else _show(values[int(i)])
            self.errors.append(RecordError(self.file, int(self.rows[i]), name, value, message))


_KEY_CONTROL = r"[\x00-\x1f\x7f-\x9f]"
_TEXT_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


@dataclass(frozen=True)
class _Ascii:
    """A text column whose every byte is ASCII: offsets, bytes, lowest and highest byte.

    In ASCII one byte is one character, so byte checks can stand in for the
    regular expressions of :func:`_coerce`: a column with no byte below 0x20 and
    none at 0x7F has no control character, one with no space at either end of a
    value needs no strip, and its digits (``\\d`` matches only 0-9 there) can be
    counted per value at once. Null values are read as whatever bytes Arrow keeps
    for them: their rows are masked by the caller, and extra bytes only send a
    column down the exact path.
    """

    offsets: np.ndarray
    data: np.ndarray
    low: int
    high: int

    @property
    def control(self) -> bool:
        """A control byte somewhere (tab and line breaks included)."""
        return self.low < 0x20 or self.high == 0x7F

    def edge_space(self) -> bool:
        """Some value starts or ends with whitespace."""
        filled = self.offsets[1:] > self.offsets[:-1]
        ends = np.concatenate(
            [self.data[self.offsets[:-1][filled]], self.data[self.offsets[1:][filled] - 1]]
        )
        return bool((((ends >= 0x09) & (ends <= 0x0D)) | (ends == 0x20)).any())

    def digit_counts(self) -> np.ndarray:
        """Digits (0-9) per value."""
        width = np.int32 if self.data.size < 2**31 else np.int64
        seen = np.zeros(self.data.size + 1, dtype=width)
        np.cumsum((self.data - np.uint8(0x30)) < 10, out=seen[1:], dtype=width)
        return np.asarray(seen[self.offsets[1:]] - seen[self.offsets[:-1]], dtype=np.int64)


def _ascii_text(series: pl.Series, given: pa.ChunkedArray | None = None) -> _Ascii | None:
    """The column's bytes when it is text and every byte is ASCII, else None.

    ``given`` is the same column as Arrow read it (a Parquet batch): its buffers
    are read in place, where converting ``series`` back to Arrow would copy them.
    """
    if series.dtype != pl.String:
        return None
    array: pa.Array | pa.ChunkedArray = series.to_arrow() if given is None else given
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type == pa.large_string():
        width: type[np.int64] | type[np.int32] = np.int64
    elif array.type == pa.string():
        width = np.int32
    else:
        return None
    _, offset_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=width)[
        array.offset : array.offset + len(array) + 1
    ]
    start, stop = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(data_buffer or b"", dtype=np.uint8)[start:stop]
    offsets = offsets.astype(np.int64) - start
    low, high = (int(data.min()), int(data.max())) if data.size else (0x20, 0x20)
    return _Ascii(offsets, data, low, high) if high < 0x80 else None


def _coerce(series: pl.Series, spec: FieldSpec, out: _Collector) -> pl.Series:
    """Cast one column to its spec's type, reporting rows that cannot be, exactly.

    A value is never turned into another: out of range, fractional, non-finite,
    boolean-for-number and number-for-text values are refused, row by row.
    """
    dtype = series.dtype
    message = f"must be {spec.allowed}"
    present = series.is_not_null()
    if spec.kind == "int":
        return _coerce_int(series, spec, out, message).alias(spec.name)
    if spec.kind == "bool":
        if dtype == pl.Boolean:
            return series
        if dtype in _INT_TYPES:
            out.add(~series.is_in([0, 1]) & present, spec.name, series, message)
            return (series == 1).alias(spec.name)
        if dtype == pl.String:
            lowered = series.str.strip_chars().str.to_lowercase()
            truthy, falsy = lowered.is_in(list(_TRUE)), lowered.is_in(list(_FALSE))
            out.add(present & ~truthy & ~falsy, spec.name, series, message)
            return (
                pl.select(pl.when(truthy).then(True).when(falsy).then(False).otherwise(None))
                .to_series()
                .alias(spec.name)
            )
        out.add(present, spec.name, series, message)
        return pl.Series(spec.name, [None] * len(series), dtype=pl.Boolean)
    if spec.kind == "date":
        if dtype == pl.Date:
            result = series
        elif dtype == pl.String:
            result = series.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
            out.add(present & result.is_null(), spec.name, series, message)
        else:
            out.add(present, spec.name, series, message)
            return pl.Series(spec.name, [None] * len(series), dtype=pl.Date)
        if spec.earliest is not None and spec.days_ahead is not None:
            latest = datetime.now(UTC).date() + timedelta(days=spec.days_ahead)
            out.add((result < spec.earliest) | (result > latest), spec.name, series, message)
        return result.alias(spec.name)
    # text: JSON strings only (a number is not an id), no control characters
    if dtype != pl.String:
        out.add(present, spec.name, series, message)
        return pl.Series(spec.name, [None] * len(series), dtype=pl.String)
    given = out.table.column(spec.name) if out.table is not None else None
    ascii_text = _ascii_text(series, given)
    if ascii_text is None or ascii_text.control:
        control = series.str.contains(_KEY_CONTROL if spec.pattern else _TEXT_CONTROL)
        out.add(control, spec.name, series, "contains a control character; " + message)
    if ascii_text is None or ascii_text.edge_space():
        result = series.str.strip_chars()
    else:
        result = series  # nothing to strip
        out.ascii[spec.name] = ascii_text
    lengths = result.str.len_chars()
    if spec.min_length:
        out.add(lengths < spec.min_length, spec.name, series, message)
    if spec.max_length:
        out.add(lengths > spec.max_length, spec.name, series, message)
    return result.alias(spec.name)


def _coerce_int(series: pl.Series, spec: FieldSpec, out: _Collector, message: str) -> pl.Series:
    dtype = series.dtype
    present = series.is_not_null()
    low = -(2**63) if spec.ge is None else int(spec.ge)
    high = 2**63 - 1 if spec.le is None else int(spec.le)
    if dtype in _INT_TYPES:  # compare in the column's own type: UInt64 max is not an Int64
        bad = (series < low) | (series > high)
    elif dtype in (pl.Float32, pl.Float64):
        bad = ~series.is_finite() | (series != series.floor()) | (series < low) | (series > high)
    elif dtype == pl.String:
        cleaned = series.str.strip_chars()
        digits = cleaned.str.contains(r"^[+-]?[0-9]+$")
        parsed = cleaned.cast(pl.Int64, strict=False)
        bad = ~digits | parsed.is_null() | (parsed < low) | (parsed > high)
        series = parsed
    else:
        out.add(present, spec.name, series, message)
        return pl.Series(spec.name, [None] * len(series), dtype=pl.Int64)
    bad = present & bad.fill_null(True)
    if not bad.any():  # the common case: every value kept as it is
        return series.cast(pl.Int64)
    out.add(bad, spec.name, series if dtype != pl.String else cleaned, message)
    return pl.select(pl.when(bad).then(None).otherwise(series)).to_series().cast(pl.Int64)


def validate_columns(
    batch: RawBatch, kind: str, *, cap: int = 200
) -> tuple[ValidBatch, list[RecordError]]:
    """The column path; falls back to the record path when the batch is not a clean table."""
    specs = field_specs(KINDS[kind])
    frame = _frame(batch, specs)
    if frame is None:
        return validate_records(batch, kind)
    out = _Collector(batch.file, batch.rows, cap)
    if batch.table is not None:
        out.table = batch.table
    for name in frame.columns:
        if name not in specs:
            out.add(
                frame[name].is_not_null(),
                name,
                None,
                f"is not a field of {kind}; allowed fields: {', '.join(specs)}",
            )
    columns = []
    for name, spec in specs.items():
        if name not in frame.columns:
            if spec.required:
                out.add(pl.Series([True] * frame.height), name, None, "is required")
            dtype = pl.Date if spec.kind == "date" else _polars_type(spec)
            columns.append(pl.Series(name, [None] * frame.height, dtype=dtype))
            continue
        series = _coerce(frame[name], spec, out)
        if spec.required:  # a value refused above is reported once, not also as missing
            out.add(frame[name].is_null(), name, None, "is required")
        columns.append(series)
    typed = pl.DataFrame(columns)
    if kind == "follower_accounts":
        typed = _follower_checks(typed, out)
    if not out.bad.any():
        return ValidBatch(batch.rows, frame=typed), out.errors
    keep = ~out.bad
    valid = typed.filter(pl.Series(keep))
    return ValidBatch(np.asarray(batch.rows)[keep].tolist(), frame=valid), out.errors


def _polars_type(spec: FieldSpec) -> type[pl.DataType]:
    return {"int": pl.Int64, "bool": pl.Boolean}.get(spec.kind, pl.String)


def _follower_checks(frame: pl.DataFrame, out: _Collector) -> pl.DataFrame:
    """Derive counts from ``username`` (then drop it) and check they agree."""
    username = frame["username"]
    derived_len = username.str.len_chars().cast(pl.Int64)
    ascii_text = out.ascii.get("username")
    if ascii_text is None:
        derived_digits = username.str.count_matches(r"\d").cast(pl.Int64)
    else:
        counts = pl.Series("username", ascii_text.digit_counts())
        derived_digits = pl.select(pl.when(username.is_not_null()).then(counts)).to_series()
    for name, derived in (
        ("username_length", derived_len),
        ("username_digit_count", derived_digits),
    ):
        given = frame[name]
        out.add(
            given.is_not_null() & derived.is_not_null() & (given != derived),
            name,
            given,
            f"does not match the username given in the same record ({name} is derived from it)",
        )
    frame = frame.with_columns(
        pl.coalesce(frame["username_length"], derived_len).alias("username_length"),
        pl.coalesce(frame["username_digit_count"], derived_digits).alias("username_digit_count"),
    ).drop("username")
    out.add(
        frame["username_digit_count"] > frame["username_length"],
        "username_digit_count",
        frame["username_digit_count"],
        "cannot exceed username_length",
    )
    return frame


def validate_batch(
    batch: RawBatch, kind: str, *, cap: int = 200
) -> tuple[ValidBatch, list[RecordError]]:
    """Validate one raw batch of ``kind``; the reader's own errors come first."""
    if kind in COLUMN_KINDS:
        valid, errors = validate_columns(batch, kind, cap=cap)
    else:
        valid, errors = validate_records(batch, kind)
    return valid, batch.errors + errors
