"""Compliance pages of the dashboard: a campaign's disclosure compliance, a creator's deals.

- ``GET /campaigns/{id}/compliance``: each campaign post's status with the rule ids,
  the evidence highlighted in the caption and the suggested fix; each deal's
  obligations and whether the creator accepted them (readers). The report downloads
  as ``compliance.html`` and ``compliance.pdf``.
- ``GET /my/deals``: a creator's own deals with the disclosure obligations recorded
  with each, and a form to accept them (``POST /my/deals/{deal_id}/accept``), recorded
  under the creator's login and the time. Another creator's deal answers 404.

Every page says the findings are machine-generated evidence for a person to review,
not legal advice.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from trustreach.core import (
    ConfigurationError,
    Role,
    require_role,
)
from trustreach.services import _compliance, _compliance_report
from trustreach.web._base import (
    CheckedSession,
    CurrentSession,
    Session,
    own_creator,
    redirect,
    render,
)
from trustreach.web._base import settings_of as _settings_of
from trustreach.web._reports import _download as download

router = APIRouter()

READERS = (Role.analyst, Role.approver, Role.auditor)
"""Who may read a campaign's compliance (admin always may)."""
_ID = {"max_length": 200}


@router.get("/campaigns/{campaign_id}/compliance", response_class=HTMLResponse, name="compliance")
def compliance(
    request: Request,
    session: CurrentSession,
    campaign_id: Annotated[str, Path(**_ID)],
) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    report = _compliance_report.campaign_compliance(
        campaign_id, actor=actor, settings=_settings_of(request)
    )
    return render(
        request,
        "compliance.html",
        {
            "title": f"Disclosure compliance: {report.campaign_name}",
            "report": report,
            "words": _compliance_report.STATUS_WORDS,
            "note": _compliance_report.NOTE,
            "highlight": _compliance_report.highlight,
        },
        session=session,
    )


def _compliance_download(
    request: Request, session: Session, campaign_id: str, kind: str
) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    report = _compliance_report.campaign_compliance(
        campaign_id, actor=actor, settings=_settings_of(request)
    )
    html = _compliance_report.render_compliance_html(report)
    return download(html, kind, f"compliance-{campaign_id}")


@router.get("/campaigns/{campaign_id}/compliance.html", name="compliance_report_html")
def compliance_html(
    request: Request, session: CurrentSession, campaign_id: Annotated[str, Path(**_ID)]
) -> Response:
    return _compliance_download(request, session, campaign_id, "html")


@router.get("/campaigns/{campaign_id}/compliance.pdf", name="compliance_report_pdf")
def compliance_pdf(
    request: Request, session: CurrentSession, campaign_id: Annotated[str, Path(**_ID)]
) -> Response:
    return _compliance_download(request, session, campaign_id, "pdf")


# ------------------------------------------------------------------ a creator's deals


def _own_creator(session: Session) -> str:
    return own_creator(session.actor, only="sees and accepts their own deals")


def _my_deals(
    request: Request,
    session: Session,
    *,
    error: str = "",
    error_for: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    creator_id = _own_creator(session)
    found = _compliance.creator_deals(
        creator_id, actor=session.actor, settings=_settings_of(request)
    )
    accepted = request.query_params.get("accepted", "")
    notice = ""
    match = next((d for d in found if d.deal_id == accepted), None)
    if match is not None and match.status == "accepted":
        notice = (
            f"You accepted the disclosure obligations of deal {match.deal_id}; the brand "
            "sees that you did, and when."
        )
    return render(
        request,
        "my_deals.html",
        {
            "title": "My deals",
            "deals": found,
            "notice": notice,
            "error": error,
            "error_for": error_for,
        },
        session=session,
        status_code=status_code,
    )


@router.get("/my/deals", response_class=HTMLResponse, name="my_deals")
def my_deals(request: Request, session: CurrentSession) -> Response:
    return _my_deals(request, session)


@router.post("/my/deals/{deal_id}/accept", response_class=HTMLResponse)
def accept(
    request: Request,
    session: CheckedSession,
    deal_id: Annotated[str, Path(**_ID)],
    rules_version: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    _own_creator(session)
    try:
        _compliance.accept_obligations(
            deal_id,
            actor=session.actor,
            rules_version=rules_version or None,
            settings=_settings_of(request),
        )
    except ConfigurationError as error:
        return _my_deals(request, session, error=str(error), error_for=deal_id, status_code=422)
    return redirect(request, f"/my/deals?accepted={quote(deal_id, safe='')}")
