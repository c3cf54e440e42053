"""Rights pages: the request log with deadlines, and "My data" for a creator.

- ``GET /rights``: the workspace's data-subject requests, open ones first by
  deadline, overdue ones marked, for admins and auditors; an admin records progress
  or the outcome of an open request (``POST /rights/{request_id}/status``).
- ``GET /my/data``: for a creator's login, what is held about them (each part with
  its purpose, legal basis, retention and row count), a download of everything as
  JSON (``GET /my/data.json``, GDPR Art. 15 and 20), a form to object to profiling
  (``POST /my/data/objection``, Art. 21) and one to ask for a correction or
  erasure (``POST /my/data/requests``), which an admin then answers. A creator's
  pages always speak for their own creator: the forms take no creator id.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from trustreach.core import (
    Actor,
    ConfigurationError,
    Role,
    require_role,
)
from trustreach.services import _rights
from trustreach.web._base import (
    CheckedSession,
    CurrentSession,
    Session,
    checked_length,
    own_creator,
    redirect,
    render,
)
from trustreach.web._base import settings_of as _settings_of

router = APIRouter()

MAX_NOTE = 2000
SHOWN = ("open", "overdue", "all")
ASKABLE = ("rectification", "erasure")
"""What a creator asks an admin for from "My data" (export and objection are self-service)."""
UPDATES = ("in_progress", "extended", "completed", "refused")


def _own_creator(actor: Actor) -> str:
    return own_creator(actor, only="sees their own data here")


def _requests_page(
    request: Request,
    session: Session,
    shown: str,
    *,
    error: str = "",
    error_for: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = session.actor
    if shown not in SHOWN:
        raise ConfigurationError(f"show {shown!r} not allowed; allowed: {', '.join(SHOWN)}")
    found = _rights.list_requests(
        workspace=actor.workspace,
        status=None if shown == "all" else "open",
        overdue=shown == "overdue",
        settings=_settings_of(request),
    )
    overdue = [r for r in found if r.overdue()]
    return render(
        request,
        "rights.html",
        {
            "title": "Rights requests",
            "requests": found,
            "overdue_count": len(overdue),
            "shown": shown,
            "choices": SHOWN,
            "updates": UPDATES,
            "may_update": actor.role is Role.admin,
            "error": error,
            "error_for": error_for,
            "notice": request.query_params.get("updated", "")[:40],
            "max_note": MAX_NOTE,
        },
        session=session,
        status_code=status_code,
    )


@router.get("/rights", response_class=HTMLResponse, name="rights")
def rights(
    request: Request,
    session: CurrentSession,
    show: Annotated[str, Query(max_length=20)] = "open",
) -> Response:
    actor = session.actor
    if actor.role is Role.creator:
        return redirect(request, "/my/data")
    require_role(actor, Role.auditor)
    return _requests_page(request, session, show)


@router.post("/rights/{request_id}/status", response_class=HTMLResponse)
def update_status(
    request: Request,
    session: CheckedSession,
    request_id: str,
    status: Annotated[str, Form(max_length=20)] = "",
    outcome: Annotated[str, Form()] = "",
) -> Response:
    actor = session.actor
    require_role(actor)
    try:
        checked_length(outcome, "outcome", MAX_NOTE)
        _rights.update_request(
            request_id[:40],
            status,
            outcome=outcome or None,
            workspace=actor.workspace,
            actor=actor.audit_name,
            settings=_settings_of(request),
        )
    except ConfigurationError as error:
        return _requests_page(
            request, session, "open", error=str(error), error_for=request_id, status_code=422
        )
    return redirect(request, f"/rights?updated={request_id[:40]}")


def _parts(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "table": p["table"],
            "purpose": p["purpose"],
            "legal_basis": p["legal_basis"],
            "retention": p["retention"],
            "rows": len(p["rows"]),
        }
        for p in document["parts"]
        if p["rows"]
    ]


def _mine(
    request: Request,
    session: Session,
    *,
    error: str = "",
    note: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    actor = session.actor
    creator_id = _own_creator(actor)
    settings = _settings_of(request)
    document = _rights.held_about_creator(creator_id, workspace=actor.workspace, settings=settings)
    requests = _rights.list_requests(
        workspace=actor.workspace, subject=creator_id, settings=settings
    )
    done = request.query_params.get("done", "")
    notices = {
        "objection": "Your objection is recorded: you are left out of discovery and of new "
        "audits from now on.",
        "request": "Your request is logged. A person answers it by the date shown below.",
    }
    return render(
        request,
        "my_data.html",
        {
            "title": "My data",
            "parts": _parts(document),
            "counted": document["other_peoples_data_counted"],
            "audit_records": document["audit_log_records_naming_you"],
            "objected": document["objected_to_profiling"],
            "requests": requests,
            "askable": ASKABLE,
            "notice": notices.get(done, ""),
            "error": error,
            "note": note,
            "max_note": MAX_NOTE,
        },
        session=session,
        status_code=status_code,
    )


@router.get("/my/data", response_class=HTMLResponse, name="my_data")
def my_data(request: Request, session: CurrentSession) -> Response:
    if session.actor.role is not Role.creator:
        require_role(session.actor, Role.auditor)
        return redirect(request, "/rights")
    return _mine(request, session)


@router.get("/my/data.json")
def my_data_download(request: Request, session: CurrentSession) -> Response:
    actor = session.actor
    creator_id = _own_creator(actor)
    document = _rights.creator_export(
        creator_id,
        workspace=actor.workspace,
        actor=actor.audit_name,
        settings=_settings_of(request),
    )
    return Response(
        json.dumps(document, indent=1, ensure_ascii=False),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/my/data/objection", response_class=HTMLResponse)
def my_objection(request: Request, session: CheckedSession) -> Response:
    actor = session.actor
    creator_id = _own_creator(actor)
    _rights.object_to_profiling(
        creator_id,
        workspace=actor.workspace,
        actor=actor.audit_name,
        settings=_settings_of(request),
    )
    return redirect(request, "/my/data?done=objection")


@router.post("/my/data/requests", response_class=HTMLResponse)
def my_request(
    request: Request,
    session: CheckedSession,
    right: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    actor = session.actor
    creator_id = _own_creator(actor)
    try:
        if right not in ASKABLE:
            raise ConfigurationError(
                f"right {right!r} not allowed here; allowed: {', '.join(ASKABLE)}"
            )
        if not note.strip():
            raise ConfigurationError("note is required: say what should change, or why")
        checked_length(note, "note", MAX_NOTE)
        _rights.log_request(
            "creator",
            creator_id,
            right,
            note=note,
            workspace=actor.workspace,
            actor=actor.audit_name,
            settings=_settings_of(request),
        )
    except ConfigurationError as error:
        return _mine(request, session, error=str(error), note=note[:MAX_NOTE], status_code=422)
    return redirect(request, "/my/data?done=request")
