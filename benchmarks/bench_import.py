"""Import throughput: follower accounts into SQLite and PostgreSQL, and peak memory.

Prints ``name=value`` lines. Each measured step runs in its own process.

    python benchmarks/bench_import.py [--rows 1000000] [--postgres-url URL]

PostgreSQL runs when ``--postgres-url`` or ``TRUSTREACH_TEST_POSTGRES_URL`` is set
(the database is emptied first). Targets: >= 150k rows/s into SQLite, >= 300k
rows/s into PostgreSQL, and peak memory that does not grow with the file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def child(*args: str) -> dict[str, float]:
    """Run ``_child.py`` with ``args`` and parse its name=value lines."""
    out = subprocess.run(
        [sys.executable, str(HERE / "_child.py"), *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {k: float(v) for k, v in (line.split("=", 1) for line in out.split())}


def reset_postgres(url: str) -> None:
    """Empty the benchmark database."""
    from sqlalchemy import text

    from trustreach.store import create_store_engine, metadata

    engine = create_store_engine(url)
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh SQLite imports at --rows (median reported)"
    )
    parser.add_argument("--postgres-url", default=os.environ.get("TRUSTREACH_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustreach-bench-") as tmp:
        work = Path(tmp)
        sizes = sorted({max(args.rows // 10, 1), max(args.rows // 4, 1), args.rows})
        for n in sizes:
            path = work / f"n{n}" / "follower_accounts.jsonl"
            path.parent.mkdir()
            made = child("followers", str(path), str(n))
            if n == args.rows:
                print(f"synth_followers_rows={n}")
                print(f"synth_followers_seconds={made['seconds']:.2f}")
                print(f"synth_followers_per_s={n / made['seconds']:.0f}")
            runs = [
                child("import", str(path), str(work / f"sqlite{n}-{i}"), "")
                for i in range(args.repeat if n == args.rows else 1)
            ]
            rates = sorted(r["rows"] / r["seconds"] for r in runs)
            got = runs[-1]
            print(f"sqlite_import_rows_{n}={got['rows']:.0f}")
            print(f"sqlite_import_rows_per_s_{n}={statistics.median(rates):.0f}")
            if len(rates) > 1:
                print(f"sqlite_import_runs_{n}={len(rates)}")
                print(f"sqlite_import_rows_per_s_min_{n}={rates[0]:.0f}")
                print(f"sqlite_import_rows_per_s_max_{n}={rates[-1]:.0f}")
            print(f"sqlite_import_peak_mib_{n}={got['peak_mib']:.0f}")
            print(f"sqlite_import_worker_peak_mib_{n}={got['worker_mib']:.0f}")
            again = child("import", str(path), str(work / f"sqlite{n}-0"), "")
            print(f"sqlite_reimport_rows_per_s_{n}={again['rows'] / again['seconds']:.0f}")
            if args.postgres_url:
                reset_postgres(args.postgres_url)
                pg = child("import", str(path), str(work / f"pg{n}"), args.postgres_url)
                print(f"postgres_import_rows_per_s_{n}={pg['rows'] / pg['seconds']:.0f}")
                print(f"postgres_import_peak_mib_{n}={pg['peak_mib']:.0f}")
        world = child("world", str(work / "world"))
        print(f"synth_world_records={world['rows']:.0f}")
        print(f"synth_world_seconds={world['seconds']:.2f}")
    if not args.postgres_url:
        print("postgres_import=skipped (set TRUSTREACH_TEST_POSTGRES_URL or --postgres-url)")


if __name__ == "__main__":
    main()
