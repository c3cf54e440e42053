"""Content guidance over the API: hashtag suggestions (see ``docs/content.md``).

``POST /api/v1/content/hashtags`` takes a draft caption and/or an account (the
caption is text a person wrote, so it travels in a body, never in a URL or a
log). Readers (analyst, approver, auditor, admin) ask for any account of their
workspace; a creator's login only for their own accounts (another's answers
404 like one that does not exist). Each call is one audit record with a digest
of the caption, never its text.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from trustreach import services
from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role
from trustreach.services import _content_hashtags as hashtag_service

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 404, 422, 500))


class HashtagRequest(BaseModel):
    """A draft caption, an account, or both (suggestions for that caption on that account)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"caption": "20-minute leg day you can do anywhere", "account": "@fitwithari"}
            ]
        },
    )

    caption: str | None = Field(
        default=None,
        max_length=hashtag_service.MAX_CAPTION_CHARS,
        description="The draft's text (never stored: the audit record holds its digest).",
    )
    account: str | None = Field(
        default=None, max_length=200, description="An account_id, @handle or handle@platform."
    )
    top: int = Field(default=10, ge=1, le=hashtag_service.MAX_TOP)


class SuggestionOut(BaseModel):
    """One suggested tag: its score parts and the evidence behind it."""

    tag: str
    score: float
    parts: dict[str, float] = Field(description="relevance, reach and saturation parts.")
    relevance: float = Field(description="Cosine similarity of tag and content.")
    reach_lift: float = Field(description="Estimated lift of engagements (0.2 = +20%).")
    lift_interval: list[float] = Field(description="[low, high] of the lift's interval.")
    interval: float
    reach_signal: str = Field(description="lifts reach, no clear effect or lower reach.")
    basis: str = Field(description="account, niche or none.")
    posts_with: int
    posts_without: int
    niche_posts_with: int
    saturation: float = Field(description="Share of the platform's posts carrying the tag.")
    saturation_niches: int
    saturated: bool = Field(description="Too generic to be seen.")
    reason: str


class ExcludedOut(BaseModel):
    """A tag met among the candidates that is never suggested, and why."""

    tag: str
    group: str
    reason: str
    source: str


class HashtagSuggestionsOut(BaseModel):
    """Hashtag suggestions (machine-generated) with their evidence."""

    workspace: str
    account_id: str | None
    handle: str | None
    platform: str | None
    caption_chars: int | None
    generated_at: str
    generated_by: str
    method: str
    method_version: str
    embedding: str
    blocklist_version: str
    interval: float
    niches: list[str]
    caption_niches: list[dict[str, Any]]
    evidence: dict[str, int]
    suggestions: list[SuggestionOut]
    excluded: list[ExcludedOut]
    notes: list[str]
    note: str
    audit_seq: int | None


@router.post(
    "/content/hashtags",
    response_model=HashtagSuggestionsOut,
    tags=["content"],
)
def suggest_hashtags(
    request: Request, actor: CurrentActor, body: HashtagRequest
) -> HashtagSuggestionsOut:
    """Hashtags for a draft caption and/or an account: relevance, reach lift with its
    interval and the posts behind it, saturation; never banned, spam or disclosure tags."""
    require_role(actor, *READERS, Role.creator)
    result = services.suggest_hashtags(
        actor=actor,
        caption=body.caption,
        account=body.account,
        top=body.top,
        settings=settings_of(request),
    )
    return HashtagSuggestionsOut.model_validate(result.to_dict())
