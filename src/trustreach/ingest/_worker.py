"""Preparing import batches: validate, minimise, and hand over to the writer.

Pure domain code, importable without the store, so the importer's worker
process (``python -c "...worker_main()"``) starts quickly. The worker reads
its job from stdin and writes length-prefixed pickles to stdout; frames travel
as Arrow IPC.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

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
    so it does not show in the process list. The importer owns the worker: an
    interrupt (Ctrl-C reaches the whole process group) is left to the importer,
    which stops the worker; and when the importer goes away (killed, or it closed
    the pipe) the next write fails and the worker exits at once, silently,
    with status 1, since nobody is left to read a message.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    try:
        job = receive(sys.stdin.buffer)
        if job is None:  # the importer went away before it sent the job
            _exit_quietly()
        assert job[0] == "job"
        path, fmt, kind, workspace, key, batch_rows, cap, max_record_bytes = job[1]
        ctx = TransformContext(workspace, Pseudonymizer(key))
        batches = read_batches(
            Path(path), fmt, batch_rows, max_record_bytes=max_record_bytes, refuse_empty=True
        )
        for batch in batches:
            send(out, ("batch", to_wire(prepare_batch(batch, kind, ctx, cap))))
        send(out, ("done", None))
    except (BrokenPipeError, ConnectionResetError):
        _exit_quietly()
    except BaseException as exc:
        try:
            send(out, ("error", exc))
        except (BrokenPipeError, ConnectionResetError):
            _exit_quietly()
        except Exception:  # the error itself does not pickle: send its text
            try:
                send(out, ("error", RuntimeError(repr(exc))))
            except OSError:
                _exit_quietly()


def _exit_quietly() -> NoReturn:  # pragma: no cover - runs in the worker process
    """Leave now: no flush of a broken stdout, no traceback, no exit handlers."""
    os._exit(1)
