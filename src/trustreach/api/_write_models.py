"""Request and response documents of the routes that change things (pydantic, with examples)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from trustreach.discovery import Brief

Reason = Annotated[
    str,
    Field(min_length=1, max_length=5000, pattern=r"\S", description="Why, in plain words."),
]
Ident = Annotated[str, Field(min_length=1, max_length=200)]


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]}, extra="forbid")


# ------------------------------------------------------------------ discovery

EXAMPLE_BRIEF: dict[str, Any] = {
    "brief_id": "glow-spring",
    "brand": "Acme Skin",
    "campaign_id": "cmp1",
    "objective": "awareness",
    "platforms": ["instagram"],
    "topics": ["skincare routines"],
    "category": "beauty",
    "budget": {"amount": 5000, "currency": "USD"},
    "content_language": "en",
    "top_n": 10,
}


class DiscoveryRequest(BaseModel):
    """A brief (as in docs/briefs.md, checked by the same rules), creators like one, or both."""

    model_config = _example({"brief": EXAMPLE_BRIEF, "top_n": 10})
    # The published schema is the brief's; the brief parser checks it, so its messages
    # (one per field, naming what is allowed) are the ones a brief file gets.
    brief: SkipValidation[Brief] | None = Field(
        default=None, description="The brief (see docs/briefs.md); optional with `like`."
    )
    like: Ident | None = Field(
        default=None, description="Rank creators like this one (id, unique name or handle)."
    )
    top_n: int | None = Field(
        default=None, ge=1, le=500, description="Shortlist length (default: the brief's)."
    )
    fair: str | None = Field(
        default=None,
        max_length=200,
        description="FA*IR re-ranking for a declared group: ATTRIBUTE=VALUE:P:ALPHA, "
        "e.g. `gender=woman:0.4:0.1`.",
    )


class RankedCreator(BaseModel):
    """A creator on the ranked shortlist, with every component of the score explained."""

    rank: int
    score_rank: int
    creator_id: str
    account_id: str
    display_name: str
    platform: str
    score: float | None
    protected: bool | None
    authenticity: dict[str, Any] = Field(description="The latest audience audit's risk.")
    components: list[dict[str, Any]]
    explanation: str


class Finding(BaseModel):
    """A creator held for review or excluded by a rule, with the rule and the numbers."""

    creator_id: str
    display_name: str | None
    rule_id: str
    reason: str
    numbers: dict[str, Any]


class DiscoveryResult(BaseModel):
    """The ranking, stored as a proposed shortlist awaiting human decisions."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "shortlist_id": "sl-20261102-101500-a1b2c3",
                    "eligible": 42,
                    "model_versions": {"performance": "0.1.0"},
                    "weights": {"topic_fit": 0.4},
                    "shortlist": [],
                    "review": [],
                    "excluded": [],
                    "exposure_audit": {},
                    "fair": None,
                    "out_of_scope": {},
                    "notes": [],
                    "query": {"brief_id": "glow-spring"},
                }
            ]
        }
    )
    shortlist_id: str | None = Field(description="The stored proposal (GET /shortlists/{id}).")
    eligible: int
    model_versions: dict[str, str]
    weights: dict[str, float | None]
    shortlist: list[RankedCreator]
    review: list[Finding] = Field(description="Held for human review, with the numbers.")
    excluded: list[Finding] = Field(description="Excluded by a rule, with the numbers.")
    exposure_audit: dict[str, Any] = Field(
        description="Exposure of each declared group (the fairness audit)."
    )
    fair: dict[str, Any] | None = Field(description="FA*IR's effect, when asked for.")
    out_of_scope: dict[str, int]
    notes: list[str]
    query: dict[str, Any]


# ------------------------------------------------------------------ shortlists and deals


class NewDecision(BaseModel):
    """A person's decision on one creator of the shortlist, with a reason."""

    model_config = _example(
        {"creator_id": "c1", "decision": "approved", "reason": "audience fits the brief"}
    )
    creator_id: Ident
    decision: Literal["approved", "rejected"]
    reason: Reason


class NewOverride(BaseModel):
    """A creator the ranking did not propose, added with a reason (still needs an approval)."""

    model_config = _example({"creator_id": "c2", "reason": "worked with us last spring"})
    creator_id: Ident
    reason: Reason


Compensation = Literal["fee", "gift", "affiliate", "product_loan", "discount"]


class NewDeal(BaseModel):
    """A deal for a creator a person approved on the shortlist."""

    model_config = _example(
        {
            "shortlist_id": "sl-20261102-101500-a1b2c3",
            "creator_id": "c1",
            "deal_id": "deal-2026-001",
            "compensation": "fee",
            "amount": 1500,
            "currency": "USD",
            "campaign_id": "cmp1",
            "signed_on": "2026-10-05",
        }
    )
    shortlist_id: Ident
    creator_id: Ident
    deal_id: Ident = Field(description="Your id for the deal (a retry with it changes nothing).")
    compensation: Compensation
    amount: float | None = Field(default=None, gt=0, le=1e13, description="Needed for a fee.")
    currency: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 (default: the campaign's, else the brief's).",
    )
    campaign_id: Ident | None = Field(
        default=None, description="Needed when the shortlist is not for a campaign."
    )
    affiliate_code: str | None = Field(default=None, min_length=1, max_length=100)
    signed_on: date | None = Field(default=None, description="Default: today (UTC).")
    jurisdictions: list[Literal["us", "uk", "eu"]] | None = Field(
        default=None,
        min_length=1,
        max_length=3,
        description="Whose disclosure rules the creator accepts with the deal (default: the "
        "campaign's: its brand's and briefs' audience countries).",
    )


class Deal(BaseModel):
    """A deal as stored (a material connection: a disclosure duty)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "deal_id": "deal-2026-001",
                    "campaign_id": "cmp1",
                    "creator_id": "c1",
                    "compensation": "fee",
                    "amount": 1500.0,
                    "currency": "USD",
                    "affiliate_code": None,
                    "signed_on": "2026-10-05",
                    "material_connection": True,
                }
            ]
        }
    )
    deal_id: str
    campaign_id: str
    creator_id: str
    compensation: str
    amount: float | None
    currency: str
    affiliate_code: str | None
    signed_on: date | None
    material_connection: bool


class CreatedDeal(Deal):
    """The deal, whether this request created it, and its audit record."""

    shortlist_id: str
    created: bool = Field(description="False when the same deal existed already (a retry).")
    audit_seq: int | None
    jurisdictions: list[str] = Field(
        default=[], description="The jurisdictions whose disclosure obligations are recorded."
    )
    obligations: list[str] = Field(
        default=[],
        description="Their rule ids; the creator accepts them "
        "(`POST /deals/{deal_id}/obligations/acceptance`).",
    )
    obligations_status: str = Field(
        default="none recorded",
        description="`awaiting acceptance`, `accepted` or `none recorded`.",
    )


# ------------------------------------------------------------------ disputes


class Dispute(BaseModel):
    """A dispute of an audit and, once reviewed, the person's decision."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dispute_id": 7,
                    "creator_id": "c1",
                    "display_name": "Ana Glow",
                    "audit_seq": 42,
                    "filed_by": "user:ana@creators.test",
                    "reason": "the spike in May was a giveaway",
                    "status": "open",
                    "filed_at": "2026-11-02T10:00:00Z",
                    "reviewer": None,
                    "decision": None,
                    "resolved_at": None,
                }
            ]
        }
    )
    dispute_id: int
    creator_id: str
    display_name: str | None
    audit_seq: int | None = Field(description="The audit disputed (its audit-log record).")
    filed_by: str
    reason: str
    status: str = Field(description="`open`, `upheld` or `rejected`.")
    filed_at: datetime
    reviewer: str | None
    decision: str | None
    resolved_at: datetime | None


class DisputePage(BaseModel):
    """A page of disputes, oldest first."""

    items: list[Dispute]
    next_cursor: str | None


class NewDispute(BaseModel):
    """A dispute of the creator's latest audit (a creator files for themselves)."""

    model_config = _example({"creator_id": "c1", "reason": "the spike in May was a giveaway"})
    creator_id: Ident | None = Field(
        default=None, description="The creator (default, and only allowed: your own)."
    )
    reason: Reason


class Resolution(BaseModel):
    """A reviewer's decision on an open dispute, with a note saying what was set aside."""

    model_config = _example({"decision": "upheld", "note": "giveaway confirmed by the brand"})
    decision: Literal["upheld", "rejected"]
    note: Reason


# ------------------------------------------------------------------ conversation


class Share(BaseModel):
    """A count out of a total with its 95% Wilson interval."""

    count: int
    total: int
    share: float | None
    low: float
    high: float


class ConversationSummary(BaseModel):
    """Aggregates of the comments on a creator's or a campaign's posts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "scope": "creator",
                    "scope_id": "c1",
                    "comments": 2,
                    "scored": 2,
                    "sentiment": {
                        "positive": {
                            "count": 1,
                            "total": 2,
                            "share": 0.5,
                            "low": 0.09,
                            "high": 0.91,
                        }
                    },
                    "mean_score": 0.5,
                    "unsafe": {"count": 0, "total": 2, "share": 0.0, "low": 0.0, "high": 0.66},
                    "offensive": {"count": 0, "total": 2, "share": 0.0, "low": 0.0, "high": 0.66},
                    "hate": {"count": 0, "total": 2, "share": 0.0, "low": 0.0, "high": 0.66},
                    "unsupported_language": 0,
                    "no_text": 0,
                    "corrected": 0,
                    "language_uncertain": 0,
                    "daily": [],
                    "trend_per_week": None,
                    "themes": {},
                    "retained_comments": 2,
                    "notes": [],
                    "generated_by": "trustreach 0.1.0 (conversation models: lexicon@1a2b3c4d5e6f)",
                }
            ]
        }
    )
    scope: str
    scope_id: str
    comments: int
    scored: int
    sentiment: dict[str, Share]
    mean_score: float | None
    unsafe: Share
    offensive: Share
    hate: Share
    unsupported_language: int
    no_text: int
    corrected: int
    language_uncertain: int
    daily: list[dict[str, Any]]
    trend_per_week: float | None
    themes: dict[str, list[dict[str, Any]]]
    retained_comments: int
    notes: list[str]
    generated_by: str = Field(
        description="Machine-generated: trustreach's version and the models whose labels "
        "were summed."
    )


class NewCorrection(BaseModel):
    """A person's correction of one machine label of a comment."""

    model_config = _example(
        {
            "comment_id": "k1",
            "field": "sentiment",
            "value": "positive",
            "reason": "sarcasm read literally",
        }
    )
    comment_id: Ident
    field: Literal["sentiment", "offensive", "hate"]
    value: Literal["negative", "neutral", "positive", "true", "false"] = Field(
        description="sentiment: negative, neutral or positive; offensive, hate: true or false."
    )
    reason: Reason


class Correction(BaseModel):
    """The recorded correction and its audit record."""

    comment_id: str
    field: str
    value: str
    corrected_by: str
    audit_seq: int


# ------------------------------------------------------------------ privacy


class ProcessingLine(BaseModel):
    """One table holding personal data: whose, why, on what basis, for how long."""

    table: str
    subject: str
    purpose: str
    legal_basis: str
    retention: str
    retention_days: int | None
    subject_columns: list[str]


class RecordOfProcessing(BaseModel):
    """The record of processing activities (GDPR Art. 30)."""

    items: list[ProcessingLine]


class ConsentState(BaseModel):
    """The latest consent record of one purpose."""

    purpose: str
    granted: bool
    recorded_at: datetime
    source: str


class DeclaredAttributes(BaseModel):
    """What a creator declared (only while consent is in force), and their consent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "creator_id": "c1",
                    "attributes": {"gender": "woman"},
                    "consent_in_force": True,
                    "consent": [
                        {
                            "purpose": "declared_attributes",
                            "granted": True,
                            "recorded_at": "2026-09-01T10:00:00Z",
                            "source": "signed form",
                        }
                    ],
                }
            ]
        }
    )
    creator_id: str
    attributes: dict[str, str]
    consent_in_force: bool = Field(description="Consent for declared attributes is in force.")
    consent: list[ConsentState]


ConsentPurpose = Literal[
    "profiling", "audience_analysis", "contact", "declared_attributes", "marketing"
]


class NewWithdrawal(BaseModel):
    """A creator withdraws consent for one purpose (declared attributes are then deleted)."""

    model_config = _example({"purpose": "declared_attributes"})
    purpose: ConsentPurpose


class Withdrawal(BaseModel):
    """The recorded withdrawal and what it removed."""

    creator_id: str
    purpose: str
    consent_id: str
    recorded_at: datetime
    attributes_deleted: int
    audit_seq: int


class NewErasure(BaseModel):
    """Erase a follower or commenter by their platform id (GDPR Art. 17)."""

    model_config = _example({"account_id": "f_1001"})
    account_id: Ident = Field(description="The person's platform account id.")


class Erasure(BaseModel):
    """Rows removed, by table (the audit record names only the pseudonym)."""

    subject_key: str = Field(description="The keyed pseudonym the rows were stored under.")
    removed: dict[str, int]
    audit_seq: int | None = Field(description="None when nothing was held under the id.")


class CreatorExport(BaseModel):
    """Everything the workspace holds about a creator, by table (GDPR Art. 15 and 20)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "creator_id": "c1",
                    "exported_at": "2026-11-02T10:00:00Z",
                    "tables": {"creators": [{"creator_id": "c1", "display_name": "Ana Glow"}]},
                }
            ]
        }
    )
    creator_id: str
    exported_at: datetime
    tables: dict[str, list[dict[str, Any]]]
