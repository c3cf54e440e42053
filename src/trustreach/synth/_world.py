"""Generate a whole synthetic world: one interchange file per kind plus ground truth.

File encodings are described in :mod:`trustreach.synth._io` (CSV: list fields
``;``-joined, dict fields JSON strings; Parquet: native lists, dict fields JSON
strings; JSONL: native lists and objects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl

from trustreach.core import replaced_atomically
from trustreach.synth._campaign_data import campaign_data
from trustreach.synth._commerce import (
    consent_records,
    make_brands,
    make_campaigns,
    tracking_events,
)
from trustreach.synth._content import CommentMaker, make_posts
from trustreach.synth._declared import (
    declaration_records,
    declare_attributes,
    declared_rates,
    exposure_gap_truth,
)
from trustreach.synth._followers import FollowerWriter, check_format, follower_frame
from trustreach.synth._followers import sample_feature_columns as _features
from trustreach.synth._fraud import inject_engagement, make_pods
from trustreach.synth._hashtag_effects import apply_hashtag_effects
from trustreach.synth._io import write_records
from trustreach.synth._population import (
    FollowerPool,
    assign_fraud,
    audience_rows,
    make_accounts,
    make_creators,
    sample_followers,
)
from trustreach.synth._trends import inject_trends
from trustreach.synth._truth import build_ground_truth, campaign_truth

END_DATE = date(2025, 6, 30)  # fixed, so a seed always gives the same files
KIND_ORDER = (
    "brands",
    "creators",
    "creator_accounts",
    "audience_snapshots",
    "follower_accounts",
    "follows",
    "campaigns",
    "briefs",
    "deals",
    "posts",
    "post_metrics",
    "tracked_links",
    "comments",
    "tracking_events",
    "consent_records",
    "declared_attributes",
)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class WorldSummary:
    """What :func:`generate_world` wrote.

    Attributes
    ----------
    out_dir
        The output folder.
    seed, fmt
        The arguments used.
    counts
        Records per kind.
    paths
        File per kind.
    ground_truth
        Path of ``ground_truth.json``.
    """

    out_dir: Path
    seed: int
    fmt: str
    counts: dict[str, int]
    paths: dict[str, Path]
    ground_truth: Path

    @property
    def total_records(self) -> int:
        """Records over all kinds."""
        return sum(self.counts.values())


def generate_world(
    out_dir: Path,
    *,
    seed: int,
    creators: int = 30,
    followers_per_creator: int = 2000,
    days: int = 180,
    fmt: str = "jsonl",
    progress: Progress | None = None,
) -> WorldSummary:
    """Write a deterministic synthetic world with injected, documented fraud.

    Parameters
    ----------
    out_dir
        Folder to write ``<kind>.<fmt>`` files and ``ground_truth.json`` into.
    seed
        Seed of the ``PCG64`` generator; the same seed gives byte-identical files.
    creators
        Number of creators (each has 1-2 platform accounts).
    followers_per_creator
        Follower accounts sampled per creator account.
    days
        Length of the observed period (ending 2025-06-30), at least 28.
    fmt
        ``"jsonl"``, ``"csv"`` or ``"parquet"``.
    progress
        Called as ``progress(stage, done, total)``.

    Returns
    -------
    WorldSummary
        Counts and paths.
    """
    check_format(fmt)
    if creators < 1 or followers_per_creator < 1 or days < 28:
        raise ValueError("need creators >= 1, followers_per_creator >= 1 and days >= 28")
    report = progress or (lambda stage, done, total: None)
    rng = np.random.Generator(np.random.PCG64(seed))
    start = END_DATE - timedelta(days=days - 1)
    crs = make_creators(creators, rng)
    assign_fraud(crs, rng)
    declare_attributes(crs, seed)  # child generator; sets the documented exposure gap
    accounts = make_accounts(crs, days, start, rng)
    pool = FollowerPool()
    for i, acc in enumerate(accounts):
        sample_followers(acc, followers_per_creator, days, pool, rng)
        report("followers", i + 1, len(accounts))
    cross: list[tuple[int, int, int]] = []
    for cr in crs:
        if len(cr.accounts) == 2:
            rows = cr.accounts[0].follower_rows
            for r in rows[rng.random(rows.size) < 0.1].tolist():
                cross.append((cr.accounts[1].index, int(r), int(rng.integers(0, days))))
    pods = make_pods(crs, pool, days, rng)
    is_fake = np.concatenate(pool.is_fake)
    fake_like = np.concatenate(pool.fake_like)
    owner = np.concatenate(pool.owner)
    follow_day = np.concatenate(pool.followed_on)
    feats = _features(fake_like, rng)
    for pod in pods:  # pod members run public, active profiles
        feats["is_private"][pod.rows] = False
        feats["has_profile_pic"][pod.rows] = True
    fids = [f"fol-{i + 1:06d}" for i in range(pool.size)]
    usernames = feats["username"].astype(np.str_)

    brands = make_brands(creators, rng)
    campaigns, briefs, deals, sponsored = make_campaigns(brands, crs, days, start, rng)
    posts = make_posts(crs, sponsored, days, start, rng)
    apply_hashtag_effects(posts, seed)  # child generator: hidden hashtag reach effects
    report("posts", len(posts), len(posts))
    end_dt = datetime(END_DATE.year, END_DATE.month, END_DATE.day, 23, 59, 59, tzinfo=UTC)
    maker = CommentMaker(usernames, is_fake, fids, end_dt, rng)
    fraud = inject_engagement(posts, crs, accounts, pods, maker, fids, start, rng)
    posts_per_account: dict[int, int] = {}
    for p in posts:
        posts_per_account[p.account.index] = posts_per_account.get(p.account.index, 0) + 1

    comments: list[dict[str, Any]] = []
    for i, post in enumerate(posts):
        batch = maker.organic(post) + fraud.extra.get(i, [])
        batch.sort(key=lambda c: (c["posted_at"], c["author_id"]))
        for c in batch:
            c["comment_id"] = f"cmt-{len(comments) + 1:07d}"
            comments.append(c)
    report("comments", len(comments), len(comments))
    trends = inject_trends(posts, comments, days, start, seed)  # child generator; captions only

    post_rows = {p.row["post_id"]: p.row for p in posts}
    events, order_seeds = tracking_events(
        post_rows, sponsored, crs, deals, campaigns, days, start, rng
    )
    over_time = campaign_data(  # its own child generator: the rest of the world is unchanged
        seed=seed,
        posts=post_rows,
        sponsored=sponsored,
        deals=deals,
        campaigns=campaigns,
        orders=order_seeds,
        events=events,
        start=start,
        end=end_dt,
    )
    events.extend(over_time.events)
    consents, withdrawn = consent_records(crs, days, start, rng)
    declarations, _, declared_truth = declaration_records(
        crs, consents, withdrawn, days, start, seed
    )
    rates = declared_rates(accounts, crs, seed)
    snapshots, minors = audience_rows(crs, days, start, rng)

    # ---- records
    follows: list[dict[str, Any]] = []
    acc_ids = [a.account_id for a in accounts]
    for r in range(pool.size):
        if owner[r] >= 0:
            follows.append(_follow(acc_ids[owner[r]], fids[r], start, int(follow_day[r])))
    for a, r, d in cross:
        follows.append(_follow(acc_ids[a], fids[r], start, max(d, int(follow_day[r]))))
    for pod in pods:
        for r, d in zip(pod.rows.tolist(), pod.joined.tolist(), strict=True):
            for cr in pod.creators:
                for acc in cr.accounts:
                    follows.append(_follow(acc.account_id, fids[r], start, d))
    records: dict[str, list[dict[str, Any]]] = {
        "brands": [
            {"brand_id": b.brand_id, "name": b.name, "category": b.category, "country": b.country}
            for b in brands
        ],
        "creators": [
            {
                "creator_id": c.creator_id,
                "display_name": c.display_name,
                "niches": c.niches,
                "country": c.country,
                "language": c.language,
            }
            for c in crs
        ],
        "creator_accounts": [
            {
                "account_id": a.account_id,
                "creator_id": crs[a.creator].creator_id,
                "platform": a.platform,
                "handle": a.handle,
                "followers_count": a.followers,
                "following_count": a.following,
                "posts_count": a.posts_before + posts_per_account.get(a.index, 0),
                "verified": a.verified,
                "rate_per_post": rates.get(a.account_id, (None, None))[0],
                "rate_currency": rates.get(a.account_id, (None, None))[1],
            }
            for a in accounts
        ],
        "audience_snapshots": snapshots,
        "follows": follows,
        "campaigns": campaigns,
        "briefs": briefs,
        "deals": deals,
        "posts": [p.row for p in posts],
        "post_metrics": over_time.post_metrics,
        "tracked_links": over_time.tracked_links,
        "comments": [{k: v for k, v in c.items() if not k.startswith("_")} for c in comments],
        "tracking_events": events,
        "consent_records": consents,
        "declared_attributes": declarations,
    }

    truth = build_ground_truth(
        seed=seed,
        parameters={
            "creators": creators,
            "followers_per_creator": followers_per_creator,
            "days": days,
            "fmt": fmt,
            "start_date": start,
            "end_date": END_DATE,
        },
        creators=crs,
        fraud=fraud,
        is_fake=is_fake,
        follower_ids=fids,
        posts=posts,
        comments=comments,
        sponsored=sponsored,
        brands=brands,
        campaigns=campaigns,
        deals=deals,
        minors=minors,
        withdrawn=withdrawn,
        start=start,
    )

    truth["exposure_gap"] = exposure_gap_truth(crs)
    truth["declared_attributes"] = declared_truth
    truth["campaign_performance"] = campaign_truth(over_time, campaigns, deals)
    truth.update(trends)

    # ---- write
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    paths: dict[str, Path] = {}
    for k, kind in enumerate(KIND_ORDER):
        path = out_dir / f"{kind}.{fmt}"
        with replaced_atomically(path) as tmp:  # a link at path is replaced, not followed
            if kind == "follower_accounts":
                with FollowerWriter(tmp, fmt) as writer:
                    frame = follower_frame(pl.Series("account_id", fids, dtype=pl.String), feats)
                    writer.write(frame)
                counts[kind] = pool.size
            else:
                counts[kind] = write_records(tmp, kind, records[kind], fmt)
        paths[kind] = path
        report("write", k + 1, len(KIND_ORDER))
    truth["counts"] = counts
    gt = out_dir / "ground_truth.json"
    with replaced_atomically(gt) as tmp:
        tmp.write_bytes(
            orjson.dumps(
                truth,
                option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY,
            )
        )
    return WorldSummary(out_dir, seed, fmt, counts, paths, gt)


def _follow(account_id: str, follower_id: str, start: date, day: int) -> dict[str, Any]:
    return {
        "creator_account_id": account_id,
        "follower_account_id": follower_id,
        "followed_on": start + timedelta(days=day),
    }


__all__ = ["END_DATE", "KIND_ORDER", "WorldSummary", "generate_world"]
