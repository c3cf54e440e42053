"""Every audited write goes through here: the chain must verify before it grows.

A write first checks the whole chain against its anchor (see
:mod:`trustreach.ethics.audit._anchor`); if anything does not verify and no
person has recorded a recovery for it, the write is refused and nothing is
written. The anchor is updated in two steps around the commit — the new head is
announced as ``pending`` before, confirmed after — so a process killed at any
point leaves a chain and an anchor that still agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from trustreach.core import AuditChainError, Settings, exclusive_lock, write_text_atomically
from trustreach.ethics.audit import (
    AnchorState,
    AnchorUnreadable,
    AuditEntry,
    ChainBreak,
    ChainHead,
    ChainScan,
    anchor_breaks,
    append_audit,
    digest_file,
    dump_anchor,
    parse_anchor,
    scan_chain,
)
from trustreach.services._context import store, store_identity
from trustreach.services._idempotency import claim_pending
from trustreach.store import write_transaction
from trustreach.store._tables import workspaces

_MAX_ANCHOR_BYTES = 4096
_BASE = "trustreach.audit_base"  # connection.info key: the head a transaction started from

RECOVER_HINT = (
    "nothing was written. Review the log (`trustreach audit verify`, `trustreach audit log`); "
    "once a person has looked into it, record that with "
    "`trustreach audit recover --by NAME --reason TEXT` and writing resumes"
)


class ChainRefused(AuditChainError):
    """A write refused because the chain does not verify."""

    def __init__(self, found: ChainBreak, others: int) -> None:
        more = f" (and {others} more)" if others else ""
        super().__init__(found.seq, f"{found.reason}{more}; {RECOVER_HINT}")
        self.found = found


def anchor_path(settings: Settings) -> Path:
    """Where the audit chain's anchor is kept, outside the database."""
    tag = hashlib.sha256(store_identity(settings).encode()).hexdigest()[:12]
    return settings.data_dir / f"audit-anchor-{tag}.json"


def _legacy_anchor_path(settings: Settings) -> Path:
    # before anchors were named by the store's identity: by the URL as spelled
    tag = hashlib.sha256(settings.resolved_database_url().encode()).hexdigest()[:12]
    return settings.data_dir / f"audit-anchor-{tag}.json"


def read_anchor_state(settings: Settings) -> tuple[AnchorState | None, str | None]:
    """The anchor, and None; or None and why the anchor file cannot be used.

    No anchor file at all is ``(None, None)``.
    """
    path = anchor_path(settings)
    if not path.exists() and not path.is_symlink():
        path = _legacy_anchor_path(settings)
        if not path.exists() and not path.is_symlink():
            return None, None
    problem = f"{path} cannot be used"
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        return None, f"{problem}: it is {kind}"
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_ANCHOR_BYTES + 1)
    except OSError as error:
        return None, f"{problem}: {error.strerror or error}"
    if len(raw) > _MAX_ANCHOR_BYTES:
        return None, f"{problem}: it is larger than {_MAX_ANCHOR_BYTES} bytes"
    try:
        return parse_anchor(raw), None
    except AnchorUnreadable as error:
        return None, f"{problem}: {error}"


def read_anchor(settings: Settings) -> ChainHead | None:
    """The confirmed head the anchor holds (None without a readable anchor)."""
    state, _ = read_anchor_state(settings)
    return None if state is None else state.head


def chain_status(settings: Settings, connection: Connection) -> ChainScan:
    """The chain scanned, with what its anchor says added to the breaks."""
    scan = scan_chain(connection)
    state, problem = read_anchor_state(settings)
    holds_data = connection.execute(select(workspaces.c.workspace).limit(1)).first() is not None
    scan.breaks += anchor_breaks(scan, state, problem=problem, holds_data=holds_data)
    scan.breaks.sort(key=lambda b: b.seq)
    return scan


def lock_chain(connection: Connection) -> None:
    """Hold the chain for this transaction: no other writer appends until it ends.

    PostgreSQL takes a table lock; SQLite's write transaction already holds the
    database (see :func:`trustreach.store.write_transaction`).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))


def check_writable(settings: Settings, connection: Connection) -> ChainScan:
    """The scan, or :class:`ChainRefused` naming the first break no one recovered."""
    scan = chain_status(settings, connection)
    open_breaks = scan.unacknowledged
    if open_breaks:
        raise ChainRefused(open_breaks[0], len(open_breaks) - 1)
    return scan


@contextmanager
def audited_transaction(settings: Settings, engine: Engine) -> Iterator[Connection]:
    """A write transaction that may append audit records: the chain is checked first.

    The chain is held (see :func:`lock_chain`) and verified against its anchor
    before the caller changes anything; a chain that does not verify refuses the
    whole use-case with :class:`ChainRefused`. A request's idempotency key, when
    one is pending, is claimed in this same transaction
    (:func:`~trustreach.services._idempotency.claim_pending`). Commits when the
    block ends.
    """
    with write_transaction(engine) as connection:
        lock_chain(connection)
        scan = check_writable(settings, connection)
        connection.info[_BASE] = (connection.get_transaction(), scan.head)
        claim_pending(connection)
        yield connection


def record_audit(settings: Settings, connection: Connection, **fields: Any) -> AuditEntry:
    """Append one audit record inside an :func:`audited_transaction`.

    Takes :func:`~trustreach.ethics.audit.append_audit`'s keyword arguments. The
    new head is announced in the anchor before the commit; call
    :func:`confirm_anchor` with the entry's head once the transaction has committed.
    """
    held = connection.info.get(_BASE)
    if held is None or held[0] is not connection.get_transaction():
        raise RuntimeError("record_audit must run inside audited_transaction(settings, engine)")
    entry = append_audit(connection, **fields)
    _write_state(settings, AnchorState(held[1], entry.head))
    return entry


def audit_file_work(settings: Settings, *, source: Path, **fields: Any) -> int:
    """Record work done on a file (scoring, analysis, classification); its sequence number.

    One audited transaction of its own (the store is created if need be): the
    record's subject is the file's path and its input digest the file's digest.
    Takes :func:`record_audit`'s other keyword arguments (``actor``, ``action``,
    ``model_name``, ``details``, ...).
    """
    with store(settings, create=True) as engine:
        with audited_transaction(settings, engine) as connection:
            entry = record_audit(
                settings,
                connection,
                subject=str(source),
                input_digest=digest_file(source),
                **fields,
            )
        confirm_anchor(settings, entry.head)
    return entry.seq


def _write_state(settings: Settings, state: AnchorState) -> None:
    path = anchor_path(settings)
    with exclusive_lock(path.with_name(path.name + ".lock")):
        write_text_atomically(path, dump_anchor(state))


def confirm_anchor(settings: Settings, head: ChainHead) -> None:
    """After the commit: the announced head becomes the anchored one.

    Does nothing when another writer has announced a newer head since.
    """
    path = anchor_path(settings)
    with exclusive_lock(path.with_name(path.name + ".lock")):
        state, _ = read_anchor_state(settings)
        if state is not None and state.pending == head:
            write_text_atomically(path, dump_anchor(AnchorState(head)))


def announce_recovery(settings: Settings, entry: AuditEntry) -> None:
    """Before a recovery commits: its record is the only head the anchor accepts."""
    _write_state(settings, AnchorState(None, entry.head))
