"""Preparing import batches: validate, minimise, and hand over to the writer.

Pure domain code, importable without the store, so the importer's worker
process (``python -c "...worker_main()"``) starts quickly. The worker reads
its job from stdin and writes length-prefixed pickles to stdout; frames travel
as Arrow IPC.
"""

from __future__ import annotations

import io
import pickle
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import polars as pl

from trustreach.core import RecordError
from trustreach.ethics.privacy import Pseudonymizer
from trustreach.ingest._readers import RawBatch, read_batches
from trustreach.ingest._transform import (
    TABLE_COLUMNS,
    TransformContext,
    frame_to_table,
    rows_from_models,
)
from trustreach.ingest._validate import validate_batch


@dataclass
class Prepared:
    """One batch, ready to write: valid rows as table data, plus the batch's errors."""

    read: int
    rows: list[int]
    data: Any  # a polars DataFrame (column path) or a list of tuples (record path)
    columns: list[str] | None
    errors: list[RecordError]


def prepare_batch(batch: RawBatch, kind: str, ctx: TransformContext, cap: int) -> Prepared:
    """Validate one raw batch and turn its valid records into table rows."""
    valid, errors = validate_batch(batch, kind, cap=cap)
    if valid.frame is not None:  # unique by key and sorted: written with presorted=True
        table = frame_to_table(kind, valid.frame, ctx, rows=valid.rows)
        return Prepared(len(batch.rows), table["_row"].to_list(), table.drop("_row"), None, errors)
    assert valid.models is not None
    data = rows_from_models(kind, valid.models, ctx)
    columns = ["workspace", *TABLE_COLUMNS[kind]]
    return Prepared(len(batch.rows), valid.rows, data, columns, errors)


def to_wire(item: Prepared) -> tuple[Any, ...]:
    data = item.data
    if isinstance(data, pl.DataFrame):
        sink = io.BytesIO()
        data.write_ipc(sink)
        data = sink.getvalue()
    return (item.read, item.rows, data, item.columns, item.errors)


def from_wire(wire: tuple[Any, ...]) -> Prepared:
    read, rows, data, columns, errors = wire
    if isinstance(data, bytes):
        data = pl.read_ipc(io.BytesIO(data))
    return Prepared(read, rows, data, columns, errors)


def send(stream: IO[bytes], message: tuple[str, Any]) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(payload)))
    stream.write(payload)
    stream.flush()


def receive(stream: IO[bytes]) -> tuple[str, Any] | None:
    header = stream.read(8)
    if len(header) < 8:
        return None
    (size,) = struct.unpack("<Q", header)
    message: tuple[str, Any] = pickle.loads(stream.read(size))
    return message


def worker_main() -> None:  # pragma: no cover - runs in the worker process
    """Entry of the worker process: job on stdin, prepared batches on stdout.

    The job (including the pseudonym key) arrives on stdin, never in argv,
    so it does not show in the process list.
    """
    out = sys.stdout.buffer
    try:
        job = receive(sys.stdin.buffer)
        assert job is not None and job[0] == "job"
        path, fmt, kind, workspace, key, batch_rows, cap, max_record_bytes = job[1]
        ctx = TransformContext(workspace, Pseudonymizer(key))
        for batch in read_batches(Path(path), fmt, batch_rows, max_record_bytes=max_record_bytes):
            send(out, ("batch", to_wire(prepare_batch(batch, kind, ctx, cap))))
        send(out, ("done", None))
    except BaseException as exc:
        try:
            send(out, ("error", exc))
        except Exception:
            send(out, ("error", RuntimeError(repr(exc))))
