"""A batch of tracking events checked whole in pydantic-core: the live ingest's fast path.

:class:`~trustreach.ingest.TrackingEventRecord` is exact but runs Python validators per
field per event (the control-character check, the money, date and touch-key rules), a
third of what accepting a batch through the API costs. :func:`event_rows` checks a
whole batch with one schema that stays in pydantic-core (patterns, literals, strict
numbers and bounds) and a few Python checks over the batch; it answers the rows only
when it is sure, and None otherwise, and the caller then checks every event with the
record (which names each problem). So the two paths give the same verdicts:

* every rule of the fast schema is at least as strict as the record's (text must
  already be an id without surrounding space or control characters; numbers must be
  JSON numbers, never text or true/false; dates must be text; a currency one of the
  circulating codes), so it accepts nothing the record would refuse;
* what it accepts becomes exactly the row the record would give (the same types,
  ``occurred_at`` in UTC, enumerations as their values; ``tests/test_event_batch.py``
  checks this on generated events, valid and invalid).

Anything unusual (whitespace to strip, a number written as text, an unknown field, a
date out of range, an IP address as a touch key) goes to the record, so the fast path
only has to be right, not complete.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, Strict, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from trustreach.ingest._schema import (
    _EMAIL,
    EARLIEST,
    MONEY_MAX,
    OBSERVED_DAYS_AHEAD,
    QUANTITY_MAX,
    TrackingEventRecord,
)
from trustreach.ingest._vocab import CURRENCIES, EventType

# An id as the record's Key allows it after stripping, and already stripped.
_ID = r"^[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f])?$"
_Id = Annotated[str, Strict(), Field(min_length=1, max_length=200, pattern=_ID)]
_Code = Annotated[str, Strict(), Field(min_length=1, max_length=100, pattern=_ID)]
_Money = Annotated[float, Strict(), Field(ge=0, le=MONEY_MAX, allow_inf_nan=False)]
_Quantity = Annotated[int, Strict(), Field(ge=1, le=QUANTITY_MAX)]
if TYPE_CHECKING:  # literals built from the vocabularies: plain text to the type checker
    _Currency = str
    _EventType = str
else:
    _Currency = Literal[tuple(sorted(CURRENCIES))]
    _EventType = Literal[tuple(e.value for e in EventType)]


class _Event(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    event_id: _Id
    campaign_id: _Id
    occurred_at: datetime
    event_type: _EventType
    post_id: NotRequired[_Id | None]
    creator_id: NotRequired[_Id | None]
    quantity: NotRequired[_Quantity]
    value: NotRequired[_Money | None]
    currency: NotRequired[_Currency | None]
    order_id: NotRequired[_Id | None]
    promo_code: NotRequired[_Code | None]
    link_id: NotRequired[_Id | None]
    touch_key: NotRequired[_Id | None]


_BATCH = TypeAdapter(list[_Event])
FIELDS: tuple[str, ...] = tuple(TrackingEventRecord.model_fields)
"""The row's keys: the record's fields, in its order."""
_DEFAULTS = {name: info.default for name, info in TrackingEventRecord.model_fields.items()}
_MAYBE_ADDRESS = re.compile(r"[0-9A-Fa-f:.]+(%.*)?")
_LOW = datetime(EARLIEST.year, EARLIEST.month, EARLIEST.day, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _pseudonymous(key: str) -> bool:
    if "@" in key and _EMAIL.fullmatch(key):
        return False
    if _MAYBE_ADDRESS.fullmatch(key):
        try:
            ipaddress.ip_address(key)
        except ValueError:
            return True
        return False
    return True


def event_rows(records: Sequence[Any]) -> list[dict[str, Any]] | None:
    """The batch as rows (every field of the record, ``occurred_at`` in UTC, the event
    type as text), or None when any event needs the record's exact check.

    >>> rows = event_rows([{"event_id": "e1", "campaign_id": "c1", "event_type": "view",
    ...                     "occurred_at": "2026-01-02T03:04:05+01:00"}])
    >>> rows[0]["occurred_at"].isoformat(), rows[0]["quantity"], rows[0]["post_id"]
    ('2026-01-02T02:04:05+00:00', 1, None)
    >>> event_rows([{"event_id": " e1", "campaign_id": "c1", "event_type": "view",
    ...              "occurred_at": "2026-01-02T03:04:05Z"}]) is None  # the record strips it
    True
    """
    if not all(isinstance(r, Mapping) and type(r.get("occurred_at")) is str for r in records):
        return None  # a number is not a date (the record says so); or not an object
    try:
        checked = _BATCH.validate_python([r if isinstance(r, dict) else dict(r) for r in records])
    except ValidationError:
        return None
    latest = datetime.now(UTC) + timedelta(days=OBSERVED_DAYS_AHEAD)
    rows = []
    for event in checked:
        row = {**_DEFAULTS, **event}
        moment = row["occurred_at"] = _utc(row["occurred_at"])
        if not _LOW <= moment <= latest:
            return None
        if row["value"] is not None and row["currency"] is None:
            return None
        if row["touch_key"] is not None and not _pseudonymous(row["touch_key"]):
            return None
        rows.append(row)
    return rows
