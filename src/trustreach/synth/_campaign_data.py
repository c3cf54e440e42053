"""Campaigns over time: post metric snapshots, tracked links, keyed clicks and orders.

Everything here draws from its own child generator (``[seed, 0xCA4D]``), so the
rest of a seed's world is unchanged by it. What it hides is returned as
:class:`OrderOutcome` and :class:`Anomaly` records, summed into
``ground_truth.json`` by :func:`trustreach.synth._truth.campaign_truth`.

- **Snapshots.** Each sponsored post is observed at fixed ages (3 h, 12 h, 1 d,
  2 d, 3 d, 5 d, 7 d, 10 d, 14 d, 21 d, 30 d) until a week after its campaign
  ends (or the world's end). Counts are cumulative and grow on a saturating
  curve ``1 − exp(−t/τ)`` with jittered steps (engagement τ 10–30 h; views and
  reach 1.5–3× slower), reaching the post's captured counts at 30 days. A deal's
  posts carry first-party ``insights`` figures with probability
  :data:`INSIGHTS_SHARE` (reach, impressions, saves, link clicks), otherwise
  ``public`` counts (likes, comments, views; shares on TikTok and YouTube).
- **Bought-engagement burst.** On about 40% of the campaigns one
  ``insights`` post gets likes (and views) bought between two snapshots with no
  matching reach; half of them later lose part of those likes to a platform purge,
  the only place a count falls.
- **Links, clicks and orders.** Every sponsored post has a UTM link and every
  deal a bio link. Each purchase a post led to becomes an order (``order_id``,
  value, the brand's currency): by promo code (the deal's affiliate code, as typed:
  sometimes lower case; sometimes after a click on another creator's link, which
  the code beats), by a visitor's click (``touch_key``; sometimes after an earlier
  click on another creator's link, or more than :data:`WINDOW_DAYS` days before
  the order, which then goes unattributed), or without a trace. Each campaign
  also has orders with no creator connection (a site-wide code, an unknown
  visitor, nothing). About 5% of orders are reported twice (same order id), and
  about 3% of the keyed events are written last, after events that happened
  later (a late webhook).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from trustreach.synth._commerce import OrderSeed, Sponsored, bio_link_id, post_link_id

#: Ages (hours after posting) at which a post's metrics are observed.
SNAPSHOT_HOURS = (3, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720)
#: The documented last-click window of attribution.
WINDOW_DAYS = 30
#: Share of deals whose creator authorised first-party insights.
INSIGHTS_SHARE = 0.6
#: A site-wide code no deal carries: its orders are unattributed.
SITE_CODE = "WELCOME10"
_STREAM = 0xCA4D
_PUBLIC_SHARES = ("tiktok", "youtube")


@dataclass(frozen=True)
class OrderOutcome:
    """An order the generator made and who the documented rules credit with it."""

    order_id: str
    campaign_id: str
    occurred_at: datetime
    value: float
    currency: str
    creator_id: str | None  # None: unattributed
    via: str | None  # "code" | "link" | None
    scenario: str  # how it was made (see campaign_truth's notes)


@dataclass(frozen=True)
class Anomaly:
    """A bought-engagement burst on a campaign post (between two snapshots)."""

    post_id: str
    campaign_id: str
    creator_id: str
    previous_observed_at: datetime
    observed_at: datetime
    added_likes: int
    added_views: int | None
    purged_at: datetime | None
    purged_likes: int


@dataclass
class CampaignData:
    """What :func:`campaign_data` made: records of three kinds and the outcomes behind them."""

    post_metrics: list[dict[str, Any]] = field(default_factory=list)
    tracked_links: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # keyed clicks and orders
    orders: list[OrderOutcome] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # post_id -> insights | public
    duplicate_event_ids: list[str] = field(default_factory=list)
    late_event_ids: list[str] = field(default_factory=list)


def _s(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


class _Maker:
    def __init__(self, seed: int, end: datetime) -> None:
        self.rng = np.random.default_rng([seed, _STREAM])
        self.end = end
        self.out = CampaignData()
        self.keyed: list[dict[str, Any]] = []
        self.visitors = 0

    def touch_key(self) -> str:
        self.visitors += 1
        return f"v-{self.visitors:06d}-{int(self.rng.integers(0, 16**6)):06x}"

    # ---------------------------------------------------------------- snapshots

    def snapshots(
        self,
        sponsored: list[Sponsored],
        posts: dict[str, dict[str, Any]],
        campaign_end: dict[str, datetime],
        creator_of: dict[str, str],
        clicks: dict[str, int],
    ) -> None:
        insights = {}
        for deal_id in sorted({sp.deal_id for sp in sponsored}):
            insights[deal_id] = bool(self.rng.random() < INSIGHTS_SHARE)
        candidates: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}
        for sp in sorted(sponsored, key=lambda s: s.post_id):
            post = posts[sp.post_id]
            posted: datetime = post["posted_at"]
            horizon = min(campaign_end[sp.campaign_id] + timedelta(days=7), self.end)
            ages = [h for h in SNAPSHOT_HOURS if posted + timedelta(hours=h) <= horizon]
            if not ages:
                continue
            source = "insights" if insights[sp.deal_id] else "public"
            self.out.sources[sp.post_id] = source
            rows = self._series(sp, post, ages, source, clicks.get(sp.post_id, 0))
            self.out.post_metrics.extend(rows)
            if source == "insights" and len(rows) >= 3:
                candidates.setdefault(sp.campaign_id, []).append((sp.post_id, rows))
        last = max(candidates, default=None)
        for campaign_id in sorted(candidates):
            chosen = self.rng.random() < 0.4
            if chosen or (campaign_id == last and not self.out.anomalies):  # at least one
                options = candidates[campaign_id]
                post_id, rows = options[int(self.rng.integers(0, len(options)))]
                self._burst(post_id, campaign_id, creator_of[post_id], rows)

    def _curve(self, ages: list[int], tau: float) -> list[float]:
        """Cumulative share reached at each age, 1.0 at 30 days, non-decreasing."""
        points = [*ages, max(SNAPSHOT_HOURS[-1], ages[-1])]
        level = [1.0 - math.exp(-h / tau) for h in points]
        steps = np.diff([0.0, *level]) * self.rng.uniform(0.8, 1.2, size=len(points))
        total = np.cumsum(steps)
        return [float(v) for v in total[:-1] / total[-1]]

    def _series(
        self, sp: Sponsored, post: dict[str, Any], ages: list[int], source: str, clicks: int
    ) -> list[dict[str, Any]]:
        acc = sp.account
        tau = float(self.rng.uniform(10, 30))
        slow = tau * float(self.rng.uniform(1.5, 3.0))
        likes = int(post["likes"])
        final: dict[str, tuple[int | None, float]] = {
            "likes": (likes, tau),
            "comments": (int(post["comments"]), tau),
            "views": (post["views"], slow),
        }
        if source == "insights":
            organic = float(acc.organic[min(sp.day, len(acc.organic) - 1)])
            reach = max(round(organic * float(self.rng.uniform(0.25, 0.6))), round(likes * 1.3))
            if post["views"] is not None:
                reach = max(reach, round(post["views"] * float(self.rng.uniform(0.55, 0.85))))
            final["reach"] = (reach, slow)
            final["impressions"] = (round(reach * float(self.rng.uniform(1.15, 1.7))), slow)
            final["shares"] = (post["shares"], tau)
            final["saves"] = (post["saves"], tau)
            final["link_clicks"] = (clicks, tau * float(self.rng.uniform(1.0, 2.0)))
        elif acc.platform in _PUBLIC_SHARES:
            final["shares"] = (post["shares"], tau)
        curves = {name: self._curve(ages, t) for name, (_, t) in final.items()}
        rows = []
        for k, hours in enumerate(ages):
            row: dict[str, Any] = {
                "post_id": sp.post_id,
                "observed_at": _s(post["posted_at"] + timedelta(hours=hours)),
                "source": source,
            }
            for name, (total, _) in final.items():
                row[name] = None if total is None else math.floor(total * curves[name][k])
            rows.append(row)
        return rows

    def _burst(
        self, post_id: str, campaign_id: str, creator_id: str, rows: list[dict[str, Any]]
    ) -> None:
        j = int(self.rng.integers(1, len(rows) - 1))
        bought = max(200, round(rows[j]["likes"] * float(self.rng.uniform(1.0, 3.0))))
        views = None if rows[j]["views"] is None else round(bought * self.rng.uniform(2, 5))
        purge_at = None
        purged = 0
        if j + 1 < len(rows) and self.rng.random() < 0.5:
            purge_at = int(self.rng.integers(j + 1, len(rows)))
            purged = round(bought * float(self.rng.uniform(0.3, 0.8)))
        for k in range(j, len(rows)):
            rows[k]["likes"] += bought - (purged if purge_at is not None and k >= purge_at else 0)
            if views is not None:
                rows[k]["views"] += views
        self.out.anomalies.append(
            Anomaly(
                post_id=post_id,
                campaign_id=campaign_id,
                creator_id=creator_id,
                previous_observed_at=rows[j - 1]["observed_at"],
                observed_at=rows[j]["observed_at"],
                added_likes=bought,
                added_views=views,
                purged_at=None if purge_at is None else rows[purge_at]["observed_at"],
                purged_likes=purged,
            )
        )

    # ---------------------------------------------------------------- orders

    def click(
        self, campaign_id: str, at: datetime, link: dict[str, Any], key: str
    ) -> dict[str, Any]:
        event = {
            "campaign_id": campaign_id,
            "occurred_at": _s(at),
            "event_type": "click",
            "post_id": link["post_id"],
            "creator_id": link["creator_id"],
            "quantity": 1,
            "link_id": link["link_id"],
            "touch_key": key,
        }
        self.keyed.append(event)
        return event

    def order(
        self,
        campaign_id: str,
        at: datetime,
        value: float,
        currency: str,
        *,
        creator_id: str | None,
        via: str | None,
        scenario: str,
        code: str | None = None,
        key: str | None = None,
    ) -> None:
        order_id = f"ord-{len(self.out.orders) + 1:06d}"
        at = _s(at)
        event = {
            "campaign_id": campaign_id,
            "occurred_at": at,
            "event_type": "purchase",
            "quantity": 1,
            "value": value,
            "currency": currency,
            "order_id": order_id,
            "promo_code": code,
            "touch_key": key,
        }
        self.keyed.append(event)
        if self.rng.random() < 0.05:  # reported twice: the shop's webhook and the pixel
            self.keyed.append({**event, "_duplicate": True})
        self.out.orders.append(
            OrderOutcome(order_id, campaign_id, at, value, currency, creator_id, via, scenario)
        )


def _moment(start: date, day: int, seconds: float) -> datetime:
    d = start + timedelta(days=day)
    return datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(seconds=seconds)


def campaign_data(
    *,
    seed: int,
    posts: dict[str, dict[str, Any]],
    sponsored: list[Sponsored],
    deals: list[dict[str, Any]],
    campaigns: list[dict[str, Any]],
    orders: list[OrderSeed],
    events: list[dict[str, Any]],
    start: date,
    end: datetime,
) -> CampaignData:
    """Snapshots, tracked links, keyed clicks and orders for every campaign.

    ``events`` are the daily counts already made (their clicks feed the posts'
    ``link_clicks``); the returned ``events`` are new, numbered after them, in the
    order they are to be written.
    """
    maker = _Maker(seed, end)
    rng = maker.rng
    camp = {c["campaign_id"]: c for c in campaigns}
    campaign_end = {
        cid: datetime(
            c["ends_on"].year, c["ends_on"].month, c["ends_on"].day, 23, 59, 59, tzinfo=UTC
        )
        for cid, c in camp.items()
    }
    deal_of = {d["deal_id"]: d for d in deals}
    links: dict[str, dict[str, Any]] = {}
    for deal in deals:
        links[bio_link_id(deal["deal_id"])] = {
            "link_id": bio_link_id(deal["deal_id"]),
            "campaign_id": deal["campaign_id"],
            "creator_id": deal["creator_id"],
            "post_id": None,
        }
    for sp in sorted(sponsored, key=lambda s: s.post_id):
        links[post_link_id(sp.post_id)] = {
            "link_id": post_link_id(sp.post_id),
            "campaign_id": sp.campaign_id,
            "creator_id": deal_of[sp.deal_id]["creator_id"],
            "post_id": sp.post_id,
        }
    brand_handle = {sp.campaign_id: sp.brand.handle for sp in sponsored}
    for link in links.values():
        handle = brand_handle.get(link["campaign_id"], "shop").strip("@").lower()
        maker.out.tracked_links.append(
            {
                **link,
                "url": f"https://{handle}.example/?utm_source=creator&utm_medium=influencer"
                f"&utm_campaign={link['campaign_id']}&utm_content={link['link_id']}",
            }
        )
    by_campaign: dict[str, list[dict[str, Any]]] = {}
    for link in links.values():
        by_campaign.setdefault(link["campaign_id"], []).append(link)

    # keyed clicks and orders; a post's link clicks are its daily counts plus these
    codes: dict[tuple[str, str], set[str]] = {}  # (campaign, code) -> its creators
    for deal in deals:
        if deal["affiliate_code"]:
            key = (deal["campaign_id"], deal["affiliate_code"].upper())
            codes.setdefault(key, set()).add(deal["creator_id"])
    for seed_order in orders:
        _order_from(maker, seed_order, links, by_campaign, posts, codes, start)
    creator_of = {sp.post_id: deal_of[sp.deal_id]["creator_id"] for sp in sponsored}
    for cid in sorted(camp):
        _unconnected_orders(maker, camp[cid], start, end)
    clicks: dict[str, int] = {}
    for e in [*events, *maker.keyed]:
        if e["event_type"] == "click" and e.get("post_id") is not None:
            clicks[e["post_id"]] = clicks.get(e["post_id"], 0) + int(e["quantity"])
    maker.snapshots(sponsored, posts, campaign_end, creator_of, clicks)

    # in the order they happened, a few delivered last (late)
    keyed = sorted(maker.keyed, key=lambda e: (e["occurred_at"], e.get("order_id") or ""))
    late = (rng.random(len(keyed)) < 0.03).tolist()
    for e, is_late in zip(keyed, late, strict=True):
        e["_late"] = is_late
        e.setdefault("_duplicate", False)
    ordered = [e for e in keyed if not e["_late"]] + [e for e in keyed if e["_late"]]
    for i, e in enumerate(ordered):  # numbered after the daily counts, in file order
        e["event_id"] = f"evt-{len(events) + i + 1:07d}"
        if e.pop("_late"):
            maker.out.late_event_ids.append(e["event_id"])
        if e.pop("_duplicate"):
            maker.out.duplicate_event_ids.append(e["event_id"])
    maker.out.events = ordered
    return maker.out


def _order_from(
    maker: _Maker,
    seed_order: OrderSeed,
    links: dict[str, dict[str, Any]],
    by_campaign: dict[str, list[dict[str, Any]]],
    posts: dict[str, dict[str, Any]],
    codes: dict[tuple[str, str], set[str]],
    start: date,
) -> None:
    rng = maker.rng
    sp = seed_order.sponsored
    cid, creator = sp.campaign_id, seed_order.creator_id
    posted: datetime = posts[sp.post_id]["posted_at"]
    at = max(
        _moment(start, seed_order.day, float(rng.uniform(0, 86_400))),
        posted + timedelta(minutes=float(rng.uniform(10, 90))),
    )
    at = min(at, maker.end)
    # other creators' bio links (a post's link may not exist yet at the time)
    others = [
        lk for lk in by_campaign[cid] if lk["creator_id"] != creator and lk["post_id"] is None
    ]
    currency = sp.brand.currency
    r = float(rng.random())
    if sp.affiliate_code and codes[(cid, sp.affiliate_code.upper())] == {creator} and r < 0.55:
        code = sp.affiliate_code if rng.random() < 0.7 else sp.affiliate_code.lower()
        key = None
        scenario = "code"
        if others and rng.random() < 0.25:  # clicked another creator's link first
            key = maker.touch_key()
            other = others[int(rng.integers(0, len(others)))]
            when = at - timedelta(hours=float(rng.uniform(0.2, 48)))
            maker.click(cid, when, other, key)
            scenario = "code_beats_link"
        maker.order(
            cid, at, seed_order.value, currency,
            creator_id=creator, via="code", scenario=scenario, code=code, key=key,
        )  # fmt: skip
        return
    if r < 0.85:
        own = links[post_link_id(sp.post_id)]
        if rng.random() < 0.2:
            own = links[bio_link_id(sp.deal_id)]
        key = maker.touch_key()
        lag = timedelta(hours=float(rng.lognormal(math.log(2.0), 1.0)))
        click_at = min(max(at - lag, posted + timedelta(minutes=1)), at)
        if rng.random() < 0.06:  # the visitor came back to buy more than 30 days later
            late_at = click_at + timedelta(days=float(rng.uniform(WINDOW_DAYS + 1, 45)))
            if late_at <= maker.end:
                maker.click(cid, click_at, own, key)
                maker.order(
                    cid, late_at, seed_order.value, currency,
                    creator_id=None, via=None, scenario="click_outside_window", key=key,
                )  # fmt: skip
                return
        scenario = "link"
        if others and rng.random() < 0.12:  # an earlier click on another creator's link
            other = others[int(rng.integers(0, len(others)))]
            earlier = click_at - timedelta(hours=float(rng.uniform(1, 24 * 10)))
            maker.click(cid, earlier, other, key)
            scenario = "last_click_wins"
        maker.click(cid, click_at, own, key)
        maker.order(
            cid, at, seed_order.value, currency,
            creator_id=creator, via="link", scenario=scenario, key=key,
        )  # fmt: skip
        return
    maker.order(cid, at, seed_order.value, currency, creator_id=None, via=None, scenario="no_trace")


def _unconnected_orders(
    maker: _Maker, campaign: dict[str, Any], start: date, end: datetime
) -> None:
    """Orders during the campaign that no creator led to (the brand's own sales)."""
    rng = maker.rng
    first = (campaign["starts_on"] - start).days
    length = (campaign["ends_on"] - campaign["starts_on"]).days + 1
    for _ in range(int(rng.poisson(0.5 * length))):
        at = min(_moment(start, first + int(rng.integers(0, length)), rng.uniform(0, 86_400)), end)
        value = round(float(rng.lognormal(math.log(45), 0.5)), 2)
        r = float(rng.random())
        code = SITE_CODE if r < 0.3 else None
        key = maker.touch_key() if 0.3 <= r < 0.5 else None
        scenario = "site_code" if code else ("unknown_visitor" if key else "no_trace")
        maker.order(
            campaign["campaign_id"], at, value, campaign["currency"],
            creator_id=None, via=None, scenario=scenario, code=code, key=key,
        )  # fmt: skip
