"""Read routes under ``/api/v1``: every one scoped to the caller's workspace.

Another workspace's id answers 404 exactly like an id that does not exist, so
a caller can neither read nor count what another tenant holds.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from trustreach import __version__
from trustreach.api import _models as m
from trustreach.api._auth import CurrentActor, own_creator, settings_of
from trustreach.api._cursor import decode_cursor, encode_cursor
from trustreach.api._problems import PROBLEM_JSON
from trustreach.core import ConfigurationError, Role, require_role
from trustreach.services import Shortlist, _authenticity, _listing

READERS = (Role.analyst, Role.approver, Role.auditor)
"""Roles that read a workspace's creators and shortlists (admin always may)."""

_ID = {"min_length": 1, "max_length": 200}


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {"model": m.Problem, "content": {PROBLEM_JSON: {}}, "description": "A problem."}
        for s in statuses
    }


router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 422, 500))
public = APIRouter(prefix="/api/v1")

Limit = Annotated[int, Query(ge=1, le=_listing.MAX_PAGE, description="Items per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="The `next_cursor` of the previous page (opaque)."),
]


def _after(listing: str, cursor: str | None) -> str | None:
    try:
        return decode_cursor(listing, cursor)
    except ConfigurationError as e:
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": str(e), "type": "value_error"}]
        ) from None


@public.get("/health", response_model=m.Health, tags=["meta"])
def health() -> m.Health:
    """The server is up (reads nothing, needs no key)."""
    return m.Health(status="ok", version=__version__)


# ------------------------------------------------------------------ creators


def _creator(record: _listing.CreatorRecord) -> m.Creator:
    return m.Creator(
        creator_id=record.creator_id,
        display_name=record.display_name,
        niches=record.niches,
        country=record.country,
        language=record.language,
        accounts=[m.Account(**vars(a)) for a in record.accounts],
        audit_seq=record.audit_seq,
        audited_at=record.audited_at,
        audience_quality=record.audience_quality,
    )


@router.get("/creators", response_model=m.CreatorPage, tags=["creators"])
def list_creators(
    request: Request, actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> m.CreatorPage:
    """Creators of your workspace in id order (a creator's login: only their own)."""
    require_role(actor, *READERS, Role.creator)
    page = _listing.page_creators(
        workspace=actor.workspace,
        limit=limit,
        after=_after("creators", cursor),
        only=actor.creator_id if actor.role is Role.creator else None,
        settings=settings_of(request),
    )
    return m.CreatorPage(
        items=[_creator(c) for c in page.items],
        next_cursor=encode_cursor("creators", page.next_after),
    )


CreatorId = Annotated[str, Path(**_ID, description="The creator's id.")]


@router.get(
    "/creators/{creator_id}",
    response_model=m.Creator,
    tags=["creators"],
    responses=_problems(404),
)
def get_creator(request: Request, actor: CurrentActor, creator_id: CreatorId) -> m.Creator:
    """One creator of your workspace."""
    require_role(actor, *READERS, Role.creator)
    own_creator(actor, creator_id)
    record = _listing.get_creator(
        creator_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return _creator(record)


@router.get(
    "/creators/{creator_id}/audit",
    response_model=m.AuditEvidence,
    tags=["creators"],
    responses=_problems(404),
)
def get_creator_audit(
    request: Request, actor: CurrentActor, creator_id: CreatorId
) -> m.AuditEvidence:
    """The evidence of the creator's latest audit (404 when never audited)."""
    require_role(actor, *READERS, Role.creator)
    own_creator(actor, creator_id)
    seq, at, evidence = _listing.creator_audit_evidence(
        creator_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return m.AuditEvidence(
        creator_id=creator_id,
        audit_seq=seq,
        generated_at=at,
        evidence=evidence,
        generated_by=_authenticity.audit_generated_by(evidence),
    )


# ------------------------------------------------------------------ shortlists


def _summary(s: Shortlist) -> dict[str, Any]:
    return {
        "shortlist_id": s.shortlist_id,
        "brief_id": s.brief_id,
        "campaign_id": s.campaign_id,
        "status": s.status,
        "created_at": s.created_at,
        "created_by": s.created_by,
        "entries": len(s.entries),
        "approved": len(s.approved),
    }


@router.get("/shortlists", response_model=m.ShortlistPage, tags=["shortlists"])
def list_shortlists(
    request: Request, actor: CurrentActor, limit: Limit = 20, cursor: Cursor = None
) -> m.ShortlistPage:
    """Shortlists of your workspace, newest first."""
    require_role(actor, *READERS)
    page = _listing.page_shortlists(
        workspace=actor.workspace,
        limit=limit,
        after=_after("shortlists", cursor),
        settings=settings_of(request),
    )
    return m.ShortlistPage(
        items=[m.ShortlistSummary(**_summary(s)) for s in page.items],
        next_cursor=encode_cursor("shortlists", page.next_after),
    )


@router.get(
    "/shortlists/{shortlist_id}",
    response_model=m.Shortlist,
    tags=["shortlists"],
    responses=_problems(404),
)
def get_shortlist(
    request: Request,
    actor: CurrentActor,
    shortlist_id: Annotated[str, Path(**_ID, description="The shortlist's id.")],
) -> m.Shortlist:
    """One shortlist: each creator's standing, and every decision with who made it."""
    require_role(actor, *READERS)
    s = _listing.find_shortlist(
        shortlist_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return m.Shortlist(
        **_summary(s),
        brief_digest=s.brief_digest,
        model_versions=s.model_versions,
        parameters=s.parameters,
        items=[
            m.ShortlistEntry(
                creator_id=e.creator_id,
                display_name=e.display_name,
                rank=e.rank,
                score=e.score,
                components=e.components,
                explanation=e.explanation,
                source=e.source,
                added_by=e.added_by,
                reason=e.reason,
                status=e.status,
                decided_by=e.decided_by,
                decision_reason=e.decision_reason,
            )
            for e in s.entries
        ],
        decisions=[m.Decision(**vars(d)) for d in s.decisions],
    )


# ------------------------------------------------------------------ audit log


@router.get("/audit-log", response_model=m.AuditPage, tags=["audit log"])
def list_audit_log(
    request: Request, actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> m.AuditPage:
    """Your workspace's audit records, newest first (auditor, admin)."""
    require_role(actor, Role.auditor)
    after = _after("audit-log", cursor)
    if after is not None and not (after.isascii() and after.isdigit()):
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": "cursor is not valid", "type": "value_error"}]
        )
    page = _listing.page_audit_log(
        workspace=actor.workspace,
        limit=limit,
        after=int(after) if after is not None else None,
        settings=settings_of(request),
    )
    items = []
    for e in page.items:
        try:
            details = json.loads(e.details) if e.details else {}
        except ValueError:  # an altered record: shown as stored, `verify` names the break
            details = {"unparsed": e.details}
        items.append(
            m.AuditRecord(
                seq=e.seq,
                recorded_at=e.recorded_at,
                actor=e.actor,
                action=e.action,
                subject=e.subject,
                model_name=e.model_name,
                model_version=e.model_version,
                input_digest=e.input_digest,
                details=details if isinstance(details, dict) else {"value": details},
                hash=e.hash,
                prev_hash=e.prev_hash,
            )
        )
    return m.AuditPage(items=items, next_cursor=encode_cursor("audit-log", page.next_after))


@router.get("/audit-log/verify", response_model=m.ChainReport, tags=["audit log"])
def verify_audit_log(request: Request, actor: CurrentActor) -> m.ChainReport:
    """Verify the audit log's hash chain (auditor, admin)."""
    require_role(actor, Role.auditor)
    chain = _listing.workspace_chain(workspace=actor.workspace, settings=settings_of(request))
    return m.ChainReport(
        intact=chain.intact,
        records=chain.records,
        breaks=[m.ChainBreak(seq=s, kind=k) for s, k in chain.breaks],
    )


# ------------------------------------------------------------------ anything else under /api

fallback = APIRouter()


@fallback.api_route(
    "/api/{rest:path}",
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
def no_such_route(request: Request, rest: str) -> None:
    """A problem, not the dashboard's page: 405 naming the allowed methods, or 404."""
    allowed: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), request.url.path):
            allowed |= {method.upper() for method in operations}
    if allowed:
        raise HTTPException(
            405,
            f"{request.method} is not allowed on {request.url.path}; allowed: "
            + ", ".join(sorted(allowed)),
            headers={"Allow": ", ".join(sorted(allowed))},
        )
    raise HTTPException(404, f"no route {request.url.path}; the API's routes are in /openapi.json")
