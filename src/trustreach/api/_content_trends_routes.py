"""Content guidance over the API: rising topics in a niche or in an account's niches.

Readers (analyst, approver, auditor, admin) ask about any niche or account of
their workspace; a creator's login only about their own accounts (another's
answers 404, like an account of another workspace; a whole niche answers 403).
Each answer is one audit record naming the caller, and every topic carries its
evidence: posts in the recent and baseline windows, growth with a 95% interval,
the false-discovery-controlled q-value, example posts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from trustreach import services
from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 404, 422, 500))


class GrowthOut(BaseModel):
    """Ratio of the recent share to the baseline share, with its interval."""

    ratio: float
    low: float
    high: float | None = Field(description="None: unbounded (the topic was absent before).")
    level: float


class VolumeOut(BaseModel):
    """The posts behind a topic."""

    recent_posts: int
    baseline_posts: int
    recent_share: float
    baseline_share: float
    creators: int = Field(description="Distinct creators mentioning it in the recent window.")


class TopicOut(BaseModel):
    """One rising hashtag, caption keyword or comment theme."""

    term: str
    kind: str = Field(examples=["hashtag", "keyword", "comment_theme"])
    label: str
    growth: GrowthOut
    volume: VolumeOut
    first_seen: str
    onset: str
    p_value: float
    q_value: float
    example_post_ids: list[str]
    reason: str


class WindowOut(BaseModel):
    """A window of days and its posts per kind (the shares' denominators)."""

    from_: str = Field(alias="from")
    to: str
    posts: dict[str, int]


class NicheTrendsOut(BaseModel):
    """The scan of one niche."""

    niche: str
    platform: str | None
    creators: int
    as_of: str
    recent_window: WindowOut
    baseline_window: WindowOut
    campaign_posts_left_out: dict[str, int] = Field(
        description="Campaign posts (paid-partnership flag or a disclosure) left out, per window."
    )
    candidates_tested: int
    false_discovery_rate: float
    min_posts: int
    min_creators: int
    min_growth: float
    topics: list[TopicOut]


class RisingTopicsOut(BaseModel):
    """Rising topics per niche, with their evidence."""

    generated_by: str
    method: str
    workspace: str
    scope: str
    account_id: str | None
    handle: str | None
    platform: str | None
    as_of: str
    niches: list[NicheTrendsOut]
    limits: list[str]
    audit_seq: int | None


@router.get("/content/trends", response_model=RisingTopicsOut, tags=["content"])
def rising_topics(
    request: Request,
    actor: CurrentActor,
    niche: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    account: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    as_of: Annotated[dt.date | None, Query(description="Last day of the recent window.")] = None,
) -> RisingTopicsOut:
    """Hashtags, keywords and comment themes rising against their own baseline.

    Give exactly one of ``niche`` or ``account``.
    """
    require_role(actor, *READERS, Role.creator)
    result = services.rising_topics(
        actor=actor, niche=niche, account=account, as_of=as_of, settings=settings_of(request)
    )
    return RisingTopicsOut.model_validate(result.to_dict())
