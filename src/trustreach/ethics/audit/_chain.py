"""Hash-chained audit records stored in the ``audit_log`` table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
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


def digest_file(path: Path) -> str:
    """SHA-256 of a file's bytes (or of a directory's files, by relative name)."""
    sha = hashlib.sha256()
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


def verify_chain(connection: Connection, *, anchor: ChainHead | None = None) -> ChainHead | None:
    """Check every record of the chain; return its head (None for an empty log).

    Raises
    ------
    AuditChainError
        At the first record that was changed, deleted, inserted or reordered,
        or when the chain ends before the ``anchor`` it was expected to reach.
    """
    expected_seq, prev_hash = 1, GENESIS_HASH
    head: ChainHead | None = None
    for entry in read_audit(connection):
        if entry.seq != expected_seq:
            raise AuditChainError(
                expected_seq, f"record {expected_seq} is missing (next present is {entry.seq})"
            )
        if entry.prev_hash != prev_hash:
            raise AuditChainError(
                entry.seq, "its link to the previous record does not match (deleted or reordered)"
            )
        if _record_hash(prev_hash, _fields(entry)) != entry.hash:
            raise AuditChainError(entry.seq, "its content does not match its hash (altered)")
        if anchor is not None and entry.seq == anchor.seq and entry.hash != anchor.hash:
            raise AuditChainError(entry.seq, "it does not match the anchored hash")
        head = ChainHead(entry.seq, entry.hash)
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    if anchor is not None and (head is None or head.seq < anchor.seq):
        seq = 1 if head is None else head.seq + 1
        raise AuditChainError(
            seq, f"the chain ends before the anchored head (record {anchor.seq}); records removed"
        )
    return head
