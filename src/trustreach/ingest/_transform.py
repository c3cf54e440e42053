"""From validated interchange records to table rows, minimising as it goes.

- follower and commenter ids become keyed pseudonyms (the raw id is dropped);
- a follower's username becomes two counts and is dropped;
- @mentions in comment text are masked;
- hashtags missing from a post are taken from its caption;
- every deal records that it is a material connection (a disclosure duty).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import polars as pl
from pydantic import BaseModel

from trustreach.ethics.privacy import Pseudonymizer, mask_mentions, username_features

_HASHTAG = re.compile(r"#(\w{1,139})")


@dataclass(frozen=True)
class TransformContext:
    """What a transform needs besides the records: the tenant and the pseudonymizer."""

    workspace: str
    pseudonymizer: Pseudonymizer

    def pseudonymize(self, identifier: str) -> str:
        """The workspace-scoped pseudonym of a third party's id."""
        return self.pseudonymizer(self.workspace, identifier)


# Table columns written per kind (the workspace column comes first in every row).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "brands": ("brand_id", "name", "category", "country"),
    "creators": ("creator_id", "display_name", "niches", "country", "language", "virtual"),
    "creator_accounts": (
        "account_id", "creator_id", "platform", "handle",
        "followers_count", "following_count", "posts_count", "verified",
        "rate_per_post", "rate_currency",
    ),
    "audience_snapshots": (
        "account_id", "captured_on", "followers_count", "following_count",
        "age_bands", "genders", "countries",
    ),
    "follower_accounts": (
        "follower_key", "username_length", "username_digit_count", "full_name_length",
        "biography_length", "posts_count", "followers_count", "following_count",
        "has_profile_pic", "is_private", "has_external_url",
    ),
    "follows": ("creator_account_id", "follower_key", "followed_on"),
    "campaigns": (
        "campaign_id", "brand_id", "name", "goal", "starts_on", "ends_on", "budget", "currency",
    ),
    "briefs": (
        "brief_id", "brand_id", "campaign_id", "goal", "topics", "audience_countries",
        "audience_age_bands", "platforms", "budget", "currency", "category",
    ),
    "deals": (
        "deal_id", "campaign_id", "creator_id", "compensation", "amount", "currency",
        "affiliate_code", "signed_on", "material_connection",
    ),
    "posts": (
        "post_id", "account_id", "posted_at", "media_type", "caption", "hashtags",
        "likes", "comments", "views", "shares", "saves", "paid_partnership", "campaign_id",
        "disclosure_in_video", "spoken_disclosure", "ai_generated", "ai_altered",
    ),
    "post_metrics": (
        "post_id", "observed_at", "views", "reach", "impressions", "likes", "comments",
        "shares", "saves", "link_clicks", "source",
    ),
    "tracked_links": ("link_id", "campaign_id", "creator_id", "post_id", "url"),
    "comments": ("comment_id", "post_id", "author_key", "posted_at", "text", "likes"),
    "tracking_events": (
        "event_id", "campaign_id", "occurred_at", "event_type", "post_id", "creator_id",
        "quantity", "value", "currency", "order_id", "promo_code", "link_id", "touch_key",
    ),
    "consent_records": (
        "consent_id", "creator_id", "purpose", "granted", "recorded_at", "source",
    ),
    "declared_attributes": (
        "declaration_id", "creator_id", "attribute", "value", "declared_at", "consent_id",
    ),
}  # fmt: skip


# Natural keys of the column-path kinds, as the store's primary keys (a test checks).
COLUMN_KEYS: dict[str, tuple[str, ...]] = {
    "follower_accounts": ("workspace", "follower_key"),
    "follows": ("workspace", "creator_account_id", "follower_key"),
}


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def hashtags_from_caption(caption: str | None) -> list[str]:
    """Hashtags of a caption, lower-cased, in order, without repeats.

    >>> hashtags_from_caption("New drop! #Ad #ootd #ad")
    ['ad', 'ootd']
    """
    seen: dict[str, None] = {}
    for tag in _HASHTAG.findall(caption or ""):
        seen.setdefault(tag.lower(), None)
    return list(seen)


def _row(kind: str, record: Any, ctx: TransformContext) -> dict[str, Any]:
    data: dict[str, Any] = record.model_dump()
    if kind in ("creators", "briefs", "audience_snapshots"):
        for key in ("niches", "topics", "audience_countries", "audience_age_bands", "platforms",
                    "age_bands", "genders", "countries"):  # fmt: skip
            if key in data:
                data[key] = _json(data[key])
    elif kind == "follower_accounts":
        data["follower_key"] = ctx.pseudonymize(data.pop("account_id"))
        username = data.pop("username")
        if username is not None:
            data["username_length"], data["username_digit_count"] = username_features(username)
    elif kind == "follows":
        data["follower_key"] = ctx.pseudonymize(data.pop("follower_account_id"))
    elif kind == "posts":
        tags = data["hashtags"]
        tags = (
            hashtags_from_caption(data["caption"])
            if tags is None
            else [t.lstrip("#").lower() for t in tags]
        )
        data["hashtags"] = _json(tags)
    elif kind == "comments":
        data["author_key"] = ctx.pseudonymize(data.pop("author_id"))
        data["text"] = mask_mentions(data["text"])
    elif kind == "deals":
        data["material_connection"] = True
    return data


def rows_from_models(
    kind: str, models: Sequence[BaseModel], ctx: TransformContext
) -> list[tuple[Any, ...]]:
    """Table rows (``workspace`` first) for validated models of ``kind``."""
    columns = TABLE_COLUMNS[kind]
    out = []
    for record in models:
        data = _row(kind, record, ctx)
        out.append((ctx.workspace, *(_plain(data[c]) for c in columns)))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # the format's rule: no zone means UTC
    return value


def frame_to_table(
    kind: str, frame: pl.DataFrame, ctx: TransformContext, *, rows: list[int] | None = None
) -> pl.DataFrame:
    """Table frame (``workspace`` first) from a column-path frame of ``kind``.

    The result is unique by natural key (the last record wins, as a sequence
    of upserts would) and sorted by it, which is the order B-trees take fastest.
    With ``rows``, a ``_row`` column carries each record's row number along.
    """
    if kind == "follower_accounts":
        keys = ctx.pseudonymizer.many(ctx.workspace, frame["account_id"].to_list())
        frame = frame.with_columns(pl.Series("follower_key", keys, dtype=pl.String))
    elif kind == "follows":
        keys = ctx.pseudonymizer.many(ctx.workspace, frame["follower_account_id"].to_list())
        frame = frame.with_columns(pl.Series("follower_key", keys, dtype=pl.String))
    else:  # pragma: no cover - guarded by COLUMN_KINDS
        raise ValueError(f"no column transform for kind {kind!r}")
    extra = [pl.Series("_row", rows, dtype=pl.Int64)] if rows is not None else []
    keys = list(COLUMN_KEYS[kind])
    return (
        frame.select(pl.lit(ctx.workspace).alias("workspace"), *TABLE_COLUMNS[kind], *extra)
        .unique(subset=keys, keep="last", maintain_order=True)
        .sort(keys)
    )
