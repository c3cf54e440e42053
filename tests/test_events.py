"""Events in real time: the use-case, POST /api/v1/events, the shop webhook, `events push`.

Each on SQLite and PostgreSQL. An event is stored once (a re-sent one is a
duplicate), a batch is all or nothing, and a webhook whose signature does not
verify changes nothing. The crash test (kill -9 of a serving process) is in
tests/test_events_crash.py.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests._api import client
from tests._crash import store_state
from tests._events import A, B, count_events, env, event, seed, serving, stored_events
from tests._world import write_records

from trustreach import services
from trustreach.core import Actor, PermissionDenied, Role, Settings
from trustreach.services import _events, _shop_webhook
from trustreach.services._audit_guard import anchor_path
from trustreach.store._tables import audit_log, tracking_events

ANALYST = Actor("key", "test-analyst", Role.analyst, A)


@pytest.fixture(autouse=True)
def _forget_hourly_records() -> None:
    """Each test's store is new (PostgreSQL's under the same URL): forget what was seen."""
    _events._recorded.clear()


@pytest.fixture
def keys(tmp_path: Path, store_settings: Settings) -> dict[tuple[str, Role], str]:
    return seed(tmp_path, store_settings)


def _audit_records(settings: Settings, action: str) -> int:
    engine = services.open_store(settings)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count()).select_from(audit_log).where(audit_log.c.action == action)
                ).scalar_one()
            )
    finally:
        engine.dispose()


# ------------------------------------------------------------------ the use-case


def test_a_batch_is_stored_once_and_a_resent_event_is_a_duplicate(
    store_settings: Settings, keys: Any
) -> None:
    batch = [event(i) for i in range(50)]
    first = _events.accept_events(batch, actor=ANALYST, settings=store_settings)
    assert (first.received, first.accepted, first.duplicates) == (50, 50, 0)
    stored = stored_events(store_settings)
    assert len(stored) == 50
    assert all(r["received_at"] is not None for r in stored.values())
    purchase = stored["ev-000003"]
    assert (purchase["order_id"], purchase["currency"], purchase["value"]) == ("o-3", "USD", 13.25)

    again = _events.accept_events(
        [*batch[10:20], event(50)], actor=ANALYST, settings=store_settings
    )
    assert (again.accepted, again.duplicates) == (1, 10)
    assert again.duplicate_ids == [f"ev-{i:06d}" for i in range(10, 20)]
    assert len(stored_events(store_settings)) == 51


def test_late_and_out_of_order_events_keep_their_own_moment(
    store_settings: Settings, keys: Any
) -> None:
    late = event(1, occurred_at="2026-10-14T23:00:00Z")
    early = event(2, occurred_at="2026-09-30T08:15:00+02:00")
    _events.accept_events([late], actor=ANALYST, settings=store_settings)
    _events.accept_events([early], actor=ANALYST, settings=store_settings)
    stored = stored_events(store_settings)
    moments = {k: v["occurred_at"].replace(tzinfo=UTC) for k, v in stored.items()}
    assert moments["ev-000002"] == datetime(2026, 9, 30, 6, 15, tzinfo=UTC)
    assert moments["ev-000001"] == datetime(2026, 10, 14, 23, tzinfo=UTC)
    received = {k: v["received_at"].replace(tzinfo=UTC) for k, v in stored.items()}
    assert received["ev-000002"] >= received["ev-000001"]


def test_events_are_stored_like_imported_ones(
    tmp_path: Path, store_settings: Settings, keys: Any
) -> None:
    """Moments keep the store's one format (on SQLite, text that compares in time order)."""
    moment = "2026-10-05T10:00:00Z"
    write_records(tmp_path / "more" / "tracking_events.jsonl", [event(1, occurred_at=moment)])
    services.import_path(tmp_path / "more", workspace=A, settings=store_settings)
    _events.accept_events([event(2, occurred_at=moment)], actor=ANALYST, settings=store_settings)
    at = datetime(2026, 10, 5, 10, tzinfo=UTC)
    engine = services.open_store(store_settings)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(tracking_events.c.event_id).where(
                    tracking_events.c.occurred_at >= at, tracking_events.c.occurred_at <= at
                )
            ).scalars()
            assert sorted(found) == ["ev-000001", "ev-000002"]
            raw = dict(
                connection.exec_driver_sql(
                    "SELECT event_id, occurred_at FROM tracking_events"
                ).all()
            )
    finally:
        engine.dispose()
    assert type(raw["ev-000001"]) is type(raw["ev-000002"])
    assert str(raw["ev-000001"]) == str(raw["ev-000002"])


def test_a_resent_event_id_with_other_content_refuses_the_batch(
    store_settings: Settings, keys: Any
) -> None:
    _events.accept_events([event(1)], actor=ANALYST, settings=store_settings)
    changed = event(1, creator_id="c2")
    with pytest.raises(_events.EventsRefused, match=r"event 1, field 'event_id'.*creator_id"):
        _events.accept_events([event(2), changed], actor=ANALYST, settings=store_settings)
    assert set(stored_events(store_settings)) == {"ev-000001"}  # ev-000002 not stored either
    twice = [event(3), event(4), event(3, value=1.0, currency="USD", event_type="purchase")]
    with pytest.raises(_events.EventsRefused, match="appears earlier in this batch"):
        _events.accept_events(twice, actor=ANALYST, settings=store_settings)
    same_twice = _events.accept_events([event(5), event(5)], actor=ANALYST, settings=store_settings)
    assert (same_twice.accepted, same_twice.duplicates) == (1, 1)


def test_an_invalid_event_names_its_index_field_and_what_is_allowed(
    store_settings: Settings, keys: Any
) -> None:
    batch = [event(0), event(1, event_type="like"), event(2, value=5), {"event_id": "x"}]
    with pytest.raises(_events.EventsRefused) as refused:
        _events.accept_events(batch, actor=ANALYST, settings=store_settings)
    problems = {(p.index, p.field): p.message for p in refused.value.problems}
    assert "'purchase'" in problems[(1, "event_type")]  # the allowed values are named
    assert any(i == 2 and "currency" in m for (i, _), m in problems.items())
    assert (3, "campaign_id") in problems
    assert stored_events(store_settings) == {}


def test_ids_of_another_workspace_are_refused(store_settings: Settings, keys: Any) -> None:
    for bad, field in (
        ({"campaign_id": "gx-cmp1"}, "campaign_id"),
        ({"creator_id": "gx-c1"}, "creator_id"),
        ({"post_id": "gx-p1"}, "post_id"),
    ):
        with pytest.raises(_events.EventsRefused) as refused:
            _events.accept_events(
                [event(0), event(1, **bad)], actor=ANALYST, settings=store_settings
            )
        assert [(p.index, p.field) for p in refused.value.problems] == [(1, field)]
        assert f"workspace '{A}'" in str(refused.value)
    assert stored_events(store_settings) == {}
    assert stored_events(store_settings, B) == {}


def test_a_batch_over_the_limit_and_a_reader_are_refused(
    store_settings: Settings, keys: Any
) -> None:
    too_many = [event(i) for i in range(_events.MAX_BATCH + 1)]
    with pytest.raises(_events.BatchTooLarge, match="at most 5000 events"):
        _events.accept_events(too_many, actor=ANALYST, settings=store_settings)
    auditor = Actor("key", "k", Role.auditor, A)
    with pytest.raises(PermissionDenied):
        _events.accept_events([event(1)], actor=auditor, settings=store_settings)
    assert stored_events(store_settings) == {}


def test_the_audit_log_gets_one_record_per_sender_and_hour(
    store_settings: Settings, keys: Any
) -> None:
    receipts = [
        _events.accept_events([event(i)], actor=ANALYST, settings=store_settings) for i in range(4)
    ]
    other = Actor("key", "another", Role.analyst, A)
    receipts.append(_events.accept_events([event(9)], actor=other, settings=store_settings))
    audited = [r.audit_seq is not None for r in receipts]
    # one record per sender and hour: the first batch of each (an hour may turn mid-test)
    assert audited[0] and audited[4]
    assert _audit_records(store_settings, _events.AUDIT_ACTION) == sum(audited)
    _events._recorded.clear()  # another process: it looks the hour's record up
    again = _events.accept_events([event(20)], actor=ANALYST, settings=store_settings)
    hour_turned = receipts[3].received_at.hour != again.received_at.hour
    assert (again.audit_seq is None) or hour_turned
    assert services.verify_audit_log(settings=store_settings) is not None  # raises if broken


# ------------------------------------------------------------------ the API


def test_post_events_counts_accepted_and_duplicates(store_settings: Settings, keys: Any) -> None:
    api = client(store_settings)
    auth = {"Authorization": f"Bearer {keys[(A, Role.analyst)]}"}
    batch = {"events": [event(i) for i in range(20)]}
    answer = api.post("/api/v1/events", json=batch, headers=auth)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["accepted"], answer.json()["duplicates"]) == (20, 0)
    again = api.post("/api/v1/events", json=batch, headers=auth)
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 20)
    keyed = {**auth, "Idempotency-Key": "batch-7"}
    one = api.post("/api/v1/events", json={"events": [event(30)]}, headers=keyed)
    two = api.post("/api/v1/events", json={"events": [event(30)]}, headers=keyed)
    assert one.json()["accepted"] == 1 and two.json() == one.json()
    assert two.headers["Idempotent-Replayed"] == "true"
    assert len(stored_events(store_settings)) == 21


def test_post_events_refusals_name_the_event_and_change_nothing(
    store_settings: Settings, keys: Any
) -> None:
    api = client(store_settings, app={"max_body_bytes": 4_000_000})
    auth = {"Authorization": f"Bearer {keys[(A, Role.analyst)]}"}
    bad = api.post(
        "/api/v1/events", json={"events": [event(0), event(1, event_type="like")]}, headers=auth
    )
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert errors[0]["field"] == "body.events.1.event_type"
    assert "'purchase'" in errors[0]["message"]
    foreign = api.post(
        "/api/v1/events", json={"events": [event(0, campaign_id="gx-cmp1")]}, headers=auth
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "body.events.0.campaign_id"
    big = api.post(
        "/api/v1/events",
        json={"events": [event(i) for i in range(_events.MAX_BATCH + 1)]},
        headers=auth,
    )
    assert big.status_code == 413
    assert "at most 5000" in big.json()["detail"]
    reader = {"Authorization": f"Bearer {keys[(A, Role.auditor)]}"}
    assert (
        api.post("/api/v1/events", json={"events": [event(0)]}, headers=reader).status_code == 403
    )
    assert api.post("/api/v1/events", json={"events": [event(0)]}).status_code == 401
    assert stored_events(store_settings) == {}


# ------------------------------------------------------------------ the shop webhook


def _order(order_id: int = 820982911946154508, **extra: Any) -> bytes:
    order = {
        "id": order_id,
        "created_at": "2026-10-05T12:04:31-04:00",
        "total_price": "59.90",
        "currency": "USD",
        "discount_codes": [{"code": "glow10", "amount": "6.00", "type": "percentage"}],
        "landing_site": "/products/spf?utm_source=instagram&utm_campaign=cmp1&utm_content=lnk-7",
        "note_attributes": [{"name": "touch_key", "value": "v-8f3a2c"}],
        "line_items": [{"title": "SPF 50", "quantity": 1, "price": "59.90"}],
        **extra,
    }
    return json.dumps(order).encode()


def _headers(
    secret: str, body: bytes, *, webhook_id: str = "wh-1", age_s: int = 0
) -> dict[str, str]:
    moment = datetime.now(UTC) - timedelta(seconds=age_s)
    return {
        "X-Shop-Hmac-Sha256": _shop_webhook.signature(secret, body),
        "X-Shop-Webhook-Id": webhook_id,
        "X-Shop-Triggered-At": moment.isoformat(),
        "Content-Type": "application/json",
    }


def _secret(settings: Settings) -> str:
    admin = services.cli_actor(A)
    return _shop_webhook.new_webhook_secret(workspace=A, by=admin, settings=settings)


def test_a_signed_order_becomes_one_purchase_event_and_a_replay_counts_once(
    store_settings: Settings, keys: Any
) -> None:
    secret = _secret(store_settings)
    api = client(store_settings)
    body = _order()
    path = f"/api/v1/webhooks/shop/{A}"
    first = api.post(path, content=body, headers=_headers(secret, body))
    assert first.status_code == 200, first.text
    assert (first.json()["accepted"], first.json()["campaign_id"]) == (1, "cmp1")
    (stored,) = stored_events(store_settings).values()
    assert stored["event_type"] == "purchase"
    assert (stored["order_id"], stored["value"], stored["currency"]) == (
        "820982911946154508",
        59.9,
        "USD",
    )
    assert (stored["promo_code"], stored["link_id"], stored["touch_key"]) == (
        "glow10",
        "lnk-7",
        "v-8f3a2c",
    )
    replay = api.post(path, content=body, headers=_headers(secret, body))
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    new_id = api.post(path, content=body, headers=_headers(secret, body, webhook_id="wh-2"))
    assert new_id.status_code == 200 and new_id.json()["duplicates"] == 1
    assert len(stored_events(store_settings)) == 1
    # an order tied to no campaign is acknowledged, not stored
    loose = _order(7, landing_site="/", discount_codes=[])
    ignored = api.post(path, content=loose, headers=_headers(secret, loose, webhook_id="wh-3"))
    assert ignored.status_code == 200 and "no campaign" in ignored.json()["ignored"]
    # ids with control characters are never looked up (PostgreSQL refuses NUL): ignored
    odd = _order(9, landing_site="/?utm_campaign=%00", discount_codes=[{"code": "\u0000"}],
                 note_attributes=[{"name": "campaign_id", "value": "\u0000x"}])  # fmt: skip
    result = _shop_webhook.accept_shop_order(A, odd, settings=store_settings)
    assert result.receipt is None and result.ignored
    # a code of a deal finds the campaign
    coded = _order(8, landing_site="/", discount_codes=[{"code": "GLOW10"}])
    found = api.post(path, content=coded, headers=_headers(secret, coded, webhook_id="wh-4"))
    assert found.json()["campaign_id"] == "cmp1" and found.json()["accepted"] == 1


def test_a_bad_signature_or_an_old_delivery_changes_nothing(
    store_settings: Settings, keys: Any
) -> None:
    secret = _secret(store_settings)
    api = client(store_settings)
    path = f"/api/v1/webhooks/shop/{A}"
    body = _order()
    before = store_state(store_settings)
    anchor = anchor_path(store_settings).read_bytes()
    tampered = body.replace(b"59.90", b"5990.00")
    for headers, content in (
        (_headers(secret, body), tampered),  # the body changed after signing
        (_headers("whsec_wrong", body), body),
        ({**_headers(secret, body), "X-Shop-Hmac-Sha256": ""}, body),
        (_headers(secret, body, age_s=301), body),  # older than 5 minutes
        (_headers(secret, body, age_s=-400), body),  # from the future
        ({k: v for k, v in _headers(secret, body).items() if k != "X-Shop-Triggered-At"}, body),
    ):
        answer = api.post(path, content=content, headers=headers)
        assert answer.status_code == 401, answer.text
        assert "nothing was changed" in answer.json()["detail"]
    other = api.post(f"/api/v1/webhooks/shop/{B}", content=body, headers=_headers(secret, body))
    assert other.status_code == 401  # B has no secret; A's does not sign for B
    assert store_state(store_settings) == before
    assert anchor_path(store_settings).read_bytes() == anchor


def test_a_new_secret_replaces_the_old_and_is_kept_out_of_the_database(
    store_settings: Settings, keys: Any
) -> None:
    old = _secret(store_settings)
    new = _secret(store_settings)
    assert old != new
    path = _shop_webhook.secret_path(store_settings, A)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = store_state(store_settings)[0]
    assert not any(new in str(rows) for rows in before.values())
    api = client(store_settings)
    body = _order()
    url = f"/api/v1/webhooks/shop/{A}"
    assert api.post(url, content=body, headers=_headers(old, body)).status_code == 401
    assert api.post(url, content=body, headers=_headers(new, body)).status_code == 200
    assert _audit_records(store_settings, "set_webhook_secret") == 2


# ------------------------------------------------------------------ the command line


def _cli(settings: Settings, *args: str, stdin: str | None = None, **extra: str) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "trustreach", *args],
        env=env(settings, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_webhooks_secret_prints_a_secret_once(store_settings: Settings, keys: Any) -> None:
    done = _cli(store_settings, "webhooks", "secret", "--workspace", A)
    assert done.returncode == 0, done.stderr
    secret = done.stdout.strip()
    assert secret.startswith("whsec_") and "shown this once" in done.stderr
    assert _shop_webhook.secret_path(store_settings, A).read_text().strip() == secret


def test_events_push_streams_a_file_and_stdin_and_names_refused_lines(
    tmp_path: Path, store_settings: Settings, keys: Any
) -> None:
    lines = [json.dumps(event(i)) for i in range(25)]
    lines.insert(7, json.dumps(event(99, event_type="like")))  # line 8
    lines.insert(12, "{not json")  # line 13
    file = tmp_path / "events.jsonl"
    file.write_text("\n".join(lines) + "\n")
    key = {"TRUSTREACH_API_KEY": keys[(A, Role.analyst)]}
    with serving(store_settings, tmp_path) as url:
        done = _cli(
            store_settings, "events", "push", str(file), "--url", url, "--batch", "10", **key
        )
        assert done.returncode == 2, done.stderr
        assert "accepted=25 duplicates=0 refused=2" in done.stdout
        assert "line 8: field 'event_type'" in done.stderr
        assert "line 13: not JSON" in done.stderr
        again = _cli(
            store_settings, "events", "push", "-", "--url", url, stdin=file.read_text(), **key
        )
        assert "accepted=0 duplicates=25 refused=2" in again.stdout
        clean = "\n".join(json.dumps(event(i)) for i in range(20, 30))
        third = _cli(store_settings, "events", "push", "-", "--url", url, stdin=clean, **key)
        assert third.returncode == 0, third.stderr
        assert "accepted=5 duplicates=5 refused=0" in third.stdout
        reader = {"TRUSTREACH_API_KEY": keys[(A, Role.auditor)]}
        refused = _cli(store_settings, "events", "push", str(file), "--url", url, **reader)
        assert refused.returncode == 2 and "403" in refused.stderr
    assert count_events(store_settings) == 30


def test_push_retries_a_lost_batch_and_splits_one_too_large() -> None:
    """`events push`'s client against a server that drops, throttles and limits batches."""
    import httpx

    from trustreach.cli._events import PushFailed, push_events

    stored: set[str] = set()
    calls = {"n": 0}

    def server(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        events = json.loads(request.content)["events"]
        if calls["n"] == 1:  # the first batch is stored, then the connection drops
            stored.update(e["event_id"] for e in events)
            raise httpx.ReadError("connection reset")
        if calls["n"] == 2:
            return httpx.Response(503, headers={"Retry-After": "3"})
        if len(events) > 3:
            return httpx.Response(413, json={"detail": "too large"})
        ids = [e["event_id"] for e in events]
        again = [i for i in ids if i in stored]
        stored.update(ids)
        return httpx.Response(
            200, json={"accepted": len(ids) - len(again), "duplicates": len(again)}
        )

    waits: list[float] = []
    lines = [(n, json.dumps(event(n))) for n in range(1, 11)]
    with httpx.Client(transport=httpx.MockTransport(server), base_url="http://x") as api:
        report = push_events(lines, client=api, batch_size=5, sleep=waits.append)
    # the lost first batch was stored: re-sent (in halves after a 413), it is 5 duplicates
    assert (report.accepted, report.duplicates, report.refused) == (5, 5, [])
    assert stored == {f"ev-{n:06d}" for n in range(1, 11)}
    assert report.retries == 2 and waits[1] == 3.0  # backoff, then Retry-After
    with (
        httpx.Client(
            transport=httpx.MockTransport(lambda r: httpx.Response(503)), base_url="http://x"
        ) as down,
        pytest.raises(PushFailed, match="starting at line 1 was not acknowledged after 3 tries"),
    ):
        push_events(lines, client=down, batch_size=5, retries=2, sleep=waits.append)


def test_push_refuses_a_file_that_is_not_utf8(tmp_path: Path, sqlite_settings: Settings) -> None:
    bad = tmp_path / "events.jsonl"
    bad.write_bytes(b'\xff\xfe{"event_id": "x"}\n')
    done = _cli(
        sqlite_settings, "events", "push", str(bad), "--key", "k", "--url", "http://127.0.0.1:9"
    )
    assert done.returncode == 2
    assert "not UTF-8 text" in done.stderr and "Traceback" not in done.stderr
