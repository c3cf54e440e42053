"""``trustreach conversation``: label imported comments, read summaries, correct labels
(``trustreach privacy enforce-retention``, in :mod:`trustreach.cli._retention`, lets raw
comment text expire with every other table's data)."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import (
    Safety,
    Tier,
    Workspace,
    _progress,
    app,
    console,
)
from trustreach.cli._paths import Force, check_output, replaced_note

conversation_app = typer.Typer(
    help="Conversation intelligence on imported comments: labels, summaries, corrections.",
    no_args_is_help=True,
)
app.add_typer(conversation_app, name="conversation")


class Scope(StrEnum):
    creator = "creator"
    campaign = "campaign"
    post = "post"


@conversation_app.command("analyze")
def analyze(
    tier: Annotated[Tier, typer.Option(help="Sentiment: fast, accurate or lexicon.")] = Tier.fast,
    safety: Annotated[
        Safety, typer.Option(help="Brand safety: accurate (transformer) or fast (linear).")
    ] = Safety.accurate,
    workspace: Workspace = "default",
) -> None:
    """Label every comment not labelled yet and refresh the daily aggregates."""
    with _progress("comments") as bar:
        task = bar.add_task("labelling comments", total=None)
        report = services.analyze_comments(
            workspace=workspace,
            tier=tier.value,
            safety=safety.value,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    console.print(
        f"Labelled {report.labelled:,} comment(s) on {report.posts:,} post(s) "
        f"({report.days:,} post-days) with {report.model}"
        + (f"; audit record #{report.audit_seq}." if report.audit_seq else ".")
    )


def print_summary(summary: services.ConversationSummary) -> None:
    """The summary as Rich tables (shared with the demo)."""
    table = Table(
        title=f"Conversation on {summary.scope} {summary.scope_id}: {summary.comments:,} comments, "
        f"{summary.scored:,} scored (shares with 95% intervals)"
    )
    for column in ("measure", "share", "95% interval", "count"):
        table.add_column(column)
    rows = [(name, share) for name, share in summary.sentiment.items()]
    rows += [("unsafe (offensive or hate)", summary.unsafe), ("offensive", summary.offensive)]
    rows += [("hate", summary.hate)]
    for name, share in rows:
        table.add_row(
            name,
            "–" if share.share is None else f"{share.share:.1%}",
            f"{share.low:.1%}–{share.high:.1%}",
            f"{share.count:,}",
        )
    console.print(table)
    trend = (
        "no trend (fewer than three scored days)"
        if summary.trend_per_week is None
        else _signed(summary.trend_per_week, 3) + " per week"
    )
    mean = "–" if summary.mean_score is None else _signed(summary.mean_score, 2)
    console.print(
        f"Mean sentiment score {mean} (−1 to +1); trend {trend}; "
        f"{summary.corrected} label(s) corrected by people."
    )
    for polarity, found in summary.themes.items():
        if found:
            phrases = ", ".join(f"{t['phrase']} ({t['count']})" for t in found[:6])
            console.print(f"Themes of {polarity} comments: {phrases}")
    for note in summary.notes:
        console.print(f"Note: {note}")


@conversation_app.command("summary")
def summary(
    scope: Annotated[Scope, typer.Argument(help="creator, campaign or post.")],
    scope_id: Annotated[
        str,
        typer.Argument(help="Its id; for a creator also a display name or handle."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    workspace: Workspace = "default",
) -> None:
    """Sentiment distribution, unsafe share, daily trend and themes of the comments."""
    if scope is Scope.creator:
        scope_id = services.resolve_creator(scope_id, workspace=workspace)
    result = services.conversation_summary(scope.value, scope_id, workspace=workspace)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, default=str))
    else:
        print_summary(result)


@conversation_app.command("correct")
def correct(
    comment: Annotated[str, typer.Argument(help="Comment id.")],
    field: Annotated[str, typer.Option("--field", help="sentiment, offensive or hate.")],
    value: Annotated[
        str, typer.Option("--value", help="negative/neutral/positive, or true/false.")
    ],
    by: Annotated[str, typer.Option("--by", help="Who corrects (recorded).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
    workspace: Workspace = "default",
) -> None:
    """Correct a machine label; kept, audit-logged, counted in aggregates, exportable."""
    seq = services.correct_label(
        comment, field, value, corrected_by=by, reason=reason, workspace=workspace
    )
    console.print(f"Corrected {field} of {comment} to {value}; audit record #{seq}.")


@conversation_app.command("export-corrections")
def export_corrections(
    output: Annotated[Path, typer.Argument(help="CSV to write.")],
    workspace: Workspace = "default",
    force: Force = False,
) -> None:
    """Write people's corrections (with the text, where retained) as extra training data."""
    replaced = check_output(output, "OUTPUT", force=force)
    count = services.export_corrections(output, workspace=workspace)
    console.print(f"Wrote {count} correction(s) to {output}{replaced_note(replaced)}")


def _signed(value: float, digits: int) -> str:
    """``+0.12``/``-0.12``; a value that rounds to zero is ``0.000``, never ``-0.000``."""
    text = f"{value:+.{digits}f}"
    return text[1:] if float(text) == 0 else text
