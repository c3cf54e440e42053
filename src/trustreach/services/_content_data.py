"""The posts content guidance learns from, read once in one shape.

:func:`resolve_account` finds the account a person named. :func:`posts_frame`
is the one reader of posts every content service uses, each asking only for the
columns it needs: it reads posts (of some accounts, or of every account in a
niche and platform) as a polars frame with these columns:

==================  =====================================================
``post_id``         str
``account_id``      str
``creator_id``      str
``platform``        str (``instagram``, ``tiktok``, ``youtube``, …)
``niches``          list[str], the creator's declared niches
``followers_count`` int or null: the account's current followers (as last
                    imported; what discovery's performance model takes)
``posted_at``       datetime (UTC, microseconds)
``media_type``      str
``caption``         str ("" when none)
``hashtags``        list[str], lower case, without ``#``
``likes``           int
``comments``        int
``views``           int or null
``shares``          int or null
``saves``           int or null
``paid_partnership`` bool
``followers``       int: the account's followers on the day of the post (the
                    latest audience snapshot on or before it, else the
                    account's current count)
``engagements``     int: ``likes + comments + shares`` (shares as 0 when
                    not reported), the figure discovery's performance model
                    predicts
==================  =====================================================

Creators who objected to profiling (GDPR Art. 21) are left out of peer pools
(``exclude_objecting=True``, the default for every read that is not about the
objecting creator's own account). :func:`latest_post` says when the latest
post such a read would return was posted. :func:`own_account` resolves an
account for an actor (a creator's login: only its own) and :func:`as_utc`
reads a moment as UTC, as every content service does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Date, String, and_, cast, func, select

from trustreach.core import Actor, ConfigurationError, NotFoundError, Role, closest_id
from trustreach.services._objections import objecting
from trustreach.store._tables import audience_snapshots, creator_accounts, creators, posts

POST_COLUMNS = (
    "post_id",
    "account_id",
    "creator_id",
    "platform",
    "niches",
    "followers_count",
    "posted_at",
    "media_type",
    "caption",
    "hashtags",
    "likes",
    "comments",
    "views",
    "shares",
    "saves",
    "paid_partnership",
    "followers",
    "engagements",
)


@dataclass(frozen=True)
class AccountRef:
    """One creator account as content guidance needs it.

    ``audience_countries`` holds the country shares of the latest audience
    snapshot that reports them (empty when none does): the audience's time
    zone is read from it.
    """

    account_id: str
    creator_id: str
    platform: str
    handle: str
    niches: tuple[str, ...]
    followers_count: int
    audience_countries: dict[str, float] = field(default_factory=dict)
    creator_country: str | None = None


def resolve_account(connection: Connection, workspace: str, reference: str) -> AccountRef:
    """The account a person meant: an ``account_id``, ``@handle``, or ``handle@platform``.

    A handle shared by several accounts (one creator on two platforms) is
    refused with the candidates listed; an unknown reference names the closest
    account ids.
    """
    wanted = reference.strip()
    if not wanted:
        raise ConfigurationError(
            "account must not be empty: give an account_id, @handle or handle@platform"
        )
    rows = connection.execute(
        select(
            creator_accounts.c.account_id,
            creator_accounts.c.creator_id,
            creator_accounts.c.platform,
            creator_accounts.c.handle,
            creator_accounts.c.followers_count,
            creators.c.niches,
            creators.c.country,
        )
        .join(
            creators,
            and_(
                creators.c.workspace == creator_accounts.c.workspace,
                creators.c.creator_id == creator_accounts.c.creator_id,
            ),
        )
        .where(creator_accounts.c.workspace == workspace)
    ).all()
    exact = [r for r in rows if r.account_id == wanted]
    if not exact:
        handle, _, platform = wanted.casefold().removeprefix("@").partition("@")
        exact = [
            r
            for r in rows
            if str(r.handle).casefold().removeprefix("@") == handle
            and (not platform or str(r.platform).casefold() == platform)
        ]
    if len(exact) > 1:
        names = ", ".join(f"{r.account_id} (@{r.handle} on {r.platform})" for r in exact)
        raise ConfigurationError(
            f"account {reference!r} matches several accounts: {names}; "
            "give the account_id or handle@platform"
        )
    if not exact:
        hint = closest_id(wanted, [str(r.account_id) for r in rows])
        raise NotFoundError(
            f"account {reference!r} not found in workspace {workspace!r}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
        )
    row = exact[0]
    countries = connection.execute(
        select(audience_snapshots.c.countries)
        .where(
            audience_snapshots.c.workspace == workspace,
            audience_snapshots.c.account_id == row.account_id,
            audience_snapshots.c.countries.is_not(None),
        )
        .order_by(audience_snapshots.c.captured_on.desc())
        .limit(1)
    ).scalar()
    return AccountRef(
        account_id=str(row.account_id),
        creator_id=str(row.creator_id),
        platform=str(row.platform),
        handle=str(row.handle),
        niches=tuple(str(n) for n in (row.niches or [])),
        followers_count=int(row.followers_count or 0),
        audience_countries={str(k): float(v) for k, v in (countries or {}).items()},
        creator_country=row.country,
    )


def own_account(connection: Connection, workspace: str, actor: Actor, reference: str) -> AccountRef:
    """:func:`resolve_account`, for ``actor``: a creator's login finds only its own
    creator's accounts (another creator's answers "not found", as an unknown one)."""
    ref = resolve_account(connection, workspace, reference)
    if actor.role is Role.creator and ref.creator_id != actor.creator_id:
        raise NotFoundError(f"account {reference!r} not found in workspace {workspace!r}")
    return ref


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one is taken to be UTC already.

    >>> as_utc(datetime(2026, 1, 5, 9)).isoformat()
    '2026-01-05T09:00:00+00:00'
    """
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def posts_frame(
    connection: Connection,
    workspace: str,
    *,
    columns: Sequence[str] = POST_COLUMNS,
    account_ids: Sequence[str] | None = None,
    niche: str | None = None,
    platform: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    exclude_objecting: bool = True,
    keep_creator: str | None = None,
) -> pl.DataFrame:
    """Posts with their account's context, in the columns of :data:`POST_COLUMNS`.

    Parameters
    ----------
    connection, workspace
        Where to read.
    columns
        Which of :data:`POST_COLUMNS` to return, in this order (default: all).
        Only what they need is read: a caller without ``caption`` or
        ``hashtags`` never loads the texts, one without ``followers`` never
        looks up the audience snapshots (one index look-up per post otherwise).
    account_ids
        Only these accounts' posts (None: every account).
    niche
        Only creators who declared this niche (case-insensitive, surrounding
        spaces ignored).
    platform
        Only accounts on this platform.
    since, until
        Only posts with ``since <= posted_at < until``.
    exclude_objecting
        Leave out creators who objected to profiling ...
    keep_creator
        ... except this one (the account being advised is the creator's own).

    Rows are ordered by ``account_id``, ``posted_at`` and ``post_id``. When the
    filters keep only some of the accounts (a niche, ``account_ids``, objecting
    creators), their posts are read by account id, in batches, through the
    posts' (workspace, account, time) index.
    """
    unknown = [c for c in columns if c not in POST_COLUMNS]
    if unknown:
        raise ConfigurationError(f"columns {unknown} not known; allowed: {', '.join(POST_COLUMNS)}")
    accounts, narrowed = _accounts(
        connection,
        workspace,
        account_ids=account_ids,
        niche=niche,
        platform=platform,
        exclude_objecting=exclude_objecting,
        keep_creator=keep_creator,
    )
    if accounts.is_empty():
        return _empty().select(columns)
    wanted = set(columns)
    if "engagements" in wanted:
        wanted |= {"likes", "comments", "shares"}
    read = [c for c in _POST_READS if c in wanted]
    reads = [_POST_READS[c] for c in read]
    if "followers" in wanted:
        read.append("followers")
        reads.append(_snapshot_followers(connection))
    query = select(
        posts.c.post_id,
        posts.c.account_id,
        _as_text(connection, posts.c.posted_at),
        *reads,
    ).where(posts.c.workspace == workspace)
    if since is not None:
        query = query.where(posts.c.posted_at >= since)
    if until is not None:
        query = query.where(posts.c.posted_at < until)
    if narrowed:
        rows = _by_accounts(connection, query, posts.c.account_id, accounts["account_id"])
    else:
        if platform is not None:
            query = query.join(
                creator_accounts,
                and_(
                    creator_accounts.c.workspace == posts.c.workspace,
                    creator_accounts.c.account_id == posts.c.account_id,
                ),
            ).where(creator_accounts.c.platform == platform)
        rows = list(connection.execute(query).all())
    if not rows:
        return _empty().select(columns)
    names = ["post_id", "account_id", "posted_at", *read]
    values = list(zip(*rows, strict=True))
    frame = pl.DataFrame(
        [
            pl.Series(name, column, dtype=_SCHEMA[name] if name in _TEXT_OR_COUNT else None)
            for name, column in zip(names, values, strict=True)
        ]
    )
    frame = frame.with_columns(_utc(frame["posted_at"]).alias("posted_at"), *_decoded(read))
    frame = frame.join(accounts, on="account_id", how="inner")
    if "engagements" in columns:
        frame = frame.with_columns(
            (pl.col("likes") + pl.col("comments") + pl.col("shares").fill_null(0)).alias(
                "engagements"
            )
        )
    if "followers" in columns:
        frame = frame.with_columns(pl.coalesce("followers", "followers_count").alias("followers"))
    return frame.sort("account_id", "posted_at", "post_id").select(columns)


def latest_post(
    connection: Connection,
    workspace: str,
    *,
    account_ids: Sequence[str] | None = None,
    niche: str | None = None,
    platform: str | None = None,
    exclude_objecting: bool = True,
    keep_creator: str | None = None,
) -> datetime | None:
    """When the latest post :func:`posts_frame` would read with these filters was
    posted (UTC; None when there is none)."""
    accounts, _ = _accounts(
        connection,
        workspace,
        account_ids=account_ids,
        niche=niche,
        platform=platform,
        exclude_objecting=exclude_objecting,
        keep_creator=keep_creator,
    )
    query = select(func.max(posts.c.posted_at)).where(posts.c.workspace == workspace)
    found = [
        row[0]
        for row in _by_accounts(connection, query, posts.c.account_id, accounts["account_id"])
        if row[0] is not None
    ]
    if not found:
        return None
    latest = _utc(pl.Series("posted_at", found)).max()
    return latest if isinstance(latest, datetime) else None


_POST_READS: dict[str, Any] = {
    "media_type": posts.c.media_type,
    "caption": posts.c.caption,
    "hashtags": cast(posts.c.hashtags, String).label("hashtags"),
    "likes": posts.c.likes,
    "comments": posts.c.comments,
    "views": posts.c.views,
    "shares": posts.c.shares,
    "saves": posts.c.saves,
    "paid_partnership": posts.c.paid_partnership,
}
"""The posts' own columns a caller may ask for, as read (JSON lists as text)."""

_SCHEMA: dict[str, Any] = {
    "post_id": pl.String,
    "account_id": pl.String,
    "creator_id": pl.String,
    "platform": pl.String,
    "niches": pl.List(pl.String),
    "followers_count": pl.Int64,
    "posted_at": pl.Datetime("us", "UTC"),
    "media_type": pl.String,
    "caption": pl.String,
    "hashtags": pl.List(pl.String),
    "likes": pl.Int64,
    "comments": pl.Int64,
    "views": pl.Int64,
    "shares": pl.Int64,
    "saves": pl.Int64,
    "paid_partnership": pl.Boolean,
    "followers": pl.Int64,
    "engagements": pl.Int64,
}
_TEXT_OR_COUNT = {"post_id", "account_id", "media_type", "caption", "likes", "comments", "views"}
_TEXT_OR_COUNT |= {"shares", "saves", "followers"}
BATCH = 500
"""Account ids per query when posts are read by account (well under every store's
limit on bound parameters)."""
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S%.f"  # how SQLAlchemy writes a DateTime into SQLite


def _as_text(connection: Connection, column: Any) -> Any:
    """``column`` as stored text on SQLite (parsed in one go by Polars, not row by row by
    the driver), as itself elsewhere (PostgreSQL's driver returns datetimes natively)."""
    if connection.dialect.name == "sqlite":
        return cast(column, String).label(column.name)
    return column


def _by_accounts(connection: Connection, query: Any, account: Any, ids: pl.Series) -> list[Any]:
    """The rows of ``query`` for the accounts ``ids``, :data:`BATCH` ids per query."""
    wanted = ids.unique().sort().to_list()
    rows: list[Any] = []
    for i in range(0, len(wanted), BATCH):
        rows += connection.execute(query.where(account.in_(wanted[i : i + BATCH]))).all()
    return rows


def _accounts(
    connection: Connection,
    workspace: str,
    *,
    account_ids: Sequence[str] | None,
    niche: str | None,
    platform: str | None,
    exclude_objecting: bool,
    keep_creator: str | None,
) -> tuple[pl.DataFrame, bool]:
    """The accounts whose posts are read, with their creator, platform, niches and count;
    and whether they are fewer than the workspace's (platform's) accounts."""
    query = select(
        creator_accounts.c.account_id,
        creator_accounts.c.creator_id,
        creator_accounts.c.platform,
        creators.c.niches,
        creator_accounts.c.followers_count,
    ).join(
        creators,
        and_(
            creators.c.workspace == creator_accounts.c.workspace,
            creators.c.creator_id == creator_accounts.c.creator_id,
        ),
    )
    query = query.where(creator_accounts.c.workspace == workspace)
    if platform is not None:
        query = query.where(creator_accounts.c.platform == platform)
    rows = every = connection.execute(query).all()
    if account_ids is not None:
        chosen = set(account_ids)
        rows = [r for r in rows if r.account_id in chosen]
    if niche is not None:
        folded = niche.strip().casefold()
        rows = [r for r in rows if folded in {str(n).strip().casefold() for n in (r.niches or [])}]
    if exclude_objecting and rows:
        barred = objecting(connection, workspace)
        barred.discard(keep_creator or "")
        rows = [r for r in rows if r.creator_id not in barred]
    frame = pl.DataFrame(
        {
            "account_id": [str(r.account_id) for r in rows],
            "creator_id": [str(r.creator_id) for r in rows],
            "platform": [str(r.platform) for r in rows],
            "niches": [[str(n) for n in (r.niches or [])] for r in rows],
            "followers_count": [r.followers_count for r in rows],
        },
        schema={name: _SCHEMA[name] for name in _ACCOUNT_COLUMNS},
    )
    return frame, len(rows) < len(every)


_ACCOUNT_COLUMNS = ("account_id", "creator_id", "platform", "niches", "followers_count")


def _utc(posted: pl.Series) -> pl.Series:
    """Timestamps as UTC microseconds, whichever way the store's driver returned them."""
    if posted.dtype == pl.String:
        parsed = posted.str.to_datetime(_SQLITE_TIME, time_zone="UTC", strict=False)
        if parsed.null_count() > posted.null_count():  # written some other way: let Polars infer
            parsed = posted.str.to_datetime(time_zone="UTC")
        posted = parsed
    elif isinstance(posted.dtype, pl.Datetime) and posted.dtype.time_zone is None:
        posted = posted.dt.replace_time_zone("UTC")
    else:
        posted = posted.dt.convert_time_zone("UTC")
    return posted.dt.cast_time_unit("us")


def _decoded(read: Sequence[str]) -> list[pl.Expr]:
    """Casts of the read columns to :data:`_SCHEMA` (hashtags: JSON text to a lower-case list)."""
    out: list[pl.Expr] = []
    for name in read:
        if name == "hashtags":
            out.append(
                pl.col("hashtags")
                .fill_null("[]")
                .str.json_decode(pl.List(pl.String))
                .list.eval(pl.element().str.strip_chars_start("#").str.to_lowercase())
            )
        elif name == "caption":
            out.append(pl.col("caption").fill_null(""))
        else:
            out.append(pl.col(name).cast(_SCHEMA[name]))
    return out


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_SCHEMA).select(POST_COLUMNS)


def _snapshot_followers(connection: Connection) -> Any:
    """The followers of the post's account on the day of the post (UTC): its latest
    audience snapshot on or before that day, looked up per post through the snapshots'
    primary key (null when none is that old)."""
    if connection.dialect.name == "sqlite":
        day: Any = func.date(posts.c.posted_at)  # stored as UTC text
    else:
        day = cast(func.timezone("UTC", posts.c.posted_at), Date)
    snap = audience_snapshots.c
    return (
        select(snap.followers_count)
        .where(
            snap.workspace == posts.c.workspace,
            snap.account_id == posts.c.account_id,
            snap.captured_on <= day,
            snap.followers_count.is_not(None),
        )
        .order_by(snap.captured_on.desc())
        .limit(1)
        .scalar_subquery()
        .label("followers")
    )
