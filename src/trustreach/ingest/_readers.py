"""Streaming readers for the interchange files (JSONL, CSV, Parquet).

Each reader yields batches of raw records with their 1-based row numbers and
never holds more than one batch in memory, so peak memory stays flat however
large the file is. Problems a reader can see on its own (a line that is not
JSON, bytes that are not UTF-8, a CSV row with the wrong number of cells) are
returned as :class:`~trustreach.core.RecordError` beside the good records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from trustreach.core import ConfigurationError, RecordError
from trustreach.ingest._schema import KINDS

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


@dataclass
class RawBatch:
    """Raw records of one batch.

    Exactly one payload is set: ``lines`` (JSONL bytes per record), ``cells``
    (CSV header and string cells) or ``table`` (Parquet/Arrow).
    """

    file: str
    rows: list[int]
    lines: list[bytes] | None = None
    header: list[str] | None = None
    cells: list[list[str]] | None = None
    table: pa.Table | None = None
    errors: list[RecordError] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def detect_kind(path: Path) -> tuple[str, str]:
    """The kind and format of an interchange file, from its name.

    >>> detect_kind(Path("world/follower_accounts.jsonl"))
    ('follower_accounts', 'jsonl')
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        allowed = ", ".join(sorted(FORMATS))
        raise ConfigurationError(
            f"{path}: file extension {path.suffix!r} not allowed; allowed: {allowed}"
        )
    kind = path.stem
    if kind not in KINDS:
        raise ConfigurationError(
            f"{path}: file name {kind!r} names no kind; allowed: {', '.join(KINDS)}"
        )
    return kind, fmt


def read_batches(path: Path, fmt: str, batch_rows: int) -> Iterator[RawBatch]:
    """Yield raw batches of at most ``batch_rows`` records from ``path``."""
    if fmt == "jsonl":
        yield from _jsonl(path, batch_rows)
    elif fmt == "csv":
        yield from _csv(path, batch_rows)
    elif fmt == "parquet":
        yield from _parquet(path, batch_rows)
    else:
        raise ConfigurationError(f"format {fmt!r} not allowed; allowed: jsonl, csv, parquet")


def _jsonl(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    """Read in large byte blocks and split on newlines (C speed), keeping line numbers."""
    name = str(path)
    batch = RawBatch(name, [], lines=[])
    number = 0
    tail = b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(1 << 23)
            if not block:
                break
            pieces = (tail + block).split(b"\n")
            tail = pieces.pop()
            for line in pieces:
                number += 1
                line = line.strip()
                if line:
                    batch.rows.append(number)
                    batch.lines.append(line)  # type: ignore[union-attr]
            if len(batch.rows) >= batch_rows:
                yield from _split(batch, batch_rows)
                batch = RawBatch(name, [], lines=[])
    if tail.strip():
        batch.rows.append(number + 1)
        batch.lines.append(tail.strip())  # type: ignore[union-attr]
    if batch.rows:
        yield from _split(batch, batch_rows)


def _split(batch: RawBatch, size: int) -> Iterator[RawBatch]:
    assert batch.lines is not None
    for i in range(0, len(batch.rows), size):
        yield RawBatch(batch.file, batch.rows[i : i + size], lines=batch.lines[i : i + size])


def _decoded_lines(handle: io.BufferedReader) -> Iterator[str]:
    """Lines decoded one at a time, so a bad byte is pinned to its own record."""
    for line in handle:
        yield line.decode("utf-8")


def _csv(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    name = str(path)
    with path.open("rb") as handle:
        reader = csv.reader(_decoded_lines(handle), strict=True)
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield RawBatch(
                name, [], errors=[RecordError(name, 0, None, None, "header " + _why(exc))]
            )
            return
        batch = RawBatch(name, [], header=header, cells=[])
        number = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except (UnicodeDecodeError, csv.Error) as exc:
                batch.errors.append(RecordError(name, number, None, None, _why(exc)))
                continue
            assert batch.cells is not None
            if len(cells) != len(header):
                batch.errors.append(
                    RecordError(
                        name,
                        number,
                        None,
                        None,
                        f"has {len(cells)} cells but the header names {len(header)} columns",
                    )
                )
                continue
            batch.rows.append(number)
            batch.cells.append(cells)
            if len(batch.rows) >= batch_rows:
                yield batch
                batch = RawBatch(name, [], header=header, cells=[])
        if batch.rows or batch.errors:
            yield batch


def _parquet(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    name = str(path)
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        yield RawBatch(
            name,
            [],
            errors=[RecordError(name, 0, None, None, f"not a readable Parquet file: {exc}")],
        )
        return
    start = 1
    try:
        for record_batch in parquet.iter_batches(batch_size=batch_rows):
            table = pa.Table.from_batches([record_batch])
            rows = list(range(start, start + table.num_rows))
            start += table.num_rows
            yield RawBatch(name, rows, table=table)
    except (pa.ArrowException, OSError) as exc:
        yield RawBatch(
            name,
            [],
            errors=[RecordError(name, start, None, None, f"unreadable Parquet data: {exc}")],
        )


def _why(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"is not valid UTF-8 (byte {exc.object[exc.start : exc.start + 1]!r})"
    return f"is not valid CSV: {exc}"


def decode_json_line(line: bytes) -> dict[str, Any] | str:
    """Parse one JSONL record; a string return is the reason it could not be parsed."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as uexc:
            return f"is not valid UTF-8 (byte {uexc.object[uexc.start : uexc.start + 1]!r})"
        return f"is not valid JSON ({exc.msg}; truncated or malformed line?)"
    if not isinstance(value, dict):
        return f"must be a JSON object, got {type(value).__name__}"
    return value
