"""The tamper-evident audit log: append-only, hash-chained records.

Each record's hash covers its own fields and the previous record's hash, so
changing, deleting or reordering any record breaks the chain from that point
on; :func:`verify_chain` names the first broken record. Deleting records at the
end leaves a valid but shorter chain: pass the last known head (``anchor``,
kept outside the database) to catch that too.
"""

from trustreach.ethics.audit._chain import (
    GENESIS_HASH,
    AuditEntry,
    ChainHead,
    append_audit,
    digest_file,
    digest_json,
    read_audit,
    verify_chain,
)

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "ChainHead",
    "append_audit",
    "digest_file",
    "digest_json",
    "read_audit",
    "verify_chain",
]
