"""The dashboard application: login, logout, error pages and the page routers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from trustreach import services
from trustreach.core import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDenied,
    Settings,
)
from trustreach.web import (
    _alerts,
    _content,
    _conversation,
    _disclosure,
    _discovery,
    _disputes,
    _pages,
    _people,
    _post_disclosure,
    _reports,
    _rights,
)
from trustreach.web._base import (
    CheckedSession,
    CsrfRefused,
    LoginRequired,
    TooManyLogins,
    client,
    error_page,
    render,
    secure,
    settings_of,
    url,
)
from trustreach.web._campaigns import router as campaigns_router
from trustreach.web._guard import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    LoginThrottle,
    SecurityHeaders,
    new_token,
    same_token,
)

_HERE = Path(__file__).parent
SESSION_HOURS = 12
MAX_EMAIL = 320
MAX_PASSWORD = 1024
"""Longer credentials are refused unchecked (no hashing of megabytes), as any wrong login is."""
GENERIC_LOGIN_ERROR = "That e-mail and password do not match an account. Please try again."

PAGE_ROUTERS = (
    _pages.router,
    _discovery.router,
    _disputes.router,
    _conversation.router,
    _content.router,
    _people.router,
    _reports.router,
    _alerts.router,
    campaigns_router,
    _disclosure.router,
    _post_disclosure.router,
    _rights.router,
)
"""The routers of the dashboard's pages, in the order they are matched."""


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
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    for page_router in PAGE_ROUTERS:
        app.include_router(page_router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, error: LoginRequired) -> Response:
        target = "/login?ended=1" if error.message else "/login"
        response = RedirectResponse(url(request, target), status_code=303)
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
            secure=secure(request),
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
        key = (email.strip().casefold(), client(request))
        throttle: LoginThrottle = request.app.state.login_throttle
        wait = throttle.retry_after(key)
        if wait:
            raise TooManyLogins(wait)
        try:
            if len(email) > MAX_EMAIL or len(password) > MAX_PASSWORD:
                raise AuthenticationError(GENERIC_LOGIN_ERROR)
            actor = services.authenticate_user(email, password, settings=settings_of(request))
        except AuthenticationError:
            throttle.fail(key)
            return login_form(request, error=GENERIC_LOGIN_ERROR, email=email, status_code=401)
        throttle.clear(key)
        token, _csrf = services.start_session(
            actor, hours=SESSION_HOURS, settings=settings_of(request)
        )
        response = RedirectResponse(url(request, "/"), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="strict",
            secure=secure(request),
            path="/",
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    @app.post("/logout")
    def logout(request: Request, session: CheckedSession) -> Response:
        services.end_session(session.token, settings=settings_of(request))
        response = RedirectResponse(url(request, "/login?out=1"), status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return app
