"""Scoring follower accounts: the same pure functions in one process or on a Dask cluster."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Final, Literal

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from trustreach.audience._artefact import AuthenticityModel, load_authenticity_model
from trustreach.audience._features import REQUIRED_FIELDS
from trustreach.audience._inference import _threads
from trustreach.core import RecordError, replaced_atomically
from trustreach.ingest import RawBatch, validate_batch

Explain = Literal["flagged", "all", "none"]
EXPLAIN_CHOICES: tuple[str, ...] = ("flagged", "all", "none")


def score_frame(
    model: AuthenticityModel,
    frame: pl.DataFrame,
    *,
    explain: Explain = "flagged",
    num_threads: int | None = None,
) -> pl.DataFrame:
    """One output row per account: ``account_id``, ``fake_probability``, ``flagged``,
    ``insufficient_data``, ``top_signals``.

    An account lacking any of :data:`REQUIRED_FIELDS` is not scored: its
    ``insufficient_data`` is true, ``fake_probability`` and ``flagged`` are null,
    and ``top_signals`` names the missing fields. Per-feature explanations cost far
    more than scoring, so by default they are computed only for flagged accounts
    (``explain="all"`` for every scored row, ``"none"`` to skip); other rows get an
    empty ``top_signals``.
    ``num_threads`` is the number of LightGBM threads (default 2).
    """
    if explain not in EXPLAIN_CHOICES:
        raise ValueError(f"explain={explain!r} not allowed; allowed: {', '.join(EXPLAIN_CHOICES)}")
    probabilities = model.score(frame, num_threads=num_threads) if frame.height else np.zeros(0)
    flagged = model.flag(probabilities) if frame.height else np.zeros(0, dtype=bool)
    signals: dict[int, str] = {}  # row -> words; every other row gets ""
    scored = ~np.isnan(probabilities)
    everyone = bool(scored.all())
    if not everyone:  # null masks once: an export without a column leaves every row here
        absent = {
            name: frame[name].is_null().to_numpy()
            if name in frame.columns
            else np.ones(frame.height, dtype=bool)
            for name in REQUIRED_FIELDS
        }
        for i in np.flatnonzero(~scored).tolist():
            missing = [name for name in REQUIRED_FIELDS if absent[name][i]]
            signals[i] = f"not scored: too little data (missing {', '.join(missing)})"
    if explain != "none" and frame.height:
        index = np.flatnonzero(scored) if explain == "all" else np.flatnonzero(flagged)
        if index.size:
            explained = model.top_signals(frame[index.tolist()], num_threads=num_threads)
            for i, words in zip(index.tolist(), explained, strict=True):
                signals[i] = "; ".join(words)
    flags = pl.Series("flagged", flagged, dtype=pl.Boolean)
    if not everyone:
        flags = flags.set(pl.Series(~scored, dtype=pl.Boolean), None)
    top = pl.select(pl.repeat("", frame.height, dtype=pl.String)).to_series()
    if signals:
        top = top.scatter(list(signals), list(signals.values()))
    return pl.DataFrame(
        {
            "account_id": frame["account_id"] if "account_id" in frame.columns else None,
            "fake_probability": pl.Series(
                np.round(probabilities, 4), dtype=pl.Float64, nan_to_null=True
            ),
            "flagged": flags,
            "insufficient_data": pl.Series(~scored, dtype=pl.Boolean),
            "top_signals": top,
        }
    )


def validated_accounts(batch: RawBatch) -> tuple[pl.DataFrame, list[RecordError]]:
    """Follower-account records of a raw batch, validated like an import.

    Impossible values (negative counts, non-boolean flags, unknown fields) come
    back as errors naming the row and field; the frame holds the valid rows.
    """
    valid, errors = validate_batch(batch, "follower_accounts")
    if valid.frame is None:  # the record path: the batch was not a clean table
        assert valid.models is not None
        rows = [m.model_dump() for m in valid.models]
        frame = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()
        if "username" in frame.columns:
            frame = frame.drop("username")
        return frame, errors
    return valid.frame, errors


def _dask_worker_threads() -> int | None:
    """Threads of the Dask worker running this call, or None outside a worker."""
    distributed = sys.modules.get("distributed")  # never imported just to ask
    if distributed is None:
        return None
    try:
        worker = distributed.get_worker()
    except ValueError:
        return None
    threads = getattr(getattr(worker, "state", None), "nthreads", None)
    return int(threads) if isinstance(threads, int) and threads >= 1 else None


#: Rows read, validated and scored at a time within a partition (balanced chunks).
_CHUNK_ROWS: Final = 100_000

_scorer: ThreadPoolExecutor | None = None
_scorer_lock = threading.Lock()


def _scoring_thread() -> ThreadPoolExecutor:
    """The one thread that scores chunks beside the reading thread, kept for the process.

    One long-lived thread, not one per call: each new thread gets its own malloc
    arena, and a thread per partition grew the process by one arena a partition.
    """
    global _scorer
    with _scorer_lock:
        if _scorer is None:
            _scorer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trustreach-scoring")
        return _scorer


def _chunks(source: str) -> Iterator[pa.Table]:
    """The partition in balanced chunks of about :data:`_CHUNK_ROWS` rows (one if empty)."""
    parquet = pq.ParquetFile(source)
    total = parquet.metadata.num_rows
    if total == 0:
        yield parquet.read()
        return
    size = -(-total // -(-total // _CHUNK_ROWS))
    for batch in parquet.iter_batches(batch_size=size):
        yield pa.Table.from_batches([batch])


def score_partition(
    source: str, target: str, explain: Explain = "none", *, num_threads: int | None = None
) -> int:
    """Score one Parquet partition of a follower dump into ``target``; returns rows.

    Runs inside Dask workers: it loads the shipped model itself (cached per
    process) and touches nothing but the two files. Invalid records raise a
    ``ValueError`` naming the partition, row and field (and how many there are),
    and nothing is written. The model uses ``num_threads`` threads; by default
    as many as the Dask worker running the call has (1 in a single-threaded
    worker, so workers do not oversubscribe the cores), and 2 outside a worker.
    With 2 or more, the partition is read in chunks and each chunk is scored
    (its model on ``num_threads`` threads) in a second thread while the next
    one is read and validated; with 1, chunk after chunk in this thread.
    """
    model = load_authenticity_model()
    if num_threads is None:
        num_threads = _dask_worker_threads()
    threads = _threads(num_threads)
    errors: list[RecordError] = []
    pieces: list[pl.DataFrame | Future[pl.DataFrame]] = []
    rows = 0
    pool = _scoring_thread() if threads > 1 else None
    try:
        for table in _chunks(source):
            batch = RawBatch(source, list(range(rows + 1, rows + table.num_rows + 1)), table=table)
            rows += table.num_rows
            frame, found = validated_accounts(batch)
            errors += found
            if errors:  # read on only to count them; nothing is written
                continue
            if pool is None:
                pieces.append(score_frame(model, frame, explain=explain, num_threads=threads))
            else:
                pieces.append(
                    pool.submit(score_frame, model, frame, explain=explain, num_threads=threads)
                )
    finally:  # on an error while reading, the chunks handed over finish first
        wait([p for p in pieces if isinstance(p, Future)])
    scored = [p.result() if isinstance(p, Future) else p for p in pieces]
    if errors:
        shown = "; ".join(str(e) for e in errors[:3])
        raise ValueError(f"{len(errors)} invalid record(s) in {source}: {shown}")
    result = pl.concat(scored, how="vertical") if len(scored) > 1 else scored[0]
    with replaced_atomically(Path(target)) as tmp:  # a link at target is replaced, not followed
        result.write_parquet(tmp)
    return result.height
