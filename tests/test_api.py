"""The REST API on real stores: authentication, roles, pagination, problems, limits, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request
from sqlalchemy import text
from tests._api import B_MARKERS, A, B, Tenants, client, seed

from trustreach import services
from trustreach.core import AuditChainError, Role, Settings, StoreBusyError

PROBLEM = "application/problem+json"


@pytest.fixture
def tenants(tmp_path: Path, store_settings: Settings) -> Tenants:
    return seed(tmp_path, store_settings, a_shortlists=3)


def _is_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status and body["instance"] == r.request.url.path
    return body


def _first(app: Any, path: str, endpoint: Any, method: str) -> None:
    """A test route, matched before the API's catch-all and the dashboard."""
    app.add_api_route(path, endpoint, methods=[method])
    app.router.routes.insert(0, app.router.routes.pop())


# ------------------------------------------------------------------ authentication and roles


def test_every_route_but_health_requires_a_key(tenants: Tenants) -> None:
    api = client(tenants.settings)
    assert api.get("/api/v1/health").json()["status"] == "ok"
    schema = api.get("/openapi.json").json()
    routes = [p for p, ops in schema["paths"].items() if "get" in ops and p != "/api/v1/health"]
    assert len(routes) >= 7
    for path in routes:
        path = path.replace("{creator_id}", "c1").replace("{shortlist_id}", "x")
        for headers in ({}, {"Authorization": "Bearer trk_nope_nope"}, {"Authorization": "x"}):
            r = api.get(path, headers=headers)
            _is_problem(r, 401)
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert "Ana Glow" not in r.text


def test_a_revoked_key_is_refused(tenants: Tenants) -> None:
    api = client(tenants.settings)
    headers = tenants.auth(Role.analyst)
    assert api.get("/api/v1/creators", headers=headers).status_code == 200
    key_id = "_".join(tenants.keys[(A, Role.analyst)].split("_")[:2])  # trk_<id>_<secret>
    services.revoke_key(key_id, workspace=A, by=services.cli_actor(A), settings=tenants.settings)
    _is_problem(api.get("/api/v1/creators", headers=headers), 401)


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (Role.analyst, "/api/v1/audit-log", 403),
        (Role.approver, "/api/v1/audit-log/verify", 403),
        (Role.auditor, "/api/v1/audit-log", 200),
        (Role.auditor, "/api/v1/shortlists", 200),
        (Role.approver, "/api/v1/creators/c1/audit", 200),
        (Role.admin, "/api/v1/audit-log/verify", 200),
    ],
)
def test_roles_decide_what_a_key_reads(
    tenants: Tenants, role: Role, path: str, status: int
) -> None:
    r = client(tenants.settings).get(path, headers=tenants.auth(role))
    if status == 403:
        assert "may not do this" in _is_problem(r, 403)["detail"]
    else:
        assert r.status_code == status, r.text


# ------------------------------------------------------------------ reads


def test_creator_detail_and_audit_evidence(tenants: Tenants) -> None:
    api = client(tenants.settings)
    headers = tenants.auth(Role.analyst)
    c1 = api.get("/api/v1/creators/c1", headers=headers).json()
    assert c1["display_name"] == "Ana Glow"
    assert [a["handle"] for a in c1["accounts"]] == ["anaglow"]
    assert c1["audit_seq"] is not None and 0 <= c1["audience_quality"] <= 100
    audit = api.get("/api/v1/creators/c1/audit", headers=headers).json()
    assert audit["audit_seq"] == c1["audit_seq"] and audit["evidence"]["creator_id"] == "c1"
    c2 = api.get("/api/v1/creators/c2", headers=headers).json()
    assert c2["audit_seq"] is None
    _is_problem(api.get("/api/v1/creators/c2/audit", headers=headers), 404)


def test_shortlist_detail_names_who_decided(tenants: Tenants) -> None:
    sid = tenants.a_shortlists[0]
    services.decide(
        sid, "c1", "approved", decided_by="user:sam@acme.test", reason="fits",
        workspace=A, settings=tenants.settings,
    )  # fmt: skip
    body = (
        client(tenants.settings)
        .get(f"/api/v1/shortlists/{sid}", headers=tenants.auth(Role.approver))
        .json()
    )
    assert body["shortlist_id"] == sid and body["approved"] == 1
    assert {e["creator_id"]: e["status"] for e in body["items"]} == {
        "c1": "approved",
        "c2": "pending",
    }
    assert body["decisions"][0]["decided_by"] == "user:sam@acme.test"


def _walk(api: Any, path: str, headers: dict[str, str], limit: int) -> list[list[Any]]:
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = api.get(path, headers=headers, params=params)
        assert r.status_code == 200, r.text
        pages.append(r.json()["items"])
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50


def test_pagination_round_trips_every_listing(tenants: Tenants) -> None:
    api = client(tenants.settings)
    headers = tenants.auth(Role.auditor)
    creators = _walk(api, "/api/v1/creators", headers, 1)
    assert [[c["creator_id"] for c in p] for p in creators] == [["c1"], ["c2"]]
    shortlists = _walk(api, "/api/v1/shortlists", headers, 2)
    ids = [s["shortlist_id"] for p in shortlists for s in p]
    assert [len(p) for p in shortlists] == [2, 1]
    assert sorted(ids) == sorted(tenants.a_shortlists) and ids == sorted(ids, reverse=True)
    records = [r for p in _walk(api, "/api/v1/audit-log", headers, 2) for r in p]
    seqs = [r["seq"] for r in records]
    expected = services.list_audit(workspace=A, limit=1000, settings=tenants.settings)
    assert seqs == sorted((e.seq for e in expected), reverse=True)
    assert {r["actor"] for r in records} >= {"cli", "acme-analyst"}


def test_verify_reports_this_workspace_only(tenants: Tenants) -> None:
    body = (
        client(tenants.settings)
        .get("/api/v1/audit-log/verify", headers=tenants.auth(Role.auditor))
        .json()
    )
    mine = services.list_audit(workspace=A, limit=1000, settings=tenants.settings)
    assert body == {"intact": True, "records": len(mine), "breaks": []}


# ------------------------------------------------------------------ problems


def test_validation_problems_name_each_field(tenants: Tenants) -> None:
    api = client(tenants.settings)
    headers = tenants.auth(Role.analyst)
    body = _is_problem(api.get("/api/v1/creators?limit=0", headers=headers), 422)
    assert body["errors"] == [
        {"field": "query.limit", "message": body["errors"][0]["message"], "allowed": "at least 1"}
    ]
    body = _is_problem(api.get("/api/v1/creators?cursor=garbage", headers=headers), 422)
    assert body["errors"][0]["field"] == "query.cursor"
    other = api.get("/api/v1/shortlists?limit=1", headers=headers).json()["next_cursor"]
    body = _is_problem(api.get(f"/api/v1/creators?cursor={other}", headers=headers), 422)
    assert "next_cursor of a previous page of this listing" in body["errors"][0]["message"]


def test_unknown_routes_and_methods_answer_problems(tenants: Tenants) -> None:
    api = client(tenants.settings)
    r = api.post("/api/v1/creators", headers=tenants.auth(Role.analyst))
    assert _is_problem(r, 405)["detail"].endswith("allowed: GET") and r.headers["allow"] == "GET"
    for path, allowed in (("/api/v1/imports", "POST"), ("/api/v1/jobs/j1", "GET")):
        wrong = api.put(path, headers=tenants.auth(Role.analyst))  # routes of other routers
        assert _is_problem(wrong, 405)["detail"].endswith(f"allowed: {allowed}"), path
        assert wrong.headers["allow"] == allowed
    assert "/openapi.json" in _is_problem(api.get("/api/v9/nothing"), 404)["detail"]


def test_a_server_error_answers_a_generic_problem(tenants: Tenants) -> None:
    api = client(tenants.settings, raise_server_exceptions=False)
    headers = tenants.auth(Role.analyst)
    engine = services.open_store(tenants.settings)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE creator_audits"))
    engine.dispose()
    body = _is_problem(api.get("/api/v1/creators", headers=headers), 500)
    assert body["detail"] == "an internal error occurred; it was logged"
    r = api.get("/api/v1/creators", headers=headers)
    assert "creator_audits" not in r.text and "Traceback" not in r.text


def test_busy_store_and_broken_chain_map_to_503_and_409(sqlite_settings: Settings) -> None:
    api = client(sqlite_settings)

    def _raise(request: Request, what: str) -> None:
        if what == "busy":
            raise StoreBusyError("store /secret/path busy (held by `trustreach import`)")
        raise AuditChainError(7, "hash of record 7 does not match")

    _first(api.app, "/api/v1/raise/{what}", _raise, "GET")

    busy = api.get("/api/v1/raise/busy")
    assert _is_problem(busy, 503) and busy.headers["retry-after"].isdigit()
    assert "/secret/path" not in busy.text
    chain = _is_problem(api.get("/api/v1/raise/chain"), 409)
    assert "record 7" not in chain["detail"]


# ------------------------------------------------------------------ limits and headers


def test_a_body_over_the_limit_is_refused_with_413(sqlite_settings: Settings) -> None:
    api = client(sqlite_settings, app={"max_body_bytes": 1024})
    seen: list[int] = []

    async def _echo(request: Request) -> dict[str, int]:
        seen.append(len(await request.body()))
        return {"bytes": seen[-1]}

    _first(api.app, "/api/v1/echo", _echo, "POST")

    assert api.post("/api/v1/echo", content=b"x" * 1024).json() == {"bytes": 1024}
    declared = _is_problem(api.post("/api/v1/echo", content=b"x" * 1025), 413)
    assert "larger than 1024 bytes" in declared["detail"]

    def chunks() -> Any:  # no Content-Length: counted while read
        for _ in range(10):
            yield b"x" * 512

    _is_problem(api.post("/api/v1/echo", content=chunks()), 413)
    assert seen == [1024]


def test_the_body_limit_is_a_setting(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_max_body_bytes=10)
    api = client(settings)
    assert (
        "larger than 10 bytes" in _is_problem(api.post("/login", content=b"x" * 11), 413)["detail"]
    )
    default = client(Settings(data_dir=tmp_path / "data"))
    assert default.app.state.settings.api_max_body_bytes == 1 << 20
    assert default.post("/api/v1/health", content=b"x" * 11).status_code == 405


def test_uploads_have_their_own_larger_limit(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_max_body_bytes=10, api_max_upload_bytes=100)
    api = client(settings)
    assert api.post("/api/v1/imports", content=b"x" * 50).status_code == 401  # past the limit
    upload = _is_problem(api.post("/api/v1/imports", content=b"x" * 101), 413)
    assert "larger than 100 bytes" in upload["detail"]
    other = _is_problem(api.post("/api/v1/disputes", content=b"x" * 50), 413)
    assert "larger than 10 bytes" in other["detail"]


def test_security_headers_on_every_answer(tenants: Tenants) -> None:
    api = client(tenants.settings)
    for r in (
        api.get("/api/v1/health"),
        api.get("/api/v1/creators"),
        api.get("/api/v1/creators", headers=tenants.auth(Role.analyst)),
        api.get("/openapi.json"),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert r.headers["cache-control"] == "no-store"


def test_openapi_is_3_1_with_models_examples_and_problems(sqlite_settings: Settings) -> None:
    schema = client(sqlite_settings).get("/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    creators = schema["paths"]["/api/v1/creators"]["get"]
    ok = creators["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/CreatorPage")
    assert PROBLEM in creators["responses"]["401"]["content"]
    assert schema["components"]["schemas"]["Creator"]["examples"]
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


# ------------------------------------------------------------------ another tenant's data


def test_another_workspace_key_sees_only_its_own(tenants: Tenants) -> None:
    api = client(tenants.settings)
    theirs = api.get("/api/v1/creators", headers=tenants.auth(Role.analyst, B)).json()
    assert [c["creator_id"] for c in theirs["items"]] == ["gx-c1", "gx-c2"]
    mine = api.get("/api/v1/creators", headers=tenants.auth(Role.analyst, A))
    assert not any(marker in mine.text for marker in B_MARKERS)


# ------------------------------------------------------------------ trustreach serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Server:
    """``trustreach serve`` in a subprocess on a free loopback port (stopped by ``stop``)."""

    def __init__(self, env: dict[str, str], *options: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "trustreach", "serve", "--port", str(self.port), *options],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> httpx.Response:
        deadline = time.monotonic() + 60
        while True:
            try:
                return httpx.get(f"{self.url}/api/v1/health", timeout=2)
            except httpx.TransportError:
                assert self.process.poll() is None, self.output()
                assert time.monotonic() < deadline, "trustreach serve did not answer in 60 s"
                time.sleep(0.25)

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.output()

    def output(self) -> str:
        if self.process.poll() is None:
            return ""
        return self.process.stdout.read().decode()  # type: ignore[union-attr]


def test_serve_starts_and_answers_health(tmp_path: Path) -> None:
    server = _Server({"TRUSTREACH_DATA_DIR": str(tmp_path / "data")})
    try:
        r = server.wait_ready()
        assert r.json()["status"] == "ok"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in r.headers  # plain http
        behind_tls = httpx.get(
            f"{server.url}/api/v1/health", headers={"X-Forwarded-Proto": "https"}, timeout=5
        )  # a TLS proxy on this machine: the app sees https
        assert behind_tls.headers["strict-transport-security"].startswith("max-age=")
    finally:
        output = server.stop()
    assert f"127.0.0.1:{server.port}" in output


def test_serve_with_two_workers_answers_from_both(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    """``--workers 2``: two processes behind one port, each with its own app on the store."""
    tenants = seed(tmp_path, sqlite_settings)
    server = _Server({"TRUSTREACH_DATA_DIR": str(sqlite_settings.data_dir)}, "--workers", "2")
    try:
        server.wait_ready()
        headers = tenants.auth(Role.auditor)
        answers = [
            httpx.get(f"{server.url}/api/v1/creators", headers=headers, timeout=10)
            for _ in range(6)
        ]
        assert {a.status_code for a in answers} == {200}
        assert {c["creator_id"] for c in answers[0].json()["items"]} == {"c1", "c2"}
    finally:
        output = server.stop()
    assert output.count("Started server process") == 2, output


@pytest.mark.postgres
def test_two_serve_processes_share_one_postgresql(
    tmp_path: Path, postgres_settings: Settings
) -> None:
    tenants = seed(tmp_path, postgres_settings)
    env = {
        "TRUSTREACH_DATA_DIR": str(postgres_settings.data_dir),  # the audit anchor lives here
        "TRUSTREACH_DATABASE_URL": str(postgres_settings.database_url),
    }
    servers = [_Server(env), _Server(env)]
    try:
        for server in servers:
            server.wait_ready()
        headers = tenants.auth(Role.auditor)
        answers = [
            httpx.get(f"{s.url}/api/v1/creators", headers=headers, timeout=10).json()
            for s in servers
        ]
        assert answers[0] == answers[1]
        assert [c["creator_id"] for c in answers[0]["items"]] == ["c1", "c2"]
        verify = [
            httpx.get(f"{s.url}/api/v1/audit-log/verify", headers=headers, timeout=30).json()
            for s in servers
        ]
        assert verify[0] == verify[1] and verify[0]["intact"] is True
    finally:
        for server in servers:
            server.stop()


def test_a_creator_login_reads_only_their_own_creator(tenants: Tenants) -> None:
    """API keys are never creator keys; a creator's signed-in Actor (from the identity
    service, not built by hand) reaches the routes through the same dependency."""
    from trustreach.api._auth import current_actor

    services.create_user(
        "ana@creators.test", workspace=A, role=Role.creator, password="a long passphrase 1",
        creator_id="c1", by=services.cli_actor(A), settings=tenants.settings,
    )  # fmt: skip
    ana = services.authenticate_user(
        "ana@creators.test", "a long passphrase 1", settings=tenants.settings
    )
    assert ana.role is Role.creator and ana.creator_id == "c1"
    api = client(tenants.settings)
    api.app.dependency_overrides[current_actor] = lambda: ana
    listed = api.get("/api/v1/creators").json()
    assert [c["creator_id"] for c in listed["items"]] == ["c1"]
    assert api.get("/api/v1/creators/c1/audit").json()["creator_id"] == "c1"
    for path in ("/api/v1/creators/c2", "/api/v1/creators/c2/audit"):
        _is_problem(api.get(path), 404)  # another creator of the same workspace: not found
    for path in ("/api/v1/shortlists", "/api/v1/audit-log"):
        _is_problem(api.get(path), 403)


def test_the_dashboard_is_served_by_the_same_app(sqlite_settings: Settings) -> None:
    api = client(sqlite_settings)
    page = api.get("/login")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")  # its own
    assert page.headers["x-content-type-options"] == "nosniff"
    assert api.get("/openapi.json").json()["info"]["title"] == "trustreach API"


READ_ROLES = {Role.admin, Role.analyst, Role.approver, Role.auditor}
ROUTE_ROLES = {
    "/api/v1/creators": READ_ROLES,
    "/api/v1/creators/{creator_id}": READ_ROLES,
    "/api/v1/creators/{creator_id}/audit": READ_ROLES,
    "/api/v1/creators/{creator_id}/audit/report": READ_ROLES,
    "/api/v1/shortlists": READ_ROLES,
    "/api/v1/shortlists/{shortlist_id}": READ_ROLES,
    "/api/v1/shortlists/{shortlist_id}/report": READ_ROLES,
    "/api/v1/audit-log": {Role.admin, Role.auditor},
    "/api/v1/audit-log/verify": {Role.admin, Role.auditor},
    "/api/v1/jobs": READ_ROLES,
    "/api/v1/jobs/{job_id}": READ_ROLES,
    "/api/v1/jobs/{job_id}/result": READ_ROLES,
    "/api/v1/deals/{deal_id}": READ_ROLES,
    "/api/v1/disputes": READ_ROLES,
    "/api/v1/disputes/{dispute_id}": READ_ROLES,
    "/api/v1/conversation/summary": READ_ROLES,
    "/api/v1/privacy/record-of-processing": {Role.admin, Role.auditor},
    "/api/v1/creators/{creator_id}/declared-attributes": {Role.admin},  # and the creator
    "/api/v1/creators/{creator_id}/export": {Role.admin},  # and the creator
    "/api/v1/campaigns": READ_ROLES,
    "/api/v1/campaigns/{campaign_id}/kpis": READ_ROLES,
    "/api/v1/campaigns/{campaign_id}/report": READ_ROLES,
    "/api/v1/campaigns/{campaign_id}/alerts": READ_ROLES,
    "/api/v1/campaigns/{campaign_id}/forecast": READ_ROLES,
    "/api/v1/alert-webhook": {Role.admin},
    "/api/v1/campaigns/{campaign_id}/compliance": READ_ROLES,
    "/api/v1/deals/{deal_id}/obligations": READ_ROLES,  # and the deal's creator
    "/api/v1/creators/{creator_id}/deals": READ_ROLES,  # and the creator
    "/api/v1/disclosure/rules": READ_ROLES,  # and creators
    "/api/v1/campaigns/{campaign_id}/disclosure": READ_ROLES,  # and the creator: own posts
    "/api/v1/rights/requests": {Role.admin, Role.auditor},  # and a creator: their own
    "/api/v1/rights/requests/{request_id}": {Role.admin, Role.auditor},  # a creator: own
    "/api/v1/creators/{creator_id}/data": {Role.admin},  # and the creator
    "/api/v1/models": READ_ROLES,  # and creators
    "/api/v1/content/best-times/{account_id}": READ_ROLES,  # and the account's creator
    "/api/v1/content/trends": READ_ROLES,  # and a creator: own account only
}
ROUTE_QUERY = {
    "/api/v1/conversation/summary": {"scope": "creator", "id": "c1"},
    "/api/v1/content/trends": {"niche": "beauty"},
}
"""Required query parameters of a route of ROUTE_ROLES."""


def test_permissions_matrix_every_key_role_by_every_get_route(tenants: Tenants) -> None:
    """Each route's roles are stated here; a GET route missing from the table fails."""
    api = client(tenants.settings)
    paths = api.get("/openapi.json").json()["paths"]
    routes = {p for p, ops in paths.items() if "get" in ops} - {"/api/v1/health"}
    assert routes == set(ROUTE_ROLES), "state the roles of every new route in ROUTE_ROLES"
    ids = {"creator_id": "c1", "shortlist_id": tenants.a_shortlists[0]}
    from tests._jobs import finished_text_job

    ids["job_id"] = finished_text_job(tenants.settings, A)
    ids["deal_id"] = "d1"
    ids["account_id"] = "ig_c1"
    ids["campaign_id"] = "cmp1"
    filed = services.file_dispute("c1", "contested", workspace=A, settings=tenants.settings)
    ids["dispute_id"] = str(filed.dispute_id)
    from trustreach.services import _rights

    logged = _rights.log_request("creator", "c1", "access", workspace=A, settings=tenants.settings)
    ids["request_id"] = logged.request_id
    for route, allowed in ROUTE_ROLES.items():
        path = route.format(**ids)
        for role in READ_ROLES:
            r = api.get(path, headers=tenants.auth(role), params=ROUTE_QUERY.get(route, {}))
            assert r.status_code == (200 if role in allowed else 403), (route, role, r.text)


def test_an_audit_log_cursor_that_is_not_a_record_number_is_refused(tenants: Tenants) -> None:
    from trustreach.api._cursor import encode_cursor

    api = client(tenants.settings)
    for after in ("²", "x", "-1"):
        cursor = encode_cursor("audit-log", after)
        r = api.get(f"/api/v1/audit-log?cursor={cursor}", headers=tenants.auth(Role.auditor))
        assert _is_problem(r, 422)["errors"][0]["field"] == "query.cursor"


def test_a_nul_character_is_refused_in_path_query_and_body(tenants: Tenants) -> None:
    """PostgreSQL cannot keep U+0000: every way of sending one answers 422, never a 500."""
    api = client(tenants.settings)
    auth = tenants.auth(Role.admin)
    sl = tenants.a_shortlists[0]
    answers = [
        api.get("/api/v1/creators/c%001", headers=auth),
        api.get("/api/v1/creators?cursor=%00", headers=auth),
        api.post(
            f"/api/v1/shortlists/{sl}/decisions",
            headers={**auth, "content-type": "application/json"},
            content=b'{"creator_id": "c1\\u0000", "decision": "approved", "reason": "fit"}',
        ),
    ]
    for answer in answers:
        assert _is_problem(answer, 422)["detail"].startswith("text may not contain the NUL")
    decided = api.get(f"/api/v1/shortlists/{sl}", headers=auth).json()
    assert decided["decisions"] == []
    login = api.post(
        "/login",
        content=b"email=a%00b&password=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert login.status_code == 422


def test_the_creators_page_is_fresh_after_every_audited_change(
    tmp_path: Path, tenants: Tenants
) -> None:
    """Pages are kept per process under the audit log's head: an import or an audit moves
    the head, so the next read shows it; another workspace never reads A's kept page."""
    from tests._world import write_records

    api = client(tenants.settings)
    auth = tenants.auth(Role.auditor)
    first = api.get("/api/v1/creators", headers=auth).json()
    assert api.get("/api/v1/creators", headers=auth).json() == first  # the kept page
    c1 = next(c for c in first["items"] if c["creator_id"] == "c1")
    services.audit_creator("c1", workspace=A, settings=tenants.settings)
    again = api.get("/api/v1/creators", headers=auth).json()
    assert next(c for c in again["items"] if c["creator_id"] == "c1")["audit_seq"] > c1["audit_seq"]
    write_records(
        tmp_path / "more" / "creators.jsonl",
        [{"creator_id": "c9", "display_name": "New Face", "niches": ["beauty"]}],
    )
    services.import_path(tmp_path / "more", workspace=A, settings=tenants.settings)
    ids = [c["creator_id"] for c in api.get("/api/v1/creators", headers=auth).json()["items"]]
    assert ids == ["c1", "c2", "c9"]
    b_ids = [
        c["creator_id"]
        for c in api.get("/api/v1/creators", headers=tenants.auth(Role.auditor, B)).json()["items"]
    ]
    assert b_ids == ["gx-c1", "gx-c2"]
    sl = tenants.a_shortlists[0]
    assert api.get(f"/api/v1/shortlists/{sl}", headers=auth).json()["decisions"] == []
    decided = api.post(
        f"/api/v1/shortlists/{sl}/decisions",
        headers=tenants.auth(Role.approver),
        json={"creator_id": "c1", "decision": "approved", "reason": "fit checked"},
    )
    assert decided.status_code == 201, decided.text
    shown = api.get(f"/api/v1/shortlists/{sl}", headers=auth).json()["decisions"]
    assert [(d["creator_id"], d["decision"]) for d in shown] == [("c1", "approved")]
