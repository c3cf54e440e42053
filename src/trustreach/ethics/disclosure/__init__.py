"""Disclosure compliance: rules a lawyer can read, checked on posts (pure; no store).

A post with a material connection to a brand (a deal, gift, affiliate code or the
platform's paid-partnership flag) must say so in words the jurisdiction accepts,
where a reader sees it; AI-generated or AI-altered content and virtual creators must
be labelled. Each rule is data (an id, a jurisdiction, a source and a test); each
post gets a :class:`PostVerdict`: compliant, non-compliant or needs review, with the
rule ids, the evidence span in the caption and a suggested fix. Evidence for a
person to review, never a verdict about the creator.

The rules, their word lists and the platforms' truncation points are data in
``rules.toml`` (:func:`rules`, :func:`obligations`); the engine is in ``_check.py``.
Evidence for a person to review, not legal advice.
"""

from __future__ import annotations

from trustreach.ethics.disclosure._c2pa import AI_SOURCE_TYPES, MediaManifest, read_manifest
from trustreach.ethics.disclosure._check import (
    VIDEO_MEDIA,
    Connection,
    ManifestFinding,
    PostFacts,
    check_post,
    worst,
)
from trustreach.ethics.disclosure._marker import (
    MACHINE_GENERATED,
    generated_by,
    machine_generated_html,
    machine_generated_note,
)
from trustreach.ethics.disclosure._rules import (
    JURISDICTIONS,
    Jurisdiction,
    Obligation,
    Rule,
    RuleBook,
    load_rulebook,
    obligations,
    parse_jurisdictions,
    rulebook,
    rules,
    rules_version,
)
from trustreach.ethics.disclosure._types import Finding, PostVerdict, Status

__all__ = [
    "AI_SOURCE_TYPES",
    "JURISDICTIONS",
    "MACHINE_GENERATED",
    "VIDEO_MEDIA",
    "Connection",
    "Finding",
    "Jurisdiction",
    "ManifestFinding",
    "MediaManifest",
    "Obligation",
    "PostFacts",
    "PostVerdict",
    "Rule",
    "RuleBook",
    "Status",
    "check_post",
    "generated_by",
    "load_rulebook",
    "machine_generated_html",
    "machine_generated_note",
    "obligations",
    "parse_jurisdictions",
    "read_manifest",
    "rulebook",
    "rules",
    "rules_version",
    "worst",
]
