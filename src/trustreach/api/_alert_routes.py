"""Campaign alert and forecast routes: read a campaign's alerts and forecast, act on an alert.

Readers (analyst, approver, auditor, admin) read; an analyst, approver or admin
acknowledges or snoozes an alert, named in the audit log. Another workspace's
campaign or alert answers 404 like one that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._campaign_routes import CampaignId
from trustreach.api._idempotency import Idempotency
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role
from trustreach.services import _alerts as alert_service
from trustreach.services._pacing import TARGET_METRICS, campaign_forecast, set_campaign_target

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 422, 500))

ACTORS = (Role.analyst, Role.approver)
"""Roles that acknowledge or snooze an alert (admin always may)."""

AlertId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The alert's id.")]


class Alert(BaseModel):
    """One alert: what a rule found, its evidence, and who acted on it.

    An alert is evidence for a person to look into, never a verdict about anyone.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "alert_id": 7,
                    "campaign_id": "cmp1",
                    "rule": "engagement_anomaly",
                    "subject": "post:p1",
                    "creator_id": "c1",
                    "summary": "likes rose by 1,000 between … while reach rose by 300 …",
                    "first_seen": "2026-10-05T12:00:00+00:00",
                    "last_seen": "2026-10-05T13:00:00+00:00",
                    "status": "open",
                    "snoozed_until": None,
                    "acted_by": None,
                    "acted_at": None,
                    "note": None,
                    "evidence": {"post_id": "p1", "jumps": [], "drops": []},
                }
            ]
        }
    )
    alert_id: int
    campaign_id: str
    rule: str = Field(description="off_pace, over_budget, engagement_anomaly, "
                      "negative_comments or unsafe_comments.")  # fmt: skip
    subject: str
    creator_id: str | None
    summary: str
    first_seen: datetime
    last_seen: datetime
    status: str = Field(description="open, acknowledged, snoozed or resolved.")
    snoozed_until: datetime | None
    acted_by: str | None
    acted_at: datetime | None
    note: str | None
    evidence: dict[str, Any]


class AlertList(BaseModel):
    """A campaign's alerts, the latest seen first."""

    items: list[Alert]


class Acknowledgement(BaseModel):
    """Acknowledge an alert: you have seen it and take it from here."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


class Snooze(BaseModel):
    """Quiet an alert for some hours; found again after that, it reopens."""

    model_config = ConfigDict(extra="forbid")
    hours: float = Field(gt=0, le=alert_service.MAX_SNOOZE_HOURS)
    note: str | None = Field(default=None, max_length=2000)


def _out(a: alert_service.Alert) -> Alert:
    d = dict(vars(a))
    d.pop("workspace")
    return Alert(**d)


@router.get(
    "/campaigns/{campaign_id}/alerts",
    response_model=AlertList,
    tags=["campaigns"],
    responses=_problems(404),
)
def list_campaign_alerts(
    request: Request,
    actor: CurrentActor,
    campaign_id: CampaignId,
    status: Annotated[
        str | None,
        Query(description="Only alerts in this status: open, acknowledged, snoozed, resolved."),
    ] = None,
) -> AlertList:
    """The campaign's alerts with their evidence and who acted on them."""
    require_role(actor, *READERS)
    found = alert_service.list_alerts(
        campaign_id, status=status, workspace=actor.workspace, settings=settings_of(request)
    )
    return AlertList(items=[_out(a) for a in found])


@router.get(
    "/campaigns/{campaign_id}/forecast",
    tags=["campaigns"],
    responses=_problems(404),
)
def get_campaign_forecast(
    request: Request,
    actor: CurrentActor,
    campaign_id: CampaignId,
) -> dict[str, Any]:
    """Reach, conversions and spend projected to the campaign's end with 80% intervals,
    against its targets and budget (the model is in docs/campaigns.md)."""
    require_role(actor, *READERS)
    return campaign_forecast(
        campaign_id, workspace=actor.workspace, settings=settings_of(request)
    ).to_dict()


@router.post(
    "/alerts/{alert_id}/acknowledge",
    status_code=200,
    response_model=Alert,
    tags=["campaigns"],
    responses=_problems(404, 409),
)
def acknowledge_alert(
    request: Request,
    actor: CurrentActor,
    alert_id: AlertId,
    body: Acknowledgement,
    idem: Idempotency,
) -> Any:
    """Acknowledge an alert (analyst, approver, admin); the audit log names you."""
    require_role(actor, *ACTORS)

    def work() -> Alert:
        return _out(
            alert_service.acknowledge_alert(
                alert_id, actor=actor.audit_name, note=body.note, workspace=actor.workspace,
                settings=settings_of(request),
            )
        )  # fmt: skip

    return idem.run(actor, work, status_code=200)


@router.post(
    "/alerts/{alert_id}/snooze",
    status_code=200,
    response_model=Alert,
    tags=["campaigns"],
    responses=_problems(404, 409),
)
def snooze_alert(
    request: Request,
    actor: CurrentActor,
    alert_id: AlertId,
    body: Snooze,
    idem: Idempotency,
) -> Any:
    """Snooze an alert for `hours` (analyst, approver, admin); the audit log names you."""
    require_role(actor, *ACTORS)

    def work() -> Alert:
        return _out(
            alert_service.snooze_alert(
                alert_id, actor=actor.audit_name, hours=body.hours, note=body.note,
                workspace=actor.workspace, settings=settings_of(request),
            )
        )  # fmt: skip

    return idem.run(actor, work, status_code=200)


class TargetChange(BaseModel):
    """Set (or, with `target` null, remove) one of the campaign's goals."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"metric": "reach", "target": 250000}]}
    )
    metric: Literal["reach", "conversions"] = Field(
        description="The goal's figure: " + ", ".join(TARGET_METRICS) + "."
    )
    target: float | None = Field(gt=0, le=1e15, description="A positive number, or null.")


class Targets(BaseModel):
    """The campaign's goals after the change (the off-pace rule compares the forecast)."""

    campaign_id: str
    targets: dict[str, float]


@router.put(
    "/campaigns/{campaign_id}/targets",
    response_model=Targets,
    tags=["campaigns"],
    responses=_problems(404),
)
def put_campaign_target(
    request: Request, actor: CurrentActor, campaign_id: CampaignId, body: TargetChange
) -> Targets:
    """Set or remove a goal of the campaign (analyst, admin); audited, naming you.

    Sending the same change again changes nothing more (PUT is idempotent).
    """
    require_role(actor, Role.analyst)
    targets = set_campaign_target(
        campaign_id, body.metric, body.target, actor=actor.audit_name,
        workspace=actor.workspace, settings=settings_of(request),
    )  # fmt: skip
    return Targets(campaign_id=campaign_id, targets=targets)


class WebhookChange(BaseModel):
    """Where the workspace's alerts are POSTed (a new signing secret is made)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": "https://ops.example.com/trustreach-alerts"}]},
    )
    url: str = Field(min_length=8, max_length=2000, description="An http:// or https:// URL.")


class Webhook(BaseModel):
    """The workspace's alert webhook: never its secret, only the secret's fingerprint."""

    url: str
    secret_fingerprint: str | None = Field(description="SHA-256 of the secret, 12 hex digits.")
    set_by: str
    set_at: datetime
    secret_kept_here: bool = Field(
        description="Whether this server holds the secret (else it delivers nothing)."
    )


class WebhookSet(Webhook):
    """The webhook just set, with its signing secret: shown this once, never again."""

    secret: str = Field(
        description="Verify `X-Trustreach-Signature: sha256=<hex HMAC-SHA256(secret, body)>`."
    )


@router.get("/alert-webhook", response_model=Webhook | None, tags=["campaigns"])
def get_alert_webhook(request: Request, actor: CurrentActor) -> Webhook | None:
    """The workspace's alert webhook (admin); null when none is set."""
    require_role(actor, Role.admin)
    info = alert_service.alert_webhook(workspace=actor.workspace, settings=settings_of(request))
    return None if info is None else Webhook(**vars(info))


@router.put("/alert-webhook", response_model=WebhookSet, tags=["campaigns"])
def put_alert_webhook(
    request: Request, response: Response, actor: CurrentActor, body: WebhookChange
) -> WebhookSet:
    """Set where new alerts are delivered (admin); answers the new signing secret once.

    The secret is kept outside the database (its fingerprint is stored and audited);
    the answer is not cached (`Cache-Control: no-store`).
    """
    require_role(actor, Role.admin)
    settings = settings_of(request)
    secret = alert_service.set_alert_webhook(
        body.url, actor=actor.audit_name, workspace=actor.workspace, settings=settings
    )
    info = alert_service.alert_webhook(workspace=actor.workspace, settings=settings)
    assert info is not None
    response.headers["Cache-Control"] = "no-store"
    return WebhookSet(**vars(info), secret=secret)
