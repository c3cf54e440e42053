"""Campaign routes: the workspace's campaigns, their KPIs with formulas, and their report.

Readers (analyst, approver, auditor, admin) may read them; another workspace's
campaign answers 404 like one that does not exist.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from trustreach import services
from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._report_routes import REPORT_RESPONSES, Format, ReportFormat, report_response
from trustreach.api._routes import READERS, _problems
from trustreach.core import require_role

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 422, 500))

CampaignId = Annotated[str, Path(min_length=1, max_length=200, description="The campaign's id.")]


class Campaign(BaseModel):
    """One campaign of your workspace."""

    campaign_id: str
    name: str
    brand_id: str
    goal: str
    starts_on: date
    ends_on: date
    budget: float | None = Field(description="In `currency`; null when none was given.")
    currency: str


class CampaignList(BaseModel):
    """The workspace's campaigns, latest start first."""

    items: list[Campaign]


class KpiReport(BaseModel):
    """A campaign's KPIs: the campaign row, and one row per creator, post or day by `by`.

    Every row has `currency`, `cost`, `impressions`, `reach`, `views`, `engagements`,
    `engagement_rate_by_followers`, `engagement_rate_by_reach`, `engagement_rate_by_views`,
    `link_clicks`, `conversions`, `revenue`, `cpm`, `cpe`, `cpc`, `cpa`, `roas`, `roi`,
    `roi_low`, `roi_high`, `coverage` and `as_of` (null where a figure cannot be computed,
    with the reason in `reasons`); `formulas` gives each figure's formula.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "campaign_id": "cmp1",
                    "name": "Glow Week",
                    "currency": "USD",
                    "as_of": "2026-10-05T12:00:00+00:00",
                    "by": None,
                    "campaign": {"currency": "USD", "cost": 1500.0, "roi": -0.84},
                    "rows": [],
                    "attribution": {"code": 1, "link": 2, "none": 1},
                    "interval": {"method": "percentile bootstrap", "level": 0.95},
                    "fx": "no conversion needed",
                    "formulas": {"roi": "(revenue - cost) / cost"},
                    "notes": [],
                }
            ]
        }
    )
    campaign_id: str
    name: str
    currency: str
    as_of: str | None
    by: str | None
    campaign: dict[str, Any]
    rows: list[dict[str, Any]]
    attribution: dict[str, int] = Field(description="Orders per attribution rule.")
    interval: dict[str, Any] = Field(description="How ROI's interval is computed.")
    fx: str = Field(description="The exchange rates used, or that none was needed.")
    formulas: dict[str, str]
    notes: list[str]


class Breakdown(StrEnum):
    """Rows of a KPI report besides the campaign's."""

    creator = "creator"
    post = "post"
    day = "day"


@router.get("/campaigns", response_model=CampaignList, tags=["campaigns"])
def list_campaigns(request: Request, actor: CurrentActor) -> CampaignList:
    """The campaigns of your workspace, latest start first."""
    require_role(actor, *READERS)
    items = services.list_campaigns(workspace=actor.workspace, settings=settings_of(request))
    return CampaignList(items=[Campaign(**vars(c)) for c in items])


@router.get(
    "/campaigns/{campaign_id}/kpis",
    response_model=KpiReport,
    tags=["campaigns"],
    responses=_problems(404),
)
def get_campaign_kpis(
    request: Request,
    actor: CurrentActor,
    campaign_id: CampaignId,
    by: Annotated[Breakdown | None, Query(description="One row per creator, post or day.")] = None,
    emv: Annotated[bool, Query(description="Also compute EMV, labelled 'not revenue'.")] = False,
) -> KpiReport:
    """The campaign's KPIs side by side, each with its formula, freshness (`as_of`) and
    coverage (the share of posts with first-party figures); ROI = (revenue - cost) / cost
    from attributed revenue, with a 95% bootstrap interval."""
    require_role(actor, *READERS)
    report = services.campaign_kpis(
        campaign_id,
        by=None if by is None else by.value,
        emv=emv,
        workspace=actor.workspace,
        settings=settings_of(request),
    )
    return KpiReport(**report.to_dict())


@router.get(
    "/campaigns/{campaign_id}/report",
    response_class=Response,
    tags=["campaigns"],
    responses=REPORT_RESPONSES,
)
def get_campaign_report(
    request: Request,
    actor: CurrentActor,
    campaign_id: CampaignId,
    fmt: Format = ReportFormat.html,
) -> Response:
    """The campaign's KPI report (per creator and per day, every formula) as HTML or PDF."""
    require_role(actor, *READERS)
    html = services.campaign_report_html(
        campaign_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return report_response(html, fmt, f"campaign-{campaign_id}")
