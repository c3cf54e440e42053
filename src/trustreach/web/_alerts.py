"""Campaign alerts on the dashboard: the section on the campaign page, the alerts page, actions.

The campaign page includes ``_campaign_alerts.html``, which reads the campaign's
alerts that still need a person (open, acknowledged, snoozed) and its forecast
through the template function ``campaign_alerts`` registered here.
``/campaigns/{id}/alerts`` lists every alert with its evidence, the forecast and
forms to acknowledge or snooze (analyst, approver, admin; the audit log names the
person); ``POST /alerts/{id}/acknowledge`` and ``/snooze`` act and return there.
An alert is evidence for a person to look into, never a verdict about anyone.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from trustreach.core import ConfigurationError, Role, require_role
from trustreach.services import _alerts as alert_service
from trustreach.services._pacing import campaign_forecast
from trustreach.web._base import TEMPLATES, CheckedSession, CurrentSession, redirect, render
from trustreach.web._base import settings_of as _settings_of

router = APIRouter()

READERS = (Role.analyst, Role.approver, Role.auditor)
"""Who may read alerts (admin always may)."""
ACTORS = (Role.analyst, Role.approver)
"""Who may acknowledge or snooze an alert (admin always may)."""
NEEDS_A_PERSON = ("open", "snoozed", "acknowledged")


def campaign_alerts(request: Request, session: Any, campaign_id: str) -> dict[str, Any]:
    """For ``_campaign_alerts.html``: the alerts still needing a person, and the forecast."""
    if session is None:
        return {"alerts": [], "forecast": None, "can_act": False}
    actor = session.actor
    settings = _settings_of(request)
    found = alert_service.list_alerts(campaign_id, workspace=actor.workspace, settings=settings)
    forecast = campaign_forecast(campaign_id, workspace=actor.workspace, settings=settings)
    return {
        "alerts": [a for a in found if a.status in NEEDS_A_PERSON],
        "forecast": forecast,
        "can_act": actor.role in (Role.admin, *ACTORS),
    }


TEMPLATES.env.globals["campaign_alerts"] = campaign_alerts


@router.get("/campaigns/{campaign_id}/alerts", response_class=HTMLResponse, name="alerts")
def alerts_page(
    request: Request,
    session: CurrentSession,
    campaign_id: Annotated[str, Path(max_length=200)],
) -> Response:
    return _page(request, session, campaign_id)


def _page(
    request: Request,
    session: Any,
    campaign_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    settings = _settings_of(request)
    found = alert_service.list_alerts(campaign_id, workspace=actor.workspace, settings=settings)
    forecast = campaign_forecast(campaign_id, workspace=actor.workspace, settings=settings)
    return render(
        request,
        "campaign_alerts.html",
        {
            "title": f"Alerts of {campaign_id}",
            "campaign_id": campaign_id,
            "alerts": found,
            "forecast": forecast,
            "can_act": actor.role in (Role.admin, *ACTORS),
            "error": error,
        },
        session=session,
        status_code=status_code,
    )


def _act(
    request: Request, session: Any, alert_id: int, act: str, hours: str, note: str
) -> Response:
    actor = session.actor
    require_role(actor, *ACTORS)
    settings = _settings_of(request)
    found = alert_service.get_alert(alert_id, workspace=actor.workspace, settings=settings)
    try:
        if act == "acknowledge":
            alert_service.acknowledge_alert(
                alert_id, actor=actor.audit_name, note=note or None,
                workspace=actor.workspace, settings=settings,
            )  # fmt: skip
        else:
            try:
                h = float(hours)
            except ValueError:
                raise ConfigurationError(
                    f"hours {hours!r} not allowed; allowed: a number of hours, more than 0 and "
                    f"at most {alert_service.MAX_SNOOZE_HOURS}"
                ) from None
            alert_service.snooze_alert(
                alert_id, actor=actor.audit_name, hours=h, note=note or None,
                workspace=actor.workspace, settings=settings,
            )  # fmt: skip
    except ConfigurationError as exc:
        return _page(request, session, found.campaign_id, error=str(exc), status_code=422)
    return redirect(request, f"/campaigns/{found.campaign_id}/alerts")


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(
    request: Request,
    session: CheckedSession,
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(request, session, alert_id, "acknowledge", "", note)


@router.post("/alerts/{alert_id}/snooze", response_class=HTMLResponse)
def snooze(
    request: Request,
    session: CheckedSession,
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    hours: Annotated[str, Form(max_length=20)] = "24",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(request, session, alert_id, "snooze", hours, note)


__all__ = ["router"]
