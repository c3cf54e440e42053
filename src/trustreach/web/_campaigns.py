"""Campaign pages: the workspace's campaigns, and one campaign's KPIs side by side.

``/campaigns`` lists the campaigns; ``/campaigns/{id}`` shows
:func:`trustreach.services.campaign_kpis` by creator: every figure with its
formula (as text beside it and as the cell's tooltip), the reason where a
figure is null, the coverage (share of posts with first-party figures) and the
freshness (``as_of``). The figures are rendered by the partial template
``_campaign_kpis.html`` so a live update can re-render just that part.
``/campaigns/{id}/report.html`` and ``.pdf`` download the KPI report. Another
workspace's campaign answers 404, like any page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from trustreach import services
from trustreach.campaigns import FORMULAS, LABELS, REACH_KEYS, RESULT_KEYS, format_kpi, roi_text
from trustreach.core import Role, require_role
from trustreach.web._base import CurrentSession, render, settings_of
from trustreach.web._reports import _download as download

router = APIRouter()

READERS = (Role.analyst, Role.approver, Role.auditor)
"""Who may read campaigns (admin always may)."""


@router.get("/campaigns", response_class=HTMLResponse, name="campaigns")
def campaigns(request: Request, session: CurrentSession) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    items = services.list_campaigns(workspace=actor.workspace, settings=settings_of(request))
    return render(
        request, "campaigns.html", {"title": "Campaigns", "campaigns": items}, session=session
    )


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse, name="campaign")
def campaign(
    request: Request,
    session: CurrentSession,
    campaign_id: Annotated[str, Path(max_length=200)],
) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    report = services.campaign_kpis(
        campaign_id, by="creator", workspace=actor.workspace, settings=settings_of(request)
    )
    context = {
        "title": report.name,
        "report": report,
        "labels": LABELS,
        "formulas": FORMULAS,
        "tables": (("reach and engagement", REACH_KEYS), ("cost and results", RESULT_KEYS)),
        "format_kpi": format_kpi,
        "roi_text": roi_text,
    }
    return render(request, "campaign.html", context, session=session)


@router.get("/campaigns/{campaign_id}/report.html", name="campaign_report_html")
def campaign_report_html(request: Request, session: CurrentSession, campaign_id: str) -> Response:
    return _report(request, session, campaign_id, "html")


@router.get("/campaigns/{campaign_id}/report.pdf", name="campaign_report_pdf")
def campaign_report_pdf(request: Request, session: CurrentSession, campaign_id: str) -> Response:
    return _report(request, session, campaign_id, "pdf")


def _report(request: Request, session: CurrentSession, campaign_id: str, kind: str) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    html = services.campaign_report_html(
        campaign_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return download(html, kind, f"campaign-{campaign_id}")
