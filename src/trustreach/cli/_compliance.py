"""``trustreach deal obligations`` and ``trustreach campaign compliance``: compliance in the
workflow.

Each command calls one service function of :mod:`trustreach.services._compliance`
(the deal's disclosure obligations) or :mod:`trustreach.services._compliance_report`
(the campaign's compliance report); errors are printed by
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
from trustreach.cli._app import Workspace, console
from trustreach.cli._campaign import CampaignId, campaign_app
from trustreach.cli._formats import FormatOpt, OutputFormat
from trustreach.cli._paths import Force, check_output, replaced_note
from trustreach.cli._shortlist import deal_app
from trustreach.core import replaced_atomically, write_text_atomically

if TYPE_CHECKING:  # the services load the store: imported when a command runs
    from trustreach.services._compliance import DealObligations

DealId = Annotated[str, typer.Argument(help="The deal's id (deal_id).")]
Jurisdiction = Annotated[
    list[str] | None,
    typer.Option(
        "--jurisdiction",
        help="us, uk or eu (repeat for several); default: the campaign's (its brand's and "
        "briefs' audience countries).",
    ),
]


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"


def _print_obligations(d: DealObligations) -> None:
    console.print(
        f"[bold]{d.deal_id}[/bold]: {d.creator_id} for {d.brand}, campaign {d.campaign_id} "
        f"({d.campaign_name}), {d.compensation}; obligations: [bold]{d.status}[/bold]"
    )
    if d.status == "none recorded":
        console.print(
            "No disclosure obligations are recorded with this deal (it was imported, not made "
            f"through the deal gate): record them with `trustreach deal obligations {d.deal_id} "
            "--record`."
        )
        return
    console.print(
        f"Jurisdictions {', '.join(d.jurisdictions)} ({d.derived_from}); rules version "
        f"{d.rules_version}; recorded by {d.recorded_by} at {d.recorded_at:%Y-%m-%d %H:%M} UTC"
    )
    if d.accepted_at is not None:
        console.print(f"Accepted by {d.accepted_by} at {d.accepted_at:%Y-%m-%d %H:%M} UTC")
    table = Table(title="Disclosure obligations", show_lines=True)
    for col in ("rule", "jurisdiction", "obligation", "source"):
        table.add_column(col, overflow="fold")
    for o in d.obligations:
        table.add_row(o.rule_id, o.jurisdiction, o.text, o.source)
    console.print(table)


@deal_app.command("obligations")
def obligations(
    deal: DealId,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Record the obligations of a deal that has none (one imported from a file).",
        ),
    ] = False,
    jurisdiction: Jurisdiction = None,
    fmt: FormatOpt = OutputFormat.table,
    workspace: Workspace = "default",
) -> None:
    """A deal's disclosure obligations and whether the creator accepted them; with
    --record, record them for a deal that has none (audited)."""
    from trustreach.services import _compliance

    actor = services.cli_actor(workspace)
    if record:
        d = _compliance.record_deal_obligations(deal, actor=actor, jurisdictions=jurisdiction)
    else:
        if jurisdiction:
            raise typer.BadParameter("--jurisdiction is used with --record only")
        d = _compliance.deal_obligations_of(deal, actor=actor)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(d.to_dict(), indent=2))
        return
    if record:
        console.print(
            "Recorded." if d.changed else "Already recorded with these jurisdictions; unchanged."
        )
    _print_obligations(d)


@campaign_app.command("compliance")
def compliance(
    campaign: CampaignId,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html, pdf or json.")
    ] = ReportFormat.html,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The file to write (json: default the screen)."),
    ] = None,
    jurisdiction: Jurisdiction = None,
    workspace: Workspace = "default",
    force: Force = False,
) -> None:
    """The campaign's disclosure compliance report: each post's status with the rule ids,
    the evidence in the caption and a suggested fix; each deal's obligations and whether
    the creator accepted them. Machine-generated evidence for a person to review, not
    legal advice."""
    from trustreach.services import _compliance_report

    if output is None and fmt is not ReportFormat.json:
        raise typer.BadParameter(f"--output is required for --format {fmt.value}")
    replaced = check_output(output, "--output", force=force) if output is not None else False
    report = _compliance_report.campaign_compliance(
        campaign, actor=services.cli_actor(workspace), jurisdictions=jurisdiction
    )
    if fmt is ReportFormat.json:
        text = json.dumps(report.to_dict(), indent=2)
        if output is None:
            typer.echo(text)
            return
        write_text_atomically(output, text + "\n")
    elif fmt is ReportFormat.pdf:
        assert output is not None
        pdf = services.html_to_pdf(_compliance_report.render_compliance_html(report))
        with replaced_atomically(output) as tmp:
            tmp.write_bytes(pdf)
    else:
        assert output is not None
        write_text_atomically(output, _compliance_report.render_compliance_html(report))
    console.print(
        f"Wrote {output}{replaced_note(replaced)}: {report.summary()} (machine-generated; "
        "evidence for a person to review, not legal advice)"
    )
