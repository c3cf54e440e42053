"""Rising topics in a niche, or in the niches of an account's audience (use-case).

Reads the posts of the recent and baseline windows of every creator who
declares the niche (for an account: each of its niches, on its platform;
creators who objected to profiling are left out, except the account's own),
their hashtags and captions, and the words of their comments (authors only
counted, to leave out a creator's pod-like regulars), runs
:func:`trustreach.content.detect_rising` and writes one audit record per call
(counts and a digest of the posts read; no captions, no comment text, no
personal data).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from trustreach.content import TREND_METHOD, TrendScan, detect_rising, topic_mentions
from trustreach.core import (
    Actor,
    ConfigurationError,
    PermissionDenied,
    Role,
    Settings,
    get_settings,
)
from trustreach.ethics.disclosure import generated_by
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._content_data import as_utc, latest_post, own_account, posts_frame
from trustreach.services._context import readable_workspace, require_workspace, store
from trustreach.store._tables import comments, creators

AUDIT_ACTION = "content.rising_topics"
RECENT_DAYS = 14
BASELINE_DAYS = 56
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2999, 12, 31)  # as_of's allowed range
CHUNK = 900  # post ids per comments query
LIMITS = (
    "A topic is rising against its own baseline in these posts, not across the platform.",
    "Posts of one creator are not independent; a topic needs posts from at least 3 creators.",
    "Campaign posts (a paid-partnership flag or a disclosure in the caption) and their "
    "comments are left out; an undisclosed campaign's words can still rise.",
    "Keywords are words as written: no stemming, no translation.",
)


@dataclass(frozen=True)
class NicheTrends:
    """The scan of one niche (on one platform, for an account)."""

    niche: str
    platform: str | None
    creators: int
    scan: TrendScan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        body = self.scan.to_dict()
        body.pop("method", None)
        return {"niche": self.niche, "platform": self.platform, "creators": self.creators, **body}


@dataclass(frozen=True)
class RisingTopics:
    """Rising hashtags, keywords and comment themes, per niche, with their evidence."""

    workspace: str
    scope: str  # "niche" or "account"
    as_of: date
    niches: tuple[NicheTrends, ...]
    account_id: str | None = None
    handle: str | None = None
    platform: str | None = None
    audit_seq: int | None = None
    limits: tuple[str, ...] = field(default=LIMITS)

    @property
    def topics(self) -> list[tuple[str, Any]]:
        """``(niche, RisingTopic)`` over every niche, in each niche's order."""
        return [(n.niche, t) for n in self.niches for t in n.scan.topics]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the machine-generated marker (``generated_by``)."""
        return {
            "generated_by": generated_by(TREND_METHOD),
            "method": TREND_METHOD,
            "workspace": self.workspace,
            "scope": self.scope,
            "account_id": self.account_id,
            "handle": self.handle,
            "platform": self.platform,
            "as_of": self.as_of.isoformat(),
            "niches": [n.to_dict() for n in self.niches],
            "limits": list(self.limits),
            "audit_seq": self.audit_seq,
        }


def _as_day(as_of: date | datetime | str | None) -> date | None:
    if as_of is None:
        return None
    if isinstance(as_of, str):
        try:
            day = date.fromisoformat(as_of.strip()[:10])
        except ValueError:
            raise ConfigurationError(f"as_of must be a date (YYYY-MM-DD), got {as_of!r}") from None
    elif isinstance(as_of, datetime):
        day = as_utc(as_of).date()
    else:
        day = as_of
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ConfigurationError(
            f"as_of must be a date from {FIRST_DAY} to {LAST_DAY}, got {day.isoformat()}"
        )
    return day


def rising_topics(
    *,
    actor: Actor,
    niche: str | None = None,
    account: str | None = None,
    workspace: str | None = None,
    as_of: date | datetime | str | None = None,
    settings: Settings | None = None,
) -> RisingTopics:
    """Hashtags, keywords and comment themes rising in a niche or in an account's niches.

    Parameters
    ----------
    actor
        Who asks: analyst, approver, auditor or admin; a creator's login only for
        one of their own accounts (``account``; another's answers "not found").
    niche, account
        Exactly one: a niche some creator of the workspace declares, or an
        ``account_id`` / ``@handle`` / ``handle@platform`` (its niches, on its platform).
    workspace
        The actor's workspace (default); another answers "not found".
    as_of
        Last day of the recent window (default: the day of the latest post read).
    settings
        Store settings (default: the environment's).

    Raises
    ------
    ConfigurationError
        Neither or both of niche and account; an unknown niche (the known ones are
        listed); an account without niches; a malformed ``as_of``.
    NotFoundError
        The account is not in the workspace (or not the creator's own).
    PermissionDenied
        A creator asking about a whole niche.
    """
    if (niche is None) == (account is None):
        raise ConfigurationError("give exactly one of niche or account")
    settings = settings or get_settings()
    ws = readable_workspace(actor, workspace)
    if niche is not None and actor.role is Role.creator:
        raise PermissionDenied(
            "role 'creator' may ask for rising topics of its own account only (account=...)"
        )
    day = _as_day(as_of)
    with store(settings) as engine:
        with engine.connect() as c:
            require_workspace(c, ws, settings)
            known = _known_niches(c, ws)
            ref = None
            keep = None
            if account is not None:
                ref = own_account(c, ws, actor, account)
                wanted = [n.strip().casefold() for n in ref.niches if n.strip()]
                if not wanted:
                    raise ConfigurationError(
                        f"account {ref.account_id!r}: its creator declares no niche; "
                        f"ask for a niche instead (known: {', '.join(known) or 'none'})"
                    )
                keep = ref.creator_id
            else:
                assert niche is not None
                name = niche.strip().casefold()
                if name not in known:
                    raise ConfigurationError(
                        f"niche {niche!r} is not declared by any creator in workspace {ws!r}; "
                        f"known niches: {', '.join(known) or 'none'}"
                    )
                wanted = [name]
            platform = ref.platform if ref is not None else None
            frames = {
                n: _niche_frames(c, ws, n, platform, day, keep) for n in dict.fromkeys(wanted)
            }
        if day is None:
            lasts = [f[0]["posted_at"].max() for f in frames.values() if not f[0].is_empty()]
            seen = [x for x in lasts if isinstance(x, datetime)]
            day = max(seen).date() if seen else datetime.now(UTC).date()
        results = []
        digest = hashlib.sha256(f"{TREND_METHOD}|{day.isoformat()}|{platform}".encode())
        for n, (frame, said) in frames.items():
            scan = detect_rising(topic_mentions(frame, said), as_of=day)
            creators_n = int(frame["creator_id"].n_unique()) if not frame.is_empty() else 0
            results.append(NicheTrends(n, platform, creators_n, scan))
            digest.update(n.encode())
            digest.update(frame.select("post_id").write_csv().encode())
            digest.update(str(said.height).encode())
        subject = f"account {ref.account_id}" if ref is not None else f"niche {wanted[0]}"
        with audited_transaction(settings, engine) as c:
            entry = record_audit(
                settings,
                c,
                actor=actor.audit_name,
                action=AUDIT_ACTION,
                subject=subject,
                workspace=ws,
                input_digest=digest.hexdigest(),
                model_name="trustreach.content.trends",
                model_version=TREND_METHOD.rsplit("/", 1)[-1],
                details={
                    "as_of": day.isoformat(),
                    "niches": [
                        {
                            "niche": r.niche,
                            "posts": sum(r.scan.recent_volume.values())
                            + sum(r.scan.baseline_volume.values()),
                            "candidates": r.scan.candidates,
                            "topics": len(r.scan.topics),
                        }
                        for r in results
                    ],
                },
            )
        confirm_anchor(settings, entry.head)
    return RisingTopics(
        workspace=ws,
        scope="account" if ref is not None else "niche",
        as_of=day,
        niches=tuple(results),
        account_id=ref.account_id if ref is not None else None,
        handle=ref.handle if ref is not None else None,
        platform=platform,
        audit_seq=entry.seq,
    )


TREND_COLUMNS = (
    "post_id",
    "account_id",
    "creator_id",
    "posted_at",
    "caption",
    "hashtags",
    "paid_partnership",
    "engagements",
)
"""The columns of :func:`~trustreach.services._content_data.posts_frame` trends read."""


def _known_niches(c: Connection, workspace: str) -> list[str]:
    rows = c.execute(select(creators.c.niches).where(creators.c.workspace == workspace)).all()
    return sorted({str(n).strip().casefold() for (ns,) in rows for n in (ns or []) if n})


def _niche_frames(
    c: Connection,
    workspace: str,
    niche: str,
    platform: str | None,
    as_of: date | None,
    keep: str | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Posts (of the two windows) and their comments' words, of the niche's creators."""
    if as_of is None:
        last = latest_post(c, workspace, niche=niche, platform=platform, keep_creator=keep)
        as_of = None if last is None else last.date()
    since = until = None
    if as_of is not None:
        first = as_of - timedelta(days=RECENT_DAYS + BASELINE_DAYS - 1)
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)
        until = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)
    frame = posts_frame(
        c,
        workspace,
        columns=TREND_COLUMNS,
        niche=niche,
        platform=platform,
        since=since,
        until=until,
        keep_creator=keep,
    )
    if frame.is_empty():
        return frame, pl.DataFrame(schema={"post_id": pl.String, "text": pl.String})
    post_ids = frame["post_id"].to_list()
    rows: list[Any] = []
    for i in range(0, len(post_ids), CHUNK):  # by post: the index on (workspace, post_id)
        rows += c.execute(
            select(comments.c.post_id, comments.c.text, comments.c.author_key).where(
                comments.c.workspace == workspace,
                comments.c.post_id.in_(post_ids[i : i + CHUNK]),
            )
        ).all()
    cols = list(zip(*rows, strict=True)) if rows else [(), (), ()]
    said = pl.DataFrame(
        {
            "post_id": pl.Series(cols[0], dtype=pl.String),
            "text": pl.Series(cols[1], dtype=pl.String),
            "author": pl.Series(cols[2], dtype=pl.String),
        }
    )
    if said.is_empty():
        said = pl.DataFrame(schema={"post_id": pl.String, "text": pl.String, "author": pl.String})
    return frame, said


__all__ = ["AUDIT_ACTION", "NicheTrends", "RisingTopics", "rising_topics"]
