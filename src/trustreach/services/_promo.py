"""Classify a file of captions: the probability that each post promotes a brand.

One use-case, :func:`classify_captions_file`: a CSV or JSONL file with a
``caption`` column in, the same rows out (CSV, input order, every input
column) with ``promotional_probability`` and ``promotional`` added. The model
is :mod:`trustreach.nlp._promo`'s shipped caption model; its output is evidence
for a person to review ("possible undisclosed promotion"), never a verdict.
The run is audit-logged with the model version and a digest of the input.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustreach.core import (
    ConfigurationError,
    NotFoundError,
    Settings,
    check_output_file,
    get_settings,
    replaced_atomically,
)
from trustreach.services._audit_guard import audit_file_work

__all__ = ["CAPTION_FORMATS", "OUTPUT_COLUMNS", "CaptionReport", "classify_captions_file"]

#: Input extension -> format.
CAPTION_FORMATS = {".csv": "csv", ".jsonl": "jsonl"}
#: Columns added to every input row.
OUTPUT_COLUMNS = ("promotional_probability", "promotional")
CAPTION_COLUMN = "caption"

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class CaptionReport:
    """What a run of :func:`classify_captions_file` did."""

    rows: int
    promotional: int
    threshold: float
    model_version: str
    seconds: float
    audit_seq: int


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        _check_columns(path, columns)
        rows = []
        for line, record in enumerate(reader, start=2):
            if None in record or any(v is None for v in record.values()):
                raise ConfigurationError(
                    f"{path.name} record {line - 1}: it has another number of fields than the "
                    f"header ({len(columns)} columns)"
                )
            rows.append(record)
    return columns, rows


def _read_jsonl(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    columns: dict[str, None] = {}
    rows: list[dict[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigurationError(
                    f"{path.name} line {line_no}: not JSON ({exc.msg})"
                ) from None
            if not isinstance(record, dict):
                raise ConfigurationError(
                    f"{path.name} line {line_no}: a record must be a JSON object with a "
                    f"{CAPTION_COLUMN!r} field"
                )
            caption = record.get(CAPTION_COLUMN)
            if CAPTION_COLUMN not in record or not isinstance(caption, str | None):
                raise ConfigurationError(
                    f"{path.name} line {line_no}: the field {CAPTION_COLUMN!r} is missing or "
                    f"not a string; every record needs a {CAPTION_COLUMN!r} (text)"
                )
            for key in record:
                columns.setdefault(str(key), None)
            rows.append({str(k): _cell(v) for k, v in record.items()})
    names = list(columns)
    _check_columns(path, names, empty_ok=not rows)
    return names, rows


def _check_columns(path: Path, columns: list[str], *, empty_ok: bool = False) -> None:
    if CAPTION_COLUMN not in columns and not empty_ok:
        shown = ", ".join(repr(c) for c in columns) or "none"
        raise ConfigurationError(
            f"{path.name} has no {CAPTION_COLUMN!r} column (columns: {shown}); "
            f"classify-captions needs a {CAPTION_COLUMN!r} column with the post text"
        )
    clash = [c for c in OUTPUT_COLUMNS if c in columns]
    if clash:
        raise ConfigurationError(
            f"{path.name} already has the output column {clash[0]!r}; rename it, "
            f"the output adds {', '.join(OUTPUT_COLUMNS)}"
        )


def classify_captions_file(
    source: Path,
    output: Path,
    *,
    actor: str = "cli",
    workspace: str | None = None,
    settings: Settings | None = None,
    overwrite: bool = False,
) -> CaptionReport:
    """Score every caption of ``source`` and write ``output`` (CSV), rows in input order.

    ``source`` is a ``.csv`` file with a header holding a ``caption`` column, or
    a ``.jsonl`` file of objects with a ``caption`` field (string or null). The
    output keeps every input column (JSONL fields in order of first
    appearance; nested values as JSON) and adds ``promotional_probability``
    (0-1, six decimals) and ``promotional`` (``true`` when the probability is
    at least the model's threshold, chosen by grouped cross-validation; see
    ``docs/models/promo_caption.md``). It is written beside its destination
    and renamed onto it, so a failed run leaves nothing half-written.

    Raises
    ------
    NotFoundError
        If ``source`` does not exist.
    ConfigurationError
        If the extension is not ``.csv`` or ``.jsonl``, the ``caption`` column
        is missing, a record is broken, an output column already exists, or
        ``output`` exists and ``overwrite`` is false.
    """
    from trustreach.nlp._promo import load_promo_model

    settings = settings or get_settings()
    if not source.is_file():
        raise NotFoundError(f"caption file {str(source)!r} does not exist")
    kind = CAPTION_FORMATS.get(source.suffix.lower())
    if kind is None:
        raise ConfigurationError(
            f"caption file {source.name!r}: extension {source.suffix or '(none)'!r} is not "
            f"allowed; allowed: {', '.join(CAPTION_FORMATS)}"
        )
    check_output_file(output, option="--output", overwrite=overwrite)
    started = time.perf_counter()
    columns, rows = _read_csv(source) if kind == "csv" else _read_jsonl(source)
    model = load_promo_model()
    probabilities = model.predict_proba([r.get(CAPTION_COLUMN) or "" for r in rows])
    flagged = 0
    with (
        replaced_atomically(output) as partial,
        partial.open("w", encoding="utf-8", newline="") as handle,
    ):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*columns, *OUTPUT_COLUMNS])
        for record, p in zip(rows, probabilities, strict=True):
            promotional = bool(p >= model.threshold)
            flagged += promotional
            writer.writerow(
                [
                    *(record.get(c, "") for c in columns),
                    f"{float(p):.6f}",
                    "true" if promotional else "false",
                ]
            )
    seconds = time.perf_counter() - started
    seq = _audit(
        settings,
        actor=actor,
        workspace=workspace,
        source=source,
        output=output,
        version=model.version,
        rows=len(rows),
        flagged=flagged,
    )
    return CaptionReport(
        rows=len(rows),
        promotional=flagged,
        threshold=model.threshold,
        model_version=model.version,
        seconds=seconds,
        audit_seq=seq,
    )


def _audit(
    settings: Settings,
    *,
    actor: str,
    workspace: str | None,
    source: Path,
    output: Path,
    version: str,
    rows: int,
    flagged: int,
) -> int:
    return audit_file_work(
        settings,
        source=source,
        actor=actor,
        action="classify_captions",
        workspace=workspace,
        model_name="promo_caption",
        model_version=version,
        details={"rows": rows, "promotional": flagged, "output": str(output)},
    )
