"""Dashboard page costs on a copy of a real store, in process (FastAPI's TestClient).

Copies a data directory (default ``.trustreach``, the demo world that
``make demo`` imports) into a temporary folder, adds an analyst and an auditor,
signs in, and prints ``name=value`` lines: the median and the 95th percentile,
in milliseconds, of ``--runs`` requests per page (server work only: no network
and no browser), and how many creators the list showed.

    python benchmarks/bench_web.py [--data-dir .trustreach] [--workspace demo] [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from _store import copy_store
from trustreach import services
from trustreach.core import Role
from trustreach.web import create_web_app

PASSWORD = "correct horse battery staple"


def _signed_in(app: object, email: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")  # type: ignore[arg-type]
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def _times(client: TestClient, path: str, runs: int) -> tuple[float, float]:
    client.get(path)  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".trustreach"))
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        settings = copy_store(args.data_dir, data)
        admin = services.cli_actor(args.workspace)
        for role in (Role.analyst, Role.auditor):
            services.create_user(
                f"bench-{role.value}@example.test",
                workspace=args.workspace,
                role=role,
                password=PASSWORD,
                by=admin,
                settings=settings,
            )
        app = create_web_app(settings)
        analyst = _signed_in(app, "bench-analyst@example.test")
        auditor = _signed_in(app, "bench-auditor@example.test")
        audited = sorted(services.latest_creator_audits(args.workspace, settings=settings))
        listing = analyst.get("/creators").text
        rows = listing.count('<th scope="row"><a href=')
        print(f"creators_listed={rows}")
        pages = {
            "overview": (analyst, "/"),
            "creators": (analyst, "/creators?sort=-quality"),
            "creator": (analyst, f"/creators/{audited[0]}" if audited else "/creators"),
            "audit_log": (auditor, "/audit-log"),
        }
        for name, (client, path) in pages.items():
            median, p95 = _times(client, path, args.runs)
            print(f"web_{name}_median_ms={median:.1f}")
            print(f"web_{name}_p95_ms={p95:.1f}")


if __name__ == "__main__":
    main()
