"""What each kind of job does: submitting it (checks, files) and running it (the use-case).

- ``import``: the uploaded interchange files wait in ``<data dir>/uploads/<job id>/``
  under names rebuilt from the allowed ones, then :func:`~trustreach.services.import_path`
  imports them all-or-nothing; the folder is removed after the job, whatever its end.
- ``audit``: :func:`~trustreach.services.audit_workspace`, or
  :func:`~trustreach.services.audit_creator` for each of the given creators.
- ``analyze-comments``: :func:`~trustreach.services.analyze_comments`.
- ``nlp-analyze``: the texts are written to ``<data dir>/jobs/<job id>/input.jsonl``,
  :func:`~trustreach.services.analyze_file` analyses them, and the per-text results
  are kept as ``results.ndjson`` there for download; the input is removed.

Every kind's work is audit-logged under the name of the person or key that
submitted the job.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from sqlalchemy import select

from trustreach.core import ConfigurationError, ImportValidationError, Settings, get_settings
from trustreach.services._context import check_workspace, kept_engine
from trustreach.services._jobs import (
    Job,
    JobFailed,
    JobRunner,
    Progress,
    job_folder,
    new_job_id,
    private_folder,
    submit_job,
    upload_folder,
)
from trustreach.services._nlp_batch import check_tiers, write_results_ndjson
from trustreach.store._tables import creators

MAX_CREATOR_IDS = 1000
"""Most creators one audit job names (without a list it audits every creator)."""
RESULTS = "results.ndjson"


def interchange_name(name: str | None) -> str:
    """The safe file name an uploaded interchange file is kept under, or a ConfigurationError.

    Only ``<kind>.<format>`` names are taken (as in a ``trustreach import``
    folder); the name is rebuilt from the allowed parts, never used as sent.

    >>> interchange_name("creators.JSONL")
    'creators.jsonl'
    """
    from trustreach.ingest import FORMATS, KINDS

    allowed = (
        f"<kind>{'|'.join(sorted(FORMATS))} with kind one of: {', '.join(KINDS)} "
        "(e.g. creators.jsonl)"
    )
    raw = name or ""
    stem, dot, ext = raw.rpartition(".")
    suffix = f".{ext.lower()}"
    if not dot or stem not in KINDS or suffix not in FORMATS or "/" in raw or "\\" in raw:
        shown = raw if raw.isprintable() else repr(raw)
        raise ConfigurationError(
            f"file name {shown!r} is not an interchange file; allowed: {allowed}"
        )
    return f"{stem}{suffix}"


def submit_import(
    files: Sequence[tuple[str, BinaryIO]],
    *,
    workspace: str,
    actor: str,
    settings: Settings | None = None,
    runner: JobRunner | None = None,
) -> Job:
    """An import job of uploaded interchange files (``(file name, content)`` pairs).

    Names are checked first (:func:`interchange_name`; one file per kind), then
    the files are saved in the job's upload folder and the job is submitted.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    names = [interchange_name(n) for n, _ in files]
    kinds: dict[str, str] = {}
    for name in names:
        kind = name.rsplit(".", 1)[0]
        if kind in kinds:
            raise ConfigurationError(
                f"two files hold {kind}: {kinds[kind]} and {name}; allowed: one file per kind"
            )
        kinds[kind] = name
    if not names:
        raise ConfigurationError("no file to import; allowed: one or more interchange files")
    job_id = new_job_id()
    folder = private_folder(upload_folder(settings, job_id))
    try:
        size = 0
        for name, (_, content) in zip(names, files, strict=True):
            with (folder / name).open("xb") as out:
                shutil.copyfileobj(content, out, 1 << 20)
                size += out.tell()
        return submit_job(
            "import",
            {"files": names, "bytes": size},
            workspace=workspace,
            actor=actor,
            settings=settings,
            runner=runner,
            job_id=job_id,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def submit_audit(
    creator_ids: Sequence[str] | None,
    *,
    workspace: str,
    actor: str,
    settings: Settings | None = None,
    runner: JobRunner | None = None,
) -> Job:
    """An audit job: every creator of the workspace, or the ones named (each must be there)."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    ids = list(dict.fromkeys(creator_ids or []))
    if len(ids) > MAX_CREATOR_IDS:
        raise ConfigurationError(
            f"creator_ids names {len(ids)} creators; allowed: at most {MAX_CREATOR_IDS} "
            "(or none, to audit every creator)"
        )
    if ids:
        with kept_engine(settings).connect() as connection:
            known = set(
                connection.execute(
                    select(creators.c.creator_id).where(
                        creators.c.workspace == workspace, creators.c.creator_id.in_(ids)
                    )
                ).scalars()
            )
        missing = [i for i in ids if i not in known]
        if missing:
            shown = ", ".join(repr(i) for i in missing[:5])
            raise ConfigurationError(
                f"creator_ids: {shown}{' and more' if len(missing) > 5 else ''} not found in "
                "your workspace; allowed: ids of your workspace's creators"
            )
    return submit_job(
        "audit",
        {"creator_ids": ids or None},
        workspace=workspace,
        actor=actor,
        settings=settings,
        runner=runner,
    )


def submit_comment_analysis(
    *,
    tier: str = "fast",
    safety: str = "accurate",
    workspace: str,
    actor: str,
    settings: Settings | None = None,
    runner: JobRunner | None = None,
) -> Job:
    """A job labelling every comment of the workspace that has no label yet."""
    check_tiers(tier, safety)
    return submit_job(
        "analyze-comments",
        {"tier": tier, "safety": safety},
        workspace=workspace,
        actor=actor,
        settings=settings,
        runner=runner,
    )


def submit_text_analysis(
    items: Sequence[tuple[str, str]],
    *,
    tier: str = "fast",
    safety: str = "accurate",
    workspace: str,
    actor: str,
    settings: Settings | None = None,
    runner: JobRunner | None = None,
) -> Job:
    """A job analysing ``(id, text)`` pairs; the results are kept for download."""
    settings = settings or get_settings()
    check_tiers(tier, safety)
    if not items:
        raise ConfigurationError("texts is empty; allowed: one or more texts")
    job_id = new_job_id()
    folder = private_folder(job_folder(settings, job_id))
    try:
        with (folder / "input.jsonl").open("wb") as out:
            for ident, body in items:
                out.write(orjson.dumps({"id": ident, "text": body}) + b"\n")
        return submit_job(
            "nlp-analyze",
            {"texts": len(items), "tier": tier, "safety": safety},
            workspace=workspace,
            actor=actor,
            settings=settings,
            runner=runner,
            job_id=job_id,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def result_file(job: Job, settings: Settings | None = None) -> Path | None:
    """The downloadable results of a succeeded ``nlp-analyze`` job (None: there are none)."""
    path = job_folder(settings or get_settings(), job.job_id) / RESULTS
    return (
        path if job.kind == "nlp-analyze" and job.status == "succeeded" and path.is_file() else None
    )


# ------------------------------------------------------------------ running


def run_kind(job: Job, progress: Progress, settings: Settings) -> dict[str, Any]:
    """Run ``job``'s work; its JSON summary (or :class:`JobFailed` and other errors)."""
    if job.kind == "import":
        return _run_import(job, progress, settings)
    if job.kind == "audit":
        return _run_audit(job, progress, settings)
    if job.kind == "analyze-comments":
        return _run_comments(job, progress, settings)
    if job.kind == "nlp-analyze":
        return _run_texts(job, progress, settings)
    raise ConfigurationError(f"job kind {job.kind!r} is not known to this version")


def count_records(folder: Path) -> int:
    """Records in the interchange files of ``folder`` (lines, CSV rows, Parquet rows)."""
    total = 0
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            with path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        elif suffix == ".csv":
            with path.open(encoding="utf-8", errors="replace", newline="") as handle:
                total += max(0, sum(1 for _ in csv.reader(handle)) - 1)
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            try:
                total += pq.ParquetFile(path).metadata.num_rows
            except (OSError, ValueError):  # the importer names what is wrong with it
                continue
    return total


def _run_import(job: Job, progress: Progress, settings: Settings) -> dict[str, Any]:
    from trustreach.services._import import import_path

    folder = upload_folder(settings, job.job_id)
    try:
        if not folder.is_dir():
            raise JobFailed(
                "the uploaded files of this job are no longer on the server; "
                "nothing was imported; submit the files again"
            )
        progress.set(0, count_records(folder))
        report = import_path(
            folder,
            workspace=job.workspace,
            actor=job.created_by,
            settings=settings,
            progress=lambda _kind, rows: progress.advance(rows),
        )
    except ImportValidationError as exc:
        prefix = str(folder) + "/"
        raise JobFailed(
            str(exc).replace(prefix, ""),
            {
                "errors": [
                    {
                        "file": Path(e.file).name,
                        "row": e.row,
                        "field": e.field,
                        "message": e.message,
                    }
                    for e in exc.errors
                ],
                "truncated": exc.truncated,
            },
        ) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "audit_seq": report.audit_seq,
        "rows": report.rows,
        "seconds": round(report.seconds, 3),
        "kinds": [
            {
                "kind": k.kind,
                "file": Path(k.file).name,
                "rows": k.rows,
                "new": k.new,
                "changed": k.changed,
                "unchanged": k.unchanged,
                "skipped_expired": k.skipped_expired,
                "skipped_erased": k.skipped_erased,
            }
            for k in report.kinds
        ],
    }


def _run_audit(job: Job, progress: Progress, settings: Settings) -> dict[str, Any]:
    from trustreach.services._authenticity import (
        TooLittleToAudit,
        audit_creator,
        audit_workspace,
    )

    ids: list[str] = list(job.params.get("creator_ids") or [])
    skipped: list[TooLittleToAudit] = []
    if ids:
        progress.set(0, len(ids))
        audits = []
        for done, creator_id in enumerate(ids, start=1):
            try:
                audits.append(
                    audit_creator(
                        creator_id, workspace=job.workspace, actor=job.created_by, settings=settings
                    )
                )
            except TooLittleToAudit as error:
                skipped.append(error)
            progress.set(done)
    else:
        audits = audit_workspace(
            workspace=job.workspace,
            actor=job.created_by,
            settings=settings,
            progress=lambda done, total: progress.set(done, total),
            on_skip=skipped.append,
        )
    return {
        "audited": len(audits),
        "not_audited": [{"creator_id": e.creator_id, "reason": str(e)} for e in skipped],
        "audits": [
            {
                "creator_id": a.creator_id,
                "audit_seq": a.audit_seq,
                "audience_quality": round(float(a.quality.score), 1),
            }
            for a in audits
        ],
    }


def _run_comments(job: Job, progress: Progress, settings: Settings) -> dict[str, Any]:
    from trustreach.services._conversation import analyze_comments

    report = analyze_comments(
        workspace=job.workspace,
        tier=str(job.params.get("tier", "fast")),
        safety=str(job.params.get("safety", "accurate")),
        actor=job.created_by,
        settings=settings,
        progress=lambda done, total: progress.set(done, total),
    )
    return asdict(report)


def _run_texts(job: Job, progress: Progress, settings: Settings) -> dict[str, Any]:
    from trustreach.services._nlp import analyze_file

    folder = job_folder(settings, job.job_id)
    source, output = folder / "input.jsonl", folder / "results.csv"
    try:
        if not source.is_file():
            raise JobFailed(
                "the texts of this job are no longer on the server; nothing was analysed; "
                "submit them again"
            )
        progress.set(0, int(job.params.get("texts") or 0))
        report = analyze_file(
            source,
            output,
            tier=str(job.params.get("tier", "fast")),
            safety=str(job.params.get("safety", "accurate")),
            id_column="id",
            actor=job.created_by,
            workspace=job.workspace,
            settings=settings,
            progress=progress.advance,
        )
        write_results_ndjson(output, folder / RESULTS, id_column="id")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        source.unlink(missing_ok=True)
        output.unlink(missing_ok=True)
    summary = asdict(report)
    for name in ("output", "seconds", "id_column"):
        summary.pop(name, None)
    return summary
