"""Scoring follower accounts: the same pure functions in one process or on a Dask cluster."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from trustreach.audience._artefact import AuthenticityModel, load_authenticity_model
from trustreach.audience._features import REQUIRED_FIELDS
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


def score_partition(
    source: str, target: str, explain: Explain = "none", *, num_threads: int | None = None
) -> int:
    """Score one Parquet partition of a follower dump into ``target``; returns rows.

    Runs inside Dask workers: it loads the shipped model itself (cached per
    process) and touches nothing but the two files. Invalid records raise a
    ``ValueError`` naming the partition, row and field. LightGBM uses
    ``num_threads`` threads; by default as many as the Dask worker running the
    call has (1 in a single-threaded worker, so workers do not oversubscribe
    the cores), and 2 outside a worker.
    """
    model = load_authenticity_model()
    table = pq.read_table(source)
    batch = RawBatch(source, list(range(1, table.num_rows + 1)), table=table)
    frame, errors = validated_accounts(batch)
    if errors:
        shown = "; ".join(str(e) for e in errors[:3])
        raise ValueError(f"{len(errors)} invalid record(s) in {source}: {shown}")
    if num_threads is None:
        num_threads = _dask_worker_threads()
    scored = score_frame(model, frame, explain=explain, num_threads=num_threads)
    with replaced_atomically(Path(target)) as tmp:  # a link at target is replaced, not followed
        scored.write_parquet(tmp)
    return scored.height
