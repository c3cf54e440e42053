"""Import rules that need more than "the referenced key exists".

- A declared attribute (special-category data) must rest on a *granted*
  ``declared_attributes`` consent of the *same* creator.
- A deal for a campaign that has a shortlist needs the creator approved on it
  by a named person: importing the deal must not be a side door around
  ``trustreach shortlist approve`` and ``trustreach deal create``.
- A post's metric snapshot cannot be observed before the post was posted.

Each reads what they need before the import's writer owns the connection and
then check batches in memory, naming file, row, field and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from trustreach.core import RecordError
from trustreach.store._tables import (
    consent_records,
    deals,
    posts,
    shortlist_decisions,
    shortlist_entries,
    shortlists,
)

PURPOSE = "declared_attributes"


@dataclass
class ConsentLedger:
    """Consent records by id: (creator_id, purpose, granted), the store's and the import's."""

    records: dict[str, tuple[str, str, bool]] = field(default_factory=dict)

    @classmethod
    def load(cls, connection: Connection, workspace: str) -> ConsentLedger:
        """The workspace's consent records as stored."""
        rows = connection.execute(
            select(
                consent_records.c.consent_id,
                consent_records.c.creator_id,
                consent_records.c.purpose,
                consent_records.c.granted,
            ).where(consent_records.c.workspace == workspace)
        )
        return cls({r.consent_id: (r.creator_id, r.purpose, bool(r.granted)) for r in rows})

    def add(self, data: Any, ok: list[bool]) -> None:
        """Remember the valid consent records of an import batch (the last one wins)."""
        columns = zip(
            data["consent_id"], data["creator_id"], data["purpose"], data["granted"], strict=True
        )
        for good, (consent_id, creator_id, purpose, granted) in zip(ok, columns, strict=True):
            if good:
                self.records[consent_id] = (creator_id, str(purpose), bool(granted))

    def check(self, file: str, rows: list[int], data: Any, ok: list[bool]) -> list[RecordError]:
        """Errors for declarations whose consent is not a granted declared_attributes
        consent of the same creator; marks those rows not ok."""
        errors = []
        pairs = zip(data["consent_id"], data["creator_id"], strict=True)
        for i, (consent_id, creator_id) in enumerate(pairs):
            found = self.records.get(consent_id)
            if not ok[i] or found is None:
                continue  # an unknown consent_id is already reported as a reference
            owner, purpose, granted = found
            problem = None
            if owner != creator_id:
                problem = f"belongs to creator {owner!r}, not {creator_id!r}"
            elif purpose != PURPOSE:
                problem = f"is a consent for purpose {purpose!r}"
            elif not granted:
                problem = "records a withdrawal (granted = false)"
            if problem is not None:
                ok[i] = False
                errors.append(
                    RecordError(
                        file,
                        rows[i],
                        "consent_id",
                        repr(consent_id),
                        f"must name a granted '{PURPOSE}' consent record of the same creator; "
                        f"this one {problem}",
                    )
                )
        return errors


@dataclass
class DealGate:
    """Which (campaign, creator) pairs a shortlist governs, and who is approved on it."""

    shortlists_of: dict[str, list[str]]
    status: dict[tuple[str, str], str]  # (shortlist_id, creator_id) -> latest status
    existing: dict[str, tuple[str, str]]  # deal_id -> (campaign_id, creator_id)

    @classmethod
    def load(cls, connection: Connection, workspace: str) -> DealGate:
        """Shortlists with a campaign, their entries and latest decisions, and stored deals."""
        shortlists_of: dict[str, list[str]] = {}
        for r in connection.execute(
            select(shortlists.c.shortlist_id, shortlists.c.campaign_id)
            .where(shortlists.c.workspace == workspace, shortlists.c.campaign_id.is_not(None))
            .order_by(shortlists.c.shortlist_id)
        ):
            shortlists_of.setdefault(r.campaign_id, []).append(r.shortlist_id)
        status: dict[tuple[str, str], str] = {}
        if shortlists_of:
            for r in connection.execute(
                select(shortlist_entries.c.shortlist_id, shortlist_entries.c.creator_id).where(
                    shortlist_entries.c.workspace == workspace
                )
            ):
                status[(r.shortlist_id, r.creator_id)] = "pending"
            for d in connection.execute(
                select(
                    shortlist_decisions.c.shortlist_id,
                    shortlist_decisions.c.creator_id,
                    shortlist_decisions.c.decision,
                )
                .where(shortlist_decisions.c.workspace == workspace)
                .order_by(shortlist_decisions.c.decision_id)
            ):
                status[(d.shortlist_id, d.creator_id)] = d.decision
        existing = {
            r.deal_id: (r.campaign_id, r.creator_id)
            for r in connection.execute(
                select(deals.c.deal_id, deals.c.campaign_id, deals.c.creator_id).where(
                    deals.c.workspace == workspace
                )
            )
        }
        return cls(shortlists_of, status, existing)

    def check(self, file: str, rows: list[int], data: Any, ok: list[bool]) -> list[RecordError]:
        """Errors for new deals with a creator not approved on the campaign's shortlist."""
        errors = []
        columns = zip(data["deal_id"], data["campaign_id"], data["creator_id"], strict=True)
        for i, (deal_id, campaign_id, creator_id) in enumerate(columns):
            governed = self.shortlists_of.get(campaign_id)
            if not ok[i] or not governed:
                continue
            if self.existing.get(deal_id) == (campaign_id, creator_id):
                continue  # already contracted before: a re-import, not a new deal
            states = {s: self.status.get((s, creator_id), "not on the shortlist") for s in governed}
            if "approved" in states.values():
                continue
            ok[i] = False
            where = "; ".join(f"{state} on {s}" for s, state in states.items())
            errors.append(
                RecordError(
                    file,
                    rows[i],
                    "creator_id",
                    repr(creator_id),
                    f"campaign {campaign_id!r} has a shortlist and a deal needs the creator "
                    f"approved on it by a named person first ({where}); use "
                    "`trustreach shortlist approve` then `trustreach deal create`",
                )
            )
        return errors


@dataclass
class SnapshotGate:
    """When each post of the workspace was posted: a snapshot cannot be observed before."""

    posted_at: dict[str, datetime]

    @classmethod
    def load(cls, connection: Connection, workspace: str) -> SnapshotGate:
        """Every post's time (this import's posts are written before its snapshots)."""
        rows = connection.execute(
            select(posts.c.post_id, posts.c.posted_at).where(posts.c.workspace == workspace)
        )
        return cls({r.post_id: _utc(r.posted_at) for r in rows})

    def check(self, file: str, rows: list[int], data: Any, ok: list[bool]) -> list[RecordError]:
        """Errors for snapshots observed before their post was posted."""
        errors = []
        columns = zip(data["post_id"], data["observed_at"], strict=True)
        for i, (post_id, observed_at) in enumerate(columns):
            posted = self.posted_at.get(post_id)
            if not ok[i] or posted is None or observed_at is None:
                continue
            if _utc(observed_at) < posted:
                ok[i] = False
                errors.append(
                    RecordError(
                        file,
                        rows[i],
                        "observed_at",
                        _utc(observed_at).isoformat(),
                        f"is before post {post_id!r} was posted ({posted.isoformat()}); "
                        "allowed: a moment at or after the post's posted_at",
                    )
                )
        return errors


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
