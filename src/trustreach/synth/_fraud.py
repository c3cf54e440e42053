"""Engagement fraud injected into measured posts: inflated likes, pods and bot comments.

Bought-follower bursts are made with the follower history
(:mod:`trustreach.synth._population`); this module changes posts and adds
comments, and returns what it did for the ground truth. It also places the
organic viral moments (a confounder that is *not* fraud) on posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from trustreach.synth._content import CommentMaker, Post, boost
from trustreach.synth._params import IntArray
from trustreach.synth._population import Account, Creator, FollowerPool


@dataclass
class Pod:
    """An engagement pod: member accounts that comment on each other's posts."""

    pod_id: str
    creators: list[Creator]
    rows: IntArray  # follower-pool rows of the members
    since_day: int
    joined: IntArray  # day each member joined (for follow dates)


@dataclass
class FraudOutcome:
    """Comments added per post index, and the ground truth of what was injected."""

    extra: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    per_creator: dict[str, dict[str, Any]] = field(default_factory=dict)
    spikes: list[dict[str, Any]] = field(default_factory=list)
    pods: list[dict[str, Any]] = field(default_factory=list)
    bot_posts: dict[str, dict[str, Any]] = field(default_factory=dict)


def make_pods(
    creators: list[Creator], pool: FollowerPool, days: int, rng: np.random.Generator
) -> list[Pod]:
    """Form 1-2 pods among the pod creators; members join the follower pool."""
    members = [c for c in creators if "engagement_pod" in c.fraud]
    groups = [members] if len(members) < 6 else [members[::2], members[1::2]]
    pods = []
    for k, group in enumerate(groups):
        if len(group) < 2:
            continue
        m = int(rng.integers(8, 21))
        since = int(rng.integers(0, max(1, days // 3)))
        joined = np.full(m, since, dtype=np.int64) - rng.integers(1, 10, m)
        no = np.zeros(m, dtype=bool)
        rows = pool.add(np.full(m, -1, dtype=np.int64), no, no, joined)
        pods.append(Pod(f"pod-{k + 1}", group, rows, since, joined))
    return pods


def inject_engagement(
    posts: list[Post],
    creators: list[Creator],
    accounts: list[Account],
    pods: list[Pod],
    maker: CommentMaker,
    follower_ids: list[str],
    start: date,
    rng: np.random.Generator,
) -> FraudOutcome:
    """Apply inflated likes, organic viral moments, pod and bot comments to ``posts``."""
    out = FraudOutcome(per_creator={c.creator_id: {"fraud_types": list(c.fraud)} for c in creators})
    by_acc: dict[int, list[int]] = {}
    for i, p in enumerate(posts):
        by_acc.setdefault(p.account.index, []).append(i)

    def of(cr: Creator) -> list[int]:
        return [i for a in cr.accounts for i in by_acc.get(a.index, [])]

    for cr in creators:  # (d) likes far above follower-band peers
        if "inflated_engagement" not in cr.fraud:
            continue
        share = float(rng.uniform(0.5, 0.85))
        hit: dict[str, float] = {}
        for i in of(cr):
            if rng.random() < share:
                factor = float(rng.uniform(3.0, 8.0))
                added = int(posts[i].row["comments"] * rng.uniform(0.0, 0.3))
                boost(posts[i], factor, comments=added)
                hit[posts[i].row["post_id"]] = round(factor, 3)
        out.per_creator[cr.creator_id]["inflated_engagement"] = {
            "like_multipliers": hit,
            "note": "likes scaled 3-8x on these posts; comments and views barely move",
        }
    for acc in accounts:  # organic viral moments: a confounder, not fraud
        for spike in acc.spikes:
            day = int(spike["day"])
            near = [i for i in by_acc.get(acc.index, []) if day - 2 <= posts[i].day <= day]
            post_id = None
            if near:
                boost(posts[near[-1]], float(rng.uniform(4, 8)), views=float(rng.uniform(4, 8)))
                post_id = posts[near[-1]].row["post_id"]
            out.spikes.append(
                {
                    "account_id": acc.account_id,
                    "date": start + timedelta(days=day),
                    "share_of_followers": spike["share_of_followers"],
                    "viral_post_id": post_id,
                }
            )
    for pod in pods:  # (b) engagement pods
        members = pod.rows.tolist()
        hit_posts = []
        for cr in pod.creators:
            for i in of(cr):
                if posts[i].day < pod.since_day or rng.random() > 0.85:
                    continue
                engaged = [m for m in members if rng.random() < 0.7]
                out.extra.setdefault(i, []).extend(maker.pod(posts[i], engaged))
                posts[i].row["likes"] += len(engaged)
                posts[i].row["comments"] += len(engaged)
                hit_posts.append(posts[i].row["post_id"])
        ids = [c.creator_id for c in pod.creators]
        out.pods.append(
            {
                "pod_id": pod.pod_id,
                "member_account_ids": [follower_ids[m] for m in members],
                "creator_ids": ids,
                "creator_account_ids": [a.account_id for c in pod.creators for a in c.accounts],
                "active_since": start + timedelta(days=pod.since_day),
                "post_ids": hit_posts,
            }
        )
        for cid in ids:
            out.per_creator[cid].setdefault("pod_ids", []).append(pod.pod_id)
    for cr in creators:  # (c) bot-comment bursts
        if "bot_comments" not in cr.fraud:
            continue
        mine_all: list[str] = []
        for acc in cr.accounts:
            mine = by_acc.get(acc.index, [])
            k = min(len(mine), int(rng.integers(4, 11)))
            for i in sorted(int(x) for x in rng.choice(mine, size=k, replace=False)):
                size = int(rng.integers(15, 61))
                out.extra.setdefault(i, []).extend(maker.bots(posts[i], size))
                posts[i].row["comments"] += size
                posts[i].row["likes"] += size
                pid = posts[i].row["post_id"]
                mine_all.append(pid)
                out.bot_posts[pid] = {
                    "creator_id": cr.creator_id,
                    "account_id": acc.account_id,
                    "bot_comments": size,
                    "date": posts[i].when.date(),
                }
        out.per_creator[cr.creator_id]["bot_comment_post_ids"] = mine_all
    return out
