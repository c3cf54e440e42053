"""Idempotency-Key and rate limits: a retried POST acts once; a busy key gets 429.

The idempotent route here is a small app of its own (the product's POST routes
use the same :data:`~trustreach.api._idempotency.Idempotency` dependency) that
files a dispute: each filing without a key creates a new dispute, so acting
twice would be visible.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select
from tests._api import A, Tenants, client, seed

from trustreach import services
from trustreach.api._auth import CurrentActor, Limits
from trustreach.api._idempotency import REPLAYED, Idempotency
from trustreach.api._limits import RateLimited, RateLimiter
from trustreach.api._problems import install_problem_handlers
from trustreach.core import Role, Settings
from trustreach.services import open_store
from trustreach.store._tables import disputes


class NewDispute(BaseModel):
    creator_id: str
    reason: str


class Filed(BaseModel):
    dispute_id: int
    creator_id: str
    filed_by: str


def _app(settings: Settings, per_minute: int = 0) -> TestClient:
    app = FastAPI()
    app.state.settings = settings
    app.state.rate_limits = Limits(per_minute)
    install_problem_handlers(app)

    @app.post("/api/v1/disputes", status_code=201, response_model=Filed)
    def file(request: Request, actor: CurrentActor, body: NewDispute, idem: Idempotency) -> Any:
        def work() -> Filed:
            d = services.file_dispute(
                body.creator_id,
                body.reason,
                workspace=actor.workspace,
                filed_by=actor.audit_name,
                settings=settings,
            )
            return Filed(dispute_id=d.dispute_id, creator_id=d.creator_id, filed_by=d.filed_by)

        return idem.run(actor, work, status_code=201)

    return TestClient(app)


def _count(settings: Settings) -> int:
    with open_store(settings).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(disputes)).scalar_one())


@pytest.fixture
def tenants(tmp_path: Path, store_settings: Settings) -> Tenants:
    return seed(tmp_path, store_settings)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_acts_once(tenants: Tenants) -> None:
    api = _app(tenants.settings)
    auth = tenants.auth(Role.admin)
    body = {"creator_id": "c1", "reason": "my audience is real"}
    before = _count(tenants.settings)
    first = api.post("/api/v1/disputes", json=body, headers={**auth, "Idempotency-Key": "k-1"})
    again = api.post("/api/v1/disputes", json=body, headers={**auth, "Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["filed_by"].startswith("key:trk_")
    assert again.headers[REPLAYED] == "true" and REPLAYED not in first.headers
    assert _count(tenants.settings) == before + 1
    audit = services.list_audit(workspace=A, limit=1000, settings=tenants.settings)
    assert sum(1 for e in audit if e.action == "dispute_filed") == 1

    # without a key, each request acts
    api.post("/api/v1/disputes", json=body, headers=auth)
    api.post("/api/v1/disputes", json=body, headers=auth)
    assert _count(tenants.settings) == before + 3


def test_the_same_key_for_another_request_is_refused_naming_the_header(tenants: Tenants) -> None:
    api = _app(tenants.settings)
    headers = {**tenants.auth(Role.admin), "Idempotency-Key": "k-2"}
    api.post("/api/v1/disputes", json={"creator_id": "c1", "reason": "one"}, headers=headers)
    other = api.post(
        "/api/v1/disputes", json={"creator_id": "c1", "reason": "two"}, headers=headers
    )
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert "different request" in other.json()["detail"]


def test_keys_are_per_caller(tenants: Tenants) -> None:
    """Another key using the same Idempotency-Key string gets its own answer."""
    api = _app(tenants.settings)
    body = {"creator_id": "c1", "reason": "mine"}
    one = api.post(
        "/api/v1/disputes", json=body, headers={**tenants.auth(Role.admin), "Idempotency-Key": "x"}
    )
    two = api.post(
        "/api/v1/disputes",
        json=body,
        headers={**tenants.auth(Role.analyst), "Idempotency-Key": "x"},
    )
    assert one.status_code == two.status_code == 201
    assert one.json()["dispute_id"] != two.json()["dispute_id"]
    assert REPLAYED not in two.headers


def test_a_failed_request_claims_nothing(tenants: Tenants) -> None:
    """The key is claimed in the use-case's transaction: a refused request leaves it free."""
    api = _app(tenants.settings)
    headers = {**tenants.auth(Role.admin), "Idempotency-Key": "k-3"}
    missing = api.post(
        "/api/v1/disputes", json={"creator_id": "nobody", "reason": "r"}, headers=headers
    )
    assert missing.status_code == 404
    fixed = api.post(
        "/api/v1/disputes", json={"creator_id": "nobody", "reason": "r"}, headers=headers
    )
    assert fixed.status_code == 404  # still acted on, not replayed
    assert REPLAYED not in fixed.headers


def test_concurrent_requests_with_one_key_act_once(tenants: Tenants) -> None:
    api = _app(tenants.settings)
    headers = {**tenants.auth(Role.admin), "Idempotency-Key": "race"}
    body = {"creator_id": "c1", "reason": "raced"}
    before = _count(tenants.settings)
    statuses: list[int] = []
    ids: set[int] = set()
    lock = threading.Lock()

    def send() -> None:
        answer = api.post("/api/v1/disputes", json=body, headers=headers)
        with lock:
            statuses.append(answer.status_code)
            if answer.status_code == 201:
                ids.add(answer.json()["dispute_id"])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(tenants.settings) == before + 1
    assert len(ids) == 1
    assert set(statuses) <= {201, 409, 503}
    assert 201 in statuses


def test_a_key_over_its_rate_gets_429_with_retry_after(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    tenants = seed(tmp_path, sqlite_settings)
    api = client(
        sqlite_settings.model_copy(update={"api_rate_limit_per_minute": 12}), rate_limits=True
    )
    auth = tenants.auth(Role.analyst)
    answers = [api.get("/api/v1/creators", headers=auth) for _ in range(3)]  # burst is 12 // 6
    assert [a.status_code for a in answers] == [200, 200, 429]
    limited = answers[-1]
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert int(limited.headers["Retry-After"]) >= 1
    # another key has its own budget
    assert api.get("/api/v1/creators", headers=tenants.auth(Role.auditor)).status_code == 200


def test_failed_keys_are_limited_per_address(tmp_path: Path, sqlite_settings: Settings) -> None:
    seed(tmp_path, sqlite_settings)
    api = client(
        sqlite_settings.model_copy(update={"api_rate_limit_per_minute": 60}), rate_limits=True
    )
    wrong = {"Authorization": "Bearer trk_aaaaaaaaaaaa_wrong"}
    statuses = [api.get("/api/v1/creators", headers=wrong).status_code for _ in range(3)]
    assert statuses[0] == 401
    assert statuses[-1] == 429


def test_the_limiter_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0])
    limiter.take("k")
    with pytest.raises(RateLimited) as raised:
        limiter.take("k")
    assert raised.value.retry_after == 1
    now[0] = 1.0
    limiter.take("k")  # one second later: one more request
    off = RateLimiter(per_minute=0)
    for _ in range(1000):
        off.take("k")
