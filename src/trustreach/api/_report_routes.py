"""The audit and shortlist reports as HTML and PDF.

Both are downloads (``Content-Disposition: attachment``): the HTML is one
self-contained page (inline CSS and SVG, no scripts) and the PDF prints that same
page for A4 paper. Another workspace's creator or shortlist answers 404.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from trustreach import services
from trustreach.api._auth import CurrentActor, own_creator, settings_of
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 422, 500))

HTML = "text/html; charset=utf-8"
PDF = "application/pdf"
_ID = {"min_length": 1, "max_length": 200}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ReportFormat(StrEnum):
    """How a report is delivered."""

    html = "html"
    pdf = "pdf"


Format = Annotated[
    ReportFormat,
    Query(
        alias="format",
        description="`html` (one self-contained page) or `pdf` (the same page printed for A4).",
    ),
]

REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report, as a download: HTML or PDF by `format`.",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            PDF: {"schema": {"type": "string", "format": "binary"}},
        },
    },
    **_problems(404),
}


def report_response(html: str, fmt: ReportFormat, name: str) -> Response:
    """The report as an attachment named ``name`` (made safe) with the format's media type."""
    filename = f"{_UNSAFE.sub('-', name).strip('-') or 'report'}.{fmt.value}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt is ReportFormat.pdf:
        return Response(services.html_to_pdf(html), media_type=PDF, headers=headers)
    return Response(html.encode(), media_type=HTML, headers=headers)


@router.get(
    "/creators/{creator_id}/audit/report",
    response_class=Response,
    tags=["creators"],
    responses=REPORT_RESPONSES,
)
def get_audit_report(
    request: Request,
    actor: CurrentActor,
    creator_id: Annotated[str, Path(**_ID, description="The creator's id.")],
    fmt: Format = ReportFormat.html,
) -> Response:
    """The report of the creator's latest audit: Audience Quality and its parts, the
    fake-looking follower share with its interval, follower history, engagement signals
    with their evidence, and disputes (404 when never audited; a creator: only their own)."""
    require_role(actor, *READERS, Role.creator)
    own_creator(actor, creator_id)
    html = services.audit_report_html(
        creator_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return report_response(html, fmt, f"audit-{creator_id}")


@router.get(
    "/shortlists/{shortlist_id}/report",
    response_class=Response,
    tags=["shortlists"],
    responses=REPORT_RESPONSES,
)
def get_shortlist_report(
    request: Request,
    actor: CurrentActor,
    shortlist_id: Annotated[str, Path(**_ID, description="The shortlist's id.")],
    fmt: Format = ReportFormat.html,
) -> Response:
    """The report of a shortlist as it stands: each creator's rank, score components and
    explanation, their latest audit, and every decision with who made it and why."""
    require_role(actor, *READERS)
    html = services.shortlist_report_html(
        shortlist_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return report_response(html, fmt, f"shortlist-{shortlist_id}")
