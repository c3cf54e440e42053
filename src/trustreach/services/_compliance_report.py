"""A campaign's disclosure compliance report: every campaign post checked, every deal's
obligations, as data (JSON) and as one self-contained HTML page (PDF: the same page).

:func:`campaign_compliance` checks the campaign's posts with the disclosure rules
engine (:func:`trustreach.services._disclosure.check_posts`) in the campaign's
jurisdictions (:func:`~trustreach.services._compliance.campaign_jurisdictions`, or
the ones given) and reads each deal's obligations and whether the creator accepted
them. :func:`render_compliance_html` writes the page: each post's status with the
rule ids, the evidence highlighted in the caption and the suggested fix; the deals;
the counts, the rules' version and sources; and the note that the text is
machine-generated evidence for a person to review, not legal advice.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from trustreach.core import Actor, NotFoundError, Role, Settings, get_settings, require_role
from trustreach.ethics.disclosure import Finding, PostVerdict, rules
from trustreach.services._compliance import (
    DealObligations,
    campaign_deals,
    campaign_jurisdictions,
)
from trustreach.services._context import check_workspace, require_workspace, store
from trustreach.store._tables import brands, campaigns, creator_accounts, creators, posts

MACHINE_NOTE = (
    "Machine-generated: evidence for a person to review, not legal advice. The rules "
    "engine reads captions and post metadata; a person decides what the evidence means."
)
"""Shown on every compliance report and page."""

STATUS_WORDS = {
    "non_compliant": "non-compliant",
    "needs_review": "needs review",
    "compliant": "compliant",
    "not_applicable": "no rule applies",
}
"""How a status reads on a page."""
STATUS_ORDER = ("non_compliant", "needs_review", "compliant", "not_applicable")


@dataclass(frozen=True)
class PostLine:
    """One campaign post: who posted it, its caption and its verdict."""

    post_id: str
    creator_id: str
    display_name: str
    platform: str
    posted_at: datetime
    caption: str
    status: str
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class ComplianceReport:
    """A campaign's disclosure compliance (see the module docstring)."""

    workspace: str
    campaign_id: str
    campaign_name: str
    brand: str
    jurisdictions: tuple[str, ...]
    derived_from: str
    rules_version: str
    checked_at: datetime
    posts: list[PostLine]
    deals: list[DealObligations]
    counts: dict[str, int]
    sources: dict[str, str]
    """Rule id -> source, for every rule a finding or an obligation names."""
    note: str = MACHINE_NOTE

    def summary(self) -> str:
        """``12 posts: 2 non-compliant, 1 needs review, 9 compliant; deals: 3 of 4 accepted``."""
        parts = [f"{self.counts.get(s, 0)} {STATUS_WORDS[s]}" for s in STATUS_ORDER[:3]]
        accepted = sum(d.status == "accepted" for d in self.deals)
        return (
            f"{len(self.posts)} posts: {', '.join(parts)}; deals: {accepted} of "
            f"{len(self.deals)} with their obligations accepted"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (times in ISO 8601)."""
        return {
            "workspace": self.workspace,
            "campaign_id": self.campaign_id,
            "campaign_name": self.campaign_name,
            "brand": self.brand,
            "jurisdictions": list(self.jurisdictions),
            "derived_from": self.derived_from,
            "rules_version": self.rules_version,
            "checked_at": self.checked_at.isoformat(),
            "counts": dict(self.counts),
            "posts": [
                {
                    "post_id": p.post_id,
                    "creator_id": p.creator_id,
                    "display_name": p.display_name,
                    "platform": p.platform,
                    "posted_at": p.posted_at.isoformat(),
                    "caption": p.caption,
                    "status": p.status,
                    "findings": [_finding_dict(f) for f in p.findings],
                }
                for p in self.posts
            ],
            "deals": [d.to_dict() for d in self.deals],
            "sources": dict(self.sources),
            "note": self.note,
        }


def _finding_dict(f: Finding) -> dict[str, Any]:
    out = dict(vars(f))
    out["span"] = list(f.span) if f.span is not None else None
    return out


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _campaign_posts(c: Connection, workspace: str, campaign_id: str) -> list[Any]:
    return list(
        c.execute(
            select(
                posts.c.post_id,
                posts.c.posted_at,
                posts.c.caption,
                creator_accounts.c.platform,
                creator_accounts.c.creator_id,
                creators.c.display_name,
            )
            .join(
                creator_accounts,
                and_(
                    creator_accounts.c.workspace == posts.c.workspace,
                    creator_accounts.c.account_id == posts.c.account_id,
                ),
            )
            .join(
                creators,
                and_(
                    creators.c.workspace == creator_accounts.c.workspace,
                    creators.c.creator_id == creator_accounts.c.creator_id,
                ),
            )
            .where(posts.c.workspace == workspace, posts.c.campaign_id == campaign_id)
            .order_by(posts.c.posted_at, posts.c.post_id)
        )
    )


def _check(
    actor: Actor,
    workspace: str,
    campaign_id: str,
    jurisdictions: Sequence[str],
    settings: Settings,
) -> tuple[list[PostVerdict], str, datetime]:
    """The rules engine's verdicts on the campaign's posts (H1's service)."""
    from trustreach.services import _disclosure

    report = _disclosure.check_posts(
        actor=actor,
        workspace=workspace,
        campaign_id=campaign_id,
        jurisdictions=list(jurisdictions),
        settings=settings,
    )
    return list(report.verdicts), str(report.rules_version), _utc(report.checked_at)


def campaign_compliance(
    campaign_id: str,
    *,
    actor: Actor,
    jurisdictions: Sequence[str] | None = None,
    settings: Settings | None = None,
) -> ComplianceReport:
    """The campaign's disclosure compliance (analyst, approver, auditor, admin).

    Jurisdictions: ``jurisdictions`` when given, else the campaign's. Another
    workspace's campaign is not found.
    """
    require_role(actor, Role.analyst, Role.approver, Role.auditor)
    settings = settings or get_settings()
    workspace = check_workspace(actor.workspace)
    with store(settings) as engine, engine.connect() as c:
        require_workspace(c, workspace, settings)
        head = c.execute(
            select(campaigns.c.name, brands.c.name.label("brand"))
            .join(
                brands,
                and_(
                    brands.c.workspace == campaigns.c.workspace,
                    brands.c.brand_id == campaigns.c.brand_id,
                ),
            )
            .where(campaigns.c.workspace == workspace, campaigns.c.campaign_id == campaign_id)
        ).first()
        if head is None:
            raise NotFoundError(f"campaign {campaign_id!r} not found in workspace {workspace!r}")
        where = campaign_jurisdictions(c, workspace, campaign_id, jurisdictions)
        rows = _campaign_posts(c, workspace, campaign_id)
        deals = campaign_deals(c, workspace, campaign_id)
    verdicts, version, checked_at = _check(actor, workspace, campaign_id, where.codes, settings)
    by_post = {v.post_id: v for v in verdicts}
    lines = []
    for r in rows:
        v = by_post.get(r.post_id)
        lines.append(
            PostLine(
                post_id=r.post_id,
                creator_id=r.creator_id,
                display_name=r.display_name,
                platform=r.platform,
                posted_at=_utc(r.posted_at),
                caption=r.caption or "",
                status=v.status if v is not None else "not_applicable",
                findings=list(v.findings) if v is not None else [],
            )
        )
    counts = {s: sum(p.status == s for p in lines) for s in STATUS_ORDER}
    named = {f.rule_id for p in lines for f in p.findings}
    named |= {o.rule_id for d in deals for o in d.obligations}
    order = {r.rule_id: i for i, r in enumerate(rules())}  # the rules' own order
    sources = {r.rule_id: r.source for r in rules(where.codes) if r.rule_id in named}
    for p in lines:
        for f in p.findings:
            sources.setdefault(f.rule_id, f.source)
    return ComplianceReport(
        workspace=workspace,
        campaign_id=campaign_id,
        campaign_name=head.name,
        brand=head.brand,
        jurisdictions=where.codes,
        derived_from=where.derived_from,
        rules_version=version,
        checked_at=checked_at,
        posts=lines,
        deals=deals,
        counts=counts,
        sources=dict(sorted(sources.items(), key=lambda kv: order.get(kv[0], len(order)))),
    )


# ----------------------------------------------------------------------- the page


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def highlight(caption: str, findings: Sequence[Finding]) -> str:
    """The caption as HTML with each finding's evidence span in ``<mark>`` (titled with the
    rule ids); overlapping spans are merged.

    >>> from trustreach.ethics.disclosure import Finding
    >>> f = Finding("D3-US", "us", "non_compliant", "buried", "FTC", "#ad", (9, 12))
    >>> highlight("Love it! #ad <3", [f])
    'Love it! <mark title="D3-US">#ad</mark> &lt;3'
    """
    spans: list[tuple[int, int, set[str]]] = []
    for f in findings:
        if f.span is None:
            continue
        start, end = max(0, f.span[0]), min(len(caption), f.span[1])
        if start >= end:
            continue
        spans.append((start, end, {f.rule_id}))
    spans.sort(key=lambda s: (s[0], s[1]))
    merged: list[tuple[int, int, set[str]]] = []
    for start, end, ids in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] | ids)
        else:
            merged.append((start, end, ids))
    out = []
    at = 0
    for start, end, ids in merged:
        out.append(_e(caption[at:start]))
        title = ", ".join(sorted(ids))
        out.append(f'<mark title="{_e(title)}">{_e(caption[start:end])}</mark>')
        at = end
    out.append(_e(caption[at:]))
    return "".join(out)


_CSS = """
body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #dde2ea;padding-bottom:.3rem}h3{font-size:1rem;margin:.2rem 0}
.muted{color:#5b6476;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;
padding:.3rem .45rem;border-bottom:1px solid #eceff4;vertical-align:top}
th{background:#f5f7fa;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff8e1;border-left:4px solid #c99a06;padding:.6rem .9rem;margin:1rem 0}
.post{border:1px solid #dde2ea;border-radius:4px;padding:.6rem .9rem;margin:.8rem 0;
page-break-inside:avoid}
.caption{white-space:pre-wrap;background:#f5f7fa;padding:.4rem .6rem;font-family:inherit}
mark{background:#ffe08a;padding:0 .1rem}td code,th code{white-space:nowrap}
.s-non_compliant{color:#a4161a;font-weight:600}.s-needs_review{color:#8a5a00;font-weight:600}
.s-compliant{color:#1b6b3a}.s-not_applicable{color:#5b6476}
"""


def _status(status: str) -> str:
    return f"<span class='s-{_e(status)}'>{_e(STATUS_WORDS.get(status, status))}</span>"


def _post_html(p: PostLine) -> str:
    rows = []
    for f in p.findings:
        if f.status in ("compliant", "not_applicable"):
            continue
        rows.append(
            f"<tr><td><code>{_e(f.rule_id)}</code></td><td>{_status(f.status)}</td>"
            f"<td>{_e(f.message)}"
            + (f"<br><span class='muted'>evidence: {_e(f.evidence)}</span>" if f.evidence else "")
            + f"</td><td>{_e(f.fix or '')}</td></tr>"
        )
    table = (
        "<table><thead><tr><th scope='col'>rule</th><th scope='col'>status</th>"
        "<th scope='col'>what was found</th><th scope='col'>suggested fix</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p class='muted'>Every rule that applies is met.</p>"
        if p.status == "compliant"
        else "<p class='muted'>No rule applies (no material connection recorded).</p>"
    )
    passed = sorted({f.rule_id for f in p.findings if f.status == "compliant"})
    met = f"<p class='muted'>Rules met: {_e(', '.join(passed))}</p>" if passed and rows else ""
    return (
        f"<section class='post' id='post-{_e(p.post_id)}'>"
        f"<h3>{_e(p.post_id)}: {_status(p.status)}</h3>"
        f"<p class='muted'>{_e(p.display_name)} ({_e(p.creator_id)}) on {_e(p.platform)}, "
        f"{p.posted_at:%Y-%m-%d %H:%M} UTC</p>"
        f"<div class='caption'>{highlight(p.caption, p.findings) or '<em>no caption</em>'}</div>"
        f"{table}{met}</section>"
    )


def _deals_html(deals: Sequence[DealObligations]) -> str:
    if not deals:
        return "<p class='muted'>The campaign has no deals.</p>"
    rows = []
    for d in deals:
        if d.status == "accepted":
            standing = (
                f"accepted by {_e(d.accepted_by)} on {d.accepted_at:%Y-%m-%d %H:%M} UTC"
                if d.accepted_at
                else "accepted"
            )
        elif d.status == "awaiting acceptance":
            standing = "<strong>not yet accepted by the creator</strong>"
        else:
            standing = "none recorded (the deal was imported, not made through the deal gate)"
        ids = ", ".join(o.rule_id for o in d.obligations) or "–"
        rows.append(
            f"<tr><th scope='row'><code>{_e(d.deal_id)}</code></th><td>{_e(d.creator_id)}</td>"
            f"<td>{_e(d.compensation)}</td><td>{_e(', '.join(d.jurisdictions) or '–')}</td>"
            f"<td>{_e(ids)}</td><td>{_e(d.rules_version or '–')}</td><td>{standing}</td></tr>"
        )
    texts = []
    seen: set[str] = set()
    for d in deals:
        for o in d.obligations:
            if o.rule_id in seen:
                continue
            seen.add(o.rule_id)
            texts.append(f"<li><code>{_e(o.rule_id)}</code>: {_e(o.text)}</li>")
    wording = f"<h3>The obligations, as worded</h3><ul>{''.join(texts)}</ul>" if texts else ""
    return (
        "<table><thead><tr><th scope='col'>deal</th><th scope='col'>creator</th>"
        "<th scope='col'>compensation</th><th scope='col'>jurisdictions</th>"
        "<th scope='col'>obligations</th><th scope='col'>rules version</th>"
        "<th scope='col'>accepted</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{wording}"
    )


def render_compliance_html(report: ComplianceReport) -> str:
    """The report as one self-contained HTML page (inline CSS, no scripts)."""
    r = report
    title = f"Disclosure compliance: {r.campaign_name}"
    counts = "".join(
        f"<tr><th scope='row'>{_status(s)}</th><td class='num'>{r.counts.get(s, 0)}</td></tr>"
        for s in STATUS_ORDER
    )
    failing = [p for p in r.posts if p.status in ("non_compliant", "needs_review")]
    rest = [p for p in r.posts if p not in failing]
    sources = "".join(
        f"<tr><th scope='row'><code>{_e(k)}</code></th><td>{_e(v)}</td></tr>"
        for k, v in r.sources.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_CSS}</style></head><body>
<h1>{_e(title)}</h1>
<p class="muted">Campaign <code>{_e(r.campaign_id)}</code> of {_e(r.brand)} · jurisdictions
{_e(", ".join(r.jurisdictions))} ({_e(r.derived_from)}) · rules version
{_e(r.rules_version)} · checked {r.checked_at:%Y-%m-%d %H:%M} UTC</p>
<div class="note" role="note"><strong>{_e(r.note)}</strong></div>
<h2>Counts</h2>
<p>{_e(r.summary())}.</p>
<table><tbody>{counts}</tbody></table>
<h2>Posts to look at ({len(failing)})</h2>
{"".join(_post_html(p) for p in failing) or "<p class='muted'>None.</p>"}
<h2>Deals and the obligations the creators accepted</h2>
{_deals_html(r.deals)}
<h2>Other posts ({len(rest)})</h2>
{"".join(_post_html(p) for p in rest) or "<p class='muted'>None.</p>"}
<h2>Rules and sources</h2>
<table><thead><tr><th scope="col">rule</th><th scope="col">source</th></tr></thead>
<tbody>{sources}</tbody></table>
<p class="muted">{_e(r.note)}</p>
</body></html>
"""


__all__ = [
    "MACHINE_NOTE",
    "STATUS_WORDS",
    "ComplianceReport",
    "PostLine",
    "campaign_compliance",
    "highlight",
    "render_compliance_html",
]
