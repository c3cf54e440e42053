"""``Idempotency-Key`` on POSTs that create or decide something.

A route takes :data:`Idempotency` and wraps its work in :meth:`Idempotent.run`::

    @router.post("/things", status_code=201, response_model=m.Thing)
    def create_thing(request: Request, actor: CurrentActor, body: m.NewThing,
                     idem: Idempotency) -> Any:
        return idem.run(actor, lambda: services.create_thing(...), status_code=201)

Without the header the work simply runs. With it, the first request runs and
its answer is remembered (the key is claimed in the use-case's own
transaction, see :mod:`trustreach.services._idempotency`); a retry with the same
key and the same request gets the same status and body with the header
``Idempotent-Replayed: true``; the same key with a different request is a 422;
a key whose first request is still running is a 409.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from trustreach.api._auth import settings_of
from trustreach.core import Actor, Settings
from trustreach.services import _idempotency as idem

REPLAYED = "Idempotent-Replayed"
"""Response header set on an answer replayed for a retried key."""


class Idempotent:
    """One request's idempotency key (or none) and how to run its work once."""

    def __init__(self, key: str | None, fingerprint: str, settings: Settings) -> None:
        self.key = key
        self.fingerprint = fingerprint
        self.settings = settings

    def run(
        self,
        actor: Actor,
        work: Callable[[], Any],
        *,
        status_code: int = 201,
        fingerprint: str | None = None,
    ) -> Any:
        """The answer of ``work()``: run once per key; a retry replays the first answer.

        ``fingerprint`` replaces the request's own (method, path, query and body)
        where the body is not read whole, e.g. a streamed file upload.
        """
        if self.key is None:
            return work()
        claim = idem.Claim(
            actor.workspace, actor.audit_name, self.key, fingerprint or self.fingerprint
        )
        remembered = idem.recall(claim, settings=self.settings)
        if remembered is not None:
            return self._replay(claim, remembered)
        with idem.claiming(claim):
            result = work()
        body = json.dumps(jsonable_encoder(result), separators=(",", ":"))
        idem.remember_response(claim, status_code, body, settings=self.settings)
        return Response(body, status_code=status_code, media_type="application/json")

    def _replay(self, claim: idem.Claim, remembered: idem.Remembered) -> Response:
        if remembered.request_hash != claim.request_hash:
            raise idem.IdempotencyConflict(
                f"Idempotency-Key {claim.key!r} was already used for a different request; "
                "use a new key for a new request",
                in_progress=False,
            )
        if remembered.status_code is None or remembered.response_body is None:
            raise idem.IdempotencyConflict(
                f"the request with Idempotency-Key {claim.key!r} has been accepted and is "
                "still being answered; retry with the same key shortly",
                in_progress=True,
            )
        return Response(
            remembered.response_body,
            status_code=remembered.status_code,
            media_type="application/json",
            headers={REPLAYED: "true"},
        )


async def idempotency(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="A unique key (e.g. a UUID) for this request: a retry with the same "
            "key gets the first answer instead of acting twice. Kept 24 hours.",
        ),
    ] = None,
) -> Idempotent:
    """The request's :class:`Idempotent` (reads the body once to fingerprint it)."""
    fingerprint = ""
    if idempotency_key is not None:
        content_type = request.headers.get("content-type", "")
        body = b"" if content_type.startswith("multipart/") else await request.body()
        fingerprint = idem.request_hash(request.method, request.url.path, request.url.query, body)
    return Idempotent(idempotency_key, fingerprint, settings_of(request))


Idempotency = Annotated[Idempotent, Depends(idempotency)]
