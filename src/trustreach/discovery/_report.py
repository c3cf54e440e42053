"""A shortlist as a self-contained HTML report (inline CSS and SVG, no scripts, no network).

The page opens with the ranked table (score components and each creator's
audience audit), then who was held for review or excluded, then the charts,
and the exposure audit last; attributes with too little declared data to
summarise are collapsed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from trustreach.audience._report import _CSS, _e
from trustreach.core import plural
from trustreach.discovery._brief import AuthenticityPolicy
from trustreach.discovery._ranking import COMPONENTS, LABELS, RankedCreator, Ranking
from trustreach.discovery._rules import Finding
from trustreach.discovery._summary import fair_effect
from trustreach.ethics.disclosure import machine_generated_html
from trustreach.ethics.fairness import FOUR_FIFTHS, ExposureAudit

_COLOURS = {
    "audience_fit": "#4c78a8",
    "topic_fit": "#59a14f",
    "authentic_reach": "#f28e2b",
    "performance": "#b07aa1",
    "cost": "#9c755f",
}
_EXTRA_CSS = (
    ".legend span{display:inline-block;margin-right:1rem}"
    ".swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}"
    ".flag{color:#a33b00;font-weight:600}"
    "details{margin:.6rem 0}summary{cursor:pointer}"
)


def _svg(width: int, height: int, label: str) -> str:
    return f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}">'


def _text(x: float, y: float, content: str, *, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{content}</text>'


def _rect(
    x: float, y: float, w: float, h: float, fill: str, *, extra: str = "", tip: str = ""
) -> str:
    title = f"<title>{tip}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h}" fill="{fill}"{extra}>'
        f"{title}</rect>"
    )


def _num(value: float | None, fmt: str = ".2f") -> str:
    return "–" if value is None else format(value, fmt)


def _legend() -> str:
    items = "".join(
        f'<span><i class="swatch" style="background:{_COLOURS[c]}"></i>{_e(LABELS[c])}</span>'
        for c in COMPONENTS
    )
    return f'<p class="legend muted">{items}</p>'


def _contribution_chart(rows: tuple[RankedCreator, ...], *, width: int = 900) -> str:
    if not rows:
        return '<p class="muted">Nobody on the shortlist.</p>'
    bar, gap, label_w = 18, 6, 230
    height = len(rows) * (bar + gap) + 30
    scale = (width - label_w - 60) / max(max(r.score for r in rows), 1e-9)
    parts = [_svg(width, height, "score components per creator")]
    for i, row in enumerate(rows):
        y = 10 + i * (bar + gap)
        name = f"{row.rank}. {_e(row.display_name[:20])} ({_e(row.creator_id)})"
        parts.append(_text(label_w - 8, y + 13, name, anchor="end"))
        x = float(label_w)
        for c in row.components:
            w = c.contribution * scale
            if w <= 0:
                continue
            style = ' fill-opacity="0.45"' if c.imputed else ""
            tip = (
                f"{_e(LABELS[c.name])}: {c.used:.2f} × weight {c.weight:.2f} = {c.contribution:.3f}"
                + (" (median stand-in)" if c.imputed else "")
            )
            parts.append(_rect(x, y, w, bar, _COLOURS[c.name], extra=style, tip=tip))
            x += w
        parts.append(_text(x + 6, y + 13, f"{row.score:.2f}"))
    parts.append("</svg>")
    return "".join(parts)


def _fit_chart(rows: tuple[RankedCreator, ...], *, width: int = 900) -> str:
    measured = [(r, r.component("audience_fit")) for r in rows]
    if not any(c.weight > 0 for _, c in measured):
        return '<p class="muted">The query sets no audience target.</p>'
    bar, gap, label_w = 14, 5, 230
    height = len(rows) * (bar + gap) + 30
    span = width - label_w - 60
    parts = [_svg(width, height, "audience fit")]
    for i, (row, c) in enumerate(measured):
        y = 10 + i * (bar + gap)
        label = f"{_e(row.display_name[:20])} ({_e(row.creator_id)})"
        parts.append(_text(label_w - 8, y + 11, label, anchor="end"))
        if c.score is None:
            parts.append(_text(label_w, y + 11, "no reported audience"))
            continue
        w = c.score * span
        parts.append(_rect(label_w, y, w, bar, _COLOURS["audience_fit"], tip=_e(c.detail)))
        parts.append(_text(label_w + w + 6, y + 11, f"{c.score:.0%}"))
    parts.append("</svg>")
    return "".join(parts)


def _impact_chart(audit: ExposureAudit, *, width: int = 900) -> str:
    groups = [g for g in audit.by_group if g.declared and g.impact_ratio is not None]
    if not groups:
        return ""
    bar, gap, label_w, label_room = 16, 6, 160, 170
    height = len(groups) * (bar + gap) + 34
    top = min(max(1.0, *(g.impact_ratio or 0.0 for g in groups)), 3.0)
    span = (width - label_w - label_room) / top
    line = label_w + FOUR_FIFTHS * span
    parts = [_svg(width, height, "impact ratio by group")]
    for i, g in enumerate(groups):
        y = 10 + i * (bar + gap)
        ratio = min(g.impact_ratio or 0.0, top)
        colour = "#a33b00" if g.below_four_fifths and not g.small_group else "#4c78a8"
        opacity = ' fill-opacity="0.4"' if g.small_group else ""
        label = f"{g.impact_ratio:.2f}" + (" (small group)" if g.small_group else "")
        parts.append(_text(label_w - 8, y + 12, _e(g.group), anchor="end"))
        parts.append(_rect(label_w, y, ratio * span, bar, colour, extra=opacity))
        parts.append(_text(label_w + ratio * span + 6, y + 12, label))
    parts.append(
        f'<line x1="{line:.1f}" x2="{line:.1f}" y1="4" y2="{height - 20}" '
        'stroke="#1d2330" stroke-dasharray="4 3"/>'
    )
    parts.append(_text(line, height - 6, "four-fifths (0.8)", anchor="middle") + "</svg>")
    return "".join(parts)


def _tr(*cells: str, header: bool = False) -> str:
    """A table row; cells starting with "#" are right-aligned numbers."""
    tag = "th" if header else "td"
    out = []
    for cell in cells:
        numeric = cell.startswith("#")
        attr = " class=num" if numeric else ""
        out.append(f"<{tag}{attr}>{cell[1:] if numeric else cell}</{tag}>")
    return "<tr>" + "".join(out) + "</tr>"


def _audit_table(audit: ExposureAudit) -> str:
    head = _tr(
        "group",
        "#in pool",
        "#selected",
        "#selection rate",
        "#impact ratio",
        "#share of top-k exposure",
        "#scoring rate (LL144)",
        "#scoring impact ratio",
        "notes",
        header=True,
    )
    rows = []
    for g in audit.by_group:
        flags = []
        if g.small_group:
            flags.append(f"small group (< {audit.min_group_size}): reported, not interpreted")
        if g.below_four_fifths and g.declared and not g.small_group:
            flags.append('<span class="flag">below four-fifths</span>')
        if not g.declared:
            flags.append("did not declare; never inferred")
        rows.append(
            _tr(
                _e(g.group),
                f"#{g.pool_count}",
                f"#{g.selected_count}",
                f"#{g.selection_rate:.1%}",
                f"#{_num(g.impact_ratio)}",
                f"#{g.exposure_share:.1%}",
                f"#{_num(g.scoring_rate, '.1%')}",
                f"#{_num(g.scoring_impact_ratio)}",
                "; ".join(flags),
            )
        )
    notes = "".join(f"<li>{_e(n)}</li>" for n in audit.notes)
    listed = f'<ul class="muted">{notes}</ul>' if notes else ""
    return f"<table>{head}{''.join(rows)}</table>{listed}"


_EXPOSURE_INTRO = (
    '<p class="muted">Groups are only what creators declared, with consent recorded in the '
    "consent ledger; nothing is inferred, and withdrawn consent removes the attribute from every "
    "later audit. The groups are never a scoring feature. Impact ratio = a group's selection rate "
    "÷ the best-treated group's; the four-fifths guideline flags ratios below 0.8. The scoring "
    "rate is NYC Local Law 144's method (share of a group scoring above the pool median).</p>"
)


def _fair_section(ranking: Ranking) -> str:
    f = ranking.fair
    if f is None:
        return ""
    r = f.reranking
    before = next((g for g in f.before.by_group if g.group == f.spec.value), None)
    after_audit = ranking.exposure.get(f.spec.attribute)
    after = (
        next((g for g in after_audit.by_group if g.group == f.spec.value), None)
        if after_audit
        else None
    )
    group = _e(f.spec.value)
    effect = fair_effect(ranking)
    table = "".join(
        [
            _tr("", "#by score alone", "#fair mode", header=True),
            _tr(
                f"{group} on the shortlist",
                f"#{before.selected_count if before else '–'}",
                f"#{after.selected_count if after else '–'}",
            ),
            _tr(
                f"impact ratio of {group}",
                f"#{_num(effect.impact_ratio_before if effect else None)}",
                f"#{_num(effect.impact_ratio_after if effect else None)}",
            ),
            _tr("sum of scores (utility)", f"#{r.utility_before:.3f}", f"#{r.utility_after:.3f}"),
        ]
    )
    met = (
        '<span class="flag">Minimum not met at ranks '
        f"{', '.join(map(str, r.infeasible_positions))}.</span>"
        if r.infeasible_positions
        else "FA*IR's minimum was met at every rank."
    )
    return (
        f"<h3>Fair mode (FA*IR) for {_e(f.spec.attribute)} = {group}, p = {f.spec.p}, "
        f"α = {f.spec.alpha}</h3>"
        f"<p><strong>{_e(effect.sentence() if effect else '')}</strong></p><table>{table}</table>"
        f"<p>Utility given up: {r.utility_loss:.1%} of the summed scores (NDCG {r.ndcg:.3f}); "
        f"{plural(r.moved, 'creator')} ranked in by score alone left the shortlist. {met}</p>"
    )


def _exposure_section(ranking: Ranking) -> str:
    out = ["<h2>Exposure audit by declared group</h2>", _EXPOSURE_INTRO]
    if not ranking.exposure:
        out.append(
            '<p class="note">No creator in the pool declared an attribute with consent, so no '
            "audit by group is possible for this shortlist.</p>"
        )
    collapsed = []
    for attribute, audit in ranking.exposure.items():
        verdict = _e(audit.four_fifths_summary())
        if audit.four_fifths_flagged_by:
            verdict = f'<span class="flag">{verdict}</span>'
        body = _impact_chart(audit) + _audit_table(audit)
        if audit.four_fifths_ok is None:  # too little declared data: kept, but folded away
            collapsed.append(
                f"<details><summary>{_e(attribute)}: {verdict}</summary>{body}</details>"
            )
        else:
            out += [f"<h3>{_e(attribute)}: {verdict}</h3>", body]
    if collapsed:
        out.append(
            "<h3>Attributes with too little declared data to summarise</h3>" + "".join(collapsed)
        )
    out.append(_fair_section(ranking))
    return "".join(out)


def _findings(ranking: Ranking, title: str, findings: tuple[Finding, ...], empty: str) -> str:
    if not findings:
        return f"<h2>{_e(title)}</h2><p class=muted>{_e(empty)}</p>"
    head = _tr("creator", "rule", "why, with the numbers", header=True)
    rows = "".join(
        _tr(_e(ranking.name(f.creator_id)), f"<code>{_e(f.rule_id)}</code>", _e(f.reason))
        for f in findings
    )
    return f"<h2>{_e(title)} ({len(findings)})</h2><table>{head}{rows}</table>"


def _shortlist_table(ranking: Ranking) -> str:
    brief = ranking.query.brief
    minimum = (brief.authenticity if brief else AuthenticityPolicy()).min_audience_quality
    head = _tr(
        "##",
        "creator",
        "#score",
        *(
            f"#{_e(LABELS[c])}<br><span class=muted>w {ranking.weights[c]:.2f}</span>"
            for c in COMPONENTS
        ),
        "#Audience Quality",
        "#fake-looking followers (95% CI)",
        "fraud signals raised",
        "why",
        header=True,
    )
    rows = "".join(
        _tr(
            f"#{r.rank}",
            f"<strong>{_e(r.display_name)}</strong><br>"
            f"<span class=muted>{_e(r.creator_id)} · {_e(r.platform)}</span>",
            f"#{r.score:.2f}",
            *(f"#{c.used:.2f}{'*' if c.imputed else ''}" for c in r.components),
            *_risk_cells(r, minimum),
            _e(r.explanation),
        )
        for r in ranking.shortlist
    )
    return f"<table>{head}{rows}</table>"


def _risk_cells(row: RankedCreator, minimum: float) -> tuple[str, str, str]:
    """Audience Quality, fake-looking share with its interval, raised signals (or not audited)."""
    risk = row.risk
    if risk is None or not risk.audited:
        return "#–", "#–", '<span class="muted">not audited</span>'
    quality = "–" if risk.quality is None else f"{risk.quality:.0f}"
    if risk.quality is not None and risk.quality < minimum:
        quality = f'<span class="flag">{quality}</span>'
    share = "–"
    if risk.fake_share is not None:
        share = f"{risk.fake_share:.1%}"
        if risk.fake_low is not None and risk.fake_high is not None:
            share += f" ({risk.fake_low:.1%}–{risk.fake_high:.1%})"
    signals = ", ".join(f"{_e(k.replace('_', ' '))} ({s:.2f})" for k, s in risk.signals)
    return f"#{quality}", f"#{share}", signals or '<span class="muted">none</span>'


def render_shortlist_html(ranking: Ranking, *, shortlist_id: str | None = None) -> str:
    """The ranking as one self-contained HTML page: the ranked table first (components,
    audience audit, every explanation), held and excluded creators with their rules, the
    charts, then the exposure audit."""
    q = ranking.query.describe()
    title = f"Shortlist for {q['brief_id'] or 'creators like ' + str(q['like'])}"
    brand = ranking.query.brief.brand if ranking.query.brief else ""
    scope = "".join(
        f"<li>{plural(n, 'creator')}: {_e(reason)}</li>"
        for reason, n in ranking.out_of_scope.items()
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in ranking.notes)
    versions = ", ".join(f"{_e(k)} {_e(v)}" for k, v in sorted(ranking.model_versions.items()))
    status = (
        f"Proposal <code>{_e(shortlist_id)}</code>: every creator needs a named person's approval "
        "(<code>trustreach shortlist approve</code>) before a deal can be created."
        if shortlist_id
        else "Not stored as a proposal."
    )
    sections = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">{_e(brand)} · objective {_e(q["objective"])} · platforms '
        f"{_e(', '.join(q['platforms']))} · generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
        f'<p class="note">{status} Scores describe how well the evidence matches the brief; they '
        "are not a judgement of anyone. Components marked * were not measured and were counted at "
        "the candidates' median.</p>",
        machine_generated_html(
            'the explanations ("why") and the findings\' reasons in this report were written by '
            "software from the measured data, not by a person."
        ),
        f'<p class="muted">{plural(ranking.eligible, "eligible creator")}; '
        f"{len(ranking.excluded)} excluded "
        f"by a rule; {len(ranking.review)} held for human review. Model versions: {versions}.</p>",
        f'<ul class="muted">{scope}</ul>' if scope else "",
        "<h2>Shortlist</h2>",
        _shortlist_table(ranking),
        _findings(
            ranking, "Held for human review", ranking.review, "No creator is held for review."
        ),
        _findings(
            ranking, "Excluded by a rule", ranking.excluded, "No creator was excluded by a rule."
        ),
        "<h2>Score components per creator</h2>",
        _legend(),
        _contribution_chart(ranking.shortlist),
        "<h2>Audience fit</h2>",
        _fit_chart(ranking.shortlist),
        _exposure_section(ranking),
        f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "",
    ]
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_CSS}{_EXTRA_CSS}</style></head><body>{''.join(sections)}</body></html>"
    )
