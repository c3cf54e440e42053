"""``trustreach discover``: rank creators for a brief or like a creator; propose a shortlist."""

from __future__ import annotations

import io
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from trustreach import services
from trustreach.cli._app import Workspace, app, console
from trustreach.cli._paths import Force, check_output, replaced_note
from trustreach.core import check_output_folder, write_text_atomically

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


def print_ranking(ranking: Ranking, *, explain: bool = True, out: Console | None = None) -> None:
    """The ranked table (components and audience risk), held and excluded creators,
    scope, the exposure audit and fair mode's effect; with ``explain``, every rank's why.
    ``out`` is where to print (the terminal's console by default)."""
    out = out or console
    from trustreach.core import plural
    from trustreach.discovery import COMPONENTS, exposure_line, fair_effect

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
    table.add_column("audience audit\nAQ · fake (95% CI) · signals", overflow="fold")
    for row in ranking.shortlist:
        table.add_row(
            str(row.rank),
            f"{row.display_name}\n{row.creator_id} · {row.platform}",
            f"{row.score:.2f}",
            *(f"{c.used:.2f}{'*' if c.imputed else ''}" for c in row.components),
            row.risk.short() if row.risk else "not audited",
        )
    out.print(table)
    if explain:
        for row in ranking.shortlist:
            out.print(
                f"[bold]{row.rank}. {row.display_name}[/bold] ({row.creator_id}) {row.explanation}"
            )
    out.print(
        "* not measured: counted at the candidates' median. AQ: Audience Quality 0-100; "
        "fake: share of sampled followers that look inauthentic."
    )
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
            found.add_row(ranking.name(f.creator_id), f.rule_id, f.reason)
        out.print(found)
    for reason, count in ranking.out_of_scope.items():
        out.print(f"Out of scope: {plural(count, 'creator')}: {reason}.")
    for attribute, audit in ranking.exposure.items():
        line = exposure_line(attribute, audit)
        out.print(f"[red]{line}[/red]" if audit.four_fifths_flagged_by else line, markup=True)
    effect = fair_effect(ranking)
    if ranking.fair is not None and effect is not None:
        spec = ranking.fair.spec
        out.print(
            f"[bold]{effect.sentence()}[/bold] (FA*IR p={spec.p}, alpha={spec.alpha}; "
            "before: ranked by score alone)"
        )
    for note in ranking.notes:
        out.print(f"Note: {note}")


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
        str | None,
        typer.Option(
            "--like", help="Find creators similar to this creator (id, unique name or handle)."
        ),
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
        typer.Option(
            "--output",
            "-o",
            help="Write the table (plain text), json or html here (table and json default "
            "to stdout).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Rank only; store no proposal.")
    ] = False,
    by: Annotated[str, typer.Option("--by", help="Who asks for the shortlist (recorded).")] = "cli",
    fx_rates: Annotated[
        Path | None,
        typer.Option(
            "--fx-rates",
            help="Exchange-rate table (CSV, YAML or JSON: currency, rate, base, date) for fees "
            "in another currency than the budget's (default: the shipped ECB snapshot; "
            "see docs/discovery.md).",
        ),
    ] = None,
    workspace: Workspace = "default",
    force: Force = False,
) -> None:
    """Rank creators for a brief (or like a creator), explain every rank, audit exposure,
    and store the shortlist as a proposal awaiting human approval."""
    from trustreach.discovery import load_brief  # the ranking's modules load after the brief

    replaced = False
    if output is not None:
        inputs = {"BRIEF": brief, "--fx-rates": fx_rates}
        replaced = check_output(output, "--output", force=force, inputs=inputs)
    elif fmt is Format.html and dry_run:  # the default file of a draft is always the same
        replaced = check_output(Path("shortlist-draft.html"), "--format html", force=force)
    elif fmt is Format.html:  # named after the new shortlist's (unique) id
        check_output_folder(Path.cwd(), option="--format html", overwrite=True)
    parsed = load_brief(brief) if brief is not None else None
    result = services.discover(
        parsed,
        like=like,
        top_n=top,
        fair=fair,
        propose=not dry_run,
        created_by=by,
        workspace=workspace,
        fx_rates=fx_rates,
    )
    ranking = result.ranking
    if fmt is Format.json:
        text = json.dumps(
            {"shortlist_id": result.shortlist_id, **ranking.to_dict()}, indent=2, default=str
        )
        if output is None:
            typer.echo(text)
        else:
            write_text_atomically(output, text)
            console.print(f"Wrote {output}{replaced_note(replaced)}")
        return
    if fmt is Format.html:
        from trustreach.discovery import render_shortlist_html

        target = output or Path(f"shortlist-{result.shortlist_id or 'draft'}.html")
        write_text_atomically(
            target, render_shortlist_html(ranking, shortlist_id=result.shortlist_id)
        )
        console.print(f"Wrote {target}{replaced_note(replaced)}")
    elif output is not None:
        # a file is not a terminal: plain text, no wrapping at 80 columns
        buffer = io.StringIO()
        print_ranking(ranking, out=Console(file=buffer, width=160, no_color=True))
        write_text_atomically(output, Text.from_ansi(buffer.getvalue()).plain)
        console.print(f"Wrote {output}{replaced_note(replaced)}")
    else:
        print_ranking(ranking)
    if result.shortlist_id:
        console.print(
            f"Proposed as shortlist {result.shortlist_id}. Nothing is approved yet: "
            f"`trustreach shortlist approve {result.shortlist_id} CREATOR --by NAME --reason TEXT`."
        )
