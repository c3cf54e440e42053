"""``trustreach audit``: verify the chain, show records, record a recovery, export a checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import audit_app, console, err_console
from trustreach.cli._paths import check_output, replaced_note
from trustreach.core import plural, write_text_atomically


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint file from `audit checkpoint` that the chain must still hold "
            "(repeatable).",
        ),
    ] = None,
) -> None:
    """Check the hash chain against its anchor; name every changed, deleted or added record.

    Exits 3 when a break is found that no recovery record acknowledges.
    """
    points = [services.read_checkpoint(p) for p in checkpoint or []]
    verdict = services.inspect_audit_log(checkpoints=points)
    for entry in verdict.recoveries:
        details = entry.details_dict()
        console.print(
            f"Record #{entry.seq} is a recovery recorded by {entry.actor} on "
            f"{entry.recorded_at:%Y-%m-%d %H:%M} UTC: {details.get('reason', '')}"
        )
    acknowledged = [b for b in verdict.breaks if b.acknowledged_by is not None]
    for found in acknowledged:
        console.print(
            f"  acknowledged by record #{found.acknowledged_by}: record {found.seq}: {found.reason}"
        )
    open_breaks = verdict.unacknowledged
    for found in open_breaks[1:]:
        err_console.print(f"also: record {found.seq}: {found.reason}")
    if open_breaks:
        raise open_breaks[0].error()
    if verdict.head is None:
        console.print("Audit log is empty.")
        return
    state = "intact" if not verdict.breaks else "verifies (earlier breaks acknowledged above)"
    checked = f"; {plural(len(points), 'checkpoint')} held" if points else ""
    console.print(
        f"Audit log {state}: {plural(verdict.records, 'record')}, head #{verdict.head.seq} "
        f"{verdict.head.hash[:16]}…{checked}"
    )


@audit_app.command("log")
def audit_log(
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Only this workspace.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many of the latest records.")] = 20,
) -> None:
    """Show the latest audit records."""
    table = Table(title="Audit log")
    for col in ("seq", "when (UTC)", "workspace", "actor", "action", "subject", "model", "hash"):
        table.add_column(col)
    for e in services.list_audit(workspace=workspace, limit=limit):
        model = f"{e.model_name} {e.model_version}" if e.model_name else ""
        table.add_row(
            str(e.seq),
            e.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.workspace or "",
            e.actor,
            e.action,
            e.subject or "",
            model,
            e.hash[:12],
        )
    console.print(table)


@audit_app.command("recover")
def audit_recover(
    by: Annotated[str, typer.Option("--by", help="The person recording the recovery.")],
    reason: Annotated[
        str, typer.Option("--reason", help="What was found and what was done about it.")
    ],
) -> None:
    """Record, as an audit record, that a person has looked into the chain's breaks.

    The breaks stay visible: `audit verify` lists them as acknowledged by this
    record. Writing commands, refused while the chain does not verify, work again.
    """
    recovery = services.recover_audit_log(by=by, reason=reason)
    if recovery is None:
        console.print("The audit log verifies: nothing to recover, nothing written.")
        return
    console.print(
        f"Recorded recovery as audit record #{recovery.seq} by {by}; it acknowledges "
        f"{plural(len(recovery.breaks), 'break')}:"
    )
    for found in recovery.breaks:
        console.print(f"  record {found.seq}: {found.reason}")


@audit_app.command("checkpoint")
def audit_checkpoint(
    out: Annotated[Path, typer.Option("--out", "-o", help="The checkpoint file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Export the verified head of the chain, to keep where this store's writers cannot reach
    (write-once storage, another system, print).

    `audit verify --checkpoint FILE` later checks that the chain still holds it.
    """
    replaced = check_output(out, "--out", force=force)
    document = services.export_checkpoint()
    write_text_atomically(out, json.dumps(document, indent=2) + "\n")
    console.print(
        f"Wrote checkpoint of record #{document['seq']} to {out}{replaced_note(replaced)}"
    )
