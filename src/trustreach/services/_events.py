"""Tracking events in real time: a batch is validated whole, stored once, durable before answered.

:func:`accept_events` is the one use-case behind ``POST /api/v1/events``, the shop
webhook and ``trustreach events push``:

* every event is checked with the interchange record
  (:class:`~trustreach.ingest.TrackingEventRecord`; a batch of plain events is first
  checked whole in pydantic-core, :mod:`trustreach.ingest._event_batch`, with the same
  verdicts) and against the workspace (its
  campaign, and its post and creator when given, must be the workspace's own); one
  bad event refuses the whole batch (:class:`EventsRefused` names each event's index
  in the batch, its field and what is allowed) and nothing is stored;
* an ``event_id`` names one event forever: an event sent again with the same content
  is a *duplicate* (reported, never stored or counted twice); the same ``event_id``
  with different content is refused, naming it;
* events may arrive late or out of order: ``occurred_at`` is the sender's, and the
  server adds ``received_at``;
* the campaigns' KPI aggregates (:mod:`trustreach.services._live`) take the new
  events in the same transaction, so a KPI read after the answer reflects them;
* the batch is written in one write transaction that commits (on SQLite with
  ``synchronous=FULL``: fsynced) before the answer is returned, so an acknowledged
  event survives a killed server or a power cut.

The audit log does not get one record per batch (verifying the chain per batch would
cap ingest at a few batches a second, and events are data, like an import's rows):
it gets one ``accept_events`` record per sender, workspace and UTC hour, written with
the first batch that sender delivers in that hour and naming its counts. Each event
carries its ``received_at``. See docs/audit-log.md.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, bindparam, event, select

from trustreach.core import Actor, ConfigurationError, Role, Settings, get_settings, require_role
from trustreach.ingest import TrackingEventRecord
from trustreach.ingest._event_batch import event_rows
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import check_workspace, kept_engine, store_location
from trustreach.services._idempotency import claim_pending
from trustreach.services._live import apply_events
from trustreach.store import create_store_engine, write_transaction
from trustreach.store._tables import audit_log, campaigns, creators, posts, tracking_events

MAX_BATCH = 5000
"""The most events one batch may hold (more is refused whole, naming the limit)."""

AUDIT_ACTION = "accept_events"
"""The audit log's action for the hourly record of a sender's event batches."""

CONTENT_FIELDS: tuple[str, ...] = tuple(
    name
    for name in TrackingEventRecord.model_fields
    if name != "event_id" and name in tracking_events.c
)
"""What an event says besides its id: a re-sent id must say exactly this again."""

_SHOWN_ERRORS = 50


@dataclass(frozen=True)
class EventProblem:
    """One problem with one event of a batch: its 0-based ``index``, the field, what is wrong."""

    index: int
    field: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"event {self.index}" + (f", field '{self.field}'" if self.field else "")
        got = f" (got {self.value})" if self.value is not None else ""
        return f"{where}: {self.message}{got}"


class EventsRefused(ConfigurationError):
    """A batch refused whole: no event of it was stored. ``problems`` lists why (in order)."""

    def __init__(self, problems: list[EventProblem], *, truncated: bool = False) -> None:
        self.problems = sorted(problems, key=lambda p: p.index)
        self.truncated = truncated
        head = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
        super().__init__(
            f"batch refused, no event of it was stored (indexes count from 0): {head}{more}"
        )


class BatchTooLarge(EventsRefused):
    """More than :data:`MAX_BATCH` events in one batch."""

    def __init__(self, size: int) -> None:
        problem = EventProblem(
            0,
            None,
            None,
            f"a batch holds at most {MAX_BATCH} events, this one {size}; send it in smaller "
            "batches (event_id keeps a re-sent event from counting twice)",
        )
        super().__init__([problem])
        self.size = size


@dataclass(frozen=True)
class EventReceipt:
    """What a committed batch did: ``accepted`` new events stored, ``duplicates`` ignored.

    ``duplicate_ids`` names the events already stored (or sent twice in the batch) with
    the same content; ``received_at`` is the moment stored with every accepted event;
    ``audit_seq`` the audit record this batch wrote (only the first batch of a sender
    in an hour writes one; None otherwise); ``digest`` a SHA-256 over the batch's
    event ids in order, for the sender's own records; ``campaigns`` the campaigns
    the accepted events belong to (whose alerts a server then checks).
    """

    workspace: str
    received: int
    accepted: int
    duplicates: int
    received_at: datetime
    digest: str
    duplicate_ids: list[str] = field(default_factory=list)
    audit_seq: int | None = None
    campaigns: tuple[str, ...] = ()


# ------------------------------------------------------------------ validation


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _validated(
    records: Sequence[TrackingEventRecord | Mapping[str, Any]],
) -> tuple[list[TrackingEventRecord], list[EventProblem]]:
    events: list[TrackingEventRecord] = []
    problems: list[EventProblem] = []
    for index, record in enumerate(records):
        if isinstance(record, TrackingEventRecord):
            events.append(record)
            continue
        if not isinstance(record, Mapping):
            problems.append(EventProblem(index, None, _shown(record), "an event is a JSON object"))
            continue
        try:
            events.append(TrackingEventRecord.model_validate(dict(record)))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc = [str(p) for p in error.get("loc", ())]
                name = ".".join(loc) or None
                value = error.get("input") if loc and error.get("type") != "missing" else None
                message = str(error.get("msg", "invalid"))
                if error.get("type") == "extra_forbidden":
                    allowed = ", ".join(TrackingEventRecord.model_fields)
                    message = f"unknown field; allowed: {allowed}"
                problems.append(EventProblem(index, name, _shown(value), message))
    return events, problems


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_ENUM_FIELDS = tuple(
    name
    for name in CONTENT_FIELDS
    if isinstance(TrackingEventRecord.model_fields[name].annotation, type)
    and issubclass(TrackingEventRecord.model_fields[name].annotation, Enum)  # type: ignore[arg-type]
)


def _row(event: TrackingEventRecord) -> dict[str, Any]:
    values = event.__dict__  # the validated fields, read directly (this runs per event)
    row: dict[str, Any] = {"event_id": values["event_id"]}
    for name in CONTENT_FIELDS:
        row[name] = values[name]
    row["occurred_at"] = _utc(row["occurred_at"])
    for name in _ENUM_FIELDS:
        row[name] = row[name].value
    return row


def _differences(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    changed = []
    for name in CONTENT_FIELDS:
        a, b = new.get(name), old.get(name)
        if isinstance(a, datetime) and isinstance(b, datetime):
            a, b = _utc(a), _utc(b)
        if a != b:
            changed.append(name)
    return changed


def _in(column: Any, values: Iterable[str]) -> Any:
    return column.in_(bindparam(f"in_{column.name}", list(values), expanding=True))


def _unknown(
    connection: Connection, table: Any, column: str, workspace: str, wanted: set[str]
) -> set[str]:
    if not wanted:
        return set()
    found = set(
        connection.execute(
            select(table.c[column]).where(
                table.c.workspace == workspace, _in(table.c[column], wanted)
            )
        ).scalars()
    )
    return wanted - found


def _check_batch(
    connection: Connection, workspace: str, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str], dict[str, int]]:
    """(first row of each event id, ids sent twice alike, index of each id); refuses the
    batch for an id sent twice unalike, or an id of a campaign, post or creator the
    workspace does not hold."""
    problems: list[EventProblem] = []
    first: dict[str, tuple[int, dict[str, Any]]] = {}
    fresh: list[dict[str, Any]] = []
    duplicates: list[str] = []
    for index, row in enumerate(rows):
        seen = first.get(row["event_id"])
        if seen is None:
            first[row["event_id"]] = (index, row)
            fresh.append(row)
            continue
        changed = _differences(row, seen[1])
        if changed:
            problems.append(
                EventProblem(
                    index,
                    "event_id",
                    _shown(row["event_id"]),
                    f"appears earlier in this batch (event {seen[0]}) with different "
                    f"{', '.join(changed)}; an event_id names one event: give this one its own",
                )
            )
        else:
            duplicates.append(row["event_id"])
    index_of = {event_id: index for event_id, (index, _) in first.items()}
    for column, table, what in (
        ("campaign_id", campaigns, "campaign"),
        ("post_id", posts, "post"),
        ("creator_id", creators, "creator"),
    ):
        if column not in CONTENT_FIELDS:
            continue
        wanted = {r[column] for r in fresh if r.get(column) is not None}
        missing = _unknown(connection, table, column, workspace, wanted)
        for row in fresh:
            if row.get(column) in missing:
                problems.append(
                    EventProblem(
                        index_of[row["event_id"]],
                        column,
                        _shown(row[column]),
                        f"no {what} with this id in workspace {workspace!r}",
                    )
                )
    if problems:
        raise EventsRefused(problems[:_SHOWN_ERRORS])
    return fresh, duplicates, index_of


def _compare_stored(
    connection: Connection,
    workspace: str,
    rows: list[dict[str, Any]],
    index_of: dict[str, int],
) -> list[str]:
    """The ids of ``rows`` (all stored already) that say what is stored: duplicates.

    Refuses the batch for any that says something else.
    """
    if not rows:
        return []
    columns = [tracking_events.c.event_id, *(tracking_events.c[n] for n in CONTENT_FIELDS)]
    stored = {
        found["event_id"]: dict(found)
        for found in connection.execute(
            select(*columns).where(
                tracking_events.c.workspace == workspace,
                _in(tracking_events.c.event_id, sorted(r["event_id"] for r in rows)),
            )
        ).mappings()
    }
    problems = []
    for row in rows:
        changed = _differences(row, stored[row["event_id"]])
        if changed:
            problems.append(
                EventProblem(
                    index_of[row["event_id"]],
                    "event_id",
                    _shown(row["event_id"]),
                    f"is already stored with different {', '.join(changed)}; an event_id "
                    "names one event forever: send a new event_id for a new event",
                )
            )
    if problems:
        raise EventsRefused(problems[:_SHOWN_ERRORS])
    return [r["event_id"] for r in rows]


def _store_batch(
    connection: Connection, workspace: str, rows: list[dict[str, Any]], received_at: datetime
) -> tuple[list[dict[str, Any]], list[str]]:
    """Insert the batch's new events: (the new rows, the duplicates' ids), or refuse it whole.

    SQLite looks the ids up (by primary key) and inserts the new ones; PostgreSQL
    inserts with ``ON CONFLICT DO NOTHING`` and compares the ones it skipped (a
    look-up by a list of ids there is planned from statistics, and on a freshly
    loaded table was a scan per id). A refusal rolls the transaction back.
    """
    fresh, duplicates, index_of = _check_batch(connection, workspace, rows)
    if connection.dialect.name == "postgresql":
        inserted = _insert_postgres(connection, workspace, fresh, received_at)
        again = [r for r in fresh if r["event_id"] not in inserted]
        duplicates += _compare_stored(connection, workspace, again, index_of)
        new = [r for r in fresh if r["event_id"] in inserted]
        apply_events(connection, workspace, new)
        return new, duplicates
    known = _stored_ids(connection, workspace, [r["event_id"] for r in fresh])
    duplicates += _compare_stored(
        connection, workspace, [r for r in fresh if r["event_id"] in known], index_of
    )
    new = [r for r in fresh if r["event_id"] not in known]
    _insert_sqlite(connection, workspace, new, received_at)
    apply_events(connection, workspace, new)  # the KPIs' aggregates, in this transaction
    return new, duplicates


# ------------------------------------------------------------------ the store


_engines: dict[tuple[int, str], Engine] = {}
_engines_lock = threading.Lock()
_batch_lock = threading.Lock()
"""Batches of one process take their turn here, not in the store's lock (cheaper to wait on)."""
_recorded: set[tuple[str, str, str, str]] = set()
"""(store, workspace, sender, hour) whose hourly audit record is known to exist."""


def _full_sync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before it returns
    cursor.close()


def events_engine(settings: Settings) -> Engine:
    """The engine event batches are written with, kept per process and store.

    SQLite: ``synchronous=FULL`` (the store's other writers use ``NORMAL``, which
    keeps a commit safe from a killed process but not from a power cut), so an
    acknowledged batch is on disk. PostgreSQL commits durably by default
    (``synchronous_commit=on``); the shared kept engine is used.
    """
    url = settings.resolved_database_url()
    if not url.startswith("sqlite"):
        return kept_engine(settings)
    key = (os.getpid(), url)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            kept_engine(settings)  # the store exists and is migrated (or says why not)
            engine = create_store_engine(url, busy_timeout_s=settings.busy_timeout_s)
            event.listen(engine, "connect", _full_sync)
            _engines[key] = engine
        return engine


def _hour(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:00Z")


def _remember(key: tuple[str, str, str, str]) -> None:
    """Remember that the hour's record exists; forget other hours (the set stays small)."""
    for old in [k for k in _recorded if k[3] != key[3]]:
        _recorded.discard(old)
    _recorded.add(key)


def _needs_record(engine: Engine, key: tuple[str, str, str, str]) -> bool:
    if key in _recorded:
        return False
    _, workspace, sender, hour = key
    with engine.connect() as connection:
        found = connection.execute(
            select(audit_log.c.seq)
            .where(
                audit_log.c.workspace == workspace,
                audit_log.c.actor == sender,
                audit_log.c.action == AUDIT_ACTION,
                audit_log.c.subject == f"events {hour}",
            )
            .limit(1)
        ).first()
    if found is not None:
        _remember(key)
        return False
    return True


def _digest(rows: Sequence[Mapping[str, Any]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(str(row["event_id"]).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def accept_events(
    records: Sequence[TrackingEventRecord | Mapping[str, Any]],
    *,
    actor: Actor,
    workspace: str | None = None,
    settings: Settings | None = None,
) -> EventReceipt:
    """Store a batch of tracking events once each; durable before this returns.

    Parameters
    ----------
    records
        The batch: interchange records or mappings of their fields (validated here).
    actor
        Who sends them (analyst or admin); named in the hourly audit record.
    workspace
        The workspace they belong to (default: the actor's).

    Returns
    -------
    EventReceipt
        How many were accepted and how many were duplicates.

    Raises
    ------
    EventsRefused
        Any event invalid, naming another workspace's (or no) campaign, post or
        creator, or re-using a stored ``event_id`` with different content; the
        whole batch is refused and nothing is stored. :class:`BatchTooLarge` over
        :data:`MAX_BATCH` events.
    """
    settings = settings or get_settings()
    require_role(actor, Role.analyst)
    workspace = check_workspace(workspace or actor.workspace)
    if workspace != actor.workspace:
        raise ConfigurationError(
            f"{actor.audit_name} acts for workspace {actor.workspace!r}, not {workspace!r}"
        )
    if len(records) > MAX_BATCH:
        raise BatchTooLarge(len(records))
    rows = event_rows(records)  # the whole batch in pydantic-core, when it is sure
    if rows is None:  # else each event through the record, which names every problem
        events, problems = _validated(records)
        if problems:
            raise EventsRefused(problems[:_SHOWN_ERRORS], truncated=len(problems) > _SHOWN_ERRORS)
        rows = [_row(e) for e in events]
    engine = events_engine(settings)
    received_at = datetime.now(UTC)
    key = (store_location(settings), workspace, actor.audit_name, _hour(received_at))
    with _batch_lock:
        return _commit(settings, engine, actor, workspace, rows, received_at, key)


def _commit(
    settings: Settings,
    engine: Engine,
    actor: Actor,
    workspace: str,
    rows: list[dict[str, Any]],
    received_at: datetime,
    key: tuple[str, str, str, str],
) -> EventReceipt:
    audited = _needs_record(engine, key)
    if audited:
        with audited_transaction(settings, engine) as connection:
            new, duplicates = _store_batch(connection, workspace, rows, received_at)
            entry = record_audit(
                settings,
                connection,
                actor=actor.audit_name,
                action=AUDIT_ACTION,
                subject=f"events {key[3]}",
                workspace=workspace,
                input_digest=_digest(rows),
                details={
                    "first_batch": {
                        "received": len(rows),
                        "accepted": len(new),
                        "duplicates": len(duplicates),
                    },
                    "note": "the first batch this sender delivered in this hour; later "
                    "batches of the hour are not recorded one by one (each event keeps "
                    "its received_at)",
                },
            )
        confirm_anchor(settings, entry.head)
        _remember(key)
        audit_seq: int | None = entry.seq
    else:
        with write_transaction(engine) as connection:
            claim_pending(connection)
            new, duplicates = _store_batch(connection, workspace, rows, received_at)
        audit_seq = None
    return EventReceipt(
        workspace=workspace,
        received=len(rows),
        accepted=len(new),
        duplicates=len(duplicates),
        received_at=received_at,
        digest=_digest(rows),
        duplicate_ids=duplicates,
        audit_seq=audit_seq,
        campaigns=tuple(sorted({r["campaign_id"] for r in new})),
    )


def _stored_ids(connection: Connection, workspace: str, ids: list[str]) -> set[str]:
    """SQLite: which of ``ids`` the workspace holds already (primary-key look-ups)."""
    found: set[str] = set()
    for start in range(0, len(ids), 30_000):  # SQLite's limit on parameters is 32,766
        chunk = ids[start : start + 30_000]
        marks = ",".join("?" * len(chunk))
        result = connection.exec_driver_sql(
            f"SELECT event_id FROM tracking_events WHERE workspace = ? AND event_id IN ({marks})",
            (workspace, *chunk),
        )
        found.update(row[0] for row in result)
    return found


def _columns() -> list[str]:
    names = ["workspace", "event_id", *CONTENT_FIELDS]
    return [*names, "received_at"] if "received_at" in tracking_events.c else names


def _values(
    connection: Connection, workspace: str, rows: list[dict[str, Any]], received_at: datetime
) -> list[tuple[Any, ...]]:
    """Each row's values as SQLAlchemy would bind them: each column type's bind processor
    for this dialect (SQLite keeps date-times as text in SQLAlchemy's own format, which
    the other readers of the table compare and sort)."""
    dialect = connection.dialect
    processors = {
        name: f
        for name in CONTENT_FIELDS
        if (f := tracking_events.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    }
    tail: tuple[Any, ...] = ()
    if "received_at" in tracking_events.c:
        stamp = tracking_events.c.received_at.type.dialect_impl(dialect).bind_processor(dialect)
        tail = (stamp(received_at) if stamp else received_at,)
    if processors:
        rows = [
            {**r, **{n: f(r[n]) for n, f in processors.items() if r[n] is not None}} for r in rows
        ]
    return [(workspace, r["event_id"], *(r[n] for n in CONTENT_FIELDS), *tail) for r in rows]


def _insert_sqlite(
    connection: Connection, workspace: str, rows: list[dict[str, Any]], received_at: datetime
) -> None:
    """One executemany: the values sent as SQLAlchemy would, without its per-row work
    (which cost more than SQLite's own, ``benchmarks/bench_events.py``)."""
    if not rows:
        return
    names = _columns()
    marks = ", ".join("?" * len(names))
    connection.exec_driver_sql(
        f"INSERT INTO tracking_events ({', '.join(names)}) VALUES ({marks})",
        _values(connection, workspace, rows, received_at),
    )


_copy_types: dict[str, list[int]] = {}


def _insert_postgres(
    connection: Connection, workspace: str, rows: list[dict[str, Any]], received_at: datetime
) -> set[str]:
    """A binary COPY into a temporary table, then ``INSERT … SELECT … ON CONFLICT DO
    NOTHING RETURNING``: the ids inserted (a quarter faster than one insert from
    ``unnest`` of arrays). The temporary table is the session's own, made once per set
    of columns; the values keep their Python types (int, float, aware date-times)."""
    if not rows:
        return set()
    names = ", ".join(_columns())
    # named after the columns: a session that outlived a migration never reuses a stale one
    table = "incoming_events_" + hashlib.sha256(names.encode()).hexdigest()[:12]
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(  # emptied by every commit; a rollback takes its rows back too
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ON COMMIT DELETE ROWS "
            f"AS SELECT {names} FROM tracking_events WITH NO DATA"
        )
        types = _copy_types.get(table)
        if types is None:  # the columns' type ids, for a binary COPY (2.5x the text one)
            cursor.execute(f"SELECT {names} FROM {table} LIMIT 0")
            types = _copy_types[table] = [column.type_code for column in cursor.description or ()]
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in _values(connection, workspace, rows, received_at):
                copy.write_row(row)
    result = connection.exec_driver_sql(
        f"INSERT INTO tracking_events ({names}) SELECT {names} FROM {table} "
        "ON CONFLICT (workspace, event_id) DO NOTHING RETURNING event_id"
    )
    return {row[0] for row in result}
