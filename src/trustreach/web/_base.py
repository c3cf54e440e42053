"""What every dashboard page shares: the session, its CSRF check, rendering and errors.

Page modules (``_pages``, and one module per area) each define an ``APIRouter``
and use :data:`CurrentSession` (a signed-in person) or :data:`CheckedSession`
(a signed-in person sending a form with the session's CSRF token) and
:func:`render`. :func:`~trustreach.web._app.create_web_app` includes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from trustreach import services
from trustreach.core import (
    Actor,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDenied,
    Role,
    Settings,
)
from trustreach.ethics.disclosure import generated_by
from trustreach.web._guard import CSRF_FIELD, SESSION_COOKIE, same_token
from trustreach.web._views import fake_share_sentence, percent, signal_name

_HERE = Path(__file__).parent


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login form."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class CsrfRefused(Exception):
    """A state-changing form came without the session's CSRF token."""


class TooManyLogins(Exception):
    """Too many failed logins for this e-mail from this address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class Session:
    """The signed-in person of one request and their session's CSRF token."""

    def __init__(self, actor: Actor, csrf: str, token: str) -> None:
        self.actor = actor
        self.csrf = csrf
        self.token = token


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = percent
    env.filters["signal_name"] = signal_name
    env.globals["fake_share_sentence"] = fake_share_sentence
    env.globals["generated_by"] = generated_by()  # the machine-generated marker's words
    return Jinja2Templates(env=env)


def settings_of(request: Request) -> Settings | None:
    settings: Settings | None = request.app.state.settings
    return settings


def current_session(request: Request) -> Session:
    """The request's session, or :class:`LoginRequired`."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    try:
        actor, csrf = services.session_actor(token, settings=settings_of(request))
    except AuthenticationError as error:
        raise LoginRequired("Your session has ended; please log in again.") from error
    return Session(actor, csrf, token)


CurrentSession = Annotated[Session, Depends(current_session)]


async def checked_session(request: Request, session: CurrentSession) -> Session:
    """The session of a state-changing form: its CSRF token must be the session's."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not same_token(given if isinstance(given, str) else None, session.csrf):
        raise CsrfRefused()
    return session


CheckedSession = Annotated[Session, Depends(checked_session)]


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def url(request: Request, path: str) -> str:
    return str(request.scope.get("root_path", "")) + path


TEMPLATES = _templates()


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    session: Session | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The template ``name`` with ``context``, the session and the ``url`` helper."""
    context = {
        "session": session,
        "csrf_field": CSRF_FIELD,
        "url": lambda path: url(request, path),
        **context,
    }
    response: HTMLResponse = TEMPLATES.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
    return response


def error_page(
    request: Request, status_code: int, title: str, message: str, **headers: str
) -> HTMLResponse:
    """The error page with a plain-language message."""
    return render(
        request,
        "error.html",
        {"title": title, "message": message},
        status_code=status_code,
        headers=headers or None,
    )


def redirect(request: Request, path: str) -> RedirectResponse:
    """A 303 to ``path`` under the app's root (after a form: the browser GETs the page)."""
    return RedirectResponse(url(request, path), status_code=303)


def own_page(request: Request, actor: Actor) -> RedirectResponse:
    """A creator sees only their own page."""
    if actor.creator_id is None:
        raise PermissionDenied("a creator login without a creator")
    return redirect(request, f"/creators/{actor.creator_id}")


def own_creator(actor: Actor, *, only: str) -> str:
    """The creator a creator's login speaks for on its "My ..." pages.

    Another role is refused (``only``: what only a creator does there, e.g.
    ``"sees their own data here"``); a creator login without a creator finds nothing.
    """
    if actor.role is not Role.creator:
        raise PermissionDenied(f"only a creator {only}")
    if actor.creator_id is None:
        raise NotFoundError("a creator login without a creator")
    return actor.creator_id


def checked_length(text: str, name: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` characters; else an error naming the form field."""
    if len(text) > limit:
        raise ConfigurationError(f"{name} is {len(text):,} characters; at most {limit:,} allowed")
    return text
