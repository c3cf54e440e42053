"""Hashtag suggestions for a draft caption or an account (use-case: store + domain + audit).

Reads the workspace's posts once (the columns of
:func:`~trustreach.services._content_data.posts_frame` that hashtags need,
:data:`HASHTAG_COLUMNS`; creators who objected to profiling are left out of
the peers, the account's own creator is kept), ranks the tags with
:func:`trustreach.content.rank_hashtags` and writes one audit record per call:
the account, a digest of the caption (never its text), its length, and the
tags suggested.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trustreach.content import (
    HashtagAdvice,
    HashtagSuggestion,
    blocklist,
    hashtag_evidence,
    rank_hashtags,
)
from trustreach.content._hashtags import INTERVAL, METHOD, METHOD_VERSION
from trustreach.core import (
    Actor,
    ConfigurationError,
    Settings,
    get_settings,
)
from trustreach.ethics.disclosure import generated_by
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._content_data import AccountRef, own_account, posts_frame
from trustreach.services._context import readable_workspace, require_workspace, store

AUDIT_ACTION = "content.hashtags"
MAX_CAPTION_CHARS = 2200  # Instagram's caption limit, the longest of the platforms'
MAX_TOP = 50
NOTE = (
    "associations in past posts, not a promise: a tag's lift is what posts carrying it drew, "
    "controlling for the account's level, media type and trend; a person decides"
)


@dataclass(frozen=True)
class HashtagSuggestions:
    """Suggested hashtags for a caption and/or an account, with their evidence."""

    workspace: str
    account_id: str | None
    handle: str | None
    platform: str | None
    caption_chars: int | None
    advice: HashtagAdvice
    generated_at: datetime
    audit_seq: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def suggestions(self) -> tuple[HashtagSuggestion, ...]:
        """The ranked suggestions, best first."""
        return self.advice.suggestions

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (CLI ``--format json`` and the API)."""
        a = self.advice
        return {
            "workspace": self.workspace,
            "account_id": self.account_id,
            "handle": self.handle,
            "platform": self.platform,
            "caption_chars": self.caption_chars,
            "generated_at": self.generated_at.isoformat(),
            "generated_by": generated_by(f"{METHOD} {METHOD_VERSION}; {a.embedding}"),
            "method": METHOD,
            "method_version": METHOD_VERSION,
            "embedding": a.embedding,
            "blocklist_version": a.blocklist_version,
            "interval": INTERVAL,
            "niches": list(a.niches),
            "caption_niches": [{"niche": n, "vote_share": v} for n, v in a.caption_niches],
            "evidence": {
                "account_posts": a.account_posts,
                "peer_posts": a.peer_posts,
                "candidates": a.candidates,
            },
            "suggestions": [s.to_dict() for s in a.suggestions],
            "excluded": [
                {"tag": b.tag, "group": b.group, "reason": b.reason, "source": b.source}
                for b in a.excluded
            ],
            "notes": list(self.notes),
            "note": NOTE,
            "audit_seq": self.audit_seq,
        }


HASHTAG_COLUMNS = (
    "post_id",
    "account_id",
    "creator_id",
    "platform",
    "niches",
    "posted_at",
    "media_type",
    "caption",
    "hashtags",
    "engagements",
)
"""The columns of :func:`~trustreach.services._content_data.posts_frame` hashtags read
(no followers on the day: the reach fit controls for the account's level and trend)."""


def _digest(caption: str | None, account_id: str | None, top: int) -> str:
    h = hashlib.sha256()
    h.update(f"{account_id or ''}\x1f{top}\x1f".encode())
    h.update((caption or "").encode())
    return h.hexdigest()


def suggest_hashtags(
    *,
    actor: Actor,
    caption: str | None = None,
    account: str | None = None,
    workspace: str | None = None,
    top: int = 10,
    settings: Settings | None = None,
) -> HashtagSuggestions:
    """Suggest hashtags for a draft caption, an account, or a caption on an account.

    Parameters
    ----------
    actor
        Who asks: analyst, approver, auditor or admin; a creator's login only for
        their own accounts (another creator's account answers "not found").
    caption
        The draft's text (at most :data:`MAX_CAPTION_CHARS` characters). Never
        stored: the audit record holds its digest and length.
    account
        An ``account_id``, ``@handle`` or ``handle@platform``: its own posts and
        its niche peers' posts are the evidence. Without it, the niches the
        caption reads as are.
    workspace
        The actor's workspace (default); another answers "not found".
    top
        How many suggestions, 1 to :data:`MAX_TOP`.

    Raises
    ------
    ConfigurationError
        Neither caption nor account, an empty or too long caption, a bad ``top``.
    NotFoundError
        An unknown account (or another creator's).
    """
    settings = settings or get_settings()
    ws = readable_workspace(actor, workspace)
    if caption is None and account is None:
        raise ConfigurationError("give a caption, an account, or both")
    if caption is not None:
        if not caption.strip():
            raise ConfigurationError("caption must not be empty")
        if len(caption) > MAX_CAPTION_CHARS:
            raise ConfigurationError(
                f"caption: at most {MAX_CAPTION_CHARS} characters, got {len(caption)}"
            )
    if not 1 <= top <= MAX_TOP:
        raise ConfigurationError(f"top must be between 1 and {MAX_TOP}, got {top}")
    ref: AccountRef | None = None
    with store(settings) as engine:
        with engine.connect() as c:
            require_workspace(c, ws, settings)
            if account is not None:
                ref = own_account(c, ws, actor, account)
            history = posts_frame(
                c, ws, columns=HASHTAG_COLUMNS, keep_creator=ref.creator_id if ref else None
            )
        evidence = hashtag_evidence(history, blocked=blocklist())
        advice = rank_hashtags(
            evidence,
            caption=caption,
            account_id=ref.account_id if ref else None,
            niches=ref.niches[:1] if ref else (),
            platform=ref.platform if ref else None,
            top=top,
        )
        notes = []
        if ref is not None and not ref.niches:
            notes.append("the creator declared no niche: only the account's own posts are read")
        if ref is not None and advice.account_posts == 0:
            notes.append("the account has no posts yet: the niche peers' posts are the evidence")
        if ref is None and not advice.caption_niches:
            notes.append("the caption reads as no niche of this workspace: nothing to suggest")
        generated_at = datetime.now(UTC)
        with audited_transaction(settings, engine) as c:
            entry = record_audit(
                settings,
                c,
                actor=actor.audit_name,
                action=AUDIT_ACTION,
                subject=f"account {ref.account_id}" if ref else "caption",
                workspace=ws,
                input_digest=_digest(caption, ref.account_id if ref else None, top),
                model_name=METHOD,
                model_version=f"{METHOD_VERSION}; {advice.embedding}",
                details={
                    "account_id": ref.account_id if ref else None,
                    "caption_chars": None if caption is None else len(caption),
                    "top": top,
                    "candidates": advice.candidates,
                    "account_posts": advice.account_posts,
                    "peer_posts": advice.peer_posts,
                    "suggested": [s.tag for s in advice.suggestions],
                    "blocklist_version": advice.blocklist_version,
                },
            )
        confirm_anchor(settings, entry.head)
    return HashtagSuggestions(
        workspace=ws,
        account_id=ref.account_id if ref else None,
        handle=ref.handle if ref else None,
        platform=ref.platform if ref else None,
        caption_chars=None if caption is None else len(caption),
        advice=advice,
        generated_at=generated_at,
        audit_seq=entry.seq,
        notes=tuple(notes),
    )


__all__ = [
    "AUDIT_ACTION",
    "HASHTAG_COLUMNS",
    "MAX_CAPTION_CHARS",
    "HashtagSuggestions",
    "suggest_hashtags",
]
