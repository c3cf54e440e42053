"""``trustreach discover``: rank creators for a brief or like a creator; propose a shortlist."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import Workspace, app, console

if TYPE_CHECKING:
    from trustreach.discovery import Ranking


SHORT = {
    "audience_fit": "audience",
    "topic_fit": "topic",
    "authentic_reach": "auth. reach",
    "performance": "perform.",
    "cost": "cost",
}


class Format(StrEnum):
    table = "table"
    json = "json"
    html = "html"


def _print_table(ranking: Ranking) -> None:
    from trustreach.discovery import COMPONENTS

    q = ranking.query.describe()
    table = Table(
        title=f"Shortlist for {q['brief_id'] or 'creators like ' + str(q['like'])} "
        f"({ranking.eligible} eligible; scores describe evidence, not people)",
        show_lines=False,
    )
    table.add_column("#", justify="right")
    table.add_column("creator", overflow="fold")
    table.add_column("score", justify="right")
    for name in COMPONENTS:
        table.add_column(f"{SHORT[name]}\nw {ranking.weights[name]:.2f}", justify="right")
    for row in ranking.shortlist:
        table.add_row(
            str(row.rank),
            f"{row.display_name}\n{row.creator_id} · {row.platform}",
            f"{row.score:.2f}",
            *(f"{c.used:.2f}{'*' if c.imputed else ''}" for c in row.components),
        )
    console.print(table)
    for row in ranking.shortlist:
        console.print(f"[bold]{row.rank}. {row.display_name}[/bold] {row.explanation}")
    console.print("* not measured: counted at the candidates' median.")
    for title, findings in (
        ("Excluded by a rule", ranking.excluded),
        ("Held for human review", ranking.review),
    ):
        if not findings:
            continue
        found = Table(title=f"{title} ({len(findings)})")
        for col in ("creator", "rule", "why, with the numbers"):
            found.add_column(col, overflow="fold")
        for f in findings:
            found.add_row(f.creator_id, f.rule_id, f.reason)
        console.print(found)
    for reason, count in ranking.out_of_scope.items():
        console.print(f"Out of scope: {count} creator(s): {reason}.")
    for attribute, audit in ranking.exposure.items():
        if audit.min_impact_ratio is None:
            console.print(f"Exposure audit by {attribute}: too few declared to summarise.")
        else:
            flag = "" if audit.four_fifths_ok else " [red](below four-fifths)[/red]"
            console.print(
                f"Exposure audit by {attribute}: lowest impact ratio {audit.min_impact_ratio:.2f} "
                f"({audit.min_impact_group}){flag}."
            )
    if ranking.fair is not None:
        r, spec = ranking.fair.reranking, ranking.fair.spec
        console.print(
            f"Fair mode ({spec.attribute}={spec.value}, p={spec.p}, alpha={spec.alpha}): "
            f"utility given up {r.utility_loss:.1%}, "
            f"{r.moved} creator(s) moved off the list."
        )
    for note in ranking.notes:
        console.print(f"Note: {note}")


@app.command("discover")
def discover(
    brief: Annotated[
        Path | None, typer.Argument(help="Brief file (.yaml, .yml or .json; see docs/briefs.md).")
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            "-n",
            help="Shortlist length (default: the brief's top_n, or 10).",
            min=1,
            max=500,
        ),
    ] = None,
    like: Annotated[
        str | None, typer.Option("--like", help="Find creators similar to this creator id.")
    ] = None,
    fair: Annotated[
        str | None,
        typer.Option(
            "--fair",
            help="FA*IR re-ranking for a declared group: ATTRIBUTE=VALUE:P:ALPHA, "
            "e.g. gender=woman:0.4:0.1.",
        ),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json or html.")
    ] = Format.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write json/html here (json defaults to stdout)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Rank only; store no proposal.")
    ] = False,
    by: Annotated[str, typer.Option("--by", help="Who asks for the shortlist (recorded).")] = "cli",
    workspace: Workspace = "default",
) -> None:
    """Rank creators for a brief (or like a creator), explain every rank, audit exposure,
    and store the shortlist as a proposal awaiting human approval."""
    from trustreach.discovery import load_brief, render_shortlist_html

    parsed = load_brief(brief) if brief is not None else None
    result = services.discover(
        parsed,
        like=like,
        top_n=top,
        fair=fair,
        propose=not dry_run,
        created_by=by,
        workspace=workspace,
    )
    ranking = result.ranking
    if fmt is Format.json:
        text = json.dumps(
            {"shortlist_id": result.shortlist_id, **ranking.to_dict()}, indent=2, default=str
        )
        if output is None:
            typer.echo(text)
        else:
            output.write_text(text, encoding="utf-8")
            console.print(f"Wrote {output}")
        return
    if fmt is Format.html:
        target = output or Path(f"shortlist-{result.shortlist_id or 'draft'}.html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            render_shortlist_html(ranking, shortlist_id=result.shortlist_id), encoding="utf-8"
        )
        console.print(f"Wrote {target}")
    else:
        _print_table(ranking)
    if result.shortlist_id:
        console.print(
            f"Proposed as shortlist {result.shortlist_id}. Nothing is approved yet: "
            f"`trustreach shortlist approve {result.shortlist_id} CREATOR --by NAME --reason TEXT`."
        )
