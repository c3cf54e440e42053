"""What the KPIs are made of and what they give back: inputs, figures, formulas.

The inputs (:class:`CampaignFacts`, :class:`DealFacts`, :class:`PostFacts` with
their :class:`Snapshot` list) are plain records the services read from the
store; the outputs (:class:`Kpi`, :class:`KpiRow`, :class:`KpiReport`) carry each
figure with its formula (:data:`FORMULAS`), its currency where it is money, and
the reason where it could not be computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

By = Literal["creator", "post", "day"]
BREAKDOWNS: tuple[By, ...] = ("creator", "post", "day")
"""The breakdowns a report can have besides the campaign row."""
SOURCES = ("insights", "public")
"""Where a snapshot's figures come from: first-party insights, or public counts."""

INTERVAL_LEVEL = 0.95
"""The level of the ROI interval (a percentile bootstrap)."""
RESAMPLES = 2000
"""Bootstrap replicates per row."""
DEFAULT_SEED = 0

EMV_CURRENCY = "USD"
EMV_VALUES: Mapping[str, float] = {
    "impressions_per_1000": 5.00,
    "likes": 0.05,
    "comments": 0.50,
    "shares": 0.50,
    "saves": 0.50,
}
"""The per-engagement values of EMV, in :data:`EMV_CURRENCY` (a market convention, not a
measurement: EMV prices attention; it is not revenue and not ROI)."""

KPI_KEYS = (
    "cost",
    "impressions",
    "reach",
    "views",
    "engagements",
    "engagement_rate_by_followers",
    "engagement_rate_by_reach",
    "engagement_rate_by_views",
    "link_clicks",
    "conversions",
    "revenue",
    "cpm",
    "cpe",
    "cpc",
    "cpa",
    "roas",
    "roi",
    "roi_low",
    "roi_high",
    "coverage",
    "as_of",
)
"""The figures of every row, in the order the JSON and the table give them (after
``currency``); :data:`EXTRA_KEYS` follow."""
EXTRA_KEYS = (
    "posts",
    "unattributed_revenue",
    "platform_link_clicks",
    "paid_organic_ratio",
)
MONEY = frozenset({"cost", "revenue", "cpm", "cpe", "cpc", "cpa", "unattributed_revenue", "emv"})
"""Figures that are money (each carries the row's currency, rounded to the cent)."""

FORMULAS: Mapping[str, str] = {
    "cost": "sum of the deals' amounts (converted to the campaign currency); per post, the "
    "creator's cost split evenly over their campaign posts; per day, on the day a post was "
    "published",
    "impressions": "sum of impressions over posts that report them",
    "reach": "sum of reach over posts that report it (accounts reached per post, added)",
    "views": "sum of views over posts that report them",
    "engagements": "likes + comments + shares + saves (a count not given adds 0)",
    "engagement_rate_by_followers": "sum of engagements / sum of the posting account's "
    "followers, over posts with a follower count",
    "engagement_rate_by_reach": "sum of engagements / sum of reach, over posts that report reach",
    "engagement_rate_by_views": "sum of engagements / sum of views, over posts that report views",
    "link_clicks": "clicks recorded on the campaign's links (tracking events of type click)",
    "conversions": "attributed orders, each order counted once (promo code, else last click)",
    "revenue": "sum of the attributed orders' values (converted to the campaign currency)",
    "cpm": "cost / impressions x 1000",
    "cpe": "cost / engagements",
    "cpc": "cost / link_clicks",
    "cpa": "cost / conversions",
    "roas": "revenue / cost",
    "roi": "(revenue - cost) / cost",
    "roi_low": f"lower bound of the {INTERVAL_LEVEL:.0%} percentile bootstrap interval of roi "
    f"({RESAMPLES} resamples of posts and of orders, with replacement, seeded)",
    "roi_high": f"upper bound of the {INTERVAL_LEVEL:.0%} percentile bootstrap interval of roi",
    "coverage": "posts whose latest figures are first-party insights / posts",
    "as_of": "the latest snapshot or event time the figures use",
    "posts": "campaign posts counted",
    "unattributed_revenue": "sum of the values of orders no rule attributed (not in revenue)",
    "platform_link_clicks": "sum of link clicks the platforms report in the snapshots",
    "paid_organic_ratio": "median engagement rate by followers of the creator's campaign posts "
    "/ median of their organic posts in the campaign window",
    "emv": "NOT REVENUE: impressions / 1000 x {impressions_per_1000} + likes x {likes} + "
    "comments x {comments} + shares x {shares} + saves x {saves} ({currency})".format(
        **EMV_VALUES, currency=EMV_CURRENCY
    ),
}
"""Each figure's formula, in words."""


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Snapshot:
    """One observation of a post's metrics (cumulative counts since it was posted)."""

    observed_at: datetime
    source: str = "public"
    views: int | None = None
    reach: int | None = None
    impressions: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    link_clicks: int | None = None


@dataclass(frozen=True)
class PostFacts:
    """A post of a campaign creator: its public counts, its account's followers and snapshots."""

    post_id: str
    creator_id: str
    posted_at: datetime
    followers: int | None
    likes: int = 0
    comments: int = 0
    views: int | None = None
    shares: int | None = None
    saves: int | None = None
    in_campaign: bool = True
    """A campaign post (sponsored); False: one of the creator's organic posts in the
    campaign window, used only for the paid vs organic ratio."""
    snapshots: tuple[Snapshot, ...] = ()


@dataclass(frozen=True)
class DealFacts:
    """A deal of the campaign: what the creator is paid (None: no amount, e.g. a gift)."""

    deal_id: str
    creator_id: str
    amount: float | None
    currency: str


@dataclass(frozen=True)
class CampaignFacts:
    """The campaign itself."""

    campaign_id: str
    name: str
    currency: str
    budget: float | None = None
    starts_on: date | None = None
    ends_on: date | None = None


# ----------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Kpi:
    """One figure: its value (None when it cannot be computed, with the reason)."""

    name: str
    value: float | int | str | None
    formula: str
    currency: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class KpiRow:
    """The figures of the campaign, or of one creator, post or day of it."""

    scope: str
    key: str | None
    label: str
    currency: str
    kpis: Mapping[str, Kpi]

    def value(self, name: str) -> Any:
        """The value of figure ``name`` (None when not computed)."""
        return self.kpis[name].value

    def to_dict(self) -> dict[str, Any]:
        """Flat: ``scope, key, label, currency``, every figure, and ``reasons`` for the nulls."""
        out: dict[str, Any] = {
            "scope": self.scope,
            "key": self.key,
            "label": self.label,
            "currency": self.currency,
        }
        out.update({name: k.value for name, k in self.kpis.items()})
        out["reasons"] = {n: k.reason for n, k in self.kpis.items() if k.reason}
        return out


@dataclass(frozen=True)
class KpiReport:
    """A campaign's KPIs, with a breakdown when asked."""

    campaign_id: str
    name: str
    currency: str
    campaign: KpiRow
    by: By | None
    rows: tuple[KpiRow, ...]
    attribution: Mapping[str, int]
    """Orders per rule (``code``, ``link``, ``none``)."""
    interval: Mapping[str, Any]
    fx: str
    formulas: Mapping[str, str] = field(default_factory=lambda: dict(FORMULAS))
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the ``campaign kpis --format json`` document)."""
        return {
            "campaign_id": self.campaign_id,
            "name": self.name,
            "currency": self.currency,
            "as_of": self.campaign.value("as_of"),
            "by": self.by,
            "campaign": self.campaign.to_dict(),
            "rows": [r.to_dict() for r in self.rows],
            "attribution": dict(self.attribution),
            "interval": dict(self.interval),
            "fx": self.fx,
            "formulas": {k: v for k, v in self.formulas.items() if k in self.campaign.kpis},
            "notes": list(self.notes),
        }


def cents(amount: float) -> float:
    """``amount`` rounded half-up to the cent (as money is written).

    >>> cents(2.675), cents(-1.005), cents(10.0)
    (2.68, -1.01, 10.0)
    """
    return float(Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


__all__ = [
    "BREAKDOWNS",
    "DEFAULT_SEED",
    "EMV_CURRENCY",
    "EMV_VALUES",
    "EXTRA_KEYS",
    "FORMULAS",
    "INTERVAL_LEVEL",
    "KPI_KEYS",
    "MONEY",
    "RESAMPLES",
    "SOURCES",
    "By",
    "CampaignFacts",
    "DealFacts",
    "Kpi",
    "KpiReport",
    "KpiRow",
    "PostFacts",
    "Snapshot",
    "cents",
]
