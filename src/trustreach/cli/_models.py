"""``trustreach models list`` and ``trustreach privacy dpia``: accountability artefacts.

Each command calls one library function
(:func:`trustreach.services._model_registry.model_registry`,
:func:`trustreach.services._dpia.dpia_draft`); errors are printed by
:func:`trustreach.cli._app.main`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustreach.cli._app import Workspace, app, console, privacy_app
from trustreach.cli._formats import FormatOpt, OutputFormat
from trustreach.cli._paths import Force, check_output, replaced_note

models_app = typer.Typer(
    help="The model registry: every shipped model, its card, training command and licence.",
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list(
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List every model in use: version, card, training command, data and its licence."""
    from trustreach.services._model_registry import registry_dicts

    entries = registry_dicts()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps({"models": entries}, indent=2, ensure_ascii=False))
        return
    table = Table(title="Models in use (licences marked non-commercial need sign-off)")
    for col in ("model", "task", "card", "training data and licence", "commercial use"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(
            f"{e['version']}\n({e['kind']})",
            e["task"],
            e["card"],
            f"{e['training_data']}; {e['licence']}\n$ {e['training_command']}",
            e["commercial_use"],
        )
    console.print(table)


@privacy_app.command("dpia")
def privacy_dpia(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the draft (Markdown).")
    ],
    workspace: Workspace = "default",
    force: Force = False,
) -> None:
    """Write a DPIA draft (GDPR Art. 35) with the workspace's record of processing and models."""
    from trustreach.services._dpia import write_dpia_draft

    replaced = check_output(output, "--output", force=force)
    draft = write_dpia_draft(workspace, output, overwrite=force)
    console.print(
        f"Wrote {output}{replaced_note(replaced)}: DPIA draft of workspace {draft.workspace!r} "
        f"({len(draft.tables)} personal-data tables, {len(draft.models)} models). "
        "A machine-generated draft: a person completes, reviews and signs it."
    )
