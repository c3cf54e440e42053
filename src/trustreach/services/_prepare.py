"""Reading, validating and minimising an import file, optionally in a worker process.

The database writer is the bottleneck of a large import and it needs the GIL to
bind every row. Large column-path files (``follower_accounts``, ``follows``) are
therefore read, validated and pseudonymised in a second *process*
(:func:`trustreach.ingest._worker.worker_main`), which hands finished batches
over as Arrow IPC, so both cores work: one prepares, one writes. Small files
are prepared in-process (a worker costs ~0.5 s to start). Either way the same
pure functions run and give the same results.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from trustreach.ingest import (
    COLUMN_KINDS,
    DEFAULT_MAX_RECORD_BYTES,
    TransformContext,
    check_regular,
    read_batches,
)
from trustreach.ingest._worker import Prepared, from_wire, prepare_batch, receive, send

#: Files at least this large (bytes) of a column-path kind are prepared in a worker.
WORKER_MIN_BYTES = 32 * 1024 * 1024


class PreparedSource:
    """The prepared batches of one file.

    A large column-path file gets its worker process at construction, so the
    worker can read ahead while earlier files are still being written. Always
    :meth:`close` it (the importer does, with an exit stack).
    """

    def __init__(
        self,
        path: Path,
        fmt: str,
        kind: str,
        ctx: TransformContext,
        *,
        batch_rows: int,
        cap: int,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        refuse_empty: bool = True,
    ) -> None:
        self.path, self.fmt, self.kind, self.ctx = path, fmt, kind, ctx
        self.batch_rows, self.cap, self.max_record_bytes = batch_rows, cap, max_record_bytes
        self.refuse_empty = refuse_empty
        self.process: subprocess.Popen[bytes] | None = None
        check_regular(path)  # before stat() picks a path: a FIFO must not reach a reader
        if kind in COLUMN_KINDS and path.stat().st_size >= WORKER_MIN_BYTES:
            job = (str(path), fmt, kind, ctx.workspace, ctx.pseudonymizer.key)
            self.process = _start_worker((*job, batch_rows, cap, max_record_bytes))

    def __iter__(self) -> Iterator[Prepared]:
        if self.process is not None:
            yield from _from_worker(self.process, self.path)
            return
        batches = read_batches(
            self.path,
            self.fmt,
            self.batch_rows,
            max_record_bytes=self.max_record_bytes,
            refuse_empty=self.refuse_empty,  # a file of nothing is refused, not audited
        )
        for batch in batches:
            yield prepare_batch(batch, self.kind, self.ctx, self.cap)

    def close(self) -> None:
        """Stop the worker, if any (it may still be reading ahead)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()


def _start_worker(job: tuple[object, ...]) -> subprocess.Popen[bytes]:
    """Start a worker on ``job`` (see :func:`trustreach.ingest._worker.worker_main`)."""
    # A fresh interpreter (not multiprocessing's spawn, which re-imports the
    # caller's __main__, nor fork, which is unsafe with Polars' thread pool).
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from trustreach.ingest._worker import worker_main; worker_main()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None
    send(process.stdin, ("job", job))
    process.stdin.close()
    return process


def _from_worker(process: subprocess.Popen[bytes], path: Path) -> Iterator[Prepared]:
    assert process.stdout is not None
    while True:
        message = receive(process.stdout)
        if message is None:
            raise RuntimeError(
                f"the import reader for {path} stopped unexpectedly (exit code {process.wait()})"
            )
        tag, payload = message
        if tag == "done":
            return
        if tag == "error":
            raise payload
        yield from_wire(payload)
