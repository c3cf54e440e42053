"""A post's disclosure check on the dashboard: ``GET /posts/{post_id}/disclosure``.

The caption with each finding's evidence marked, every finding (rule, jurisdiction,
status, what was found, suggested fix, source) and the rules' version. Readers
(analyst, approver, auditor, admin) check any post of their workspace; a creator's
login only their own (another's answers 404). Each view is a check, written to the
audit log naming the person. Machine-generated evidence, not legal advice.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from trustreach.core import Role, require_role
from trustreach.services import _disclosure
from trustreach.services._compliance_report import STATUS_WORDS, highlight
from trustreach.web._base import CurrentSession, render, settings_of

router = APIRouter()


@router.get("/posts/{post_id}/disclosure", response_class=HTMLResponse, name="post_disclosure")
def post_disclosure(
    request: Request,
    session: CurrentSession,
    post_id: Annotated[str, Path(max_length=200)],
    jurisdiction: Annotated[list[str] | None, Query(max_length=3)] = None,
) -> Response:
    actor = session.actor
    require_role(actor, Role.analyst, Role.approver, Role.auditor, Role.creator)
    report = _disclosure.check_posts(
        actor=actor, post_ids=[post_id], jurisdictions=jurisdiction, settings=settings_of(request)
    )
    (verdict,) = report.verdicts
    return render(
        request,
        "post_disclosure.html",
        {
            "title": f"Disclosure check of {post_id}",
            "report": report,
            "v": verdict,
            "words": STATUS_WORDS,
            "caption": highlight(verdict.caption or "", verdict.findings),
        },
        session=session,
    )
