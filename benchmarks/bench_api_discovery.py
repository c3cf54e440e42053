"""``POST /api/v1/discovery`` on the demo world: the first call (which builds the creator
index) and the calls after it, in process (FastAPI's TestClient, no network).

Copies a data directory (default ``.trustreach``, the demo world ``make demo``
imports) without its index into a temporary folder, adds an analyst key, and
posts ``examples/briefs/skincare_awareness.yaml`` ``--runs`` times. Each call
ranks every creator, stores a proposed shortlist and appends to the audit log.
Prints ``name=value`` lines: ``first_call_s`` (index built in the request),
``p50_ms`` and ``p99_ms`` of the calls after it, and the shortlist's length.

    python benchmarks/bench_api_discovery.py [--data-dir .trustreach] [--workspace demo] \
        [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import yaml

from _store import copy_store
from trustreach import services
from trustreach.api import create_app
from trustreach.core import Role

BRIEF = Path(__file__).resolve().parents[1] / "examples" / "briefs" / "skincare_awareness.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".trustreach"))
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    brief = yaml.safe_load(BRIEF.read_text("utf-8"))
    with tempfile.TemporaryDirectory(prefix="bench-api-discovery-") as tmp:
        settings = copy_store(args.data_dir, Path(tmp) / "data")
        settings = settings.model_copy(update={"api_rate_limit_per_minute": 0})
        key, _ = services.create_key(
            workspace=args.workspace,
            role=Role.analyst,
            label="bench_api_discovery",
            by=services.cli_actor(args.workspace),
            settings=settings,
        )
        api = TestClient(create_app(settings))
        headers = {"Authorization": f"Bearer {key}"}

        def call() -> tuple[float, int]:
            started = time.perf_counter()
            r = api.post("/api/v1/discovery", json={"brief": brief}, headers=headers)
            elapsed = time.perf_counter() - started
            if r.status_code != 201:
                raise SystemExit(f"discovery answered {r.status_code}: {r.text[:300]}")
            return elapsed, len(r.json()["shortlist"])

        first, length = call()
        times = sorted(call()[0] for _ in range(args.runs))
        print(f"first_call_s={first:.2f}")
        print(f"p50_ms={statistics.median(times) * 1000:.0f}")
        print(f"p99_ms={times[min(len(times) - 1, int(len(times) * 0.99))] * 1000:.0f}")
        print(f"runs={args.runs}")
        print(f"shortlist={length}")


if __name__ == "__main__":
    main()
