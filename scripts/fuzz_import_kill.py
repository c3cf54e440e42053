"""Kill imports (SIGKILL, real processes) at seeded random points and check what they leave.

The longer run of ``tests/test_import_crash.py``: each run imports one of two
versions of a world into a store holding the other, killing the import at a
random event (an SQL statement, a batch written, the commit, an anchor write;
see ``tests/_kill_import.py``; ``--window`` of them between the anchor's
announcement and the end), then checks that the store holds all of the
import or none of it, that ``trustreach audit verify`` exits 0, and that
importing the same world again succeeds and equals a clean import.

    python scripts/fuzz_import_kill.py --runs 40 --seed 7
    python scripts/fuzz_import_kill.py --runs 40 --postgres postgresql+psycopg://u:p@host/db

The PostgreSQL database is emptied first. Prints one line per run and
``runs=N failures=M committed=K`` at the end; exits 1 if any run failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests._crash

from tests._crash import CrashBench

from trustreach.core import Settings
from trustreach.store import create_store_engine, metadata


def _empty_postgres(url: str) -> None:
    from sqlalchemy import text

    engine = create_store_engine(url)
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="kills to make (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill points")
    parser.add_argument("--followers", type=int, default=3000, help="follower records a world")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database")
    parser.add_argument(
        "--window",
        type=float,
        default=0.25,
        help="share of kills drawn from the commit window, from the anchor's announcement "
        "to the end (default 0.25; the rest anywhere)",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="fuzz-import-kill-") as scratch:
        directory = Path(scratch)
        settings = Settings(data_dir=directory / "data")
        if args.postgres:
            _empty_postgres(args.postgres)
            settings = Settings(data_dir=directory / "data", database_url=args.postgres)
        bench = CrashBench(settings, directory, followers=args.followers)
        events = bench.events()
        print(f"store={'postgresql' if args.postgres else 'sqlite'} events={len(events)}")
        failures = committed = 0
        anchor = [i for i, e in enumerate(events, 1) if e.startswith("replace:before:audit")]
        window = range(anchor[0] if anchor else 1, len(events) + 1)
        for run in range(1, args.runs + 1):
            anywhere = rng.random() >= args.window
            crash = bench.kill(rng.randint(1, len(events)) if anywhere else rng.choice(window))
            committed += crash.committed
            failures += bool(crash.problems)
            state = "complete" if crash.committed else "nothing"
            print(f"run {run}: killed at event {crash.event} ({crash.label or 'finished'}): "
                  f"{state}; {'; '.join(crash.problems) or 'ok'}", flush=True)  # fmt: skip
    print(f"runs={args.runs} failures={failures} committed={committed}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
