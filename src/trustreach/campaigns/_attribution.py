"""Attribution of orders to creators: a promo code beats a link; one order counted once.

The rules (docs/campaigns.md, "Attribution"):

1. **Code.** An order whose ``promo_code`` equals, ignoring case and surrounding
   spaces, the ``affiliate_code`` of exactly one creator's deal in the campaign
   is that creator's. A code beats a link. A code two creators' deals share
   attributes nothing by itself (the evidence says so) and the link rule decides.
2. **Link.** Otherwise the last click, before or at the order's time and at most
   ``window_days`` earlier (default 30), on a tracked link (``tracked_links``)
   by the same ``touch_key`` (a pseudonymous visitor key) attributes the order to
   the link's creator and post. A tracked ``link_id`` on the order event itself
   counts as a click at the order's time (the shop passed the link through).
3. **None.** Otherwise the order is unattributed: it is reported, never counted
   as a creator's revenue.

One order is counted once: events that name the same ``order_id`` are one order
(events without an ``order_id`` are each their own order, keyed by
``event_id``), and an event delivered twice (the same ``event_id``) counts once.
An order's time is its earliest event's; its value and currency are those of its
latest event that has a value (a later event corrects an earlier one); its
promo code the earliest one given. Ties are broken by ``event_id``, so the
answer never depends on the order the events arrived in: late and out-of-order
events give the same result as in-order ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Rule = Literal["code", "link", "none"]
RULES: tuple[Rule, ...] = ("code", "link", "none")
"""The rules that attribute an order, in the order they are tried ("none": unattributed)."""

DEFAULT_WINDOW_DAYS = 30
"""The last-touch window: a click counts for an order at most this many days later."""

ORDER_TYPES = frozenset({"purchase"})
"""Event types that are orders (conversions with a value)."""
CLICK_TYPES = frozenset({"click"})
"""Event types that are clicks on a link."""


@dataclass(frozen=True)
class TrackingEvent:
    """One tracking event as the attribution needs it (the store's ``tracking_events``)."""

    event_id: str
    occurred_at: datetime
    event_type: str
    order_id: str | None = None
    promo_code: str | None = None
    link_id: str | None = None
    touch_key: str | None = None
    value: float | None = None
    currency: str | None = None
    post_id: str | None = None
    creator_id: str | None = None
    quantity: int = 1


@dataclass(frozen=True)
class DealCode:
    """A deal's affiliate (promo) code and the creator it belongs to."""

    creator_id: str
    affiliate_code: str | None


@dataclass(frozen=True)
class TrackedLink:
    """A tracked UTM or affiliate link of a campaign: whose it is, and for which post."""

    link_id: str
    creator_id: str
    post_id: str | None = None


@dataclass(frozen=True)
class AttributedOrder:
    """One order (counted once), with the creator it is attributed to and why."""

    order_id: str
    """The shop's order id, or the event id of an event that named none."""
    occurred_at: datetime
    value: float | None
    currency: str | None
    creator_id: str | None
    post_id: str | None
    rule: Rule
    evidence: str
    """In words: the code or the click (link, time) that attributed it, or why nothing did."""
    event_ids: tuple[str, ...]
    """The events that make up the order, sorted."""


@dataclass(frozen=True)
class Click:
    """Clicks of one event, resolved to a creator and post (a tracked link's, else the event's)."""

    event_id: str
    occurred_at: datetime
    quantity: int
    creator_id: str | None
    post_id: str | None
    link_id: str | None


def _unique(events: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    """Each ``event_id`` once (the one that sorts first, so re-delivery changes nothing)."""
    kept: dict[str, TrackingEvent] = {}
    for e in events:
        old = kept.get(e.event_id)
        if old is None or (
            e != old and (*_event_sort(e), repr(e)) < (*_event_sort(old), repr(old))
        ):
            kept[e.event_id] = e
    return sorted(kept.values(), key=_event_sort)


def _event_sort(e: TrackingEvent) -> tuple[datetime, str]:
    return (e.occurred_at, e.event_id)


def _norm_code(code: str | None) -> str:
    return (code or "").strip().casefold()


def _code_owners(deals: Iterable[DealCode]) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for d in deals:
        code = _norm_code(d.affiliate_code)
        if code:
            owners[code].add(d.creator_id)
    return owners


def resolve_clicks(events: Iterable[TrackingEvent], links: Iterable[TrackedLink]) -> list[Click]:
    """Every click event once, with the creator and post of its tracked link (else the
    event's own ``creator_id``/``post_id``), sorted by time."""
    by_link = {link.link_id: link for link in links}
    out = []
    for e in _unique(events):
        if e.event_type not in CLICK_TYPES:
            continue
        link = by_link.get(e.link_id or "")
        out.append(
            Click(
                e.event_id,
                e.occurred_at,
                e.quantity,
                link.creator_id if link else e.creator_id,
                (link.post_id if link else e.post_id),
                e.link_id,
            )
        )
    return out


def _orders(events: Sequence[TrackingEvent]) -> dict[str, list[TrackingEvent]]:
    groups: dict[str, list[TrackingEvent]] = defaultdict(list)
    for e in events:
        if e.event_type in ORDER_TYPES:
            groups[e.order_id if e.order_id else f"event:{e.event_id}"].append(e)
    return groups


def attribute_orders(
    events: Iterable[TrackingEvent],
    deals: Iterable[DealCode],
    links: Iterable[TrackedLink],
    *,
    window_days: float = DEFAULT_WINDOW_DAYS,
) -> list[AttributedOrder]:
    """Attribute each order of ``events`` to a creator (or none), by the module's rules.

    Returns one :class:`AttributedOrder` per order, sorted by time then order id.
    The result is the same for any order of ``events`` and when any event is
    repeated.

    >>> from datetime import UTC
    >>> t = datetime(2026, 10, 2, 12, tzinfo=UTC)
    >>> events = [
    ...     TrackingEvent("c", t - timedelta(days=1), "click", link_id="L1", touch_key="v"),
    ...     TrackingEvent("o", t, "purchase", order_id="A1", touch_key="v", value=20.0,
    ...                   currency="USD"),
    ...     TrackingEvent("p", t, "purchase", order_id="A2", promo_code="ana10 ",
    ...                   touch_key="v", value=5.0, currency="USD"),
    ... ]
    >>> [(o.order_id, o.creator_id, o.rule) for o in attribute_orders(
    ...     events, [DealCode("ana", "ANA10")], [TrackedLink("L1", "max", "p9")])]
    [('A1', 'max', 'link'), ('A2', 'ana', 'code')]
    """
    if not window_days > 0:
        raise ValueError(f"window_days {window_days!r} not allowed; allowed: a positive number")
    window = timedelta(days=window_days)
    unique = _unique(events)
    owners = _code_owners(deals)
    by_link = {link.link_id: link for link in links}
    touches: dict[str, list[tuple[datetime, str, TrackedLink]]] = defaultdict(list)
    for e in unique:
        link = by_link.get(e.link_id or "")
        if link is None or not e.touch_key:
            continue
        if e.event_type in CLICK_TYPES or e.event_type in ORDER_TYPES:
            touches[e.touch_key].append((e.occurred_at, e.event_id, link))
    for found in touches.values():
        found.sort(key=lambda t: (t[0], t[1]))
    out = []
    for order_id, group in _orders(unique).items():
        group.sort(key=_event_sort)
        at = group[0].occurred_at
        valued = [e for e in group if e.value is not None]
        last = valued[-1] if valued else None
        code_event = next((e for e in group if _norm_code(e.promo_code)), None)
        keys = sorted({e.touch_key for e in group if e.touch_key})
        ids = tuple(sorted(e.event_id for e in group))
        value = None if last is None else last.value
        currency = None if last is None else last.currency
        notes: list[str] = []
        if code_event is not None:
            code = _norm_code(code_event.promo_code)
            who = owners.get(code, set())
            if len(who) == 1:
                creator = next(iter(who))
                out.append(
                    AttributedOrder(
                        order_id, at, value, currency, creator, None, "code",
                        f"promo code {code_event.promo_code!r} is {creator}'s affiliate code",
                        ids,
                    )
                )  # fmt: skip
                continue
            notes.append(
                f"promo code {code_event.promo_code!r} is "
                + ("shared by " + ", ".join(sorted(who)) if who else "no deal's affiliate code")
            )
        best: tuple[datetime, str, TrackedLink] | None = None
        for key in keys:
            for touch in touches.get(key, ()):
                if at - window <= touch[0] <= at and (best is None or touch[:2] > best[:2]):
                    best = touch
        if best is not None:
            when, event_id, link = best
            notes.append(
                f"last click on link {link.link_id!r} at {when.isoformat()} "
                f"(event {event_id}), within {window_days:g} days before the order"
            )
            out.append(
                AttributedOrder(
                    order_id, at, value, currency, link.creator_id, link.post_id, "link",
                    "; ".join(notes), ids,
                )
            )  # fmt: skip
            continue
        notes.append(
            "no click on a tracked link by the same visitor key within "
            f"{window_days:g} days before the order"
            if keys
            else "no promo code of a deal and no visitor key to join a click"
        )
        out.append(
            AttributedOrder(
                order_id, at, value, currency, None, None, "none", "; ".join(notes), ids
            )
        )
    out.sort(key=lambda o: (o.occurred_at, o.order_id))
    return out


def revenue_by_rule(
    orders: Iterable[AttributedOrder],
) -> Mapping[tuple[Rule, str | None], float]:
    """Total order value per (rule, currency): never a sum across currencies."""
    totals: dict[tuple[Rule, str | None], float] = defaultdict(float)
    for o in orders:
        if o.value is not None:
            totals[(o.rule, o.currency)] += o.value
    return dict(totals)


__all__ = [
    "CLICK_TYPES",
    "DEFAULT_WINDOW_DAYS",
    "ORDER_TYPES",
    "RULES",
    "AttributedOrder",
    "Click",
    "DealCode",
    "TrackedLink",
    "TrackingEvent",
    "attribute_orders",
    "resolve_clicks",
    "revenue_by_rule",
]
