"""Campaign pages: the workspace's campaigns, and one campaign's KPIs side by side.

``/campaigns`` lists the campaigns; ``/campaigns/{id}`` shows
:func:`trustreach.services.campaign_kpis` by creator: every figure with its
formula (as text beside it and as the cell's tooltip), the reason where a
figure is null, the coverage (share of posts with first-party figures) and the
freshness (``as_of``). The figures are rendered by the partial template
``_campaign_kpis.html`` so a live update can re-render just that part.
``/campaigns/{id}/live`` streams the re-rendered partial as server-sent events
whenever the campaign's figures change (``static/live.js`` swaps it in), so the
page follows events as they are accepted without a reload (docs/web.md).
``/campaigns/{id}/report.html`` and ``.pdf`` download the KPI report. Another
workspace's campaign answers 404, like any page.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from jinja2 import TemplateNotFound
from starlette.concurrency import run_in_threadpool

from trustreach import services
from trustreach.campaigns import (
    FORMULAS,
    LABELS,
    REACH_KEYS,
    RESULT_KEYS,
    KpiReport,
    format_kpi,
    roi_text,
)
from trustreach.core import AuthenticationError, Role, require_role
from trustreach.web._base import TEMPLATES, CurrentSession, render, settings_of, url
from trustreach.web._guard import CSRF_FIELD
from trustreach.web._reports import _download as download

router = APIRouter()

READERS = (Role.analyst, Role.approver, Role.auditor)
"""Who may read campaigns (admin always may)."""


@router.get("/campaigns", response_class=HTMLResponse, name="campaigns")
def campaigns(request: Request, session: CurrentSession) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    items = services.list_campaigns(workspace=actor.workspace, settings=settings_of(request))
    return render(
        request, "campaigns.html", {"title": "Campaigns", "campaigns": items}, session=session
    )


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse, name="campaign")
def campaign(
    request: Request,
    session: CurrentSession,
    campaign_id: Annotated[str, Path(max_length=200)],
) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    settings = settings_of(request)
    # read before the figures: a change in between is sent by the live stream
    version = services.campaign_version(campaign_id, workspace=actor.workspace, settings=settings)
    report = services.campaign_kpis(
        campaign_id, by="creator", workspace=actor.workspace, settings=settings
    )
    if version is None:  # the read built the figures first: their version now
        version = services.campaign_version(
            campaign_id, workspace=actor.workspace, check=False, settings=settings
        )
    context = {**_kpi_context(report), "title": report.name, "version": version}
    return render(request, "campaign.html", context, session=session)


def _kpi_context(report: KpiReport) -> dict[str, Any]:
    """What the partial ``_campaign_kpis.html`` needs."""
    return {
        "report": report,
        "labels": LABELS,
        "formulas": FORMULAS,
        "tables": (("reach and engagement", REACH_KEYS), ("cost and results", RESULT_KEYS)),
        "format_kpi": format_kpi,
        "roi_text": roi_text,
    }


LIVE_POLL_S = 0.5
"""How often a live stream reads its campaign's version (one primary-key read)."""
LIVE_SESSION_CHECK_S = 15.0
"""How often a live stream checks that its session is still valid (ended: the stream ends)."""
LIVE_LIFETIME_S = 300.0
"""How long one stream lasts; the browser's EventSource then reconnects (the session is
checked again, the last version shown travels as ``Last-Event-ID``)."""


def _event(name: str, data: str, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    lines = "".join(f"data: {line}\n" for line in (data.splitlines() or [""]))
    return f"{head}event: {name}\n{lines}\n"


@router.get("/campaigns/{campaign_id}/live", name="campaign_live")
def campaign_live(
    request: Request,
    session: CurrentSession,
    campaign_id: Annotated[str, Path(max_length=200)],
    since: Annotated[int | None, Query()] = None,
) -> Response:
    """Server-sent events: the re-rendered ``_campaign_kpis.html`` whenever the campaign's
    figures change (event ``kpis``, id = the version shown; before it, event ``alerts``
    with the alerts-and-pacing section ``#campaign-alerts``), polled every
    :data:`LIVE_POLL_S`; event ``ended`` when the session has ended. The stream lasts
    :data:`LIVE_LIFETIME_S` at most. Another workspace's campaign is 404."""
    actor = session.actor
    require_role(actor, *READERS)
    settings = settings_of(request)
    workspace = actor.workspace
    first = services.campaign_version(campaign_id, workspace=workspace, settings=settings)
    last_id = request.headers.get("last-event-id", "")
    shown = int(last_id) if last_id.isdigit() else since if since is not None else first

    def changed(seen: int | None) -> tuple[int | None, str | None, str | None]:
        now = services.campaign_version(
            campaign_id, workspace=workspace, check=False, settings=settings
        )
        if now == seen:
            return seen, None, None
        report = services.campaign_kpis(
            campaign_id, by="creator", workspace=workspace, settings=settings
        )
        now = services.campaign_version(
            campaign_id, workspace=workspace, check=False, settings=settings
        )  # built by the read when it was not yet
        template = TEMPLATES.env.get_template("_campaign_kpis.html")
        return now, template.render(_kpi_context(report)), _alerts_html(report)

    def _alerts_html(report: KpiReport) -> str | None:
        """The alerts-and-pacing section re-rendered too (web/_alerts.py), when there is one."""
        try:
            template = TEMPLATES.env.get_template("_campaign_alerts.html")
        except TemplateNotFound:
            return None
        context = {
            "request": request,
            "session": session,
            "report": report,
            "csrf_field": CSRF_FIELD,
            "url": lambda path: url(request, path),
        }
        return template.render(context)

    def still_valid() -> bool:
        try:
            services.session_actor(session.token, settings=settings)
        except AuthenticationError:
            return False
        return True

    async def stream() -> AsyncIterator[str]:
        seen = shown
        yield "retry: 2000\n\n"
        started = time.monotonic()
        checked = started
        while time.monotonic() - started < LIVE_LIFETIME_S:
            if await request.is_disconnected():
                return
            if time.monotonic() - checked >= LIVE_SESSION_CHECK_S:
                checked = time.monotonic()
                if not await run_in_threadpool(still_valid):
                    yield _event("ended", "Your session has ended; reload the page to log in.")
                    return
            seen, html, alerts = await run_in_threadpool(changed, seen)
            if alerts is not None:
                yield _event("alerts", alerts)
            if html is not None:
                yield _event("kpis", html, seen)
            await asyncio.sleep(LIVE_POLL_S)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},  # a proxy must not hold the events back
    )


@router.get("/campaigns/{campaign_id}/report.html", name="campaign_report_html")
def campaign_report_html(request: Request, session: CurrentSession, campaign_id: str) -> Response:
    return _report(request, session, campaign_id, "html")


@router.get("/campaigns/{campaign_id}/report.pdf", name="campaign_report_pdf")
def campaign_report_pdf(request: Request, session: CurrentSession, campaign_id: str) -> Response:
    return _report(request, session, campaign_id, "pdf")


def _report(request: Request, session: CurrentSession, campaign_id: str, kind: str) -> Response:
    actor = session.actor
    require_role(actor, *READERS)
    html = services.campaign_report_html(
        campaign_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return download(html, kind, f"campaign-{campaign_id}")
