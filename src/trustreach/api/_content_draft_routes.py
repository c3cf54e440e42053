"""Content guidance over the API: a draft post's check before it goes out.

Readers (analyst, approver, auditor, admin) check drafts for any account of their
workspace; a creator's login only for their own accounts (another's answers 404,
like an account of another workspace). Each check is one audit record naming the
caller (a digest of the draft, never its caption). Every finding carries its
evidence and is for a person to review: a person decides what to post.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from trustreach import services
from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role
from trustreach.services import _content_draft as draft_service

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 404, 422, 500))

_EXAMPLE: dict[str, Any] = {
    "account": "glowwitharjun@instagram",
    "caption": "My 3-step night routine ✨ Comment GLOW and I'll send you the link!",
    "media_type": "reel",
    "planned_at": "2026-12-08T18:00:00Z",
    "sponsored": True,
    "brand": "Dewdrop",
    "category": "beauty",
    "jurisdictions": ["us", "uk"],
}


class DraftIn(BaseModel):
    """A draft post (the same fields as a draft file; unknown fields are refused)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    account: str = Field(
        min_length=1, max_length=200, description="account_id, @handle or handle@platform."
    )
    caption: str = Field(max_length=10_000)
    media_type: str = Field(description=", ".join(draft_service.MEDIA_TYPES) + ".")
    planned_at: str | None = Field(default=None, description="ISO-8601 date-time (UTC if no zone).")
    hashtags: list[str] | None = Field(default=None, max_length=60)
    sponsored: bool = False
    brand: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, description="A discovery product category.")
    jurisdictions: list[str] | None = Field(default=None, max_length=3, description="us, uk, eu.")


class PolicyOut(BaseModel):
    """A policy a manipulation finding risks, with its public source."""

    policy_id: str
    title: str
    source: str


class ManipulationOut(BaseModel):
    """One manipulation finding: rule, evidence span in the caption, policies, fix."""

    rule_id: str = Field(examples=["BAIT-COMMENT"])
    kind: str = Field(description="engagement_bait, false_urgency or fake_scarcity.")
    title: str
    evidence: str
    span: list[int] = Field(description="[start, end) in the caption.")
    message: str
    fix: str
    policies: list[PolicyOut]


class DraftCheckOut(BaseModel):
    """A draft's check (machine-generated evidence for a person to review)."""

    workspace: str
    account_id: str
    handle: str
    platform: str
    media_type: str
    caption_length: str
    planned_at: str | None
    category: str | None
    checked_at: str
    generated_by: str = Field(description="What produced the findings (machine-generated).")
    note: str
    flagged: int = Field(description="Findings a person should look at before posting.")
    prediction: dict[str, Any] | None = Field(
        description="Expected engagements (and views) with an 80% interval, the evidence "
        "(posts of the account and its peers) and a reason in plain words."
    )
    draft_effects: list[dict[str, Any]] = Field(
        description="Format effects of this draft's media type and caption length."
    )
    format_effects: dict[str, Any] = Field(
        description="Every media-type and caption-length effect, with intervals and evidence."
    )
    manipulation: list[ManipulationOut]
    disclosure: dict[str, Any] | None = Field(
        description="The disclosure check when the draft is sponsored (rule ids, spans, fixes)."
    )
    minors: list[dict[str, Any]] = Field(
        description="Discovery's restricted-category rules read against the audience's ages."
    )
    notes: list[str]
    audit_seq: int | None


@router.post(
    "/content/check-draft",
    response_model=DraftCheckOut,
    tags=["content"],
    responses=_problems(404),
)
def check_draft(request: Request, actor: CurrentActor, body: DraftIn) -> DraftCheckOut:
    """Check a draft: predicted engagement with an 80% interval, format effects, engagement
    bait, false urgency, fake scarcity, disclosure and restricted categories aimed at minors
    (a creator's login: their own accounts)."""
    require_role(actor, *READERS, Role.creator)
    draft = services.parse_draft(body.model_dump(exclude_none=True))
    result = services.check_draft(draft, actor=actor, settings=settings_of(request))
    return DraftCheckOut.model_validate(result.to_dict())
