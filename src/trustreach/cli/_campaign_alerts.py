"""``trustreach campaign alerts|forecast|target|alert-webhook``: pacing and alerts.

Each command calls one service function (:mod:`trustreach.services._alerts`,
:mod:`trustreach.services._pacing`); errors are printed by
:func:`trustreach.cli._app.main`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import Workspace, console
from trustreach.cli._campaign import CampaignId, KpiFormat, campaign_app
from trustreach.core import ConfigurationError


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigurationError(
            f"as_of {text!r} not allowed; allowed: an ISO 8601 date or moment, "
            "e.g. 2026-10-05T12:00Z"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@campaign_app.command("alerts")
def alerts(
    campaign_id: CampaignId,
    check: Annotated[
        bool, typer.Option("--check", help="Run the rules now (raise, refresh, resolve, deliver).")
    ] = False,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="Only alerts in this status (open, acknowledged, snoozed, resolved)."
        ),
    ] = None,
    fmt: Annotated[
        KpiFormat, typer.Option("--format", "-f", help="table or json.")
    ] = KpiFormat.table,
    workspace: Workspace = "default",
) -> None:
    """The campaign's alerts with their evidence; --check runs the rules first."""
    from trustreach.services import _alerts as alert_service

    if check:
        result = alert_service.check_alerts(
            campaign_id, actor=services.cli_actor(workspace).audit_name, workspace=workspace
        )
        console.print(
            f"Checked: {len(result.raised)} raised, {len(result.seen_again)} seen again, "
            f"{len(result.resolved)} resolved; webhook deliveries {result.delivered} sent, "
            f"{result.undelivered} not delivered."
        )
    found = alert_service.list_alerts(campaign_id, status=status, workspace=workspace)
    if fmt is KpiFormat.json:
        typer.echo(json.dumps([a.to_dict() for a in found], indent=2, default=str))
        return
    table = Table(title=f"Alerts of {campaign_id} (evidence for a person to look into)")
    for col in ("id", "rule", "subject", "status", "last seen", "what was found", "acted by"):
        table.add_column(col, overflow="fold")
    for a in found:
        table.add_row(
            str(a.alert_id), a.rule, a.subject, a.status,
            a.last_seen.strftime("%Y-%m-%d %H:%M"), a.summary, a.acted_by or "",
        )  # fmt: skip
    console.print(table if found else "No alerts.")


@campaign_app.command("forecast")
def forecast(
    campaign_id: CampaignId,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Forecast from what was known then (default now).")
    ] = None,
    fmt: Annotated[
        KpiFormat, typer.Option("--format", "-f", help="table or json.")
    ] = KpiFormat.table,
    workspace: Workspace = "default",
) -> None:
    """Reach, conversions and spend projected to the campaign's end, with 80% intervals."""
    from trustreach.services._pacing import campaign_forecast

    f = campaign_forecast(campaign_id, as_of=_moment(as_of), workspace=workspace)
    if fmt is KpiFormat.json:
        typer.echo(json.dumps(f.to_dict(), indent=2, default=str))
        return
    console.print(
        f"[bold]{campaign_id}[/bold] as of {f.as_of:%Y-%m-%d %H:%M} UTC, "
        f"{f.elapsed_share:.0%} of its time gone ({f.starts_on} to {f.ends_on})"
    )
    table = Table(title="At the campaign's end (80% interval)")
    for col in (
        "figure",
        "so far",
        "expected",
        "interval",
        "target",
        "off pace",
        "method, or why not",
    ):
        table.add_column(col, overflow="fold")
    for p in f.projections.values():
        unit = f" {p.currency}" if p.currency else ""
        interval = "" if p.low is None else f"{p.low:,.0f}–{p.high:,.0f}{unit}"
        table.add_row(
            p.metric,
            "" if p.so_far is None else f"{p.so_far:,.0f}{unit}",
            "" if p.expected is None else f"{p.expected:,.0f}{unit}",
            interval,
            "" if p.target is None else f"{p.target:,.0f}{unit}",
            "" if p.off_pace is None else ("yes" if p.off_pace else "no"),
            p.reason or p.method,
        )
    console.print(table)
    for note in f.notes:
        console.print(f"Note: {note}")


@campaign_app.command("target")
def target(
    campaign_id: CampaignId,
    reach: Annotated[
        float | None, typer.Option("--reach", help="Reach to reach by the end.")
    ] = None,
    conversions: Annotated[
        float | None, typer.Option("--conversions", help="Attributed orders by the end.")
    ] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Remove a target: reach or conversions.")
    ] = None,
    workspace: Workspace = "default",
) -> None:
    """Set the campaign's reach or conversions target (the off-pace alert compares with it)."""
    from trustreach.services._pacing import set_campaign_target

    actor = services.cli_actor(workspace).audit_name
    changes: list[tuple[str, float | None]] = [(m, None) for m in remove or []]
    changes += [
        (m, v) for m, v in (("reach", reach), ("conversions", conversions)) if v is not None
    ]
    if not changes:
        raise ConfigurationError(
            "nothing to set; allowed: --reach N, --conversions N, --remove METRIC"
        )
    targets: dict[str, float] = {}
    for metric, value in changes:
        targets = set_campaign_target(campaign_id, metric, value, actor=actor, workspace=workspace)
    shown = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(targets.items())) or "none"
    console.print(f"Targets of {campaign_id}: {shown}.")


@campaign_app.command("alert-webhook")
def alert_webhook(
    url: Annotated[str, typer.Argument(help="Where alerts are POSTed (http or https).")],
    workspace: Workspace = "default",
) -> None:
    """Set the workspace's alert webhook; prints the signing secret once (keep it)."""
    from trustreach.services._alerts import SIGNATURE_HEADER, set_alert_webhook

    secret = set_alert_webhook(
        url, actor=services.cli_actor(workspace).audit_name, workspace=workspace
    )
    console.print(
        f"Alerts of {workspace} go to {url}, signed in the {SIGNATURE_HEADER} header "
        "(sha256=HMAC-SHA256 of the body). Secret (shown once):"
    )
    typer.echo(secret)


def demo_alerts(workspace: str, *, skip: str | None = None) -> int:
    """``trustreach demo``: run the alert rules on every campaign; prints and returns the count.

    ``skip``: the campaign the demo replays (its rules run at the campaign time the replay
    reaches instead).
    """
    from trustreach.services import _alerts as alert_service

    actor = services.cli_actor(workspace).audit_name
    raised = 0
    for c in services.list_campaigns(workspace=workspace):
        if c.campaign_id == skip:
            continue
        raised += len(
            alert_service.check_alerts(c.campaign_id, actor=actor, workspace=workspace).raised
        )
    console.print(
        f"Campaign alerts raised: {raised} (`trustreach campaign alerts CAMPAIGN` lists them; "
        "evidence for a person to look into)."
    )
    return raised
