"""Analysis of a small batch of texts in one request, and the results as JSON records.

A batch of at most :data:`INLINE_MAX_TEXTS` texts is answered at once
(:func:`analyze_batch`); a larger one (up to :data:`MAX_TEXTS`) runs as an
``nlp-analyze`` job (:mod:`trustreach.services._job_kinds`) whose results are
the same records, one JSON object a line. Each record is the text's ``id`` and
what :func:`trustreach.nlp.analyze_texts` found (``status``, ``reason``,
``language``, sentiment and its probabilities, brand-safety scores and flags,
``flags`` as a list); probabilities are rounded to 4 decimals, unmeasured
values are null.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from trustreach.core import ConfigurationError, Settings, get_settings, replaced_atomically
from trustreach.ethics.audit import digest_json
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import check_workspace, kept_engine

INLINE_MAX_TEXTS = 100
"""Most texts answered in the request itself; more run as a job."""
MAX_TEXTS = 50_000
"""Most texts one request may send (the request body limit may bind first)."""
_FLOATS = (
    "language_confidence",
    "p_negative",
    "p_neutral",
    "p_positive",
    "sentiment_score",
    "offensive_probability",
    "hate_probability",
)


@dataclass(frozen=True)
class BatchAnalysis:
    """The per-text results of a batch, in input order, and the models that made them."""

    tier: str
    safety: str
    models: dict[str, str]
    items: list[dict[str, Any]]
    audit_seq: int


def check_tiers(tier: str, safety: str) -> None:
    """A :class:`~trustreach.core.ConfigurationError` naming the allowed tiers, if one is not."""
    from trustreach.nlp import SAFETY_TIERS, TIERS

    if tier not in TIERS:
        raise ConfigurationError(f"tier {tier!r} not allowed; allowed: {', '.join(TIERS)}")
    if safety not in SAFETY_TIERS:
        raise ConfigurationError(
            f"safety {safety!r} not allowed; allowed: {', '.join(SAFETY_TIERS)}"
        )


def _record(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    for name in _FLOATS:
        value = out.get(name)
        out[name] = (
            None if value is None or not math.isfinite(float(value)) else round(float(value), 4)
        )
    flags = out.get("flags") or ""
    out["flags"] = [f for f in str(flags).split(";") if f]
    return out


def analyze_batch(
    items: Sequence[tuple[str, str]],
    *,
    tier: str = "fast",
    safety: str = "accurate",
    workspace: str,
    actor: str,
    settings: Settings | None = None,
) -> BatchAnalysis:
    """Language, sentiment and brand safety of each ``(id, text)``, audit-logged.

    At most :data:`INLINE_MAX_TEXTS` texts (a larger batch is a job). The audit
    record names ``actor``, the models and a digest of the batch, not its texts.
    """
    from trustreach.nlp import analyze_texts

    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    check_tiers(tier, safety)
    if not 1 <= len(items) <= INLINE_MAX_TEXTS:
        raise ConfigurationError(
            f"texts holds {len(items)} texts; allowed: 1 to {INLINE_MAX_TEXTS} in one request"
        )
    analysis = analyze_texts([t for _, t in items], tier=tier, safety=safety)
    frame = analysis.to_frame()
    records = [
        _record({"id": ident, **row})
        for (ident, _), row in zip(items, frame.iter_rows(named=True), strict=True)
    ]
    engine = kept_engine(settings)
    with audited_transaction(settings, engine) as connection:
        entry = record_audit(
            settings,
            connection,
            actor=actor,
            action="analyze_texts",
            workspace=workspace,
            subject=f"workspace:{workspace}",
            model_name="conversation-intelligence",
            model_version=analysis.models.get("sentiment", ""),
            input_digest=digest_json([list(i) for i in items]),
            details={"rows": len(items), "tier": tier, "safety": safety, "models": analysis.models},
        )
    confirm_anchor(settings, entry.head)
    return BatchAnalysis(tier, safety, dict(analysis.models), records, entry.seq)


def write_results_ndjson(csv_path: Path, output: Path, *, id_column: str = "id") -> int:
    """Rewrite :func:`~trustreach.services.analyze_file`'s CSV as JSON records, one a line.

    Returns the number of records; the file is written whole or not at all.
    """
    import polars as pl

    from trustreach.nlp import ANALYSIS_COLUMNS

    strings = {"status", "reason", "language", "sentiment", "flags"}
    schema: dict[str, Any] = {id_column: pl.String, "row": pl.Int64}
    for name in ANALYSIS_COLUMNS:
        schema[name] = (
            pl.String
            if name in strings
            else pl.Boolean
            if name in ("offensive", "hate")
            else pl.Float64
        )
    frame = pl.read_csv(csv_path, schema=schema)
    with replaced_atomically(output) as partial, partial.open("wb") as handle:
        for row in frame.iter_rows(named=True):
            row.pop("row", None)
            handle.write(orjson.dumps(_record(row)) + b"\n")
    return frame.height
