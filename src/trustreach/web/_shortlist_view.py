"""What the shortlist page shows, from a stored shortlist and what its proposal kept.

Discovery keeps with each proposal (its ``parameters``) the reason and numbers
of every creator it set aside, the audience risk of every ranked creator and
the fairness audit (see ``services._discovery.review_record``). Shortlists
proposed before it kept them name the creators held for review without the
reason; the page says so and links to each creator's audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trustreach.services import Decision, Shortlist, ShortlistEntry

MAX_REASON = 2000
"""Longest reason the dashboard takes for a decision (the store takes up to 5,000)."""


@dataclass(frozen=True)
class SetAside:
    """A creator the ranking held for review or excluded, and why."""

    creator_id: str
    display_name: str | None
    reason: str
    rule_id: str | None


@dataclass(frozen=True)
class Row:
    """A creator on the shortlist with their audience risk and every decision on them."""

    entry: ShortlistEntry
    risk: str
    signals: list[str]
    decisions: list[Decision]


@dataclass(frozen=True)
class ShortlistView:
    rows: list[Row]
    held: list[SetAside]
    excluded: list[SetAside]
    fairness: list[str]
    notes: list[str]
    eligible: int | None
    out_of_scope: dict[str, int]
    brand: str | None
    names: dict[str, str] = field(default_factory=dict)

    def name(self, creator_id: str) -> str:
        """``"Display Name (creator-id)"``, or the bare id when the name is unknown."""
        name = self.names.get(creator_id)
        return f"{name} ({creator_id})" if name and name != creator_id else creator_id


NOT_KEPT = (
    "The reason was not kept with this shortlist (it was proposed before reasons were "
    "stored); read the creator's audit for the evidence."
)


def _set_aside(found: dict[str, Any], ids: list[Any], names: dict[str, str]) -> list[SetAside]:
    if found:
        return [
            SetAside(
                str(f.get("creator_id")),
                f.get("display_name") or names.get(str(f.get("creator_id"))),
                str(f.get("reason") or ""),
                f.get("rule_id"),
            )
            for f in found.get("items", [])
        ]
    return [SetAside(str(i), names.get(str(i)), NOT_KEPT, None) for i in ids]


def shortlist_view(shortlist: Shortlist) -> ShortlistView:
    """The page's view of ``shortlist``."""
    p = shortlist.parameters
    findings = p.get("findings") or {}
    risks: dict[str, Any] = p.get("risk") or {}
    names = {e.creator_id: e.display_name for e in shortlist.entries if e.display_name}
    for kind in ("review", "excluded"):
        for f in findings.get(kind) or []:
            if f.get("display_name"):
                names.setdefault(str(f["creator_id"]), str(f["display_name"]))
    rows = []
    for entry in shortlist.entries:
        risk = risks.get(entry.creator_id) or {}
        if entry.source == "override":
            summary = "added by a person, not ranked: read the creator's audit"
        else:
            summary = str(risk.get("summary") or "not recorded with this shortlist")
        rows.append(
            Row(
                entry,
                summary,
                [str(s.get("kind")) for s in risk.get("signals_raised") or []],
                [d for d in shortlist.decisions if d.creator_id == entry.creator_id],
            )
        )
    fairness = [
        f"By {attribute}: {line}" for attribute, line in (p.get("exposure_audit") or {}).items()
    ]
    if p.get("fair_effect"):
        fairness.append(str(p["fair_effect"]))
    held = _set_aside(
        {"items": findings["review"]} if "review" in findings else {}, p.get("review") or [], names
    )
    excluded = _set_aside(
        {"items": findings["excluded"]} if "excluded" in findings else {},
        p.get("excluded") or [],
        names,
    )
    eligible = p.get("eligible")
    return ShortlistView(
        rows=rows,
        held=held,
        excluded=excluded,
        fairness=fairness,
        notes=[str(n) for n in p.get("notes") or []],
        eligible=int(eligible) if isinstance(eligible, int) else None,
        out_of_scope={str(k): int(v) for k, v in (p.get("out_of_scope") or {}).items()},
        brand=p.get("brand"),
        names=names,
    )
