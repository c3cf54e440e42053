"""The live ingest's fast path gives the interchange record's verdicts (ingest._event_batch).

Whatever the batch check accepts, the record accepts too and gives the same row; what it
is unsure of it leaves to the record (None). Generated events mix valid values with the
ones the record strips, converts or refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from trustreach.ingest import TrackingEventRecord
from trustreach.ingest._event_batch import event_rows
from trustreach.services._events import _row

NOW = datetime.now(UTC)
GOOD = {
    "event_id": "ev-1",
    "campaign_id": "cmp1",
    "occurred_at": "2026-10-02T18:30:00+02:00",
    "event_type": "purchase",
    "creator_id": "c1",
    "value": 49.9,
    "currency": "EUR",
    "order_id": "1001",
    "promo_code": "ANA10",
    "touch_key": "v-7f3a",
}

VALID_IDS = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zs"]), min_size=1)
IDS = st.one_of(
    VALID_IDS,
    st.sampled_from(["a", "c1", " c1", "c1 ", "", "x\ty", "é-ü", "a" * 200, "a" * 201, "a\\b"]),
)
MOMENTS = st.sampled_from(
    [
        "2026-10-02T18:30:00Z",
        "2026-10-02T18:30:00",
        "2026-10-02",
        " 2026-10-02T18:30:00Z",
        "1999-12-31T23:59:59Z",
        (NOW + timedelta(days=1)).isoformat(),
        (NOW + timedelta(days=3)).isoformat(),
        "not a date",
        1_700_000_000,
        1.5,
    ]
)
NUMBERS = st.sampled_from([None, 0, 1, 2.5, -1, 10**13, 10**13 + 1, True, "3", "2.5", 0.1, 1e400])
OPTIONAL_FIELDS = {
    "post_id": st.one_of(st.none(), IDS),
    "creator_id": st.one_of(st.none(), IDS),
    "quantity": st.sampled_from([1, 2, 0, 10**9, 10**9 + 1, 2.0, 2.5, True, "2", None]),
    "value": NUMBERS,
    "currency": st.sampled_from([None, "USD", "EUR", "usd", "XXX", " USD", "ZZZ"]),
    "order_id": st.one_of(st.none(), IDS),
    "promo_code": st.sampled_from([None, "ANA10", " ANA10", "", "a" * 101, "x\x01"]),
    "link_id": st.one_of(st.none(), IDS),
    "touch_key": st.sampled_from([None, "v-1", "10.0.0.1", "::1", "a@b.co", "fe80::1%eth0", "abc"]),
    "surprise": st.just("unknown field"),
}


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": draw(IDS),
        "campaign_id": draw(IDS),
        "occurred_at": draw(MOMENTS),
        "event_type": draw(st.sampled_from(["view", "click", "purchase", "Purchase", "buy"])),
    }
    for name in draw(st.sets(st.sampled_from(sorted(OPTIONAL_FIELDS)), max_size=4)):
        event[name] = draw(OPTIONAL_FIELDS[name])
    if draw(st.integers(0, 4)) == 0:
        del event[draw(st.sampled_from(sorted(event)))]
    return event


@st.composite
def near_good(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with fresh ids, and at most one field drawn from anything above."""
    event = {**GOOD, "event_id": draw(VALID_IDS), "order_id": draw(VALID_IDS)}
    if draw(st.booleans()):
        anything = {**OPTIONAL_FIELDS, "occurred_at": MOMENTS, "event_id": IDS}
        name = draw(st.sampled_from(sorted(anything)))
        event[name] = draw(anything[name])
    return event


def _record_rows(batch: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    try:
        return [_row(TrackingEventRecord.model_validate(e)) for e in batch]
    except ValidationError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(events(), near_good()), min_size=1, max_size=3))
def test_what_the_batch_check_accepts_the_record_accepts_alike(batch: list[dict[str, Any]]) -> None:
    fast = event_rows(batch)
    if fast is None:
        return  # left to the record, which names each problem
    exact = _record_rows(batch)
    assert exact is not None, batch
    for got, want in zip(fast, exact, strict=True):
        for name, value in want.items():
            assert got[name] == value and type(got[name]) is type(value), (name, batch)


def test_a_clean_batch_takes_the_fast_path_with_the_records_rows() -> None:
    batch = [GOOD, {**GOOD, "event_id": "ev-2", "value": 10, "occurred_at": "2026-10-02"}]
    fast = event_rows(batch)
    assert fast is not None
    assert fast == _record_rows(batch)
    assert fast[0]["occurred_at"] == datetime(2026, 10, 2, 16, 30, tzinfo=UTC)
    assert fast[1]["value"] == 10.0 and type(fast[1]["value"]) is float


@pytest.mark.parametrize(
    "change",
    [
        {"event_id": " ev-1"},  # the record strips it
        {"occurred_at": 1_700_000_000},  # a number is not a date
        {"quantity": "2"},  # digits as text: the record reads them
        {"value": None, "currency": "EUR", "promo_code": " ANA10"},
        {"currency": None},  # a value needs its currency
        {"touch_key": "192.168.0.7"},  # an IP address is not a pseudonym
        {"touch_key": "ana@example.com"},
        {"occurred_at": "1999-12-31T00:00:00Z"},
        {"surprise": 1},
    ],
)
def test_anything_unusual_is_left_to_the_record(change: dict[str, Any]) -> None:
    assert event_rows([GOOD, {**GOOD, **change}]) is None
