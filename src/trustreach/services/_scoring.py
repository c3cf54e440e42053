"""Scoring follower-account files with the shipped authenticity model."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from trustreach.core import (
    ConfigurationError,
    ImportValidationError,
    NotFoundError,
    RecordError,
    Settings,
    check_output_file,
    check_output_folder,
    get_settings,
    replaced_atomically,
)
from trustreach.ingest import FORMATS, check_regular, read_batches
from trustreach.services._audit_guard import audit_file_work

Progress = Callable[[int], None]
OUTPUT_FORMATS = (".csv", ".parquet")


@dataclass(frozen=True)
class ScoreReport:
    """What a scoring run did."""

    accounts: int
    flagged: int
    output: Path
    model_name: str
    model_version: str
    seconds: float
    audit_seq: int | None
    #: accounts not scored because they lack a required field (see REQUIRED_FIELDS)
    insufficient_data: int = 0


class _StreamWriter:
    """Appends scored batches to one CSV or Parquet file."""

    def __init__(self, path: Path, *, csv: bool) -> None:
        self.path = path
        self.csv = csv
        self.handle: Any = None

    def __enter__(self) -> _StreamWriter:
        return self

    def write(self, frame: pl.DataFrame) -> None:
        if self.csv:
            first = self.handle is None
            if first:
                self.handle = self.path.open("wb")
            frame.write_csv(self.handle, include_header=first)
        else:
            table = frame.to_arrow()
            if self.handle is None:
                self.handle = pq.ParquetWriter(self.path, table.schema)
            self.handle.write_table(table)

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


def _input_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigurationError(
            f"{path}: input extension {path.suffix!r} not allowed; allowed: {', '.join(FORMATS)}"
        )
    return fmt


def score_accounts_file(
    source: Path,
    output: Path,
    *,
    explain: str = "flagged",
    actor: str = "cli",
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> ScoreReport:
    """Score every follower account in ``source`` and write one row each to ``output``.

    ``source`` is JSONL, CSV or Parquet with the follower-account fields of the
    interchange format (any subset; only ``account_id`` is required). Every
    record is validated first: impossible values (negative counts, non-boolean
    flags, unknown fields) raise :class:`~trustreach.core.ImportValidationError`
    naming row and field, and no output is left behind. An empty file gives an
    output with only the header. The run is audit-logged with the model name,
    version and a digest of the input.
    """
    from trustreach.audience import EXPLAIN_CHOICES, load_authenticity_model, score_frame
    from trustreach.audience._scoring import validated_accounts

    settings = settings or get_settings()
    check_regular(source)  # a FIFO or a device (a link to /dev/zero) is refused, named
    fmt = _input_format(source)
    if output.suffix.lower() not in OUTPUT_FORMATS:
        raise ConfigurationError(
            f"{output}: output extension {output.suffix!r} not allowed; allowed: .csv, .parquet"
        )
    if explain not in EXPLAIN_CHOICES:
        raise ConfigurationError(
            f"explain {explain!r} not allowed; allowed: {', '.join(EXPLAIN_CHOICES)}"
        )
    check_output_file(output, option="output", overwrite=True)
    started = time.perf_counter()
    model = load_authenticity_model()
    errors: list[RecordError] = []
    accounts = flagged = insufficient = 0
    csv = output.suffix.lower() == ".csv"
    with replaced_atomically(output) as partial:
        with _StreamWriter(partial, csv=csv) as sink:  # streamed: memory bounded by one batch
            batches = read_batches(
                source, fmt, settings.import_batch_rows, max_record_bytes=settings.max_record_bytes
            )
            for batch in batches:
                frame, batch_errors = validated_accounts(batch)
                errors += batch.errors + batch_errors
                if not errors:
                    scored = score_frame(model, frame, explain=explain)  # type: ignore[arg-type]
                    sink.write(scored)
                    accounts += scored.height
                    flagged += int(scored["flagged"].sum())
                    insufficient += int(scored["insufficient_data"].sum())
                if progress is not None:
                    progress(len(batch.rows))
            if not errors and accounts == 0:
                sink.write(
                    score_frame(
                        model, pl.DataFrame({"account_id": []}, schema={"account_id": pl.String})
                    )
                )
        if errors:
            shown = errors[: settings.max_reported_errors]
            raise ImportValidationError(
                shown,
                truncated=len(errors) > len(shown),
                task="scoring",
                outcome="no output file was written",
            )
    audit_seq = _audit_scoring(
        settings,
        actor=actor,
        source=source,
        output=output,
        model=model,
        accounts=accounts,
        flagged=flagged,
        insufficient=insufficient,
    )
    return ScoreReport(
        accounts=accounts,
        flagged=flagged,
        output=output,
        model_name=model.name,
        model_version=model.version,
        seconds=time.perf_counter() - started,
        audit_seq=audit_seq,
        insufficient_data=insufficient,
    )


def score_accounts_dask(
    source: Path,
    output: Path,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    explain: str = "none",
    actor: str = "cli",
    settings: Settings | None = None,
) -> ScoreReport:
    """Score a partitioned Parquet dump (a directory of ``*.parquet``) on Dask.

    Each partition is scored by the same pure function
    (:func:`trustreach.audience.score_partition`) into ``output/<name>``. With no
    ``scheduler`` address a LocalCluster of ``workers`` single-threaded
    processes is started (Polars on one thread in each); peak memory per worker
    is bounded by one partition. Every worker loads the model and its compiled
    trees once, as the cluster starts or as it joins (a worker plugin); the
    client reads only the model's name and version.
    """
    from dask.distributed import Client

    from trustreach.audience import score_partition
    from trustreach.services._scoring_dask import PLUGIN_NAME, WarmScoring, local_cluster

    check_output_folder(output, option="output", overwrite=True)
    if not source.is_dir():
        raise NotFoundError(f"{source}: not a directory of Parquet partitions")
    partitions = sorted(source.glob("*.parquet"))
    if not partitions:
        raise NotFoundError(f"{source}: holds no *.parquet partitions")
    output.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    model = _model_identity()  # the client needs the name and version only, not the trees
    cluster = local_cluster(workers) if scheduler is None else None
    client = Client(cluster if cluster is not None else scheduler)
    try:
        # each worker loads the model and its compiled trees once, at start (and any
        # worker that joins later as it starts), not inside its first partition
        client.register_plugin(WarmScoring(), name=PLUGIN_NAME)
        futures = client.map(
            score_partition,
            [str(p) for p in partitions],
            [str(output / p.name) for p in partitions],
            explain=explain,
            pure=False,
        )
        counts = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    counted = (  # one scan over every written partition
        pl.scan_parquet([output / p.name for p in partitions])
        .select(pl.col("flagged").sum(), pl.col("insufficient_data").sum())
        .collect()
    )
    flagged, insufficient = int(counted.item(0, 0)), int(counted.item(0, 1))
    seconds = time.perf_counter() - started
    audit_seq = _audit_scoring(
        settings or get_settings(),
        actor=actor,
        source=source,
        output=output,
        model=model,
        accounts=int(sum(counts)),
        flagged=flagged,
        insufficient=insufficient,
    )
    return ScoreReport(
        accounts=int(sum(counts)),
        flagged=flagged,
        output=output,
        model_name=model.name,
        model_version=model.version,
        seconds=seconds,
        audit_seq=audit_seq,
        insufficient_data=insufficient,
    )


@dataclass(frozen=True)
class _ModelIdentity:
    name: str
    version: str


def _model_identity() -> _ModelIdentity:
    """Name and version of the shipped model, read from its JSON file (no LightGBM import)."""
    import json
    from importlib import resources

    folder = resources.files("trustreach.audience").joinpath("models")
    meta = json.loads(folder.joinpath("fake_account.json").read_text(encoding="utf-8"))
    return _ModelIdentity(name=str(meta["name"]), version=str(meta["version"]))


def _audit_scoring(
    settings: Settings,
    *,
    actor: str,
    source: Path,
    output: Path,
    model: Any,
    accounts: int,
    flagged: int,
    insufficient: int = 0,
) -> int:
    return audit_file_work(
        settings,
        source=source,
        actor=actor,
        action="score_accounts",
        model_name=model.name,
        model_version=model.version,
        details={
            "accounts": accounts,
            "flagged": flagged,
            "insufficient_data": insufficient,
            "output": str(output),
        },
    )
