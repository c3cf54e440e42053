"""Compliance in the workflow: a deal's disclosure obligations, and a campaign's compliance.

- ``GET /deals/{deal_id}/obligations``: the obligations recorded with the deal and
  whether the creator accepted them (readers; a creator's login: their own deal).
- ``POST /deals/{deal_id}/obligations/acceptance``: the creator accepts them (a
  creator's own login only; audited with their name and the time).
- ``GET /creators/{creator_id}/deals``: a creator's deals with their obligations
  (readers; a creator's login: their own).
- ``GET /campaigns/{campaign_id}/compliance``: the campaign's disclosure compliance
  (JSON), or the report as a download with ``format=html|pdf``.

Another workspace's deal, creator or campaign answers 404, like one that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from trustreach.api._auth import CurrentActor, own_creator, settings_of
from trustreach.api._idempotency import Idempotency
from trustreach.api._report_routes import PDF, REPORT_RESPONSES, ReportFormat, report_response
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role
from trustreach.services import _compliance

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 422, 500))

_ID = {"min_length": 1, "max_length": 200}
DealId = Annotated[str, Path(**_ID, description="The deal's id.")]
CreatorId = Annotated[str, Path(**_ID, description="The creator's id.")]
CampaignId = Annotated[str, Path(**_ID, description="The campaign's id.")]


class Obligation(BaseModel):
    """One disclosure obligation, as the rules engine words it."""

    rule_id: str = Field(description="The rule's id (reference row and jurisdiction).")
    jurisdiction: str
    text: str = Field(description="The obligation in plain words.")
    source: str = Field(description="Where the rule comes from.")


class DealObligations(BaseModel):
    """A deal's disclosure obligations and whether its creator accepted them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "deal_id": "deal-2026-001",
                    "campaign_id": "cmp1",
                    "campaign_name": "Glow Week",
                    "brand": "Acme Skin",
                    "creator_id": "c1",
                    "compensation": "fee",
                    "signed_on": "2026-10-05",
                    "status": "awaiting acceptance",
                    "jurisdictions": ["us"],
                    "derived_from": "the brand's and the campaign's audience countries: US",
                    "rules_version": "2026-12-05.1",
                    "recorded_by": "user:sam@acme.test",
                    "recorded_at": "2026-10-05T09:00:00Z",
                    "accepted_by": None,
                    "accepted_at": None,
                    "obligations": [
                        {
                            "rule_id": "D1-US",
                            "jurisdiction": "us",
                            "text": "A post made under a deal says it is advertising.",
                            "source": "FTC Disclosures 101; 16 CFR 255.5",
                        }
                    ],
                }
            ]
        }
    )
    deal_id: str
    campaign_id: str
    campaign_name: str
    brand: str
    creator_id: str
    compensation: str
    signed_on: date | None
    status: Literal["accepted", "awaiting acceptance", "none recorded"] = Field(
        description="`none recorded`: the deal was imported, not made through the deal gate."
    )
    jurisdictions: list[str]
    derived_from: str | None = Field(description="Where the jurisdictions came from.")
    rules_version: str | None = Field(description="The rules' version that worded them.")
    recorded_by: str | None
    recorded_at: datetime | None
    accepted_by: str | None = Field(description="The creator login that accepted them.")
    accepted_at: datetime | None
    obligations: list[Obligation]


class DealObligationsList(BaseModel):
    """A creator's deals, the latest signed first."""

    items: list[DealObligations]


class Acceptance(BaseModel):
    """The creator accepts the obligations they were shown."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"rules_version": "2026-12-05.1"}]}, extra="forbid"
    )
    rules_version: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="The rules' version of the obligations you were shown (refused when "
        "they have changed since); default: the recorded one.",
    )


class AcceptedObligations(DealObligations):
    """The obligations after acceptance; `changed` is false when they were accepted already."""

    changed: bool


def _model(d: _compliance.DealObligations) -> dict[str, Any]:
    out = vars(d).copy()
    out["jurisdictions"] = list(d.jurisdictions)
    out["obligations"] = [Obligation(**vars(o)) for o in d.obligations]
    return out


@router.get(
    "/deals/{deal_id}/obligations",
    response_model=DealObligations,
    tags=["deals"],
    responses=_problems(404),
)
def get_deal_obligations(request: Request, actor: CurrentActor, deal_id: DealId) -> DealObligations:
    """The disclosure obligations recorded with the deal and whether the creator accepted
    them (analyst, approver, auditor, admin; a creator's login: only their own deal)."""
    found = _compliance.deal_obligations_of(deal_id, actor=actor, settings=settings_of(request))
    return DealObligations(**_model(found))


@router.post(
    "/deals/{deal_id}/obligations/acceptance",
    status_code=201,
    response_model=AcceptedObligations,
    tags=["deals"],
    responses=_problems(404, 409),
)
def accept_deal_obligations(
    request: Request,
    actor: CurrentActor,
    deal_id: DealId,
    body: Acceptance,
    idem: Idempotency,
) -> Any:
    """Accept the deal's disclosure obligations (the deal's creator, from their own login).

    Nobody accepts on a creator's behalf: other roles are refused (403), another
    creator's deal is not found (404). A deal with no obligations recorded, or a
    `rules_version` other than the recorded one, is refused (422). Accepting again
    changes nothing (`changed: false`). Audit-logged with your login and the time.
    """

    def work() -> AcceptedObligations:
        done = _compliance.accept_obligations(
            deal_id,
            actor=actor,
            rules_version=body.rules_version,
            settings=settings_of(request),
        )
        return AcceptedObligations(**_model(done))

    return idem.run(actor, work, status_code=201)


@router.get(
    "/creators/{creator_id}/deals",
    response_model=DealObligationsList,
    tags=["deals"],
    responses=_problems(404),
)
def get_creator_deals(
    request: Request, actor: CurrentActor, creator_id: CreatorId
) -> DealObligationsList:
    """The creator's deals, the latest signed first, each with its disclosure obligations
    and whether they are accepted (readers; a creator's login: their own)."""
    require_role(actor, *READERS, Role.creator)
    own_creator(actor, creator_id)
    found = _compliance.creator_deals(creator_id, actor=actor, settings=settings_of(request))
    return DealObligationsList(items=[DealObligations(**_model(d)) for d in found])


class ComplianceFinding(BaseModel):
    """One rule's result on one post."""

    rule_id: str
    jurisdiction: str
    status: Literal["compliant", "non_compliant", "needs_review", "not_applicable"]
    message: str
    source: str
    evidence: str | None = Field(description="The quoted evidence, or what is missing.")
    span: list[int] | None = Field(
        description="[start, end) of the evidence in the caption (null: the evidence is an "
        "absence)."
    )
    fix: str | None = Field(description="A suggested correction in plain words.")


class CompliancePost(BaseModel):
    """A campaign post, its caption and its status (the worst of its findings)."""

    post_id: str
    creator_id: str
    display_name: str
    platform: str
    posted_at: datetime
    caption: str
    status: Literal["compliant", "non_compliant", "needs_review", "not_applicable"]
    findings: list[ComplianceFinding]


class CampaignCompliance(BaseModel):
    """A campaign's disclosure compliance: machine-generated evidence for a person to
    review, not legal advice (`note`)."""

    workspace: str
    campaign_id: str
    campaign_name: str
    brand: str
    jurisdictions: list[str]
    derived_from: str = Field(description="Where the jurisdictions came from.")
    rules_version: str
    checked_at: datetime
    counts: dict[str, int] = Field(description="Posts by status.")
    posts: list[CompliancePost]
    deals: list[DealObligations]
    sources: dict[str, str] = Field(description="The source of every rule named.")
    note: str


class ComplianceFormat(StrEnum):
    """How the compliance answer is delivered."""

    json = "json"
    html = "html"
    pdf = "pdf"


COMPLIANCE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": CampaignCompliance,
        "description": "The campaign's compliance as JSON, or the report as a download "
        "(HTML or PDF) by `format`.",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            PDF: {"schema": {"type": "string", "format": "binary"}},
        },
    },
    **{k: v for k, v in REPORT_RESPONSES.items() if k != 200},
}


@router.get(
    "/campaigns/{campaign_id}/compliance",
    response_class=Response,
    tags=["campaigns"],
    responses=COMPLIANCE_RESPONSES,
)
def get_campaign_compliance(
    request: Request,
    actor: CurrentActor,
    campaign_id: CampaignId,
    fmt: Annotated[
        ComplianceFormat,
        Query(
            alias="format",
            description="`json` (default), `html` (one self-contained page) or `pdf` (the same "
            "page printed for A4).",
        ),
    ] = ComplianceFormat.json,
    jurisdiction: Annotated[
        list[Literal["us", "uk", "eu"]] | None,
        Query(description="Whose rules to check (repeat); default: the campaign's."),
    ] = None,
) -> Response:
    """The campaign's disclosure compliance (analyst, approver, auditor, admin): each
    campaign post's status with the rule ids, the evidence span in the caption and a
    suggested fix; each deal's obligations and whether the creator accepted them; counts,
    the rules' version and sources. Machine-generated evidence for a person to review,
    not legal advice."""
    from trustreach.services import _compliance_report

    require_role(actor, *READERS)
    report = _compliance_report.campaign_compliance(
        campaign_id, actor=actor, jurisdictions=jurisdiction, settings=settings_of(request)
    )
    if fmt is ComplianceFormat.json:
        body = CampaignCompliance(**report.to_dict())
        return Response(body.model_dump_json().encode(), media_type="application/json")
    html = _compliance_report.render_compliance_html(report)
    return report_response(html, ReportFormat(fmt.value), f"compliance-{campaign_id}")
