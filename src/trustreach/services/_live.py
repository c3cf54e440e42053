"""Incremental campaign aggregates: a KPI reflects an event in the transaction that accepts it.

:func:`trustreach.services.campaign_kpis` used to read every click and purchase of
a campaign and attribute every order on each call. It now reads three tables kept
up to date incrementally (docs/campaigns.md, "Near real time"):

``campaign_orders``
    One row per order (counted once), with its attribution: the
    :class:`~trustreach.campaigns.AttributedOrder` the reference
    :func:`~trustreach.campaigns.attribute_orders` gives for it.
``campaign_clicks``
    Clicks summed per (day, link, the event's own creator and post); the link's
    creator and post are looked up when read, so a link registered later credits
    its clicks at once.
``campaign_live``
    Per campaign: a ``version`` that grows whenever its aggregates change (the live
    page polls it), and the ``signature`` of the deal codes and tracked links the
    orders were attributed with.

When a batch of events is accepted (:func:`apply_events`, in the same transaction
as the events, so nothing acknowledged is missing and a duplicate, never inserted,
never counts), its clicks are added to ``campaign_clicks`` and the orders it can
change are attributed again with the reference function: the orders it names, and
the orders of the visitor keys of its tracked clicks (a late click can take an
order's credit within the window). Those orders' events and their visitors'
touches are read by index, so the work follows the batch, not the campaign's size.

A campaign is rebuilt from its events (:func:`rebuild`) on its next read when its
``signature`` is null or differs from its codes and links now: after an import or
an erasure (:func:`invalidate`), after a deal's code or a link changed, and the
first time (migration 0009 leaves the tables empty). Only the default attribution
window is kept; another window is computed from the events.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from trustreach.campaigns import (
    CLICK_TYPES,
    ORDER_TYPES,
    AttributedOrder,
    Click,
    DealCode,
    OrderTotals,
    TrackedLink,
    TrackingEvent,
    attribute_orders,
)
from trustreach.store import write_transaction
from trustreach.store._tables import (
    campaign_clicks,
    campaign_live,
    campaign_orders,
    deals,
    tracked_links,
    tracking_events,
)

_KINDS = tuple(sorted(CLICK_TYPES | ORDER_TYPES))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _in(column: Any, values: Iterable[str], name: str) -> Any:
    return column.in_(bindparam(name, sorted(values), expanding=True))


def signature(codes: Iterable[DealCode], links: Iterable[TrackedLink]) -> str:
    """A digest of what attribution depends on besides events: codes and links."""
    digest = hashlib.sha256()
    for code in sorted((c.creator_id, c.affiliate_code or "") for c in codes):
        digest.update(json.dumps(["code", *code]).encode())
    for link in sorted((x.link_id, x.creator_id, x.post_id or "") for x in links):
        digest.update(json.dumps(["link", *link]).encode())
    return digest.hexdigest()


def codes_and_links(
    c: Connection, workspace: str, campaign_id: str
) -> tuple[list[DealCode], list[TrackedLink]]:
    """The campaign's deal codes and tracked links, as the attribution takes them."""
    codes = [
        DealCode(r.creator_id, r.affiliate_code)
        for r in c.execute(
            select(deals.c.creator_id, deals.c.affiliate_code).where(
                deals.c.workspace == workspace, deals.c.campaign_id == campaign_id
            )
        )
        if r.affiliate_code
    ]
    links = [
        TrackedLink(r.link_id, r.creator_id, r.post_id)
        for r in c.execute(
            select(tracked_links.c.link_id, tracked_links.c.creator_id, tracked_links.c.post_id)
            .where(
                tracked_links.c.workspace == workspace,
                tracked_links.c.campaign_id == campaign_id,
            )
            .order_by(tracked_links.c.link_id)
        )
    ]
    return codes, links


def _dialect_insert(c: Connection, table: Any) -> Any:
    if c.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _state(c: Connection, workspace: str, campaign_id: str, *, lock: bool) -> Any:
    """The campaign's ``campaign_live`` row (created, stale, when missing), locked when asked."""
    now = datetime.now(UTC)
    c.execute(
        _dialect_insert(c, campaign_live)
        .values(workspace=workspace, campaign_id=campaign_id, version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["workspace", "campaign_id"])
    )
    query = select(campaign_live.c.version, campaign_live.c.signature).where(
        campaign_live.c.workspace == workspace, campaign_live.c.campaign_id == campaign_id
    )
    return c.execute(query.with_for_update() if lock else query).one()


def _bump(c: Connection, workspace: str, campaign_id: str, **values: Any) -> None:
    c.execute(
        update(campaign_live)
        .where(campaign_live.c.workspace == workspace, campaign_live.c.campaign_id == campaign_id)
        .values(version=campaign_live.c.version + 1, updated_at=datetime.now(UTC), **values)
    )


def version(c: Connection, workspace: str, campaign_id: str) -> int | None:
    """The campaign's aggregates' version (None before they are first built): cheap to poll."""
    found = c.execute(
        select(campaign_live.c.version).where(
            campaign_live.c.workspace == workspace, campaign_live.c.campaign_id == campaign_id
        )
    ).scalar()
    return None if found is None else int(found)


def invalidate(c: Connection, workspace: str) -> None:
    """Mark every campaign of ``workspace`` for a rebuild on its next read (after an import
    or an erasure changed its events outside :func:`apply_events`)."""
    c.execute(
        update(campaign_live)
        .where(campaign_live.c.workspace == workspace)
        .values(signature=None, version=campaign_live.c.version + 1, updated_at=datetime.now(UTC))
    )


def touch(c: Connection, workspace: str) -> None:
    """Tell the live pages of ``workspace`` that other figures changed (posts, snapshots)."""
    c.execute(
        update(campaign_live)
        .where(campaign_live.c.workspace == workspace)
        .values(version=campaign_live.c.version + 1, updated_at=datetime.now(UTC))
    )


# ------------------------------------------------------------------ writing


def _event(r: Any) -> TrackingEvent:
    return TrackingEvent(
        r.event_id,
        _utc(r.occurred_at),
        r.event_type,
        r.order_id,
        r.promo_code,
        r.link_id,
        r.touch_key,
        r.value,
        r.currency,
        r.post_id,
        r.creator_id,
        r.quantity,
    )


_COLUMNS = (
    tracking_events.c.event_id,
    tracking_events.c.occurred_at,
    tracking_events.c.event_type,
    tracking_events.c.order_id,
    tracking_events.c.promo_code,
    tracking_events.c.link_id,
    tracking_events.c.touch_key,
    tracking_events.c.value,
    tracking_events.c.currency,
    tracking_events.c.post_id,
    tracking_events.c.creator_id,
    tracking_events.c.quantity,
)


def read_events(
    c: Connection, workspace: str, campaign_id: str, *where: Any
) -> list[TrackingEvent]:
    """A campaign's clicks and orders as the attribution reads them (``where``: more filters)."""
    t = tracking_events.c
    return [
        _event(r)
        for r in c.execute(
            select(*_COLUMNS).where(
                t.workspace == workspace,
                t.campaign_id == campaign_id,
                t.event_type.in_(_KINDS),
                *where,
            )
        )
    ]


def _order_rows(
    workspace: str, campaign_id: str, orders: Iterable[AttributedOrder]
) -> list[dict[str, Any]]:
    return [
        {
            "workspace": workspace,
            "campaign_id": campaign_id,
            "order_key": o.order_id,
            "occurred_at": o.occurred_at,
            "value": o.value,
            "currency": o.currency,
            "creator_id": o.creator_id,
            "post_id": o.post_id,
            "rule": o.rule,
            "evidence": o.evidence,
            "event_ids": list(o.event_ids),
        }
        for o in orders
    ]


def _click_totals(
    events: Iterable[Mapping[str, Any] | TrackingEvent],
) -> dict[tuple[date, str, str, str], tuple[int, datetime]]:
    totals: dict[tuple[date, str, str, str], tuple[int, datetime]] = {}
    for e in events:
        get: Any = e.get if isinstance(e, Mapping) else e.__dict__.get
        if get("event_type") not in CLICK_TYPES:
            continue
        at = _utc(get("occurred_at"))
        key = (at.date(), get("link_id") or "", get("creator_id") or "", get("post_id") or "")
        old = totals.get(key)
        quantity = int(get("quantity"))
        totals[key] = (quantity, at) if old is None else (old[0] + quantity, max(old[1], at))
    return totals


def _click_rows(
    workspace: str,
    campaign_id: str,
    totals: Mapping[tuple[date, str, str, str], tuple[int, datetime]],
) -> list[dict[str, Any]]:
    return [
        {
            "workspace": workspace,
            "campaign_id": campaign_id,
            "day": day,
            "link_id": link,
            "creator_id": creator,
            "post_id": post,
            "clicks": clicks,
            "last_at": last,
        }
        for (day, link, creator, post), (clicks, last) in sorted(totals.items())
    ]


def _click_groups(
    c: Connection, workspace: str, campaign_id: str
) -> dict[tuple[date, str, str, str], tuple[int, datetime]]:
    """The campaign's clicks summed in the store (per UTC day, link, creator, post)."""
    t = tracking_events.c
    if c.dialect.name == "postgresql":
        day: Any = func.date(func.timezone("UTC", t.occurred_at))
    else:  # SQLite keeps UTC date-times as ISO text: the day is its first ten characters
        day = func.substr(t.occurred_at, 1, 10)
    link, creator, post = (func.coalesce(col, "") for col in (t.link_id, t.creator_id, t.post_id))
    totals = {}
    for r in c.execute(
        select(day, link, creator, post, func.sum(t.quantity), func.max(t.occurred_at))
        .where(
            t.workspace == workspace,
            t.campaign_id == campaign_id,
            t.event_type.in_(sorted(CLICK_TYPES)),
        )
        .group_by(day, link, creator, post)
    ):
        key_day = r[0] if isinstance(r[0], date) else date.fromisoformat(str(r[0]))
        last = r[5] if isinstance(r[5], datetime) else datetime.fromisoformat(str(r[5]))
        totals[(key_day, r[1], r[2], r[3])] = (int(r[4]), _utc(last))
    return totals


def rebuild(c: Connection, workspace: str, campaign_id: str) -> None:
    """Build the campaign's aggregates from all its events (inside a write transaction).

    Clicks are summed by the store; only the purchases and the tracked touches of
    visitors who ordered are read, for the reference attribution.
    """
    _state(c, workspace, campaign_id, lock=True)
    codes, links = codes_and_links(c, workspace, campaign_id)
    t = tracking_events.c
    purchase = t.event_type.in_(sorted(ORDER_TYPES))
    events = {e.event_id: e for e in read_events(c, workspace, campaign_id, purchase)}
    tracked = {link.link_id for link in links}
    if tracked:
        buyers = select(t.touch_key).where(
            t.workspace == workspace, t.campaign_id == campaign_id, purchase
        )
        for e in read_events(
            c,
            workspace,
            campaign_id,
            t.touch_key.in_(buyers.scalar_subquery()),
            _in(t.link_id, tracked, "tracked"),
        ):
            events.setdefault(e.event_id, e)
    for table in (campaign_orders, campaign_clicks):
        c.execute(
            delete(table).where(table.c.workspace == workspace, table.c.campaign_id == campaign_id)
        )
    attributed = attribute_orders(events.values(), codes, links)
    orders = _order_rows(workspace, campaign_id, attributed)
    for first in range(0, len(orders), 10_000):
        c.execute(insert(campaign_orders), orders[first : first + 10_000])
    clicks = _click_rows(workspace, campaign_id, _click_groups(c, workspace, campaign_id))
    for first in range(0, len(clicks), 10_000):
        c.execute(insert(campaign_clicks), clicks[first : first + 10_000])
    _bump(c, workspace, campaign_id, signature=signature(codes, links))


def _add_clicks(
    c: Connection, workspace: str, campaign_id: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    values = _click_rows(workspace, campaign_id, _click_totals(rows))
    if not values:
        return
    stmt = _dialect_insert(c, campaign_clicks)
    t = campaign_clicks.c
    c.execute(
        stmt.on_conflict_do_update(
            index_elements=["workspace", "campaign_id", "day", "link_id", "creator_id", "post_id"],
            set_={
                "clicks": t.clicks + stmt.excluded.clicks,
                "last_at": case(
                    (stmt.excluded.last_at > t.last_at, stmt.excluded.last_at), else_=t.last_at
                ),
            },
        ),
        values,
    )


def _reattribute(
    c: Connection,
    workspace: str,
    campaign_id: str,
    rows: Sequence[Mapping[str, Any]],
    codes: list[DealCode],
    links: list[TrackedLink],
) -> None:
    """Attribute again, with the reference function, every order ``rows`` can change."""
    t = tracking_events.c
    tracked = {link.link_id for link in links}
    order_ids: set[str] = set()
    lone: set[str] = set()  # purchase events without an order id: each its own order
    touched: set[str] = set()
    for r in rows:
        if r["event_type"] in ORDER_TYPES:
            (order_ids.add(r["order_id"]) if r.get("order_id") else lone.add(r["event_id"]))
        if r.get("touch_key") and r.get("link_id") in tracked:
            touched.add(r["touch_key"])
    purchase = t.event_type.in_(sorted(ORDER_TYPES))
    if touched:  # the orders of visitors this batch gave a touch: its credit may move
        for order_id, event_id in c.execute(
            select(t.order_id, t.event_id).where(
                t.workspace == workspace,
                t.campaign_id == campaign_id,
                _in(t.touch_key, touched, "touched"),
                purchase,
            )
        ):
            (order_ids.add(order_id) if order_id else lone.add(event_id))
    if not order_ids and not lone:
        return
    no_order = or_(t.order_id.is_(None), t.order_id == "")
    wanted = [
        *([_in(t.order_id, order_ids, "orders")] if order_ids else []),
        *([and_(no_order, _in(t.event_id, lone, "lone"))] if lone else []),
    ]
    events = {e.event_id: e for e in read_events(c, workspace, campaign_id, purchase, or_(*wanted))}
    keys = {e.touch_key for e in events.values() if e.touch_key}
    if keys and tracked:
        for e in read_events(
            c,
            workspace,
            campaign_id,
            _in(t.touch_key, keys, "keys"),
            _in(t.link_id, tracked, "tracked"),
        ):
            events.setdefault(e.event_id, e)
    keys_wanted = order_ids | {f"event:{event_id}" for event_id in lone}
    orders = [
        o for o in attribute_orders(events.values(), codes, links) if o.order_id in keys_wanted
    ]
    c.execute(
        delete(campaign_orders).where(
            campaign_orders.c.workspace == workspace,
            campaign_orders.c.campaign_id == campaign_id,
            _in(campaign_orders.c.order_key, keys_wanted, "order_keys"),
        )
    )
    if orders:
        c.execute(insert(campaign_orders), _order_rows(workspace, campaign_id, orders))


def apply_events(c: Connection, workspace: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fold newly stored events (never duplicates) into the aggregates, in their transaction.

    A campaign whose aggregates are not built (or were attributed with other codes or
    links) is only marked changed: its next read rebuilds it from the events.
    """
    by_campaign: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["event_type"] in CLICK_TYPES or r["event_type"] in ORDER_TYPES:
            by_campaign[r["campaign_id"]].append(r)
    for campaign_id in sorted(by_campaign):  # one order of locks: no deadlock between batches
        state = _state(c, workspace, campaign_id, lock=True)
        codes, links = codes_and_links(c, workspace, campaign_id)
        if state.signature is None or state.signature != signature(codes, links):
            _bump(c, workspace, campaign_id, signature=None)
            continue
        batch = by_campaign[campaign_id]
        _add_clicks(c, workspace, campaign_id, batch)
        _reattribute(c, workspace, campaign_id, batch, codes, links)
        _bump(c, workspace, campaign_id)


# ------------------------------------------------------------------ reading


def _ensure_built(
    c: Connection, workspace: str, campaign_id: str, codes: list[DealCode], links: list[TrackedLink]
) -> None:
    stored = c.execute(
        select(campaign_live.c.signature).where(
            campaign_live.c.workspace == workspace, campaign_live.c.campaign_id == campaign_id
        )
    ).scalar()
    wanted = signature(codes, links)
    if stored == wanted:
        return
    c.rollback()  # a read-only snapshot: the next read starts after the rebuild
    assert c.engine is not None
    with write_transaction(c.engine) as w:
        state = _state(w, workspace, campaign_id, lock=True)
        if state.signature != signature(*codes_and_links(w, workspace, campaign_id)):
            rebuild(w, workspace, campaign_id)


_ORDERS = (
    "SELECT order_key, occurred_at, value, currency, creator_id, post_id, rule{details} "
    "FROM campaign_orders WHERE workspace = :workspace AND campaign_id = :campaign_id "
    "ORDER BY occurred_at, order_key"
)
_WITH_DETAILS = text(_ORDERS.format(details=", evidence, event_ids"))
_WITHOUT_DETAILS = text(_ORDERS.format(details=""))


def _moment(value: Any) -> datetime:
    """A stored date-time in UTC (SQLite keeps UTC as text without a zone)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return _utc(value)


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else tuple(json.loads(value))


_TOTALS = text(
    "SELECT rule, currency, count(*), count(value), coalesce(sum(value), 0), "
    "coalesce(sum(value * value), 0), max(occurred_at) FROM campaign_orders "
    "WHERE workspace = :workspace AND campaign_id = :campaign_id GROUP BY rule, currency"
)


def summed_orders(
    c: Connection,
    workspace: str,
    campaign_id: str,
    codes: list[DealCode],
    links: list[TrackedLink],
    *,
    above: int,
) -> list[OrderTotals] | None:
    """The campaign's orders summed per rule and currency when more than ``above`` of
    its attributed orders carry a value (a big campaign's campaign row); else None,
    and the orders are read one by one (:func:`read_aggregates`)."""
    _ensure_built(c, workspace, campaign_id, codes, links)
    return _summed(c, workspace, campaign_id, above)


def _summed(
    c: Connection, workspace: str, campaign_id: str, above: int
) -> list[OrderTotals] | None:
    totals = [
        OrderTotals(
            rule,
            currency,
            int(n),
            int(valued),
            float(total),
            float(squares),
            None if last is None else _moment(last),
        )
        for rule, currency, n, valued, total, squares, last in c.execute(
            _TOTALS, {"workspace": workspace, "campaign_id": campaign_id}
        )
    ]
    attributed = sum(t.valued for t in totals if t.rule != "none")
    return totals if attributed > above else None


def read_aggregates(
    c: Connection,
    workspace: str,
    campaign_id: str,
    codes: list[DealCode],
    links: list[TrackedLink],
    *,
    details: bool = True,
    summed_above: int | None = None,
) -> tuple[list[AttributedOrder], list[Click], list[OrderTotals] | None]:
    """The campaign's attributed orders and clicks, from the aggregates (built first if stale).

    Equal to :func:`~trustreach.campaigns.attribute_orders` and, summed per day,
    creator, post and link, to :func:`~trustreach.campaigns.resolve_clicks` over all
    the campaign's events (tests/test_live.py checks it). Without ``details`` the
    orders come without their evidence and event ids (the KPIs use neither; reading
    them was a third of a big campaign's KPI read). With ``summed_above``, the orders
    come summed instead (the third item, as :func:`summed_orders` gives them, the
    list of orders then empty) when more than that many attributed orders carry a value.
    """
    _ensure_built(c, workspace, campaign_id, codes, links)
    totals = None if summed_above is None else _summed(c, workspace, campaign_id, summed_above)
    where = {"workspace": workspace, "campaign_id": campaign_id}
    found = [  # plain SQL: the typed columns' per-row processing was most of this read
        AttributedOrder(
            row[0],
            _moment(row[1]),
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7] if details else "",
            (_ids(row[8]) if details else ()),
        )
        for row in (
            c.execute(_WITH_DETAILS if details else _WITHOUT_DETAILS, where)
            if totals is None
            else ()
        )
    ]
    by_link = {link.link_id: link for link in links}
    k = campaign_clicks.c
    clicks = []
    for r in c.execute(
        select(campaign_clicks)
        .where(k.workspace == workspace, k.campaign_id == campaign_id)
        .order_by(k.last_at)
    ):
        link = by_link.get(r.link_id) if r.link_id else None
        clicks.append(
            Click(
                f"{r.day.isoformat()}/{r.link_id}/{r.creator_id}/{r.post_id}",
                _utc(r.last_at),
                int(r.clicks),
                link.creator_id if link else (r.creator_id or None),
                link.post_id if link else (r.post_id or None),
                r.link_id or None,
            )
        )
    return found, clicks, totals


__all__ = [
    "apply_events",
    "codes_and_links",
    "invalidate",
    "read_aggregates",
    "rebuild",
    "signature",
    "summed_orders",
    "touch",
    "version",
]
