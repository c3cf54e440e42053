"""Streaming readers for the interchange files (JSONL, CSV, Parquet).

Each reader yields batches of raw records with their 1-based row numbers and
never holds more than one batch in memory, so peak memory stays flat however
large the file is. Problems a reader can see on its own (a line that is not
JSON, bytes that are not UTF-8, a CSV row with the wrong number of cells) are
returned as :class:`~trustreach.core.RecordError` beside the good records.

Memory is bounded by the batch, not by the input: a record (a JSONL line, a CSV
row, a Parquet cell) larger than ``max_record_bytes`` is refused as a record
error naming its row and the limit, and the reader never holds more than the
limit plus one read block of it. Only regular files are read (a symbolic link is
followed to a regular file only): a FIFO, device or socket is refused before a
byte is read, so ``/dev/zero`` or a pipe cannot make an import grow or hang.
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from trustreach.core import ConfigurationError, NotFoundError, RecordError
from trustreach.ingest._schema import KINDS

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
#: Bytes the JSONL reader takes from a file at a time.
READ_BLOCK_BYTES = 1 << 23
#: The largest record a reader holds by default (``TRUSTREACH_MAX_RECORD_BYTES``).
DEFAULT_MAX_RECORD_BYTES = 1 << 20
_SETTING = "TRUSTREACH_MAX_RECORD_BYTES"


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


def read_batches(
    path: Path,
    fmt: str,
    batch_rows: int,
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    refuse_empty: bool = False,
) -> Iterator[RawBatch]:
    """Yield raw batches of at most ``batch_rows`` records from ``path``.

    ``path`` must be a regular file (or a link to one); anything else raises
    :class:`~trustreach.core.ConfigurationError` before a byte is read. A record
    over ``max_record_bytes`` becomes a record error, never a string in memory.
    With ``refuse_empty`` (the importer), a file without records is a file error.
    """
    if fmt == "jsonl":
        batches = _jsonl(path, batch_rows, max_record_bytes)
    elif fmt == "csv":
        batches = _csv(path, batch_rows, max_record_bytes)
    elif fmt == "parquet":
        batches = _parquet(path, batch_rows, max_record_bytes)
    else:
        raise ConfigurationError(f"format {fmt!r} not allowed; allowed: jsonl, csv, parquet")
    yield from _not_empty(str(path), batches) if refuse_empty else batches


def _not_empty(name: str, batches: Iterator[RawBatch]) -> Iterator[RawBatch]:
    """The batches, or one error when the file holds no record at all.

    A file without records (0 bytes, blank lines, a CSV header alone, a Parquet file
    of 0 rows) is refused rather than imported as nothing: it is more often a failed
    export than an intent, and an import of nothing must not write an audit record.
    """
    seen = False
    for batch in batches:
        seen = seen or bool(batch.rows or batch.errors)
        yield batch
    if not seen:
        yield RawBatch(
            name,
            [],
            errors=[RecordError(name, 0, None, None, "holds no records: nothing to import")],
        )


def _repeated_column(name: str, column: str) -> RecordError:
    return RecordError(
        name, 0, column, None, "the header names this column more than once; keep one"
    )


def check_regular(path: Path) -> None:
    """Refuse ``path`` unless it is a regular file or a symbolic link to one.

    A FIFO would block a reader until someone writes to it, and a device such as
    ``/dev/zero`` never ends, so neither is opened. A link that loops or leads
    nowhere is refused with what it is.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if not stat.S_ISREG(mode):
        raise ConfigurationError(_not_regular(path, mode))


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file (see :func:`check_regular`).

    The file is opened without blocking (a FIFO swapped in after the check
    cannot hang the open) and checked again through the open descriptor, so the
    check and the read are about the same file.
    """
    check_regular(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ConfigurationError(_not_regular(path, mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


_FILE_TYPES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: Path, mode: int) -> str:
    what = next((name for test, name in _FILE_TYPES if test(mode)), "a special file")
    if path.is_symlink():
        what = f"a symbolic link to {os.readlink(path)}, which is {what}"
    return (
        f"{path}: is {what}, not a regular file; import reads only regular files (or links to one)"
    )


def _unreadable(path: Path, exc: OSError) -> ConfigurationError | NotFoundError:
    if exc.errno == errno.ELOOP:
        return ConfigurationError(
            f"{path}: is a symbolic link in a loop (following it leads back to itself); "
            "import reads only regular files (and links to them)"
        )
    if exc.errno in (errno.ENOENT, errno.ENOTDIR) and path.is_symlink():
        return ConfigurationError(
            f"{path}: is a symbolic link to {os.readlink(path)}, which leads to no file"
        )
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return NotFoundError(f"{path}: no such file or directory")
    return ConfigurationError(f"{path}: cannot be read ({exc.strerror})")


def _too_large(
    file: str,
    row: int,
    size: int | None,
    limit: int,
    *,
    what: str = "",
    field: str | None = None,
    then: str = "",
) -> RecordError:
    size_text = f"is {size:,} bytes, over" if size is not None else "is over"
    return RecordError(
        file,
        row,
        field,
        None,
        f"{what}{size_text} the maximum record size of {limit:,} bytes "
        f"({_SETTING}; raise it to import larger records){then}",
    )


def _jsonl(path: Path, batch_rows: int, limit: int) -> Iterator[RawBatch]:
    """Read in large byte blocks and split on newlines (C speed), keeping line numbers.

    The start of a line that runs past a block is carried into the next one, but
    only up to ``limit`` bytes: a longer line is counted, not kept, and reported.
    """
    name = str(path)
    batch = RawBatch(name, [], lines=[])
    number = 0
    tail = b""  # the start of a line that continues in the next block
    skipped = 0  # bytes so far of a line already over the limit (0: none)
    with open_regular(path) as handle:
        while block := handle.read(READ_BLOCK_BYTES):
            pieces = block.split(b"\n")  # each piece but the last ends a line
            rest = pieces.pop()
            if pieces and skipped:  # the line over the limit ends here
                number += 1
                batch.errors.append(_too_large(name, number, skipped + _body(pieces[0]), limit))
                skipped, pieces = 0, pieces[1:]
            elif pieces and tail:
                pieces[0], tail = tail + pieces[0], b""
            if pieces and max(map(len, pieces)) > limit:  # rare: check each line
                for piece in pieces:
                    number += 1
                    if _body(piece) > limit:
                        batch.errors.append(_too_large(name, number, _body(piece), limit))
                    elif line := piece.strip():
                        batch.rows.append(number)
                        batch.lines.append(line)  # type: ignore[union-attr]
            else:
                for piece in pieces:
                    number += 1
                    if line := piece.strip():
                        batch.rows.append(number)
                        batch.lines.append(line)  # type: ignore[union-attr]
            if skipped:
                skipped += len(rest)
            elif len(tail) + len(rest) > limit + 1:  # +1: a "\r" before the next "\n"
                skipped, tail = len(tail) + len(rest), b""
            else:
                tail += rest
            if len(batch.rows) + len(batch.errors) >= batch_rows:  # errors count: bounded too
                yield from _split(batch, batch_rows)
                batch = RawBatch(name, [], lines=[])
    if skipped or _body(tail) > limit:
        batch.errors.append(_too_large(name, number + 1, skipped + _body(tail), limit))
    elif tail.strip():
        batch.rows.append(number + 1)
        batch.lines.append(tail.strip())  # type: ignore[union-attr]
    if batch.rows or batch.errors:
        yield from _split(batch, batch_rows)


def _body(line: bytes) -> int:
    """Bytes of a JSONL line without its line break ("\r\n" or "\n")."""
    return len(line) - line.endswith(b"\r")


def _split(batch: RawBatch, size: int) -> Iterator[RawBatch]:
    """The batch in pieces of ``size`` records; its reader errors travel with the first."""
    assert batch.lines is not None
    errors = batch.errors
    for i in range(0, max(len(batch.rows), 1), size):
        yield RawBatch(
            batch.file, batch.rows[i : i + size], lines=batch.lines[i : i + size], errors=errors
        )
        errors = []


class _RecordTooLarge(Exception):
    """Raised by :class:`_RecordLines` when one CSV record passes the limit."""


class _RecordLines:
    """Decoded lines for :func:`csv.reader`, at most ``limit`` bytes per record.

    One line at a time, so a bad byte is pinned to its own record. The caller
    calls :meth:`next_record` after each record; a record whose lines add up to
    more than ``limit`` bytes (its last line break not counted) raises
    :class:`_RecordTooLarge` having read at most ``limit`` + 3 bytes of it.
    """

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        self.handle, self.limit, self.used = handle, limit, 0

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(max(self.limit - self.used, 0) + 3)
        if not line:
            raise StopIteration
        self.used += len(line)
        if self.used - (len(line) - len(line.rstrip(b"\r\n"))) > self.limit:
            raise _RecordTooLarge
        return line.decode("utf-8")

    def next_record(self) -> None:
        self.used = 0


def _csv(path: Path, batch_rows: int, limit: int) -> Iterator[RawBatch]:
    name = str(path)
    # csv's own cap on a cell (128 KiB by default) must not refuse what the record size allows
    csv.field_size_limit(max(csv.field_size_limit(), limit))
    with open_regular(path) as handle:
        lines = _RecordLines(handle, limit)
        reader = csv.reader(lines, strict=True)
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield RawBatch(
                name, [], errors=[RecordError(name, 0, None, None, "header " + _why(exc))]
            )
            return
        except _RecordTooLarge:
            yield RawBatch(name, [], errors=[_too_large(name, 0, None, limit, what="header ")])
            return
        if not any(header):
            message = "has no header: the first line must name the columns"
            yield RawBatch(name, [], errors=[RecordError(name, 0, None, None, message)])
            return
        repeated = sorted({h for h in header if header.count(h) > 1})
        if repeated:
            yield RawBatch(name, [], errors=[_repeated_column(name, h) for h in repeated])
            return
        batch = RawBatch(name, [], header=header, cells=[])
        number = 0
        while True:
            number += 1
            lines.next_record()
            try:
                cells = next(reader)
            except StopIteration:
                break
            except (UnicodeDecodeError, csv.Error) as exc:
                batch.errors.append(RecordError(name, number, None, None, _why(exc)))
            except _RecordTooLarge:
                then = "; the rest of the file is not read (where this row ends is unknown)"
                batch.errors.append(_too_large(name, number, None, limit, then=then))
                break
            else:
                if len(cells) == len(header):
                    batch.rows.append(number)
                    batch.cells.append(cells)  # type: ignore[union-attr]
                else:
                    batch.errors.append(
                        RecordError(
                            name,
                            number,
                            None,
                            None,
                            f"has {len(cells)} cells but the header names {len(header)} columns",
                        )
                    )
            if len(batch.rows) + len(batch.errors) >= batch_rows:  # errors count: bounded too
                yield batch
                batch = RawBatch(name, [], header=header, cells=[])
        if batch.rows or batch.errors:
            yield batch


def _parquet(path: Path, batch_rows: int, limit: int) -> Iterator[RawBatch]:
    name = str(path)
    with open_regular(path) as handle:
        try:
            parquet = pq.ParquetFile(handle)
        except (pa.ArrowException, OSError) as exc:
            yield RawBatch(
                name,
                [],
                errors=[RecordError(name, 0, None, None, f"not a readable Parquet file: {exc}")],
            )
            return
        start = 1
        for group in range(parquet.metadata.num_row_groups):  # one group is read at a time
            meta = parquet.metadata.row_group(group)
            if meta.total_byte_size > limit * max(meta.num_rows, 1):
                last = start + max(meta.num_rows, 1) - 1
                message = (
                    f"Parquet row group {group} (rows {start:,} to {last:,}) holds "
                    f"{meta.total_byte_size:,} bytes, more than the maximum record size of "
                    f"{limit:,} bytes ({_SETTING}) for each of its rows; it is not read"
                )
                yield RawBatch(name, [], errors=[RecordError(name, start, None, None, message)])
                return
            start += meta.num_rows
        start = 1
        try:
            for record_batch in parquet.iter_batches(batch_size=batch_rows):
                table = pa.Table.from_batches([record_batch])
                rows = list(range(start, start + table.num_rows))
                start += table.num_rows
                yield _without_large_cells(RawBatch(name, rows, table=table), limit)
        except (pa.ArrowException, OSError) as exc:
            yield RawBatch(
                name,
                [],
                errors=[RecordError(name, start, None, None, f"unreadable Parquet data: {exc}")],
            )


_TEXT_TYPES = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_binary,
    pa.types.is_large_binary,
)


def _cell_bytes(column: pa.ChunkedArray) -> pa.Array | None:
    """Bytes per cell of a text, binary or list-of-text column (None for fixed-size types)."""
    if isinstance(column, pa.ChunkedArray):  # one batch: one chunk, so this copies nothing
        column = column.combine_chunks()
    kind = column.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        values = pc.list_flatten(column)
        if not any(test(values.type) for test in _TEXT_TYPES):
            return None
        sizes = pc.fill_null(pc.binary_length(values), 0).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(column).to_numpy(zero_copy_only=False)
        per_row = np.bincount(parents, weights=sizes, minlength=len(column))
        return pa.array(per_row.astype(np.int64))
    if any(test(kind) for test in _TEXT_TYPES):
        return pc.fill_null(pc.binary_length(column), 0)
    return None


def _without_large_cells(batch: RawBatch, limit: int) -> RawBatch:
    """Move rows with a cell over ``limit`` bytes out of the batch, as record errors."""
    assert batch.table is not None
    keep = [True] * len(batch.rows)
    for field_name in batch.table.column_names:
        sizes = _cell_bytes(batch.table[field_name])
        if sizes is None:
            continue
        for i in pc.indices_nonzero(pc.greater(sizes, limit)).to_pylist():
            if keep[i]:
                keep[i] = False
                size = int(sizes[i].as_py())
                batch.errors.append(
                    _too_large(batch.file, batch.rows[i], size, limit, field=field_name)
                )
    if all(keep):
        return batch
    batch.table = batch.table.filter(pa.array(keep))
    batch.rows = [row for row, good in zip(batch.rows, keep, strict=True) if good]
    return batch


def _why(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"is not valid UTF-8 (byte {exc.object[exc.start : exc.start + 1]!r})"
    return f"is not valid CSV: {exc}"


def _duplicates_refused(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _DuplicateKey(key)
    return record


class JsonRefusal(str):
    """Why a JSONL line was refused, with the key at fault when there is one."""

    field: str | None

    def __new__(cls, reason: str, field: str | None = None) -> JsonRefusal:
        made = super().__new__(cls, reason)
        made.field = field
        return made


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _exact_float(text: str) -> float | Decimal:
    """A float when the text round-trips through one; else its exact Decimal (refused later)."""
    number = float(text)
    exact = Decimal(text)
    return number if math.isfinite(number) and Decimal(repr(number)) == exact else exact


_STRICT = json.JSONDecoder(
    object_pairs_hook=_duplicates_refused,
    parse_constant=_refuse_constant,
    parse_float=_exact_float,
)
# 16+ digits or an exponent: a float may round it (1e-400 is 0.0), so read it exactly
_INEXACT_NUMBER = re.compile(rb"[0-9.]{16,}|[0-9][eE]")


def _keys_and_colons(value: Any) -> tuple[int, int]:
    """Keys in every object of a parsed value, and colons inside its strings."""
    if isinstance(value, dict):
        keys, colons = len(value), 0
        for key, item in value.items():
            k, c = _keys_and_colons(item)
            keys, colons = keys + k, colons + c + key.count(":")
        return keys, colons
    if isinstance(value, list):
        keys = colons = 0
        for item in value:
            k, c = _keys_and_colons(item)
            keys, colons = keys + k, colons + c
        return keys, colons
    if isinstance(value, str):
        return 0, value.count(":")
    return 0, 0


def decode_json_line(line: bytes) -> dict[str, Any] | str:
    """Parse one JSONL record exactly; a string return is the reason it was refused.

    orjson reads the line; a cheap count then proves it held no duplicate key (with
    no backslash, every colon outside a string separates a key from its value, so
    colons outside strings equal the keys parsed). A line that escapes characters,
    or that has a number with 16 or more digits (which a float may round), is read
    again by the standard parser, which refuses duplicate keys, NaN and Infinity and
    keeps such numbers exact so the field's check can refuse what a float cannot hold.
    """
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as uexc:
            return f"is not valid UTF-8 (byte {uexc.object[uexc.start : uexc.start + 1]!r})"
        if b"Infinity" in line or b"NaN" in line:
            return "is not valid JSON (NaN and Infinity are not JSON numbers)"
        reason = f"is not valid JSON ({exc.msg}; truncated or malformed line?)"
        return _strict(text, reason)  # numbers beyond a float, lone surrogates: named later
    if not isinstance(value, dict):
        return f"must be a JSON object, got {type(value).__name__}"
    if b"\\" not in line and not _INEXACT_NUMBER.search(line):
        keys, colons = _keys_and_colons(value)
        if line.count(b":") == keys + colons:
            return value
    return _strict(line.decode("utf-8"), "is not valid JSON")


def _strict(text: str, reason: str) -> dict[str, Any] | str:
    """The standard parser's exact reading of a line, or why it was refused."""
    try:
        exact = _STRICT.decode(text)
    except _DuplicateKey as dup:
        return JsonRefusal(
            f"has the duplicate key {dup.key!r}: each key may appear once in an object",
            dup.key,
        )
    except (ValueError, RecursionError):
        return reason
    if not isinstance(exact, dict):
        return f"must be a JSON object, got {type(exact).__name__}"
    return exact
