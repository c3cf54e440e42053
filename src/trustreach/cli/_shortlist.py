"""``trustreach shortlist`` and ``trustreach deal``: human approval before anything is contracted.

Each command calls one service function; errors (for example
:class:`~trustreach.services.ApprovalRequired`) are printed by
:func:`trustreach.cli._app.main` and exit with status 2.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import CREATOR_HELP, Workspace, _named, app, console
from trustreach.cli._formats import FormatOpt, OutputFormat
from trustreach.core import money, plural
from trustreach.ingest import Compensation

shortlist_app = typer.Typer(
    help="Proposed shortlists: approve, reject or add creators (a named person decides).",
    no_args_is_help=True,
)
deal_app = typer.Typer(
    help="Deals: contracted only for creators approved on a shortlist.", no_args_is_help=True
)
app.add_typer(shortlist_app, name="shortlist")
app.add_typer(deal_app, name="deal")

ShortlistId = Annotated[str, typer.Argument(help="The shortlist id (sl-…).")]
CreatorId = Annotated[str, typer.Argument(help=CREATOR_HELP)]
By = Annotated[str, typer.Option("--by", help="Who decides: a named person.")]
Reason = Annotated[str, typer.Option("--reason", help="Why, in words kept with the decision.")]


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _print_shortlist(s: services.Shortlist) -> None:
    campaign = f", campaign {s.campaign_id}" if s.campaign_id else ""
    console.print(
        f"[bold]{s.shortlist_id}[/bold] for brief {s.brief_id}{campaign}: {s.status}; "
        f"proposed {s.created_at:%Y-%m-%d %H:%M} UTC by {s.created_by}"
    )
    if s.model_versions:
        versions = ", ".join(f"{k} {v}" for k, v in sorted(s.model_versions.items()))
        console.print(f"Models: {versions}")
    table = Table(title="Entries (scores describe evidence, not people)", show_lines=True)
    for col in ("#", "creator", "score", "source", "status", "decided by / why", "explanation"):
        table.add_column(col, overflow="fold", justify="right" if col in ("#", "score") else "left")
    for e in s.entries:
        table.add_row(
            "" if e.rank is None else str(e.rank),
            _named(e.display_name, e.creator_id),
            "" if e.score is None else f"{e.score:.2f}",
            e.source if e.source == "ranked" else f"override by {e.added_by}",
            e.status,
            "" if e.decided_by is None else f"{e.decided_by}: {e.decision_reason}",
            e.explanation,
        )
    console.print(table)


@shortlist_app.command("show")
def shortlist_show(
    shortlist: ShortlistId,
    fmt: FormatOpt = OutputFormat.table,
    workspace: Workspace = "default",
) -> None:
    """Show a shortlist: ranked and added creators, each one's status, every decision."""
    s = services.get_shortlist(shortlist, workspace=workspace)
    if fmt is OutputFormat.json:
        console.print_json(json.dumps(_jsonable(asdict(s))))
    else:
        _print_shortlist(s)


@shortlist_app.command("list")
def shortlist_list(
    workspace: Workspace = "default",
    campaign: Annotated[str | None, typer.Option(help="Only this campaign's shortlists.")] = None,
) -> None:
    """List shortlists, newest first, with how many creators are approved or pending."""
    table = Table(title=f"Shortlists in workspace '{workspace}'")
    for col in ("shortlist", "brief", "campaign", "proposed", "status", "entries", "approved"):
        table.add_column(col, overflow="fold")
    for s in services.list_shortlists(workspace=workspace, campaign_id=campaign):
        table.add_row(
            s.shortlist_id,
            s.brief_id,
            s.campaign_id or "",
            f"{s.created_at:%Y-%m-%d %H:%M}",
            s.status,
            str(len(s.entries)),
            str(len(s.approved)),
        )
    console.print(table)


def _decide(shortlist: str, creator: str, decision: str, by: str, reason: str, ws: str) -> None:
    creator = services.resolve_creator(creator, workspace=ws)
    s = services.decide(shortlist, creator, decision, decided_by=by, reason=reason, workspace=ws)
    last = s.decisions[-1]
    console.print(
        f"{creator} {decision} on {shortlist} by {last.decided_by}; audit record #{last.audit_seq}"
    )


@shortlist_app.command("approve")
def shortlist_approve(
    shortlist: ShortlistId,
    creator: CreatorId,
    by: By,
    reason: Reason,
    workspace: Workspace = "default",
) -> None:
    """Approve a creator on a shortlist (the latest decision counts; all are kept)."""
    _decide(shortlist, creator, "approved", by, reason, workspace)


@shortlist_app.command("reject")
def shortlist_reject(
    shortlist: ShortlistId,
    creator: CreatorId,
    by: By,
    reason: Reason,
    workspace: Workspace = "default",
) -> None:
    """Reject a creator on a shortlist, with the reason."""
    _decide(shortlist, creator, "rejected", by, reason, workspace)


@shortlist_app.command("add")
def shortlist_add(
    shortlist: ShortlistId,
    creator: CreatorId,
    by: By,
    reason: Reason,
    workspace: Workspace = "default",
) -> None:
    """Add a creator the ranking did not propose (an override); they still need approval."""
    creator = services.resolve_creator(creator, workspace=workspace)
    s = services.add_override(shortlist, creator, added_by=by, reason=reason, workspace=workspace)
    console.print(
        f"{creator} added to {s.shortlist_id} by {by} (override, pending approval); "
        f"{plural(len(s.entries), 'creator')} on the shortlist."
    )


@deal_app.command("create")
def deal_create(
    shortlist: ShortlistId,
    creator: CreatorId,
    deal_id: Annotated[str, typer.Option("--deal-id", help="The new deal's id.")],
    compensation: Annotated[
        Compensation, typer.Option(help="What the creator receives (a material connection).")
    ],
    amount: Annotated[
        float | None,
        typer.Option(min=0, help="Amount (required, and positive, for a fee)."),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            help="ISO 4217 currency of the amount, one of the shipped exchange-rate snapshot "
            "(an unknown code is refused, listing them); default: the campaign's currency, "
            "else the brief's budget currency."
        ),
    ] = None,
    campaign: Annotated[
        str | None,
        typer.Option(
            help="Campaign, when the shortlist is not for one: a campaign of the shortlist's "
            "brand that runs on the signing date."
        ),
    ] = None,
    signed_on: Annotated[
        datetime | None,
        typer.Option(
            "--signed-on",
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="Signing date (YYYY-MM-DD; default today, UTC); the campaign must run on it.",
        ),
    ] = None,
    affiliate_code: Annotated[
        str | None, typer.Option("--affiliate-code", help="Affiliate code, if any.")
    ] = None,
    jurisdiction: Annotated[
        list[str] | None,
        typer.Option(
            "--jurisdiction",
            help="Whose disclosure rules the creator accepts with the deal: us, uk or eu "
            "(repeat for several); default: the campaign's (its brand's and briefs' audience "
            "countries).",
        ),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who creates the deal.")] = "cli",
    workspace: Workspace = "default",
) -> None:
    """Create a deal for a creator approved on the shortlist (refused otherwise)."""
    d = services.create_deal(
        shortlist,
        services.resolve_creator(creator, workspace=workspace),
        deal_id=deal_id,
        compensation=compensation.value,
        amount=amount,
        currency=currency,
        campaign_id=campaign,
        affiliate_code=affiliate_code,
        signed_on=signed_on.date() if signed_on else None,
        jurisdictions=jurisdiction or None,
        created_by=by,
        workspace=workspace,
    )
    if d.created:
        console.print(
            f"Deal {d.deal_id} created for {d.creator_id} in campaign {d.campaign_id}, "
            f"signed {d.signed_on}, {d.compensation}"
            + (f" {money(d.amount, d.currency)}" if d.amount is not None else "")
            + (f" (currency: the {d.currency_from}'s)" if d.currency_from != "given" else "")
            + " "
            f"(a material connection: posts under it must be disclosed); "
            f"audit record #{d.audit_seq}"
        )
        console.print(
            f"Disclosure obligations recorded ({', '.join(d.jurisdictions)}): "
            f"{', '.join(d.obligations)}; {d.obligations_status} by the creator "
            f"(`trustreach deal obligations {d.deal_id}`)."
        )
    else:
        console.print(f"Deal {d.deal_id} already exists with these values; nothing changed.")
