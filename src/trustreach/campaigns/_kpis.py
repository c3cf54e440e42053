"""Campaign KPIs side by side, each with its formula, freshness, coverage and currency.

Pure: plain records in (:class:`CampaignFacts`, :class:`DealFacts`,
:class:`PostFacts` with their metric snapshots, attributed orders and resolved
clicks), a :class:`KpiReport` out. The formulas (:data:`FORMULAS`) are the
documentation: docs/campaigns.md repeats them.

- A post's figures are its latest metric snapshot (``insights``: first-party
  figures the creator authorised; ``public``: public counts), else the post's own
  public counts (likes, comments, views, shares, saves; no reach or impressions).
- Engagements are likes + comments + shares + saves (a count not given adds 0).
- Rates over several posts are pooled: the sum of engagements over the sum of the
  denominator, over the posts that have that denominator.
- Money is in the campaign's currency: an amount in another currency is converted
  with the exchange-rate factors handed in, and where none is known the figure is
  null with the reason; different currencies are never added.
- ROI = (revenue - cost) / cost, from attributed revenue only. Its interval is a
  seeded percentile bootstrap (:data:`INTERVAL_LEVEL`, 95%) that resamples the
  row's posts (each carrying its share of the cost) and its attributed orders,
  independently, with replacement (above :data:`EXACT_RESAMPLE_LIMIT` posts or
  orders, a resample's sum is drawn from its normal limit).
- By day, a post's figures are the increase of its cumulative snapshot figures
  over the day (the first snapshot counts whole on its day), so the days add up
  to the campaign; cost falls on the day a post was published.
- EMV (earned media value) is reported only when asked and is not revenue: a
  convention that prices impressions and engagements at :data:`EMV_VALUES`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import numpy as np

from trustreach.campaigns._attribution import AttributedOrder, Click
from trustreach.campaigns._kpi_model import (
    BREAKDOWNS,
    DEFAULT_SEED,
    EMV_CURRENCY,
    EMV_VALUES,
    FORMULAS,
    INTERVAL_LEVEL,
    RESAMPLES,
    By,
    CampaignFacts,
    DealFacts,
    Kpi,
    KpiReport,
    KpiRow,
    PostFacts,
    Snapshot,
    cents,
)


@dataclass(frozen=True)
class _Fig:
    """One post's figures (a whole post, or its increase over one day)."""

    post_id: str
    creator_id: str
    followers: int | None
    source: str
    observed_at: datetime | None
    views: int | None
    reach: int | None
    impressions: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    link_clicks: int | None

    def engagements(self) -> int | None:
        parts = (self.likes, self.comments, self.shares, self.saves)
        if all(p is None for p in parts):
            return None
        return sum(p or 0 for p in parts)


_COUNTS = ("views", "reach", "impressions", "likes", "comments", "shares", "saves", "link_clicks")


def _snapshot_fig(p: PostFacts, s: Snapshot) -> _Fig:
    return _Fig(
        p.post_id,
        p.creator_id,
        p.followers,
        s.source,
        s.observed_at,
        *(getattr(s, c) for c in _COUNTS),
    )


def _public_fig(p: PostFacts) -> _Fig:
    return _Fig(
        p.post_id,
        p.creator_id,
        p.followers,
        "public",
        None,
        p.views,
        None,
        None,
        p.likes,
        p.comments,
        p.shares,
        p.saves,
        None,
    )


def _sorted_snapshots(p: PostFacts) -> list[Snapshot]:
    return sorted(p.snapshots, key=lambda s: (s.observed_at, s.source))


def post_figures(p: PostFacts) -> _Fig:
    """The post's figures: its latest snapshot, else its own public counts."""
    snaps = _sorted_snapshots(p)
    return _snapshot_fig(p, snaps[-1]) if snaps else _public_fig(p)


def _minus(a: int | None, b: int | None) -> int | None:
    return None if a is None else a - (b or 0)


def daily_figures(p: PostFacts) -> dict[date, _Fig]:
    """The increase of the post's cumulative figures per day (UTC) of its snapshots."""
    snaps = _sorted_snapshots(p)
    if not snaps:
        return {p.posted_at.date(): _public_fig(p)}
    last_of_day: dict[date, Snapshot] = {}
    for s in snaps:
        last_of_day[s.observed_at.date()] = s
    out: dict[date, _Fig] = {}
    before: Snapshot | None = None
    for day in sorted(last_of_day):
        s = last_of_day[day]
        fig = _snapshot_fig(p, s)
        if before is not None:
            deltas: dict[str, Any] = {c: _minus(getattr(s, c), getattr(before, c)) for c in _COUNTS}
            fig = replace(fig, **deltas)
        out[day] = fig
        before = s
    return out


@dataclass(frozen=True)
class OrderTotals:
    """Orders of one attribution rule and currency, summed where they are stored.

    For a big campaign's campaign row the service hands these instead of every order
    (reading tens of thousands of orders one by one was most of the KPI read); the
    figures are the same, and the ROI interval is drawn from the orders' normal limit
    as it is above :data:`EXACT_RESAMPLE_LIMIT` orders anyway.
    """

    rule: str
    """``code``, ``link`` or ``none`` (unattributed)."""
    currency: str | None
    count: int
    """Orders."""
    valued: int
    """Orders with a value."""
    total: float
    """The sum of their values, in ``currency``."""
    squares: float
    """The sum of their values' squares."""
    last_at: datetime | None


@dataclass(frozen=True)
class OrderSums:
    """Orders summed in the campaign currency: count, valued, total, squares, latest."""

    count: int = 0
    valued: int = 0
    total: float = 0.0
    squares: float = 0.0
    last_at: datetime | None = None

    def plus(self, t: OrderTotals, factor: float) -> OrderSums:
        latest = max((m for m in (self.last_at, t.last_at) if m is not None), default=None)
        return OrderSums(
            self.count + t.count,
            self.valued + t.valued,
            self.total + t.total * factor,
            self.squares + t.squares * factor * factor,
            latest,
        )

    @property
    def mean(self) -> float:
        return self.total / self.valued if self.valued else 0.0

    @property
    def std(self) -> float:
        """The values' population standard deviation (as ``numpy.std``)."""
        if not self.valued:
            return 0.0
        return float(np.sqrt(max(self.squares / self.valued - self.mean**2, 0.0)))


def _convert_totals(
    totals: Iterable[OrderTotals], money: _Money
) -> tuple[OrderSums | None, OrderSums | None, str | None]:
    """(attributed, unattributed) sums in the campaign currency, or the reason not."""
    attributed: OrderSums | None = None
    unattributed: OrderSums | None = None
    for t in totals:
        factor = money.factor(t.currency) if t.valued else 1.0
        if factor is None:
            return None, None, money.why_not(f"{t.count} order(s)", t.currency)
        if t.rule == "none":
            unattributed = (unattributed or OrderSums()).plus(t, factor)
        else:
            attributed = (attributed or OrderSums()).plus(t, factor)
    return attributed, unattributed, None


@dataclass
class _Group:
    """What one row is computed from."""

    figs: list[_Fig] = field(default_factory=list)
    post_costs: dict[str, float] = field(default_factory=dict)
    """Each post's share of the cost (campaign currency)."""
    fixed_cost: float = 0.0
    """Cost not carried by a post of the row (a creator without a post yet)."""
    cost_known: bool = False
    cost_reason: str | None = None
    orders: list[AttributedOrder] = field(default_factory=list)
    unattributed: list[AttributedOrder] = field(default_factory=list)
    clicks: list[Click] = field(default_factory=list)
    paid_organic: Kpi | None = None
    sums: OrderSums | None = None
    """The row's attributed orders as sums instead of one by one (``orders`` empty)."""
    unattributed_sums: OrderSums | None = None


class _Money:
    """Conversion into the campaign currency with the factors handed in."""

    def __init__(self, currency: str, fx: Mapping[str, float]) -> None:
        self.currency = currency
        self.fx = {**fx, currency: 1.0}

    def factor(self, currency: str | None) -> float | None:
        return self.fx.get(currency or self.currency)

    def why_not(self, what: str, currency: str | None) -> str:
        return (
            f"{what} is in {currency} and no exchange rate from {currency} to "
            f"{self.currency} is known (amounts in different currencies are never added)"
        )


def _null(name: str, reason: str, currency: str | None = None) -> Kpi:
    return Kpi(name, None, FORMULAS[name], currency, reason)


def _ratio(
    name: str, top: float | None, bottom: float | None, why_top: str | None, why_bottom: str
) -> Kpi:
    if top is None:
        return _null(name, why_top or "numerator unknown")
    if bottom is None or bottom == 0:
        return _null(name, why_bottom)
    return Kpi(name, top / bottom, FORMULAS[name])


def _sum(figs: Sequence[_Fig], name: str) -> int | None:
    values = [getattr(f, name) for f in figs if getattr(f, name) is not None]
    return sum(values) if values else None


def _pooled(figs: Sequence[_Fig], denominator: str) -> tuple[float | None, float | None]:
    top = bottom = 0.0
    found = False
    for f in figs:
        d = getattr(f, denominator)
        e = f.engagements()
        if d and e is not None:
            top += e
            bottom += d
            found = True
    return (top, bottom) if found else (None, None)


def _per_thousand(count: int | None) -> float | None:
    return None if count is None else count / 1000


def _money_kpi(name: str, value: float | None, currency: str, reason: str | None) -> Kpi:
    if value is None:
        return _null(name, reason or "unknown", currency)
    return Kpi(name, cents(value), FORMULAS[name], currency)


EXACT_RESAMPLE_LIMIT = 2000
"""Above this many posts or orders, a resample's sum is drawn from its normal limit."""


def _normal_limit(
    rng: np.random.Generator, n: int, mean: float, std: float, resamples: int
) -> np.ndarray:
    """Resample sums of n values drawn from their normal limit (mean n·m, sd √n·s)."""
    limit: np.ndarray = rng.normal(n * mean, np.sqrt(n) * std, resamples)
    return limit


def _resampled_sums(rng: np.random.Generator, values: np.ndarray, resamples: int) -> np.ndarray:
    """The sums of ``resamples`` bootstrap resamples of ``values`` (with replacement).

    Up to :data:`EXACT_RESAMPLE_LIMIT` values, each resample is drawn; above it,
    the sum of n draws is drawn from its normal limit (mean n·m, standard
    deviation √n·s of the values; the central limit theorem), which keeps a
    campaign of 60,000 orders from drawing 120 million indexes per KPI read.
    """
    n = values.size
    if n <= EXACT_RESAMPLE_LIMIT:
        sums: np.ndarray = values[rng.integers(0, n, (resamples, n))].sum(1)
        return sums
    return _normal_limit(rng, n, float(values.mean()), float(values.std()), resamples)


def _bootstrap(
    group: _Group, cost: float, revenue: float, seed: int, resamples: int
) -> tuple[float, float] | None:
    posts = np.array(list(group.post_costs.values()), dtype=float)
    values = np.array([v for o in group.orders if (v := _order_value(o)) is not None], float)
    rng = np.random.default_rng(seed)
    cost_b = np.full(resamples, group.fixed_cost)
    if posts.size:
        cost_b = cost_b + _resampled_sums(rng, posts, resamples)
    rev_b = np.zeros(resamples)
    if values.size:
        rev_b = _resampled_sums(rng, values, resamples)
    elif group.sums is not None and group.sums.valued:
        s = group.sums  # only above EXACT_RESAMPLE_LIMIT orders: the same draws as the values'
        rev_b = _normal_limit(rng, s.valued, s.mean, s.std, resamples)
    ok = cost_b > 0
    if not ok.any():
        return None
    roi_b = (rev_b[ok] - cost_b[ok]) / cost_b[ok]
    tail = (1 - INTERVAL_LEVEL) / 2
    low, high = np.quantile(roi_b, [tail, 1 - tail])
    return float(low), float(high)


def _order_value(o: AttributedOrder) -> float | None:
    # set by _convert_orders: ``value`` already in the campaign currency
    return o.value


def _kpis(
    group: _Group,
    currency: str,
    *,
    emv: bool,
    emv_factor: float | None,
    seed: int,
    resamples: int,
    revenue_reason: str | None,
    paid_organic: Kpi,
) -> dict[str, Kpi]:
    figs = group.figs
    out: dict[str, Kpi] = {}
    cost = (sum(group.post_costs.values()) + group.fixed_cost) if group.cost_known else None
    cost_reason = group.cost_reason or "no cost recorded"
    out["cost"] = _money_kpi("cost", cost, currency, cost_reason)
    sums: dict[str, int | None] = {}
    for name in ("impressions", "reach", "views"):
        total = _sum(figs, name)
        sums[name] = total
        if total is not None:
            out[name] = Kpi(name, total, FORMULAS[name])
        elif not figs:
            out[name] = _null(name, "no campaign post in this row")
        else:
            public = "" if name == "views" else " (public counts carry none)"
            out[name] = _null(name, f"no post reports {name}{public}")
    engs = [e for f in figs if (e := f.engagements()) is not None]
    engagements = sum(engs) if engs else None
    out["engagements"] = (
        Kpi("engagements", engagements, FORMULAS["engagements"])
        if engagements is not None
        else _null(
            "engagements",
            "no post reports likes, comments, shares or saves"
            if figs
            else "no campaign post in this row",
        )
    )
    for name, denominator in (
        ("engagement_rate_by_followers", "followers"),
        ("engagement_rate_by_reach", "reach"),
        ("engagement_rate_by_views", "views"),
    ):
        top, bottom = _pooled(figs, denominator)
        why = f"no post with both engagements and {denominator}"
        out[name] = _ratio(name, top, bottom, why, why)
    clicks = sum(c.quantity for c in group.clicks)
    out["link_clicks"] = Kpi("link_clicks", clicks, FORMULAS["link_clicks"])
    conversions = len(group.orders) + (group.sums.count if group.sums else 0)
    out["conversions"] = Kpi("conversions", conversions, FORMULAS["conversions"])
    revenue = (
        None
        if revenue_reason
        else sum(v for o in group.orders if (v := _order_value(o)) is not None)
        + (group.sums.total if group.sums else 0.0)
    )
    out["revenue"] = _money_kpi("revenue", revenue, currency, revenue_reason)
    no_cost = cost_reason if cost is None else "cost is zero"
    for name, bottom, why in (
        ("cpm", _per_thousand(sums["impressions"]), "no impressions recorded"),
        ("cpe", engagements, "no engagements recorded"),
        ("cpc", clicks, "no link clicks recorded"),
        ("cpa", conversions, "no attributed conversions"),
    ):  # fmt: skip
        if cost is None:
            out[name] = _null(name, cost_reason, currency)
        elif cost == 0:
            out[name] = _null(name, "cost is zero", currency)
        elif not bottom:
            out[name] = _null(name, why, currency)
        else:
            out[name] = Kpi(name, cents(cost / bottom), FORMULAS[name], currency)
    for name in ("roas", "roi", "roi_low", "roi_high"):
        if cost is None or cost == 0:
            out[name] = _null(name, no_cost)
        elif revenue is None:
            out[name] = _null(name, revenue_reason or "revenue unknown")
    if "roas" not in out and cost and revenue is not None:
        out["roas"] = Kpi("roas", revenue / cost, FORMULAS["roas"])
        out["roi"] = Kpi("roi", (revenue - cost) / cost, FORMULAS["roi"])
        interval = _bootstrap(group, cost, revenue, seed, resamples)
        if interval is None:
            out["roi_low"] = _null("roi_low", "every resample had zero cost")
            out["roi_high"] = _null("roi_high", "every resample had zero cost")
        else:
            out["roi_low"] = Kpi("roi_low", interval[0], FORMULAS["roi_low"])
            out["roi_high"] = Kpi("roi_high", interval[1], FORMULAS["roi_high"])
    posts = {f.post_id: f.source for f in figs}
    if posts:
        share = sum(1 for s in posts.values() if s == "insights") / len(posts)
        out["coverage"] = Kpi("coverage", share, FORMULAS["coverage"])
    else:
        out["coverage"] = _null("coverage", "no campaign post in this row")
    times = [f.observed_at for f in figs if f.observed_at is not None]
    times += [o.occurred_at for o in (*group.orders, *group.unattributed)]
    times += [s.last_at for s in (group.sums, group.unattributed_sums) if s and s.last_at]
    times += [c.occurred_at for c in group.clicks]
    out["as_of"] = (
        Kpi("as_of", max(times).isoformat(), FORMULAS["as_of"])
        if times
        else _null("as_of", "no snapshot or event yet: figures are the posts' public counts")
    )
    out["posts"] = Kpi("posts", len(posts), FORMULAS["posts"])
    unattributed = [o.value for o in group.unattributed if o.value is not None]
    if group.unattributed_sums is not None:
        unattributed.append(group.unattributed_sums.total)
    out["unattributed_revenue"] = _money_kpi(
        "unattributed_revenue",
        None if revenue_reason else sum(unattributed),
        currency,
        revenue_reason,
    )
    platform = _sum(figs, "link_clicks")
    out["platform_link_clicks"] = (
        Kpi("platform_link_clicks", platform, FORMULAS["platform_link_clicks"])
        if platform is not None
        else _null("platform_link_clicks", "no snapshot reports link clicks")
    )
    out["paid_organic_ratio"] = paid_organic
    if emv:
        out["emv"] = _emv(figs, currency, emv_factor)
    return out


def _emv(figs: Sequence[_Fig], currency: str, factor: float | None) -> Kpi:
    if factor is None:
        return _null(
            "emv",
            f"EMV values are in {EMV_CURRENCY} and no exchange rate to {currency} is known",
            currency,
        )
    v = EMV_VALUES
    total = 0.0
    for f in figs:
        total += (f.impressions or 0) / 1000 * v["impressions_per_1000"]
        total += sum((getattr(f, k) or 0) * v[k] for k in ("likes", "comments", "shares", "saves"))
    return Kpi(
        "emv", cents(total * factor), FORMULAS["emv"], currency, "not revenue (a convention)"
    )


def _er_by_followers(p: PostFacts) -> float | None:
    f = post_figures(p)
    e = f.engagements()
    return None if not p.followers or e is None else e / p.followers


def paid_organic_ratio(posts: Iterable[PostFacts], creator_id: str) -> Kpi:
    """The creator's campaign posts' median ER by followers over their organic posts' median.

    >>> from datetime import UTC
    >>> t = datetime(2026, 10, 1, tzinfo=UTC)
    >>> ps = [PostFacts("a", "c", t, 100, likes=6), PostFacts("b", "c", t, 100, likes=3,
    ...       in_campaign=False), PostFacts("d", "c", t, 100, likes=1, in_campaign=False)]
    >>> paid_organic_ratio(ps, "c").value
    3.0
    """
    mine = [p for p in posts if p.creator_id == creator_id]
    paid = [r for p in mine if p.in_campaign and (r := _er_by_followers(p)) is not None]
    organic = [r for p in mine if not p.in_campaign and (r := _er_by_followers(p)) is not None]
    name = "paid_organic_ratio"
    if not paid:
        return _null(name, "no campaign post with engagements and a follower count")
    if not organic:
        return _null(name, "no organic post in the campaign window to compare with")
    base = statistics.median(organic)
    if base == 0:
        return _null(name, "the organic posts' median engagement rate is zero")
    return Kpi(name, statistics.median(paid) / base, FORMULAS[name])


def _convert_orders(
    orders: Iterable[AttributedOrder], money: _Money
) -> tuple[list[AttributedOrder], str | None]:
    out = []
    for o in orders:
        if o.value is None or o.currency == money.currency:
            out.append(o)  # nothing to convert (most orders: a copy each was most of this)
            continue
        factor = money.factor(o.currency)
        if factor is None:
            return [], money.why_not(f"order {o.order_id}", o.currency)
        out.append(replace(o, value=o.value * factor, currency=money.currency))
    return out, None


def campaign_kpis(
    campaign: CampaignFacts,
    deals: Sequence[DealFacts],
    posts: Sequence[PostFacts],
    orders: Sequence[AttributedOrder],
    clicks: Sequence[Click],
    *,
    by: By | None = None,
    emv: bool = False,
    fx: Mapping[str, float] | None = None,
    fx_note: str = "",
    names: Mapping[str, str] | None = None,
    seed: int = DEFAULT_SEED,
    resamples: int = RESAMPLES,
    totals: Sequence[OrderTotals] = (),
) -> KpiReport:
    """The campaign's KPIs, and with ``by`` one row per creator, post or day.

    ``fx`` maps a currency to units of the campaign currency per unit of it;
    ``names`` maps creator ids to display names. The result depends only on the
    inputs and ``seed`` (the bootstrap's). ``totals`` are more orders, summed (the
    campaign row only: not with ``by``, and with more than
    :data:`EXACT_RESAMPLE_LIMIT` valued orders, where the interval is drawn from their
    normal limit either way).
    """
    if by is not None and by not in BREAKDOWNS:
        raise ValueError(f"by {by!r} not allowed; allowed: {', '.join(BREAKDOWNS)}")
    if totals and by is not None:
        raise ValueError("totals give the campaign row only: pass every order for a breakdown")
    currency = campaign.currency
    money = _Money(currency, fx or {})
    names = names or {}
    converted, revenue_reason = _convert_orders(orders, money)
    sums, loose_sums, totals_reason = _convert_totals(totals, money)
    revenue_reason = revenue_reason or totals_reason
    attributed = [o for o in converted if o.rule != "none"]
    unattributed = [o for o in converted if o.rule == "none"]

    # cost per creator, in the campaign currency
    creator_cost: dict[str, float] = defaultdict(float)
    cost_reason: str | None = None
    known = False
    for d in deals:
        if d.amount is None:
            continue
        factor = money.factor(d.currency)
        if factor is None:
            cost_reason = money.why_not(f"deal {d.deal_id}", d.currency)
            continue
        creator_cost[d.creator_id] += d.amount * factor
        known = True
    cost_known = known and cost_reason is None
    if not known and cost_reason is None:
        cost_reason = "no cost recorded" + (
            " (no deal of the campaign has an amount)" if deals else " (the campaign has no deal)"
        )
    campaign_posts = [p for p in posts if p.in_campaign]
    n_posts: dict[str, int] = defaultdict(int)
    for p in campaign_posts:
        n_posts[p.creator_id] += 1
    post_cost = {
        p.post_id: creator_cost.get(p.creator_id, 0.0) / n_posts[p.creator_id]
        for p in campaign_posts
    }
    creators = sorted(
        {d.creator_id for d in deals}
        | {p.creator_id for p in campaign_posts}
        | {o.creator_id for o in attributed if o.creator_id}
    )
    emv_factor = money.factor(EMV_CURRENCY)

    def group(
        figs: list[_Fig],
        costs: dict[str, float],
        fixed: float,
        row_orders: list[AttributedOrder],
        row_unattributed: list[AttributedOrder],
        row_clicks: list[Click],
    ) -> _Group:
        return _Group(
            figs, costs, fixed, cost_known, cost_reason, row_orders, row_unattributed, row_clicks
        )

    def row(scope: str, key: str | None, label: str, g: _Group, ratio: Kpi, salt: int) -> KpiRow:
        kpis = _kpis(
            g,
            currency,
            emv=emv,
            emv_factor=emv_factor,
            seed=seed + salt,
            resamples=resamples,
            revenue_reason=revenue_reason,
            paid_organic=ratio,
        )
        return KpiRow(scope, key, label, currency, kpis)

    whole = group(
        [post_figures(p) for p in campaign_posts],
        dict(post_cost),
        sum(c for cr, c in creator_cost.items() if not n_posts.get(cr)),
        attributed,
        unattributed,
        list(clicks),
    )
    whole.sums, whole.unattributed_sums = sums, loose_sums
    per_creator_only = _null("paid_organic_ratio", "a ratio per creator: see the creator rows")
    top = row("campaign", campaign.campaign_id, campaign.name, whole, per_creator_only, 0)
    rows: list[KpiRow] = []
    if by == "creator":
        for i, cr in enumerate(creators, start=1):
            mine = [p for p in campaign_posts if p.creator_id == cr]
            g = group(
                [post_figures(p) for p in mine],
                {p.post_id: post_cost[p.post_id] for p in mine},
                0.0 if mine else creator_cost.get(cr, 0.0),
                [o for o in attributed if o.creator_id == cr],
                [],
                [c for c in clicks if c.creator_id == cr],
            )
            rows.append(row("creator", cr, names.get(cr, cr), g, paid_organic_ratio(posts, cr), i))
    elif by == "post":
        not_post = _null("paid_organic_ratio", "a ratio per creator: see --by creator")
        for i, p in enumerate(sorted(campaign_posts, key=lambda p: (p.posted_at, p.post_id)), 1):
            g = group(
                [post_figures(p)],
                {p.post_id: post_cost[p.post_id]},
                0.0,
                [o for o in attributed if o.post_id == p.post_id],
                [],
                [c for c in clicks if c.post_id == p.post_id],
            )
            label = f"{p.post_id} ({names.get(p.creator_id, p.creator_id)})"
            rows.append(row("post", p.post_id, label, g, not_post, i))
        loose = [o for o in attributed if o.post_id is None]
        if loose:
            g = group([], {}, 0.0, loose, [], [c for c in clicks if c.post_id is None])
            g.cost_known, g.cost_reason = False, "cost is carried by the creators' posts"
            rows.append(
                row("post", None, "orders without a post (promo codes)", g, not_post, 10**6)
            )
    elif by == "day":
        not_day = _null("paid_organic_ratio", "a ratio per creator: see --by creator")
        per_day: dict[date, _Group] = defaultdict(lambda: group([], {}, 0.0, [], [], []))
        for p in campaign_posts:
            for day, fig in daily_figures(p).items():
                per_day[day].figs.append(fig)
            per_day[p.posted_at.date()].post_costs[p.post_id] = post_cost[p.post_id]
        for o in attributed:
            per_day[o.occurred_at.date()].orders.append(o)
        for o in unattributed:
            per_day[o.occurred_at.date()].unattributed.append(o)
        for c in clicks:
            per_day[c.occurred_at.date()].clicks.append(c)
        for i, day in enumerate(sorted(per_day), start=1):
            rows.append(row("day", day.isoformat(), day.isoformat(), per_day[day], not_day, i))
    counts = {rule: 0 for rule in ("code", "link", "none")}
    for o in converted:
        counts[o.rule] += 1
    for summed in totals:
        counts[summed.rule] += summed.count
    notes = []
    if revenue_reason:
        notes.append(revenue_reason)
    if cost_reason and known:
        notes.append(cost_reason)
    gifts = [d.deal_id for d in deals if d.amount is None]
    if gifts:
        notes.append(
            f"{len(gifts)} deal(s) without an amount (gift, product loan) add nothing to cost"
        )
    return KpiReport(
        campaign.campaign_id,
        campaign.name,
        currency,
        top,
        by,
        tuple(rows),
        counts,
        {
            "method": "percentile bootstrap over posts and attributed orders",
            "level": INTERVAL_LEVEL,
            "resamples": resamples,
            "seed": seed,
        },
        fx_note or "no conversion needed",
        notes=tuple(notes),
    )


__all__ = [
    "OrderTotals",
    "campaign_kpis",
    "daily_figures",
    "paid_organic_ratio",
    "post_figures",
]
