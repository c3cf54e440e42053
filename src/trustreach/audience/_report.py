"""A creator audit as a self-contained HTML page (inline CSS and SVG, no scripts, no network)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

from trustreach.audience._types import CreatorAudit, Spike
from trustreach.core import plural
from trustreach.ethics.disclosure import machine_generated_html

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:960px;color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #dde2ea;padding-bottom:.3rem}
.muted{color:#5b6476;font-size:.9rem}.score{font-size:2.6rem;font-weight:700}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;
padding:.35rem .5rem;border-bottom:1px solid #eceff4;vertical-align:top}
th{background:#f5f7fa;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.raised{color:#a33b00;font-weight:600}.quiet{color:#2f6b3a}
.note{background:#f5f7fa;border-left:4px solid #8aa1c1;padding:.6rem .9rem;margin:1rem 0}
.machine-generated{color:#5b6476;font-size:.85rem;border-left:3px solid #8aa1c1;padding-left:.6rem}
svg{max-width:100%;height:auto}.chart text{font-size:11px;fill:#5b6476}
"""


MACHINE_GENERATED = (
    "the evidence sentences in this report were written by software from the measured data, "
    "not by a person."
)
_PROBABILITIES_NOT_KEPT = (
    '<p class="muted">The per-account probabilities behind this estimate are not kept with the '
    "stored audit, so their histogram is drawn only in the report written when the audit runs "
    "(trustreach audit-creator CREATOR --report FILE).</p>"
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _line_chart(
    history: Sequence[tuple[date, int]], spikes: Sequence[Spike], *, width: int = 900
) -> str:
    if len(history) < 2:
        return '<p class="muted">Not enough follower history to draw.</p>'
    height, pad = 240, 44
    days = [d.toordinal() for d, _ in history]
    counts = [c for _, c in history]
    x0, x1 = min(days), max(days)
    y0, y1 = min(counts), max(counts)
    y1 = y1 if y1 > y0 else y0 + 1
    axis = max(pad, 14 + 7 * len(f"{y1:,}"))  # room for the longest count (e.g. 1,204,311)

    def x(d: int) -> float:
        return axis + (d - x0) / max(x1 - x0, 1) * (width - axis - pad)

    def y(c: float) -> float:
        return height - pad - (height - 2 * pad) * (c - y0) / (y1 - y0)

    points = " ".join(f"{x(d):.1f},{y(c):.1f}" for d, c in zip(days, counts, strict=True))
    marks = []
    for s in spikes:
        left, right = x(s.start.toordinal()), x(s.end.toordinal())
        marks.append(
            f'<rect x="{left - 3:.1f}" y="{pad / 2:.1f}" width="{max(right - left, 0) + 6:.1f}" '
            f'height="{height - 1.5 * pad:.1f}" fill="#f3b48b" opacity="0.45">'
            f"<title>{_e(s.start)} to {_e(s.end)}: +{s.gain:,} ({s.relative_gain:.1%})"
            "</title></rect>"
        )
    ticks = [
        f'<text x="{axis - 6}" y="{y(v):.1f}" text-anchor="end">{v:,.0f}</text>'
        for v in (y0, (y0 + y1) / 2, y1)
    ]
    labels = (
        f'<text x="{axis}" y="{height - pad + 18}">{_e(history[0][0])}</text>'
        f'<text x="{width - pad}" y="{height - pad + 18}" text-anchor="end">'
        f"{_e(history[-1][0])}</text>"
    )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Follower count over time">{"".join(marks)}'
        f'<polyline fill="none" stroke="#2f5fa7" stroke-width="2" points="{points}"/>'
        f"{''.join(ticks)}{labels}</svg>"
    )


def _histogram(probabilities: Sequence[float], threshold: float | None, *, bins: int = 20) -> str:
    if not probabilities:
        return '<p class="muted">No follower accounts were scored.</p>'
    width, height, pad = 900, 220, 40
    counts = [0] * bins
    for p in probabilities:
        counts[min(int(p * bins), bins - 1)] += 1
    top = max(counts) or 1
    bar_w = (width - 2 * pad) / bins
    bars = []
    for i, n in enumerate(counts):
        h = (height - 2 * pad) * n / top
        colour = "#c8672c" if threshold is not None and (i + 0.5) / bins >= threshold else "#7d97c4"
        bars.append(
            f'<rect x="{pad + i * bar_w + 1:.1f}" y="{height - pad - h:.1f}" '
            f'width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{i / bins:.2f}–{(i + 1) / bins:.2f}: {n:,} accounts</title></rect>"
        )
    line = ""
    if threshold is not None:
        tx = pad + threshold * (width - 2 * pad)
        line = (
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{pad / 2}" y2="{height - pad}" '
            f'stroke="#a33b00" stroke-dasharray="4 3"/>'
            f'<text x="{tx + 4:.1f}" y="{pad / 2 + 10}">threshold {threshold:.2f}</text>'
        )
    axis = (
        f'<text x="{pad}" y="{height - pad + 16}">0</text>'
        f'<text x="{width - pad}" y="{height - pad + 16}" text-anchor="end">1</text>'
        f'<text x="{width / 2}" y="{height - 6}" text-anchor="middle">'
        "calibrated probability that the account shows signs of being fake</text>"
    )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Histogram of fake probabilities">{"".join(bars)}{line}{axis}</svg>'
    )


def _peer_bars(own: float | None, peer: float | None, band: str) -> str:
    if own is None or peer is None:
        return '<p class="muted">Engagement could not be compared with peers.</p>'
    width, height, pad = 900, 120, 150
    top = max(own, peer) * 1.15 or 1.0
    rows = [("This creator", own, "#2f5fa7"), (f"Peers ({band})", peer, "#9aa6b8")]
    parts = []
    for i, (label, value, colour) in enumerate(rows):
        y = 20 + i * 45
        w = (width - pad - 60) * value / top
        parts.append(
            f'<text x="{pad - 8}" y="{y + 18}" text-anchor="end">{_e(label)}</text>'
            f'<rect x="{pad}" y="{y}" width="{w:.1f}" height="28" fill="{colour}"/>'
            f'<text x="{pad + w + 6:.1f}" y="{y + 18}">{value:.2%}</text>'
        )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Engagement rate against peers">{"".join(parts)}</svg>'
    )


def render_audit_html(audit: CreatorAudit, *, threshold: float | None = None) -> str:
    """The audit as one self-contained HTML document.

    Examples
    --------
    >>> from trustreach.audience._types import AudienceQuality, CreatorAudit
    >>> page = render_audit_html(CreatorAudit(
    ...     workspace="w", creator_id="c1", display_name="Ana <Glow>", generated_at="2026-01-01",
    ...     fake_share=None, signals=(), spikes=(), quality=AudienceQuality(80.0, ()),
    ...     follower_history=(), fake_probabilities=(), engagement_rate=None, peer_band="10k-100k",
    ...     peer_engagement_rate=None, top_accounts=()))
    >>> "Ana &lt;Glow&gt;" in page and "<script" not in page
    True
    """
    fs = audit.fake_share
    if fs is not None:
        population = f" of {fs.population:,} followers" if fs.population else ""
        thin = (
            f" {plural(fs.insufficient_data, 'sampled account')} had too little data to score "
            "(posts, followers and following counts are needed) and are left out."
            if fs.insufficient_data
            else ""
        )
        share = (
            f"<p>An estimated <strong>{_pct(fs.estimate)}</strong> of followers show signs of "
            f"being fake (95% interval {_pct(fs.low)}–{_pct(fs.high)}). The interval covers "
            "sampling and the model's own error rates: the share flagged at the operating "
            f"threshold ({_pct(fs.flagged_share)} of {fs.sample_size:,} scored follower "
            f"accounts{population}) is corrected for the model's validated sensitivity and "
            f"specificity ({_e(fs.field_profile)} fields).{thin} "
            f"Model {_e(fs.model_name)} {_e(fs.model_version)}.</p>"
        )
        if audit.flag_reasons:
            items = "".join(
                f"<li>{_e(words)} (in {share_:.0%} of them)</li>"
                for words, share_ in audit.flag_reasons
            )
            share += (
                "<p>What raised the flagged accounts most (per-feature contributions of the "
                f"model, aggregated):</p><ul>{items}</ul>"
            )
    elif audit.insufficient_data:
        share = (
            f"<p class='muted'>None of the {audit.insufficient_data:,} sampled follower "
            "accounts carried enough data to score (posts, followers and following counts "
            "are needed).</p>"
        )
    else:
        share = "<p class='muted'>No follower accounts were available to score.</p>"
    components = "".join(
        f"<tr><td>{_e(c.name)}</td><td class='num'>{c.value:.0f}</td>"
        f"<td class='num'>{c.weight:.0%}</td><td>{_e(c.evidence)}</td></tr>"
        for c in audit.quality.components
    )
    signals = "".join(
        f"<tr><td>{_e(s.kind.replace('_', ' '))}</td>"
        f"<td class='{'raised' if s.raised else 'quiet'}'>{'raised' if s.raised else 'not raised'}"
        f"</td><td class='num'>{s.strength:.2f}</td><td>{_e(s.evidence)}</td></tr>"
        for s in audit.signals
    )
    accounts = "".join(
        f"<tr><td><code>{_e(a.account_key[:12])}…</code></td>"
        f"<td class='num'>{a.fake_probability:.2f}</td><td>{_e('; '.join(a.top_signals))}</td></tr>"
        for a in audit.top_accounts
    )
    disputes = "".join(
        f"<tr><td>#{d.dispute_id}</td><td>{_e(d.status)}</td><td>{_e(d.reason)}</td>"
        f"<td>{_e(d.decision or '')}</td><td>{_e(d.filed_at)}</td>"
        f"<td>{_e(d.resolved_at or '')}</td></tr>"
        for d in audit.disputes
    )
    dispute_block = (
        "<table><tr><th>dispute</th><th>status</th><th>reason</th><th>decision</th>"
        f"<th>filed</th><th>resolved</th></tr>{disputes}</table>"
        if audit.disputes
        else "<p class='muted'>No disputes have been filed about this audit.</p>"
    )
    histogram = (
        _histogram(audit.fake_probabilities, threshold)
        if audit.fake_probabilities or fs is None
        else _PROBABILITIES_NOT_KEPT  # a report drawn again from the stored evidence
    )
    title = f"Audience audit: {audit.display_name}"
    seq = f" · audit record #{audit.audit_seq}" if audit.audit_seq else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_CSS}</style></head><body>
<h1>{_e(title)}</h1>
<p class="muted">Creator {_e(audit.creator_id)} · workspace {_e(audit.workspace)} ·
generated {_e(audit.generated_at)}{seq}</p>
<div class="note">This report describes signals measured in the data, not judgements about
anyone. Each signal can have innocent explanations (a viral post, a press mention, a giveaway).
The creator can see this evidence and contest it; a person reviews every dispute.</div>
{machine_generated_html(MACHINE_GENERATED)}
<h2>Audience Quality</h2>
<p><span class="score">{audit.quality.score:.0f}</span> / 100</p>
<table><tr><th>component</th><th class="num">value</th><th class="num">weight</th>
<th>evidence</th></tr>{components}</table>
<h2>Follower accounts</h2>{share}
{histogram}
<h2>Follower history</h2>
<p class="muted">Shaded: sudden rises detected by robust change detection.</p>
{_line_chart(audit.follower_history, audit.spikes)}
<h2>Engagement against peers</h2>
{_peer_bars(audit.engagement_rate, audit.peer_engagement_rate, audit.peer_band)}
<h2>Signals</h2>
<table><tr><th>signal</th><th>status</th><th class="num">strength</th><th>evidence</th></tr>
{signals}</table>
<h2>Accounts behind the estimate</h2>
<p class="muted">Pseudonymous keys of the follower accounts with the highest probabilities, and the
features that raised them most (per-feature contributions of the model).</p>
<table><tr><th>account (pseudonym)</th><th class="num">probability</th><th>strongest signals</th>
</tr>{accounts}</table>
<h2>Disputes</h2>{dispute_block}
</body></html>
"""
