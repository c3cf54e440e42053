"""Discovery: a brief in a form or a file, the ranked shortlist, its explanations, decisions.

- ``GET /discovery``: the brief form (analysts and admins run it; approvers and
  auditors may look). ``POST /discovery`` checks the brief exactly as a brief
  file is checked, ranks, stores the proposal under the signed-in person's name
  and answers 303 to the new shortlist; a refused brief shows the form again
  with each problem beside its field.
- ``GET /shortlists`` and ``GET /shortlists/{id}``: the workspace's shortlists,
  and one with its ranked creators, their explanations and audience risk, the
  creators held for review with the evidence, the fairness audit, and every
  decision. ``POST /shortlists/{id}/decisions``: an approver's decision on one
  creator, with a reason.

Every lookup is in the signed-in person's workspace: another workspace's
shortlist answers 404 as a missing one does.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from trustreach import services
from trustreach.core import ConfigurationError, NotFoundError, Role, require_role
from trustreach.core._structured import MAX_BYTES
from trustreach.discovery import Brief, BriefError
from trustreach.services import _erasure, _listing
from trustreach.web._base import (
    CheckedSession,
    CurrentSession,
    Session,
    checked_length,
    redirect,
    render,
)
from trustreach.web._base import settings_of as _settings_of
from trustreach.web._brief_form import (
    CHOICES,
    LABELS,
    BriefForm,
    brief_from_file,
    field_errors,
    field_of,
)
from trustreach.web._shortlist_view import MAX_REASON, shortlist_view

router = APIRouter()

RUNNERS = (Role.analyst,)
"""Who may run a brief (admins always may)."""
VIEWERS = (Role.analyst, Role.approver, Role.auditor)
"""Who may look at discovery and shortlists."""
DECIDERS = (Role.approver,)
"""Who may approve or reject a creator on a shortlist."""


async def posted_form(request: Request) -> FormData:
    """The form the request sent (read once; the CSRF check has read it already)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def _discovery_page(
    request: Request,
    session: Session,
    form: BriefForm | None = None,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = session.actor
    lines = errors or []
    return render(
        request,
        "discovery.html",
        {
            "title": "Discovery",
            "form": (form or BriefForm()).values,
            "choices": CHOICES,
            "labels": LABELS,
            "errors": [(line, field_of(line) or "") for line in lines],
            "by_field": field_errors(lines),
            "may_run": actor.role in (Role.admin, *RUNNERS),
            "max_bytes": MAX_BYTES,
        },
        session=session,
        status_code=status_code,
    )


@router.get("/discovery", response_class=HTMLResponse, name="discovery")
def discovery(request: Request, session: CurrentSession) -> Response:
    require_role(session.actor, *VIEWERS)
    return _discovery_page(request, session)


def _uploaded(form: FormData) -> UploadFile | None:
    upload = form.get("brief_file")
    if isinstance(upload, UploadFile) and upload.filename:
        return upload
    return None


@router.post("/discovery", response_class=HTMLResponse)
def run_brief(request: Request, session: CheckedSession, posted: PostedForm) -> Response:
    actor = session.actor
    require_role(actor, *RUNNERS)
    written = BriefForm.from_form(
        {k: v for k, v in posted.items() if isinstance(v, str)},
        {
            k: [v for v in posted.getlist(k) if isinstance(v, str)]
            for k in ("platforms", "age_bands", "genders")
        },
    )
    upload = _uploaded(posted)
    shown = written if upload is None else None
    try:
        brief: Brief
        if upload is not None:
            content = upload.file.read(MAX_BYTES + 1)
            brief = brief_from_file(upload.filename or "brief", content)
        else:
            brief = written.brief()
        found = services.discover(
            brief,
            propose=True,
            created_by=actor.audit_name,
            workspace=actor.workspace,
            settings=_settings_of(request),
        )
    except BriefError as error:
        return _discovery_page(request, session, shown, errors=error.errors, status_code=422)
    except (ConfigurationError, NotFoundError) as error:
        # e.g. an excluded creator id the workspace does not hold, or no creator to rank yet
        return _discovery_page(request, session, shown, errors=[str(error)], status_code=422)
    if found.shortlist_id is None:  # pragma: no cover - propose=True always stores one
        raise ConfigurationError("the ranking was not stored as a shortlist")
    return redirect(request, f"/shortlists/{found.shortlist_id}?proposed=1")


@router.get("/shortlists", response_class=HTMLResponse, name="shortlists")
def shortlists(
    request: Request,
    session: CurrentSession,
    after: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    actor = session.actor
    require_role(actor, *VIEWERS)
    page = _listing.page_shortlists(
        workspace=actor.workspace, limit=20, after=after, settings=_settings_of(request)
    )
    return render(
        request,
        "shortlists.html",
        {"title": "Shortlists", "page": page, "after": after},
        session=session,
    )


def _shortlist_page(
    request: Request,
    session: Session,
    shortlist_id: str,
    *,
    error: str = "",
    error_for: str = "",
    reason: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    actor = session.actor
    found = _listing.find_shortlist(
        shortlist_id, workspace=actor.workspace, settings=_settings_of(request)
    )
    view = shortlist_view(found)
    erased = _erasure.shortlist_erased_note(
        found.shortlist_id, workspace=actor.workspace, settings=_settings_of(request)
    )
    notice = ""
    decided = request.query_params.get("decided")
    if request.query_params.get("proposed"):
        notice = (
            "The brief was ranked and stored as this proposed shortlist. Nobody on it is "
            "approved until an approver decides."
        )
    elif decided:
        latest = next((d for d in reversed(found.decisions) if d.creator_id == decided), None)
        if latest is not None:
            notice = (
                f"Your decision is recorded: {view.name(decided)} {latest.decision} "
                f"by {latest.decided_by}."
            )
    return render(
        request,
        "shortlist.html",
        {
            "title": f"Shortlist {found.shortlist_id}",
            "shortlist": found,
            "view": view,
            "erased": erased,
            "may_decide": actor.role in (Role.admin, *DECIDERS),
            "notice": notice,
            "error": error,
            "error_for": error_for,
            "reason": reason,
            "max_reason": MAX_REASON,
        },
        session=session,
        status_code=status_code,
    )


@router.get("/shortlists/{shortlist_id}", response_class=HTMLResponse, name="shortlist")
def shortlist(request: Request, session: CurrentSession, shortlist_id: str) -> Response:
    require_role(session.actor, *VIEWERS)
    return _shortlist_page(request, session, shortlist_id)


@router.post("/shortlists/{shortlist_id}/decisions", response_class=HTMLResponse)
def decide(
    request: Request, session: CheckedSession, shortlist_id: str, posted: PostedForm
) -> Response:
    actor = session.actor
    require_role(actor, *DECIDERS)
    fields: dict[str, Any] = {k: v for k, v in posted.items() if isinstance(v, str)}
    creator_id = str(fields.get("creator_id", ""))[:200]
    decision = str(fields.get("decision", ""))[:20]
    reason = str(fields.get("reason", ""))
    try:
        checked_length(reason, "reason", MAX_REASON)
        services.decide(
            shortlist_id,
            creator_id,
            decision,
            decided_by=actor.audit_name,
            reason=reason,
            workspace=actor.workspace,
            settings=_settings_of(request),
        )
    except ConfigurationError as error:
        return _shortlist_page(
            request,
            session,
            shortlist_id,
            error=str(error),
            error_for=creator_id,
            reason=reason[:MAX_REASON],
            status_code=422,
        )
    return redirect(
        request,
        f"/shortlists/{quote(shortlist_id, safe='')}?decided={quote(creator_id, safe='')}",
    )
