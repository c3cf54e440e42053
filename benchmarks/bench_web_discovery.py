"""The dashboard's discovery pages on a copy of a real store, in process (FastAPI's TestClient).

Copies a data directory (default ``.trustreach``, the demo world that
``make demo`` imports) without its discovery index, adds an analyst, signs in,
and uploads a brief file to ``POST /discovery`` ``--runs`` times. Prints
``name=value`` lines: the first post (which builds the index and loads the
text model in the request), the median of the later posts, and the median of
``GET`` on the shortlist page, in seconds and milliseconds (server work only:
no network and no browser).

    python benchmarks/bench_web_discovery.py [--data-dir .trustreach] [--workspace demo]
        [--brief examples/briefs/skincare_awareness.yaml] [--runs 5]
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


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".trustreach"))
    parser.add_argument("--workspace", default="demo")
    parser.add_argument(
        "--brief", type=Path, default=Path("examples/briefs/skincare_awareness.yaml")
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    brief = args.brief.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        settings = copy_store(args.data_dir, Path(tmp) / "data")
        services.create_user(
            "bench-analyst@example.test",
            workspace=args.workspace,
            role=Role.analyst,
            password=PASSWORD,
            by=services.cli_actor(args.workspace),
            settings=settings,
        )
        client = TestClient(create_web_app(settings), base_url="https://testserver")
        signed = client.post(
            "/login",
            data={
                "email": "bench-analyst@example.test",
                "password": PASSWORD,
                "csrf_token": _token(client.get("/login").text),
            },
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        token = _token(client.get("/discovery").text)
        posts, pages = [], []
        for _ in range(max(2, args.runs)):
            started = time.perf_counter()
            response = client.post(
                "/discovery",
                data={"csrf_token": token},
                files={"brief_file": (args.brief.name, brief, "application/yaml")},
                follow_redirects=False,
            )
            posts.append(time.perf_counter() - started)
            assert response.status_code == 303, response.text[-2000:]
            started = time.perf_counter()
            assert client.get(response.headers["location"]).status_code == 200
            pages.append((time.perf_counter() - started) * 1000)
        print(f"web_discovery_first_post_s={posts[0]:.2f}")
        print(f"web_discovery_post_median_s={statistics.median(posts[1:]):.3f}")
        print(f"web_shortlist_page_median_ms={statistics.median(pages[1:]):.1f}")


if __name__ == "__main__":
    main()
