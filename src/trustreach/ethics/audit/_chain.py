"""Hash-chained audit records stored in the ``audit_log`` table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, text

from trustreach.core import AuditChainError
from trustreach.store import audit_log

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainHead:
    """The last record of the chain: its sequence number and hash."""

    seq: int
    hash: str


@dataclass(frozen=True)
class AuditEntry:
    """One audit record as stored.

    ``model_name``/``model_version`` are set when an AI produced the output the
    record is about; ``input_digest`` is a SHA-256 of the inputs.
    """

    seq: int
    recorded_at: datetime
    workspace: str | None
    actor: str
    action: str
    subject: str | None
    model_name: str | None
    model_version: str | None
    input_digest: str | None
    details: str
    prev_hash: str
    hash: str

    @property
    def head(self) -> ChainHead:
        """This record as the head of the chain (what an anchor remembers)."""
        return ChainHead(self.seq, self.hash)

    def details_dict(self) -> dict[str, Any]:
        """The details as a dictionary."""
        loaded: dict[str, Any] = json.loads(self.details)
        return loaded


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _record_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _fields(entry: AuditEntry | dict[str, Any]) -> dict[str, Any]:
    data = entry if isinstance(entry, dict) else entry.__dict__
    return {
        "seq": data["seq"],
        "recorded_at": _canonical_time(data["recorded_at"]),
        "workspace": data["workspace"],
        "actor": data["actor"],
        "action": data["action"],
        "subject": data["subject"],
        "model_name": data["model_name"],
        "model_version": data["model_version"],
        "input_digest": data["input_digest"],
        "details": data["details"],
    }


def digest_json(value: Any) -> str:
    """SHA-256 of a JSON-serialisable value in canonical form.

    >>> digest_json({"b": 1, "a": [2]}) == digest_json({"a": [2], "b": 1})
    True
    """
    payload = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def digest_file(path: Path, only: Iterable[Path] | None = None) -> str:
    """SHA-256 of a file's bytes (or of a directory's files, by relative name).

    ``only`` limits a directory's digest to those files (the ones a command
    actually read), so nothing else in the folder is opened.
    """
    sha = hashlib.sha256()
    if only is not None:
        files = sorted(only)
    else:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            sha.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                sha.update(chunk)
    return sha.hexdigest()


def append_audit(
    connection: Connection,
    *,
    actor: str,
    action: str,
    subject: str | None = None,
    workspace: str | None = None,
    details: dict[str, Any] | None = None,
    model_name: str | None = None,
    model_version: str | None = None,
    input_digest: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one record to the chain inside the caller's transaction.

    On PostgreSQL the table is locked for the rest of the transaction so two
    writers cannot both claim the same sequence number.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
    last = connection.execute(
        select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (1, GENESIS_HASH) if last is None else (last.seq + 1, last.hash)
    recorded_at = (now or datetime.now(UTC)).astimezone(UTC)
    values: dict[str, Any] = {
        "seq": seq,
        "recorded_at": recorded_at,
        "workspace": workspace,
        "actor": actor,
        "action": action,
        "subject": subject,
        "model_name": model_name,
        "model_version": model_version,
        "input_digest": input_digest,
        "details": json.dumps(details or {}, sort_keys=True, separators=(",", ":"), default=str),
        "prev_hash": prev_hash,
    }
    values["hash"] = _record_hash(prev_hash, _fields(values))
    connection.execute(audit_log.insert().values(**values))
    return AuditEntry(**values)


def read_audit(
    connection: Connection, *, workspace: str | None = None, limit: int | None = None
) -> Iterator[AuditEntry]:
    """Audit records in chain order (optionally one workspace's, optionally the last ``limit``)."""
    query = select(audit_log).order_by(audit_log.c.seq)
    if workspace is not None:
        query = query.where(audit_log.c.workspace == workspace)
    if limit is not None:
        total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        query = query.offset(max(0, total - limit))
    for row in connection.execute(query).mappings():
        yield AuditEntry(**row)


RECOVERY_ACTION = "audit.recover"


@dataclass(frozen=True)
class ChainBreak:
    """One place where the chain does not verify.

    ``kind`` is ``missing``, ``link`` or ``altered`` inside the chain, or one of the
    anchor's kinds (see :mod:`trustreach.ethics.audit._anchor`); ``acknowledged_by``
    is the sequence number of the recovery record a person wrote about it, if any.
    ``evidence`` pins what was found (the hash the altered record's content has
    now, the link a record holds, the next record present after a gap), so a
    recovery acknowledges this break and not a later, different change at the
    same record.
    """

    seq: int
    kind: str
    reason: str
    evidence: str = ""
    acknowledged_by: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """What a recovery record keeps of the break."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "reason": self.reason,
            "evidence": self.evidence,
        }

    def error(self) -> AuditChainError:
        """The error that names this break."""
        return AuditChainError(self.seq, self.reason)


@dataclass
class ChainScan:
    """Everything one pass over the chain found.

    ``heads`` maps each present record's sequence number to its stored hash, so
    an anchor or a checkpoint can be looked up without a second pass.
    """

    head: ChainHead | None = None
    records: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    recoveries: list[AuditEntry] = field(default_factory=list)
    heads: dict[int, str] = field(default_factory=dict)

    def acknowledge(self) -> None:
        """Mark each break that a later recovery record lists as acknowledged by it."""
        acknowledged: dict[tuple[int, str, str], int] = {}
        for entry in self.recoveries:
            for item in entry.details_dict().get("breaks", []):
                if isinstance(item, dict) and isinstance(item.get("seq"), int):
                    key = (item["seq"], str(item.get("kind")), str(item.get("evidence", "")))
                    acknowledged.setdefault(key, entry.seq)
        self.breaks = [
            ChainBreak(b.seq, b.kind, b.reason, b.evidence, by)
            if (by := acknowledged.get((b.seq, b.kind, b.evidence))) is not None and by > b.seq
            else b
            for b in self.breaks
        ]

    @property
    def unacknowledged(self) -> list[ChainBreak]:
        """The breaks no person has recorded a recovery for, first first."""
        return [b for b in self.breaks if b.acknowledged_by is None]


def scan_chain(connection: Connection) -> ChainScan:
    """Check every record of the chain, carrying on past a break to find the others.

    After a missing range the next record's own link is taken as given (the gap
    is one break, not two); after an altered record the chain continues from its
    stored hash, so a record edited without rehashing is one break too. Breaks
    that a later ``audit.recover`` record lists are marked acknowledged.
    """
    scan = ChainScan()
    expected_seq, prev_hash = 1, GENESIS_HASH
    for entry in read_audit(connection):
        scan.records += 1
        if entry.seq != expected_seq:
            gap = (
                f"record {expected_seq}"
                if entry.seq == expected_seq + 1
                else f"records {expected_seq}-{entry.seq - 1}"
            )
            verb = "is" if entry.seq == expected_seq + 1 else "are"
            scan.breaks.append(
                ChainBreak(
                    expected_seq,
                    "missing",
                    f"{gap} {verb} missing (next present is {entry.seq})",
                    str(entry.seq),
                )
            )
        elif entry.prev_hash != prev_hash:
            scan.breaks.append(
                ChainBreak(
                    entry.seq,
                    "link",
                    "its link to the previous record does not match (deleted or reordered)",
                    entry.prev_hash,
                )
            )
        if (content := _record_hash(entry.prev_hash, _fields(entry))) != entry.hash:
            scan.breaks.append(
                ChainBreak(
                    entry.seq, "altered", "its content does not match its hash (altered)", content
                )
            )
        if entry.action == RECOVERY_ACTION:
            scan.recoveries.append(entry)
        scan.heads[entry.seq] = entry.hash
        scan.head = ChainHead(entry.seq, entry.hash)
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    scan.acknowledge()
    return scan


def verify_chain(connection: Connection, *, anchor: ChainHead | None = None) -> ChainHead | None:
    """Check every record of the chain; return its head (None for an empty log).

    ``anchor`` is a head known from outside the database: the chain must still
    hold that record, unchanged (records after it are not judged here; the
    services' anchor also pins the head, see :func:`anchor_breaks`).

    Raises
    ------
    AuditChainError
        At the first record that was changed, deleted, inserted or reordered and
        that no recovery record acknowledges, or when the chain ends before the
        ``anchor`` it was expected to reach.
    """
    scan = scan_chain(connection)
    found = list(scan.unacknowledged)
    if anchor is not None:
        found += [b for b in _against_head(scan, anchor) if b.kind != "beyond"]
    if found:
        raise min(found, key=lambda b: b.seq).error()
    return scan.head


def _against_head(scan: ChainScan, anchor: ChainHead) -> list[ChainBreak]:
    stored = scan.heads.get(anchor.seq)
    if stored is None:
        last = 0 if scan.head is None else scan.head.seq
        seq = min(last + 1, anchor.seq)
        return [
            ChainBreak(
                seq,
                "truncated",
                f"the chain ends before the anchored head (record {anchor.seq}); records removed",
            )
        ]
    if stored != anchor.hash:
        return [
            ChainBreak(
                anchor.seq,
                "rewritten",
                "it does not match the anchored hash (the records up to it were rewritten)",
            )
        ]
    if scan.head is not None and scan.head.seq > anchor.seq:
        first, last = anchor.seq + 1, scan.head.seq
        span = f"record {first} comes" if first == last else f"records {first}-{last} come"
        return [
            ChainBreak(
                first,
                "beyond",
                f"{span} after the anchored head (record {anchor.seq}): written "
                "without updating the anchor (outside trustreach, or by a process that "
                "was stopped before it could)",
            )
        ]
    return []
