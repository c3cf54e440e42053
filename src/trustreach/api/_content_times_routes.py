"""Content guidance over the API: the best times to post on an account.

Readers (analyst, approver, auditor, admin) ask about any account of their
workspace; a creator's login only about their own accounts (another's answers
404, like an account of another workspace). Each answer is one audit record
naming the caller, and carries its evidence: posts observed per window, the
share that came from the account itself, a 90% interval.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from trustreach import services
from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role
from trustreach.services import _content_times as times_service

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 404, 422, 500))


class WindowEvidence(BaseModel):
    """The posts behind one window."""

    own_posts: int = Field(description="The account's posts in this window.")
    peer_posts: int = Field(description="Posts of its niche peers (same platform) in it.")
    platform_posts: int = Field(description="Posts of the platform's other niches in it.")
    account_share: float = Field(
        description="How much of the estimate comes from the account's own posts (0 to 1)."
    )


class WindowOut(BaseModel):
    """One recommended window: weekday and hours, lift over the median window, interval."""

    weekday_utc: str
    start_hour_utc: int
    hours: int
    utc: str = Field(examples=["Tue 19:00–22:00 UTC"])
    local: str = Field(examples=["Tue 14:00–17:00 America/New_York"])
    lift: float = Field(description="Expected engagement over the median window, minus one.")
    interval: list[float] = Field(description="[low, high] of the lift.")
    interval_level: float
    p_better_than_median: float
    evidence: WindowEvidence
    reason: str


class TimeZoneOut(BaseModel):
    """The zone local times are shown in and where it came from."""

    zone: str
    country: str | None
    source: str = Field(description="audience, creator or none.")
    note: str


class BestTimesOut(BaseModel):
    """The best windows of the week to post on one account."""

    generated_by: str
    workspace: str
    account_id: str
    handle: str
    platform: str
    as_of: str
    niche: str | None
    method: str
    method_version: str
    time_zone: TimeZoneOut
    windows: list[WindowOut]
    evidence: dict[str, int]
    adjusted_for: dict[str, float]
    spreads: dict[str, float]
    statement: str
    audit_seq: int | None


@router.get("/content/best-times/{account_id}", response_model=BestTimesOut, tags=["content"])
def best_times(
    request: Request,
    actor: CurrentActor,
    account_id: Annotated[str, Path(min_length=1, max_length=200)],
    top: Annotated[int, Query(ge=1, le=times_service.MAX_TOP)] = 3,
) -> BestTimesOut:
    """Best windows to post on an account, each with its lift, interval and evidence."""
    require_role(actor, *READERS, Role.creator)
    result = services.best_times(account_id, actor=actor, top=top, settings=settings_of(request))
    return BestTimesOut.model_validate(result.to_dict())
