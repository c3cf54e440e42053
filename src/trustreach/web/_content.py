"""Content guidance for one account: when to post, which hashtags, what is rising, a draft check.

- ``GET /content``: a select of the accounts the person may see (a creator's
  login: their own; the readers: the workspace's); with ``?account=ID`` the
  account's best windows to post (:func:`~trustreach.services._content_times.best_times`,
  with a weekday x hour table of the windows in the audience's time zone),
  its hashtag suggestions (:func:`~trustreach.services._content_hashtags.suggest_hashtags`)
  and the rising topics of its niches
  (:func:`~trustreach.services._content_trends.rising_topics`).
- ``POST /content/hashtags``: suggestions for a pasted caption on the account.
- ``POST /content/draft``: the draft check
  (:func:`~trustreach.services._content_draft.check_draft`): predicted engagement
  with its 80% interval, format effects, manipulation, disclosure and minors findings.

Captions travel in POST bodies with the session's CSRF token, never in URLs, and
are not logged (the services keep a digest). Every suggestion shows its evidence
and the machine-generated marker; a person decides. An account the person may
not see answers 404, like one of another workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from trustreach.core import Actor, ConfigurationError, NotFoundError, Role, require_role
from trustreach.discovery import ProductCategory
from trustreach.ingest._vocab import MediaType
from trustreach.services import _content_draft as draft_service
from trustreach.services import _content_hashtags as hashtags_service
from trustreach.services import _content_times as times_service
from trustreach.services import _content_trends as trends_service
from trustreach.services import _listing
from trustreach.web._base import CheckedSession, CurrentSession, Session, render, settings_of

router = APIRouter()

WINDOWS_LISTED = 3
"""Windows in the best-times table; the weekday x hour table shades up to :data:`WINDOWS_SHADED`."""
WINDOWS_SHADED = 10
HASHTAGS_SHOWN = 10
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MEDIA_TYPES = tuple(m.value for m in MediaType)
CATEGORIES = tuple(c.value for c in ProductCategory)
MAX_CAPTION = hashtags_service.MAX_CAPTION_CHARS
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
    """One hour of the week in the audience's time zone inside a top window."""

    rank: int
    lift: float
    level: int  # 1 (lowest lift shown) to 4 (highest): the CSS class heat-N


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


def heat_cells(
    windows: Sequence[Any], zone: str, as_of: datetime
) -> dict[tuple[int, int], HeatCell]:
    """The hours of ``windows`` as ``(local weekday, local hour) -> HeatCell``.

    Windows are in UTC (``weekday``, ``start_hour``, ``hours``); they are placed
    on the week of ``as_of`` (as the service labels them) and shown in ``zone``.
    The best window is rank 1; shades split the shown lifts into four levels.

    >>> from types import SimpleNamespace as W
    >>> cells = heat_cells([W(weekday=1, start_hour=23, hours=2, lift=0.3)], "UTC",
    ...                    datetime(2026, 12, 1, tzinfo=UTC))
    >>> sorted(cells), cells[(1, 23)].rank
    ([(1, 23), (2, 0)], 1)
    """
    tz = ZoneInfo(zone)
    base = as_of.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    lifts = [float(w.lift) for w in windows]
    low, high = (min(lifts), max(lifts)) if lifts else (0.0, 0.0)
    cells: dict[tuple[int, int], HeatCell] = {}
    for rank, w in enumerate(windows, start=1):
        span = high - low
        level = 4 if span <= 0 else 1 + min(3, int(4 * (float(w.lift) - low) / span))
        begin = base + timedelta(days=(w.weekday - base.weekday()) % 7, hours=w.start_hour)
        for h in range(w.hours):
            local = (begin + timedelta(hours=h)).astimezone(tz)
            cells.setdefault((local.weekday(), local.hour), HeatCell(rank, float(w.lift), level))
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
    times = times_service.best_times(
        chosen.account_id, actor=actor, top=WINDOWS_SHADED, settings=settings
    )
    advice = times.advice
    cells = heat_cells(advice.windows, advice.zone.zone, times.as_of)
    hashtags = hashtags_service.suggest_hashtags(
        actor=actor, account=chosen.account_id, top=HASHTAGS_SHOWN, settings=settings
    )
    trends = None
    trends_message = ""
    try:
        trends = trends_service.rising_topics(
            actor=actor, account=chosen.account_id, settings=settings
        )
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
        context["caption_hashtags"] = hashtags_service.suggest_hashtags(
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
        draft = draft_service.parse_draft(
            _draft_fields(
                account, caption, media_type, planned_at, hashtags, sponsored, brand, category
            )
        )
        context["check"] = draft_service.check_draft(
            draft, actor=session.actor, settings=settings_of(request)
        )
    except ConfigurationError as error:
        context.update(error=str(error), error_for="draft")
        return render(request, "content.html", context, session=session, status_code=422)
    return render(request, "content.html", context, session=session)
