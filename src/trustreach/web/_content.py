"""Content guidance for one account: when to post, which hashtags, what is rising, a draft check.

- ``GET /content``: a select of the accounts the person may see (a creator's
  login: their own; the readers: the workspace's); with ``?account=ID`` the
  account's best windows to post (:func:`~trustreach.services.best_times`,
  with a weekday x hour table of the windows in the audience's time zone),
  its hashtag suggestions (:func:`~trustreach.services.suggest_hashtags`)
  and the rising topics of its niches
  (:func:`~trustreach.services.rising_topics`).
- ``POST /content/hashtags``: suggestions for a pasted caption on the account.
- ``POST /content/draft``: the draft check
  (:func:`~trustreach.services.check_draft`): predicted engagement
  with its 80% interval, format effects, manipulation, disclosure and minors findings.

Captions travel in POST bodies with the session's CSRF token, never in URLs, and
are not logged (the services keep a digest). Every suggestion shows its evidence
and the machine-generated marker; a person decides. An account the person may
not see answers 404, like one of another workspace.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from trustreach import services
from trustreach.core import Actor, ConfigurationError, NotFoundError, Role, require_role
from trustreach.discovery import ProductCategory
from trustreach.ingest._vocab import MediaType
from trustreach.services import _listing
from trustreach.services._content_hashtags import MAX_CAPTION_CHARS
from trustreach.web._base import CheckedSession, CurrentSession, Session, render, settings_of

router = APIRouter()

WINDOWS_LISTED = 3
"""Windows in the best-times table (marked in the weekday x hour table, which shades every
window of the week by its lift)."""
LIFT_STEPS = (-0.2, -0.1, -0.03, 0.03, 0.1, 0.2)
"""Lift boundaries of the week table's seven shades, CSS classes ``lift-0`` (20% or more
below the account's median window) to ``lift-6`` (20% or more above); ``lift-3`` is
within 3% of it. Fixed, so one shade means the same lift on every account."""
HASHTAGS_SHOWN = 10
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MEDIA_TYPES = tuple(m.value for m in MediaType)
CATEGORIES = tuple(c.value for c in ProductCategory)
MAX_CAPTION = MAX_CAPTION_CHARS
MAX_BRAND = 120
MAX_TAGS_TEXT = 600
_ACCOUNT = {"max_length": 200}


@dataclass(frozen=True)
class AccountChoice:
    """One account in the select: its id and how a person recognises it."""

    account_id: str
    label: str
    creator_id: str


@dataclass(frozen=True)
class HeatCell:
    """One window of the week, at its start hour in the audience's time zone."""

    start: str  # local start, HH:MM
    lift: float
    low: float
    high: float
    own_posts: int
    peer_posts: int
    level: int  # 0 to 6: the CSS class lift-N (see LIFT_STEPS)
    rank: int | None  # its place among the listed best windows, if one


def visible_accounts(actor: Actor, settings: Any) -> list[AccountChoice]:
    """The accounts ``actor`` may ask about: a creator's own, else the workspace's."""
    only = actor.creator_id if actor.role is Role.creator else None
    if actor.role is Role.creator and not only:
        return []
    out: list[AccountChoice] = []
    after: str | None = None
    while True:
        page = _listing.page_creators(
            workspace=actor.workspace,
            limit=_listing.MAX_PAGE,
            after=after,
            only=only,
            settings=settings,
        )
        for record in page.items:
            for a in record.accounts:
                out.append(
                    AccountChoice(
                        a.account_id,
                        f"{record.display_name}: @{a.handle} on {a.platform}",
                        record.creator_id,
                    )
                )
        if page.next_after is None:
            break
        after = page.next_after
    return sorted(out, key=lambda a: (a.label.casefold(), a.account_id))


def heat_cells(grid: Sequence[Any], windows: Sequence[Any]) -> dict[tuple[int, int], HeatCell]:
    """Every window of ``grid`` as ``(local weekday, local start hour) -> HeatCell``.

    ``grid`` holds the service's windows of the week (``local_weekday``,
    ``local_start``, ``lift`` with its interval and posts observed); the best
    ``windows`` (UTC ``weekday`` and ``start_hour``) are ranked from 1. Shades
    follow :data:`LIFT_STEPS`.

    >>> from types import SimpleNamespace as W
    >>> grid = [W(weekday=1, start_hour=23, local_weekday=2, local_start="00:30", lift=0.25,
    ...           lift_low=0.1, lift_high=0.4, own_posts=3, peer_posts=9)]
    >>> cell = heat_cells(grid, [W(weekday=1, start_hour=23)])[(2, 0)]
    >>> cell.level, cell.rank, cell.start
    (6, 1, '00:30')
    """
    ranks = {(w.weekday, w.start_hour): rank for rank, w in enumerate(windows, start=1)}
    cells: dict[tuple[int, int], HeatCell] = {}
    for g in grid:
        lift = float(g.lift)
        cells.setdefault(
            (int(g.local_weekday), int(g.local_start[:2])),
            HeatCell(
                start=g.local_start,
                lift=lift,
                low=float(g.lift_low),
                high=float(g.lift_high),
                own_posts=int(g.own_posts),
                peer_posts=int(g.peer_posts),
                level=bisect.bisect_right(LIFT_STEPS, lift),
                rank=ranks.get((g.weekday, g.start_hour)),
            ),
        )
    return cells


def _signed_percent(value: float) -> str:
    """``+25%``/``-3%``.

    >>> _signed_percent(0.254), _signed_percent(-0.031)
    ('+25%', '-3%')
    """
    return f"{value:+.0%}"


def _choose(accounts: list[AccountChoice], account: str) -> AccountChoice:
    """The chosen account, or 404 (another creator's, another workspace's, none at all)."""
    for a in accounts:
        if a.account_id == account:
            return a
    raise NotFoundError(f"account {account!r} not found")


def _base_context(request: Request, session: Session) -> dict[str, Any]:
    actor = session.actor
    require_role(actor, Role.analyst, Role.approver, Role.auditor, Role.creator)
    return {
        "title": "Content",
        "accounts": visible_accounts(actor, settings_of(request)),
        "account": "",
        "chosen": None,
        "media_types": MEDIA_TYPES,
        "categories": CATEGORIES,
        "max_caption": MAX_CAPTION,
        "max_brand": MAX_BRAND,
        "max_tags": MAX_TAGS_TEXT,
        "weekdays": WEEKDAYS,
        "signed": _signed_percent,
        "draft": {},
        "caption": "",
        "error": "",
        "error_for": "",
    }


def _guidance(request: Request, session: Session, chosen: AccountChoice) -> dict[str, Any]:
    """Best times, account hashtags and rising topics of ``chosen``."""
    actor = session.actor
    settings = settings_of(request)
    times = services.best_times(
        chosen.account_id, actor=actor, top=WINDOWS_LISTED, settings=settings
    )
    advice = times.advice
    cells = heat_cells(advice.grid, advice.windows)
    hashtags = services.suggest_hashtags(
        actor=actor, account=chosen.account_id, top=HASHTAGS_SHOWN, settings=settings
    )
    trends = None
    trends_message = ""
    try:
        trends = services.rising_topics(actor=actor, account=chosen.account_id, settings=settings)
    except ConfigurationError as error:  # e.g. a creator who declares no niche
        trends_message = str(error)
    return {
        "times": times,
        "windows": advice.windows[:WINDOWS_LISTED],
        "cells": cells,
        "hashtags": hashtags,
        "trends": trends,
        "trends_message": trends_message,
    }


@router.get("/content", response_class=HTMLResponse, name="content")
def content(
    request: Request,
    session: CurrentSession,
    account: Annotated[str, Query(**_ACCOUNT)] = "",
) -> Response:
    context = _base_context(request, session)
    if account:
        chosen = _choose(context["accounts"], account)
        context.update(account=account, chosen=chosen, **_guidance(request, session, chosen))
    return render(request, "content.html", context, session=session)


@router.post("/content/hashtags", response_class=HTMLResponse)
def caption_hashtags(
    request: Request,
    session: CheckedSession,
    account: Annotated[str, Form(**_ACCOUNT)],
    caption: Annotated[str, Form(max_length=MAX_CAPTION)] = "",
) -> Response:
    context = _base_context(request, session)
    chosen = _choose(context["accounts"], account)
    context.update(account=account, chosen=chosen, caption=caption, posted="hashtags")
    try:
        context["caption_hashtags"] = services.suggest_hashtags(
            actor=session.actor,
            caption=caption,
            account=chosen.account_id,
            top=HASHTAGS_SHOWN,
            settings=settings_of(request),
        )
    except ConfigurationError as error:
        context.update(error=str(error), error_for="caption-tags")
        return render(request, "content.html", context, session=session, status_code=422)
    return render(request, "content.html", context, session=session)


def _draft_fields(
    account: str,
    caption: str,
    media_type: str,
    planned_at: str,
    hashtags: str,
    sponsored: str,
    brand: str,
    category: str,
) -> dict[str, Any]:
    """The form's fields as the draft's JSON fields (:func:`parse_draft` checks them).

    >>> _draft_fields("a1", "Hi", "reel", "2026-12-08T18:00", "#a b,c", "on", "", "")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'account': 'a1', 'caption': 'Hi', 'media_type': 'reel',
     'planned_at': '2026-12-08T18:00+00:00', 'hashtags': ['a', 'b', 'c'], 'sponsored': True}
    """
    data: dict[str, Any] = {"account": account, "caption": caption, "media_type": media_type}
    if planned_at.strip():
        data["planned_at"] = planned_at.strip() + "+00:00"  # the form asks for UTC
    tags = [t.lstrip("#") for t in hashtags.replace(",", " ").split() if t.lstrip("#")]
    if tags:
        data["hashtags"] = tags
    data["sponsored"] = sponsored == "on"
    if brand.strip():
        data["brand"] = brand.strip()
    if category:
        data["category"] = category
    return data


@router.post("/content/draft", response_class=HTMLResponse)
def draft_check(
    request: Request,
    session: CheckedSession,
    account: Annotated[str, Form(**_ACCOUNT)],
    caption: Annotated[str, Form(max_length=MAX_CAPTION)] = "",
    media_type: Annotated[str, Form(max_length=20)] = "",
    planned_at: Annotated[str, Form(max_length=40)] = "",
    hashtags: Annotated[str, Form(max_length=MAX_TAGS_TEXT)] = "",
    sponsored: Annotated[str, Form(max_length=5)] = "",
    brand: Annotated[str, Form(max_length=MAX_BRAND)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    context = _base_context(request, session)
    chosen = _choose(context["accounts"], account)
    form = {
        "caption": caption,
        "media_type": media_type,
        "planned_at": planned_at,
        "hashtags": hashtags,
        "sponsored": sponsored == "on",
        "brand": brand,
        "category": category,
    }
    context.update(account=account, chosen=chosen, draft=form, posted="draft")
    try:
        draft = services.parse_draft(
            _draft_fields(
                account, caption, media_type, planned_at, hashtags, sponsored, brand, category
            )
        )
        context["check"] = services.check_draft(
            draft, actor=session.actor, settings=settings_of(request)
        )
    except ConfigurationError as error:
        context.update(error=str(error), error_for="draft")
        return render(request, "content.html", context, session=session, status_code=422)
    return render(request, "content.html", context, session=session)
