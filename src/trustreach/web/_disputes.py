"""Disputes: the approvers' queue, and a creator filing and following their own.

- ``GET /disputes``: the workspace's disputes (the open ones by default) for
  analysts, approvers, auditors and admins; approvers and admins resolve an open one with
  a note (``POST /disputes/{id}/resolve``), recorded under their own name.
- ``GET /my/disputes``: a creator's own disputes with their standing and the
  reviewer's note, and a form to file one (``POST /my/disputes``) against
  their latest audit. A creator's disputes are always their own creator's:
  the form takes no creator id, and another workspace's dispute answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from trustreach import services
from trustreach.core import (
    Actor,
    ConfigurationError,
    Role,
    require_role,
)
from trustreach.services._disputes import STATUSES
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

MAX_REASON = 2000
"""Longest reason or note the dashboard takes (the store takes up to 5,000)."""
READERS = (Role.analyst, Role.approver, Role.auditor)
"""Who may read the queue (analysts run the audits disputed; the menu links it for them)."""
RESOLVERS = (Role.approver,)
SHOWN = ("open", "upheld", "rejected", "all")
"""What the queue can show (``all``: every dispute, oldest first)."""


def _own_creator(actor: Actor) -> str:
    return own_creator(actor, only="files and follows their own disputes")


def _checked(text: str, name: str) -> str:
    return checked_length(text, name, MAX_REASON)


def _queue(
    request: Request,
    session: Session,
    status: str,
    *,
    error: str = "",
    error_for: int | None = None,
    note: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    actor = session.actor
    if status not in SHOWN:
        raise ConfigurationError(f"status {status!r} not allowed; allowed: {', '.join(SHOWN)}")
    disputes = services.list_disputes(
        workspace=actor.workspace,
        status=None if status == "all" else status,
        settings=_settings_of(request),
    )
    if error_for not in {d.dispute_id for d in disputes if d.status == "open"}:
        error_for = None  # its form is not on the page: the error shows at the top
    resolved = request.query_params.get("resolved", "")
    notice = ""
    if resolved.isdigit():
        done = services.list_disputes(
            workspace=actor.workspace, status=None, settings=_settings_of(request)
        )
        match = next((d for d in done if d.dispute_id == int(resolved)), None)
        if match is not None and match.status != "open":
            notice = (
                f"Dispute #{match.dispute_id} is recorded as {match.status} by {match.reviewer}."
            )
    return render(
        request,
        "disputes.html",
        {
            "title": "Disputes",
            "disputes": disputes,
            "status": status,
            "shown": SHOWN,
            "may_resolve": actor.role in (Role.admin, *RESOLVERS),
            "notice": notice,
            "error": error,
            "error_for": error_for,
            "note": note,
            "max_reason": MAX_REASON,
        },
        session=session,
        status_code=status_code,
    )


@router.get("/disputes", response_class=HTMLResponse, name="disputes")
def disputes(
    request: Request,
    session: CurrentSession,
    status: Annotated[str, Query(max_length=20)] = "open",
) -> Response:
    actor = session.actor
    if actor.role is Role.creator:
        return redirect(request, "/my/disputes")
    require_role(actor, *READERS)
    return _queue(request, session, status)


@router.post("/disputes/{dispute_id}/resolve", response_class=HTMLResponse)
def resolve(
    request: Request,
    session: CheckedSession,
    dispute_id: int,
    decision: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    actor = session.actor
    require_role(actor, *RESOLVERS)
    try:
        services.resolve_dispute(
            dispute_id,
            decision=decision,
            note=_checked(note, "note"),
            reviewer=actor.audit_name,
            workspace=actor.workspace,
            settings=_settings_of(request),
        )
    except ConfigurationError as error:
        return _queue(
            request,
            session,
            "open",
            error=str(error),
            error_for=dispute_id,
            note=note[:MAX_REASON],
            status_code=422,
        )
    return redirect(request, f"/disputes?resolved={dispute_id}")


def _mine(
    request: Request,
    session: Session,
    *,
    error: str = "",
    reason: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    actor = session.actor
    creator_id = _own_creator(actor)
    found = services.list_disputes(
        workspace=actor.workspace,
        status=None,
        creator_id=creator_id,
        settings=_settings_of(request),
    )
    filed = request.query_params.get("filed", "")
    notice = ""
    if filed.isdigit() and any(d.dispute_id == int(filed) for d in found):
        notice = (
            f"Your dispute #{filed} is filed. A person will review it; its standing is shown below."
        )
    return render(
        request,
        "my_disputes.html",
        {
            "title": "My disputes",
            "disputes": list(reversed(found)),
            "notice": notice,
            "error": error,
            "reason": reason,
            "max_reason": MAX_REASON,
            "statuses": STATUSES,
        },
        session=session,
        status_code=status_code,
    )


@router.get("/my/disputes", response_class=HTMLResponse, name="my_disputes")
def my_disputes(request: Request, session: CurrentSession) -> Response:
    if session.actor.role is not Role.creator:
        require_role(session.actor, *READERS)
        return redirect(request, "/disputes")
    return _mine(request, session)


@router.post("/my/disputes", response_class=HTMLResponse)
def file_dispute(
    request: Request,
    session: CheckedSession,
    reason: Annotated[str, Form()] = "",
) -> Response:
    actor = session.actor
    creator_id = _own_creator(actor)
    try:
        dispute = services.file_dispute(
            creator_id,
            _checked(reason, "reason"),
            filed_by=actor.audit_name,
            workspace=actor.workspace,
            settings=_settings_of(request),
        )
    except ConfigurationError as error:
        return _mine(
            request, session, error=str(error), reason=reason[:MAX_REASON], status_code=422
        )
    return redirect(request, f"/my/disputes?filed={dispute.dispute_id}")
