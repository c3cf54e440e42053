"""The dashboard's rights pages (trustreach.web._rights): "My data" for a creator (what is
held, the download, the objection, a request) and the requests page with deadlines for
admins and auditors; CSRF on every form; the markup labelled."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests._people import seed_two_tenants
from tests.test_web import HTTPS, Page, World, login

from trustreach.core import Role, Settings
from trustreach.services import _rights
from trustreach.web import create_web_app


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp_path = tmp_path_factory.mktemp("web-rights")
    settings = Settings(data_dir=tmp_path / "data")
    found = World(settings)
    people = [
        ("acme", Role.admin, None),
        ("acme", Role.analyst, None),
        ("acme", Role.auditor, None),
        ("acme", Role.creator, "c1"),
        ("beta", Role.auditor, None),
    ]
    found.emails.update(seed_two_tenants(tmp_path, settings, people=people, audited=False))
    return found


def signed_in(world: World, who: str) -> TestClient:
    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    assert login(c, world.emails[who]).status_code == 303
    return c


def _csrf(html: str) -> str:
    return Page(html).hidden["csrf_token"]


def test_a_creator_sees_downloads_objects_and_asks(world: World) -> None:
    c = signed_in(world, "acme/creator")
    page = c.get("/my/data")
    assert page.status_code == 200 and "Ana Glow" not in page.text.split("<main")[0]
    markup = Page(page.text)
    assert markup.th_without_scope == 0
    assert all(ctrl.get("id") in markup.label_for for ctrl in markup.controls
               if ctrl.get("type") not in ("hidden", "submit"))  # fmt: skip
    assert "creator accounts" in page.text and "Kept" in page.text
    download = c.get("/my/data.json")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.json()["creator_id"] == "c1"
    # no CSRF token: refused, nothing recorded
    assert c.post("/my/data/objection", data={}).status_code == 403
    token = _csrf(page.text)
    done = c.post("/my/data/objection", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert "you are left out of discovery" in c.get(done.headers["location"]).text
    bad = c.post("/my/data/requests", data={"csrf_token": token, "right": "export", "note": "x"})
    assert bad.status_code == 422 and "allowed: rectification, erasure" in bad.text
    asked = c.post(
        "/my/data/requests",
        data={"csrf_token": token, "right": "rectification", "note": "my country is GB"},
    )
    assert asked.status_code == 200 and "Rectification (rr-" in asked.text
    assert c.get("/rights", follow_redirects=False).status_code == 303  # to their own page


def test_admins_answer_requests_auditors_read_analysts_do_not(world: World) -> None:
    logged = _rights.log_request(
        "creator", "c1", "erasure", workspace="acme", settings=world.settings
    )
    admin = signed_in(world, "acme/admin")
    page = admin.get("/rights")
    assert page.status_code == 200 and logged.request_id in page.text
    assert f'action="/rights/{logged.request_id}/status"' in page.text
    markup = Page(page.text)
    assert markup.th_without_scope == 0
    assert all(ctrl.get("id") in markup.label_for for ctrl in markup.controls
               if ctrl.get("type") not in ("hidden", "submit"))  # fmt: skip
    token = _csrf(page.text)
    refused = admin.post(
        f"/rights/{logged.request_id}/status", data={"csrf_token": token, "status": "refused"}
    )
    assert refused.status_code == 422 and "outcome is required when refusing" in refused.text
    done = admin.post(
        f"/rights/{logged.request_id}/status",
        data={"csrf_token": token, "status": "in_progress", "outcome": "checking identity"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    auditor = signed_in(world, "acme/auditor")
    seen = auditor.get("/rights")
    assert seen.status_code == 200 and logged.request_id in seen.text
    assert "/status" not in seen.text  # no form for an auditor
    assert signed_in(world, "acme/analyst").get("/rights").status_code == 403
    other = signed_in(world, "beta/auditor").get("/rights")
    assert other.status_code == 200 and logged.request_id not in other.text
