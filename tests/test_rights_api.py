"""Data-subject rights through the API: a creator's own requests, data and objection;
an admin's erasure, rectification and access for a follower."""

from __future__ import annotations

from typing import Any

import pytest
from tests._api import A, client
from tests._world import write_world

from trustreach import services
from trustreach.api._auth import current_actor
from trustreach.core import Actor, Role, Settings


@pytest.fixture(scope="module")
def api_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[Role, str]]:
    root = tmp_path_factory.mktemp("rights_api")
    settings = Settings(data_dir=root / "data")
    services.import_path(write_world(root / "world"), workspace=A, settings=settings)
    keys = {}
    for role in (Role.admin, Role.analyst, Role.auditor):
        secret, _ = services.create_key(
            workspace=A, role=role, label=role.value, by=services.cli_actor(A), settings=settings
        )
        keys[role] = secret
    return settings, keys


def _creator_client(settings: Settings, creator_id: str = "c1") -> Any:
    api = client(settings)
    api.app.dependency_overrides[current_actor] = lambda: Actor(
        "user", "ana@creators.test", Role.creator, A, creator_id
    )
    return api


def test_a_creator_logs_reads_and_objects_for_themselves_only(
    api_world: tuple[Settings, dict[Role, str]],
) -> None:
    settings, keys = api_world
    api = _creator_client(settings)
    made = api.post(
        "/api/v1/rights/requests",
        json={"subject_kind": "creator", "subject": "c1", "right": "rectification",
              "note": "my country is GB"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    request_id = made.json()["request_id"]
    assert made.json()["status"] == "received" and not made.json()["overdue"]
    other = api.post(
        "/api/v1/rights/requests",
        json={"subject_kind": "creator", "subject": "c2", "right": "erasure"},
    )
    assert other.status_code == 404
    assert api.get("/api/v1/creators/c2/data").status_code == 404
    mine = api.get("/api/v1/rights/requests").json()["items"]
    assert [r["request_id"] for r in mine] == [request_id]
    data = api.get("/api/v1/creators/c1/data")
    assert data.status_code == 200
    parts = {p["table"]: p for p in data.json()["parts"]}
    assert parts["creators"]["rows"][0]["display_name"] == "Ana Glow"
    assert all(p["purpose"] and p["retention"] for p in parts.values())
    # rectification is applied by an admin, on the logged request
    assert api.post("/api/v1/creators/c1/rectification",
                    json={"fields": {"country": "GB"}}).status_code == 403  # fmt: skip
    admin = client(settings)
    auth = {"Authorization": f"Bearer {keys[Role.admin]}"}
    done = admin.post(
        "/api/v1/creators/c1/rectification",
        json={"fields": {"country": "GB"}, "request_id": request_id},
        headers=auth,
    )
    assert done.status_code == 200 and done.json()["changed"] == ["country"]
    status = api.get(f"/api/v1/rights/requests/{request_id}").json()["status"]
    assert status == "completed"
    objected = api.post("/api/v1/creators/c1/objection", json={})
    assert objected.status_code == 200 and objected.json()["already"] is False
    analyst = {"Authorization": f"Bearer {keys[Role.analyst]}"}
    assert admin.get("/api/v1/rights/requests", headers=analyst).status_code == 403
    auditor = {"Authorization": f"Bearer {keys[Role.auditor]}"}
    listed = admin.get("/api/v1/rights/requests", headers=auditor, params={"status": "open"})
    assert listed.status_code == 200 and listed.json()["items"] == []


def test_admin_gives_a_follower_access_and_erases_a_creator(
    api_world: tuple[Settings, dict[Role, str]],
) -> None:
    settings, keys = api_world
    api = client(settings)
    auth = {"Authorization": f"Bearer {keys[Role.admin]}"}
    seen = api.post(
        "/api/v1/rights/third-party-access",
        json={"platform": "instagram", "handle": "f_1001"},
        headers=auth,
    )
    assert seen.status_code == 200, seen.text
    assert seen.json()["held"] == {"follower_accounts": 1, "follows": 1, "comments": 1}
    analyst = {"Authorization": f"Bearer {keys[Role.analyst]}"}
    refused = api.post("/api/v1/creators/c2/erasure", json={}, headers=analyst)
    assert refused.status_code == 403
    erased = api.post("/api/v1/creators/c2/erasure", json={"keep_deals": False}, headers=auth)
    assert erased.status_code == 200, erased.text
    assert erased.json()["removed"]["creators"] == 1 and erased.json()["residue"] == []
    assert api.get("/api/v1/creators/c2", headers=auth).status_code == 404
    bad = api.post(
        "/api/v1/rights/requests",
        json={"subject_kind": "creator", "subject": "c1", "right": "forget"},
        headers=auth,
    )
    assert bad.status_code == 422 and "right" in bad.text
