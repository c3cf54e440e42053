"""A finished job for tests that walk every route (its id answers 200 on every job route)."""

from __future__ import annotations

from trustreach.core import Settings
from trustreach.services import _job_kinds, _jobs


def finished_text_job(settings: Settings, workspace: str) -> str:
    """The id of a succeeded ``nlp-analyze`` job of ``workspace`` (two texts)."""
    runner = _jobs.JobRunner(settings)
    job = _job_kinds.submit_text_analysis(
        [("t1", "love it"), ("t2", "")],
        workspace=workspace,
        actor="key:test",
        settings=settings,
        runner=runner,
    )
    runner.wait(120)
    runner.shutdown()
    status = _jobs.get_job(job.job_id, workspace=workspace, settings=settings).status
    assert status == "succeeded", status
    return job.job_id
