"""Campaigns in real time: attribution of orders, KPIs with their formulas, pacing and alerts.

Pure domain code (no store, no sessions): the services read the ledger and the
events and hand plain values in; every figure comes back with its formula, its
inputs, its freshness and its coverage. ROI means revenue: (revenue - cost) / cost.

- :func:`attribute_orders` attributes each order (counted once) to a creator by a
  deal's promo code, else the last click on a tracked link within the window,
  else to nobody; the answer does not depend on the order events arrive in.
- :func:`campaign_kpis` computes the campaign's KPIs, and per creator, post or
  day: reach, engagement rates by followers, reach and views side by side, cost
  per result, conversions, revenue, ROAS, ROI with a bootstrap interval, the
  paid vs organic engagement ratio, coverage and freshness; EMV only when asked,
  labelled "not revenue". :func:`render_kpis_html` writes the report.
"""

from trustreach.campaigns._attribution import (
    CLICK_TYPES,
    DEFAULT_WINDOW_DAYS,
    ORDER_TYPES,
    RULES,
    AttributedOrder,
    Click,
    DealCode,
    TrackedLink,
    TrackingEvent,
    attribute_orders,
    resolve_clicks,
    revenue_by_rule,
)
from trustreach.campaigns._kpi_model import (
    BREAKDOWNS,
    EMV_CURRENCY,
    EMV_VALUES,
    FORMULAS,
    INTERVAL_LEVEL,
    KPI_KEYS,
    CampaignFacts,
    DealFacts,
    Kpi,
    KpiReport,
    KpiRow,
    PostFacts,
    Snapshot,
    cents,
)
from trustreach.campaigns._kpis import OrderTotals, campaign_kpis, paid_organic_ratio
from trustreach.campaigns._report import (
    LABELS,
    REACH_KEYS,
    RESULT_KEYS,
    TABLE_KEYS,
    format_kpi,
    render_kpis_html,
    roi_text,
)

__all__ = [
    "BREAKDOWNS",
    "CLICK_TYPES",
    "DEFAULT_WINDOW_DAYS",
    "EMV_CURRENCY",
    "EMV_VALUES",
    "FORMULAS",
    "INTERVAL_LEVEL",
    "KPI_KEYS",
    "LABELS",
    "ORDER_TYPES",
    "REACH_KEYS",
    "RESULT_KEYS",
    "RULES",
    "TABLE_KEYS",
    "AttributedOrder",
    "CampaignFacts",
    "Click",
    "DealCode",
    "DealFacts",
    "Kpi",
    "KpiReport",
    "KpiRow",
    "OrderTotals",
    "PostFacts",
    "Snapshot",
    "TrackedLink",
    "TrackingEvent",
    "attribute_orders",
    "campaign_kpis",
    "cents",
    "format_kpi",
    "paid_organic_ratio",
    "render_kpis_html",
    "resolve_clicks",
    "revenue_by_rule",
    "roi_text",
]
