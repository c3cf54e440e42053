"""A small hand-computed campaign (tests/test_campaign_kpis.py computes every KPI by hand).

Campaign ``hc`` (USD, budget 10,000), brand ``hb``:

- creators ``ana`` (instagram ``ig_ana``, 10,000 followers) and ``max`` (tiktok ``tt_max``,
  5,000 followers); deals ``hd1`` ana fee 1,000.00 USD code ``ANA10``, ``hd2`` max fee
  500.00 USD code ``MAX5``; cost 1,500.00 USD.
- campaign posts: ``hp1`` (ana, 2026-10-02 10:00) with two ``insights`` snapshots, the
  latest (2026-10-03 20:00) views 8,000, reach 6,000, impressions 10,000, likes 400,
  comments 20, shares 10, saves 20, link clicks 50 (engagements 450); ``hp2`` (ana,
  2026-10-03 12:00) with one ``public`` snapshot: views 2,000, likes 100, comments 10
  (engagements 110); ``hp3`` (max, 2026-10-02 09:00) without snapshots: its public counts,
  likes 200, comments 25 (engagements 225, no views). Their captions disclose the deal
  up front ("#ad ..." / "Ad: ..."), so the ``disclosure`` alert rule finds nothing.
- ana's organic posts in the window: ``ho1`` 150 likes + 50 comments (ER 0.02) and ``ho2``
  280 + 20 (ER 0.03).
- tracked links ``L1`` (ana, hp1) and ``L3`` (max, hp3); clicks k1 (v1 on L1, 10-03 09:00),
  k2 (v2 on L3, 10-03 10:00), k3 (v2 on L1, 10-04 08:00), k4 (v3 on L3, 08-01 12:00).
- orders: O1 120.00 (v1, no code, two events e1 and e1b, e1 also delivered twice) -> the
  last click k1 on L1: ana, hp1; O2 80.00 (v2, code ``max5``) -> the code beats v2's click
  on L1: max, no post; O3 45.50 (v2, no code) -> k3 on L1: ana, hp1; O4 30.00 (v3, no code)
  -> k4 is 65 days earlier, outside the 30-day window: unattributed.
"""

from __future__ import annotations

from typing import Any

WORLD: dict[str, list[dict[str, Any]]] = {
    "brands": [{"brand_id": "hb", "name": "Hand Co", "category": "beauty"}],
    "creators": [
        {"creator_id": "ana", "display_name": "Ana Hand", "niches": ["beauty"]},
        {"creator_id": "max", "display_name": "Max Hand", "niches": ["fitness"]},
    ],
    "creator_accounts": [
        {"account_id": "ig_ana", "creator_id": "ana", "platform": "instagram",
         "handle": "anahand", "followers_count": 10000},
        {"account_id": "tt_max", "creator_id": "max", "platform": "tiktok",
         "handle": "maxhand", "followers_count": 5000},
    ],
    "campaigns": [
        {"campaign_id": "hc", "brand_id": "hb", "name": "Hand Computed", "goal": "sales",
         "starts_on": "2026-10-01", "ends_on": "2026-10-31", "budget": 10000,
         "currency": "USD"},
    ],
    "deals": [
        {"deal_id": "hd1", "campaign_id": "hc", "creator_id": "ana", "compensation": "fee",
         "amount": 1000, "currency": "USD", "affiliate_code": "ANA10"},
        {"deal_id": "hd2", "campaign_id": "hc", "creator_id": "max", "compensation": "fee",
         "amount": 500, "currency": "USD", "affiliate_code": "MAX5"},
    ],
    "tracked_links": [
        {"link_id": "L1", "campaign_id": "hc", "creator_id": "ana", "post_id": "hp1",
         "url": "https://shop.example/?utm_content=L1"},
        {"link_id": "L3", "campaign_id": "hc", "creator_id": "max", "post_id": "hp3"},
    ],
    "posts": [
        {"post_id": "hp1", "account_id": "ig_ana", "posted_at": "2026-10-02T10:00:00Z",
         "caption": "#ad My morning routine with @handco", "media_type": "reel", "likes": 400,
         "comments": 20, "views": 8000, "paid_partnership": True, "campaign_id": "hc"},
        {"post_id": "hp2", "account_id": "ig_ana", "posted_at": "2026-10-03T12:00:00Z",
         "caption": "Ad: the serum I use, from @handco", "media_type": "image", "likes": 90,
         "comments": 9, "paid_partnership": True, "campaign_id": "hc"},
        {"post_id": "hp3", "account_id": "tt_max", "posted_at": "2026-10-02T09:00:00Z",
         "caption": "#ad Leg day, fuelled by @handco", "media_type": "video", "likes": 200,
         "comments": 25, "paid_partnership": True, "campaign_id": "hc"},
        {"post_id": "ho1", "account_id": "ig_ana", "posted_at": "2026-10-05T10:00:00Z",
         "media_type": "image", "likes": 150, "comments": 50},
        {"post_id": "ho2", "account_id": "ig_ana", "posted_at": "2026-10-06T10:00:00Z",
         "media_type": "image", "likes": 280, "comments": 20},
        {"post_id": "ho3", "account_id": "ig_ana", "posted_at": "2026-09-01T10:00:00Z",
         "media_type": "image", "likes": 9000, "comments": 0},
    ],
    "post_metrics": [
        {"post_id": "hp1", "observed_at": "2026-10-02T20:00:00Z", "source": "insights",
         "views": 5000, "reach": 4000, "impressions": 6000, "likes": 300, "comments": 10,
         "shares": 5, "saves": 5, "link_clicks": 30},
        {"post_id": "hp1", "observed_at": "2026-10-03T20:00:00Z", "source": "insights",
         "views": 8000, "reach": 6000, "impressions": 10000, "likes": 400, "comments": 20,
         "shares": 10, "saves": 20, "link_clicks": 50},
        {"post_id": "hp2", "observed_at": "2026-10-03T22:00:00Z", "source": "public",
         "views": 2000, "likes": 100, "comments": 10},
    ],
    "tracking_events": [
        {"event_id": "k1", "campaign_id": "hc", "occurred_at": "2026-10-03T09:00:00Z",
         "event_type": "click", "link_id": "L1", "touch_key": "v1"},
        {"event_id": "k2", "campaign_id": "hc", "occurred_at": "2026-10-03T10:00:00Z",
         "event_type": "click", "link_id": "L3", "touch_key": "v2"},
        {"event_id": "k3", "campaign_id": "hc", "occurred_at": "2026-10-04T08:00:00Z",
         "event_type": "click", "link_id": "L1", "touch_key": "v2"},
        {"event_id": "k4", "campaign_id": "hc", "occurred_at": "2026-08-01T12:00:00Z",
         "event_type": "click", "link_id": "L3", "touch_key": "v3"},
        {"event_id": "e1", "campaign_id": "hc", "occurred_at": "2026-10-03T12:00:00Z",
         "event_type": "purchase", "order_id": "O1", "touch_key": "v1", "value": 120.0,
         "currency": "USD"},
        {"event_id": "e1b", "campaign_id": "hc", "occurred_at": "2026-10-03T12:00:05Z",
         "event_type": "purchase", "order_id": "O1", "touch_key": "v1", "value": 120.0,
         "currency": "USD"},
        {"event_id": "e2", "campaign_id": "hc", "occurred_at": "2026-10-04T09:00:00Z",
         "event_type": "purchase", "order_id": "O2", "touch_key": "v2", "promo_code": "max5",
         "value": 80.0, "currency": "USD"},
        {"event_id": "e3", "campaign_id": "hc", "occurred_at": "2026-10-04T10:00:00Z",
         "event_type": "purchase", "order_id": "O3", "touch_key": "v2", "value": 45.5,
         "currency": "USD"},
        {"event_id": "e4", "campaign_id": "hc", "occurred_at": "2026-10-05T12:00:00Z",
         "event_type": "purchase", "order_id": "O4", "touch_key": "v3", "value": 30.0,
         "currency": "USD"},
    ],
}  # fmt: skip
"""The campaign as interchange records (one file per kind)."""
