"""Assemble ``ground_truth.json``: what the generator hid in the world."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from trustreach.synth._campaign_data import WINDOW_DAYS, CampaignData
from trustreach.synth._commerce import Brand, Sponsored
from trustreach.synth._content import HOUR_PEAK, SENTIMENT, WEEKDAY_BOOST, Post
from trustreach.synth._fraud import FraudOutcome
from trustreach.synth._hashtag_effects import hashtag_effects
from trustreach.synth._lexicon import NICHES, RESTRICTED_BRAND_CATEGORIES, WEEKDAYS
from trustreach.synth._params import BoolArray, load_params
from trustreach.synth._population import FRAUD_TYPES, Creator

NOTES = (
    "Synthetic data: every person, brand and number is invented.",
    "Fraud labels describe what the generator injected, i.e. the evidence a detector should "
    "find, not a judgement about any real person.",
    "Organic spikes are viral moments with matching engagement: a confounder, not fraud.",
    "Follower features are sampled from a fit to InstaFake (CC BY-NC 4.0); see "
    "follower_params_provenance.",
    "Best posting hours are UTC hours of posts.posted_at.",
    "true_fake_share is the share in the whole audience as constructed; sampled_fake_share is "
    "the share in the written follower sample.",
    "exposure_gap: follower counts of creators who declared gender 'woman' are scaled on "
    "purpose, mirroring gaps that industry pay-gap reports describe, so fairness tooling "
    "has a known gap to measure; declared attributes are never ranking inputs.",
    "campaign_performance: orders are credited under the documented rules (a promo code equal, "
    "ignoring case, to a deal's affiliate_code in the campaign; else the last click with the "
    "same touch_key on a tracked link within window_days before the order; else nobody); "
    "engagement_anomalies are bought-engagement bursts the generator injected between two "
    "snapshots, evidence to find, not a judgement about the creator.",
    "hashtag_effects: organic posts carrying one of these tags of their niche have likes, "
    "comments, shares, saves and views scaled by the multiplier (the product for several).",
)


def _creators(
    creators: list[Creator], fraud: FraudOutcome, is_fake: BoolArray, start: date
) -> dict[str, dict[str, Any]]:
    out = fraud.per_creator
    for cr in creators:
        entry = out[cr.creator_id]
        total = sum(a.followers for a in cr.accounts)
        entry["niche"] = cr.niche.name
        share = sum(a.true_fake_share * a.followers for a in cr.accounts) / total
        entry["true_fake_share"] = round(float(share), 4)
        entry["accounts"] = {
            a.account_id: {
                "platform": a.platform,
                "followers_end": a.followers,
                "baseline_fake_share": a.baseline_fake,
                "true_fake_share": round(float(a.true_fake_share), 4),
                "sampled_fake_share": round(float(is_fake[a.follower_rows].mean()), 4),
                "bought_follower_bursts": [
                    {
                        "start": start + timedelta(days=b.start_day),
                        "end": start + timedelta(days=b.start_day + b.duration - 1),
                        "share_of_followers": b.share_of_followers,
                        "added_followers": b.added_followers,
                        "retained_at_end": b.retained_at_end,
                    }
                    for b in a.bursts
                ],
            }
            for a in cr.accounts
        }
    return out


def build_ground_truth(
    *,
    seed: int,
    parameters: dict[str, Any],
    creators: list[Creator],
    fraud: FraudOutcome,
    is_fake: BoolArray,
    follower_ids: list[str],
    posts: list[Post],
    comments: list[dict[str, Any]],
    sponsored: list[Sponsored],
    brands: list[Brand],
    campaigns: list[dict[str, Any]],
    deals: list[dict[str, Any]],
    minors: dict[str, float],
    withdrawn: list[dict[str, Any]],
    start: date,
) -> dict[str, Any]:
    """Return the ground-truth document (JSON-serialisable with orjson)."""
    labels: dict[str, dict[str, int]] = {}
    post_creator = {p.row["post_id"]: p.creator.creator_id for p in posts}
    for c in comments:
        per = labels.setdefault(post_creator[c["post_id"]], dict.fromkeys(SENTIMENT, 0))
        per[c["_label"]] += 1
    disclosure = {}
    for sp in sorted(sponsored, key=lambda s: s.post_id):
        position = None if sp.tag is None else ("start" if sp.status == "disclosed" else "end")
        disclosure[sp.post_id] = {
            "status": sp.status,
            "campaign_id": sp.campaign_id,
            "deal_id": sp.deal_id,
            "brand_category": sp.brand.category,
            "tag": sp.tag,
            "tag_position": position,
            "paid_partnership": sp.paid_partnership,
        }
    brand_of = {c["campaign_id"]: c["brand_id"] for c in campaigns}
    category = {b.brand_id: b.category for b in brands}
    by_id = {c.creator_id: c for c in creators}
    restricted = []
    for d in deals:
        cat = category[brand_of[d["campaign_id"]]]
        if cat in RESTRICTED_BRAND_CATEGORIES:
            main = by_id[d["creator_id"]].accounts[0].account_id
            restricted.append(
                {
                    "deal_id": d["deal_id"],
                    "creator_id": d["creator_id"],
                    "category": cat,
                    "audience_13_17_share": minors.get(main),
                }
            )
    return {
        "format": "trustreach.synth.ground_truth/1",
        "seed": seed,
        "parameters": parameters,
        "notes": list(NOTES),
        "follower_params_provenance": load_params().provenance,
        "creators": _creators(creators, fraud, is_fake, start),
        "clean_creators": [c.creator_id for c in creators if not c.fraud],
        "fraud_creators": {
            k: [c.creator_id for c in creators if k in c.fraud] for k in FRAUD_TYPES
        },
        "pods": fraud.pods,
        "bot_comment_posts": fraud.bot_posts,
        "inflated_engagement_creators": [
            c.creator_id for c in creators if "inflated_engagement" in c.fraud
        ],
        "organic_spikes": fraud.spikes,
        "best_posting_times": {
            n.name: {
                "best_hours_utc": list(n.best_hours_utc),
                "best_weekdays": [WEEKDAYS[w] for w in n.best_weekdays],
                "best_weekdays_iso": [w + 1 for w in n.best_weekdays],
                "hour_peak_multiplier": 1 + HOUR_PEAK,
                "weekday_multiplier": WEEKDAY_BOOST,
            }
            for n in NICHES
        },
        "hashtag_effects": hashtag_effects(seed),
        "disclosure": disclosure,
        "restricted_category_deals": restricted,
        "consent_withdrawals": withdrawn,
        "sentiment": {
            "counts": {s: sum(v[s] for v in labels.values()) for s in SENTIMENT},
            "per_creator": labels,
            "labels": {c["comment_id"]: c["_label"] for c in comments},
            "bot_comment_ids": [c["comment_id"] for c in comments if c["_kind"] == "bot"],
            "pod_comment_ids": [c["comment_id"] for c in comments if c["_kind"] == "pod"],
        },
        "fake_follower_account_ids": [follower_ids[r] for r in np.flatnonzero(is_fake).tolist()],
    }


def _money(value: float) -> float:
    return round(value + 0.0, 2)


def campaign_truth(
    data: CampaignData, campaigns: list[dict[str, Any]], deals: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``campaign_performance`` section: true attribution, coverage and anomalies.

    Per campaign: every order once (duplicates are not orders), its value in the
    campaign's currency, who the documented rules credit with it, and per creator
    (every creator with a deal, zeros included) the attributed orders and revenue.
    """
    out: dict[str, dict[str, Any]] = {}
    for c in campaigns:
        creators = sorted({d["creator_id"] for d in deals if d["campaign_id"] == c["campaign_id"]})
        out[c["campaign_id"]] = {
            "currency": c["currency"],
            "orders": 0,
            "revenue": 0.0,
            "attributed_orders": 0,
            "attributed_revenue": 0.0,
            "unattributed_orders": 0,
            "unattributed_revenue": 0.0,
            "creators": {
                cr: {"orders": 0, "revenue": 0.0, "by_code": 0, "by_link": 0} for cr in creators
            },
            "snapshotted_posts": 0,
            "insights_posts": 0,
        }
    scenarios: dict[str, int] = {}
    for o in data.orders:
        entry = out[o.campaign_id]
        assert o.currency == entry["currency"]
        entry["orders"] += 1
        entry["revenue"] += o.value
        scenarios[o.scenario] = scenarios.get(o.scenario, 0) + 1
        if o.creator_id is None:
            entry["unattributed_orders"] += 1
            entry["unattributed_revenue"] += o.value
        else:
            entry["attributed_orders"] += 1
            entry["attributed_revenue"] += o.value
            per = entry["creators"][o.creator_id]
            per["orders"] += 1
            per["revenue"] += o.value
            per["by_code" if o.via == "code" else "by_link"] += 1
    for entry in out.values():
        for name in ("revenue", "attributed_revenue", "unattributed_revenue"):
            entry[name] = _money(entry[name])
        for per in entry["creators"].values():
            per["revenue"] = _money(per["revenue"])
    campaign_of = {link["post_id"]: link["campaign_id"] for link in data.tracked_links}
    for post_id, source in data.sources.items():
        entry = out[campaign_of[post_id]]
        entry["snapshotted_posts"] += 1
        entry["insights_posts"] += source == "insights"
    return {
        "rules": {
            "window_days": WINDOW_DAYS,
            "code_beats_link": True,
            "one_order_once_by": "order_id",
            "code_match": "case-insensitive, a deal's affiliate_code in the same campaign",
        },
        "campaigns": out,
        "orders": {
            o.order_id: {
                "campaign_id": o.campaign_id,
                "occurred_at": o.occurred_at,
                "value": o.value,
                "currency": o.currency,
                "creator_id": o.creator_id,
                "via": o.via,
                "scenario": o.scenario,
            }
            for o in data.orders
        },
        "scenarios": dict(sorted(scenarios.items())),
        "duplicate_event_ids": data.duplicate_event_ids,
        "late_event_ids": data.late_event_ids,
        "snapshot_sources": dict(sorted(data.sources.items())),
        "engagement_anomalies": [
            {
                "kind": "bought_engagement_burst",
                "post_id": a.post_id,
                "campaign_id": a.campaign_id,
                "creator_id": a.creator_id,
                "previous_observed_at": a.previous_observed_at,
                "observed_at": a.observed_at,
                "added_likes": a.added_likes,
                "added_views": a.added_views,
                "purged_at": a.purged_at,
                "purged_likes": a.purged_likes,
            }
            for a in data.anomalies
        ],
    }
