"""The anchor: the chain's head as last written by trustreach, kept outside the database.

Whoever can write the database can rewrite the whole chain consistently (every
hash recomputed) or cut records off its end; only a copy of the head kept
elsewhere tells. The anchor pins the head exactly: the chain must end at the
anchored record (``head``), or at the record a write in progress announced
(``pending``) before it committed, so a process killed between its commit and
its anchor update leaves a chain that still verifies.

The anchor is a small JSON file; this module reads, writes and judges it; where
it lives is the services' business.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from trustreach.ethics.audit._chain import ChainBreak, ChainHead, ChainScan, _against_head

ANCHOR_FORMAT = 2
_HASH = re.compile(r"[0-9a-f]{64}\Z")


@dataclass(frozen=True)
class AnchorState:
    """The confirmed head, and the head a write in progress will leave if it commits."""

    head: ChainHead | None
    pending: ChainHead | None = None


class AnchorUnreadable(ValueError):
    """The anchor file exists but does not hold an anchor; the message says why."""


def _head(value: Any, where: str) -> ChainHead | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise AnchorUnreadable(f"its {where} is not an object with 'seq' and 'hash'")
    seq, digest = value.get("seq"), value.get("hash")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise AnchorUnreadable(f"its {where} 'seq' is {seq!r}, not a record number (1 or more)")
    if not isinstance(digest, str) or not _HASH.match(digest):
        raise AnchorUnreadable(f"its {where} 'hash' is not 64 lower-case hex digits")
    return ChainHead(seq, digest)


def parse_anchor(raw: bytes) -> AnchorState:
    """The anchor a file's bytes hold.

    Reads the current format (``{"format": 2, "head": ..., "pending": ...}``) and
    the first one (``{"seq": ..., "hash": ...}``).

    >>> parse_anchor(b'{"seq": 3, "hash": "' + b"a" * 64 + b'"}').head.seq
    3
    >>> parse_anchor(b"")
    Traceback (most recent call last):
    ...
    trustreach.ethics.audit._anchor.AnchorUnreadable: it is empty
    """
    if not raw.strip():
        raise AnchorUnreadable("it is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise AnchorUnreadable(f"it is not JSON ({error})") from None
    if not isinstance(data, dict):
        raise AnchorUnreadable("it is not a JSON object")
    if "format" not in data:
        return AnchorState(_head(data, "head"))
    if data["format"] != ANCHOR_FORMAT:
        raise AnchorUnreadable(f"its format {data['format']!r} is not {ANCHOR_FORMAT}")
    return AnchorState(_head(data.get("head"), "head"), _head(data.get("pending"), "pending"))


def dump_anchor(state: AnchorState) -> str:
    """The file text for ``state``."""

    def head(value: ChainHead | None) -> dict[str, Any] | None:
        return None if value is None else {"seq": value.seq, "hash": value.hash}

    return json.dumps(
        {"format": ANCHOR_FORMAT, "head": head(state.head), "pending": head(state.pending)}
    )


def anchor_breaks(
    scan: ChainScan, state: AnchorState | None, *, problem: str | None, holds_data: bool
) -> list[ChainBreak]:
    """What the anchor says about the scanned chain (empty when they agree).

    ``state`` is None when there is no anchor file; ``problem`` says why one
    that exists could not be read; ``holds_data`` whether the store holds
    anything (every change to the data is audited, so data with an empty log
    means the log was emptied).
    """
    last = 0 if scan.head is None else scan.head.seq
    if problem is not None:
        return [ChainBreak(max(last, 1), "anchor-unreadable", f"the anchor file {problem}")]
    if state is None or (state.head is None and state.pending is None):
        if scan.head is not None:
            return [
                ChainBreak(
                    last,
                    "anchor-missing",
                    "the store holds audit records but its anchor file is missing, so records "
                    "removed from the end of the log could not be noticed",
                )
            ]
        if holds_data:
            return [
                ChainBreak(
                    1,
                    "log-empty",
                    "the audit log is empty and the anchor file is missing although the store "
                    "holds data: the log was emptied",
                )
            ]
        return []
    if state.pending is not None and scan.head == state.pending:
        # a write committed and stopped before confirming: it must build on the head
        if state.head is None:
            return []
        return [b for b in _against_head(scan, state.head) if b.kind != "beyond"]
    if state.head is None:  # the first write never committed
        if scan.head is None:
            return []
        return [
            ChainBreak(
                1,
                "beyond",
                f"records 1-{last} were written without updating the anchor "
                "(outside trustreach, or by a process stopped before it could)",
            )
        ]
    return _against_head(scan, state.head)
