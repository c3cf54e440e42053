"""The audit and shortlist reports to download as HTML or PDF.

The HTML is the self-contained report page (its own inline CSS and SVG, no
scripts) and the PDF prints that same page for A4 paper. Both are sent as
attachments: the dashboard's Content-Security-Policy allows no inline styles, so
the report is opened from the download, not inside the dashboard.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trustreach import services
from trustreach.core import NotFoundError, Role, require_role
from trustreach.web._base import CurrentSession, settings_of

router = APIRouter()

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _download(html: str, kind: str, name: str) -> Response:
    filename = f"{_UNSAFE.sub('-', name).strip('-') or 'report'}.{kind}"
    body = services.html_to_pdf(html) if kind == "pdf" else html.encode()
    return Response(
        body,
        media_type=MEDIA_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/creators/{creator_id}/report.html", name="audit_report_html")
def audit_report_html(request: Request, session: CurrentSession, creator_id: str) -> Response:
    return _audit_report(request, session, creator_id, "html")


@router.get("/creators/{creator_id}/report.pdf", name="audit_report_pdf")
def audit_report_pdf(request: Request, session: CurrentSession, creator_id: str) -> Response:
    return _audit_report(request, session, creator_id, "pdf")


def _audit_report(
    request: Request, session: CurrentSession, creator_id: str, kind: str
) -> Response:
    actor = session.actor
    require_role(actor, Role.analyst, Role.approver, Role.auditor, Role.creator)
    if actor.role is Role.creator and creator_id != actor.creator_id:
        raise NotFoundError("another creator")
    html = services.audit_report_html(
        creator_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return _download(html, kind, f"audit-{creator_id}")


@router.get("/shortlists/{shortlist_id}/report.html", name="shortlist_report_html")
def shortlist_report_html(request: Request, session: CurrentSession, shortlist_id: str) -> Response:
    return _shortlist_report(request, session, shortlist_id, "html")


@router.get("/shortlists/{shortlist_id}/report.pdf", name="shortlist_report_pdf")
def shortlist_report_pdf(request: Request, session: CurrentSession, shortlist_id: str) -> Response:
    return _shortlist_report(request, session, shortlist_id, "pdf")


def _shortlist_report(
    request: Request, session: CurrentSession, shortlist_id: str, kind: str
) -> Response:
    actor = session.actor
    require_role(actor, Role.analyst, Role.approver, Role.auditor)
    html = services.shortlist_report_html(
        shortlist_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return _download(html, kind, f"shortlist-{shortlist_id}")
