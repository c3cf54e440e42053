"""Tracking events in real time: ``POST /events`` (batches) and the signed shop webhook.

Both call one use-case each (:func:`trustreach.services._events.accept_events`,
:func:`trustreach.services._shop_webhook.accept_shop_order`); an event is stored
once, durably, before the answer says it was accepted.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, SkipValidation
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from trustreach.api._auth import CurrentActor, Limits, settings_of
from trustreach.api._idempotency import REPLAYED, Idempotency
from trustreach.api._routes import _problems
from trustreach.core import AuthenticationError, Role, require_role
from trustreach.ingest import TrackingEventRecord
from trustreach.services import _events, _shop_webhook
from trustreach.services import _idempotency as idem
from trustreach.services._alert_watch import AlertWatch, watch_of

_EVENT_EXAMPLE: dict[str, Any] = {
    "event_id": "ord-1001",
    "campaign_id": "cmp1",
    "occurred_at": "2026-10-06T18:30:00Z",
    "event_type": "purchase",
    "creator_id": "c1",
    "value": 49.9,
    "currency": "EUR",
    "order_id": "1001",
    "promo_code": "ANA10",
}


class EventBatch(BaseModel):
    """A batch of tracking events (each as in docs/interchange.md, `tracking_events`)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"events": [dict(_EVENT_EXAMPLE)]}]}
    )
    # The published schema is the interchange record's; the use-case checks each event
    # (errors name its index in the batch), so the batch is read once, not twice.
    events: SkipValidation[list[TrackingEventRecord]] = Field(
        description=f"1 to {_events.MAX_BATCH} events; stored all or none.",
        min_length=1,
        max_length=_events.MAX_BATCH,
    )


class EventReceipt(BaseModel):
    """What a batch did: events accepted (new, stored) and duplicates (stored before)."""

    workspace: str
    received: int = Field(description="Events in the batch.")
    accepted: int = Field(description="New events stored by this batch.")
    duplicates: int = Field(
        description="Events already stored (or twice in the batch) with the same content: "
        "not stored or counted again."
    )
    duplicate_ids: list[str]
    received_at: datetime = Field(description="Stored with every accepted event (UTC).")
    digest: str = Field(description="SHA-256 over the batch's event ids, in order.")
    audit_seq: int | None = Field(
        description="The audit record this batch wrote (the first batch of a sender in a "
        "UTC hour writes one), else null."
    )


class ShopWebhookReceipt(BaseModel):
    """What a shop delivery did: the purchase event it became, or why it was ignored."""

    event_id: str | None
    order_id: str | None
    campaign_id: str | None
    accepted: int
    duplicates: int
    ignored: str | None = Field(
        default=None, description="Why the order is not an event (it names no campaign)."
    )


def _receipt(receipt: _events.EventReceipt) -> EventReceipt:
    return EventReceipt(**{k: v for k, v in vars(receipt).items() if k != "campaigns"})


def _watch(request: Request, receipt: _events.EventReceipt | None) -> None:
    """The touched campaigns' alerts are checked shortly, in the background."""
    if receipt is not None and receipt.campaigns:
        watch_of(request.app.state, settings_of(request)).touched(
            receipt.workspace, receipt.campaigns
        )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The alert watch starts with the app (for its sweep) and stops with it."""
    settings = app.state.settings
    if settings.alert_sweep_s:
        watch_of(app.state, settings).start()
    try:
        yield
    finally:
        watch: AlertWatch | None = getattr(app.state, "alert_watch", None)
        if watch is not None:
            watch.close()


router = APIRouter(prefix="/api/v1", responses=_problems(401, 422, 500), lifespan=_lifespan)


def _refused(exc: _events.EventsRefused) -> RequestValidationError:
    items = []
    for p in exc.problems:
        loc: tuple[Any, ...] = ("body", "events", p.index)
        if p.field:
            loc += tuple(p.field.split("."))
        items.append({"loc": loc, "msg": p.message, "type": "value_error"})
    return RequestValidationError(items)


@router.post(
    "/events",
    response_model=EventReceipt,
    tags=["events"],
    responses=_problems(403, 409, 413, 503),
)
def post_events(
    request: Request, actor: CurrentActor, body: EventBatch, idem_key: Idempotency
) -> Any:
    """Accept a batch of tracking events (analyst, admin): stored once, durably, then answered.

    Every event is checked as an interchange `tracking_events` record and against your
    workspace (campaign, and post and creator when given); one bad event refuses the
    batch (422, each problem naming `body.events.<index>.<field>` and what is allowed)
    and nothing is stored. An `event_id` already stored with the same content is a
    duplicate (counted in `duplicates`, not stored again); with different content the
    batch is refused naming it. Late and out-of-order events are welcome (`occurred_at`
    is yours; the server adds `received_at`). At most 5,000 events a batch (413), within
    the body limit (`TRUSTREACH_API_MAX_BODY_BYTES`, 1 MiB: about 4,000 events). A 200
    means the batch is committed to disk; on a timeout or a 503, send it again.
    """
    require_role(actor, Role.analyst)
    if not isinstance(body.events, list) or not body.events:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "events"),
                    "msg": "a non-empty list of events",
                    "type": "value_error",
                }
            ]
        )

    def work() -> EventReceipt:
        try:
            receipt = _events.accept_events(
                body.events,
                actor=actor,
                workspace=actor.workspace,
                settings=settings_of(request),
            )
        except _events.BatchTooLarge as exc:
            raise HTTPException(413, str(exc.problems[0].message)) from None
        except _events.EventsRefused as exc:
            raise _refused(exc) from None
        _watch(request, receipt)
        return _receipt(receipt)

    return idem_key.run(actor, work, status_code=200)


@router.post(
    "/webhooks/shop/{workspace}",
    response_model=ShopWebhookReceipt,
    tags=["events"],
    responses=_problems(409, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The shop's order (Shopify-style JSON: id, created_at, "
            "total_price, currency, discount_codes, landing_site, note_attributes).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def shop_webhook(
    request: Request,
    workspace: str,
    x_shop_hmac_sha256: Annotated[
        str | None,
        Header(description="base64(HMAC-SHA256(workspace secret, raw body))."),
    ] = None,
    x_shop_webhook_id: Annotated[
        str | None,
        Header(
            max_length=200,
            description="The delivery's id: a delivery replayed with it is answered "
            "with its first answer (24 hours).",
        ),
    ] = None,
    x_shop_triggered_at: Annotated[
        str | None,
        Header(
            description="When the shop sent it (ISO 8601 or Unix seconds): at most 5 minutes old."
        ),
    ] = None,
) -> Any:
    """Receive a signed order from the shop (no API key: the signature authenticates it).

    The signature is checked first (401 and nothing changed when it does not verify, or
    the workspace has no secret: `trustreach webhooks secret`); then the timestamp
    (over 5 minutes old: 401). The order becomes one purchase event (order id, total,
    currency, the first discount code as `promo_code`, `utm_content` as `link_id`, the
    `touch_key` note attribute) of the campaign it names (`campaign_id` note attribute
    or `utm_campaign`), or of the deal whose affiliate code it used, or of its tracked
    link; an order tied to no campaign is acknowledged and ignored (`ignored` says why).
    A replayed delivery changes nothing and gets its first answer again.
    """
    body = await request.body()
    settings = settings_of(request)
    try:
        await run_in_threadpool(
            _shop_webhook.verify_delivery,
            workspace,
            body,
            x_shop_hmac_sha256,
            x_shop_triggered_at,
            settings=settings,
        )
    except AuthenticationError:
        limits: Limits = request.app.state.rate_limits
        limits.failures.take(f"address:{request.client.host if request.client else '-'}")
        raise
    claim = None
    if x_shop_webhook_id:
        claim = idem.Claim(
            workspace,
            f"webhook:{_shop_webhook.SENDER}",
            x_shop_webhook_id,
            idem.request_hash(body),
        )
        remembered = await run_in_threadpool(idem.recall, claim, settings=settings)
        if remembered is not None:
            return _replayed(claim, remembered)
    answer, receipt = await run_in_threadpool(_deliver, workspace, body, claim, settings)
    _watch(request, receipt)
    return answer


def _replayed(claim: idem.Claim, remembered: idem.Remembered) -> Response:
    if remembered.request_hash != claim.request_hash:
        raise RequestValidationError(
            [
                {
                    "loc": ("header", "X-Shop-Webhook-Id"),
                    "msg": f"delivery {claim.key!r} was already received with another body",
                    "type": "value_error",
                }
            ]
        )
    if remembered.status_code is None or remembered.response_body is None:
        raise HTTPException(
            409,
            f"delivery {claim.key!r} is still being answered; retry shortly",
            {"Retry-After": "1"},
        )
    return Response(
        remembered.response_body,
        status_code=remembered.status_code,
        media_type="application/json",
        headers={REPLAYED: "true"},
    )


def _deliver(
    workspace: str, body: bytes, claim: idem.Claim | None, settings: Any
) -> tuple[Response, _events.EventReceipt | None]:
    """Store the order, then remember the answer under the delivery's id.

    The id is remembered after the event commits, not with it: the event's own id
    (derived from the signed body) is what keeps a delivery from counting twice, so a
    server killed in between answers the shop's retry with a duplicate, never with a
    409 for a day.
    """
    try:
        result = _shop_webhook.accept_shop_order(workspace, body, settings=settings)
    except _events.EventsRefused as exc:
        raise RequestValidationError(
            [
                {"loc": ("body", p.field or "order"), "msg": p.message, "type": "value_error"}
                for p in exc.problems
            ]
        ) from None
    receipt = ShopWebhookReceipt(
        event_id=result.event_id,
        order_id=result.order_id,
        campaign_id=result.campaign_id,
        accepted=result.receipt.accepted if result.receipt else 0,
        duplicates=result.receipt.duplicates if result.receipt else 0,
        ignored=result.ignored,
    )
    text = json.dumps(receipt.model_dump(mode="json"), separators=(",", ":"))
    if claim is not None:
        with contextlib.suppress(idem.IdempotencyConflict):  # a twin delivery remembered it
            idem.remember_response(claim, 200, text, settings=settings)
    return JSONResponse(json.loads(text)), result.receipt
