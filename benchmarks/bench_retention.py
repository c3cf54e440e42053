"""Retention at scale: enforcing follower retention, and a re-import that skips it all.

Prints ``name=value`` lines: a fresh import of ``--followers`` follower accounts
(each following one creator account), a dry run and a real run of
``privacy enforce-retention`` 200 days on (every follower and follow expires and
leaves a tombstone), and the same files imported again (every record skipped as
expired). SQLite in a temporary folder, or PostgreSQL with ``--postgres-url``
(the database is emptied first).

    python benchmarks/bench_retention.py [--followers 200000] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trustreach import services
from trustreach.core import Settings
from trustreach.services import _retention

WS = "bench"


def write_world(folder: Path, followers: int) -> None:
    folder.mkdir(parents=True)
    (folder / "creators.jsonl").write_text(
        json.dumps({"creator_id": "c1", "display_name": "Bench", "niches": ["beauty"]}) + "\n"
    )
    (folder / "creator_accounts.jsonl").write_text(
        json.dumps(
            {"account_id": "a1", "creator_id": "c1", "platform": "instagram", "handle": "bench"}
        )
        + "\n"
    )
    with (folder / "follower_accounts.jsonl").open("w") as out:
        for i in range(followers):
            row = {"account_id": f"f{i}", "followers_count": i % 997, "posts_count": i % 31}
            out.write(json.dumps(row) + "\n")
    with (folder / "follows.jsonl").open("w") as out:
        for i in range(followers):
            out.write(json.dumps({"creator_account_id": "a1", "follower_account_id": f"f{i}"}))
            out.write("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=200_000)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustreach-bench-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data", database_url=args.postgres_url)
        if args.postgres_url:
            from bench_import import reset_postgres

            reset_postgres(args.postgres_url)
        world = work / "world"
        write_world(world, args.followers)
        store = "postgres" if args.postgres_url else "sqlite"
        print(f"store={store}")
        print(f"followers={args.followers}")

        started = time.perf_counter()
        services.import_path(world, workspace=WS, settings=settings)
        print(f"import_s={time.perf_counter() - started:.2f}")

        later = datetime.now(UTC) + timedelta(days=200)
        started = time.perf_counter()
        dry = _retention.enforce_retention(
            workspace=WS, as_of=later, dry_run=True, settings=settings
        )
        print(f"dry_run_s={time.perf_counter() - started:.2f}")
        started = time.perf_counter()
        run = _retention.enforce_retention(workspace=WS, as_of=later, settings=settings)
        seconds = time.perf_counter() - started
        print(f"enforce_s={seconds:.2f}")
        print(f"enforce_removed={run.removed}")
        print(f"enforce_rows_per_s={run.removed / seconds:.0f}")
        print(f"tombstones={run.tombstones}")
        assert dry.removed == run.removed

        started = time.perf_counter()
        again = services.import_path(world, workspace=WS, settings=settings)
        seconds = time.perf_counter() - started
        skipped = sum(k.skipped_expired for k in again.kinds)
        print(f"reimport_s={seconds:.2f}")
        print(f"reimport_skipped={skipped}")
        print(f"reimport_records_per_s={again.rows / seconds:.0f}")


if __name__ == "__main__":
    main()
