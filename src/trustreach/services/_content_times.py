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

from trustreach.content import (
    TimingAdvice,
    audience_time_zone,
    best_posting_windows,
)
from trustreach.content._timing import METHOD, METHOD_VERSION
from trustreach.core import (
    Actor,
    ConfigurationError,
    Settings,
    get_settings,
)
from trustreach.ethics.disclosure import generated_by
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._content_data import AccountRef, as_utc, own_account, posts_frame
from trustreach.services._context import readable_workspace, require_workspace, store

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
    ws = readable_workspace(actor, workspace)
    when = datetime.now(UTC) if as_of is None else as_utc(as_of)
    with store(settings) as engine:
        with engine.connect() as c:
            require_workspace(c, ws, settings)
            ref = own_account(c, ws, actor, account)
            frame = posts_frame(
                c,
                ws,
                columns=TIMING_COLUMNS,
                platform=ref.platform,
                until=when,
                keep_creator=ref.creator_id,
            ).with_columns(pl.col("followers").fill_null(0))  # no count known: none
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
"""The columns of :func:`~trustreach.services._content_data.posts_frame` the timing model reads."""
