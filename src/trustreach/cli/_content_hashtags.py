"""``trustreach content hashtags``: hashtag suggestions for a caption and/or an account.

Calls one library function (:func:`trustreach.services.suggest_hashtags`);
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


@content_app.command("hashtags")
def hashtags(
    caption: Annotated[
        str | None,
        typer.Option("--caption", help="The draft caption (tags already in it are kept out)."),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help="An account_id, @handle or handle@platform."),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=1, max=50, help="How many suggestions (1 to 50).")
    ] = 10,
    fmt: FormatOpt = OutputFormat.table,
    workspace: Workspace = "default",
) -> None:
    """Hashtags for a caption or an account: relevance, reach lift with interval, saturation."""
    from trustreach import services
    from trustreach.ethics.disclosure import machine_generated_note
    from trustreach.services._content_hashtags import NOTE

    result = services.suggest_hashtags(
        actor=services.cli_actor(workspace),
        caption=caption,
        account=account,
        workspace=workspace,
        top=top,
    )
    data = result.to_dict()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if result.account_id:
        subject = f"@{result.handle} on {result.platform} ({result.account_id})"
    else:
        subject = "the caption"
    niches = ", ".join(data["niches"]) or "none"
    ev = data["evidence"]
    table = Table(
        title=f"Hashtags for {subject}: niche {niches}; {ev['account_posts']} own posts, "
        f"{ev['peer_posts']} peer posts, {ev['candidates']} candidate tags"
    )
    for col in (
        "tag",
        "score",
        "relevance",
        "reach lift",
        "90% interval",
        "posts with / without",
        "saturation",
        "why",
    ):
        table.add_column(col, overflow="fold")
    for s in data["suggestions"]:
        low, high = s["lift_interval"]
        sat = f"{s['saturation']:.1%}" + (" (too generic)" if s["saturated"] else "")
        table.add_row(
            f"#{s['tag']}",
            f"{s['score']:.2f}",
            f"{s['relevance']:.2f}",
            f"{s['reach_lift']:+.0%} ({s['reach_signal']})",
            f"{low:+.0%} to {high:+.0%}",
            f"{s['posts_with']} / {s['posts_without']} ({s['basis']})",
            sat,
            s["reason"],
        )
    if table.row_count:
        console.print(table)
    else:
        console.print("No hashtag to suggest.")
    if data["excluded"]:
        left = ", ".join(f"#{e['tag']} ({e['group'].replace('_', ' ')})" for e in data["excluded"])
        console.print(f"Never suggested: {left}.")
    for note in data["notes"]:
        console.print(f"Note: {note}.")
    model = f"{data['method']} {data['method_version']}; {data['embedding']}"
    footer = machine_generated_note(NOTE + ".", model)
    console.print(f"[dim]{footer} Audit record {result.audit_seq}.[/dim]")
