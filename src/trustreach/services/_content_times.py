"""Best time to post for one account (use-case: posts + timing model + audit).

Reads the account's posts and its platform's (creators who objected to
profiling are left out of the peers), fits :func:`trustreach.content.best_posting_windows`
and writes one audit record per call (counts and a digest of the posts read;
no captions, no personal data). Times are computed in UTC and shown in the
audience's time zone as well (:func:`trustreach.content.audience_time_zone`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, String, and_, cast, select

from trustreach.content import (
    TimingAdvice,
    audience_time_zone,
    best_posting_windows,
)
from trustreach.content._timing import METHOD, METHOD_VERSION
from trustreach.core import (
    Actor,
    ConfigurationError,
    NotFoundError,
    Role,
    Settings,
    get_settings,
    require_role,
)
from trustreach.ethics.disclosure import generated_by
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._content_data import AccountRef, resolve_account
from trustreach.services._context import check_workspace, require_workspace, store
from trustreach.services._objections import objecting
from trustreach.store._tables import audience_snapshots, creator_accounts, creators, posts

AUDIT_ACTION = "content.best_times"
MODEL_NAME = "trustreach.content.timing"
MAX_TOP = 10


@dataclass(frozen=True)
class BestTimes:
    """The best windows to post on one account, with their evidence."""

    workspace: str
    account_id: str
    handle: str
    platform: str
    as_of: datetime
    advice: TimingAdvice
    audit_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the machine-generated marker (``generated_by``)."""
        body = self.advice.to_dict()
        return {
            "generated_by": generated_by(f"{METHOD} {METHOD_VERSION}"),
            "workspace": self.workspace,
            "account_id": self.account_id,
            "handle": self.handle,
            "platform": self.platform,
            "as_of": self.as_of.isoformat(),
            **{k: v for k, v in body.items() if k != "account_id"},
            "audit_seq": self.audit_seq,
        }


def _readable(actor: Actor, workspace: str | None) -> str:
    require_role(actor, Role.analyst, Role.approver, Role.auditor, Role.creator)
    ws = check_workspace(workspace or actor.workspace)
    if ws != actor.workspace:
        raise NotFoundError(f"workspace {ws!r} not found")
    if actor.role is Role.creator and not actor.creator_id:
        raise ConfigurationError("a creator login must name its creator_id")
    return ws


def best_times(
    account: str,
    *,
    actor: Actor,
    workspace: str | None = None,
    top: int = 3,
    as_of: datetime | None = None,
    settings: Settings | None = None,
) -> BestTimes:
    """The ``top`` windows of the week to post on ``account``, and why.

    Parameters
    ----------
    account
        An ``account_id``, ``@handle`` or ``handle@platform``.
    actor
        Who asks: analyst, approver, auditor or admin; a creator's login only
        for their own accounts (another's answers "not found").
    workspace
        The actor's workspace (default); another answers "not found".
    top
        How many windows, 1 to :data:`MAX_TOP`.
    as_of
        Learn only from posts before this moment (default: now); its week
        gives the UTC offset used to show local times.

    Raises
    ------
    NotFoundError
        The account is not in the workspace (or not the creator's own).
    ConfigurationError
        ``top`` out of range, or an account reference that matches several accounts.
    """
    if not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise ConfigurationError(f"top must be a whole number from 1 to {MAX_TOP}, got {top!r}")
    settings = settings or get_settings()
    ws = _readable(actor, workspace)
    if as_of is None:
        when = datetime.now(UTC)
    elif as_of.tzinfo is None:
        when = as_of.replace(tzinfo=UTC)
    else:
        when = as_of.astimezone(UTC)
    with store(settings) as engine:
        with engine.connect() as c:
            require_workspace(c, ws, settings)
            ref = resolve_account(c, ws, account)
            if actor.role is Role.creator and ref.creator_id != actor.creator_id:
                raise NotFoundError(f"account {account!r} not found in workspace {ws!r}")
            frame = timing_frame(c, ws, platform=ref.platform, until=when, keep=ref.creator_id)
        advice = best_posting_windows(
            frame,
            ref.account_id,
            niche=ref.niches[0] if ref.niches else None,
            top=top,
            zone=audience_time_zone(ref.audience_countries, ref.creator_country),
            as_of=when,
        )
        with audited_transaction(settings, engine) as c:
            entry = record_audit(
                settings,
                c,
                actor=actor.audit_name,
                action=AUDIT_ACTION,
                subject=f"account {ref.account_id}",
                workspace=ws,
                input_digest=_digest(ref, frame, top, when),
                model_name=MODEL_NAME,
                model_version=METHOD_VERSION,
                details={
                    "top": top,
                    "as_of": when.isoformat(),
                    "own_posts": advice.own_posts,
                    "peer_posts": advice.peer_posts,
                    "peer_accounts": advice.peer_accounts,
                    "platform_posts": advice.platform_posts,
                    "windows": len(advice.windows),
                    "time_zone": advice.zone.zone,
                },
            )
        confirm_anchor(settings, entry.head)
    return BestTimes(
        workspace=ws,
        account_id=ref.account_id,
        handle=ref.handle,
        platform=ref.platform,
        as_of=when,
        advice=advice,
        audit_seq=entry.seq,
    )


def _digest(ref: AccountRef, frame: pl.DataFrame, top: int, when: datetime) -> str:
    """A digest of what the answer was computed from (post ids and their figures)."""
    h = hashlib.sha256(f"{ref.account_id}|{top}|{when.isoformat()}|{METHOD_VERSION}".encode())
    if not frame.is_empty():
        h.update("\n".join(frame["post_id"].to_list()).encode())
        h.update("\n".join(frame["media_type"].fill_null("").to_list()).encode())
        for column in ("engagements", "followers"):
            h.update(frame[column].fill_null(-1).to_numpy().astype("<i8").tobytes())
    return h.hexdigest()


TIMING_COLUMNS = (
    "post_id",
    "account_id",
    "niches",
    "posted_at",
    "media_type",
    "followers",
    "engagements",
)


def timing_frame(
    connection: Connection,
    workspace: str,
    *,
    platform: str,
    until: datetime | None = None,
    keep: str | None = None,
) -> pl.DataFrame:
    """The platform's posts in the columns the timing model reads (:data:`TIMING_COLUMNS`).

    The same figures as :func:`~trustreach.services._content_data.posts_frame`
    (followers on the day of the post, ``engagements = likes + comments +
    shares``, objecting creators left out except ``keep``), read without the
    captions and hashtags, which the timing model does not need: one call on
    a platform of a few thousand posts stays within the latency budget.
    """
    accounts = connection.execute(
        select(
            creator_accounts.c.account_id,
            creator_accounts.c.creator_id,
            creator_accounts.c.followers_count,
            creators.c.niches,
        )
        .join(
            creators,
            and_(
                creators.c.workspace == creator_accounts.c.workspace,
                creators.c.creator_id == creator_accounts.c.creator_id,
            ),
        )
        .where(creator_accounts.c.workspace == workspace, creator_accounts.c.platform == platform)
    ).all()
    barred = objecting(connection, workspace, [str(a.creator_id) for a in accounts])
    barred.discard(keep or "")
    kept = [a for a in accounts if str(a.creator_id) not in barred]
    schema: dict[str, Any] = {
        "post_id": pl.String,
        "account_id": pl.String,
        "niches": pl.List(pl.String),
        "posted_at": pl.Datetime("us", "UTC"),
        "media_type": pl.String,
        "followers": pl.Int64,
        "engagements": pl.Int64,
    }
    if not kept:
        return pl.DataFrame(schema=schema)
    ids = sorted(str(a.account_id) for a in kept)
    query = select(
        posts.c.post_id,
        posts.c.account_id,
        posts.c.posted_at,
        posts.c.media_type,
        posts.c.likes,
        posts.c.comments,
        posts.c.shares,
    ).where(posts.c.workspace == workspace, posts.c.account_id.in_(ids))
    if until is not None:
        query = query.where(posts.c.posted_at < until)
    rows = connection.execute(query).all()
    if not rows:
        return pl.DataFrame(schema=schema)
    cols = list(zip(*rows, strict=True))
    frame = pl.DataFrame(
        {
            "post_id": pl.Series(cols[0], dtype=pl.String),
            "account_id": pl.Series(cols[1], dtype=pl.String),
            "posted_at": pl.Series(cols[2]),
            "media_type": pl.Series(cols[3], dtype=pl.String),
            "likes": pl.Series(cols[4], dtype=pl.Int64),
            "comments": pl.Series(cols[5], dtype=pl.Int64),
            "shares": pl.Series(cols[6], dtype=pl.Int64),
        }
    )
    posted = frame["posted_at"]
    if posted.dtype == pl.String:
        posted = posted.str.to_datetime(time_zone="UTC")
    elif isinstance(posted.dtype, pl.Datetime) and posted.dtype.time_zone is None:
        posted = posted.dt.replace_time_zone("UTC")
    else:
        posted = posted.dt.convert_time_zone("UTC")
    info = pl.DataFrame(
        {
            "account_id": [str(a.account_id) for a in kept],
            "niches": [[str(n) for n in (a.niches or [])] for a in kept],
            "_count": [int(a.followers_count or 0) for a in kept],
        },
        schema={"account_id": pl.String, "niches": pl.List(pl.String), "_count": pl.Int64},
    )
    frame = frame.with_columns(
        posted.dt.cast_time_unit("us").alias("posted_at"),
        (pl.col("likes") + pl.col("comments") + pl.col("shares").fill_null(0)).alias("engagements"),
    ).join(info, on="account_id", how="left")
    snaps = connection.execute(
        select(
            audience_snapshots.c.account_id,
            # as ISO text: parsed in one go below, not row by row (the bulk of the rows)
            cast(audience_snapshots.c.captured_on, String),
            audience_snapshots.c.followers_count,
        ).where(
            audience_snapshots.c.workspace == workspace,
            audience_snapshots.c.account_id.in_(ids),
            audience_snapshots.c.followers_count.is_not(None),
        )
    ).all()
    frame = frame.with_columns(pl.col("posted_at").dt.date().alias("_day"))
    if snaps:
        s_cols = list(zip(*snaps, strict=True))
        days = pl.Series(s_cols[1], dtype=pl.String).str.slice(0, 10).str.to_date("%Y-%m-%d")
        snap = pl.DataFrame(
            {
                "account_id": pl.Series(s_cols[0], dtype=pl.String),
                "_day": days.cast(pl.Date),
                "_snap": pl.Series(s_cols[2], dtype=pl.Int64),
            }
        ).sort("account_id", "_day")
        frame = frame.sort("account_id", "_day").join_asof(
            snap, on="_day", by="account_id", strategy="backward", check_sortedness=False
        )
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("_snap"))
    return (
        frame.with_columns(pl.coalesce("_snap", "_count").alias("followers"))
        .sort("account_id", "posted_at", "post_id")
        .select(TIMING_COLUMNS)
    )
