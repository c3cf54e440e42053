"""Idempotent requests: a retried POST is answered with its first answer, never acted on twice.

An adapter (the API) opens a :func:`claiming` block for a request that carries
an idempotency key. The use-case's own transaction calls :func:`claim_pending`
(``audited_transaction`` does it for every audited write), which inserts the key
*in the same transaction* as the change: either both commit or neither does. A
second request with the same key therefore finds the key claimed whatever
happened after the commit, and two requests racing with one key cannot both
commit (the second's insert hits the primary key and its whole transaction is
rolled back). Once the adapter knows the answer it stores it with
:func:`remember_response`; a retry then gets exactly that answer.

Keys are per workspace and per caller (``Actor.audit_name``) and are kept for
:data:`KEEP_HOURS` hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from trustreach.core import ConfigurationError, Settings
from trustreach.services._context import open_store
from trustreach.store import write_transaction
from trustreach.store._tables import idempotency_keys
from trustreach.store._times import as_utc

KEEP_HOURS = 24
"""How long a key is remembered; a key older than this may be used again."""


class IdempotencyConflict(ConfigurationError):
    """The key was used before: for another request, or by a request still in progress."""

    def __init__(self, message: str, *, in_progress: bool) -> None:
        super().__init__(message)
        self.in_progress = in_progress


@dataclass
class Claim:
    """One request's idempotency key, claimed in the transaction that acts on it."""

    workspace: str
    owner: str
    key: str
    request_hash: str
    claimed: bool = False


@dataclass(frozen=True)
class Remembered:
    """What the store remembers about a key: the request's hash and, once known, its answer."""

    request_hash: str
    status_code: int | None
    response_body: str | None


_CLAIM: ContextVar[Claim | None] = ContextVar("trustreach_idempotency_claim", default=None)


def request_hash(*parts: bytes | str) -> str:
    """SHA-256 over the parts of a request (method, path, query, body)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def recall(claim: Claim, *, settings: Settings | None = None) -> Remembered | None:
    """What was remembered for this key (None: never used, or used over KEEP_HOURS ago)."""
    engine = open_store(settings)
    since = datetime.now(UTC) - timedelta(hours=KEEP_HOURS)
    with engine.connect() as connection:
        row = connection.execute(
            select(
                idempotency_keys.c.request_hash,
                idempotency_keys.c.status_code,
                idempotency_keys.c.response_body,
                idempotency_keys.c.created_at,
            ).where(*_key_of(claim))
        ).first()
    if row is None or as_utc(row.created_at) < since:
        return None
    return Remembered(row.request_hash, row.status_code, row.response_body)


@contextmanager
def claiming(claim: Claim | None) -> Iterator[Claim | None]:
    """Within the block, the first :func:`claim_pending` of this thread claims ``claim``."""
    token = _CLAIM.set(claim)
    try:
        yield claim
    finally:
        _CLAIM.reset(token)


def claim_pending(connection: Connection) -> None:
    """Insert the pending key into this transaction (does nothing without a pending claim).

    A key already claimed (a concurrent request with the same key committed
    first) raises :class:`IdempotencyConflict`; the caller's transaction is then
    rolled back with it, so nothing is done twice.
    """
    claim = _CLAIM.get()
    if claim is None or claim.claimed:
        return
    now = datetime.now(UTC)
    connection.execute(
        delete(idempotency_keys).where(
            *_key_of(claim), idempotency_keys.c.created_at < now - timedelta(hours=KEEP_HOURS)
        )
    )
    try:
        connection.execute(
            insert(idempotency_keys).values(
                workspace=claim.workspace,
                owner=claim.owner,
                idem_key=claim.key,
                request_hash=claim.request_hash,
                created_at=now,
            )
        )
    except IntegrityError:  # the caller's transaction is rolled back with the error
        raise IdempotencyConflict(
            f"Idempotency-Key {claim.key!r} is being used by another request; "
            "wait for it and retry with the same key to get its answer",
            in_progress=True,
        ) from None
    claim.claimed = True


def remember_response(
    claim: Claim, status_code: int, body: str, *, settings: Settings | None = None
) -> None:
    """Store the answer to a claimed key (claims it now if the use-case did not)."""
    engine = open_store(settings)
    with write_transaction(engine) as connection:
        if not claim.claimed:
            with claiming(claim):
                claim_pending(connection)
        connection.execute(
            update(idempotency_keys)
            .where(*_key_of(claim))
            .values(status_code=status_code, response_body=body)
        )


def _key_of(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    return (
        idempotency_keys.c.workspace == claim.workspace,
        idempotency_keys.c.owner == claim.owner,
        idempotency_keys.c.idem_key == claim.key,
    )
