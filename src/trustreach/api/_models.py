"""The API's response documents (pydantic), with the examples OpenAPI shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class FieldError(BaseModel):
    """One invalid field of a request."""

    field: str = Field(description="Where the value was and its name, e.g. `query.limit`.")
    message: str = Field(description="What is wrong.")
    allowed: str | None = Field(default=None, description="What is allowed, where known.")


class Problem(BaseModel):
    """An error (RFC 9457 problem details), served as `application/problem+json`."""

    model_config = _example(
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "/api/v1/creators/cr-9999 was not found in your workspace",
            "instance": "/api/v1/creators/cr-9999",
        }
    )
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = Field(
        default=None, description="For a validation error (422): each invalid field."
    )


class Health(BaseModel):
    """The server answers (no store access, no authentication)."""

    model_config = _example({"status": "ok", "version": "0.1.0"})
    status: str
    version: str


class Account(BaseModel):
    """One platform account of a creator."""

    account_id: str
    platform: str
    handle: str
    followers_count: int | None
    verified: bool


class Creator(BaseModel):
    """A creator, their accounts and the headline of their latest audit (if audited)."""

    model_config = _example(
        {
            "creator_id": "cr-0001",
            "display_name": "Ana Glow",
            "niches": ["beauty", "skincare"],
            "country": "US",
            "language": "en",
            "accounts": [
                {
                    "account_id": "ig_cr-0001",
                    "platform": "instagram",
                    "handle": "anaglow",
                    "followers_count": 120000,
                    "verified": True,
                }
            ],
            "audit_seq": 42,
            "audited_at": "2026-11-02T10:00:00Z",
            "audience_quality": 87.0,
        }
    )
    creator_id: str
    display_name: str
    niches: list[str]
    country: str | None
    language: str | None
    accounts: list[Account]
    audit_seq: int | None = Field(description="Audit-log record of the latest audit, if any.")
    audited_at: datetime | None
    audience_quality: float | None = Field(
        description="Audience Quality (0 to 100) of the latest audit."
    )


class CreatorPage(BaseModel):
    """A page of creators; pass `next_cursor` as `cursor` for the next (null: last page)."""

    items: list[Creator]
    next_cursor: str | None


class AuditEvidence(BaseModel):
    """A creator's latest audit: the evidence as stored, which the creator may see and contest."""

    model_config = _example(
        {
            "creator_id": "cr-0001",
            "audit_seq": 42,
            "generated_at": "2026-11-02T10:00:00Z",
            "evidence": {"creator_id": "cr-0001", "quality_score": 87.0, "signals": []},
            "generated_by": "trustreach 0.1.0 (audience audit, model fake_account 1.0.0)",
        }
    )
    creator_id: str
    audit_seq: int
    generated_at: datetime
    evidence: dict[str, Any]
    generated_by: str = Field(
        description="Machine-generated: trustreach's version and the model the audit used."
    )


class ShortlistSummary(BaseModel):
    """A shortlist without its entries."""

    model_config = _example(
        {
            "shortlist_id": "sl-20261102-101500-a1b2c3",
            "brief_id": "br1",
            "campaign_id": "cmp1",
            "status": "in_review",
            "created_at": "2026-11-02T10:15:00Z",
            "created_by": "key:tr_k_3f9a",
            "entries": 10,
            "approved": 2,
        }
    )
    shortlist_id: str
    brief_id: str
    campaign_id: str | None
    status: str = Field(description="`proposed`, `in_review` or `decided`.")
    created_at: datetime
    created_by: str
    entries: int
    approved: int


class ShortlistPage(BaseModel):
    """A page of shortlists, newest first."""

    items: list[ShortlistSummary]
    next_cursor: str | None


class ShortlistEntry(BaseModel):
    """A creator on a shortlist and where they stand."""

    creator_id: str
    display_name: str | None
    rank: int | None
    score: float | None
    components: dict[str, Any]
    explanation: str
    source: str = Field(description="`ranked` (proposed by discovery) or `override`.")
    added_by: str
    reason: str | None
    status: str = Field(description="`pending`, `approved` or `rejected` (the latest decision).")
    decided_by: str | None
    decision_reason: str | None


class Decision(BaseModel):
    """One human decision (append-only; the latest per creator counts)."""

    creator_id: str
    decision: str
    decided_by: str
    reason: str
    decided_at: datetime
    audit_seq: int


class Shortlist(ShortlistSummary):
    """A shortlist with its entries and every decision, oldest first."""

    brief_digest: str
    model_versions: dict[str, str]
    parameters: dict[str, Any]
    items: list[ShortlistEntry]
    decisions: list[Decision]


class AuditRecord(BaseModel):
    """One record of the workspace's audit log."""

    model_config = _example(
        {
            "seq": 42,
            "recorded_at": "2026-11-02T10:00:00Z",
            "actor": "user:sam@acme.test",
            "action": "shortlist_approved",
            "subject": "creator:cr-0001",
            "model_name": None,
            "model_version": None,
            "input_digest": None,
            "details": {"shortlist_id": "sl-20261102-101500-a1b2c3", "reason": "fits the brief"},
            "hash": "9f2c…",
            "prev_hash": "41aa…",
        }
    )
    seq: int
    recorded_at: datetime
    actor: str = Field(description="Who acted: `user:EMAIL`, `key:ID` or `cli:NAME`.")
    action: str
    subject: str | None
    model_name: str | None
    model_version: str | None
    input_digest: str | None
    details: dict[str, Any]
    hash: str
    prev_hash: str


class AuditPage(BaseModel):
    """A page of audit records, newest first."""

    items: list[AuditRecord]
    next_cursor: str | None


class ChainBreak(BaseModel):
    """An unacknowledged break at one of this workspace's records."""

    seq: int
    kind: str


class ChainReport(BaseModel):
    """Whether the audit log verifies, as this workspace may see it."""

    model_config = _example({"intact": True, "records": 118, "breaks": []})
    intact: bool = Field(description="The store's whole chain verifies (one chain for all).")
    records: int = Field(description="This workspace's audit records.")
    breaks: list[ChainBreak] = Field(
        description="Unacknowledged breaks at this workspace's records."
    )
