"""The audit and shortlist reports as HTML, and any report as PDF (WeasyPrint).

- :func:`audit_report_html` renders a creator's latest *stored* audit with the
  same renderer as ``trustreach audit --report`` (the per-account probabilities
  behind the histogram are not stored, so that chart says so instead), with the
  creator's disputes as they stand now.
- :func:`shortlist_report_html` renders a stored shortlist as it stands: the
  ranked entries with their explained components, each creator's latest audit,
  the overrides, and every person's decision with who made it.
- :func:`html_to_pdf` prints either to PDF with WeasyPrint: the same document,
  laid out for A4 paper by a print stylesheet, fetching nothing outside it.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from typing import Any

from sqlalchemy import select

from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.ethics.disclosure import machine_generated_html
from trustreach.services._context import check_workspace, require_creator, require_workspace, store
from trustreach.services._creator_audits import latest_audit, latest_creator_audits
from trustreach.services._erasure import erased_entries, erased_note
from trustreach.services._shortlist import Shortlist, load_shortlist
from trustreach.store._tables import disputes

PANGO_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"
"""The Debian packages of the Pango libraries WeasyPrint loads."""

MACHINE_LABEL = (
    "the explanations and evidence sentences in this report were written by software from the "
    "measured data, not by a person."
)

PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages);
    font: 8pt system-ui, sans-serif; color: #5b6476; } }
body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
h1 { font-size: 16pt; } h2 { font-size: 12.5pt; break-after: avoid; }
h3 { break-after: avoid; }
table { font-size: 8pt; } tr, svg, .note { break-inside: avoid; }
details > * { display: block; }
code { font-size: 7.5pt; word-break: break-all; }
"""
"""Paper layout only: every element of the HTML stays in the PDF (``details`` print open)."""


# ---------------------------------------------------------------------------------- audit


def _known(cls: Any, record: dict[str, Any]) -> Any:
    """``cls`` from the keys of ``record`` it has (an audit stored by another version may
    hold more or fewer; missing ones take the field's default)."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in record.items() if k in names})


def _audit_from_evidence(evidence: dict[str, Any], audit_seq: int, dispute_rows: list[Any]) -> Any:
    """The :class:`~trustreach.audience.CreatorAudit` a stored audit's evidence describes."""
    from trustreach.audience._types import (
        AccountExplanation,
        AudienceQuality,
        CreatorAudit,
        DisputeView,
        FakeShare,
        QualityComponent,
        Signal,
        Spike,
    )

    share = evidence.get("fake_share")
    quality = evidence.get("quality") or {}
    return CreatorAudit(
        workspace=str(evidence.get("workspace", "")),
        creator_id=str(evidence.get("creator_id", "")),
        display_name=str(evidence.get("display_name", "")),
        generated_at=str(evidence.get("generated_at", "")),
        fake_share=_known(FakeShare, share) if share else None,
        signals=tuple(
            Signal(
                kind=str(s["kind"]),
                raised=bool(s["raised"]),
                strength=float(s.get("strength") or 0.0),
                evidence=str(s.get("evidence", "")),
                details=dict(s.get("details") or {}),
            )
            for s in evidence.get("signals", [])
        ),
        spikes=tuple(
            Spike(
                start=date.fromisoformat(str(s["start"])),
                end=date.fromisoformat(str(s["end"])),
                gain=int(s["gain"]),
                relative_gain=float(s["relative_gain"]),
                robust_z=float(s["robust_z"]),
            )
            for s in evidence.get("spikes", [])
        ),
        quality=AudienceQuality(
            float(quality.get("score") or 0.0),
            tuple(_known(QualityComponent, c) for c in quality.get("components", [])),
        ),
        follower_history=tuple(
            (date.fromisoformat(str(day)), int(count))
            for day, count in evidence.get("follower_history", [])
        ),
        fake_probabilities=(),
        engagement_rate=evidence.get("engagement_rate"),
        peer_band=str(evidence.get("peer_band", "")),
        peer_engagement_rate=evidence.get("peer_engagement_rate"),
        top_accounts=tuple(
            AccountExplanation(
                str(a["account_key"]), float(a["fake_probability"]), tuple(a["top_signals"])
            )
            for a in evidence.get("top_accounts", [])
        ),
        disputes=tuple(
            DisputeView(
                dispute_id=d.dispute_id,
                status=d.status,
                reason=d.reason,
                decision=d.decision,
                filed_at=str(d.filed_at)[:19],
                resolved_at=None if d.resolved_at is None else str(d.resolved_at)[:19],
            )
            for d in dispute_rows
        ),
        audit_seq=audit_seq,
        flag_reasons=tuple((str(w), float(s)) for w, s in evidence.get("flag_reasons", [])),
        insufficient_data=int(evidence.get("insufficient_data") or 0),
    )


def audit_report_html(
    creator_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> str:
    """The HTML report of the creator's latest stored audit in ``workspace``.

    :class:`~trustreach.core.NotFoundError` when the creator is not in the
    workspace (another workspace's creator is "not found" too) or was never audited.
    """
    from trustreach.audience import render_audit_html

    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        require_creator(connection, workspace, creator_id)
        row = latest_audit(connection, workspace, creator_id)
        if row is None:
            raise NotFoundError(
                f"creator {creator_id!r} has no audit in workspace {workspace!r} yet "
                "(trustreach audit-creator CREATOR)"
            )
        dispute_rows = connection.execute(
            select(disputes)
            .where(disputes.c.workspace == workspace, disputes.c.creator_id == creator_id)
            .order_by(disputes.c.dispute_id)
        ).all()
    evidence = json.loads(row.result)
    audit = _audit_from_evidence(evidence, int(row.audit_seq), list(dispute_rows))
    return render_audit_html(audit)


# ------------------------------------------------------------------------------ shortlist


def _e(value: object) -> str:
    from trustreach.audience._report import _e as escape

    return escape(value)


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def _components(components: dict[str, Any]) -> str:
    from trustreach.discovery._ranking import COMPONENTS, LABELS

    items = []
    for name in COMPONENTS:
        c = components.get(name)
        if not isinstance(c, dict):
            continue
        used = c.get("used")
        weight = c.get("weight")
        value = "–" if not isinstance(used, int | float) else f"{used:.2f}"
        star = "*" if c.get("imputed") else ""
        w = "" if not isinstance(weight, int | float) else f" × {weight:.2f}"
        items.append(f"<li>{_e(LABELS.get(name, name))}: {value}{star}{w}</li>")
    return f"<ul class='parts'>{''.join(items)}</ul>" if items else "–"


SET_ASIDE = (("review", "Held for human review"), ("excluded", "Excluded by a rule"))


def _set_aside(parameters: dict[str, Any], key: str, heading: str) -> str:
    """Who the ranking held for review or excluded: with the rule and reason where the
    proposal kept them (``parameters["findings"]``), by id alone for older proposals."""
    findings = parameters.get("findings")
    kept = findings.get(key) if isinstance(findings, dict) else None
    if isinstance(kept, list):
        if not kept:
            return f"<h2>{heading} (0)</h2><p class='muted'>Nobody.</p>"
        rows = "".join(
            f"<tr><td>{_e(f.get('display_name') or f.get('creator_id'))} "
            f"<span class='muted'>{_e(f.get('creator_id'))}</span></td>"
            f"<td><code>{_e(f.get('rule_id') or '')}</code></td>"
            f"<td>{_e(f.get('reason') or '')}</td></tr>"
            for f in kept
            if isinstance(f, dict)
        )
        return (
            f"<h2>{heading} ({len(kept)})</h2><table><thead><tr><th scope='col'>creator</th>"
            "<th scope='col'>rule</th><th scope='col'>why, with the numbers "
            f"(machine-generated)</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    ids = [str(i) for i in parameters.get(key) or []]
    listed = ", ".join(_e(i) for i in ids) if ids else "nobody"
    return f"<h2>{heading} ({len(ids)})</h2><p>{listed}</p>"


def _fairness(parameters: dict[str, Any]) -> str:
    """The exposure audit by declared group and fair mode's effect, where the proposal kept them."""
    lines = parameters.get("exposure_audit")
    effect = parameters.get("fair_effect")
    notes = parameters.get("notes")
    out = []
    if isinstance(lines, dict):
        items = "".join(f"<li>{_e(line)}</li>" for line in lines.values())
        out.append(
            "<h2>Exposure audit by declared group</h2><p class='muted'>Groups are only what "
            "creators declared with consent; nothing is inferred, and the groups are never a "
            "scoring feature.</p>"
            + (
                f"<ul>{items}</ul>"
                if items
                else "<p>No creator in the pool declared an attribute with consent.</p>"
            )
        )
    if isinstance(effect, str) and effect:
        out.append(f"<p><strong>{_e(effect)}</strong></p>")
    if isinstance(notes, list) and notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    return "".join(out)


def _render_shortlist(shortlist: Shortlist, audits: dict[str, Any], *, erased: str = "") -> str:
    from trustreach.audience._report import _CSS

    p = shortlist.parameters
    query: dict[str, Any] = p["query"] if isinstance(p.get("query"), dict) else {}
    names = {e.creator_id: e.display_name or e.creator_id for e in shortlist.entries}
    title = f"Shortlist for {shortlist.brief_id}"
    versions = ", ".join(f"{_e(k)} {_e(v)}" for k, v in sorted(shortlist.model_versions.items()))
    facts = [
        ("Shortlist", f"<code>{_e(shortlist.shortlist_id)}</code>"),
        ("Brief", _e(shortlist.brief_id)),
        ("Brand", _e(p.get("brand") or "–")),
        ("Campaign", _e(shortlist.campaign_id or "–")),
        ("Objective", _e(query.get("objective") or "–")),
        ("Platforms", _e(", ".join(query.get("platforms") or []) or "–")),
        ("Proposed", f"{shortlist.created_at:%Y-%m-%d %H:%M} UTC by {_e(shortlist.created_by)}"),
        ("Status", _e(shortlist.status.replace("_", " "))),
        ("Model versions", versions or "–"),
        ("Brief digest", f"<code>{_e(shortlist.brief_digest[:16])}</code>"),
    ]
    fair = p.get("fair")
    if isinstance(fair, dict) and fair.get("attribute"):
        facts.append(
            (
                "Fair mode (FA*IR)",
                f"{_e(fair.get('attribute'))} = {_e(fair.get('value'))}, p = {_e(fair.get('p'))}",
            )
        )
    fact_rows = "".join(f"<tr><th scope='row'>{k}</th><td>{v}</td></tr>" for k, v in facts)
    rows = []
    for e in shortlist.entries:
        a = audits.get(e.creator_id)
        if a is None:
            audit_cell = "<span class='muted'>not audited</span>"
        else:
            share = _pct(a.fake_share)
            if a.fake_share is not None and a.fake_share_low is not None:
                share += f" ({_pct(a.fake_share_low)}–{_pct(a.fake_share_high)})"
            raised = ", ".join(s.replace("_", " ") for s in a.raised_signals) or "none"
            audit_cell = (
                f"Audience Quality {a.quality_score:.0f}; fake-looking followers {share}; "
                f"signals raised: {_e(raised)}"
            )
        rank = "" if e.rank is None else str(e.rank)
        score = "–" if e.score is None else f"{e.score:.2f}"
        source = (
            f"<br><span class='muted'>added by {_e(e.added_by)}: {_e(e.reason or '')}</span>"
            if e.source == "override"
            else ""
        )
        decision = _e(e.status)
        if e.decided_by:
            decision += f" by {_e(e.decided_by)}: {_e(e.decision_reason or '')}"
        rows.append(
            f"<tr><td class='num'>{rank}</td><td><strong>{_e(names[e.creator_id])}</strong><br>"
            f"<span class='muted'>{_e(e.creator_id)}</span>{source}</td>"
            f"<td class='num'>{score}</td><td>{_components(e.components)}</td>"
            f"<td>{audit_cell}</td><td>{_e(e.explanation or '–')}</td><td>{decision}</td></tr>"
        )
    entries = (
        "<table><thead><tr><th scope='col' class='num'>rank</th><th scope='col'>creator</th>"
        "<th scope='col' class='num'>score</th><th scope='col'>components (value × weight)</th>"
        "<th scope='col'>latest audit</th><th scope='col'>why (machine-generated)</th>"
        f"<th scope='col'>standing</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p class='muted'>Nobody is on this shortlist.</p>"
    )
    held = [_set_aside(p, key, heading) for key, heading in SET_ASIDE]
    held.append(_fairness(p))
    decisions = "".join(
        f"<tr><td>{d.decided_at:%Y-%m-%d %H:%M}</td>"
        f"<td>{_e(names.get(d.creator_id, d.creator_id))}"
        f" <span class='muted'>{_e(d.creator_id)}</span></td><td>{_e(d.decision)}</td>"
        f"<td>{_e(d.decided_by)}</td><td>{_e(d.reason)}</td>"
        f"<td class='num'>#{d.audit_seq}</td></tr>"
        for d in shortlist.decisions
    )
    decision_block = (
        "<table><thead><tr><th scope='col'>when (UTC)</th><th scope='col'>creator</th>"
        "<th scope='col'>decision</th><th scope='col'>by</th><th scope='col'>reason</th>"
        f"<th scope='col' class='num'>audit record</th></tr></thead><tbody>{decisions}</tbody>"
        "</table>"
        if decisions
        else "<p class='muted'>No person has decided on any creator of this shortlist yet.</p>"
    )
    extra = ".parts{margin:0;padding-left:1rem}.machine{font-size:.85rem;color:#5b6476}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_CSS}{extra}</style></head><body>
<h1>{_e(title)}</h1>
<table>{fact_rows}</table>
<div class="note">Scores describe how well the evidence matches the brief; they are not a judgement
of anyone. Every creator needs a named person's approval before a deal can be created. Components
marked * were not measured and were counted at the candidates' median.</div>
{machine_generated_html(MACHINE_LABEL)}
<h2>Creators on the shortlist ({len(shortlist.entries)})</h2>
{f"<p class='note'>{_e(erased)}</p>" if erased else ""}
{entries}
{"".join(held)}
<h2>Decisions, oldest first</h2>
{decision_block}
</body></html>
"""


def shortlist_report_html(
    shortlist_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> str:
    """The HTML report of a stored shortlist of ``workspace`` as it stands now.

    :class:`~trustreach.core.NotFoundError` for a shortlist the workspace does not hold.
    """
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        shortlist = load_shortlist(connection, workspace, shortlist_id)
        erased = erased_note(erased_entries(connection, workspace, shortlist_id))
    audits = latest_creator_audits(workspace, settings=settings)
    return _render_shortlist(shortlist, audits, erased=erased)


# ------------------------------------------------------------------------------------ PDF


def _weasyprint() -> Any:
    try:
        import weasyprint
    except OSError as error:  # WeasyPrint is installed but cannot load Pango
        raise ConfigurationError(
            "PDF reports need the Pango text-layout libraries, which WeasyPrint could not load "
            f"({error}). Install them (Debian or Ubuntu: apt-get install {PANGO_PACKAGES}), or "
            "download the HTML report instead."
        ) from error
    except ImportError as error:
        raise ConfigurationError(
            "PDF reports need the Python package weasyprint (pip install weasyprint) and the "
            f"Pango libraries (Debian or Ubuntu: apt-get install {PANGO_PACKAGES}); "
            "the HTML report needs neither."
        ) from error
    return weasyprint


def report_fetcher() -> Any:
    """WeasyPrint's fetcher for reports: inline ``data:`` URLs only, never a file or the network.

    A reference to anything else is refused (WeasyPrint leaves it out and logs a warning).
    """
    return _weasyprint().URLFetcher(allowed_protocols=("data",), allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    """The report ``html`` as PDF bytes: the same content, laid out for A4 by :data:`PRINT_CSS`.

    Nothing is fetched while printing (the reports are self-contained: inline CSS
    and SVG). :class:`~trustreach.core.ConfigurationError` naming the missing
    library and its Debian packages where WeasyPrint or Pango is not installed.
    """
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, url_fetcher=report_fetcher())
    pdf: bytes = document.write_pdf(stylesheets=[weasyprint.CSS(string=PRINT_CSS)])
    return pdf
