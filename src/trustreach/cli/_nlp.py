"""``trustreach nlp``: language, sentiment and brand safety of a file of comments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import Safety, Tier, _progress, app, console
from trustreach.cli._paths import Force, check_output, replaced_note

nlp_app = typer.Typer(
    help="Conversation intelligence on files of comments: sentiment, brand safety, language.",
    no_args_is_help=True,
)
app.add_typer(nlp_app, name="nlp")


@nlp_app.command("analyze")
def analyze(
    source: Annotated[
        Path,
        typer.Argument(
            help="Comments: .txt (one per line), .jsonl (a 'text' field) or .csv (a 'text' column)."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output .csv, one row per input.")],
    tier: Annotated[
        Tier, typer.Option(help="Sentiment model: fast (linear), accurate (transformer), lexicon.")
    ] = Tier.fast,
    safety: Annotated[
        Safety,
        typer.Option(
            help="Brand safety: accurate (transformer) or fast (linear, for firehose volumes)."
        ),
    ] = Safety.accurate,
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id-column",
            help="CSV column or JSONL field holding each record's id; it is copied into the "
            "output as the first column so results join back to the input.",
        ),
    ] = None,
    force: Force = False,
) -> None:
    """Language, sentiment and brand safety of every comment, one CSV row each in input order.

    Nothing about a comment stops the run: invalid UTF-8, control characters,
    very long or empty texts and broken records are flagged per row. Every
    row has a status: scored, or not_scored with a reason (no_text,
    unsupported_language, invalid_record) and empty labels. Short texts whose
    language cannot be placed are scored when English-like or emoji-only,
    flagged language_uncertain; texts a model read only the start of are
    flagged truncated.
    """
    replaced = check_output(output, "--output", force=force, inputs={"SOURCE": source})
    with _progress("comments") as bar:
        task = bar.add_task(f"analysing ({tier.value} tier, {safety.value} safety)", total=None)
        report = services.analyze_file(
            source,
            output,
            tier=tier.value,
            safety=safety.value,
            id_column=id_column,
            progress=lambda n: bar.advance(task, n),
        )
    rate = report.rows / report.seconds if report.seconds else 0.0
    table = Table(title=f"{report.rows:,} comments ({report.scored:,} scored)")
    table.add_column("measure")
    table.add_column("rows", justify="right")
    for label, n in report.sentiment.items():
        table.add_row(f"sentiment {label}", f"{n:,}")
    for reason, n in report.not_scored.items():
        table.add_row(f"not scored: {reason}", f"{n:,}")
    table.add_row("offensive language flagged", f"{report.offensive:,}")
    table.add_row("hate speech flagged", f"{report.hate:,}")
    for flag, n in report.flags.items():
        table.add_row(f"flag {flag}", f"{n:,}")
    console.print(table)
    models = ", ".join(f"{task} {version}" for task, version in report.models.items())
    console.print(
        f"Models: {models}. Flags are evidence about comments for a person to review, "
        f"not verdicts about their authors. Wrote {report.output}{replaced_note(replaced)} "
        f"({rate:,.0f} comments/s); audit record #{report.audit_seq}."
    )
