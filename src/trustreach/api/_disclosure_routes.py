"""Disclosure routes: the rules with their sources, and a campaign's disclosure check.

Every role reads the rules. Readers (analyst, approver, auditor, admin) check a
campaign's posts; a creator's login sees only their own posts. Each check is one
audit record naming the caller. Another workspace's campaign answers 404 like one
that does not exist. Findings are evidence for a person to review, not legal advice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._campaign_routes import CampaignId
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role
from trustreach.ethics.disclosure import rules, rules_version
from trustreach.services import _disclosure as disclosure_service

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 422, 500))

Jurisdictions = Annotated[
    list[str] | None,
    Query(
        alias="jurisdiction",
        max_length=3,
        description="us, uk or eu (repeat for several; default: all three).",
    ),
]


class RuleOut(BaseModel):
    """One disclosure rule: what is checked, in plain words, and its source."""

    rule_id: str = Field(examples=["D2-US"])
    jurisdiction: str = Field(description="us, uk or eu.")
    check: str = Field(description="trigger, wording, placement, medium, platform_label, "
                       "ai_label, virtual_persona or ai_manifest.")  # fmt: skip
    title: str
    text: str
    source: str
    fix: str


_RULE: dict[str, Any] = {
    "rule_id": "D3-US",
    "jurisdiction": "us",
    "check": "placement",
    "title": "Where a reader sees it",
    "text": "The disclosure is in the post itself, before the caption is cut off ('more'), …",
    "source": "FTC Disclosures 101 (2019); 16 CFR 255.0(f) clear and conspicuous (2023)",
    "fix": "Move the disclosure to the start of the caption, before the other text and hashtags.",
}


class RuleList(BaseModel):
    """The rules of the requested jurisdictions and the rules' version."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"rules_version": "2026-12-05.1", "items": [dict(_RULE)]}]}
    )

    rules_version: str
    items: list[RuleOut]


class FindingOut(BaseModel):
    """One rule's result on one post; ``span`` is the evidence's character offsets."""

    rule_id: str
    jurisdiction: str
    status: str = Field(description="compliant, non_compliant, needs_review or not_applicable.")
    message: str
    source: str
    evidence: str | None
    span: list[int] | None = Field(description="[start, end) in the caption, or null.")
    fix: str | None


class VerdictOut(BaseModel):
    """A post's status (the worst of its findings) and every finding."""

    post_id: str
    creator_id: str | None
    campaign_id: str | None
    status: str
    findings: list[FindingOut]


class DisclosureReportOut(BaseModel):
    """One disclosure check of a campaign's posts (machine-generated evidence)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "workspace": "acme",
                    "campaign_id": "cmp1",
                    "checked_at": "2026-12-05T10:00:00+00:00",
                    "rules_version": "2026-12-05.1",
                    "jurisdictions": ["us"],
                    "counts": {
                        "non_compliant": 1,
                        "needs_review": 0,
                        "compliant": 0,
                        "not_applicable": 0,
                    },
                    "audit_seq": 42,
                    "generated_by": "trustreach 0.1.0 (disclosure rules 2026-12-05.1)",
                    "note": "evidence for a person to review, not legal advice",
                    "verdicts": [
                        {
                            "post_id": "p4",
                            "creator_id": "c1",
                            "campaign_id": "cmp1",
                            "status": "non_compliant",
                            "findings": [
                                {
                                    "rule_id": "D3-US",
                                    "jurisdiction": "us",
                                    "status": "non_compliant",
                                    "message": "'#ad' is in the caption but a reader may not "
                                    "see it: it is buried in the hashtag block at the end "
                                    "of the caption.",
                                    "source": _RULE["source"],
                                    "evidence": "#ad",
                                    "span": [88, 91],
                                    "fix": "Move '#ad' to the start of the caption, before "
                                    "the other text and hashtags.",
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )

    workspace: str
    campaign_id: str | None
    checked_at: datetime
    rules_version: str
    jurisdictions: list[str]
    counts: dict[str, int]
    audit_seq: int | None
    generated_by: str = Field(description="What produced the findings (machine-generated).")
    note: str
    verdicts: list[VerdictOut]


@router.get("/disclosure/rules", response_model=RuleList, tags=["disclosure"])
def list_disclosure_rules(actor: CurrentActor, jurisdiction: Jurisdictions = None) -> RuleList:
    """The disclosure rules (sponsorship and AI) with ids, plain words and sources."""
    require_role(actor, *READERS, Role.creator)
    return RuleList(
        rules_version=rules_version(),
        items=[
            RuleOut(
                rule_id=r.rule_id,
                jurisdiction=r.jurisdiction,
                check=r.check,
                title=r.title,
                text=r.text,
                source=r.source,
                fix=r.fix,
            )
            for r in rules(jurisdiction)
        ],
    )


@router.get(
    "/campaigns/{campaign_id}/disclosure",
    response_model=DisclosureReportOut,
    tags=["disclosure"],
    responses=_problems(404),
)
def check_campaign_disclosure(
    request: Request,
    actor: CurrentActor,
    campaign_id: CampaignId,
    jurisdiction: Jurisdictions = None,
) -> DisclosureReportOut:
    """Check the campaign's posts against the disclosure rules: status, rule, evidence
    span and a suggested fix per post (a creator's login: their own posts)."""
    require_role(actor, *READERS, Role.creator)
    report = disclosure_service.check_posts(
        actor=actor,
        campaign_id=campaign_id,
        jurisdictions=jurisdiction,
        settings=settings_of(request),
    )
    return DisclosureReportOut.model_validate(disclosure_service.report_dict(report))
