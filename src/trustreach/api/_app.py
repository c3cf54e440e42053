"""The ASGI app: the API under ``/api/v1`` and, when installed, the dashboard at ``/``."""

from __future__ import annotations

import importlib.util
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustreach import __version__
from trustreach.api import (
    _compliance_routes,
    _content_draft_routes,
    _content_hashtags_routes,
    _content_times_routes,
    _content_trends_routes,
    _disclosure_routes,
    _events_routes,
    _jobs_routes,
    _model_routes,
    _report_routes,
    _rights_routes,
    _write_routes,
)
from trustreach.api._alert_routes import router as alert_router
from trustreach.api._auth import Limits
from trustreach.api._campaign_routes import router as campaign_router
from trustreach.api._problems import PROBLEM_JSON, install_problem_handlers, problem
from trustreach.api._routes import fallback, public, router
from trustreach.core import Settings, get_settings

_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
_API_HEADERS = (
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """Adds the security headers to every response that does not set its own.

    Everything gets ``nosniff``, ``DENY`` framing and ``no-referrer``; API answers
    (``/api/``, ``/openapi.json``) also a CSP that allows nothing and ``no-store``
    (the dashboard sets its own CSP for its pages). Over HTTPS, HSTS.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = list(_HEADERS)
        if path.startswith("/api/") or path == "/openapi.json":
            extra += _API_HEADERS
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in extra if n not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


UPLOAD_PATHS = frozenset({"/api/v1/imports"})
"""Routes that take file uploads: their bodies may reach the upload limit instead."""


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with a 413 problem, before or while reading.

    A declared ``Content-Length`` over the limit is answered at once; a body sent
    in chunks is counted as it is read and stops the request at the limit, so a
    large body is never held in memory. File uploads (:data:`UPLOAD_PATHS`,
    spooled to disk as they are read) have their own, larger ``upload_limit``.
    """

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = limit if upload_limit is None else upload_limit

    @staticmethod
    def _detail(limit: int) -> str:
        return f"the request body is larger than {limit} bytes, the most allowed"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope.get("path") in UPLOAD_PATHS else self.limit
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            request = Request(scope, receive)
            await problem(request, 413, self._detail(limit))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, self._detail(limit))
            return message

        await self.app(scope, counted, send)


NUL_DETAIL = "text may not contain the NUL character (U+0000): the store cannot keep it"


_NUL_NEEDLES = {"application/json": b"\\u0000", "application/x-www-form-urlencoded": b"%00"}
"""How a NUL is spelled in each text body type this middleware reads."""


class NoNul:
    """Refuses a NUL character (U+0000) in a request's path, query or text body with a 422.

    Neither PostgreSQL nor a person's text has a use for it, and a NUL reaching
    a query would be a server error instead of a clear answer. JSON bodies are
    checked for the ``\\u0000`` escape and form bodies for ``%00`` while they
    are read (chunk boundaries included); file uploads (multipart) are content
    and pass unchecked.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
            await problem(Request(scope, receive), 422, NUL_DETAIL)(scope, receive, send)
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1")
        needle = _NUL_NEEDLES.get(content_type.split(";")[0].strip().lower())
        if needle is None:
            await self.app(scope, receive, send)
            return
        tail = b""

        async def checked() -> Message:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = tail + message.get("body", b"")
                if needle in chunk or b"\x00" in chunk:
                    raise HTTPException(422, NUL_DETAIL)
                tail = chunk[-(len(needle) - 1) :]
            return message

        await self.app(scope, checked, send)


_TOO_MANY = {
    "description": "Too many requests from this key; `Retry-After` says when to retry.",
    "headers": {
        "Retry-After": {
            "description": "Seconds until a request would be accepted.",
            "schema": {"type": "integer"},
        }
    },
    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def _document_rate_limits(app: FastAPI) -> None:
    """Every operation that takes a key may answer 429 (see ``_limits``): say so in OpenAPI."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path, operations in schema.get("paths", {}).items():
                if not path.startswith("/api/v1/") or path == "/api/v1/health":
                    continue
                for operation in operations.values():
                    operation.setdefault("responses", {}).setdefault("429", _TOO_MANY)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None, *, max_body_bytes: int | None = None) -> FastAPI:
    """The trustreach ASGI app on the store ``settings`` name (default: the environment's).

    Request bodies are limited to ``max_body_bytes`` (default: the setting
    ``api_max_body_bytes``, ``TRUSTREACH_API_MAX_BODY_BYTES``, 1 MiB).

    Serve it with ``trustreach serve`` (uvicorn). OpenAPI 3.1 is at ``/openapi.json``;
    interactive docs pages are off (they would load scripts from a CDN).
    """
    app = FastAPI(
        title="trustreach API",
        version=__version__,
        summary="Explained, auditable, contestable influencer vetting: the REST API.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings = settings or get_settings()
    if max_body_bytes is None:
        max_body_bytes = settings.api_max_body_bytes
    app.state.rate_limits = Limits(settings.api_rate_limit_per_minute)
    install_problem_handlers(app)
    app.include_router(public)
    app.include_router(router)
    app.include_router(_write_routes.router)
    app.include_router(_jobs_routes.router)
    app.include_router(_report_routes.router)
    app.include_router(campaign_router)
    app.include_router(alert_router)
    app.include_router(_events_routes.router)
    app.include_router(_disclosure_routes.router)
    app.include_router(_compliance_routes.router)
    app.include_router(_rights_routes.router)
    app.include_router(_model_routes.router)
    app.include_router(_content_times_routes.router)
    app.include_router(_content_hashtags_routes.router)
    app.include_router(_content_trends_routes.router)
    app.include_router(_content_draft_routes.router)
    app.include_router(fallback)
    _document_rate_limits(app)
    app.add_middleware(BodyLimit, limit=max_body_bytes, upload_limit=settings.api_max_upload_bytes)
    app.add_middleware(NoNul)
    app.add_middleware(SecurityHeaders)
    if importlib.util.find_spec("trustreach.web") is not None:
        from trustreach.web import create_web_app  # the dashboard, mounted at "/"

        app.mount("/", create_web_app(app.state.settings))
    return app
