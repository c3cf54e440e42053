"""The dashboard application: login, logout and the workspace's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from trustreach import services
from trustreach.core import (
    Actor,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDenied,
    Role,
    Settings,
    require_role,
)
from trustreach.web._guard import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    LoginThrottle,
    SecurityHeaders,
    new_token,
    same_token,
)
from trustreach.web._views import (
    SORT_KEYS,
    creator_rows,
    fake_share_sentence,
    parse_sort,
    percent,
    record_counts,
    signal_name,
)

_HERE = Path(__file__).parent
SESSION_HOURS = 12
MAX_EMAIL = 320
MAX_PASSWORD = 1024
"""Longer credentials are refused unchecked (no hashing of megabytes), as any wrong login is."""
GENERIC_LOGIN_ERROR = "That e-mail and password do not match an account. Please try again."


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
    return Jinja2Templates(env=env)


def _settings(request: Request) -> Settings | None:
    settings: Settings | None = request.app.state.settings
    return settings


def current_session(request: Request) -> Session:
    """The request's session, or :class:`LoginRequired`."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    try:
        actor, csrf = services.session_actor(token, settings=_settings(request))
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


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _url(request: Request, path: str) -> str:
    return str(request.scope.get("root_path", "")) + path


def create_web_app(settings: Settings | None = None) -> FastAPI:
    """The dashboard as a FastAPI application, to serve alone or mount at ``/``.

    ``settings`` chooses the store (None: the process's settings). Pages are
    server-rendered; every page carries strict security headers, every form
    that changes something carries the session's CSRF token, and failed logins
    are throttled per e-mail and client address.
    """
    app = FastAPI(title="trustreach dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.login_throttle = LoginThrottle()
    templates = _templates()
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    def render(
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        session: Session | None = None,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        context = {
            "session": session,
            "csrf_field": CSRF_FIELD,
            "url": lambda path: _url(request, path),
            **context,
        }
        response: HTMLResponse = templates.TemplateResponse(
            request, name, context, status_code=status_code, headers=headers
        )
        return response

    def error_page(
        request: Request, status_code: int, title: str, message: str, **headers: str
    ) -> HTMLResponse:
        return render(
            request,
            "error.html",
            {"title": title, "message": message},
            status_code=status_code,
            headers=headers or None,
        )

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, error: LoginRequired) -> Response:
        target = "/login?ended=1" if error.message else "/login"
        response = RedirectResponse(_url(request, target), status_code=303)
        if error.message:
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, error: CsrfRefused) -> Response:
        return error_page(
            request,
            403,
            "Form refused",
            "This form was not sent from your open dashboard page (its security token is "
            "missing or out of date). Go back, reload the page and try again.",
        )

    @app.exception_handler(TooManyLogins)
    async def _too_many(request: Request, error: TooManyLogins) -> Response:
        return error_page(
            request,
            429,
            "Too many tries",
            f"Too many failed logins for this e-mail. Try again in {error.retry_after} seconds.",
            **{"Retry-After": str(error.retry_after)},
        )

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, error: PermissionDenied) -> Response:
        return error_page(request, 403, "Not allowed", "Your role may not open this page.")

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, error: NotFoundError) -> Response:
        return error_page(request, 404, "Not found", "There is no such page in your workspace.")

    @app.exception_handler(ConfigurationError)
    async def _bad_input(request: Request, error: ConfigurationError) -> Response:
        return error_page(request, 400, "Cannot show this", str(error))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in error.errors()
        )
        return error_page(request, 422, "Cannot show this", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return error_page(request, 404, "Not found", "There is no such page in your workspace.")
        return error_page(request, error.status_code, "Cannot show this", str(error.detail))

    # -- login and logout ------------------------------------------------------------

    def login_form(
        request: Request, *, error: str = "", email: str = "", status_code: int = 200
    ) -> HTMLResponse:
        token = new_token()
        notice = ""
        if request.query_params.get("ended"):
            notice = "Your session has ended; please log in again."
        elif request.query_params.get("out"):
            notice = "You are logged out."
        response = render(
            request,
            "login.html",
            {
                "title": "Log in",
                "login_csrf": token,
                "error": error,
                "email": email,
                "notice": notice,
            },
            status_code=status_code,
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path="/",
        )
        return response

    @app.get("/login", response_class=HTMLResponse, name="login")
    def login_page(request: Request) -> Response:
        return login_form(request)

    @app.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        email: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
            raise CsrfRefused()
        key = (email.strip().casefold(), _client(request))
        throttle: LoginThrottle = request.app.state.login_throttle
        wait = throttle.retry_after(key)
        if wait:
            raise TooManyLogins(wait)
        try:
            if len(email) > MAX_EMAIL or len(password) > MAX_PASSWORD:
                raise AuthenticationError(GENERIC_LOGIN_ERROR)
            actor = services.authenticate_user(email, password, settings=_settings(request))
        except AuthenticationError:
            throttle.fail(key)
            return login_form(request, error=GENERIC_LOGIN_ERROR, email=email, status_code=401)
        throttle.clear(key)
        token, _csrf = services.start_session(
            actor, hours=SESSION_HOURS, settings=_settings(request)
        )
        response = RedirectResponse(_url(request, "/"), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path="/",
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    @app.post("/logout")
    def logout(request: Request, session: CheckedSession) -> Response:
        services.end_session(session.token, settings=_settings(request))
        response = RedirectResponse(_url(request, "/login?out=1"), status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # -- pages ---------------------------------------------------------------------

    def own_page(request: Request, actor: Actor) -> Response:
        """A creator sees only their own page."""
        if actor.creator_id is None:
            raise PermissionDenied("a creator login without a creator")
        return RedirectResponse(_url(request, f"/creators/{actor.creator_id}"), status_code=303)

    @app.get("/", response_class=HTMLResponse, name="overview")
    def overview(request: Request, session: CurrentSession) -> Response:
        actor = session.actor
        if actor.role is Role.creator:
            return own_page(request, actor)
        require_role(actor, Role.analyst, Role.approver, Role.auditor)
        summary = services.summarize_workspace(actor.workspace, settings=_settings(request))
        audits = services.latest_creator_audits(actor.workspace, settings=_settings(request))
        raised = sum(1 for a in audits.values() if a.raised_signals)
        return render(
            request,
            "overview.html",
            {
                "title": "Overview",
                "summary": summary,
                "counts": record_counts(summary.counts),
                "audited": len(audits),
                "raised": raised,
            },
            session=session,
        )

    @app.get("/creators", response_class=HTMLResponse, name="creators")
    def creators(
        request: Request,
        session: CurrentSession,
        sort: Annotated[str, Query(max_length=20)] = "name",
        q: Annotated[str, Query(max_length=200)] = "",
        niche: Annotated[str, Query(max_length=100)] = "",
    ) -> Response:
        actor = session.actor
        if actor.role is Role.creator:
            return own_page(request, actor)
        require_role(actor, Role.analyst, Role.approver, Role.auditor)
        lines = services.list_creator_lines(actor.workspace, settings=_settings(request))
        audits = services.latest_creator_audits(actor.workspace, settings=_settings(request))
        rows = creator_rows(lines, audits, sort=sort, query=q, niche=niche)
        key, descending = parse_sort(sort)
        niches = sorted({n for c in lines for n in c.niches})
        return render(
            request,
            "creators.html",
            {
                "title": "Creators",
                "rows": rows,
                "total": len(lines),
                "sort_key": key,
                "descending": descending,
                "sort": sort,
                "sort_keys": SORT_KEYS,
                "q": q,
                "niche": niche,
                "niches": niches,
            },
            session=session,
        )

    @app.get("/creators/{creator_id}", response_class=HTMLResponse, name="creator")
    def creator(request: Request, session: CurrentSession, creator_id: str) -> Response:
        actor = session.actor
        if actor.role is Role.creator and creator_id != actor.creator_id:
            raise NotFoundError("another creator")
        found = services.creator_evidence(
            creator_id, workspace=actor.workspace, settings=_settings(request)
        )
        evidence = found.evidence or {}
        signals = sorted(
            evidence.get("signals", []), key=lambda s: (not s.get("raised"), s.get("kind", ""))
        )
        return render(
            request,
            "creator.html",
            {
                "title": found.display_name,
                "creator": found,
                "evidence": evidence,
                "signals": signals,
                "own": actor.role is Role.creator,
            },
            session=session,
        )

    @app.get("/audit-log", response_class=HTMLResponse, name="audit_log")
    def audit_log(
        request: Request,
        session: CurrentSession,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> Response:
        actor = session.actor
        require_role(actor, Role.auditor)
        entries = services.list_audit(
            workspace=actor.workspace, limit=limit, settings=_settings(request)
        )
        verdict = services.inspect_audit_log(_settings(request))
        return render(
            request,
            "audit_log.html",
            {
                "title": "Audit log",
                "entries": list(reversed(entries)),
                "limit": limit,
                "verified": not verdict.unacknowledged,
                "breaks": len(verdict.unacknowledged),
                "acknowledged": len(verdict.breaks) - len(verdict.unacknowledged),
            },
            session=session,
        )

    return app
