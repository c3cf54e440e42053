"""Jobs (services._jobs): submitted, run by the runner, recorded; interrupted ones found."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests._world import TINY, write_records, write_world

from trustreach import services
from trustreach.core import ConfigurationError, NotFoundError, Settings
from trustreach.services import _job_kinds, _jobs, _listing, open_store
from trustreach.store._tables import jobs

WS = "acme"
ACTOR = "key:trk_test1234"


def _workspace(tmp_path: Path, settings: Settings, workspace: str = WS) -> None:
    """A workspace that exists and holds only a brand (so the tiny world is new to it)."""
    folder = tmp_path / f"brand-{workspace}"
    write_records(folder / "brands.jsonl", TINY["brands"])
    services.import_path(folder, workspace=workspace, settings=settings)


def _submit_world(folder: Path, settings: Settings, runner: _jobs.JobRunner | None) -> _jobs.Job:
    with ExitStack() as stack:
        files = [(p.name, stack.enter_context(p.open("rb"))) for p in sorted(folder.iterdir())]
        return _job_kinds.submit_import(
            files, workspace=WS, actor=ACTOR, settings=settings, runner=runner
        )


def _audit_actions(settings: Settings) -> list[tuple[str, str, str | None]]:
    return [
        (e.action, e.actor, e.subject)
        for e in services.list_audit(workspace=WS, limit=1000, settings=settings)
    ]


def test_an_import_job_runs_to_success_and_names_its_submitter(
    tmp_path: Path, store_settings: Settings
) -> None:
    _workspace(tmp_path, store_settings)
    runner = _jobs.JobRunner(store_settings)
    job = _submit_world(write_world(tmp_path / "world"), store_settings, runner)
    assert job.status == "queued" and job.created_by == ACTOR
    runner.wait(120)
    done = _jobs.get_job(job.job_id, workspace=WS, settings=store_settings)
    assert done.status == "succeeded", done.error
    assert done.result is not None
    assert done.result["rows"] == sum(len(v) for v in TINY.values())
    assert done.progress_total == done.progress_done == done.result["rows"]
    assert done.percent == 100.0 and done.started_at and done.finished_at
    assert done.runner == _jobs.runner_name()
    names = [
        c.creator_id for c in _listing.page_creators(workspace=WS, settings=store_settings).items
    ]
    assert names == ["c1", "c2"]
    actions = _audit_actions(store_settings)
    assert ("job.submit", ACTOR, f"job:{job.job_id}") in actions
    assert any(a == "import" and who == ACTOR for a, who, _ in actions)
    assert not _jobs.upload_folder(store_settings, job.job_id).exists()
    runner.shutdown()


def test_a_refused_import_fails_the_job_with_every_refused_record_and_writes_nothing(
    tmp_path: Path, store_settings: Settings
) -> None:
    _workspace(tmp_path, store_settings)
    folder = write_world(tmp_path / "world")
    bad = [dict(TINY["creator_accounts"][0], creator_id="nobody"), TINY["creator_accounts"][1]]
    write_records(folder / "creator_accounts.jsonl", bad)
    runner = _jobs.JobRunner(store_settings)
    job = _submit_world(folder, store_settings, runner)
    runner.wait(120)
    failed = _jobs.get_job(job.job_id, workspace=WS, settings=store_settings)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.startswith(
        "import refused, nothing was written"
    )
    assert "creator_id" in failed.error and str(store_settings.data_dir) not in failed.error
    assert failed.result is not None
    errors = failed.result["errors"]
    assert errors[0]["file"] == "creator_accounts.jsonl" and errors[0]["field"] == "creator_id"
    assert _listing.page_creators(workspace=WS, settings=store_settings).items == []
    assert not _jobs.upload_folder(store_settings, job.job_id).exists()
    runner.shutdown()


def test_upload_names_are_rebuilt_from_the_allowed_ones(tmp_path: Path) -> None:
    assert _job_kinds.interchange_name("creators.JSONL") == "creators.jsonl"
    for bad in ("../creators.jsonl", "creators.txt", "people.jsonl", "", None, "creators"):
        with pytest.raises(ConfigurationError, match="allowed: <kind>"):
            _job_kinds.interchange_name(bad)


def test_progress_is_kept_live_and_written_at_most_twice_a_second(
    tmp_path: Path, store_settings: Settings
) -> None:
    _workspace(tmp_path, store_settings)
    job = _jobs.submit_job("audit", {}, workspace=WS, actor=ACTOR, settings=store_settings)
    engine = open_store(store_settings)
    started = _jobs._start(engine, job.job_id)
    assert started is not None and started.status == "running"
    progress = _jobs.Progress(job.job_id, engine)
    progress.set(1, 4)  # the first figure is written at once

    def stored() -> tuple[int, int | None]:
        with engine.connect() as connection:
            row = connection.execute(
                select(jobs.c.progress_done, jobs.c.progress_total).where(
                    jobs.c.job_id == job.job_id
                )
            ).one()
        return row.progress_done, row.progress_total

    assert stored() == (1, 4)
    progress._written = float("inf")  # as if the last write was just now: the next waits
    progress.advance(2)
    assert stored() == (1, 4)
    live = _jobs.get_job(job.job_id, workspace=WS, settings=store_settings)
    assert (live.progress_done, live.progress_total, live.percent) == (3, 4, 75.0)
    assert progress.flush() and stored() == (3, 4)
    progress.set(9)  # never beyond the total
    assert progress.done == 4
    _jobs._LIVE.pop(job.job_id, None)


def test_progress_of_an_audit_job_only_grows_to_its_total(
    tmp_path: Path, sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.import_path(write_world(tmp_path / "world"), workspace=WS, settings=sqlite_settings)
    seen: list[tuple[int, int | None]] = []
    original = _jobs.Progress.set

    def recording(self: _jobs.Progress, done: int, total: int | None = None) -> None:
        original(self, done, total)
        seen.append((self.done, self.total))

    monkeypatch.setattr(_jobs.Progress, "set", recording)
    runner = _jobs.JobRunner(sqlite_settings)
    job = _job_kinds.submit_audit(  # c2 of the tiny world has nothing to score
        ["c1"], workspace=WS, actor=ACTOR, settings=sqlite_settings, runner=runner
    )
    runner.wait(120)
    done = _jobs.get_job(job.job_id, workspace=WS, settings=sqlite_settings)
    assert done.status == "succeeded", done.error
    assert done.result is not None and done.result["audited"] == 1
    assert done.result["audits"][0]["creator_id"] == "c1"
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen == [(0, 1), (1, 1)]
    actions = _audit_actions(sqlite_settings)
    assert sum(1 for a, who, _ in actions if a == "audit_creator" and who == ACTOR) == 1
    runner.shutdown()


def test_an_audit_job_of_a_creator_not_in_the_workspace_is_refused(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    services.import_path(write_world(tmp_path / "world"), workspace=WS, settings=sqlite_settings)
    with pytest.raises(ConfigurationError, match="creator_ids: 'gx-c1' not found"):
        _job_kinds.submit_audit(
            ["c1", "gx-c1"], workspace=WS, actor=ACTOR, settings=sqlite_settings
        )


def test_a_job_of_another_workspace_is_not_found_and_lists_are_newest_first(
    tmp_path: Path, store_settings: Settings
) -> None:
    _workspace(tmp_path, store_settings)
    _workspace(tmp_path, store_settings, "globex")
    ids = [
        _jobs.submit_job(
            "audit", {"n": i}, workspace=WS, actor=ACTOR, settings=store_settings
        ).job_id
        for i in range(3)
    ]
    other = _jobs.submit_job(
        "audit", {}, workspace="globex", actor="key:x", settings=store_settings
    )
    with pytest.raises(NotFoundError):
        _jobs.get_job(other.job_id, workspace=WS, settings=store_settings)
    first = _jobs.page_jobs(workspace=WS, limit=2, settings=store_settings)
    rest = _jobs.page_jobs(workspace=WS, limit=2, after=first.next_after, settings=store_settings)
    assert [j.job_id for j in first.items + rest.items] == ids[::-1]
    assert rest.next_after is None


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _left_behind(settings: Settings, job_id: str, kind: str, runner: str, status: str) -> None:
    with open_store(settings).begin() as connection:
        connection.execute(
            insert(jobs).values(
                job_id=job_id,
                workspace=WS,
                kind=kind,
                status=status,
                created_by=ACTOR,
                created_at=datetime.now(UTC),
                progress_done=3,
                progress_total=10,
                params=json.dumps({}),
                runner=runner,
            )
        )


def test_jobs_left_by_a_stopped_process_are_marked_interrupted_when_a_runner_starts(
    tmp_path: Path, store_settings: Settings
) -> None:
    _workspace(tmp_path, store_settings)
    host = socket.gethostname()
    _left_behind(store_settings, "job-dead-import", "import", f"{host}:{_dead_pid()}", "running")
    _left_behind(store_settings, "job-dead-queued", "audit", f"{host}:{_dead_pid()}", "queued")
    _left_behind(store_settings, "job-elsewhere", "import", "other-host.example:1", "running")
    _left_behind(store_settings, "job-alive", "import", f"{host}:{os.getppid()}", "running")
    uploads = _jobs.upload_folder(store_settings, "job-dead-import")
    uploads.mkdir(parents=True)
    (uploads / "creators.jsonl").write_text("{}\n")

    runner = _jobs.JobRunner(store_settings)
    assert sorted(runner.start()) == ["job-dead-import", "job-dead-queued"]

    def job(job_id: str) -> _jobs.Job:
        return _jobs.get_job(job_id, workspace=WS, settings=store_settings)

    interrupted = job("job-dead-import")
    assert interrupted.status == "interrupted" and interrupted.finished_at is not None
    assert interrupted.error is not None
    assert "all-or-nothing" in interrupted.error and "submitted again" in interrupted.error
    assert "stopped before it finished" in (job("job-dead-queued").error or "")
    assert job("job-elsewhere").status == "running"  # another host: cannot tell
    assert job("job-alive").status == "running"  # its process lives
    assert not uploads.exists()


def test_a_job_this_process_no_longer_runs_is_interrupted_but_not_one_it_runs(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    _workspace(tmp_path, sqlite_settings)
    me = _jobs.runner_name()
    _left_behind(sqlite_settings, "job-mine-lost", "audit", me, "running")
    _left_behind(sqlite_settings, "job-mine-active", "audit", me, "running")
    _jobs._ACTIVE.add("job-mine-active")
    try:
        assert _jobs.recover_interrupted(sqlite_settings) == ["job-mine-lost"]
    finally:
        _jobs._ACTIVE.discard("job-mine-active")


def test_shutdown_marks_queued_jobs_interrupted(tmp_path: Path, sqlite_settings: Settings) -> None:
    _workspace(tmp_path, sqlite_settings)
    runner = _jobs.JobRunner(sqlite_settings)
    runner.shutdown()
    job = _jobs.submit_job(
        "audit", {}, workspace=WS, actor=ACTOR, settings=sqlite_settings, runner=runner
    )
    after = _jobs.get_job(job.job_id, workspace=WS, settings=sqlite_settings)
    assert after.status == "interrupted" and "submitted again" in (after.error or "")


def test_an_unexpected_error_fails_the_job_with_a_plain_sentence_and_logs_the_traceback(
    tmp_path: Path,
    sqlite_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _workspace(tmp_path, sqlite_settings)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals /srv/x")

    monkeypatch.setattr(_job_kinds, "_run_audit", broken)
    runner = _jobs.JobRunner(sqlite_settings)
    job = _jobs.submit_job(
        "audit", {}, workspace=WS, actor=ACTOR, settings=sqlite_settings, runner=runner
    )
    runner.wait(60)
    failed = _jobs.get_job(job.job_id, workspace=WS, settings=sqlite_settings)
    assert failed.status == "failed"
    assert failed.error is not None and "secret internals" not in failed.error
    assert job.job_id in failed.error and "logged" in failed.error
    assert "secret internals" in caplog.text and "Traceback" in caplog.text
    runner.shutdown()
