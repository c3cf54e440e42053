"""The shop webhook: a signed order (Shopify-style JSON) becomes one purchase event.

A shop signs each delivery with a secret it shares with this workspace:
``X-Shop-Hmac-Sha256`` is ``base64(HMAC-SHA256(secret, raw body))``, compared in
constant time before anything else is read. The secret is made by
:func:`new_webhook_secret` (``trustreach webhooks secret``), shown once and kept in a
file of its own (mode 0600) in the data directory, never in the database: see
docs/security.md for why.

Replays change nothing: the event's id is derived from the signed body (the order's
id and the body's digest), so the same order delivered again is a duplicate; the
adapter also remembers each ``X-Shop-Webhook-Id`` (24 hours) and answers a replayed
one with its first answer, and refuses a delivery whose ``X-Shop-Triggered-At`` is
more than :data:`MAX_AGE_S` seconds old (or ahead).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from trustreach.core import (
    Actor,
    AuthenticationError,
    ConfigurationError,
    Role,
    Settings,
    get_settings,
)
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import (
    check_workspace,
    kept_engine,
    require_workspace,
    store,
)
from trustreach.services._events import EventReceipt, accept_events
from trustreach.services._secrets import fingerprint, read_secret, secret_path, write_secret
from trustreach.store._tables import campaigns, deals, metadata

MAX_AGE_S = 300
"""A delivery whose timestamp is further than this from the server's clock is refused."""

SENDER = "shop"
"""The webhook's name in the audit log (``webhook:shop``)."""

_BAD_SIGNATURE = (
    "the webhook signature does not verify (X-Shop-Hmac-Sha256 must be the base64 "
    "HMAC-SHA256 of the raw body with the workspace's secret); nothing was changed"
)


def new_webhook_secret(*, workspace: str, by: Actor, settings: Settings | None = None) -> str:
    """Make a new shop-webhook secret for ``workspace`` and return it (shown once).

    It replaces the previous one at once (deliveries signed with the old secret are
    refused from now on). The secret is written to :func:`secret_path` with mode
    0600; the audit log records who set it and a fingerprint (the SHA-256 of the
    secret, first 12 hex digits), never the secret.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    if by.role is not Role.admin or by.workspace != workspace:
        raise ConfigurationError("only an admin of the workspace may set its webhook secret")
    secret = "whsec_" + secrets.token_urlsafe(32)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            require_workspace(connection, workspace, settings)
            entry = record_audit(
                settings,
                connection,
                actor=by.audit_name,
                action="set_webhook_secret",
                subject=f"webhook:{SENDER}",
                workspace=workspace,
                details={"fingerprint": fingerprint(secret)},
            )
        confirm_anchor(settings, entry.head)
    # after the commit: a secret is never in force without its audit record
    write_secret(secret_path(settings, workspace), secret)
    return secret


def signature(secret: str | bytes, body: bytes) -> str:
    """``base64(HMAC-SHA256(secret, body))``: what ``X-Shop-Hmac-Sha256`` must be.

    >>> signature("s", b"{}")
    'FDyo1Re6GxgQJdcysc8nXZAQT8pXuwKlZVQpeKoYxLY='
    """
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def verify_delivery(
    workspace: str,
    body: bytes,
    signed: str | None,
    triggered_at: str | None,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> None:
    """:class:`~trustreach.core.AuthenticationError` unless the delivery is signed and fresh.

    The signature is checked first, in constant time, against the workspace's secret
    (a workspace without one, or that does not exist, fails the same way); then the
    timestamp must lie within :data:`MAX_AGE_S` seconds of ``now``.
    """
    settings = settings or get_settings()
    kept = read_secret(settings, workspace)
    secret = None if kept is None else kept.encode()
    expected = signature(secret or secrets.token_bytes(32), body).encode()
    given = (signed or "").strip().encode("ascii", "replace")
    if not hmac.compare_digest(expected, given) or secret is None:
        raise AuthenticationError(_BAD_SIGNATURE)
    moment = _moment(triggered_at)
    now = now or datetime.now(UTC)
    if moment is None:
        raise AuthenticationError(
            "X-Shop-Triggered-At is missing or not a time (ISO 8601 such as "
            "2026-05-01T18:30:00Z, or Unix seconds); nothing was changed"
        )
    if abs(now - moment) > timedelta(seconds=MAX_AGE_S):
        raise AuthenticationError(
            f"X-Shop-Triggered-At {triggered_at} is more than {MAX_AGE_S // 60} minutes from "
            "the server's time: refused as a possible replay; nothing was changed"
        )


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------ the order


@dataclass(frozen=True)
class ShopOrderReceipt:
    """What a delivery did: the event's receipt, or why the order was not an event."""

    event_id: str | None
    order_id: str | None
    campaign_id: str | None
    receipt: EventReceipt | None
    ignored: str | None = None


def _attributes(order: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in order.get("note_attributes") or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            value = item.get("value")
            if isinstance(value, str | int):
                found[item["name"]] = str(value)
    return found


def _utm(order: dict[str, Any]) -> dict[str, str]:
    landing = order.get("landing_site")
    if not isinstance(landing, str):
        return {}
    query = parse_qs(urlsplit(landing).query)
    return {k: v[0] for k, v in query.items() if k.startswith("utm_") and v}


def _codes(order: dict[str, Any]) -> list[str]:
    codes = []
    for item in order.get("discount_codes") or []:
        if isinstance(item, dict) and isinstance(item.get("code"), str) and item["code"].strip():
            codes.append(item["code"].strip())
    return codes


def order_event(order: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The purchase event a shop order stands for (a mapping of interchange fields).

    ``event_id`` is ``shop-<order id>-<first 16 hex digits of the body's SHA-256>``:
    the same delivery again is the same event; an updated order (a new body) is a new
    event naming the same ``order_id``, which counts once. ``campaign_id`` is left for
    :func:`accept_shop_order` to find.
    """
    order_id = order.get("id")
    if order_id is None or isinstance(order_id, bool) or str(order_id).strip() == "":
        raise ConfigurationError("the order has no id (field 'id'); allowed: the shop's order id")
    attributes, utm, codes = _attributes(order), _utm(order), _codes(order)
    event: dict[str, Any] = {
        "event_id": f"shop-{order_id}-{hashlib.sha256(body).hexdigest()[:16]}",
        "event_type": "purchase",
        "occurred_at": order.get("created_at") or order.get("processed_at"),
        "order_id": str(order_id),
        "value": order.get("total_price"),
        "currency": order.get("currency") or order.get("presentment_currency"),
    }
    if codes:
        event["promo_code"] = codes[0]
    if utm.get("utm_content") or attributes.get("link_id"):
        event["link_id"] = attributes.get("link_id") or utm["utm_content"]
    if attributes.get("touch_key"):
        event["touch_key"] = attributes["touch_key"]
    return event


def _plain(text: str | None) -> bool:
    """An id worth looking up: some text, no control character (the store refuses NUL)."""
    return bool(text) and not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text or "")


def _campaign(
    workspace: str, order: dict[str, Any], event: dict[str, Any], settings: Settings
) -> str | None:
    """The campaign an order belongs to: named (note attribute ``campaign_id`` or
    ``utm_campaign``), else the campaign of a deal whose affiliate code was used, else
    of the tracked link it came through. None when nothing ties it to a campaign."""
    named = [_attributes(order).get("campaign_id"), _utm(order).get("utm_campaign")]
    engine = kept_engine(settings)
    with engine.connect() as connection:
        for candidate in named:
            if (
                _plain(candidate)
                and connection.execute(
                    select(campaigns.c.campaign_id).where(
                        campaigns.c.workspace == workspace, campaigns.c.campaign_id == candidate
                    )
                ).first()
            ):
                return candidate
        codes = [c.lower() for c in _codes(order) if _plain(c)]
        if codes:
            found = connection.execute(
                select(deals.c.campaign_id)
                .where(
                    deals.c.workspace == workspace, func.lower(deals.c.affiliate_code).in_(codes)
                )
                .order_by(deals.c.signed_on.desc())
                .limit(1)
            ).first()
            if found is not None:
                return str(found[0])
        links = metadata.tables.get("tracked_links")
        if links is not None and _plain(event.get("link_id")):
            found = connection.execute(
                select(links.c.campaign_id).where(
                    links.c.workspace == workspace, links.c.link_id == event["link_id"]
                )
            ).first()
            if found is not None:
                return str(found[0])
    return None


def accept_shop_order(
    workspace: str, body: bytes, *, settings: Settings | None = None
) -> ShopOrderReceipt:
    """Store a verified delivery's order as a purchase event (see :func:`order_event`).

    Call :func:`verify_delivery` first. An order that names no campaign of the
    workspace (no ``campaign_id`` note attribute or ``utm_campaign``, no affiliate
    code of a deal, no tracked link) is acknowledged and ignored, with the reason.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    try:
        order = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ConfigurationError("the webhook body is not JSON; allowed: an order object") from None
    if not isinstance(order, dict):
        raise ConfigurationError("the webhook body must be a JSON object (an order)")
    event = order_event(order, body)
    campaign_id = _campaign(workspace, order, event, settings)
    if campaign_id is None:
        return ShopOrderReceipt(
            event["event_id"],
            event["order_id"],
            None,
            None,
            ignored="the order names no campaign of this workspace (note attribute "
            "campaign_id or utm_campaign), no deal's affiliate code and no tracked link",
        )
    event["campaign_id"] = campaign_id
    actor = Actor("webhook", SENDER, Role.analyst, workspace)
    receipt = accept_events([event], actor=actor, workspace=workspace, settings=settings)
    return ShopOrderReceipt(event["event_id"], event["order_id"], campaign_id, receipt)
