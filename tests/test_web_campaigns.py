"""The dashboard's campaign pages and the campaign API routes (readers only, own workspace).

Workspace ``acme`` holds the tiny world and the hand-computed campaign ``hc``
(tests/_campaign.py); ``beta`` holds neither. The page's figures are checked
against the service on the same store, not against fixed numbers (those are in
tests/test_campaign_kpis.py).
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests._api import client
from tests._people import seed_two_tenants
from tests.test_campaign_kpis import write_hand_world
from tests.test_web import HTTPS, World, login

from trustreach import services
from trustreach.core import Role, Settings
from trustreach.web import create_web_app

READERS = ("admin", "analyst", "approver", "auditor")


@pytest.fixture
def world(tmp_path: Path, store_settings: Settings) -> World:
    found = World(store_settings)
    found.emails.update(seed_two_tenants(tmp_path, store_settings))
    services.import_path(
        write_hand_world(tmp_path / "hand"), workspace="acme", settings=store_settings
    )
    return found


def signed_in(world: World, who: str) -> TestClient:
    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    assert login(c, world.emails[who]).status_code == 303
    return c


def test_readers_see_the_kpis_with_their_formulas(world: World) -> None:
    report = services.campaign_kpis("hc", by="creator", workspace="acme", settings=world.settings)
    for role in READERS:
        c = signed_in(world, f"acme/{role}")
        listing = c.get("/campaigns")
        assert listing.status_code == 200 and "/campaigns/hc" in listing.text
        page = c.get("/campaigns/hc")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert 'id="campaign-kpis"' in text  # the partial a live update re-renders
        assert f"{report.campaign.value('revenue'):,.2f} USD" in text
        assert "(revenue - cost) / cost" in text  # the formula beside the figure
        assert "Ana Hand" in text and "Max Hand" in text
        assert "no organic post in the campaign window" in text  # a null says why
        assert "Coverage" in text and "Figures as of 2026-10-05 12:00 UTC" in text
        download = c.get("/campaigns/hc/report.html")
        assert download.status_code == 200 and "Hand Computed" in download.text
        assert download.headers["content-disposition"].startswith("attachment")


def test_a_creator_may_not_and_another_workspace_finds_nothing(world: World) -> None:
    assert signed_in(world, "acme/creator").get("/campaigns/hc").status_code == 403
    beta = signed_in(world, "beta/analyst")
    assert beta.get("/campaigns/hc").status_code == 404
    assert beta.get("/campaigns/hc/report.html").status_code == 404
    assert "hc" not in beta.get("/campaigns").text.replace("hc-", "")


def _key(settings: Settings, workspace: str, role: Role) -> dict[str, str]:
    secret, _ = services.create_key(
        workspace=workspace,
        role=role,
        label=f"{workspace} {role.value}",
        by=services.cli_actor(workspace),
        settings=settings,
    )
    return {"Authorization": f"Bearer {secret}"}


def test_api_kpis_for_readers_and_404_across_workspaces(world: World) -> None:
    api = client(world.settings)
    analyst = _key(world.settings, "acme", Role.analyst)
    listed = api.get("/api/v1/campaigns", headers=analyst).json()["items"]
    assert {c["campaign_id"] for c in listed} == {"cmp1", "hc"}
    r = api.get("/api/v1/campaigns/hc/kpis?by=creator&emv=true", headers=analyst)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["campaign"]["revenue"] == 245.5 and body["campaign"]["currency"] == "USD"
    assert body["campaign"]["emv"] == 127.5 and len(body["rows"]) == 2
    assert body["formulas"]["roi"] == "(revenue - cost) / cost"
    bad = api.get("/api/v1/campaigns/hc/kpis?by=week", headers=analyst)
    assert bad.status_code == 422
    report = api.get("/api/v1/campaigns/hc/report?format=html", headers=analyst)
    assert report.status_code == 200 and "Hand Computed" in report.text
    beta = _key(world.settings, "beta", Role.admin)
    for path in ("/api/v1/campaigns/hc/kpis", "/api/v1/campaigns/hc/report"):
        assert api.get(path, headers=beta).status_code == 404
    assert api.get("/api/v1/campaigns", headers=beta).json()["items"] == []
    # an id no campaign can hold (PostgreSQL refuses NUL in a query): refused, never a 500
    assert api.get("/api/v1/campaigns/a%00b/kpis", headers=analyst).status_code == 422
