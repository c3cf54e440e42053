"""Disclosure compliance: rules a lawyer can read, checked on posts (pure; no store).

A post with a material connection to a brand (a deal, gift, affiliate code or the
platform's paid-partnership flag) must say so in words the jurisdiction accepts,
where a reader sees it; AI-generated or AI-altered content and virtual creators must
be labelled. Each rule is data (an id, a jurisdiction, a source and a test); each
post gets a :class:`PostVerdict`: compliant, non-compliant or needs review, with the
rule ids, the evidence span in the caption and a suggested fix. Evidence for a
person to review, never a verdict about the creator.

(Work in progress: the engine lands in ``_rules.py`` / ``_check.py``.)
"""

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


__all__ = ["Finding", "PostVerdict", "Status"]
