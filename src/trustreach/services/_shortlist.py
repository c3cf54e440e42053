"""Shortlists and human approval: nothing ranked is contracted until a person approves it.

A ranking is stored as a *proposed* shortlist (entries with rank, score,
explained components), with the brief's digest and the model versions used.
A named person then approves or rejects each creator with a reason, or adds a
creator the ranking did not propose (an *override*, which still needs an
approval). Decisions are append-only: re-deciding is allowed, the latest
counts, every one is kept. A deal can be created only for a creator whose
latest decision on the shortlist is ``approved`` (:class:`ApprovalRequired`
otherwise; see :mod:`trustreach.services._deals`), and importing a deal for a
shortlisted campaign follows the same rule. Every step is written to the audit log.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from trustreach.core import (
    ConfigurationError,
    NotFoundError,
    Settings,
    TrustreachError,
    get_settings,
)
from trustreach.services._audit_guard import (
    audited_transaction,
    confirm_anchor,
    record_audit,
)
from trustreach.services._context import (
    check_workspace,
    display_names,
    ensure_workspace,
    require_creator,
    require_workspace,
    store,
)
from trustreach.services._objections import require_not_objecting
from trustreach.services._privacy import declared_attributes
from trustreach.store._tables import (
    campaigns,
    creators,
    shortlist_decisions,
    shortlist_entries,
    shortlists,
)
from trustreach.store._times import as_utc

DECISIONS = ("approved", "rejected")
SOURCES = ("ranked", "override")
NOT_ON_SHORTLIST = "not on the shortlist"
_MAX_TEXT = 5000


class ApprovalRequired(TrustreachError, PermissionError):
    """A deal was asked for a creator a person has not approved on the shortlist."""


@dataclass(frozen=True)
class ProposedEntry:
    """One ranked creator as discovery proposes it."""

    creator_id: str
    rank: int
    score: float
    components: dict[str, Any]
    explanation: str


@dataclass(frozen=True)
class Decision:
    """One human decision on one creator of a shortlist (append-only)."""

    creator_id: str
    decision: str
    decided_by: str
    reason: str
    decided_at: datetime
    audit_seq: int


@dataclass(frozen=True)
class ShortlistEntry:
    """A creator on a shortlist and where they stand (``pending``, ``approved``, ``rejected``)."""

    creator_id: str
    rank: int | None
    score: float | None
    components: dict[str, Any]
    explanation: str
    source: str
    added_by: str
    reason: str | None
    status: str
    decided_by: str | None = None
    decision_reason: str | None = None
    display_name: str | None = None
    """The creator's display name (names are not unique: show it beside the id)."""


@dataclass(frozen=True)
class Shortlist:
    """A stored shortlist with its entries and every decision, oldest first."""

    shortlist_id: str
    workspace: str
    brief_id: str
    campaign_id: str | None
    brief_digest: str
    created_at: datetime
    created_by: str
    model_versions: dict[str, str]
    parameters: dict[str, Any]
    status: str
    entries: tuple[ShortlistEntry, ...] = field(default_factory=tuple)
    decisions: tuple[Decision, ...] = field(default_factory=tuple)

    def status_of(self, creator_id: str) -> str:
        """``pending``, ``approved``, ``rejected`` or ``not on the shortlist``."""
        for entry in self.entries:
            if entry.creator_id == creator_id:
                return entry.status
        return NOT_ON_SHORTLIST

    @property
    def approved(self) -> list[str]:
        """Creators whose latest decision is an approval."""
        return [e.creator_id for e in self.entries if e.status == "approved"]


def _text(value: str, name: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ConfigurationError(f"{name} must not be empty")
    if len(value) > _MAX_TEXT:
        raise ConfigurationError(f"{name} is {len(value)} characters; at most {_MAX_TEXT} allowed")
    return value


def _person(value: str, name: str) -> str:
    value = _text(value, name)
    if len(value) > 200:
        raise ConfigurationError(f"{name} is {len(value)} characters; at most 200 allowed")
    return value


def _plain(value: Any) -> Any:
    """A JSON-safe copy: mappings and sequences as dicts and lists, NaN and infinities as
    None (PostgreSQL's JSON refuses them), NumPy scalars as Python numbers, the rest as text.

    >>> _plain({"a": (1, float("nan")), 2: {"b": None}})
    {'a': [1, None], '2': {'b': None}}
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return _plain(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def _new_id(now: datetime) -> str:
    return f"sl-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def _status(connection: Connection, workspace: str, shortlist_id: str) -> str:
    """``proposed`` (no decision yet), ``in_review`` or ``decided`` (every entry decided)."""
    entries = {
        r.creator_id
        for r in connection.execute(
            select(shortlist_entries.c.creator_id).where(
                shortlist_entries.c.workspace == workspace,
                shortlist_entries.c.shortlist_id == shortlist_id,
            )
        )
    }
    decided = {
        r.creator_id
        for r in connection.execute(
            select(shortlist_decisions.c.creator_id).where(
                shortlist_decisions.c.workspace == workspace,
                shortlist_decisions.c.shortlist_id == shortlist_id,
            )
        )
    }
    if not decided:
        return "proposed"
    return "decided" if entries <= decided else "in_review"


def _set_status(connection: Connection, workspace: str, shortlist_id: str) -> None:
    connection.execute(
        update(shortlists)
        .where(shortlists.c.workspace == workspace, shortlists.c.shortlist_id == shortlist_id)
        .values(status=_status(connection, workspace, shortlist_id))
    )


def load_shortlist(connection: Connection, workspace: str, shortlist_id: str) -> Shortlist:
    head = connection.execute(
        select(shortlists).where(
            shortlists.c.workspace == workspace, shortlists.c.shortlist_id == shortlist_id
        )
    ).first()
    if head is None:
        raise NotFoundError(f"shortlist {shortlist_id!r} not found in workspace {workspace!r}")
    decisions = tuple(
        Decision(
            r.creator_id, r.decision, r.decided_by, r.reason, as_utc(r.decided_at), r.audit_seq
        )
        for r in connection.execute(
            select(shortlist_decisions)
            .where(
                shortlist_decisions.c.workspace == workspace,
                shortlist_decisions.c.shortlist_id == shortlist_id,
            )
            .order_by(shortlist_decisions.c.decision_id)
        )
    )
    latest = {d.creator_id: d for d in decisions}
    rows = list(
        connection.execute(
            select(shortlist_entries).where(
                shortlist_entries.c.workspace == workspace,
                shortlist_entries.c.shortlist_id == shortlist_id,
            )
        )
    )
    names = display_names(connection, workspace, [r.creator_id for r in rows])
    # ranked entries by rank, then overrides in the order they were added
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, as_utc(r.added_at), r.creator_id))
    entries = []
    for r in rows:
        d = latest.get(r.creator_id)
        entries.append(
            ShortlistEntry(
                creator_id=r.creator_id,
                rank=r.rank,
                score=r.score,
                components=dict(r.components or {}),
                explanation=r.explanation,
                source=r.source,
                added_by=r.added_by,
                reason=r.reason,
                status="pending" if d is None else d.decision,
                decided_by=None if d is None else d.decided_by,
                decision_reason=None if d is None else d.reason,
                display_name=names.get(r.creator_id),
            )
        )
    return Shortlist(
        shortlist_id=head.shortlist_id,
        workspace=head.workspace,
        brief_id=head.brief_id,
        campaign_id=head.campaign_id,
        brief_digest=head.brief_digest,
        created_at=as_utc(head.created_at),
        created_by=head.created_by,
        model_versions=dict(head.model_versions or {}),
        parameters=dict(head.parameters or {}),
        status=head.status,
        entries=tuple(entries),
        decisions=decisions,
    )


def _check_entries(entries: Sequence[ProposedEntry]) -> None:
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if not e.creator_id:
            raise ConfigurationError(f"entries[{i}].creator_id must not be empty")
        if e.creator_id in seen:
            raise ConfigurationError(
                f"entries[{i}].creator_id {e.creator_id!r} appears twice; a creator is on a "
                "shortlist once"
            )
        seen.add(e.creator_id)
        if e.rank < 1:
            raise ConfigurationError(f"entries[{i}].rank {e.rank} not allowed; allowed: 1 or more")


def propose_shortlist(
    *,
    brief_id: str,
    campaign_id: str | None,
    brief_digest: str,
    entries: Sequence[ProposedEntry],
    model_versions: Mapping[str, str],
    parameters: Mapping[str, Any],
    brand: str | None = None,
    created_by: str = "trustreach",
    workspace: str = "default",
    settings: Settings | None = None,
) -> Shortlist:
    """Store a ranking as a proposed shortlist awaiting human decisions; audit-log it.

    ``brand`` is the brief's brand (its id or name), kept in the parameters: a
    deal from the shortlist must be for one of that brand's campaigns. The audit
    record carries the brief id and digest, the brand, the model versions and
    every proposed creator with their rank. Nothing is approved here.
    """
    brief_id = _person(brief_id, "brief_id")
    brief_digest = _person(brief_digest, "brief_digest")
    created_by = _person(created_by, "created_by")
    _check_entries(entries)
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            ensure_workspace(connection, workspace)
            if (
                campaign_id is not None
                and not connection.execute(
                    select(campaigns.c.campaign_id).where(
                        campaigns.c.workspace == workspace, campaigns.c.campaign_id == campaign_id
                    )
                ).first()
            ):
                raise ConfigurationError(
                    f"campaign_id {campaign_id!r} is not a campaign of this workspace; "
                    "import the campaign first, or leave campaign_id out of the brief"
                )
            wanted = [e.creator_id for e in entries]
            known = {
                r.creator_id
                for r in connection.execute(
                    select(creators.c.creator_id).where(
                        creators.c.workspace == workspace, creators.c.creator_id.in_(wanted)
                    )
                )
            }
            missing = [c for c in wanted if c not in known]
            if missing:
                raise NotFoundError(
                    f"creator(s) {', '.join(map(repr, missing[:5]))} not found in workspace "
                    f"{workspace!r}; a shortlist holds known creators only"
                )
            now = datetime.now(UTC)
            shortlist_id = _new_id(now)
            connection.execute(
                insert(shortlists).values(
                    workspace=workspace,
                    shortlist_id=shortlist_id,
                    brief_id=brief_id,
                    campaign_id=campaign_id,
                    brief_digest=brief_digest,
                    created_at=now,
                    created_by=created_by,
                    model_versions=_plain(model_versions),
                    parameters=_plain(
                        {**parameters, "brand": brand} if brand is not None else parameters
                    ),
                    status="proposed",
                )
            )
            if entries:
                connection.execute(
                    insert(shortlist_entries),
                    [
                        {
                            "workspace": workspace,
                            "shortlist_id": shortlist_id,
                            "creator_id": e.creator_id,
                            "rank": e.rank,
                            "score": _plain(float(e.score)),
                            "components": _plain(e.components),
                            "explanation": e.explanation,
                            "source": "ranked",
                            "added_by": created_by,
                            "reason": None,
                            "added_at": now,
                        }
                        for e in entries
                    ],
                )
            entry = record_audit(
                settings,
                connection,
                actor=created_by,
                action="shortlist_proposed",
                workspace=workspace,
                subject=f"shortlist:{shortlist_id}",
                model_name="discovery",
                model_version=",".join(f"{k}={v}" for k, v in sorted(model_versions.items()))[:50]
                or None,
                input_digest=brief_digest if len(brief_digest) <= 64 else None,
                details={
                    "brief_id": brief_id,
                    "brief_digest": brief_digest,
                    "brand": brand,
                    "campaign_id": campaign_id,
                    "model_versions": dict(model_versions),
                    "entries": [{"creator_id": e.creator_id, "rank": e.rank} for e in entries],
                },
            )
            shortlist = load_shortlist(connection, workspace, shortlist_id)
        confirm_anchor(settings, entry.head)
        return shortlist


def get_shortlist(
    shortlist_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> Shortlist:
    """A shortlist with its entries, each creator's status, and every decision."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        return load_shortlist(connection, workspace, shortlist_id)


def list_shortlists(
    *,
    workspace: str = "default",
    campaign_id: str | None = None,
    settings: Settings | None = None,
) -> list[Shortlist]:
    """Shortlists of a workspace (optionally one campaign's), newest first."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        query = select(shortlists.c.shortlist_id).where(shortlists.c.workspace == workspace)
        if campaign_id is not None:
            query = query.where(shortlists.c.campaign_id == campaign_id)
        ids = connection.execute(
            query.order_by(shortlists.c.created_at.desc(), shortlists.c.shortlist_id.desc())
        ).scalars()
        return [load_shortlist(connection, workspace, i) for i in list(ids)]


def _require_entry(
    connection: Connection, workspace: str, shortlist_id: str, creator_id: str
) -> None:
    found = connection.execute(
        select(shortlist_entries.c.creator_id).where(
            shortlist_entries.c.workspace == workspace,
            shortlist_entries.c.shortlist_id == shortlist_id,
            shortlist_entries.c.creator_id == creator_id,
        )
    ).first()
    if found is None:
        raise NotFoundError(
            f"creator {creator_id!r} is not on shortlist {shortlist_id!r}; add them first with "
            "`trustreach shortlist add` (an override, with a reason)"
        )


def decide(
    shortlist_id: str,
    creator_id: str,
    decision: str,
    *,
    decided_by: str,
    reason: str,
    workspace: str = "default",
    settings: Settings | None = None,
) -> Shortlist:
    """Record a named person's ``approved`` or ``rejected`` decision, with a reason.

    Re-deciding is allowed: the latest decision counts and every one is kept.
    """
    if decision not in DECISIONS:
        raise ConfigurationError(
            f"decision {decision!r} not allowed; allowed: {', '.join(DECISIONS)}"
        )
    decided_by = _person(decided_by, "decided_by")
    reason = _text(reason, "reason")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            proposal = load_shortlist(connection, workspace, shortlist_id)  # NotFoundError names it
            _require_entry(connection, workspace, shortlist_id, creator_id)
            now = datetime.now(UTC)
            entry = record_audit(
                settings,
                connection,
                actor=decided_by,
                action=f"shortlist_{decision}",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={
                    "shortlist_id": shortlist_id,
                    "decision": decision,
                    "reason": reason,
                    "model_versions": proposal.model_versions,
                },
                now=now,
            )
            connection.execute(
                insert(shortlist_decisions).values(
                    workspace=workspace,
                    shortlist_id=shortlist_id,
                    creator_id=creator_id,
                    decision=decision,
                    decided_by=decided_by,
                    reason=reason,
                    decided_at=now,
                    audit_seq=entry.seq,
                )
            )
            _set_status(connection, workspace, shortlist_id)
            shortlist = load_shortlist(connection, workspace, shortlist_id)
        confirm_anchor(settings, entry.head)
        return shortlist


def add_override(
    shortlist_id: str,
    creator_id: str,
    *,
    added_by: str,
    reason: str,
    workspace: str = "default",
    settings: Settings | None = None,
) -> Shortlist:
    """Add a creator the ranking did not propose (source ``override``); audit-logged.

    The creator is ``pending`` like any other and still needs an approval.
    """
    added_by = _person(added_by, "added_by")
    reason = _text(reason, "reason")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            current = load_shortlist(connection, workspace, shortlist_id)
            require_creator(connection, workspace, creator_id)
            require_not_objecting(connection, workspace, creator_id)  # GDPR Art. 21
            for e in current.entries:
                if e.creator_id == creator_id:
                    where = f"rank {e.rank}" if e.rank is not None else "an override"
                    raise ConfigurationError(
                        f"creator {creator_id!r} is already on shortlist {shortlist_id!r} "
                        f"({where}, {e.status}); approve or reject them instead"
                    )
            now = datetime.now(UTC)
            connection.execute(
                insert(shortlist_entries).values(
                    workspace=workspace,
                    shortlist_id=shortlist_id,
                    creator_id=creator_id,
                    rank=None,
                    score=None,
                    components={},
                    explanation=f"added by {added_by}, not by the ranking: {reason}",
                    source="override",
                    added_by=added_by,
                    reason=reason,
                    added_at=now,
                )
            )
            _set_status(connection, workspace, shortlist_id)
            entry = record_audit(
                settings,
                connection,
                actor=added_by,
                action="shortlist_override",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={"shortlist_id": shortlist_id, "reason": reason},
                now=now,
            )
            shortlist = load_shortlist(connection, workspace, shortlist_id)
        confirm_anchor(settings, entry.head)
        return shortlist


__all__ = [
    "DECISIONS",
    "ApprovalRequired",
    "Decision",
    "ProposedEntry",
    "Shortlist",
    "ShortlistEntry",
    "add_override",
    "decide",
    "declared_attributes",
    "get_shortlist",
    "list_shortlists",
    "propose_shortlist",
]
