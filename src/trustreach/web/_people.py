"""People and API keys of the workspace (admins).

Admins list the workspace's people and keys, add a person (with a first password
they choose), disable a person, create a key and revoke one. A new key's secret
is shown once, on the page that answers the form, and never again: it is not put
in a URL, a log or the audit log, and that page is sent with
``Cache-Control: no-store``. Every change names the signed-in admin in the audit
log (:attr:`~trustreach.core.Actor.audit_name`); another workspace's person or key
is "not found".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from trustreach import services
from trustreach.core import ConfigurationError, NotFoundError, Role, require_role
from trustreach.services._identity import KEY_ROLES, MAX_KEY_DAYS, MIN_PASSWORD_LENGTH
from trustreach.web._base import CheckedSession, CurrentSession, Session, redirect, render
from trustreach.web._base import settings_of as _settings

router = APIRouter()

NOTICES = {
    "user": "The person was added. Give them their first password in person or by another "
    "channel than e-mail; they can sign in at once.",
    "disabled": "The person is disabled: they can no longer sign in and their sessions ended.",
    "revoked": "The key is revoked: it no longer works.",
}
"""The fixed notices a redirect back to the page may name (``?done=KEY``): no free text."""

_FORM_TEXT = 400  # longer fields are refused by the services' own checks; this bounds parsing


def _page(
    request: Request,
    session: Session,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = session.actor
    settings = _settings(request)
    people = services.list_users(actor.workspace, settings=settings)
    keys = services.list_keys(actor.workspace, settings=settings)
    creators = services.list_creator_lines(actor.workspace, settings=settings)
    done = request.query_params.get("done", "")
    return render(
        request,
        "people.html",
        {
            "title": "People & keys",
            "people": people,
            "keys": keys,
            "creators": creators,
            "roles": [r.value for r in Role],
            "key_roles": [r.value for r in KEY_ROLES],
            "min_password": MIN_PASSWORD_LENGTH,
            "max_key_days": MAX_KEY_DAYS,
            "notice": NOTICES.get(done, ""),
            "error": error,
            "form": form or {},
        },
        session=session,
        status_code=status_code,
    )


@router.get("/people", response_class=HTMLResponse, name="people")
def people(request: Request, session: CurrentSession) -> Response:
    require_role(session.actor)  # admins only
    return _page(request, session)


@router.post("/people/users", response_class=HTMLResponse)
def create_person(
    request: Request,
    session: CheckedSession,
    email: Annotated[str, Form(max_length=_FORM_TEXT)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    creator_id: Annotated[str, Form(max_length=_FORM_TEXT)] = "",
    password: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    actor = session.actor
    require_role(actor)
    try:
        services.create_user(
            email,
            workspace=actor.workspace,
            role=role,
            password=password,
            creator_id=creator_id.strip() or None,
            by=actor,
            settings=_settings(request),
        )
    except (ConfigurationError, NotFoundError) as error:  # NotFound: no such creator here
        form = {"email": email, "role": role, "creator_id": creator_id}
        return _page(request, session, error=str(error), form=form, status_code=422)
    return redirect(request, "/people?done=user")


def _person(request: Request, session: Session, user_id: str) -> Any:
    for person in services.list_users(session.actor.workspace, settings=_settings(request)):
        if person.user_id == user_id:
            return person
    raise NotFoundError(f"no user {user_id!r} in this workspace")


@router.post("/people/users/{user_id}/disable", response_class=HTMLResponse)
def disable_person(request: Request, session: CheckedSession, user_id: str) -> Response:
    actor = session.actor
    require_role(actor)
    person = _person(request, session, user_id)
    try:
        services.disable_user(
            person.email, workspace=actor.workspace, by=actor, settings=_settings(request)
        )
    except ConfigurationError as error:  # their own account
        return _page(request, session, error=str(error), status_code=409)
    return redirect(request, "/people?done=disabled")


@router.post("/people/keys", response_class=HTMLResponse)
def create_key(
    request: Request,
    session: CheckedSession,
    role: Annotated[str, Form(max_length=40)] = "",
    label: Annotated[str, Form(max_length=_FORM_TEXT)] = "",
    expires_days: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    actor = session.actor
    require_role(actor)
    form = {"key_role": role, "label": label, "expires_days": expires_days}
    days: int | None = None
    try:
        if expires_days.strip():
            if not expires_days.strip().isdigit():
                raise ConfigurationError(
                    f"expires_days {expires_days!r} not allowed; allowed: a whole number of days "
                    f"from 1 to {MAX_KEY_DAYS}, or empty for a key that does not expire"
                )
            days = int(expires_days.strip())
        secret, info = services.create_key(
            workspace=actor.workspace,
            role=role,
            label=label,
            expires_days=days,
            by=actor,
            settings=_settings(request),
        )
    except ConfigurationError as error:
        return _page(request, session, error=str(error), form=form, status_code=422)
    # The one and only time the secret is shown: this answer, never cached, never redirected.
    return render(
        request,
        "key_created.html",
        {"title": "New API key", "secret": secret, "key": info},
        session=session,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


@router.post("/people/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(request: Request, session: CheckedSession, key_id: str) -> Response:
    actor = session.actor
    require_role(actor)
    services.revoke_key(key_id, workspace=actor.workspace, by=actor, settings=_settings(request))
    return redirect(request, "/people?done=revoked")
