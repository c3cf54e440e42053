"""The API's jobs: uploads, audits, analyses and nlp batches answered 202 and run by the server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from tests._api import A, B, client, write_globex
from tests._world import TINY, write_records, write_world

from trustreach import services
from trustreach.api._auth import current_actor
from trustreach.core import Actor, Role, Settings
from trustreach.services import _jobs, open_store
from trustreach.store._tables import jobs

ROLES = (Role.admin, Role.analyst, Role.approver, Role.auditor)


@dataclass
class Store:
    settings: Settings
    keys: dict[tuple[str, Role], str]
    tmp: Path

    def auth(self, role: Role, workspace: str = A) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(workspace, role)]}"}


def _store(tmp_path: Path, settings: Settings) -> Store:
    """Workspace A holds only a brand (the tiny world is new to it); B holds its own world."""
    write_records(tmp_path / "brand" / "brands.jsonl", TINY["brands"])
    services.import_path(tmp_path / "brand", workspace=A, settings=settings)
    services.import_path(write_globex(tmp_path / "b"), workspace=B, settings=settings)
    keys = {}
    for ws in (A, B):
        for role in ROLES:
            keys[(ws, role)], _ = services.create_key(
                workspace=ws, role=role, by=services.cli_actor(ws), settings=settings
            )
    return Store(settings, keys, tmp_path)


@pytest.fixture
def store(tmp_path: Path, store_settings: Settings) -> Store:
    return _store(tmp_path, store_settings)


@pytest.fixture
def api(store: Store) -> Iterator[Any]:
    with client(store.settings) as test_client:  # runs the app's lifespan: the job runner
        yield test_client


def _files(folder: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", (p.name, p.read_bytes(), "application/octet-stream"))
        for p in sorted(folder.iterdir())
    ]


def _finished(api: Any, location: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(1200):  # a bail-out, not a speed assertion
        job: dict[str, Any] = api.get(location, headers=headers).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job at {location} did not finish: {job}")


def _latest_actors(api: Any, store: Store) -> dict[str, str]:
    """Who made the newest audit record of each action."""
    log = api.get("/api/v1/audit-log", headers=store.auth(Role.auditor)).json()["items"]
    actors: dict[str, str] = {}
    for e in log:  # newest first
        actors.setdefault(e["action"], e["actor"])
    return actors


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    return body


def test_an_uploaded_world_is_imported_by_a_job_and_its_creators_are_then_read(
    store: Store, api: Any
) -> None:
    analyst = store.auth(Role.analyst)
    assert api.get("/api/v1/creators", headers=analyst).json()["items"] == []
    r = api.post("/api/v1/imports", files=_files(write_world(store.tmp / "w")), headers=analyst)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/v1/jobs/{job['job_id']}"
    assert job["kind"] == "import" and job["status"] in ("queued", "running", "succeeded")
    assert job["params"]["files"] == sorted(f"{k}.jsonl" for k in TINY)
    done = _finished(api, r.headers["location"], store.auth(Role.auditor))
    assert done["status"] == "succeeded", done
    assert done["progress"] == {"done": done["result"]["rows"], "total": done["result"]["rows"],
                                "percent": 100.0}  # fmt: skip
    assert done["error"] is None and done["result_url"] is None
    creators = api.get("/api/v1/creators", headers=analyst).json()["items"]
    assert [c["creator_id"] for c in creators] == ["c1", "c2"]
    who = _latest_actors(api, store)
    assert who["import"] == who["job.submit"] == done["created_by"]
    assert done["created_by"].startswith("key:trk_")


def test_upload_names_that_are_not_interchange_files_are_refused_naming_the_field(
    store: Store, api: Any
) -> None:
    analyst = store.auth(Role.analyst)
    bad = [("files", ("creators.jsonl", b"{}\n", "x")), ("files", ("../people.txt", b"x", "x"))]
    body = _problem(api.post("/api/v1/imports", files=bad, headers=analyst), 422)
    assert body["errors"][0]["field"] == "body.files.1"
    assert "creators" in body["errors"][0]["allowed"] and ".parquet" in body["errors"][0]["allowed"]
    twice = [("files", ("creators.jsonl", b"{}\n", "x")), ("files", ("creators.csv", b"a\n", "x"))]
    detail = _problem(api.post("/api/v1/imports", files=twice, headers=analyst), 422)["detail"]
    assert "two files hold creators" in detail
    assert api.get("/api/v1/jobs", headers=analyst).json()["items"] == []
    assert not (store.settings.data_dir / "uploads").exists() or not any(
        (store.settings.data_dir / "uploads").iterdir()
    )


def test_a_retried_upload_with_the_same_key_gets_the_same_job_and_runs_once(
    store: Store, api: Any
) -> None:
    analyst = store.auth(Role.analyst)
    files = _files(write_world(store.tmp / "w"))
    first = api.post("/api/v1/imports", files=files, headers={**analyst, "Idempotency-Key": "u-1"})
    again = api.post("/api/v1/imports", files=files, headers={**analyst, "Idempotency-Key": "u-1"})
    assert first.status_code == again.status_code == 202
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    _finished(api, first.headers["location"], analyst)
    listed = api.get("/api/v1/jobs", headers=analyst).json()["items"]
    assert [j["job_id"] for j in listed] == [first.json()["job_id"]]
    log = api.get("/api/v1/audit-log", headers=store.auth(Role.auditor)).json()["items"]
    assert [e["action"] for e in log].count("import") == 2  # the brand's and this one, once
    other = _files(write_world(store.tmp / "w2", "csv"))
    _problem(
        api.post("/api/v1/imports", files=other, headers={**analyst, "Idempotency-Key": "u-1"}),
        422,
    )


def test_a_refused_upload_fails_its_job_with_the_records_and_imports_nothing(
    store: Store, api: Any
) -> None:
    analyst = store.auth(Role.analyst)
    folder = write_world(store.tmp / "w")
    write_records(folder / "creators.jsonl", [dict(TINY["creators"][0], country="Narnia")])
    r = api.post("/api/v1/imports", files=_files(folder), headers=analyst)
    done = _finished(api, r.headers["location"], analyst)
    assert done["status"] == "failed"
    assert done["error"].startswith("import refused, nothing was written")
    assert {"file": "creators.jsonl", "field": "country"}.items() <= done["result"]["errors"][
        0
    ].items()
    assert str(store.settings.data_dir) not in json.dumps(done)
    assert api.get("/api/v1/creators", headers=analyst).json()["items"] == []


def test_another_workspaces_job_answers_404_like_a_missing_one(store: Store, api: Any) -> None:
    theirs = api.post("/api/v1/audits", json={"creator_ids": ["gx-c1"]},
                      headers=store.auth(Role.analyst, B))  # fmt: skip
    assert theirs.status_code == 202, theirs.text
    job_id = theirs.json()["job_id"]
    _finished(api, theirs.headers["location"], store.auth(Role.analyst, B))
    for role in ROLES:
        for path in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/result"):
            body = _problem(api.get(path, headers=store.auth(role)), 404)
            assert body["detail"] == f"{path} was not found in your workspace"
        assert api.get("/api/v1/jobs", headers=store.auth(role)).json()["items"] == []
    assert api.get(f"/api/v1/jobs/{job_id}", headers=store.auth(Role.auditor, B)).is_success


def test_roles_analysts_submit_others_read_creators_do_neither(store: Store, api: Any) -> None:
    posts: list[tuple[str, dict[str, Any]]] = [
        ("/api/v1/audits", {"json": {}}),
        ("/api/v1/conversation/analyses", {"json": {}}),
        ("/api/v1/nlp/analyze", {"json": {"texts": [{"id": "1", "text": "great"}]}}),
        ("/api/v1/imports", {"files": [("files", ("brands.jsonl", b"{}\n", "x"))]}),
    ]
    for role in (Role.approver, Role.auditor):
        for path, kwargs in posts:
            _problem(api.post(path, headers=store.auth(role), **kwargs), 403)
        assert api.get("/api/v1/jobs", headers=store.auth(role)).status_code == 200
    job = api.post("/api/v1/audits", json={}, headers=store.auth(Role.admin))
    assert job.status_code == 202
    assert api.get(job.headers["location"], headers=store.auth(Role.approver)).is_success

    creator = Actor("user", "ana@acme.test", Role.creator, A, "c1")
    api.app.dependency_overrides[current_actor] = lambda: creator
    try:
        for path, kwargs in posts:
            _problem(api.post(path, **kwargs), 403)
        for path in ("/api/v1/jobs", job.headers["location"], job.headers["location"] + "/result"):
            _problem(api.get(path), 403)
    finally:
        api.app.dependency_overrides.clear()


def test_audit_and_conversation_jobs_run_the_services_under_the_callers_name(
    store: Store, api: Any
) -> None:
    analyst = store.auth(Role.analyst)
    imported = api.post("/api/v1/imports", files=_files(write_world(store.tmp / "w")),
                        headers=analyst)  # fmt: skip
    _finished(api, imported.headers["location"], analyst)
    refused = _problem(api.post("/api/v1/audits", json={"creator_ids": ["gx-c1"]},
                                headers=analyst), 422)  # fmt: skip
    assert "creator_ids" in refused["detail"] and "gx-c1" in refused["detail"]
    audit = api.post("/api/v1/audits", json={"creator_ids": ["c1"]}, headers=analyst)
    done = _finished(api, audit.headers["location"], analyst)
    assert done["status"] == "succeeded", done
    assert done["result"]["audits"][0]["creator_id"] == "c1"
    evidence = api.get("/api/v1/creators/c1/audit", headers=analyst).json()
    assert evidence["audit_seq"] == done["result"]["audits"][0]["audit_seq"]
    bad_tier = api.post("/api/v1/conversation/analyses", json={"tier": "x"}, headers=analyst)
    assert _problem(bad_tier, 422)["errors"][0]["field"] == "body.tier"
    analysis = api.post("/api/v1/conversation/analyses", json={"tier": "lexicon"}, headers=analyst)
    done = _finished(api, analysis.headers["location"], analyst)
    assert done["status"] == "succeeded", done
    assert done["result"]["labelled"] == len(TINY["comments"])
    actors = _latest_actors(api, store)
    assert actors["audit_creator"] == actors["analyze_comments"] == done["created_by"]


def test_nlp_answers_a_small_batch_inline_and_a_large_one_as_a_job_with_the_same_results(
    store: Store, api: Any
) -> None:
    analyst = store.auth(Role.analyst)
    texts = [{"id": f"t{i}", "text": t} for i, t in enumerate(
        ["I love it, great work!", "", "Das ist wirklich sehr schlecht", "🔥🔥"] * 26)]  # fmt: skip
    small = api.post("/api/v1/nlp/analyze", json={"texts": texts[:4]}, headers=analyst)
    assert small.status_code == 200, small.text
    items = small.json()["items"]
    assert [i["id"] for i in items] == ["t0", "t1", "t2", "t3"]
    assert [i["status"] for i in items] == ["scored", "not_scored", "not_scored", "scored"]
    assert items[1]["reason"] == "no_text" and items[1]["p_positive"] is None
    assert items[0]["sentiment"] == "positive" and "language_uncertain" in items[3]["flags"]

    large = api.post("/api/v1/nlp/analyze", json={"texts": texts}, headers=analyst)
    assert large.status_code == 202, large.text
    assert len(texts) > 100 and large.headers["location"].endswith(large.json()["job_id"])
    done = _finished(api, large.headers["location"], analyst)
    assert done["status"] == "succeeded", done
    assert done["result"]["rows"] == len(texts)
    assert done["result_url"] == large.headers["location"] + "/result"
    download = api.get(done["result_url"], headers=store.auth(Role.auditor))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in download.text.splitlines()]
    assert [line["id"] for line in lines] == [t["id"] for t in texts]
    assert lines[:4] == items  # the job's results are the inline ones
    actions = _latest_actors(api, store)
    assert actions["analyze_texts"] == actions["analyze_file"] == done["created_by"]
    assert not (store.settings.data_dir / "jobs" / done["job_id"] / "input.jsonl").exists()


def test_results_of_an_unfinished_or_other_kind_of_job_are_refused(store: Store, api: Any) -> None:
    analyst = store.auth(Role.analyst)
    queued = _jobs.submit_job(
        "nlp-analyze", {"texts": 1}, workspace=A, actor="key:x", settings=store.settings
    )  # no runner: it stays queued
    r = api.get(f"/api/v1/jobs/{queued.job_id}/result", headers=analyst)
    assert "queued" in _problem(r, 409)["detail"] and r.headers["retry-after"]
    audit = api.post("/api/v1/audits", json={}, headers=analyst)
    body = _problem(api.get(audit.headers["location"] + "/result", headers=analyst), 404)
    assert "only nlp-analyze jobs" in body["detail"]


def test_a_server_that_starts_marks_jobs_of_a_stopped_process_interrupted(
    store: Store, api: Any
) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with open_store(store.settings).begin() as connection:
        connection.execute(
            insert(jobs).values(
                job_id="job-19990101000000000000-dead00",
                workspace=A,
                kind="import",
                status="running",
                created_by="key:x",
                created_at=datetime.now(UTC),
                progress_done=1,
                progress_total=3,
                params="{}",
                runner=f"{socket.gethostname()}:{child.pid}",
            )
        )
    with client(store.settings) as restarted:
        job = restarted.get("/api/v1/jobs/job-19990101000000000000-dead00",
                            headers=store.auth(Role.auditor)).json()  # fmt: skip
    assert job["status"] == "interrupted"
    assert "nothing of the import was written" in job["error"]
    assert "submitted again" in job["error"]


def test_jobs_are_listed_newest_first_by_cursor(store: Store, api: Any) -> None:
    ids = [
        _jobs.submit_job("audit", {}, workspace=A, actor="key:x", settings=store.settings).job_id
        for _ in range(3)
    ]
    first = api.get("/api/v1/jobs?limit=2", headers=store.auth(Role.auditor)).json()
    rest = api.get(f"/api/v1/jobs?limit=2&cursor={first['next_cursor']}",
                   headers=store.auth(Role.auditor)).json()  # fmt: skip
    assert [j["job_id"] for j in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    bad = api.get("/api/v1/jobs?cursor=nonsense", headers=store.auth(Role.auditor))
    assert _problem(bad, 422)["errors"][0]["field"] == "query.cursor"


@pytest.mark.postgres
def test_serve_processes_sharing_postgresql_run_a_job_where_accepted_and_recover_a_killed_one(
    tmp_path: Path, postgres_settings: Settings
) -> None:
    """Two ``trustreach serve`` processes on one PostgreSQL: a job runs in the process that
    accepted it and reads the same from the other; a process killed while it held a job
    leaves it ``interrupted`` once a server starts again on this host."""
    import httpx
    from sqlalchemy import select, update
    from tests.test_api import _Server

    store = _store(tmp_path, postgres_settings)
    write_records(tmp_path / "c" / "creators.jsonl", TINY["creators"])
    write_records(tmp_path / "c" / "creator_accounts.jsonl", TINY["creator_accounts"])
    env = {
        "TRUSTREACH_DATA_DIR": str(postgres_settings.data_dir),
        "TRUSTREACH_DATABASE_URL": str(postgres_settings.database_url),
    }
    servers = [_Server(env), _Server(env)]
    try:
        for server in servers:
            server.wait_ready()
        analyst = store.auth(Role.analyst)
        r = httpx.post(f"{servers[0].url}/api/v1/imports", files=_files(tmp_path / "c"),
                       headers=analyst, timeout=30)  # fmt: skip
        assert r.status_code == 202, r.text
        location = r.headers["location"]
        job: dict[str, Any] = {}
        for _ in range(1200):  # a bail-out, not a speed assertion
            job = httpx.get(f"{servers[1].url}{location}", headers=analyst, timeout=10).json()
            if job["status"] not in ("queued", "running"):
                break
            time.sleep(0.05)
        assert job["status"] == "succeeded", job
        same = httpx.get(f"{servers[0].url}{location}", headers=analyst, timeout=10).json()
        assert same == job
        engine = open_store(postgres_settings)
        with engine.connect() as connection:
            runner = connection.execute(
                select(jobs.c.runner).where(jobs.c.job_id == job["job_id"])
            ).scalar_one()
        assert runner == f"{socket.gethostname()}:{servers[0].process.pid}"

        # the first process is killed while it holds a job (its row says running)
        with engine.begin() as connection:
            connection.execute(
                update(jobs).where(jobs.c.job_id == job["job_id"]).values(status="running")
            )
        servers[0].process.kill()
        servers[0].process.wait()
        servers.append(_Server(env))
        servers[2].wait_ready()
        after = httpx.get(f"{servers[2].url}{location}", headers=analyst, timeout=10).json()
        assert after["status"] == "interrupted", after
        assert "submitted again" in after["error"]
        engine.dispose()
    finally:
        for server in servers:
            server.stop()
