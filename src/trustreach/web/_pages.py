"""The workspace's read pages: overview, creators, a creator's audit evidence, the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from trustreach import services
from trustreach.core import NotFoundError, Role, require_role
from trustreach.web._base import CurrentSession, own_page, render, settings_of
from trustreach.web._views import SORT_KEYS, creator_rows, parse_sort, record_counts

router = APIRouter()


@router.get("/", response_class=HTMLResponse, name="overview")
def overview(request: Request, session: CurrentSession) -> Response:
    actor = session.actor
    if actor.role is Role.creator:
        return own_page(request, actor)
    require_role(actor, Role.analyst, Role.approver, Role.auditor)
    summary = services.summarize_workspace(actor.workspace, settings=settings_of(request))
    audits = services.latest_creator_audits(actor.workspace, settings=settings_of(request))
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


@router.get("/creators", response_class=HTMLResponse, name="creators")
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
    lines = services.list_creator_lines(actor.workspace, settings=settings_of(request))
    audits = services.latest_creator_audits(actor.workspace, settings=settings_of(request))
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


@router.get("/creators/{creator_id}", response_class=HTMLResponse, name="creator")
def creator(request: Request, session: CurrentSession, creator_id: str) -> Response:
    actor = session.actor
    if actor.role is Role.creator and creator_id != actor.creator_id:
        raise NotFoundError("another creator")
    found = services.creator_evidence(
        creator_id, workspace=actor.workspace, settings=settings_of(request)
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


@router.get("/audit-log", response_class=HTMLResponse, name="audit_log")
def audit_log(
    request: Request,
    session: CurrentSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    actor = session.actor
    require_role(actor, Role.auditor)
    entries = services.list_audit(
        workspace=actor.workspace, limit=limit, settings=settings_of(request)
    )
    verdict = services.inspect_audit_log(settings_of(request))
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
