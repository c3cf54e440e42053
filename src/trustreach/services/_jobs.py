"""Long work as jobs: accepted in a request, run on a worker thread of the server process.

A route submits a job: a ``queued`` row in ``jobs`` and an audit record
``job.submit`` naming the caller, in one audited transaction that also claims
the request's ``Idempotency-Key`` (see :mod:`trustreach.services._idempotency`),
so a retried request finds the same job and nothing runs twice. The route
answers 202 at once; the process's :class:`JobRunner` runs the job on a small
thread pool (``TRUSTREACH_JOB_WORKERS``, default 1) and records ``running``,
its progress (at most about twice a second), then ``succeeded`` with a JSON
summary or ``failed`` with one plain sentence. A traceback goes to the
server's log only, never to the caller.

Several server processes may share one PostgreSQL store: a job runs in the
process that accepted it (``runner`` is its ``host:pid``) and every process
reads every job of a workspace. A process that stops with jobs queued or
running leaves their rows so; the next runner started on the same host marks
those whose process is gone ``interrupted``, saying why nothing was
half-written and that the job can be submitted again. Jobs of a process on
another host are left as they are (this host cannot tell whether it lives).

While a job holds the store's write turn (an import writes in one
transaction) a SQLite store cannot take a progress update: the runner then
skips the update rather than wait, and this process answers the live figures
from memory (:func:`get_job`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import threading
import time
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from trustreach.core import (
    AuditChainError,
    ConfigurationError,
    ImportValidationError,
    NotFoundError,
    Settings,
    StoreBusyError,
    TrustreachError,
    get_settings,
)
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import check_workspace, ensure_workspace, kept_engine
from trustreach.services._idempotency import claim_pending
from trustreach.store import write_transaction
from trustreach.store._tables import jobs
from trustreach.store._times import as_utc
from trustreach.store._writers import busy_timeout

log = logging.getLogger("trustreach.jobs")

KINDS = ("import", "audit", "analyze-comments", "nlp-analyze")
"""What a job can do."""
STATUSES = ("queued", "running", "succeeded", "failed", "interrupted")
"""A job's states, in the order they can follow one another."""
FINISHED = frozenset({"succeeded", "failed", "interrupted"})
PROGRESS_EVERY_S = 0.5
"""Least time between two progress updates written to the store."""
MAX_PAGE = 200
_FINISH_TRIES = 5

_LIVE: dict[str, tuple[int, int | None]] = {}
"""Progress of the jobs this process runs now (job id -> done, total)."""
_ACTIVE: set[str] = set()
"""Job ids queued or running in this process's runners."""
_RUNNERS: weakref.WeakSet[JobRunner] = weakref.WeakSet()
_RUNNERS_LOCK = threading.Lock()
_OF_LOCK = threading.Lock()


class JobFailed(TrustreachError):
    """A job's work stopped for a reason its caller can act on (shown as the job's error).

    ``details`` is kept as the job's ``result`` (e.g. every refused record of an import).
    """

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details


@dataclass(frozen=True)
class Job:
    """One job as its workspace may see it."""

    job_id: str
    workspace: str
    kind: str
    status: str
    created_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress_done: int = 0
    progress_total: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = None
    runner: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the job will change no more (succeeded, failed or interrupted)."""
        return self.status in FINISHED

    @property
    def percent(self) -> float | None:
        """Share of the work done, 0-100 (100 once succeeded; None while the total is unknown).

        >>> Job("j", "w", "audit", "running", "key:k", datetime.now(UTC),
        ...     progress_done=1, progress_total=3).percent
        33.3
        """
        if self.status == "succeeded":
            return 100.0
        if not self.progress_total:
            return None
        return round(min(100.0, 100.0 * self.progress_done / self.progress_total), 1)


@dataclass(frozen=True)
class JobPage:
    """One page of jobs, newest first, and the key to continue after (None: the last page)."""

    items: list[Job]
    next_after: str | None


def new_job_id(now: datetime | None = None) -> str:
    """A job id that sorts by creation time, e.g. ``job-20261205061502123456-a1b2c3``."""
    now = now or datetime.now(UTC)
    return f"job-{now:%Y%m%d%H%M%S%f}-{secrets.token_hex(3)}"


def runner_name() -> str:
    """This process as a job's ``runner`` names it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def upload_folder(settings: Settings, job_id: str) -> Path:
    """Where an import job's uploaded files wait until it runs (removed after it)."""
    return settings.data_dir / "uploads" / job_id


def job_folder(settings: Settings, job_id: str) -> Path:
    """Where a job keeps its own files (an nlp batch's input, then its output)."""
    return settings.data_dir / "jobs" / job_id


def private_folder(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by this user only; it must be new."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.mkdir(mode=0o700)
    return path


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return as_utc(value)


def _loads(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return {"unparsed": raw}
    return value if isinstance(value, dict) else {"value": value}


def _job(row: Any) -> Job:
    live = _LIVE.get(row.job_id) if row.status == "running" else None
    done, total = live if live is not None else (row.progress_done, row.progress_total)
    return Job(
        job_id=row.job_id,
        workspace=row.workspace,
        kind=row.kind,
        status=row.status,
        created_by=row.created_by,
        created_at=_utc(row.created_at) or datetime.now(UTC),
        started_at=_utc(row.started_at),
        finished_at=_utc(row.finished_at),
        progress_done=int(done or 0),
        progress_total=None if total is None else int(total),
        params=_loads(row.params) or {},
        result=_loads(row.result),
        error=row.error,
        runner=row.runner,
    )


# ------------------------------------------------------------------ submit and read


def submit_job(
    kind: str,
    params: dict[str, Any],
    *,
    workspace: str,
    actor: str,
    settings: Settings | None = None,
    runner: JobRunner | None = None,
    job_id: str | None = None,
) -> Job:
    """Record a ``queued`` job and an audit record ``job.submit``, then hand it to ``runner``.

    ``actor`` is the caller's :attr:`~trustreach.core.Actor.audit_name`; the job's
    own work (the import, the audits) is audit-logged under the same name. A
    pending ``Idempotency-Key`` is claimed in the same transaction. Without a
    ``runner`` the job stays queued (a runner of this process picks up only
    what it is handed).
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    if kind not in KINDS:
        raise ConfigurationError(f"job kind {kind!r} not allowed; allowed: {', '.join(KINDS)}")
    job_id = job_id or new_job_id()
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "job_id": job_id,
        "workspace": workspace,
        "kind": kind,
        "status": "queued",
        "created_by": actor,
        "created_at": now,
        "progress_done": 0,
        "progress_total": None,
        "params": json.dumps(params, sort_keys=True),
        "runner": runner_name(),
    }
    engine = kept_engine(settings)
    with audited_transaction(settings, engine) as connection:
        claim_pending(connection)  # the request's key, with the job (audited_transaction did it)
        ensure_workspace(connection, workspace)
        connection.execute(insert(jobs).values(**values))
        entry = record_audit(
            settings,
            connection,
            actor=actor,
            action="job.submit",
            workspace=workspace,
            subject=f"job:{job_id}",
            details={"kind": kind, "params": params},
        )
    confirm_anchor(settings, entry.head)
    job = Job(**{k: v for k, v in values.items() if k not in ("params",)}, params=params)
    if runner is not None:
        runner.enqueue(job_id)
    return job


def get_job(job_id: str, *, workspace: str, settings: Settings | None = None) -> Job:
    """One job of the workspace, or :class:`~trustreach.core.NotFoundError` (also for
    another workspace's job)."""
    workspace = check_workspace(workspace)
    with kept_engine(settings or get_settings()).connect() as connection:
        row = connection.execute(
            select(jobs).where(jobs.c.workspace == workspace, jobs.c.job_id == job_id)
        ).first()
    if row is None:
        raise NotFoundError(f"job {job_id!r} not found in workspace {workspace!r}")
    return _job(row)


def page_jobs(
    *,
    workspace: str,
    limit: int = 50,
    after: str | None = None,
    settings: Settings | None = None,
) -> JobPage:
    """The workspace's jobs, newest first (ids begin with their creation time)."""
    workspace = check_workspace(workspace)
    if not 1 <= limit <= MAX_PAGE:
        raise ConfigurationError(f"limit {limit} not allowed; allowed: 1 to {MAX_PAGE}")
    query = select(jobs).where(jobs.c.workspace == workspace)
    if after is not None:
        query = query.where(jobs.c.job_id < after)
    with kept_engine(settings or get_settings()).connect() as connection:
        rows = list(connection.execute(query.order_by(jobs.c.job_id.desc()).limit(limit + 1)))
    items = [_job(r) for r in rows[:limit]]
    return JobPage(items, items[-1].job_id if len(rows) > limit else None)


# ------------------------------------------------------------------ progress


class Progress:
    """A running job's progress: kept in memory, written to the store at most every 0.5 s."""

    def __init__(self, job_id: str, engine: Engine) -> None:
        self.job_id = job_id
        self.engine = engine
        self.done = 0
        self.total: int | None = None
        self._written = 0.0
        self._lock = threading.Lock()

    def set(self, done: int, total: int | None = None) -> None:
        """``done`` units of work of ``total`` (the total stays as it was when None)."""
        with self._lock:
            self.done = max(0, done)
            if total is not None:
                self.total = max(0, total)
            if self.total is not None:
                self.done = min(self.done, self.total)
            _LIVE[self.job_id] = (self.done, self.total)
            due = time.monotonic() - self._written >= PROGRESS_EVERY_S
            if due:
                self._written = time.monotonic()
        if due:
            self.flush()

    def advance(self, units: int) -> None:
        """``units`` more done."""
        self.set(self.done + units)

    def flush(self) -> bool:
        """Write the figures now if the store takes them without waiting (else skip)."""
        return _write_progress(self.engine, self.job_id, self.done, self.total)


def _write_progress(engine: Engine, job_id: str, done: int, total: int | None) -> bool:
    """Best effort, never waiting: a store busy with the job's own write skips this update."""
    statement = (
        update(jobs)
        .where(jobs.c.job_id == job_id, jobs.c.status == "running")
        .values(progress_done=done, progress_total=total)
    )
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                return _sqlite_without_waiting(connection, statement)
            connection.execute(text("SET LOCAL lock_timeout = '200ms'"))
            connection.execute(statement)
            connection.commit()
            return True
    except (DBAPIError, StoreBusyError):
        return False


def _sqlite_without_waiting(connection: Connection, statement: Any) -> bool:
    raw: Any = connection.connection.driver_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        connection.execute(statement)
        connection.commit()
        return True
    except DBAPIError:
        connection.rollback()
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={round(busy_timeout(connection.engine) * 1000)}")


# ------------------------------------------------------------------ the runner


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _gone(runner: str | None, job_id: str) -> bool:
    """Whether the process that accepted the job is known to be gone (same host only)."""
    host, _, pid_text = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():  # this process: gone unless one of its runners holds the job
        return job_id not in _ACTIVE
    return not _alive(pid)


def interrupted_reason(kind: str, runner: str | None) -> str:
    """Why a job was marked ``interrupted``, and what is safe to do about it."""
    kept = {
        "import": "nothing of the import was written, because an import is committed "
        "all-or-nothing",
        "audit": "each creator's audit that had finished is recorded whole and the others "
        "were not started, because every audit is committed on its own",
        "analyze-comments": "no comment label was written, because an analysis is committed "
        "all-or-nothing",
        "nlp-analyze": "no result file was kept, because the output is written in full "
        "or not at all",
    }.get(kind, "nothing was half-written")
    return (
        f"the server process that ran this job ({runner or 'unknown'}) stopped before it "
        f"finished; {kept}; the job can be submitted again"
    )


def recover_interrupted(settings: Settings) -> list[str]:
    """Mark ``interrupted`` the queued and running jobs of this host's processes that are gone.

    Returns their ids. Their uploaded files and inputs are removed.
    """
    try:
        engine = kept_engine(settings)
    except NotFoundError:  # no store yet: no job to recover
        return []
    with engine.connect() as connection:
        rows = list(
            connection.execute(
                select(jobs.c.job_id, jobs.c.kind, jobs.c.runner).where(
                    jobs.c.status.in_(("queued", "running"))
                )
            )
        )
    done = []
    for row in rows:
        if not _gone(row.runner, row.job_id):
            continue
        with write_transaction(engine) as connection:
            changed = connection.execute(
                update(jobs)
                .where(jobs.c.job_id == row.job_id, jobs.c.status.in_(("queued", "running")))
                .values(
                    status="interrupted",
                    finished_at=datetime.now(UTC),
                    error=interrupted_reason(row.kind, row.runner),
                )
            ).rowcount
        if changed:
            done.append(row.job_id)
            log.warning(
                "job %s (%s) marked interrupted: %s is gone", row.job_id, row.kind, row.runner
            )
        shutil.rmtree(upload_folder(settings, row.job_id), ignore_errors=True)
        shutil.rmtree(job_folder(settings, row.job_id), ignore_errors=True)
    return done


class JobRunner:
    """Runs this process's jobs on a small thread pool (``settings.job_workers`` threads).

    :meth:`start` first marks ``interrupted`` the jobs a process of this host
    left behind (:func:`recover_interrupted`); threads start with the first job.
    :meth:`shutdown` waits for the running jobs and marks the queued ones
    ``interrupted``.
    """

    def __init__(self, settings: Settings, *, workers: int | None = None) -> None:
        self.settings = settings
        self.workers = workers or settings.job_workers
        self.recovered: list[str] = []
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._closed = False
        with _RUNNERS_LOCK:
            _RUNNERS.add(self)

    def start(self) -> list[str]:
        """Recover what a stopped process left (errors are logged, never raised)."""
        try:
            self.recovered = recover_interrupted(self.settings)
        except (SQLAlchemyError, TrustreachError, OSError):
            log.exception("could not look for interrupted jobs")
        return self.recovered

    def enqueue(self, job_id: str) -> None:
        """Run the queued job ``job_id`` when a worker is free."""
        with self._lock:
            if self._closed:
                self._interrupt([job_id])
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="trustreach-job")
            _ACTIVE.add(job_id)
            self._futures[job_id] = self._pool.submit(self._run, job_id)

    def wait(self, timeout: float | None = None) -> None:
        """Wait until every job handed to this runner so far has ended (tests, shutdown)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for future in list(self._futures.values()):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            with contextlib.suppress(Exception):  # a job's failure is recorded on the job
                future.result(timeout=left)

    def shutdown(self, *, wait: bool = True) -> None:
        """Take no more jobs; wait for the running ones; mark the queued ones interrupted."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is None:
            return
        pool.shutdown(wait=wait, cancel_futures=True)
        cancelled = [j for j, f in self._futures.items() if f.cancelled()]
        if cancelled:
            self._interrupt(cancelled)

    def _interrupt(self, job_ids: list[str]) -> None:
        try:
            engine = kept_engine(self.settings)
            with write_transaction(engine) as connection:
                for job_id in job_ids:
                    row = connection.execute(
                        select(jobs.c.kind).where(jobs.c.job_id == job_id)
                    ).first()
                    connection.execute(
                        update(jobs)
                        .where(jobs.c.job_id == job_id, jobs.c.status == "queued")
                        .values(
                            status="interrupted",
                            finished_at=datetime.now(UTC),
                            error=interrupted_reason(row.kind if row else "", runner_name()),
                        )
                    )
        except (SQLAlchemyError, TrustreachError):
            log.exception("could not mark jobs %s interrupted", job_ids)
        for job_id in job_ids:
            _ACTIVE.discard(job_id)
            shutil.rmtree(upload_folder(self.settings, job_id), ignore_errors=True)
            shutil.rmtree(job_folder(self.settings, job_id), ignore_errors=True)

    def _run(self, job_id: str) -> None:
        engine = kept_engine(self.settings)
        job: Job | None = None
        try:
            job = _start(engine, job_id)
            if job is None:  # no longer queued (recovered, or the store was replaced)
                return
            progress = Progress(job_id, engine)
            from trustreach.services._job_kinds import run_kind

            result = run_kind(job, progress, self.settings)
            _finish(
                engine,
                job_id,
                status="succeeded",
                result=result,
                done=progress.total if progress.total is not None else progress.done,
                total=progress.total,
            )
        except BaseException as exc:  # recorded on the job; the traceback only in the log
            if job is None:
                log.exception("job %s could not start", job_id)
                return
            error, details = _failure(job, exc, self.settings)
            done, total = _LIVE.get(job_id, (0, None))
            _finish(
                engine, job_id, status="failed", error=error, result=details, done=done, total=total
            )
        finally:
            _LIVE.pop(job_id, None)
            _ACTIVE.discard(job_id)


def _start(engine: Engine, job_id: str) -> Job | None:
    now = datetime.now(UTC)
    with write_transaction(engine) as connection:
        changed = connection.execute(
            update(jobs)
            .where(jobs.c.job_id == job_id, jobs.c.status == "queued")
            .values(status="running", started_at=now, runner=runner_name())
        ).rowcount
        if not changed:
            return None
        row = connection.execute(select(jobs).where(jobs.c.job_id == job_id)).one()
    return _job(row)


def _finish(
    engine: Engine,
    job_id: str,
    *,
    status: str,
    done: int,
    total: int | None,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    values = {
        "status": status,
        "finished_at": datetime.now(UTC),
        "progress_done": done,
        "progress_total": total,
        "result": None if result is None else json.dumps(result, sort_keys=True, default=str),
        "error": error,
    }
    for attempt in range(_FINISH_TRIES):
        try:
            with write_transaction(engine) as connection:
                connection.execute(
                    update(jobs)
                    .where(jobs.c.job_id == job_id, jobs.c.status == "running")
                    .values(**values)
                )
            return
        except (StoreBusyError, DBAPIError):
            if attempt == _FINISH_TRIES - 1:
                log.exception("job %s ended %s but could not be recorded", job_id, status)
                return
            time.sleep(1 + attempt)


def _failure(job: Job, exc: BaseException, settings: Settings) -> tuple[str, dict[str, Any] | None]:
    """The sentence a failed job shows, and any details kept as its result."""
    where = str(settings.data_dir.resolve())
    if isinstance(exc, JobFailed):
        log.info("job %s (%s) failed: %s", job.job_id, job.kind, exc)
        return str(exc), exc.details
    if isinstance(exc, StoreBusyError):
        log.warning("job %s (%s): %s", job.job_id, job.kind, exc)
        return (
            "the store stayed busy with another writer for longer than the busy timeout; "
            "nothing of this job was written; it can be submitted again",
            None,
        )
    if isinstance(exc, AuditChainError):
        log.error("job %s (%s): %s", job.job_id, job.kind, exc)
        return (
            "the audit log does not verify, so changes are refused until an administrator "
            "recovers it (`trustreach audit recover`); nothing of this job was written",
            None,
        )
    if isinstance(exc, ConfigurationError | ImportValidationError | NotFoundError):
        log.info("job %s (%s) failed: %s", job.job_id, job.kind, exc)
        return str(exc).replace(where + os.sep, "").replace(where, "the data directory"), None
    log.exception("job %s (%s) stopped on an unexpected error", job.job_id, job.kind, exc_info=exc)
    return (
        f"the job stopped on an unexpected error, which was logged on the server under "
        f"job {job.job_id}; it can be submitted again",
        None,
    )


# ------------------------------------------------------------------ one runner per app


def runner_of(state: Any, settings: Settings) -> JobRunner:
    """The :class:`JobRunner` kept on ``state`` (an app's ``app.state``), made on first use.

    Making it looks for jobs a stopped process of this host left behind. It is
    shut down by the app's shutdown (the API router's lifespan) or, failing
    that, when the interpreter exits.
    """
    with _OF_LOCK:
        runner: JobRunner | None = getattr(state, "job_runner", None)
        if runner is None:
            runner = JobRunner(settings)
            runner.start()
            state.job_runner = runner
    return runner


def shutdown_runners() -> None:
    """Shut down every runner of this process (at interpreter exit)."""
    for runner in list(_RUNNERS):
        runner.shutdown(wait=True)


atexit.register(shutdown_runners)

__all__ = [
    "FINISHED",
    "KINDS",
    "STATUSES",
    "Job",
    "JobFailed",
    "JobPage",
    "JobRunner",
    "Progress",
    "get_job",
    "interrupted_reason",
    "job_folder",
    "new_job_id",
    "page_jobs",
    "recover_interrupted",
    "runner_of",
    "submit_job",
    "upload_folder",
]
