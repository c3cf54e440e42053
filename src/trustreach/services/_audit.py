"""Audit-log use-cases: verify the chain, list records, record a recovery, export a checkpoint."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trustreach.core import ConfigurationError, Settings, get_settings
from trustreach.ethics.audit import (
    RECOVERY_ACTION,
    AuditEntry,
    ChainBreak,
    ChainHead,
    ChainScan,
    append_audit,
    read_audit,
)
from trustreach.services._audit_guard import (
    announce_recovery,
    chain_status,
    confirm_anchor,
    lock_chain,
    read_anchor_state,
)
from trustreach.services._context import store, store_location
from trustreach.store import write_transaction

CHECKPOINT_FORMAT = "trustreach-audit-checkpoint/1"
_MAX_CHECKPOINT_BYTES = 4096


@dataclass(frozen=True)
class Checkpoint:
    """A chain head exported to be kept where the store's writers cannot change it."""

    seq: int
    hash: str
    store: str
    source: str = ""


@dataclass
class AuditVerdict:
    """What verifying the chain found: its head, every break, and the recoveries."""

    head: ChainHead | None
    records: int
    breaks: list[ChainBreak] = field(default_factory=list)
    recoveries: list[AuditEntry] = field(default_factory=list)

    @property
    def unacknowledged(self) -> list[ChainBreak]:
        """Breaks no recovery record acknowledges: the log does not verify."""
        return [b for b in self.breaks if b.acknowledged_by is None]


def _checkpoint_breaks(scan: ChainScan, checkpoints: Sequence[Checkpoint]) -> list[ChainBreak]:
    found = []
    for point in checkpoints:
        stored = scan.heads.get(point.seq)
        if stored == point.hash:
            continue
        why = "is missing" if stored is None else "does not match"
        found.append(
            ChainBreak(
                point.seq,
                "checkpoint",
                f"it {why} the checkpoint {point.source} (exported head: record {point.seq})",
                point.hash,
            )
        )
    return found


def inspect_audit_log(
    settings: Settings | None = None, *, checkpoints: Sequence[Checkpoint] = ()
) -> AuditVerdict:
    """Scan the whole chain against its anchor (and any checkpoints); raise nothing."""
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as connection:
        scan = chain_status(settings, connection)
    breaks = sorted(scan.breaks + _checkpoint_breaks(scan, checkpoints), key=lambda b: b.seq)
    return AuditVerdict(scan.head, scan.records, breaks, scan.recoveries)


def verify_audit_log(
    settings: Settings | None = None, *, checkpoints: Sequence[Checkpoint] = ()
) -> ChainHead | None:
    """Verify the whole chain against its anchor; return the head.

    Raises :class:`~trustreach.core.AuditChainError` naming the first break that
    no recovery record acknowledges (a missing or unreadable anchor on a store
    with records is such a break).
    """
    verdict = inspect_audit_log(settings, checkpoints=checkpoints)
    if verdict.unacknowledged:
        raise verdict.unacknowledged[0].error()
    return verdict.head


def list_audit(
    *, workspace: str | None = None, limit: int = 20, settings: Settings | None = None
) -> list[AuditEntry]:
    """The last ``limit`` audit records (optionally of one workspace), oldest first."""
    with store(settings or get_settings(), create=False) as engine, engine.connect() as connection:
        return list(read_audit(connection, workspace=workspace, limit=limit))


@dataclass(frozen=True)
class Recovery:
    """The recovery record written, and the breaks it acknowledges."""

    seq: int
    breaks: list[ChainBreak]


def recover_audit_log(*, by: str, reason: str, settings: Settings | None = None) -> Recovery | None:
    """Record that a person looked into the chain's breaks; writing resumes after it.

    The breaks stay in the log: the ``audit.recover`` record lists each one (with
    what was found), who recorded it and why, and every later verification shows
    them as acknowledged by it. The anchor then names the recovery record. Returns
    None, writing nothing, when the chain verifies.
    """
    by, reason = by.strip(), reason.strip()
    if not by:
        raise ConfigurationError("--by must name the person recording the recovery")
    if len(reason) < 10:
        raise ConfigurationError(
            "--reason must say what was found and done (at least 10 characters)"
        )
    settings = settings or get_settings()
    state, problem = read_anchor_state(settings)
    with store(settings, create=False) as engine:
        with write_transaction(engine) as connection:
            lock_chain(connection)
            scan = chain_status(settings, connection)
            open_breaks = scan.unacknowledged
            if not open_breaks:
                return None
            anchor: dict[str, Any] | None = None
            if state is not None and state.head is not None:
                anchor = {"seq": state.head.seq, "hash": state.head.hash}
            entry = append_audit(
                connection,
                actor=by,
                action=RECOVERY_ACTION,
                details={
                    "reason": reason,
                    "breaks": [b.as_dict() for b in open_breaks],
                    "anchor_before": anchor,
                    "anchor_problem": problem,
                    "head_before": None
                    if scan.head is None
                    else {"seq": scan.head.seq, "hash": scan.head.hash},
                    "store": store_location(settings),
                },
            )
            announce_recovery(settings, entry)
        confirm_anchor(settings, entry.head)
    return Recovery(entry.seq, open_breaks)


def export_checkpoint(settings: Settings | None = None) -> dict[str, Any]:
    """The chain's verified head as a checkpoint document (see :func:`read_checkpoint`).

    Refuses (:class:`~trustreach.core.AuditChainError`) when the chain does not
    verify: a checkpoint vouches for the chain up to its head.
    """
    settings = settings or get_settings()
    head = verify_audit_log(settings)
    if head is None:
        raise ConfigurationError("the audit log is empty: there is no head to checkpoint yet")
    return {
        "format": CHECKPOINT_FORMAT,
        "store": store_location(settings),
        "seq": head.seq,
        "hash": head.hash,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file written by ``trustreach audit checkpoint``."""
    name = f"checkpoint file {str(path)!r}"
    try:
        if not path.is_file():
            raise ConfigurationError(f"{name} is not a regular file")
        with path.open("rb") as handle:
            raw = handle.read(_MAX_CHECKPOINT_BYTES + 1)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigurationError(f"{name} cannot be read: {error}") from None
    if len(raw) > _MAX_CHECKPOINT_BYTES or not isinstance(data, dict):
        raise ConfigurationError(f"{name} is not a trustreach audit checkpoint")
    if data.get("format") != CHECKPOINT_FORMAT:
        raise ConfigurationError(
            f"{name} has format {data.get('format')!r}; allowed: {CHECKPOINT_FORMAT!r}"
        )
    seq, digest = data.get("seq"), data.get("hash")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ConfigurationError(f"{name}: 'seq' is {seq!r}; allowed: a record number, 1 or more")
    if not isinstance(digest, str) or len(digest) != 64:
        raise ConfigurationError(f"{name}: 'hash' must be 64 hex digits")
    return Checkpoint(seq, digest, str(data.get("store", "")), str(path))
