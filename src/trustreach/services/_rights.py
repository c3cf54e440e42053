"""Data-subject rights: the request log with legal deadlines, access, rectification, objection.

Every person trustreach holds data about can exercise their rights:

- a **creator** (who may also have a login) can see and export everything held
  about them (GDPR Art. 15 and 20, :func:`creator_export`), have their own record
  corrected (Art. 16, :func:`rectify_creator`), object to profiling (Art. 21,
  :func:`object_to_profiling`) and be erased
  (Art. 17, :func:`trustreach.services._erasure.erase_creator`);
- a **follower or commenter** never signed up: an admin acting on a verified
  request gives their platform id, the keyed pseudonym is derived, and everything
  stored under it is returned (:func:`third_party_access`) or erased
  (:func:`~trustreach.services._privacy.erase_third_party`). Nothing raw is stored,
  not even in the request log.

Every request is logged with its legal deadline, status and outcome by
:mod:`trustreach.services._rights_log`, whose functions are re-exported here.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select, tuple_, update

from trustreach.core import ConfigurationError, Settings, get_settings
from trustreach.services._api_reads import json_ready
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import check_workspace, require_creator, require_workspace, store
from trustreach.services._objections import drop_from_index, objecting
from trustreach.services._rights_log import (
    OPEN_STATUSES,
    REGIMES,
    RIGHTS,
    STATUSES,
    SUBJECT_KINDS,
    RightsRequest,
    _aware,
    _choice,
    add_months,
    get_request,
    legal_deadline,
    list_requests,
    load_request,
    log_request,
    pseudonym_of,
    settle,
    update_request,
)
from trustreach.services._shown_audience import has_breakdowns, shown_snapshot
from trustreach.store import processing_register
from trustreach.store._rights_tables import profiling_objections, rights_requests
from trustreach.store._tables import (
    PersonalData,
    audit_log,
    comments,
    creator_accounts,
    creators,
    follower_accounts,
    follows,
    metadata,
    posts,
)

RECTIFIABLE = ("display_name", "country", "language", "niches")
EXPORT_FORMAT = "trustreach-creator-export/1"
SECRET_COLUMNS = frozenset({"password_hash", "secret_hash", "csrf_token", "session_hash", "secret"})
"""Columns never exported, even to their own subject (credentials, not data about them)."""
NOT_THEIRS = ("comments", "comment_labels", "follows", "label_corrections")
"""Tables linked to a creator's posts or accounts that hold other people's data: counted only."""


# ------------------------------------------------------------------ what is held


_FALLBACK = PersonalData(
    subject="creator",
    purpose="the creator's public posts and their measured performance, for discovery, "
    "audits and campaign reporting",
    retention_days=None,
    subject_columns=("account_id",),
    legal_basis="legitimate interests (Art. 6(1)(f)); contract for campaign posts",
    retention_rule="while the creator's account is held",
)


def _declaration(table: Table) -> PersonalData:
    found = table.info.get("personal_data")
    return found if isinstance(found, PersonalData) else _FALLBACK


def _retention(declaration: PersonalData) -> str:
    for entry in processing_register():
        if entry.declaration is declaration:
            return entry.retention
    if declaration.retention_rule:
        return declaration.retention_rule
    return "until the subject or the workspace is erased"


@dataclass(frozen=True)
class CreatorScope:
    """The keys a creator's data is found by: the creator, their accounts, posts, comments.

    Posts and comments are selected by subqueries (:meth:`posts`, :meth:`comments`)
    rather than lists of ids, so a creator with many comments never exceeds a
    database's limit on bound parameters.
    """

    workspace: str
    creator_id: str
    account_ids: list[str]
    handles: list[str]
    display_name: str

    def posts(self) -> Any:
        """SELECT of the creator's post ids."""
        return select(posts.c.post_id).where(
            posts.c.workspace == self.workspace, posts.c.account_id.in_(self.account_ids)
        )

    def comments(self) -> Any:
        """SELECT of the ids of comments on the creator's posts."""
        return select(comments.c.comment_id).where(
            comments.c.workspace == self.workspace, comments.c.post_id.in_(self.posts())
        )


def creator_scope(connection: Connection, workspace: str, creator_id: str) -> CreatorScope:
    """Everything a creator's rows are keyed by (:class:`NotFoundError` for an unknown id)."""
    row = require_creator(connection, workspace, creator_id)
    accounts = connection.execute(
        select(creator_accounts.c.account_id, creator_accounts.c.handle).where(
            creator_accounts.c.workspace == workspace,
            creator_accounts.c.creator_id == creator_id,
        )
    ).all()
    return CreatorScope(
        workspace,
        creator_id,
        sorted(str(a.account_id) for a in accounts),
        sorted(str(a.handle) for a in accounts),
        str(row.display_name),
    )


LINK_COLUMNS = {
    "creator_id": "creator",
    "account_id": "account",
    "creator_account_id": "account",
    "post_id": "post",
    "comment_id": "comment",
}
"""Column names that tie a row to a creator, and which of the creator's keys they hold."""

NEVER_LINKED = frozenset(
    {"audit_log", "rights_requests", "erasure_tombstones", "erasure_retained", "workspaces"}
)
"""Tables the generic walk never reads or deletes by link (handled on their own)."""


def link_clause(table: Table, scope: CreatorScope, workspace: str) -> Any | None:
    """A WHERE clause selecting the table's rows tied to the creator, or None when none can be.

    A table is tied by any column named in :data:`LINK_COLUMNS` (a table added later
    with such a column is covered without a change here).
    """
    from sqlalchemy import and_, false, or_

    if table.name in NEVER_LINKED or "workspace" not in table.c:
        return None
    if not any(n in table.c for n in LINK_COLUMNS):
        return None
    if not scope.account_ids and "creator_id" not in table.c:
        return false()  # no account: no post, no comment either
    keys: dict[str, Any] = {
        "creator": [scope.creator_id],
        "account": scope.account_ids,
        "post": scope.posts(),
        "comment": scope.comments(),
    }
    parts = [
        table.c[name].in_(keys[kind]) for name, kind in LINK_COLUMNS.items() if name in table.c
    ]
    return and_(table.c.workspace == workspace, or_(*parts))


def fk_clause(table: Table, clauses: dict[str, Any]) -> list[Any]:
    """Clauses selecting rows of ``table`` that reference rows other clauses select."""
    found = []
    for fk in table.foreign_key_constraints:
        parent = fk.referred_table
        if parent.name not in clauses or parent is table:
            continue
        local = [e.parent for e in fk.elements]
        remote = [e.column for e in fk.elements]
        found.append(tuple_(*local).in_(select(*remote).where(clauses[parent.name])))
    return found


def _collect(
    connection: Connection, workspace: str, creator_id: str, minimum: int
) -> dict[str, Any]:
    """The export document's content, read in one connection (see :func:`creator_export`).

    Audience breakdowns show only buckets of at least ``minimum`` people (rule T5).
    """
    scope = creator_scope(connection, workspace, creator_id)
    parts: list[dict[str, Any]] = []
    counted: dict[str, int] = {}
    hidden = 0
    for table in metadata.sorted_tables:
        clause = link_clause(table, scope, workspace)
        if clause is None:
            continue
        rows = connection.execute(select(table).where(clause)).all()
        if not rows:
            continue
        if table.name in NOT_THEIRS:
            counted[table.name] = len(rows)
            continue
        records = []
        for row in rows:
            record = {
                k: v
                for k, v in row._mapping.items()
                if k != "workspace" and k not in SECRET_COLUMNS
            }
            for key in ("result", "params"):
                if isinstance(record.get(key), str):
                    with contextlib.suppress(ValueError):
                        record[key] = json.loads(record[key])
            if has_breakdowns(table.c):
                record = shown_snapshot(record, minimum)
                hidden += sum(len(b) for b in record["suppressed"].values())
            records.append(json_ready(record))
        parts.append(_part(table, records))
    requests = connection.execute(
        select(rights_requests).where(
            rights_requests.c.workspace == workspace,
            rights_requests.c.subject_kind == "creator",
            rights_requests.c.subject_ref == creator_id,
        )
    ).all()
    parts.append(
        _part(
            rights_requests,
            [
                json_ready({k: v for k, v in r._mapping.items() if k != "workspace"})
                for r in requests
            ],
        )
    )
    audit_records = connection.execute(
        select(func.count())
        .select_from(audit_log)
        .where(audit_log.c.workspace == workspace, audit_log.c.subject == f"creator:{creator_id}")
    ).scalar_one()
    return {
        "format": EXPORT_FORMAT,
        "creator_id": creator_id,
        "workspace": workspace,
        "generated_at": datetime.now(UTC).isoformat(),
        "objected_to_profiling": bool(objecting(connection, workspace, [creator_id])),
        "parts": parts,
        "other_peoples_data_counted": counted,
        "audit_log_records_naming_you": int(audit_records),
        "notes": [
            "Comments on your posts and your followers are other people's data: counted, "
            "not shown. Followers and commenters are held only as keyed pseudonyms.",
            "The audit log is append-only; it names you by id in the records counted above.",
            *(
                [
                    f"Audience breakdowns show only groups of at least {minimum} people: "
                    f"{hidden} smaller group(s), or groups that would reveal them, are "
                    "hidden, each named under 'suppressed' with the reason, so that no "
                    "follower can be singled out."
                ]
                if hidden
                else []
            ),
        ],
    }


def _part(table: Table, records: list[Any]) -> dict[str, Any]:
    declaration = _declaration(table)
    return {
        "table": table.name,
        "purpose": declaration.purpose,
        "legal_basis": declaration.legal_basis,
        "retention": _retention(declaration),
        "rows": records,
    }


def held_about_creator(
    creator_id: str, *, workspace: str = "default", settings: Settings | None = None
) -> dict[str, Any]:
    """What :func:`creator_export` hands over, read without handing it over (no audit
    record): for a creator looking at their own "My data" page."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine, engine.connect() as connection:
        return _collect(connection, workspace, creator_id, settings.min_bucket_size)


def creator_export(
    creator_id: str,
    *,
    workspace: str = "default",
    request_id: str | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Everything held about a creator, as one JSON-ready document (GDPR Art. 15 and 20).

    One part per table that holds rows tied to the creator (by any column of
    :data:`LINK_COLUMNS`, so a table added later is exported too), each with its
    purpose, legal basis and retention; credentials are never exported; tables
    that hold other people's data about the creator's posts (comments on them,
    their followers) are counted, not shown. With ``request_id`` the request is
    completed. The export is audit-logged (who received a copy of whose data).
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            document = _collect(connection, workspace, creator_id, settings.min_bucket_size)
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind="creator",
                subject_ref=creator_id,
                right=("access", "export"),
                outcome="export generated and handed over",
                actor=actor,
            )
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="creator_exported",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={
                    "tables": [p["table"] for p in document["parts"]],
                    "request_id": request_id,
                },
            )
        confirm_anchor(settings, entry.head)
    return document


# ------------------------------------------------------------------ rectification


def _rectified(field_name: str, value: str) -> Any:
    value = value.strip()
    if field_name == "display_name":
        if not 1 <= len(value) <= 200:
            raise ConfigurationError("display_name must be 1-200 characters")
        return value
    if field_name in ("country", "language"):
        if value == "":
            return None
        if len(value) != 2 or not value.isascii() or not value.isalpha():
            raise ConfigurationError(
                f"{field_name} {value!r} not allowed; allowed: a two-letter code "
                f"({'ISO 3166-1, e.g. US' if field_name == 'country' else 'ISO 639-1, e.g. en'})"
                " or empty to clear it"
            )
        return value.upper() if field_name == "country" else value.lower()
    niches = [n.strip().lower() for n in value.split(",") if n.strip()]
    if not niches or any(len(n) > 60 for n in niches) or len(niches) > 20:
        raise ConfigurationError(
            "niches must be 1-20 comma-separated names of at most 60 characters"
        )
    return niches


@dataclass(frozen=True)
class Rectification:
    """What a rectification changed (field names only: the values are in the record)."""

    creator_id: str
    changed: list[str]
    audit_seq: int | None


def rectify_creator(
    creator_id: str,
    changes: dict[str, str],
    *,
    workspace: str = "default",
    request_id: str | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> Rectification:
    """Correct fields of a creator's own record (GDPR Art. 16); audit-logged.

    Allowed fields: :data:`RECTIFIABLE` (``niches`` comma-separated). The audit
    record names the fields changed, not the old or new values: the log is
    append-only and permanent, and an inaccurate value is exactly what the
    person asked to be rid of. A field already holding the value is not changed.
    """
    if not changes:
        raise ConfigurationError(f"give at least one field; allowed: {', '.join(RECTIFIABLE)}")
    wanted = {_choice(k, RECTIFIABLE, "field"): _rectified(k, v) for k, v in changes.items()}
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            row = require_creator(connection, workspace, creator_id)
            changed = {k: v for k, v in wanted.items() if row._mapping[k] != v}
            if changed:
                connection.execute(
                    update(creators)
                    .where(creators.c.workspace == workspace, creators.c.creator_id == creator_id)
                    .values(**changed)
                )
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind="creator",
                subject_ref=creator_id,
                right=("rectification",),
                outcome=f"corrected: {', '.join(sorted(changed)) or 'nothing differed'}",
                actor=actor,
            )
            if not changed and request_id is None:
                connection.rollback()
                return Rectification(creator_id, [], None)
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="creator_rectified",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={"fields": sorted(changed), "request_id": request_id},
            )
        confirm_anchor(settings, entry.head)
        return Rectification(creator_id, sorted(changed), entry.seq)


# ------------------------------------------------------------------ objection


@dataclass(frozen=True)
class Objection:
    """A recorded objection to profiling."""

    creator_id: str
    objected_at: datetime
    audit_seq: int
    already: bool
    index_rows_removed: int


def object_to_profiling(
    creator_id: str,
    *,
    workspace: str = "default",
    request_id: str | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> Objection:
    """Record a creator's objection to profiling (GDPR Art. 21); audit-logged.

    From then on the creator is left out of the discovery index (so of every
    ranking and shortlist proposal) and no new audience audit of them is made.
    Their existing data stays until they ask for erasure. Recording it twice
    keeps the first time.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            require_creator(connection, workspace, creator_id)
            existing = connection.execute(
                select(profiling_objections).where(
                    profiling_objections.c.workspace == workspace,
                    profiling_objections.c.creator_id == creator_id,
                )
            ).first()
            now = datetime.now(UTC)
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind="creator",
                subject_ref=creator_id,
                right=("objection",),
                outcome="objection recorded: left out of discovery and new audits",
                actor=actor,
            )
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="profiling_objection",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={"request_id": request_id, "already": existing is not None},
            )
            if existing is None:
                connection.execute(
                    profiling_objections.insert().values(
                        workspace=workspace,
                        creator_id=creator_id,
                        objected_at=now,
                        recorded_by=actor,
                        request_id=request_id,
                        audit_seq=entry.seq,
                    )
                )
        confirm_anchor(settings, entry.head)
    when = now if existing is None else _aware(existing.objected_at)
    dropped = drop_from_index(settings, workspace, creator_id)
    return Objection(creator_id, when, entry.seq, existing is not None, dropped)


# ------------------------------------------------------------------ third parties


def third_party_access(
    handle: str,
    *,
    platform: str,
    workspace: str = "default",
    request_id: str | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> dict[str, Any]:
    """What is stored about a follower or commenter, found by their platform id (Art. 15).

    The caller (an admin acting on a request whose proof of the handle they
    checked) gives the platform id; the keyed pseudonym the importer stored is
    derived and every row under it is returned: the follower record (counts and
    flags), which creators' accounts they follow, and their comments (with
    @mentions masked at import). Nothing raw is stored, and neither the handle nor
    the answer is written to the audit log: only the pseudonym and row counts.
    """
    platform = platform.strip().lower()
    if not 1 <= len(platform) <= 20:
        raise ConfigurationError("platform must be 1-20 characters (e.g. instagram, tiktok)")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with engine.connect() as connection:
            require_workspace(connection, workspace, settings)
        key = pseudonym_of(settings, workspace, handle)
        with audited_transaction(settings, engine) as connection:
            account = connection.execute(
                select(follower_accounts).where(
                    follower_accounts.c.workspace == workspace,
                    follower_accounts.c.follower_key == key,
                )
            ).first()
            follow_rows = connection.execute(
                select(follows.c.creator_account_id, follows.c.followed_on).where(
                    follows.c.workspace == workspace, follows.c.follower_key == key
                )
            ).all()
            comment_rows = connection.execute(
                select(
                    comments.c.comment_id,
                    comments.c.post_id,
                    comments.c.posted_at,
                    comments.c.text,
                    comments.c.likes,
                ).where(comments.c.workspace == workspace, comments.c.author_key == key)
            ).all()
            held = {
                "follower_accounts": 0 if account is None else 1,
                "follows": len(follow_rows),
                "comments": len(comment_rows),
            }
            settle(
                connection,
                settings,
                workspace=workspace,
                request_id=request_id,
                subject_kind=("follower", "commenter"),
                subject_ref=key,
                right=("access",),
                outcome=f"answered: {sum(held.values())} row(s) held under the pseudonym",
                actor=actor,
            )
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="third_party_access",
                workspace=workspace,
                subject=f"follower:{key}",
                details={"platform": platform, "rows": held, "request_id": request_id},
            )
        confirm_anchor(settings, entry.head)
    record = None
    if account is not None:
        record = json_ready(
            {k: v for k, v in account._mapping.items() if k not in ("workspace", "follower_key")}
        )
    return {
        "format": "trustreach-third-party-access/1",
        "workspace": workspace,
        "platform": platform,
        "pseudonym": key,
        "generated_at": datetime.now(UTC).isoformat(),
        "held": held,
        "follower_record": record,
        "follows": [json_ready(dict(r._mapping)) for r in follow_rows],
        "comments": [json_ready(dict(r._mapping)) for r in comment_rows],
        "purposes": {
            t: _declaration(metadata.tables[t]).purpose
            for t in ("follower_accounts", "follows", "comments")
        },
        "retention": {
            t: _retention(_declaration(metadata.tables[t]))
            for t in ("follower_accounts", "follows", "comments")
        },
        "notes": [
            "Your handle is not stored: only a keyed pseudonym of your platform id, and the "
            "counts and flags shown. Usernames, names and bios are used only to compute "
            "lengths at import and then discarded.",
        ],
    }


__all__ = [
    "EXPORT_FORMAT",
    "LINK_COLUMNS",
    "NEVER_LINKED",
    "NOT_THEIRS",
    "OPEN_STATUSES",
    "RECTIFIABLE",
    "REGIMES",
    "RIGHTS",
    "SECRET_COLUMNS",
    "STATUSES",
    "SUBJECT_KINDS",
    "CreatorScope",
    "Objection",
    "Rectification",
    "RightsRequest",
    "add_months",
    "creator_export",
    "creator_scope",
    "fk_clause",
    "get_request",
    "held_about_creator",
    "legal_deadline",
    "link_clause",
    "list_requests",
    "load_request",
    "log_request",
    "object_to_profiling",
    "pseudonym_of",
    "rectify_creator",
    "settle",
    "third_party_access",
    "update_request",
]
