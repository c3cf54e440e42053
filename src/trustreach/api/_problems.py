"""Errors as ``application/problem+json`` (RFC 9457), one place for every route.

Each answer has ``type``, ``title``, ``status``, ``detail`` and ``instance`` (the
request path); a validation error adds ``errors``, one per field, naming the
field and what is allowed. A server error answers a generic problem and logs
the cause: no stack trace or internal message ever reaches the caller.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from trustreach.api._limits import RateLimited
from trustreach.core import (
    AuditChainError,
    AuthenticationError,
    ConfigurationError,
    ImportValidationError,
    NotFoundError,
    PermissionDenied,
    StoreBusyError,
)
from trustreach.services._idempotency import IdempotencyConflict

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_BUSY_S = 5
log = logging.getLogger("trustreach.api")


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem document for ``status`` (type ``about:blank``: the title is the status phrase)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """``body.decision`` / ``query.limit``: where the value was, then its name."""
    return ".".join(str(part) for part in loc)


def _allowed(error: dict[str, Any]) -> str | None:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return str(ctx["expected"])
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    bounds = [f"{words[k]} {v}" for k, v in ctx.items() if k in words]
    return ", ".join(bounds) if bounds else None


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for e in exc.errors():
        item = {"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        allowed = _allowed(e)
        if allowed:
            item["allowed"] = allowed
        errors.append(item)
    fields = ", ".join(e["field"] for e in errors)
    return problem(request, 422, f"the request is not valid: {fields}", errors=errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).description
    if status == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}; the API is under /api/v1 (see /openapi.json)"
    return problem(request, status, detail, headers=dict(exc.headers or {}))


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    # Never the service's message: it may name other workspaces of the store.
    return problem(request, 404, f"{request.url.path} was not found in your workspace")


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ImportValidationError):
        errors = [
            {"field": e.field or "", "message": e.message, "file": e.file, "row": e.row}
            for e in exc.errors
        ]
        return problem(request, 422, str(exc), errors=errors)
    return problem(request, 422, str(exc))


async def _idempotency(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IdempotencyConflict)
    if exc.in_progress:
        return problem(request, 409, str(exc), headers={"Retry-After": "1"})
    return problem(
        request,
        422,
        str(exc),
        errors=[{"field": "header.Idempotency-Key", "message": str(exc)}],
    )


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return problem(request, 429, str(exc), headers={"Retry-After": str(exc.retry_after)})


async def _unauthenticated(request: Request, exc: Exception) -> JSONResponse:
    return problem(
        request, 401, str(exc), headers={"WWW-Authenticate": 'Bearer realm="trustreach"'}
    )


async def _forbidden(request: Request, exc: Exception) -> JSONResponse:
    return problem(request, 403, str(exc))


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    log.warning("store busy: %s", exc)
    return problem(
        request,
        503,
        "the store is busy with another writer; nothing was changed, try again",
        headers={"Retry-After": str(RETRY_AFTER_BUSY_S)},
    )


async def _chain(request: Request, exc: Exception) -> JSONResponse:
    log.error("audit chain: %s", exc)
    return problem(
        request,
        409,
        "the audit log does not verify, so changes are refused until an administrator "
        "recovers it (`trustreach audit recover`)",
    )


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, "an internal error occurred; it was logged")


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error to its problem document (see the module docstring)."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ConfigurationError, _invalid)
    app.add_exception_handler(ImportValidationError, _invalid)
    app.add_exception_handler(IdempotencyConflict, _idempotency)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(AuthenticationError, _unauthenticated)
    app.add_exception_handler(PermissionDenied, _forbidden)
    app.add_exception_handler(StoreBusyError, _busy)
    app.add_exception_handler(AuditChainError, _chain)
    app.add_exception_handler(Exception, _server_error)
