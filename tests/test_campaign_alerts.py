"""Pacing, forecast and alerts of a campaign (library, service, CLI, API, dashboard).

The store holds the hand-computed campaign ``hc`` (tests/_campaign.py) changed
for the alerts: post ``hp1`` gets a like burst between two snapshots (likes from
400 to 1,400 while reach grows by 300) and the budget is 1,200 USD while the deals
contract 1,500 USD. Every figure checked is computed here from those records.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import select
from tests._campaign import WORLD
from tests.test_campaign_kpis import write_hand_world

from trustreach import services
from trustreach.campaigns._alerts import (
    LIKES_JUMP_MIN,
    CommentDay,
    MetricPoint,
    comment_shares_rising,
    engagement_anomalies,
    over_budget,
)
from trustreach.campaigns._forecast import PostSeries, forecast_campaign
from trustreach.core import ConfigurationError, Settings
from trustreach.services import _alerts as alerts_service
from trustreach.services._pacing import campaign_forecast, set_campaign_target
from trustreach.services._secrets import secret_path
from trustreach.store import audit_log, metadata

WS = "acme"
T0 = datetime(2026, 10, 2, 10, tzinfo=UTC)


def alert_world() -> dict[str, list[dict[str, Any]]]:
    world = copy.deepcopy(WORLD)
    world["campaigns"][0]["budget"] = 1200
    world["post_metrics"].append(
        {"post_id": "hp1", "observed_at": "2026-10-04T20:00:00Z", "source": "insights",
         "views": 9000, "reach": 6300, "impressions": 10500, "likes": 1400, "comments": 22,
         "shares": 10, "saves": 21, "link_clicks": 52}
    )  # fmt: skip
    return world


@pytest.fixture
def hand(tmp_path: Path, store_settings: Settings) -> Settings:
    services.import_path(
        write_hand_world(tmp_path / "hand", alert_world()), workspace=WS, settings=store_settings
    )
    return store_settings


# ------------------------------------------------------------------ the forecast


def _series(post_id: str, posted: datetime, tau_h: float, level: float) -> PostSeries:
    import math

    ages = (3, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720)
    return PostSeries(
        post_id,
        posted,
        tuple(
            (posted + timedelta(hours=h), round(level * (1 - math.exp(-h / tau_h)))) for h in ages
        ),
    )


def test_forecast_of_finished_posts_is_their_reach_and_nothing_more() -> None:
    posts = [_series(f"p{i}", T0 + timedelta(days=i), 30.0, 1000.0 * (i + 1)) for i in range(3)]
    f = forecast_campaign(
        "c", starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 31),
        as_of=datetime(2026, 12, 1, tzinfo=UTC), reach=posts, conversions=[],
        posts=[p.posted_at for p in posts], spend_committed=900.0, spend_so_far=900.0,
        budget=1000.0, currency="USD", targets={"reach": 10_000},
    )  # fmt: skip
    reach = f.projections["reach"]
    at_end = sum(  # the latest snapshot by the end (31 Oct), all posts saturated by then
        max(v for t, v in p.points if t <= datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC))
        for p in posts
    )
    assert reach.low is not None and reach.high is not None
    assert reach.low >= at_end * 0.98 and reach.high <= at_end * 1.05
    assert reach.off_pace is True  # 10,000 is above the whole interval
    assert f.elapsed_share == 1.0
    spend = f.projections["spend"]
    assert spend.expected == spend.low == spend.high == 900.0 and spend.target == 1000.0


def test_forecast_midway_brackets_a_steady_campaign_and_widens_early() -> None:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    posts = [
        _series(f"p{i}", start + timedelta(days=2 * i, hours=5), 30.0, 2000.0) for i in range(15)
    ]
    orders = [start + timedelta(hours=7 * k) for k in range(300)]  # about 3.4 a day
    end = datetime(2026, 10, 30, 23, 59, 59, tzinfo=UTC)

    def forecast(at: datetime) -> Any:
        return forecast_campaign(
            "c", starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 30), as_of=at,
            reach=posts, conversions=orders, posts=[p.posted_at for p in posts],
            spend_committed=None, spend_so_far=None, budget=None, currency="USD", seed=3,
        )  # fmt: skip

    half, early = forecast(start + (end - start) / 2), forecast(start + (end - start) / 5)
    true_orders = sum(1 for o in orders if o <= end)
    conv = half.projections["conversions"]
    assert conv.low is not None and conv.high is not None
    assert conv.low <= true_orders <= conv.high
    e = early.projections["conversions"]
    assert e.low is not None and e.high is not None
    assert (e.high - e.low) > (conv.high - conv.low)  # less known, wider
    assert half.projections["spend"].reason is not None  # an amount not convertible


def test_forecast_says_why_it_cannot_project() -> None:
    f = forecast_campaign(
        "c", starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 31),
        as_of=datetime(2026, 9, 20, tzinfo=UTC), reach=[], conversions=[], posts=[],
        spend_committed=0.0, spend_so_far=0.0, budget=None, currency="EUR",
    )  # fmt: skip
    assert f.projections["reach"].expected is None
    assert "no post" in (f.projections["reach"].reason or "")
    assert "no campaign post" in (f.projections["conversions"].reason or "")
    assert f.notes and "not started" in f.notes[0]
    with pytest.raises(ValueError, match="target 'likes' not allowed; allowed: reach"):
        forecast_campaign(
            "c", starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 31), as_of=T0, reach=[],
            conversions=[], posts=[], spend_committed=0.0, spend_so_far=0.0, budget=None,
            currency="EUR", targets={"likes": 1},
        )  # fmt: skip


# --------------------------------------------------------------------- the rules


def _points(likes: list[int], reach: list[int]) -> list[MetricPoint]:
    return [
        MetricPoint(T0 + timedelta(hours=12 * i), r, lk)
        for i, (lk, r) in enumerate(zip(likes, reach, strict=True))
    ]


def test_anomaly_rule_finds_a_like_burst_without_reach_and_a_fall() -> None:
    steady = _points([100, 300, 450, 520, 540], [1000, 3000, 4600, 5300, 5500])
    assert engagement_anomalies("p", "c1", steady) == []
    burst = _points([100, 300, 1450, 1520, 1540], [1000, 3000, 3400, 4100, 4300])
    found = engagement_anomalies("p", "c1", burst)
    assert len(found) == 1 and found[0].subject == "post:p" and found[0].creator_id == "c1"
    jump = found[0].evidence["jumps"][0]
    assert jump["likes_added"] == 1150 and jump["reach_added"] == 400
    assert jump["likes_expected"] == pytest.approx(300 / 3000 * 400)
    assert "consistent with bought engagement" in found[0].summary
    purged = _points([100, 300, 450, 300, 310], [1000, 3000, 4600, 5300, 5500])
    assert engagement_anomalies("p", None, purged)[0].evidence["drops"][0]["likes_added"] == -150
    small = _points([10, 30, 30 + LIKES_JUMP_MIN - 1], [1000, 3000, 3001])
    assert engagement_anomalies("p", None, small) == []  # below the minimum jump
    public = [MetricPoint(p.observed_at, None, p.likes) for p in burst]
    assert engagement_anomalies("p", None, public) == []  # needs first-party reach


def test_comment_rule_needs_a_rise_beyond_chance() -> None:
    today = date(2026, 10, 20)
    before = [CommentDay(today - timedelta(days=d), 40, 2, 0) for d in range(4, 12)]
    flat = before + [CommentDay(today - timedelta(days=d), 40, 2, 0) for d in range(3)]
    assert comment_shares_rising("c", flat, today) == []
    rising = before + [CommentDay(today - timedelta(days=d), 40, 12, 6) for d in range(3)]
    rules = {f.rule for f in comment_shares_rising("c", rising, today)}
    assert rules == {"negative_comments", "unsafe_comments"}
    few = [CommentDay(today, 5, 5, 5), *before]
    assert comment_shares_rising("c", few, today) == []  # too few recent comments


def test_over_budget_names_the_amounts() -> None:
    assert over_budget("c", 900.0, 1000.0, "EUR") == []
    assert over_budget("c", 900.0, None, "EUR") == []
    (f,) = over_budget("c", 1500.0, 1200.0, "USD")
    assert f.evidence == {"committed": 1500.0, "budget": 1200.0, "currency": "USD"}
    assert "by 300.00 USD" in f.summary


# ------------------------------------------------------------------ the service


class _Receiver(BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).got.append((dict(self.headers), body))
        code = type(self).answers.pop(0) if type(self).answers else 204
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"answers": [], "got": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", handler
    server.shutdown()
    server.server_close()


def test_check_raises_once_delivers_signed_with_retries_and_audits(
    hand: Settings, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    secret = alerts_service.set_alert_webhook(
        url, actor="ops@acme", secret="s" * 32, workspace=WS, settings=hand
    )
    handler.answers = [503, 500]  # two failures, then accepted
    waits: list[float] = []
    first = alerts_service.check_alerts("hc", workspace=WS, settings=hand, sleep=waits.append)
    rules = sorted(a.rule for a in first.raised)
    assert rules == ["engagement_anomaly", "over_budget"]
    anomaly = next(a for a in first.raised if a.rule == "engagement_anomaly")
    assert anomaly.subject == "post:hp1" and anomaly.creator_id == "ana"
    assert anomaly.evidence["jumps"][0]["likes_added"] == 1000
    assert first.delivered == 2 and first.undelivered == 0
    assert waits == [alerts_service.BACKOFF_S, alerts_service.BACKOFF_S * 2]  # doubled
    assert len(handler.got) == 4  # 3 tries for the first alert, 1 for the second
    for headers, body in handler.got:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers[alerts_service.SIGNATURE_HEADER] == expected
        assert json.loads(body)["alert"]["campaign_id"] == "hc"
    tries = alerts_service.alert_deliveries_of(
        first.raised[0].alert_id, workspace=WS, settings=hand
    )
    assert [t["delivered"] for t in tries] == [False, False, True]
    # seen again: no new alert, no new delivery, last_seen moves
    again = alerts_service.check_alerts("hc", workspace=WS, settings=hand, sleep=waits.append)
    assert again.raised == [] and len(again.seen_again) == 2 and len(handler.got) == 4
    listed = alerts_service.list_alerts("hc", workspace=WS, settings=hand)
    assert len(listed) == 2 and all(a.status == "open" for a in listed)
    engine = services.open_store(hand, create=False)
    with engine.connect() as c:
        actions = list(c.execute(select(audit_log.c.action)).scalars())
    engine.dispose()
    assert actions.count("alert_raised") == 2 and "alert_webhook_set" in actions


def test_the_webhook_secret_is_kept_outside_the_database(
    hand: Settings, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    secret = alerts_service.set_alert_webhook(url, actor="ops", workspace=WS, settings=hand)
    path = secret_path(hand, WS, "alerts")
    assert path.read_text().strip() == secret and path.stat().st_mode & 0o777 == 0o600
    engine = services.open_store(hand, create=False)
    with engine.connect() as c:  # no column of any table holds it
        for table in metadata.sorted_tables:
            for row in c.execute(select(table)):
                assert all(secret not in str(v) for v in row), table.name
    engine.dispose()
    path.unlink()  # a host without the secret delivers nothing (and says so in its log)
    result = alerts_service.check_alerts("hc", workspace=WS, settings=hand, sleep=lambda s: None)
    assert result.raised and result.delivered == 0 and handler.got == []


def test_delivery_gives_up_after_the_bounded_attempts(
    hand: Settings, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    alerts_service.set_alert_webhook(url, actor="ops", secret="k" * 20, workspace=WS, settings=hand)
    handler.answers = [500] * 20
    result = alerts_service.check_alerts("hc", workspace=WS, settings=hand, sleep=lambda s: None)
    assert result.undelivered == 2
    assert len(handler.got) == 2 * alerts_service.MAX_ATTEMPTS


def test_a_person_acknowledges_or_snoozes_and_a_fixed_cause_resolves(hand: Settings) -> None:
    raised = alerts_service.check_alerts("hc", workspace=WS, settings=hand).raised
    budget = next(a for a in raised if a.rule == "over_budget")
    acked = alerts_service.acknowledge_alert(
        budget.alert_id, actor="approver@acme", note="raising the budget", workspace=WS,
        settings=hand,
    )  # fmt: skip
    assert acked.status == "acknowledged" and acked.acted_by == "approver@acme"
    anomaly = next(a for a in raised if a.rule == "engagement_anomaly")
    snoozed = alerts_service.snooze_alert(
        anomaly.alert_id, actor="analyst@acme", hours=48, workspace=WS, settings=hand
    )
    assert snoozed.status == "snoozed" and snoozed.snoozed_until is not None
    with pytest.raises(ConfigurationError, match="hours 0 not allowed"):
        alerts_service.snooze_alert(
            anomaly.alert_id, actor="a", hours=0, workspace=WS, settings=hand
        )
    with pytest.raises(ConfigurationError, match="actor must not be empty"):
        alerts_service.acknowledge_alert(anomaly.alert_id, actor=" ", workspace=WS, settings=hand)
    # the budget is raised: the over-budget alert resolves on the next check
    engine = services.open_store(hand, create=False)
    from sqlalchemy import update

    from trustreach.store._tables import campaigns

    with engine.begin() as c:
        c.execute(update(campaigns).where(campaigns.c.campaign_id == "hc").values(budget=5000))
    engine.dispose()
    later = alerts_service.check_alerts("hc", workspace=WS, settings=hand)
    assert [a.rule for a in later.resolved] == ["over_budget"]
    assert [a.status for a in later.seen_again] == ["snoozed"]  # still snoozed, not re-sent
    with pytest.raises(ConfigurationError, match="is resolved"):
        alerts_service.acknowledge_alert(budget.alert_id, actor="x", workspace=WS, settings=hand)
    with pytest.raises(ConfigurationError, match="status 'gone' not allowed"):
        alerts_service.list_alerts("hc", status="gone", workspace=WS, settings=hand)


def test_off_pace_needs_a_target_and_fires_below_it(hand: Settings) -> None:
    as_of = datetime(2026, 10, 4, 12, tzinfo=UTC)  # before the like burst's snapshot
    f = campaign_forecast("hc", as_of=as_of, workspace=WS, settings=hand)
    assert f.projections["reach"].target is None and f.projections["reach"].off_pace is None
    assert f.projections["conversions"].so_far == 3  # O1, O2, O3 attributed; O4 not
    assert f.projections["spend"].expected == 1500.0
    set_campaign_target("hc", "reach", 10_000_000, actor="approver", workspace=WS, settings=hand)
    found = alerts_service.check_alerts("hc", as_of=as_of, workspace=WS, settings=hand)
    off = [a for a in found.raised if a.rule == "off_pace"]
    assert [a.subject for a in off] == ["campaign:hc:reach"]
    assert not [a for a in found.raised if a.rule == "engagement_anomaly"]  # not seen by then
    later = alerts_service.check_alerts(
        "hc", as_of=datetime(2026, 10, 10, tzinfo=UTC), workspace=WS, settings=hand
    )
    assert [a.subject for a in later.raised if a.rule == "engagement_anomaly"] == ["post:hp1"]
    assert off[0].evidence["target"] == 10_000_000
    with pytest.raises(ConfigurationError, match="metric 'likes' not allowed"):
        set_campaign_target("hc", "likes", 5, actor="a", workspace=WS, settings=hand)


# ------------------------------------------------------------------ API and CLI


def _key(settings: Settings, role: str, workspace: str = WS) -> dict[str, str]:
    from trustreach.core import Role

    secret, _ = services.create_key(
        workspace=workspace, role=Role(role), label=f"{workspace} {role}",
        by=services.cli_actor(workspace), settings=settings,
    )  # fmt: skip
    return {"Authorization": f"Bearer {secret}"}


def test_api_lists_alerts_and_a_named_person_acts_once(hand: Settings) -> None:
    from tests._api import client

    services.import_path(  # another workspace with the same ids
        write_hand_world(hand.data_dir / "other", alert_world()), workspace="beta", settings=hand
    )
    raised = alerts_service.check_alerts("hc", workspace=WS, settings=hand).raised
    api = client(hand)
    auditor, approver = _key(hand, "auditor"), _key(hand, "approver")
    listed = api.get("/api/v1/campaigns/hc/alerts", headers=auditor)
    assert listed.status_code == 200, listed.text
    assert sorted(a["rule"] for a in listed.json()["items"]) == sorted(a.rule for a in raised)
    forecast = api.get("/api/v1/campaigns/hc/forecast", headers=auditor).json()
    assert forecast["projections"]["spend"]["expected"] == 1500.0
    target = raised[0].alert_id
    path = f"/api/v1/alerts/{target}/acknowledge"
    assert api.post(path, json={"note": "seen"}, headers=auditor).status_code == 403
    key = {**approver, "Idempotency-Key": "ack-1"}
    first = api.post(path, json={"note": "seen"}, headers=key)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "acknowledged" and first.json()["acted_by"]
    again = api.post(path, json={"note": "seen"}, headers=key)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    bad = api.post(f"/api/v1/alerts/{target}/snooze", json={"hours": -1}, headers=approver)
    assert bad.status_code == 422 and "hours" in bad.text
    other = _key(hand, "admin", "beta")
    assert api.post(path, json={}, headers=other).status_code == 404  # not beta's alert
    assert api.get("/api/v1/campaigns/hc/alerts", headers=other).json()["items"] == []
    assert api.get("/api/v1/campaigns/hc/alerts?status=x", headers=auditor).status_code == 422


def test_api_sets_targets_and_the_webhook_showing_its_secret_once(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    from tests._api import client

    services.import_path(
        write_hand_world(tmp_path / "hand", alert_world()), workspace=WS, settings=sqlite_settings
    )
    api = client(sqlite_settings)
    analyst, admin = _key(sqlite_settings, "analyst"), _key(sqlite_settings, "admin")
    put = api.put(
        "/api/v1/campaigns/hc/targets", json={"metric": "reach", "target": 9000}, headers=analyst
    )
    assert put.status_code == 200 and put.json()["targets"] == {"reach": 9000.0}, put.text
    forecast = api.get("/api/v1/campaigns/hc/forecast", headers=analyst).json()
    assert forecast["projections"]["reach"]["target"] == 9000
    removed = api.put(
        "/api/v1/campaigns/hc/targets", json={"metric": "reach", "target": None}, headers=analyst
    )
    assert removed.json()["targets"] == {}
    bad = api.put("/api/v1/campaigns/hc/targets", json={"metric": "likes", "target": 1},
                  headers=analyst)  # fmt: skip
    assert bad.status_code == 422 and "metric" in bad.text
    assert api.get("/api/v1/alert-webhook", headers=admin).json() is None
    hook = {"url": "https://ops.example.com/hook"}
    assert api.put("/api/v1/alert-webhook", json=hook, headers=analyst).status_code == 403
    made = api.put("/api/v1/alert-webhook", json=hook, headers=admin)
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store", made.text
    secret = made.json()["secret"]
    shown = api.get("/api/v1/alert-webhook", headers=admin)
    assert secret not in shown.text and shown.json()["url"] == hook["url"]
    assert shown.json()["secret_fingerprint"] == hashlib.sha256(secret.encode()).hexdigest()[:12]
    assert shown.json()["secret_kept_here"] is True


def test_cli_checks_lists_forecasts_and_sets_a_target(
    hand: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from trustreach.cli import app
    from trustreach.core import reset_settings

    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(hand.data_dir))
    if hand.database_url:
        monkeypatch.setenv("TRUSTREACH_DATABASE_URL", hand.database_url)
    reset_settings()
    run = CliRunner().invoke
    listed = run(app, ["campaign", "alerts", "hc", "-w", WS])
    assert listed.exit_code == 0 and "No alerts." in listed.output  # nothing checked yet
    checked = run(app, ["campaign", "alerts", "hc", "--check", "-w", WS])
    assert checked.exit_code == 0, checked.output
    assert "2 raised" in checked.output and "over_budget" in checked.output
    as_json = run(app, ["campaign", "alerts", "hc", "--format", "json", "-w", WS])
    assert {a["rule"] for a in json.loads(as_json.output)} == {"over_budget", "engagement_anomaly"}
    target = run(app, ["campaign", "target", "hc", "--conversions", "500", "-w", WS])
    assert target.exit_code == 0 and "conversions 500" in target.output
    f = run(app, ["campaign", "forecast", "hc", "--as-of", "2026-10-10", "-f", "json", "-w", WS])
    assert f.exit_code == 0, f.output
    data = json.loads(f.output)
    assert data["projections"]["conversions"]["target"] == 500
    assert data["projections"]["conversions"]["so_far"] == 3
    from tests._main import run_main

    code, _, err = run_main("campaign", "forecast", "hc", "--as-of", "soon", "-w", WS)
    assert code == 2 and "as_of 'soon' not allowed; allowed: an ISO 8601" in err


# -------------------------------------------------------------------- dashboard


def test_campaign_page_shows_alerts_and_a_person_acts_with_csrf(
    tmp_path: Path, store_settings: Settings
) -> None:
    import html as html_lib

    from fastapi.testclient import TestClient
    from tests._people import seed_two_tenants
    from tests.test_web import HTTPS, login

    from trustreach.web import create_web_app
    from trustreach.web._base import CSRF_FIELD

    emails = seed_two_tenants(tmp_path, store_settings)
    services.import_path(
        write_hand_world(tmp_path / "hand", alert_world()), workspace=WS, settings=store_settings
    )
    raised = alerts_service.check_alerts("hc", workspace=WS, settings=store_settings).raised

    def signed_in(who: str) -> TestClient:
        c = TestClient(create_web_app(store_settings), base_url=HTTPS)
        assert login(c, emails[who]).status_code == 303
        return c

    auditor = signed_in("acme/auditor")
    page = html_lib.unescape(auditor.get("/campaigns/hc").text)
    assert 'id="campaign-alerts"' in page and 'id="campaign-kpis"' in page
    for a in raised:
        assert a.summary in page
    assert "80% interval" in page and "never a verdict" in page
    listing = auditor.get("/campaigns/hc/alerts")
    assert listing.status_code == 200 and "Acknowledge" not in listing.text  # may not act
    anomaly = next(a for a in raised if a.rule == "engagement_anomaly")
    refused = auditor.post(f"/alerts/{anomaly.alert_id}/acknowledge", data={"note": "x"})
    assert refused.status_code in (403, 422)  # no CSRF token, and an auditor may not act
    analyst = signed_in("acme/analyst")
    form = analyst.get("/campaigns/hc/alerts").text
    assert "Acknowledge" in form
    field = CSRF_FIELD
    token = form.split(f'name="{field}" value="')[1].split('"')[0]
    bad = analyst.post(
        f"/alerts/{anomaly.alert_id}/snooze", data={field: token, "hours": "soon"},
        follow_redirects=False,
    )  # fmt: skip
    assert bad.status_code == 422 and "hours &#39;soon&#39; not allowed" in bad.text
    done = analyst.post(
        f"/alerts/{anomaly.alert_id}/acknowledge", data={field: token, "note": "asked the creator"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    acked = alerts_service.get_alert(anomaly.alert_id, workspace=WS, settings=store_settings)
    assert acked.status == "acknowledged" and acked.note == "asked the creator"
    assert acked.acted_by and "analyst" in acked.acted_by
    beta = signed_in("beta/analyst")
    assert beta.get("/campaigns/hc/alerts").status_code == 404


def test_a_snooze_that_ended_reopens_and_redelivers_and_a_4xx_is_not_retried(
    hand: Settings, receiver: tuple[str, type[_Receiver]]
) -> None:
    from sqlalchemy import update

    from trustreach.store._tables import alerts

    url, handler = receiver
    alerts_service.set_alert_webhook(url, actor="ops", secret="z" * 24, workspace=WS, settings=hand)
    handler.answers = [410, 204]  # the first alert's receiver refuses it: no retry
    first = alerts_service.check_alerts("hc", workspace=WS, settings=hand, sleep=lambda s: None)
    assert (first.delivered, first.undelivered) == (1, 1) and len(handler.got) == 2
    anomaly = next(a for a in first.raised if a.rule == "engagement_anomaly")
    alerts_service.snooze_alert(
        anomaly.alert_id, actor="analyst", hours=1, workspace=WS, settings=hand
    )
    quiet = alerts_service.check_alerts("hc", workspace=WS, settings=hand)
    assert quiet.delivered == 0 and len(handler.got) == 2  # snoozed: not sent again
    engine = services.open_store(hand, create=False)
    with engine.begin() as c:  # the hour has passed
        c.execute(
            update(alerts)
            .where(alerts.c.alert_id == anomaly.alert_id)
            .values(snoozed_until=datetime.now(UTC) - timedelta(minutes=1))
        )
    engine.dispose()
    woke = alerts_service.check_alerts("hc", workspace=WS, settings=hand)
    reopened = next(a for a in woke.seen_again if a.alert_id == anomaly.alert_id)
    assert reopened.status == "open" and reopened.snoozed_until is None
    assert woke.delivered == 1 and len(handler.got) == 3


def test_on_a_generated_world_the_anomaly_alerts_name_the_injected_bursts(
    tmp_path: Path, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustreach.cli._campaign_alerts import demo_alerts
    from trustreach.core import reset_settings
    from trustreach.synth import generate_world

    world = generate_world(tmp_path / "w", seed=5, creators=24, followers_per_creator=100, days=120)
    services.import_path(world.out_dir, workspace=WS, settings=store_settings)
    truth = json.loads((world.out_dir / "ground_truth.json").read_text())["campaign_performance"]
    bursts = {f"post:{a['post_id']}" for a in truth["engagement_anomalies"]}
    assert bursts  # the generator injects at least one
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(store_settings.data_dir))
    if store_settings.database_url:
        monkeypatch.setenv("TRUSTREACH_DATABASE_URL", store_settings.database_url)
    reset_settings()
    raised = demo_alerts(WS)  # what `trustreach demo` runs: every campaign checked
    found = {
        a.subject
        for c in services.list_campaigns(workspace=WS, settings=store_settings)
        for a in alerts_service.list_alerts(c.campaign_id, workspace=WS, settings=store_settings)
        if a.rule == "engagement_anomaly"
    }
    assert found == bursts  # every burst, and no other post
    assert raised >= len(found)
