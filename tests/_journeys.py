"""The two tenants of tests/_people.py, with enough of a world in ``acme`` for discovery.

:func:`seed_journeys` adds to workspace ``acme`` three skincare creators on
Instagram: ``c3`` (Ivy Spikes), whose follower history jumps by about a third
in one day, so her audit raises a strong follower-spike signal and a brief's
default authenticity policy holds her for review; and ``c4``, ``c5``, never
audited, so they are ranked. Creator ``c1`` (audited, Audience Quality under 50)
is held for review too. Workspace ``beta`` stays as it is. Nothing here is
large: the seed takes a few seconds.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests._people import seed_two_tenants
from tests._world import write_records

from trustreach import services
from trustreach.core import Settings

SKINCARE = ("skincare", "spf", "serum", "routine")

JOURNEY_BRIEF: dict[str, Any] = {
    "brief_id": "glow-spring",
    "brand": "Acme Skin",
    "objective": "awareness",
    "platforms": ["instagram"],
    "topics": ["skincare routine"],
    "category": "beauty",
    "budget": {"amount": 10_000, "currency": "USD"},
    "content_language": "en",
    "top_n": 5,
}
"""A brief that ranks c4 and c5 and holds c1 and c3 for review (as a mapping)."""


def _extra_world(folder: Path) -> Path:
    people = [("c3", "Ivy Spikes"), ("c4", "Lea Serum"), ("c5", "Noor Routine")]
    write_records(
        folder / "creators.jsonl",
        [
            {
                "creator_id": cid,
                "display_name": name,
                "niches": ["skincare"],
                "country": "US",
                "language": "en",
            }
            for cid, name in people
        ],
    )
    write_records(
        folder / "creator_accounts.jsonl",
        [
            {
                "account_id": f"ig_{cid}",
                "creator_id": cid,
                "platform": "instagram",
                "handle": name.lower().replace(" ", ""),
                "followers_count": 50_000 + 10_000 * i,
            }
            for i, (cid, name) in enumerate(people)
        ],
    )
    start = date(2026, 9, 1)
    snapshots = []
    for day in range(30):  # steady growth, then a third more followers in one day
        count = 50_000 + 25 * day + (17_000 if day >= 20 else 0)
        snapshots.append(
            {
                "account_id": "ig_c3",
                "captured_on": (start + timedelta(days=day)).isoformat(),
                "followers_count": count,
            }
        )
    write_records(folder / "audience_snapshots.jsonl", snapshots)
    write_records(
        folder / "posts.jsonl",
        [
            {
                "post_id": f"p_{cid}_{n}",
                "account_id": f"ig_{cid}",
                "posted_at": f"2026-09-{10 + n:02d}T12:00:00Z",
                "media_type": "image",
                "caption": f"My morning {SKINCARE[n % 4]} routine, step {n + 1}",
                "hashtags": ["skincare", SKINCARE[(n + 1) % 4]],
                "likes": 1_000 + 100 * n,
                "comments": 40 + n,
            }
            for cid, _ in people
            for n in range(6)
        ],
    )
    return folder


def seed_journeys(root: Path, settings: Settings) -> dict[str, str]:
    """:func:`tests._people.seed_two_tenants` plus the skincare creators of ``acme``.

    Returns ``"workspace/role" -> e-mail`` as ``seed_two_tenants`` does.
    """
    emails = seed_two_tenants(root, settings)
    services.import_path(_extra_world(root / "acme-more"), workspace="acme", settings=settings)
    services.audit_creator("c3", workspace="acme", settings=settings)
    return emails
