"""Assemble ``ground_truth.json``: what the generator hid in the world."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from trustreach.synth._commerce import Brand, Sponsored
from trustreach.synth._content import HOUR_PEAK, SENTIMENT, WEEKDAY_BOOST, Post
from trustreach.synth._fraud import FraudOutcome
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
