"""The campaign KPI report: one self-contained HTML page (inline CSS, no scripts).

Every figure is shown with its formula; a figure that could not be computed
shows the reason instead. The same :func:`format_kpi` writes figures for the
CLI table and the dashboard.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from trustreach.campaigns._kpi_model import (
    FORMULAS,
    KPI_KEYS,
    MONEY,
    Kpi,
    KpiReport,
    KpiRow,
)
from trustreach.ethics.disclosure import machine_generated_html

_MACHINE = (
    "the sentences and notes in this report (ROI, intervals, coverage) were written by software "
    "from the campaign's records, not by a person."
)

RATES = frozenset(
    {
        "engagement_rate_by_followers",
        "engagement_rate_by_reach",
        "engagement_rate_by_views",
        "coverage",
    }
)
"""Figures shown as percentages."""
LABELS = {
    "cost": "Cost",
    "impressions": "Impressions",
    "reach": "Reach",
    "views": "Views",
    "engagements": "Engagements",
    "engagement_rate_by_followers": "ER by followers",
    "engagement_rate_by_reach": "ER by reach",
    "engagement_rate_by_views": "ER by views",
    "link_clicks": "Link clicks",
    "conversions": "Conversions",
    "revenue": "Revenue (attributed)",
    "cpm": "CPM",
    "cpe": "CPE",
    "cpc": "CPC",
    "cpa": "CPA",
    "roas": "ROAS",
    "roi": "ROI",
    "roi_low": "ROI low",
    "roi_high": "ROI high",
    "coverage": "Coverage (first-party)",
    "as_of": "As of",
    "posts": "Posts",
    "unattributed_revenue": "Unattributed revenue",
    "platform_link_clicks": "Link clicks (platforms)",
    "paid_organic_ratio": "Paid / organic ER",
    "emv": "EMV (not revenue)",
}
"""Short names for tables and the dashboard."""
TABLE_KEYS = (
    "posts",
    *(k for k in KPI_KEYS if k not in ("roi_low", "roi_high", "as_of")),
)
"""The columns of a breakdown table (ROI's interval is written beside ROI)."""


def format_kpi(kpi: Kpi) -> str:
    """A figure as people read it: money with its currency, rates as percentages.

    >>> format_kpi(Kpi("cpm", 150.0, "", "USD")), format_kpi(Kpi("roas", 0.16366, ""))
    ('150.00 USD', '0.16')
    >>> format_kpi(Kpi("coverage", 1 / 3, "")), format_kpi(Kpi("cpm", None, "", "USD", "no cost"))
    ('33.3%', '–')
    """
    v = kpi.value
    if v is None:
        return "–"
    if isinstance(v, str):
        return v[:16].replace("T", " ") + (" UTC" if len(v) > 16 else "")
    if kpi.name in MONEY:
        return f"{v:,.2f} {kpi.currency or ''}".strip()
    if kpi.name in RATES:
        return f"{v:.1%}"
    if kpi.name in ("roi", "roi_low", "roi_high"):
        return f"{v:+.1%}"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:.2f}"


def roi_text(row: KpiRow) -> str:
    """``-83.6% (95% interval -90.1% to -74.0%)``, or the reason ROI is not known."""
    roi = row.kpis["roi"]
    if roi.value is None:
        return f"– ({roi.reason})"
    low, high = row.kpis["roi_low"], row.kpis["roi_high"]
    if low.value is None or high.value is None:
        return format_kpi(roi)
    return f"{format_kpi(roi)} (interval {format_kpi(low)} to {format_kpi(high)})"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


_CSS = """
body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #dde2ea;padding-bottom:.3rem}
.muted{color:#5b6476;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;
padding:.3rem .45rem;border-bottom:1px solid #eceff4;vertical-align:top}
th{background:#f5f7fa;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#f5f7fa;border-left:4px solid #8aa1c1;padding:.6rem .9rem;margin:1rem 0}
.wide{font-size:.8rem}
"""


def _figures(row: KpiRow) -> str:
    lines = []
    for name in (*KPI_KEYS, "posts", "unattributed_revenue", "platform_link_clicks", "emv"):
        kpi = row.kpis.get(name)
        if kpi is None:
            continue
        value = format_kpi(kpi)
        why = f" <span class='muted'>({_e(kpi.reason)})</span>" if kpi.reason else ""
        lines.append(
            f"<tr><th scope='row'>{_e(LABELS.get(name, name))}</th>"
            f"<td class='num'>{_e(value)}</td><td>{why}</td>"
            f"<td class='muted'>{_e(kpi.formula)}</td></tr>"
        )
    return (
        "<table><thead><tr><th scope='col'>figure</th><th scope='col' class='num'>value</th>"
        "<th scope='col'>why not computed</th><th scope='col'>formula</th></tr></thead>"
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


REACH_KEYS = (
    "posts",
    "impressions",
    "reach",
    "views",
    "engagements",
    "engagement_rate_by_followers",
    "engagement_rate_by_reach",
    "engagement_rate_by_views",
    "coverage",
)
"""A breakdown's first table: what the posts reached (A4 holds ten columns, not twenty)."""
RESULT_KEYS = ("cost", *(k for k in TABLE_KEYS if k not in REACH_KEYS and k != "cost"))
"""Its second table: cost and results."""


def _breakdown(rows: Sequence[KpiRow], heading: str, extra: str = "") -> str:
    if not rows:
        return f"<h2>{_e(heading)}</h2><p class='muted'>Nothing to break down yet.</p>"
    return (
        f"<h2>{_e(heading)}: reach and engagement</h2>{_table(rows, REACH_KEYS, '')}"
        f"<h2>{_e(heading)}: cost and results</h2>{_table(rows, RESULT_KEYS, extra)}"
    )


def _table(rows: Sequence[KpiRow], keys: Sequence[str], extra: str) -> str:
    head = "".join(
        f"<th scope='col' class='num' title='{_e(FORMULAS[k])}'>{_e(LABELS[k])}</th>" for k in keys
    )
    extra_head = f"<th scope='col'>{_e(LABELS[extra])}</th>" if extra else ""
    body = []
    for r in rows:
        cells = "".join(f"<td class='num'>{_e(format_kpi(r.kpis[k]))}</td>" for k in keys)
        extra_cell = ""
        if extra:
            k = r.kpis[extra]
            extra_cell = f"<td>{_e(format_kpi(k) if k.value is not None else k.reason)}</td>"
        body.append(f"<tr><th scope='row'>{_e(r.label)}</th>{cells}{extra_cell}</tr>")
    return (
        "<div class='wide'><table><thead><tr><th scope='col'>row</th>"
        f"{head}{extra_head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def render_kpis_html(
    by_creator: KpiReport, by_day: KpiReport | None = None, *, generated_at: datetime
) -> str:
    """The report page: the campaign's figures with formulas, then per creator and per day."""
    r = by_creator
    title = f"Campaign KPIs: {r.name}"
    rules = ", ".join(f"{k} {v}" for k, v in r.attribution.items())
    level = r.interval.get("level", 0.95)
    notes = "".join(f"<li>{_e(n)}</li>" for n in r.notes)
    day = _breakdown(by_day.rows, "Per day") if by_day is not None else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_CSS}</style></head><body>
<h1>{_e(title)}</h1>
<p class="muted">Campaign <code>{_e(r.campaign_id)}</code> · money in {_e(r.currency)} ·
figures as of {_e(format_kpi(r.campaign.kpis["as_of"]))} · report written
{generated_at:%Y-%m-%d %H:%M} UTC</p>
<div class="note">ROI is (revenue − cost) / cost from revenue attributed to the campaign's
creators (a promo code, else the last click on a tracked link within the window); its
interval is a {level:.0%} percentile bootstrap over posts and orders. EMV, where shown, is
a convention that prices attention: it is not revenue and not ROI. Coverage is the share of
posts whose figures are first-party insights the creator authorised; the rest are public
counts.</div>
{machine_generated_html(_MACHINE)}
<p><strong>ROI:</strong> {_e(roi_text(r.campaign))}</p>
<p class="muted">Orders by attribution rule: {_e(rules)}. Exchange rates: {_e(r.fx)}.</p>
{f"<ul>{notes}</ul>" if notes else ""}
<h2>The campaign</h2>
{_figures(r.campaign)}
{_breakdown(r.rows, "Per creator", "paid_organic_ratio")}
{day}
</body></html>
"""


__all__ = [
    "LABELS",
    "REACH_KEYS",
    "RESULT_KEYS",
    "TABLE_KEYS",
    "format_kpi",
    "render_kpis_html",
    "roi_text",
]
