"""``trustreach content best-times ACCOUNT``: the best windows of the week to post.

Calls one library function (:func:`trustreach.services.best_times`);
errors are printed by :func:`trustreach.cli._app.main`.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from trustreach.cli._app import Workspace, console
from trustreach.cli._content import content_app
from trustreach.cli._formats import FormatOpt, OutputFormat


@content_app.command("best-times")
def best_times(
    account: Annotated[
        str, typer.Argument(help="An account_id, @handle or handle@platform.", show_default=False)
    ],
    top: Annotated[
        int, typer.Option("--top", min=1, max=10, help="How many windows (1 to 10).")
    ] = 3,
    fmt: FormatOpt = OutputFormat.table,
    workspace: Workspace = "default",
) -> None:
    """Best windows of the week to post on an account: lift, interval and the posts behind it."""
    from trustreach import services
    from trustreach.ethics.disclosure import machine_generated_note

    actor = services.cli_actor(workspace)
    result = services.best_times(account, actor=actor, workspace=workspace, top=top)
    data = result.to_dict()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    table = Table(
        title=f"Best times to post: @{result.handle} on {result.platform} ({result.account_id})"
    )
    for col in (
        "window (audience time)",
        "UTC",
        "lift",
        "90% interval",
        "own / peer posts",
        "own share",
    ):
        table.add_column(col, overflow="fold")
    for w in data["windows"]:
        ev = w["evidence"]
        low, high = w["interval"]
        table.add_row(
            w["local"],
            w["utc"],
            f"{w['lift']:+.0%}",
            f"{low:+.0%} to {high:+.0%}",
            f"{ev['own_posts']} / {ev['peer_posts']}",
            f"{ev['account_share']:.0%}",
        )
    console.print(table)
    console.print(data["statement"])
    for w in data["windows"]:
        console.print(f"- {w['reason']}")
    console.print(
        machine_generated_note(
            "expected lifts from this account's and its peers' posts; a person decides.",
            f"{data['method']} {data['method_version']}",
        )
    )
