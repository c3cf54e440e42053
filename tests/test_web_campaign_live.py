"""The live campaign page: ``/campaigns/{id}/live`` streams the figures when they change.

Workspace ``acme`` holds the hand-computed campaign ``hc`` without its events; an
analyst's stream answers the re-rendered partial once events are accepted (the
stream's lifetime is shortened here). The page names its stream and loads the
static script that follows it; another workspace's campaign is 404 and no session
gets no stream.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests._campaign import WORLD
from tests._people import seed_two_tenants
from tests.test_campaign_kpis import write_hand_world
from tests.test_web import HTTPS, World, login

from trustreach import services
from trustreach.core import Actor, AuthenticationError, Role, Settings
from trustreach.web import _campaigns as live_pages
from trustreach.web import create_web_app


@pytest.fixture
def world(tmp_path: Path, store_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> World:
    found = World(store_settings)
    found.emails.update(seed_two_tenants(tmp_path, store_settings))
    hand = {k: v for k, v in WORLD.items() if k != "tracking_events"}
    services.import_path(
        write_hand_world(tmp_path / "hand", hand), workspace="acme", settings=store_settings
    )
    monkeypatch.setattr(live_pages, "LIVE_LIFETIME_S", 1.0)
    monkeypatch.setattr(live_pages, "LIVE_POLL_S", 0.05)
    return found


def _signed_in(world: World, who: str) -> TestClient:
    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    assert login(c, world.emails[who]).status_code == 303
    return c


def _events(text: str) -> list[dict[str, Any]]:
    out = []
    for block in text.split("\n\n"):
        fields: dict[str, Any] = {"data": []}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            if name == "data":
                fields["data"].append(value)
            elif name in ("event", "id"):
                fields[name] = value
        if "event" in fields:
            out.append({**fields, "data": "\n".join(fields["data"])})
    return out


def test_the_stream_sends_the_new_figures_when_events_are_accepted(world: World) -> None:
    c = _signed_in(world, "acme/analyst")
    page = c.get("/campaigns/hc")
    assert page.status_code == 200
    assert 'data-live="/campaigns/hc/live?since=' in page.text
    assert "/static/live.js" in page.text and "<script>" not in page.text
    since = int(page.text.split("/live?since=")[1].split('"')[0])
    quiet = c.get(f"/campaigns/hc/live?since={since}")
    assert quiet.headers["content-type"].startswith("text/event-stream")
    assert _events(quiet.text) == []  # nothing changed: nothing sent
    analyst = Actor("key", "live-test", Role.analyst, "acme")
    events = [{**e, "event_id": f"live-{e['event_id']}"} for e in WORLD["tracking_events"]]
    services.accept_events(events, actor=analyst, settings=world.settings)  # ids of their own
    streamed = _events(c.get(f"/campaigns/hc/live?since={since}").text)
    assert [e["event"] for e in streamed] == ["alerts", "kpis"]  # one change: both, once
    assert 'id="campaign-alerts"' in streamed[0]["data"]  # the section the script replaces
    sent = streamed[1:]
    assert int(sent[0]["id"]) > since
    figures = html.unescape(sent[0]["data"])
    report = services.campaign_kpis("hc", by="creator", workspace="acme", settings=world.settings)
    assert report.campaign.value("conversions") == 3
    assert f"{report.campaign.value('revenue'):,.2f} USD" in figures
    assert "The campaign" in figures and "<html" not in figures  # the partial alone
    again = c.get("/campaigns/hc/live", headers={"Last-Event-ID": sent[0]["id"]})
    assert _events(again.text) == []  # a reconnect names what it has: nothing new


def test_the_stream_is_the_workspaces_own_and_needs_a_session(world: World) -> None:
    other = _signed_in(world, "beta/analyst")
    assert other.get("/campaigns/hc/live").status_code == 404
    anonymous = TestClient(create_web_app(world.settings), base_url=HTTPS)
    answer = anonymous.get("/campaigns/hc/live", follow_redirects=False)
    assert answer.status_code in (303, 401)
    assert "text/event-stream" not in answer.headers.get("content-type", "")


def test_a_stream_ends_when_its_session_ends(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_pages, "LIVE_SESSION_CHECK_S", 0.0)
    c = _signed_in(world, "acme/analyst")
    real = services.session_actor
    calls = {"n": 0}

    def ended_after_first(token: str, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 1:
            raise AuthenticationError("ended")
        return real(token, **kwargs)

    monkeypatch.setattr(services, "session_actor", ended_after_first)
    sent = _events(c.get("/campaigns/hc/live?since=0").text)
    assert sent and sent[-1]["event"] == "ended"
