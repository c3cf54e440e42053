"""Jobs: imports, audit runs, conversation analyses and nlp batches, with progress.

Long work never runs in the request: a POST answers ``202 Accepted`` with the
job and ``Location: /api/v1/jobs/{job_id}``; the job runs on a worker thread
of the server process that accepted it (:mod:`trustreach.services._jobs`) and
is polled with ``GET /api/v1/jobs/{job_id}``. Analysts (and admins) submit;
analysts, approvers and auditors read a workspace's jobs; a creator's login
may do neither. Another workspace's job answers 404 like one that never existed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, File, Path, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._cursor import decode_cursor, encode_cursor
from trustreach.api._idempotency import Idempotency
from trustreach.api._routes import READERS, Cursor, Limit, _problems
from trustreach.core import ConfigurationError, Role, require_role
from trustreach.services import _job_kinds, _jobs, _nlp_batch
from trustreach.services._idempotency import request_hash


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The app's job runner starts with the app (finding interrupted jobs) and stops with it."""
    _jobs.runner_of(app.state, app.state.settings)
    try:
        yield
    finally:
        runner: _jobs.JobRunner | None = getattr(app.state, "job_runner", None)
        if runner is not None:
            runner.shutdown(wait=True)


router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 422, 500), lifespan=_lifespan)

_ID = {"min_length": 1, "max_length": 200}
Tier = Literal["fast", "accurate", "lexicon"]
Safety = Literal["accurate", "fast"]


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


# ------------------------------------------------------------------ documents


class JobProgress(BaseModel):
    """How far a job has come."""

    done: int = Field(description="Units of work done (records, creators, comments, texts).")
    total: int | None = Field(description="Units in all, once known.")
    percent: float | None = Field(description="0-100; 100 once succeeded; null while unknown.")


class Job(BaseModel):
    """A job: what was asked, by whom, how far it has come, and how it ended."""

    model_config = _example(
        {
            "job_id": "job-20261205061502123456-a1b2c3",
            "kind": "import",
            "status": "running",
            "created_by": "key:trk_ab12cd34",
            "created_at": "2026-12-05T06:15:02Z",
            "started_at": "2026-12-05T06:15:02Z",
            "finished_at": None,
            "progress": {"done": 1200, "total": 5000, "percent": 24.0},
            "params": {"files": ["creators.jsonl", "creator_accounts.jsonl"], "bytes": 81234},
            "result": None,
            "error": None,
            "result_url": None,
        }
    )
    job_id: str
    kind: Literal["import", "audit", "analyze-comments", "nlp-analyze"]
    status: Literal["queued", "running", "succeeded", "failed", "interrupted"] = Field(
        description="queued, running, then succeeded, failed or interrupted (its server "
        "process stopped; nothing was half-written; submit it again)."
    )
    created_by: str = Field(description="The person or key that submitted it.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: JobProgress
    params: dict[str, Any] = Field(description="What the job was asked to do.")
    result: dict[str, Any] | None = Field(
        description="A summary once succeeded; for a refused import, every refused record."
    )
    error: str | None = Field(description="Why it failed or was interrupted, in one sentence.")
    result_url: str | None = Field(
        default=None, description="Where the results download from (a succeeded nlp job)."
    )


class JobPage(BaseModel):
    """A page of jobs, newest first."""

    items: list[Job]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class AuditRun(BaseModel):
    """Which creators to audit: the ones named, or every creator of the workspace."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"creator_ids": ["cr-0001"]}, {}]}
    )
    creator_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None,
        max_length=_job_kinds.MAX_CREATOR_IDS,
        description="Creators of your workspace to audit; omit to audit every creator.",
    )


class CommentAnalysis(BaseModel):
    """Label every comment of the workspace that has no label yet."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"tier": "fast", "safety": "accurate"}]}
    )
    tier: Tier = Field(default="fast", description="Sentiment model.")
    safety: Safety = Field(default="accurate", description="Brand-safety models.")


class NlpText(BaseModel):
    """One text to analyse, with your id for it."""

    id: str = Field(min_length=1, max_length=200, description="Your id; results carry it.")
    text: str = Field(max_length=1_000_000, description="The comment, any language and script.")


class NlpRequest(BaseModel):
    """Texts to analyse: up to 100 are answered at once, more run as a job."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "texts": [
                        {"id": "k1", "text": "love this, great work!"},
                        {"id": "k2", "text": "🔥🔥"},
                    ],
                    "tier": "fast",
                    "safety": "accurate",
                }
            ]
        },
    )
    texts: list[NlpText] = Field(min_length=1, max_length=_nlp_batch.MAX_TEXTS)
    tier: Tier = Field(default="fast", description="Sentiment model.")
    safety: Safety = Field(default="accurate", description="Brand-safety models.")


class NlpResult(BaseModel):
    """What was found in one text (null where nothing was measured)."""

    id: str
    status: Literal["scored", "not_scored"]
    reason: str | None = Field(
        description="Why not scored: invalid_record, no_text, unsupported_language."
    )
    language: str | None
    language_confidence: float | None
    sentiment: str | None
    p_negative: float | None
    p_neutral: float | None
    p_positive: float | None
    sentiment_score: float | None
    offensive_probability: float | None
    offensive: bool | None
    hate_probability: float | None
    hate: bool | None
    flags: list[str]


class NlpResults(BaseModel):
    """The results of a small batch, in the order sent."""

    model_config = _example(
        {
            "tier": "fast",
            "safety": "accurate",
            "models": {"sentiment": "sentiment_fast@0.3.0"},
            "audit_seq": 42,
            "items": [
                {
                    "id": "k1",
                    "status": "scored",
                    "reason": None,
                    "language": "en",
                    "language_confidence": 0.97,
                    "sentiment": "positive",
                    "p_negative": 0.02,
                    "p_neutral": 0.08,
                    "p_positive": 0.9,
                    "sentiment_score": 0.88,
                    "offensive_probability": 0.01,
                    "offensive": False,
                    "hate_probability": 0.0,
                    "hate": False,
                    "flags": [],
                }
            ],
        }
    )
    tier: str
    safety: str
    models: dict[str, str]
    audit_seq: int = Field(description="The audit-log record of this analysis.")
    items: list[NlpResult]


def _job(job: _jobs.Job) -> Job:
    url = None
    if job.kind == "nlp-analyze" and job.status == "succeeded":
        url = f"/api/v1/jobs/{job.job_id}/result"
    return Job(
        job_id=job.job_id,
        kind=job.kind,
        status=job.status,
        created_by=job.created_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        progress=JobProgress(done=job.progress_done, total=job.progress_total, percent=job.percent),
        params=job.params,
        result=job.result,
        error=job.error,
        result_url=url,
    )


_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Accepted: the job, queued. Poll the Location.",
        "headers": {
            "Location": {
                "description": "The job: /api/v1/jobs/{job_id}",
                "schema": {"type": "string"},
            }
        },
    },
    **_problems(409, 413, 503),
}


def _accepted(result: Any, response: Response) -> Any:
    """The job answer with its Location (also on an answer replayed for a retried key)."""
    if isinstance(result, Response):
        body = bytes(result.body)
        job_id = json.loads(body).get("job_id") if body else None
        if job_id:
            result.headers["Location"] = f"/api/v1/jobs/{job_id}"
        return result
    response.headers["Location"] = f"/api/v1/jobs/{result.job_id}"
    return result


def _runner(request: Request) -> _jobs.JobRunner:
    return _jobs.runner_of(request.app.state, settings_of(request))


# ------------------------------------------------------------------ submit


def _upload_names(files: list[UploadFile]) -> list[str]:
    names = []
    for i, upload in enumerate(files):
        try:
            names.append(_job_kinds.interchange_name(upload.filename))
        except ConfigurationError as e:
            allowed = str(e).split("allowed: ", 1)[-1]
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "files", i),
                        "msg": str(e),
                        "type": "value_error",
                        "ctx": {"expected": allowed},
                    }
                ]
            ) from None
    return names


def _upload_fingerprint(request: Request, names: list[str], files: list[UploadFile]) -> str:
    parts: list[bytes | str] = [request.method, request.url.path]
    for name, upload in zip(names, files, strict=True):
        digest = hashlib.sha256()
        upload.file.seek(0)
        while chunk := upload.file.read(1 << 20):
            digest.update(chunk)
        upload.file.seek(0)
        parts += [name, digest.hexdigest()]
    return request_hash(*parts)


@router.post(
    "/imports",
    status_code=202,
    response_model=Job,
    tags=["imports", "jobs"],
    responses=_ACCEPTED,
)
def submit_import(
    request: Request,
    response: Response,
    actor: CurrentActor,
    idem: Idempotency,
    files: Annotated[
        list[UploadFile],
        File(
            description="One or more interchange files named as in a `trustreach import` "
            "folder: `<kind>.jsonl|.ndjson|.csv|.parquet` (e.g. `creators.jsonl`), one per "
            "kind. The whole request is bounded by the body limit "
            "(`TRUSTREACH_API_MAX_BODY_BYTES`)."
        ),
    ],
) -> Any:
    """Import uploaded interchange files as a job (analyst, admin).

    The files are checked by name, kept until the job runs, then imported
    all-or-nothing: a refused import writes nothing and its job fails with
    every refused record in `result.errors`.
    """
    require_role(actor, Role.analyst)
    names = _upload_names(files)
    fingerprint = _upload_fingerprint(request, names, files)
    settings, runner = settings_of(request), _runner(request)

    def work() -> Job:
        job = _job_kinds.submit_import(
            [(n, f.file) for n, f in zip(names, files, strict=True)],
            workspace=actor.workspace,
            actor=actor.audit_name,
            settings=settings,
            runner=runner,
        )
        return _job(job)

    return _accepted(idem.run(actor, work, status_code=202, fingerprint=fingerprint), response)


@router.post(
    "/audits", status_code=202, response_model=Job, tags=["audits", "jobs"], responses=_ACCEPTED
)
def submit_audit(
    request: Request,
    response: Response,
    actor: CurrentActor,
    idem: Idempotency,
    body: AuditRun | None = None,
) -> Any:
    """Audit creators' audiences as a job (analyst, admin): the ones named, or every one.

    Each creator's audit is recorded in the audit log under your name, with its
    evidence (`GET /api/v1/creators/{creator_id}/audit`).
    """
    require_role(actor, Role.analyst)
    settings, runner = settings_of(request), _runner(request)
    ids = body.creator_ids if body is not None else None

    def work() -> Job:
        return _job(
            _job_kinds.submit_audit(
                ids,
                workspace=actor.workspace,
                actor=actor.audit_name,
                settings=settings,
                runner=runner,
            )
        )

    return _accepted(idem.run(actor, work, status_code=202), response)


@router.post(
    "/conversation/analyses",
    status_code=202,
    response_model=Job,
    tags=["conversation", "jobs"],
    responses=_ACCEPTED,
)
def submit_comment_analysis(
    request: Request,
    response: Response,
    actor: CurrentActor,
    idem: Idempotency,
    body: CommentAnalysis | None = None,
) -> Any:
    """Label the workspace's comments not yet labelled, as a job (analyst, admin).

    Idempotent: a second run labels nothing new; corrected labels are kept.
    """
    require_role(actor, Role.analyst)
    settings, runner = settings_of(request), _runner(request)
    options = body or CommentAnalysis()

    def work() -> Job:
        return _job(
            _job_kinds.submit_comment_analysis(
                tier=options.tier,
                safety=options.safety,
                workspace=actor.workspace,
                actor=actor.audit_name,
                settings=settings,
                runner=runner,
            )
        )

    return _accepted(idem.run(actor, work, status_code=202), response)


@router.post(
    "/nlp/analyze",
    status_code=200,
    response_model=NlpResults,
    tags=["nlp"],
    responses={
        200: {"description": f"Up to {_nlp_batch.INLINE_MAX_TEXTS} texts: the results."},
        202: {
            "model": Job,
            "description": f"More than {_nlp_batch.INLINE_MAX_TEXTS} texts: a job whose "
            "results download from `result_url` as NDJSON.",
            "headers": _ACCEPTED[202]["headers"],
        },
        **_problems(409, 413, 503),
    },
)
def analyze_texts(
    request: Request, response: Response, actor: CurrentActor, idem: Idempotency, body: NlpRequest
) -> Any:
    """Language, sentiment and brand safety of texts (analyst, admin).

    Up to 100 texts are answered at once (200); more, up to 50,000 (and within
    the body limit), run as an `nlp-analyze` job (202) whose results, one JSON
    object a line in the order sent, download from `GET /api/v1/jobs/{job_id}/result`.
    Each analysis is audit-logged under your name with the models and a digest
    of the texts.
    """
    require_role(actor, Role.analyst)
    settings = settings_of(request)
    items = [(t.id, t.text) for t in body.texts]
    if len(items) <= _nlp_batch.INLINE_MAX_TEXTS:

        def inline() -> NlpResults:
            batch = _nlp_batch.analyze_batch(
                items,
                tier=body.tier,
                safety=body.safety,
                workspace=actor.workspace,
                actor=actor.audit_name,
                settings=settings,
            )
            return NlpResults(
                tier=batch.tier,
                safety=batch.safety,
                models=batch.models,
                audit_seq=batch.audit_seq,
                items=[NlpResult(**r) for r in batch.items],
            )

        return idem.run(actor, inline, status_code=200)
    runner = _runner(request)

    def work() -> Job:
        return _job(
            _job_kinds.submit_text_analysis(
                items,
                tier=body.tier,
                safety=body.safety,
                workspace=actor.workspace,
                actor=actor.audit_name,
                settings=settings,
                runner=runner,
            )
        )

    result = idem.run(actor, work, status_code=202)
    if not isinstance(result, Response):
        result = JSONResponse(jsonable_encoder(result), status_code=202)
    return _accepted(result, response)


# ------------------------------------------------------------------ read

JOB_READERS = READERS
"""Roles that read a workspace's jobs (admin always may)."""
JobId = Annotated[str, Path(**_ID, description="The job's id.")]


@router.get("/jobs", response_model=JobPage, tags=["jobs"])
def list_jobs(
    request: Request,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> JobPage:
    """Your workspace's jobs, newest first (analyst, approver, auditor, admin)."""
    require_role(actor, *JOB_READERS)
    _runner(request)  # a server that just started marks what a stopped one left
    try:
        after = decode_cursor("jobs", cursor)
    except ConfigurationError as e:
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": str(e), "type": "value_error"}]
        ) from None
    page = _jobs.page_jobs(
        workspace=actor.workspace, limit=limit, after=after, settings=settings_of(request)
    )
    return JobPage(
        items=[_job(j) for j in page.items], next_cursor=encode_cursor("jobs", page.next_after)
    )


@router.get("/jobs/{job_id}", response_model=Job, tags=["jobs"], responses=_problems(404))
def get_job(request: Request, actor: CurrentActor, job_id: JobId) -> Job:
    """One job of your workspace: status, progress, result or error, who submitted it."""
    require_role(actor, *JOB_READERS)
    _runner(request)
    return _job(_jobs.get_job(job_id, workspace=actor.workspace, settings=settings_of(request)))


@router.get(
    "/jobs/{job_id}/result",
    tags=["jobs", "nlp"],
    response_class=FileResponse,
    responses={
        200: {
            "description": "The results, one JSON object (an NlpResult) a line, in the order "
            "the texts were sent.",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        },
        **_problems(404, 409),
    },
)
def get_job_result(request: Request, actor: CurrentActor, job_id: JobId) -> Response:
    """The results of a succeeded `nlp-analyze` job as NDJSON (409 while it has not succeeded)."""
    require_role(actor, *JOB_READERS)
    settings = settings_of(request)
    job = _jobs.get_job(job_id, workspace=actor.workspace, settings=settings)
    if job.kind != "nlp-analyze":
        raise HTTPException(
            404,
            f"job {job_id} is a {job.kind} job: its summary is its `result` in "
            f"/api/v1/jobs/{job_id}; only nlp-analyze jobs have results to download",
        )
    if not job.finished:
        raise HTTPException(
            409,
            f"job {job_id} is {job.status}; its results download once it has succeeded",
            headers={"Retry-After": "2"},
        )
    if job.status != "succeeded":
        raise HTTPException(
            409, f"job {job_id} {job.status}, so it has no results: {job.error or ''}".strip()
        )
    path = _job_kinds.result_file(job, settings)
    if path is None:
        raise HTTPException(404, f"the results of job {job_id} are no longer kept")
    return FileResponse(path, media_type="application/x-ndjson", filename=f"{job_id}.ndjson")
