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
from trustreach.web._views import percent, signal_name

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


def risk_words(risk: dict[str, Any]) -> str:
    """A ranked creator's audience risk (as discovery kept it) in words about evidence.

    >>> words = risk_words({"audited": True, "audience_quality": 92.4, "fake_share": 0.097,
    ...     "fake_share_low_95": 0.085, "fake_share_high_95": 0.111,
    ...     "signals_raised": [{"kind": "bot_comments", "strength": 0.8}]})
    >>> print(words.replace(" · ", chr(10)))
    Audience Quality 92
    9.7% of sampled followers look inauthentic (95% interval 8.5% to 11.1%)
    signals raised: Bursts of generic comments (strength 0.80)
    >>> risk_words({"audited": False})
    'Not audited: no Audience Quality, follower sample or signals'
    """
    if not risk.get("audited"):
        return "Not audited: no Audience Quality, follower sample or signals"
    quality = risk.get("audience_quality")
    parts = [
        "Audience Quality not measured"
        if quality is None
        else f"Audience Quality {float(quality):.0f}"
    ]
    share = risk.get("fake_share")
    if share is not None:
        text = f"{percent(share, 1)} of sampled followers look inauthentic"
        low, high = risk.get("fake_share_low_95"), risk.get("fake_share_high_95")
        if low is not None and high is not None:
            text += f" (95% interval {percent(low, 1)} to {percent(high, 1)})"
        parts.append(text)
    raised = [
        f"{signal_name(str(s.get('kind')))} (strength {float(s.get('strength') or 0):.2f})"
        for s in risk.get("signals_raised") or []
    ]
    parts.append("signals raised: " + ", ".join(raised) if raised else "no signal raised")
    return " · ".join(parts)


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
            summary = risk_words(risk) if risk else "not recorded with this shortlist"
        rows.append(
            Row(
                entry,
                summary,
                [str(s.get("kind")) for s in risk.get("signals_raised") or []],
                [d for d in shortlist.decisions if d.creator_id == entry.creator_id],
            )
        )
    fairness = [str(line) for _, line in sorted((p.get("exposure_audit") or {}).items())]
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
