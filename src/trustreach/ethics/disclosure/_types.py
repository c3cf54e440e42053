"""The results of a disclosure check: findings and a post's verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["compliant", "non_compliant", "needs_review", "not_applicable"]
"""A post's or a finding's outcome. ``not_applicable``: no rule applies (no material
connection, nothing AI-related declared)."""


@dataclass(frozen=True)
class Finding:
    """One rule's result on one post.

    ``span`` is the (start, end) character offsets of the evidence in the caption
    (None when the evidence is the absence of something); ``evidence`` quotes it or
    says what is missing; ``fix`` is a suggested correction in plain words.
    """

    rule_id: str
    jurisdiction: str
    status: Status
    message: str
    source: str
    evidence: str | None = None
    span: tuple[int, int] | None = None
    fix: str | None = None


@dataclass(frozen=True)
class PostVerdict:
    """A post's overall status (the worst of its findings) and every finding."""

    post_id: str
    status: Status
    findings: list[Finding] = field(default_factory=list)
    creator_id: str | None = None
    campaign_id: str | None = None
    caption: str | None = None
    """The caption the spans point into (for display; not in JSON outputs)."""
