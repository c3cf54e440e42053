"""Conversation summaries of a campaign or a creator.

The page offers the workspace's campaigns and creators in two select lists and
shows :func:`trustreach.services.conversation_summary` for the one chosen: the
sentiment shares and the brand-safety shares with their 95% intervals, the
daily trend, the themes of positive and negative comments (phrases and counts
only: a phrase is a theme only when at least two comments share it, and the
comments themselves, written by people who are not users here, are not shown),
and the service's notes on what could not be scored. An id the workspace does
not hold answers 404, like any page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from trustreach import services
from trustreach.core import ConfigurationError, NotFoundError, Role, require_role
from trustreach.web._base import CurrentSession, render, settings_of

router = APIRouter()

SCOPES = ("campaign", "creator")
"""What a summary can be of on this page (the CLI also summarises one post)."""

THEMES_SHOWN = 8


def _signed(value: float, digits: int) -> str:
    """``+0.12``/``-0.12``; a value that rounds to zero is shown without a sign.

    >>> _signed(0.1234, 2), _signed(-0.0004, 3), _signed(-0.5, 1)
    ('+0.12', '0.000', '-0.5')
    """
    text = f"{value:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def _rows(summary: Any) -> list[tuple[str, Any]]:
    """The measures of the summary table, in the order the CLI prints them."""
    rows: list[tuple[str, Any]] = [(name, share) for name, share in summary.sentiment.items()]
    rows += [
        ("unsafe (offensive or hate)", summary.unsafe),
        ("offensive", summary.offensive),
        ("hate", summary.hate),
    ]
    return rows


@router.get("/conversation", response_class=HTMLResponse, name="conversation")
def conversation(
    request: Request,
    session: CurrentSession,
    scope: Annotated[str, Query(max_length=20)] = "",
    scope_id: Annotated[str, Query(alias="id", max_length=200)] = "",
) -> Response:
    actor = session.actor
    require_role(actor, Role.analyst, Role.approver, Role.auditor)
    settings = settings_of(request)
    overview = services.summarize_workspace(actor.workspace, settings=settings)
    campaigns = sorted(overview.campaigns, key=lambda c: (c.name.casefold(), c.campaign_id))
    creators = sorted(overview.creators, key=lambda c: (c.display_name.casefold(), c.creator_id))
    names = {
        "campaign": {c.campaign_id: c.name for c in campaigns},
        "creator": {c.creator_id: c.display_name for c in creators},
    }
    context: dict[str, Any] = {
        "title": "Conversation",
        "campaigns": campaigns,
        "creators": creators,
        "scope": scope,
        "scope_id": scope_id,
        "summary": None,
        "message": "",
    }
    if scope or scope_id:
        if scope not in SCOPES:
            raise ConfigurationError(f"scope {scope!r} not allowed; allowed: {', '.join(SCOPES)}")
        if not scope_id:
            raise ConfigurationError(f"id is required: choose a {scope} from the list")
        if scope_id not in names[scope]:  # another workspace's id, or none at all
            raise NotFoundError(f"{scope} {scope_id!r} not found")
        context["name"] = names[scope][scope_id]
        try:
            summary = services.conversation_summary(
                scope, scope_id, workspace=actor.workspace, settings=settings
            )
        except NotFoundError:  # the workspace holds it, but it has no posts
            context["message"] = (
                f"This {scope} has no posts in the workspace yet, so there are no comments to "
                "summarise."
            )
        else:
            if not summary.comments:
                context["message"] = (
                    f"No comment on this {scope}'s posts has been analysed yet. An analyst can "
                    "label them with: trustreach conversation analyze --workspace "
                    f"{actor.workspace}"
                )
            context.update(
                summary=summary,
                rows=_rows(summary),
                mean=None if summary.mean_score is None else _signed(summary.mean_score, 2),
                trend=None
                if summary.trend_per_week is None
                else _signed(summary.trend_per_week, 3),
                themes={k: v[:THEMES_SHOWN] for k, v in summary.themes.items()},
            )
    return render(request, "conversation.html", context, session=session)
