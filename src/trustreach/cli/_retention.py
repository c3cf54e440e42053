"""``trustreach privacy enforce-retention``: one scheduled command for every table's retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from trustreach.cli._app import Workspace, console, privacy_app
from trustreach.cli._formats import FormatOpt, OutputFormat

if TYPE_CHECKING:
    from trustreach.services._retention import RetentionRun


def _as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"as_of {text!r} not allowed; allowed: a date like 2025-06-30 or an ISO 8601 moment",
            param_hint="--as-of",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@privacy_app.command("enforce-retention")
def enforce_retention(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Measure ages from this date (YYYY-MM-DD; default now)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; change nothing.")
    ] = False,
    output: FormatOpt = OutputFormat.table,
    all_workspaces: Annotated[
        bool,
        typer.Option("--all-workspaces", help="Every workspace of the store, one after another."),
    ] = False,
    workspace: Workspace = "default",
) -> None:
    """Apply every personal-data table's retention period: delete (or anonymise) rows
    past it, keep re-imports from bringing them back, and log one audit record."""
    from trustreach.services import _retention  # at run time: start-up stays light

    moment = _as_of(as_of)
    if all_workspaces:
        runs = _retention.enforce_retention_everywhere(as_of=moment, dry_run=dry_run)
    else:
        runs = [_retention.enforce_retention(workspace=workspace, as_of=moment, dry_run=dry_run)]
    if output is OutputFormat.json:
        console.print_json(
            json.dumps([_as_data(run) for run in runs] if all_workspaces else _as_data(runs[0]))
        )
        return
    for run in runs:
        _print(run)


def _as_data(run: RetentionRun) -> dict[str, Any]:
    return {
        "workspace": run.workspace,
        "as_of": run.as_of.isoformat(),
        "dry_run": run.dry_run,
        "removed": run.removed,
        "anonymised": run.anonymised,
        "tombstones": run.tombstones,
        "files_removed": run.files_removed,
        "audit_seq": run.audit_seq,
        "tables": [
            {
                "table": t.table,
                "clock": t.clock,
                "action": t.action,
                "retention": t.retention,
                "cutoff": t.cutoff.isoformat() if t.cutoff else None,
                "removed": t.removed,
                "anonymised": t.anonymised,
                "stale": t.stale,
            }
            for t in run.tables
        ],
    }


def _print(run: RetentionRun) -> None:
    verb = "Would delete" if run.dry_run else "Deleted"
    table = Table(title=f"Retention in workspace {run.workspace} as of {run.as_of:%Y-%m-%d}")
    numbers = ("removed", "anonymised", "stale")
    for column in ("table", "clock", "older than", *numbers, "retention"):
        table.add_column(column, justify="right" if column in numbers else "left")
    for t in run.tables:
        table.add_row(
            t.table,
            t.clock,
            f"{t.cutoff:%Y-%m-%d}" if t.cutoff else "–",
            f"{t.removed:,}",
            f"{t.anonymised:,}",
            f"{t.stale:,}",
            t.retention,
        )
    console.print(table)
    console.print(
        f"{verb} {run.removed:,} row(s) and anonymised {run.anonymised:,} "
        f"({run.tombstones:,} tombstone(s) keep re-imports from bringing them back)"
        + ("; dry run: nothing changed." if run.dry_run else f"; audit record #{run.audit_seq}.")
    )
    stale = [t for t in run.tables if t.stale]
    if stale:
        listed = ", ".join(f"{t.stale:,} {t.table}" for t in stale)
        console.print(
            f"Kept but not seen by an import for a long time (review or erase): {listed}."
        )
