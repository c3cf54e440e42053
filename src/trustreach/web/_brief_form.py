"""A brief from the discovery page: the written form's fields, or an uploaded file.

Both end in :func:`trustreach.discovery.parse_brief`, so a brief written in the
form is checked exactly as a brief file is, and every problem comes back as a
``BriefError`` line that starts with the brief's field path. :func:`field_errors`
puts each line beside the form field it is about.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from trustreach.core._structured import (
    MAX_BYTES,
    StructuredFileError,
    format_of,
    parse_structured,
)
from trustreach.discovery import (
    BRIEF_EXTENSIONS,
    Brief,
    BriefError,
    Objective,
    ProductCategory,
    RiskAction,
    parse_brief,
)
from trustreach.ingest import AGE_BANDS, GENDERS, Platform

TEXT_FIELDS = (
    "brief_id",
    "brand",
    "campaign_id",
    "objective",
    "topics",
    "category",
    "budget_amount",
    "budget_currency",
    "content_language",
    "countries",
    "interests",
    "exclude_creators",
    "exclude_topics",
    "top_n",
    "min_audience_quality",
    "low_quality",
    "fraud_signals",
    "min_signal_strength",
    "not_audited",
)
"""The form's single-value fields (the brief's fields flattened, lists as text)."""
LIST_FIELDS = ("platforms", "age_bands", "genders")
"""The form's check-box groups."""
MAX_FIELD = 5000
"""Longest text a form field may hold (a brief's texts are far shorter)."""

LABELS = {
    "brief_id": "Brief id",
    "brand": "Brand",
    "campaign_id": "Campaign id",
    "objective": "Objective",
    "platforms": "Platforms",
    "topics": "Topics",
    "category": "Product category",
    "budget_amount": "Budget amount",
    "budget_currency": "Budget currency",
    "content_language": "Content language",
    "countries": "Audience countries",
    "age_bands": "Audience age bands",
    "genders": "Audience genders",
    "interests": "Audience interests",
    "exclude_creators": "Creators to leave out",
    "exclude_topics": "Topics to stay away from",
    "top_n": "Shortlist length",
    "min_audience_quality": "Lowest Audience Quality",
    "low_quality": "Under that Audience Quality",
    "fraud_signals": "A strong engagement signal raised",
    "min_signal_strength": "Signal strength counted as strong",
    "not_audited": "Never audited",
    "brief_file": "Brief file",
}
"""The label of every form field (the error summary names fields by these)."""

PATHS = {
    "budget.amount": "budget_amount",
    "budget.currency": "budget_currency",
    "budget": "budget_amount",
    "audience.countries": "countries",
    "audience.age_bands": "age_bands",
    "audience.genders": "genders",
    "audience.interests": "interests",
    "exclusions.creator_ids": "exclude_creators",
    "exclusions.topics": "exclude_topics",
    "authenticity.min_audience_quality": "min_audience_quality",
    "authenticity.low_quality": "low_quality",
    "authenticity.fraud_signals": "fraud_signals",
    "authenticity.min_signal_strength": "min_signal_strength",
    "authenticity.not_audited": "not_audited",
}
"""Brief field paths whose form field has another name (the rest share the name)."""

CHOICES: dict[str, tuple[str, ...]] = {
    "objective": tuple(o.value for o in Objective),
    "platforms": tuple(p.value for p in Platform),
    "category": tuple(c.value for c in ProductCategory),
    "age_bands": tuple(AGE_BANDS),
    "genders": tuple(GENDERS),
    "risk_actions": tuple(a.value for a in RiskAction),
}
"""The allowed values the form offers (the brief's own)."""

DEFAULTS: dict[str, Any] = {
    "objective": "awareness",
    "platforms": ["instagram"],
    "category": "general",
    "budget_currency": "USD",
    "content_language": "en",
    "top_n": "20",
    "min_audience_quality": "50",
    "low_quality": "review",
    "fraud_signals": "review",
    "min_signal_strength": "0.5",
    "not_audited": "show",
}
"""What a fresh form holds (the brief's defaults, and the common choices)."""

_SPLIT = re.compile(r"[,;\n]")


def items(text: str, *, lines: bool = False) -> list[str]:
    """The entries of a list field: one per line, or (``lines=False``) also split at commas.

    >>> items(" GB, ie ;US ")
    ['GB', 'ie', 'US']
    >>> items("SPF, sun care\\nsensitive skin", lines=True)
    ['SPF, sun care', 'sensitive skin']
    """
    parts = text.splitlines() if lines else _SPLIT.split(text)
    return [p.strip() for p in parts if p.strip()]


def _number(text: str) -> Any:
    """A form's number: an int or a float where it reads as one, else the text (which
    the brief then refuses, naming the field and what it takes).

    >>> _number("12"), _number("2.5"), _number("lots")
    (12, 2.5, 'lots')
    """
    value = text.strip()
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


@dataclass
class BriefForm:
    """What a person typed in the brief form (kept to show the form again)."""

    values: dict[str, Any] = field(default_factory=lambda: dict(DEFAULTS))

    @classmethod
    def from_form(cls, form: Mapping[str, Any], lists: Mapping[str, Sequence[str]]) -> BriefForm:
        values: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            value = form.get(name)
            values[name] = value[:MAX_FIELD] if isinstance(value, str) else ""
        for name in LIST_FIELDS:
            values[name] = [v for v in lists.get(name, []) if isinstance(v, str)][:50]
        return cls(values)

    def data(self, *, now: datetime | None = None) -> dict[str, Any]:
        """The brief as a mapping, for :func:`~trustreach.discovery.parse_brief`.

        Empty optional fields are left out (the brief's defaults apply); codes
        are written the way the brief wants them (countries and currency in
        capitals, the language in lower case); a brief without an id is named
        after the time it was written.
        """
        v = {k: (x.strip() if isinstance(x, str) else x) for k, x in self.values.items()}
        when = now or datetime.now(UTC)
        data: dict[str, Any] = {
            "brief_id": v["brief_id"] or f"web-{when:%Y%m%d-%H%M%S}",
            "brand": v["brand"],
            "objective": v["objective"],
            "platforms": list(v["platforms"]),
            "topics": items(v["topics"], lines=True),
            "category": v["category"],
            "budget": {"currency": v["budget_currency"].upper()},
            "content_language": v["content_language"].lower(),
        }
        if not data["brand"]:
            del data["brand"]  # "brand: required; add it"
        if v["budget_amount"]:
            data["budget"]["amount"] = _number(v["budget_amount"])
        if v["campaign_id"]:
            data["campaign_id"] = v["campaign_id"]
        audience = {
            "countries": [c.upper() for c in items(v["countries"])],
            "age_bands": list(v["age_bands"]),
            "genders": list(v["genders"]),
            "interests": items(v["interests"]),
        }
        data["audience"] = {k: x for k, x in audience.items() if x}
        exclusions = {
            "creator_ids": items(v["exclude_creators"]),
            "topics": items(v["exclude_topics"], lines=True),
        }
        data["exclusions"] = {k: x for k, x in exclusions.items() if x}
        if v["top_n"]:
            data["top_n"] = _number(v["top_n"])
        policy: dict[str, Any] = {}
        for name in ("min_audience_quality", "min_signal_strength"):
            if v[name]:
                policy[name] = _number(v[name])
        for name in ("low_quality", "fraud_signals", "not_audited"):
            if v[name]:
                policy[name] = v[name]
        data["authenticity"] = policy
        return data

    def brief(self) -> Brief:
        """The brief, or :class:`~trustreach.discovery.BriefError` naming each field."""
        return parse_brief(self.data(), source="form")


def brief_from_file(filename: str, content: bytes) -> Brief:
    """A brief from an uploaded ``.yaml``, ``.yml`` or ``.json`` file.

    Read by the same safe reader as ``trustreach discover BRIEF`` (size, encoding,
    duplicate keys, aliases, nesting and numbers are checked before any field);
    every refusal is a :class:`~trustreach.discovery.BriefError`.

    >>> brief_from_file("b.txt", b"brief_id: x")
    Traceback (most recent call last):
    ...
    trustreach.discovery._brief.BriefError: brief b.txt refused: (file): extension '.txt' ...
    """
    name = PurePath(filename).name or "brief"
    fmt = format_of(Path(name))
    if fmt is None:
        raise BriefError(
            [
                f"(file): extension {PurePath(name).suffix or '(none)'!r} is not supported; "
                f"allowed: {', '.join(BRIEF_EXTENSIONS)}"
            ],
            source=name,
        )
    if not content:
        raise BriefError(["(file): is empty; choose a brief file"], source=name)
    try:
        data = parse_structured(content, fmt=fmt, what="brief", source=name, max_bytes=MAX_BYTES)
    except StructuredFileError as exc:
        raise BriefError([f"(file): {exc.problem}"], source=name) from None
    return parse_brief(data, source=name)


def field_of(line: str) -> str | None:
    """The form field an error line is about (None: the brief as a whole or the file).

    >>> field_of("budget.amount: expected a number, got text 'lots'")
    'budget_amount'
    >>> field_of("audience.countries[1]: 'XX' not allowed")
    'countries'
    >>> field_of("(file): is empty") is None
    True
    """
    path = line.split(": ", 1)[0]
    path = re.sub(r"\[\d+\]", "", path)
    while path:
        name = PATHS.get(path, path)
        if name in LABELS:
            return name
        path = path.rpartition(".")[0]
    return None


def field_errors(lines: Sequence[str]) -> dict[str, list[str]]:
    """Error lines by form field (``""``: lines about no one field)."""
    out: dict[str, list[str]] = {}
    for line in lines:
        out.setdefault(field_of(line) or "", []).append(line)
    return out
