"""A tiny, hand-written interchange world for import tests (every kind, every reference)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

RAW_HANDLES = ["jane_doe1987", "bot_4471x", "marco.polo"]

TINY: dict[str, list[dict[str, Any]]] = {
    "brands": [{"brand_id": "b1", "name": "Acme Skin", "category": "beauty", "country": "US"}],
    "creators": [
        {"creator_id": "c1", "display_name": "Ana Glow", "niches": ["beauty", "skincare"],
         "country": "US", "language": "en"},
        {"creator_id": "c2", "display_name": "Max Lifts", "niches": ["fitness"]},
    ],
    "creator_accounts": [
        {"account_id": "ig_c1", "creator_id": "c1", "platform": "instagram", "handle": "anaglow",
         "followers_count": 120000, "verified": True},
        {"account_id": "tt_c2", "creator_id": "c2", "platform": "tiktok", "handle": "maxlifts",
         "followers_count": 45000},
    ],
    "audience_snapshots": [
        {"account_id": "ig_c1", "captured_on": "2026-10-01", "followers_count": 119000,
         "age_bands": {"18-24": 0.4, "25-34": 0.35}, "genders": {"female": 0.7, "male": 0.28},
         "countries": {"US": 0.6, "GB": 0.1}},
        {"account_id": "ig_c1", "captured_on": "2026-10-02", "followers_count": 120000},
    ],
    "follower_accounts": [
        {"account_id": "f_1001", "username": RAW_HANDLES[0], "followers_count": 310,
         "following_count": 280, "posts_count": 45, "has_profile_pic": True, "is_private": False,
         "biography_length": 30, "full_name_length": 8, "has_external_url": False},
        {"account_id": "f_1002", "username": RAW_HANDLES[1], "followers_count": 3,
         "following_count": 7400, "posts_count": 0, "has_profile_pic": False, "is_private": False},
        {"account_id": "f_1003", "username": RAW_HANDLES[2], "followers_count": 1200},
    ],
    "follows": [
        {"creator_account_id": "ig_c1", "follower_account_id": "f_1001", "followed_on": "2026-09-03"},
        {"creator_account_id": "ig_c1", "follower_account_id": "f_1002"},
        {"creator_account_id": "tt_c2", "follower_account_id": "f_1003"},
    ],
    "campaigns": [
        {"campaign_id": "cmp1", "brand_id": "b1", "name": "Glow Week", "goal": "sales",
         "starts_on": "2026-10-01", "ends_on": "2026-10-14", "budget": 5000, "currency": "USD"},
    ],
    "briefs": [
        {"brief_id": "br1", "brand_id": "b1", "campaign_id": "cmp1", "goal": "sales",
         "topics": ["skincare", "spf"], "audience_countries": ["US"],
         "audience_age_bands": ["18-24", "25-34"], "platforms": ["instagram"], "budget": 5000,
         "currency": "USD", "category": "beauty"},
    ],
    "deals": [
        {"deal_id": "d1", "campaign_id": "cmp1", "creator_id": "c1", "compensation": "fee",
         "amount": 1500, "currency": "USD", "signed_on": "2026-09-20"},
    ],
    "posts": [
        {"post_id": "p1", "account_id": "ig_c1", "posted_at": "2026-10-02T18:30:00Z",
         "media_type": "reel", "caption": "#ad My SPF routine with @acmeskin #skincare",
         "likes": 5400, "comments": 210, "views": 88000, "paid_partnership": True,
         "campaign_id": "cmp1"},
        {"post_id": "p2", "account_id": "tt_c2", "posted_at": "2026-10-03T07:00:00+02:00",
         "media_type": "video", "caption": "Leg day", "hashtags": ["#Fitness", "gym"],
         "likes": 900, "comments": 12},
    ],
    "post_metrics": [
        {"post_id": "p1", "observed_at": "2026-10-03T18:30:00Z", "views": 41000, "reach": 30500,
         "impressions": 52000, "likes": 3100, "comments": 150, "shares": 80, "saves": 240,
         "link_clicks": 410, "source": "insights"},
        {"post_id": "p1", "observed_at": "2026-10-05T18:30:00Z", "views": 88000, "reach": 61000,
         "impressions": 104000, "likes": 5400, "comments": 210, "shares": 130, "saves": 390,
         "link_clicks": 720, "source": "insights"},
        {"post_id": "p2", "observed_at": "2026-10-04T07:00:00+02:00", "likes": 900,
         "comments": 12},
    ],
    "tracked_links": [
        {"link_id": "cmp1-c1-p1", "campaign_id": "cmp1", "creator_id": "c1", "post_id": "p1",
         "url": "https://acme.example/spf?utm_source=instagram&utm_content=cmp1-c1-p1"},
    ],
    "comments": [
        {"comment_id": "k1", "post_id": "p1", "author_id": "f_1001", "posted_at": "2026-10-02T19:00:00Z",
         "text": f"@{RAW_HANDLES[2]} look at this, love it!", "likes": 3},
        {"comment_id": "k2", "post_id": "p1", "author_id": "f_1002", "posted_at": "2026-10-02T19:01:00Z",
         "text": "🔥🔥🔥"},
    ],
    "tracking_events": [
        {"event_id": "e1", "campaign_id": "cmp1", "occurred_at": "2026-10-02T19:05:00Z",
         "event_type": "click", "post_id": "p1", "creator_id": "c1", "link_id": "cmp1-c1-p1",
         "touch_key": "v-8f3a2c"},
        {"event_id": "e2", "campaign_id": "cmp1", "occurred_at": "2026-10-02T19:20:00Z",
         "event_type": "purchase", "post_id": "p1", "creator_id": "c1", "value": 39.5,
         "currency": "USD", "order_id": "1001", "promo_code": "GLOW10", "touch_key": "v-8f3a2c"},
    ],
    "consent_records": [
        {"consent_id": "cs1", "creator_id": "c1", "purpose": "profiling", "granted": True,
         "recorded_at": "2026-09-01T10:00:00Z", "source": "signed form"},
    ],
}  # fmt: skip


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_records(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write records in the format the suffix of ``path`` names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    elif path.suffix == ".csv":
        columns = list(dict.fromkeys(k for r in records for k in r))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for r in records:
                writer.writerow([_csv_cell(r.get(c)) for c in columns])
    elif path.suffix == ".parquet":
        rows = [
            {k: json.dumps(v) if isinstance(v, dict) else v for k, v in r.items()} for r in records
        ]
        columns = list(dict.fromkeys(k for r in rows for k in r))
        pq.write_table(pa.table({c: [r.get(c) for r in rows] for c in columns}), path)
    else:  # pragma: no cover
        raise ValueError(path.suffix)
    return path


def write_world(directory: Path, fmt: str = "jsonl") -> Path:
    """Write the tiny world, one file per kind, in ``fmt``."""
    for kind, records in TINY.items():
        write_records(directory / f"{kind}.{fmt}", records)
    return directory


def seal(settings: Any) -> None:
    """Record data a test seeded with SQL as one anchored audit record, as an import would.

    Every change to a store is audited, so the audit guard refuses to write to a
    store that holds data but no audit record (the log was emptied); a test that
    inserts rows behind the services' back calls this once after seeding.
    """
    from trustreach.ethics.audit import AnchorState, append_audit
    from trustreach.services import open_store
    from trustreach.services._audit_guard import _write_state

    engine = open_store(settings)
    with engine.begin() as connection:
        entry = append_audit(connection, actor="test", action="test.seed")
    engine.dispose()
    _write_state(settings, AnchorState(entry.head))
