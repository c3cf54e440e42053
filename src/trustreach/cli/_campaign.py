"""``trustreach campaign``: a campaign's KPIs (each with its formula) and its report.

Each command calls one service function (:func:`trustreach.services.campaign_kpis`,
:func:`trustreach.services.campaign_report_html`); errors are printed by
:func:`trustreach.cli._app.main`.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import Workspace, app, console
from trustreach.cli._paths import Force, check_output, replaced_note
from trustreach.core import replaced_atomically, write_text_atomically

if TYPE_CHECKING:
    from trustreach.campaigns import KpiReport

campaign_app = typer.Typer(
    help="Campaigns: KPIs side by side with their formulas, and reports.", no_args_is_help=True
)
app.add_typer(campaign_app, name="campaign")

CampaignId = Annotated[str, typer.Argument(help="The campaign's id (campaign_id).")]


class By(StrEnum):
    """Breakdowns of ``campaign kpis``."""

    creator = "creator"
    post = "post"
    day = "day"


class KpiFormat(StrEnum):
    table = "table"
    json = "json"


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"


def _print_report(report: KpiReport) -> None:
    from trustreach.campaigns import (
        FORMULAS,
        LABELS,
        REACH_KEYS,
        RESULT_KEYS,
        format_kpi,
        roi_text,
    )

    top = report.campaign
    console.print(
        f"[bold]{report.name}[/bold] ({report.campaign_id}), money in {report.currency}; "
        f"figures as of {format_kpi(top.kpis['as_of'])}"
    )
    table = Table(title="The campaign (each figure with its formula)", show_lines=False)
    for col in ("figure", "value", "formula, or why it is not computed"):
        table.add_column(col, overflow="fold", justify="right" if col == "value" else "left")
    for name, kpi in top.kpis.items():
        if name in ("roi_low", "roi_high"):
            continue
        value = roi_text(top) if name == "roi" else format_kpi(kpi)
        table.add_row(LABELS.get(name, name), value, kpi.reason or FORMULAS.get(name, ""))
    console.print(table)
    rules = ", ".join(f"{k}: {v}" for k, v in report.attribution.items())
    console.print(f"Orders by attribution rule: {rules}. Exchange rates: {report.fx}.")
    for note in report.notes:
        console.print(f"Note: {note}")
    if report.by is None:
        return
    for part, keys in (("reach and engagement", REACH_KEYS), ("cost and results", RESULT_KEYS)):
        rows = Table(title=f"Per {report.by}: {part}")
        rows.add_column(report.by, overflow="fold")
        for key in keys:
            rows.add_column(LABELS[key], justify="right", overflow="fold")
        for r in report.rows:
            rows.add_row(r.label, *(format_kpi(r.kpis[k]) for k in keys))
        console.print(rows)
    if report.by == "creator":
        for r in report.rows:
            k = r.kpis["paid_organic_ratio"]
            shown = f"{k.value:.2f}" if isinstance(k.value, float) else f"– ({k.reason})"
            console.print(f"Paid / organic engagement rate, {r.label}: {shown}")


@campaign_app.command("kpis")
def kpis(
    campaign: CampaignId,
    by: Annotated[By | None, typer.Option("--by", help="One row per creator, post or day.")] = None,
    fmt: Annotated[
        KpiFormat, typer.Option("--format", "-f", help="table or json.")
    ] = KpiFormat.table,
    emv: Annotated[
        bool,
        typer.Option(
            "--emv",
            help="Also compute EMV (earned media value): a convention that prices attention, "
            "labelled 'not revenue'.",
        ),
    ] = False,
    window_days: Annotated[
        float,
        typer.Option(
            "--window-days",
            min=0.001,
            help="Last-touch window: a click counts for an order at most this many days later.",
        ),
    ] = 30,
    workspace: Workspace = "default",
) -> None:
    """A campaign's KPIs side by side: reach, engagement rates by followers, reach and views,
    CPM/CPE/CPC/CPA, conversions, attributed revenue, ROAS, ROI with its interval; each
    with its formula, its currency where it is money, and the reason where it is null."""
    report = services.campaign_kpis(
        campaign,
        by=None if by is None else by.value,
        emv=emv,
        window_days=window_days,
        workspace=workspace,
    )
    if fmt is KpiFormat.json:
        typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        _print_report(report)


@campaign_app.command("report")
def report(
    campaign: CampaignId,
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html or pdf.")
    ] = ReportFormat.html,
    emv: Annotated[
        bool, typer.Option("--emv", help="Also show EMV, labelled 'not revenue'.")
    ] = False,
    workspace: Workspace = "default",
    force: Force = False,
) -> None:
    """Write the campaign's KPI report (per creator and per day, every formula) as HTML or
    PDF (the same page printed for A4)."""
    replaced = check_output(output, "--output", force=force)
    html = services.campaign_report_html(campaign, emv=emv, workspace=workspace)
    if fmt is ReportFormat.pdf:
        pdf = services.html_to_pdf(html)
        with replaced_atomically(output) as tmp:
            tmp.write_bytes(pdf)
    else:
        write_text_atomically(output, html)
    console.print(f"Wrote {output}{replaced_note(replaced)}")
