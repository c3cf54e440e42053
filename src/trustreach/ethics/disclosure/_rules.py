"""The disclosure rules as data: ``rules.toml`` read once into typed records.

A rule is an id (``D2-US``: the reference row and the jurisdiction), the check that
tests it, the rule in plain words, its source and a suggested fix. The word lists
(accepted, weak and rejected wording per jurisdiction, AI labels) and the platforms'
truncation points live in the same file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from trustreach.core import ConfigurationError, read_toml

Jurisdiction = Literal["us", "uk", "eu"]
JURISDICTIONS: tuple[Jurisdiction, ...] = ("us", "uk", "eu")
"""The jurisdictions with rules: US (FTC), UK (CAP/ASA, CMA), EU (UCPD, DSA, AI Act)."""

CHECKS = (
    "trigger",
    "wording",
    "placement",
    "medium",
    "platform_label",
    "ai_label",
    "virtual_persona",
    "ai_manifest",
)


@dataclass(frozen=True)
class Rule:
    """One rule: what is checked, in plain words, and where it comes from."""

    rule_id: str
    jurisdiction: Jurisdiction
    check: str
    title: str
    text: str
    source: str
    fix: str


@dataclass(frozen=True)
class Obligation:
    """A disclosure obligation a creator accepts, in plain words, with its source."""

    rule_id: str
    jurisdiction: Jurisdiction
    text: str
    source: str


@dataclass(frozen=True)
class Wording:
    """A jurisdiction's words: accepted, weak (advised against) and rejected."""

    accepted: tuple[str, ...]
    weak: tuple[str, ...]
    rejected: tuple[str, ...]
    brand_patterns: tuple[str, ...]


@dataclass(frozen=True)
class RuleBook:
    """Everything ``rules.toml`` holds."""

    version: str
    rules: tuple[Rule, ...]
    wording: dict[str, Wording]
    ai_labels: tuple[str, ...]
    virtual_labels: tuple[str, ...]
    truncation: dict[str, int]

    def truncation_point(self, platform: str | None) -> int:
        """Characters of a caption shown before "more" on ``platform``."""
        return self.truncation.get(platform or "", self.truncation["default"])

    def rule(self, jurisdiction: str, check: str) -> Rule | None:
        """The rule of ``jurisdiction`` that runs ``check`` (None when it has none)."""
        for r in self.rules:
            if r.jurisdiction == jurisdiction and r.check == check:
                return r
        return None


def _strings(table: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(v).lower() for v in table.get(key, []))


def parse_rulebook(data: dict[str, Any]) -> RuleBook:
    """Build a :class:`RuleBook` from the parsed TOML, checking every rule's fields."""
    for key in ("version", "platforms"):
        if key not in data:
            raise ConfigurationError(f"disclosure rules lack {key!r}")
    if "default" not in data["platforms"]:
        raise ConfigurationError("disclosure rules: [platforms] needs a 'default' truncation point")
    rules = []
    seen: set[str] = set()
    for raw in data.get("rule", []):
        missing = [
            k for k in ("id", "jurisdiction", "check", "title", "text", "source") if k not in raw
        ]
        if missing:
            raise ConfigurationError(f"disclosure rule {raw.get('id')!r} lacks {missing}")
        if raw["jurisdiction"] not in JURISDICTIONS:
            raise ConfigurationError(
                f"rule {raw['id']}: jurisdiction {raw['jurisdiction']!r} not one of "
                f"{', '.join(JURISDICTIONS)}"
            )
        if raw["check"] not in CHECKS:
            raise ConfigurationError(
                f"rule {raw['id']}: check {raw['check']!r} not one of {', '.join(CHECKS)}"
            )
        if raw["check"] in ("wording", "trigger", "placement") and raw["jurisdiction"] not in (
            data.get("wording") or {}
        ):
            raise ConfigurationError(
                f"rule {raw['id']}: no [wording.{raw['jurisdiction']}] table for its jurisdiction"
            )
        if raw["id"] in seen:
            raise ConfigurationError(f"rule id {raw['id']} appears twice")
        seen.add(raw["id"])
        rules.append(
            Rule(
                rule_id=raw["id"],
                jurisdiction=raw["jurisdiction"],
                check=raw["check"],
                title=raw["title"],
                text=raw["text"],
                source=raw["source"],
                fix=raw.get("fix", ""),
            )
        )
    wording = {
        j: Wording(
            accepted=_strings(w, "accepted"),
            weak=_strings(w, "weak"),
            rejected=_strings(w, "rejected"),
            brand_patterns=tuple(str(p) for p in w.get("brand_patterns", [])),
        )
        for j, w in data.get("wording", {}).items()
    }
    return RuleBook(
        version=str(data["version"]),
        rules=tuple(rules),
        wording=wording,
        ai_labels=_strings(data.get("ai_labels", {}), "accepted"),
        virtual_labels=_strings(data.get("virtual_labels", {}), "accepted"),
        truncation={k: int(v) for k, v in data["platforms"].items()},
    )


@cache
def rulebook() -> RuleBook:
    """The shipped rules (``rules.toml`` in this package), read once."""
    text = resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8")
    return parse_rulebook(tomllib.loads(text))


def load_rulebook(path: str | Path) -> RuleBook:
    """Rules from a TOML file shaped like the shipped ``rules.toml`` (a reviewed copy).

    Errors name the file and what is wrong with it.
    """
    p = Path(path)
    data = read_toml(p, "disclosure rules")
    try:
        return parse_rulebook(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigurationError(f"disclosure rules {p}: {exc}") from None


def rules_version() -> str:
    """The version of the shipped rules (written beside every check)."""
    return rulebook().version


def parse_jurisdictions(values: Iterable[str] | None) -> tuple[Jurisdiction, ...]:
    """Validated jurisdiction codes (case-insensitive, ``gb`` = ``uk``); None: all.

    >>> parse_jurisdictions(["UK", "us"])
    ('us', 'uk')
    """
    if values is None:
        return JURISDICTIONS
    wanted = set()
    for value in values:
        code = value.strip().lower()
        code = "uk" if code == "gb" else code
        if code not in JURISDICTIONS:
            raise ConfigurationError(
                f"jurisdiction {value!r} is not known; allowed: {', '.join(JURISDICTIONS)}"
            )
        wanted.add(code)
    if not wanted:
        raise ConfigurationError(f"give at least one jurisdiction: {', '.join(JURISDICTIONS)}")
    return tuple(j for j in JURISDICTIONS if j in wanted)


def rules(jurisdictions: Sequence[str] | None = None) -> list[Rule]:
    """The rules of ``jurisdictions`` (None: every jurisdiction), in file order.

    >>> [r.rule_id for r in rules(["uk"])][:2]
    ['D1-UK', 'D7-UK']
    """
    wanted = parse_jurisdictions(jurisdictions)
    return [r for r in rulebook().rules if r.jurisdiction in wanted]


def obligations(jurisdictions: Sequence[str] | None = None) -> list[Obligation]:
    """The disclosure obligations a creator accepts in ``jurisdictions``, in plain words.

    One per rule (sponsorship and AI), each with the rule id and its source: what a
    deal records as accepted and shows the creator.

    >>> [o.rule_id for o in obligations(["us"])]
    ['D1-US', 'D2-US', 'D3-US', 'D4-US', 'D10-US']
    """
    return [Obligation(r.rule_id, r.jurisdiction, r.text, r.source) for r in rules(jurisdictions)]


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for whole words/phrases, with or without ``#``.

    Spaces in a phrase also match ``_``, ``-`` or nothing (``#paidpartnership``).
    """
    alts = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        parts = [re.escape(p) for p in phrase.split()]
        alts.append(r"[\s_-]?".join(parts))
    if not alts:
        return None
    return re.compile(r"(?<![\w#@])#?(?:" + "|".join(alts) + r")(?![\w-])", re.IGNORECASE)
