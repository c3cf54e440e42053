"""Conversation intelligence over a file of comments: one CSV row out per record in."""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from trustreach.core import (
    ConfigurationError,
    NotFoundError,
    Settings,
    check_output_file,
    get_settings,
    replaced_atomically,
)
from trustreach.nlp import ANALYSIS_COLUMNS
from trustreach.services._audit_guard import audit_file_work

__all__ = ["INPUT_FORMATS", "OUTPUT_COLUMNS", "AnalyzeReport", "analyze_file"]

Progress = Callable[[int], None]
#: Input extension -> how records are read.
INPUT_FORMATS = {".txt": "text", ".jsonl": "jsonl", ".csv": "csv"}
OUTPUT_COLUMNS = ("row", *ANALYSIS_COLUMNS)
CHUNK_ROWS = 2000
_MAX_CSV_FIELD = 1 << 30


@dataclass(frozen=True)
class AnalyzeReport:
    """What an analysis run did.

    Attributes
    ----------
    rows : int
        Input records, each with one output row.
    scored : int
        Rows with ``status`` ``scored`` (sentiment and safety scores).
    not_scored : dict
        Rows not scored, per ``reason`` (``invalid_record``, ``no_text``,
        ``unsupported_language``).
    sentiment : dict
        Rows per sentiment label, scored rows only.
    offensive, hate : int
        Rows flagged at the models' thresholds.
    flags : dict
        Rows per flag.
    languages : dict
        Rows per detected language.
    models : dict
        Model version per task.
    tier : str
        Sentiment tier used.
    safety : str
        Brand-safety tier used.
    output : Path
    seconds : float
    audit_seq : int or None
    """

    rows: int
    scored: int
    not_scored: dict[str, int]
    sentiment: dict[str, int]
    offensive: int
    hate: int
    flags: dict[str, int]
    languages: dict[str, int]
    models: dict[str, str]
    tier: str
    safety: str
    output: Path
    seconds: float
    audit_seq: int | None = None
    id_column: str | None = None


def _decode(raw: bytes) -> tuple[str, list[str]]:
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), ["invalid_utf8"]


def _lines(path: Path) -> Iterator[bytes]:
    """Lines without their ending; a final newline does not start another record."""
    with path.open("rb") as handle:
        for line in handle:
            yield line.rstrip(b"\n").rstrip(b"\r")


Record = tuple[str, list[str], str | None]
"""Text, reader flags, and the record's id (``--id-column``; None when not asked or absent)."""


def _read_text(path: Path, id_column: str | None) -> Iterator[Record]:
    for raw in _lines(path):
        text, flags = _decode(raw)
        yield text, flags, None


def _json_id(record: Any, id_column: str | None) -> str | None:
    if id_column is None or not isinstance(record, dict):
        return None
    value = record.get(id_column)
    if value is None or isinstance(value, dict | list):
        return None
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _read_jsonl(path: Path, id_column: str | None) -> Iterator[Record]:
    for raw in _lines(path):
        line, flags = _decode(raw)
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield "", [*flags, "invalid_record"], None
            continue
        text = record.get("text") if isinstance(record, dict) else None
        if isinstance(text, str):
            yield text, flags, _json_id(record, id_column)
        else:
            yield "", [*flags, "invalid_record"], _json_id(record, id_column)


def _repair(text: str) -> tuple[str, list[str]]:
    """Undo surrogate escapes of invalid UTF-8 bytes, replacing them, with a flag."""
    if text.isascii() or not any("\udc80" <= c <= "\udcff" for c in text):
        return text, []
    raw = text.encode("utf-8", errors="surrogateescape")
    return raw.decode("utf-8", errors="replace"), ["invalid_utf8"]


def _read_csv(path: Path, id_column: str | None) -> Iterator[Record]:
    csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, _MAX_CSV_FIELD)))
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        names = [_repair(h)[0].strip().lstrip("\ufeff") for h in header]
        found = ", ".join(n if n.isprintable() else repr(n) for n in names) or "none"
        if "text" not in names:
            raise ConfigurationError(f"{path}: a CSV input needs a 'text' column; found: {found}")
        if id_column is not None and id_column not in names:
            raise ConfigurationError(
                f"{path}: id column {id_column!r} is not in the CSV header; found: {found}"
            )
        column = names.index("text")
        key = names.index(id_column) if id_column is not None else None

        def ident(record: list[str]) -> str | None:
            return _repair(record[key])[0] if key is not None and len(record) > key else None

        for record in reader:
            if len(record) != len(names):
                text = record[column] if len(record) > column else ""
                repaired, flags = _repair(text)
                yield repaired, [*flags, "invalid_record"], ident(record)
                continue
            text, flags = _repair(record[column])
            yield text, flags, ident(record)


_READERS = {"text": _read_text, "jsonl": _read_jsonl, "csv": _read_csv}


def analyze_file(
    source: Path,
    output: Path,
    *,
    tier: str = "fast",
    safety: str = "accurate",
    chunk_rows: int = CHUNK_ROWS,
    id_column: str | None = None,
    actor: str = "cli",
    workspace: str | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> AnalyzeReport:
    """Language, sentiment and brand safety of every comment in ``source``, as a CSV.

    ``source`` is plain text (``.txt``, one comment per line), JSONL
    (``.jsonl``, a ``text`` field per record) or CSV (``.csv`` with a ``text``
    column). It is read as bytes and streamed in chunks of ``chunk_rows``, so
    memory is bounded by a chunk. Every record gives exactly one output row,
    in input order, numbered from 1 (``row``); nothing about a record's
    content stops the run. With ``id_column`` (a CSV column or JSONL field),
    each output row starts with the record's id under that name, so the
    results join back to the input (empty where a record has none). Every row
    has a ``status``: ``scored``, or ``not_scored`` with a ``reason``
    (``invalid_record``, ``no_text``, ``unsupported_language``) and empty
    labels, probabilities and scores. What was odd is listed in ``flags``
    (``;``-separated): ``invalid_utf8`` (bytes replaced by U+FFFD),
    ``invalid_record`` (a JSONL line that is not a JSON object with a string
    ``text``, a CSV row with the wrong number of fields), ``control_characters``,
    ``truncated`` (a model read only the start: over 10,000 characters, or
    over a transformer tier's input length), ``no_text``,
    ``language_uncertain`` (scored, but the language could not be placed),
    ``unsupported_language``. The output is checked first (a writable folder,
    not a directory), then written to a hidden ``.NAME.PID-HEX.partial`` beside
    it and renamed onto it at the end (:func:`~trustreach.core.replaced_atomically`):
    a failed run leaves nothing half-written, a killed run's partial file is
    removed by the next run, and a symbolic link at ``output`` is replaced,
    never followed. The run is audit-logged with the model versions and a digest
    of the input, under ``actor`` and, when given, ``workspace`` (a job of the API).

    Raises
    ------
    NotFoundError
        If ``source`` does not exist, or the tier's model is not installed.
    ConfigurationError
        If an extension or a tier is not allowed, a CSV has no ``text`` column
        or no ``id_column``, ``id_column`` is given for a ``.txt`` input, or
        it names an output column.
    """
    from trustreach.nlp import (
        ANALYSIS_COLUMNS,
        SAFETY_TIERS,
        TIERS,
        analyze_texts,
        model_versions,
    )

    settings = settings or get_settings()
    if not source.is_file():
        raise NotFoundError(f"{source}: no such file")
    fmt = INPUT_FORMATS.get(source.suffix.lower())
    if fmt is None:
        raise ConfigurationError(
            f"{source}: input extension {source.suffix!r} not allowed; "
            f"allowed: {', '.join(INPUT_FORMATS)}"
        )
    if output.suffix.lower() != ".csv":
        raise ConfigurationError(
            f"{output}: output extension {output.suffix!r} not allowed; allowed: .csv"
        )
    if tier not in TIERS:
        raise ConfigurationError(f"tier {tier!r} not allowed; allowed: {', '.join(TIERS)}")
    if safety not in SAFETY_TIERS:
        raise ConfigurationError(
            f"safety {safety!r} not allowed; allowed: {', '.join(SAFETY_TIERS)}"
        )
    if chunk_rows < 1:
        raise ConfigurationError(f"chunk_rows must be at least 1, got {chunk_rows}")
    check_output_file(output, option="output", overwrite=True)
    if id_column is not None:
        if fmt == "text":
            raise ConfigurationError(
                f"{source}: id_column (--id-column) needs a .csv or .jsonl input; "
                "a .txt line has no fields"
            )
        if not id_column or id_column in OUTPUT_COLUMNS:
            raise ConfigurationError(
                f"id_column {id_column!r} not allowed: it must be a non-empty name other than "
                f"the output columns ({', '.join(OUTPUT_COLUMNS)})"
            )
    columns = ((id_column,) if id_column is not None else ()) + OUTPUT_COLUMNS
    started = time.perf_counter()
    models = dict(part.split("=", 1) for part in model_versions(tier, safety).split(";"))
    counts: dict[str, Counter[str]] = {
        "sentiment": Counter(),
        "flags": Counter(),
        "lang": Counter(),
        "reason": Counter(),
    }
    totals = Counter[str]()
    with (
        replaced_atomically(output) as partial,
        partial.open("w", encoding="utf-8", newline="") as handle,
    ):
        handle.write(",".join(_csv_cell(c) for c in columns) + "\n")
        row = 0
        texts: list[str] = []
        flags: list[list[str]] = []
        ids: list[str | None] = []

        def flush() -> None:
            nonlocal row
            if not texts:
                return
            result = analyze_texts(texts, tier=tier, safety=safety, flags=flags).to_frame()
            result = result.select(
                pl.int_range(row + 1, row + 1 + result.height, dtype=pl.Int64).alias("row"),
                *ANALYSIS_COLUMNS,
            )
            if id_column is not None:
                result = result.select(pl.Series(id_column, ids, dtype=pl.String), *result.columns)
            handle.write(result.write_csv(None, include_header=False, float_precision=4))
            row += result.height
            counts["lang"].update(v for v in result["language"].to_list() if v)
            for fl in result["flags"].to_list():
                counts["flags"].update(f for f in fl.split(";") if f)
            counts["reason"].update(v for v in result["reason"].to_list() if v)
            measured = result.filter(pl.col("status") == "scored")
            counts["sentiment"].update(measured["sentiment"].to_list())
            totals["scored"] += measured.height
            totals["offensive"] += int(result["offensive"].fill_null(False).sum())
            totals["hate"] += int(result["hate"].fill_null(False).sum())
            if progress is not None:
                progress(len(texts))
            texts.clear()
            flags.clear()
            ids.clear()

        for text, row_flags, ident in _READERS[fmt](source, id_column):
            texts.append(text)
            flags.append(row_flags)
            ids.append(ident)
            if len(texts) >= chunk_rows:
                flush()
        flush()
    audit_seq = _audit_analysis(
        settings,
        actor=actor,
        workspace=workspace,
        source=source,
        output=output,
        tiers={"tier": tier, "safety": safety},
        models=models,
        rows=row,
    )
    return AnalyzeReport(
        rows=row,
        scored=totals["scored"],
        not_scored=dict(sorted(counts["reason"].items())),
        sentiment=dict(sorted(counts["sentiment"].items())),
        offensive=totals["offensive"],
        hate=totals["hate"],
        flags=dict(sorted(counts["flags"].items())),
        languages=dict(counts["lang"].most_common()),
        models=models,
        tier=tier,
        safety=safety,
        output=output,
        seconds=time.perf_counter() - started,
        audit_seq=audit_seq,
        id_column=id_column,
    )


def _csv_cell(value: str) -> str:
    """A header cell quoted as CSV needs it (an id column name may hold a comma)."""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _audit_analysis(
    settings: Settings,
    *,
    actor: str,
    workspace: str | None,
    source: Path,
    output: Path,
    tiers: dict[str, str],
    models: dict[str, str],
    rows: int,
) -> int:
    details: dict[str, Any] = {"rows": rows, **tiers, "models": models, "output": str(output)}
    return audit_file_work(
        settings,
        source=source,
        actor=actor,
        action="analyze_file",
        workspace=workspace,
        model_name="conversation-intelligence",
        model_version=models.get("sentiment", ""),
        details=details,
    )
