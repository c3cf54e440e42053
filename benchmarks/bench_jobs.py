"""Jobs through the API: what an upload job adds to an import, and nlp answered inline.

On a fresh SQLite store in a temporary folder (the app in this process, no
network; each workspace first gets the world's brands and campaigns), prints
``name=value`` lines:

- ``import_direct_s``: ``services.import_path`` of the chosen demo-world files
  (default: creators, creator_accounts, posts, comments) into a new workspace;
- ``import_job_s``: the same files uploaded with ``POST /api/v1/imports`` and
  polled with ``GET /api/v1/jobs/{id}`` until it succeeded (upload, fingerprint,
  copy, the job's audit record, then the same import) into another new workspace;
- ``accept_s``: of that, until the POST answered 202 (multipart encoding by the
  test client and parsing by the server, fingerprint, copy, the job's audit record);
- ``upload_mib``: the bytes uploaded;
- ``progress_updates``: how many distinct ``progress.done`` figures the polling saw;
- ``nlp_inline_100_ms``: ``POST /api/v1/nlp/analyze`` with 100 comments, median of
  ``--runs`` (the analysis and its audit record).

    python benchmarks/bench_jobs.py [--world demo-world] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import orjson

from trustreach import services
from trustreach.core import Role, Settings

SETUP = ("brands", "campaigns")
KINDS = ("creators", "creator_accounts", "posts", "comments")


def _workspace(settings: Settings, world: Path, workspace: str, scratch: Path) -> None:
    folder = scratch / f"setup-{workspace}"
    folder.mkdir()
    for kind in SETUP:
        shutil.copy(world / f"{kind}.jsonl", folder / f"{kind}.jsonl")
    services.import_path(folder, workspace=workspace, settings=settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--world", type=Path, default=Path("demo-world"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from trustreach.api import create_app

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        settings = Settings(data_dir=scratch / "data", api_rate_limit_per_minute=0)
        files = scratch / "files"
        files.mkdir()
        for kind in KINDS:
            shutil.copy(args.world / f"{kind}.jsonl", files / f"{kind}.jsonl")
        for workspace in ("direct", "job"):
            _workspace(settings, args.world, workspace, scratch)

        started = time.perf_counter()
        services.import_path(files, workspace="direct", settings=settings)
        print(f"import_direct_s={time.perf_counter() - started:.2f}")

        key, _ = services.create_key(
            workspace="job", role=Role.analyst, by=services.cli_actor("job"), settings=settings
        )
        headers = {"Authorization": f"Bearer {key}"}
        upload = [
            ("files", (p.name, p.read_bytes(), "application/octet-stream"))
            for p in sorted(files.iterdir())
        ]
        size = sum(len(f[1][1]) for f in upload)
        app = create_app(settings, max_body_bytes=size + (1 << 20))
        with TestClient(app) as api:
            started = time.perf_counter()
            r = api.post("/api/v1/imports", files=upload, headers=headers)
            assert r.status_code == 202, r.text
            print(f"accept_s={time.perf_counter() - started:.2f}")
            seen: set[int] = set()
            job: dict[str, Any] = r.json()
            while job["status"] in ("queued", "running"):
                time.sleep(0.05)
                job = api.get(r.headers["location"], headers=headers).json()
                seen.add(job["progress"]["done"])
            elapsed = time.perf_counter() - started
            assert job["status"] == "succeeded", job
            print(f"import_job_s={elapsed:.2f}")
            print(f"upload_mib={size / (1 << 20):.1f}")
            print(f"progress_updates={len(seen)}")

            comments = []
            with (args.world / "comments.jsonl").open("rb") as handle:
                for line in handle:
                    record = orjson.loads(line)
                    comments.append({"id": record["comment_id"], "text": record["text"]})
                    if len(comments) == 100:
                        break
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                answer = api.post("/api/v1/nlp/analyze", json={"texts": comments}, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text
            print(f"nlp_inline_100_ms={statistics.median(times):.0f}")


if __name__ == "__main__":
    main()
