"""The tamper-evident audit log: append-only, hash-chained records.

Each record's hash covers its own fields and the previous record's hash, so
changing, deleting or reordering any record breaks the chain from that point
on; :func:`scan_chain` finds every broken record and :func:`verify_chain` names
the first. Deleting records at the end, or rewriting the chain with every hash
recomputed, leaves a chain that is valid on its own: the anchor
(:mod:`~trustreach.ethics.audit._anchor`, the head kept outside the database)
catches that. A person who has looked at a break records it with an
``audit.recover`` record; the break stays visible, acknowledged by it.
"""

from trustreach.ethics.audit._anchor import (
    AnchorState,
    AnchorUnreadable,
    anchor_breaks,
    dump_anchor,
    parse_anchor,
)
from trustreach.ethics.audit._chain import (
    GENESIS_HASH,
    RECOVERY_ACTION,
    AuditEntry,
    ChainBreak,
    ChainHead,
    ChainScan,
    append_audit,
    digest_file,
    digest_json,
    read_audit,
    scan_chain,
    verify_chain,
)

__all__ = [
    "GENESIS_HASH",
    "RECOVERY_ACTION",
    "AnchorState",
    "AnchorUnreadable",
    "AuditEntry",
    "ChainBreak",
    "ChainHead",
    "ChainScan",
    "anchor_breaks",
    "append_audit",
    "digest_file",
    "digest_json",
    "dump_anchor",
    "parse_anchor",
    "read_audit",
    "scan_chain",
    "verify_chain",
]
