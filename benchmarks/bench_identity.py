"""Identity costs: password hashing, sign-in, and the per-request key and session checks.

Prints ``name=value`` lines (milliseconds, median of ``--runs`` calls) on a
fresh SQLite store in a temporary folder, and on PostgreSQL when
``--postgres-url`` (default ``TRUSTREACH_TEST_POSTGRES_URL``) is set — that
database is emptied first, so never point it at one that matters:

- ``argon2_hash_ms``: one Argon2id hash with the shipped parameters;
- ``sign_in_ms`` / ``sign_in_wrong_password_ms`` / ``sign_in_unknown_email_ms``:
  ``services.authenticate_user``, which should cost about the same in all three
  cases (an unknown e-mail is checked against a dummy hash);
- ``key_check_ms``: ``services.authenticate_key``, paid by every API request;
- ``session_check_ms``: ``services.session_actor``, paid by every dashboard page.

    python benchmarks/bench_identity.py [--runs 20]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from trustreach import services
from trustreach.core import AuthenticationError, Settings
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import ensure_workspace
from trustreach.services._identity import _hasher
from trustreach.store import create_store_engine, metadata

PASSWORD = "correct horse battery staple"


def _median_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(AuthenticationError):  # the failing sign-ins
            call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _measure(settings: Settings, prefix: str, runs: int) -> None:
    engine = services.open_store(settings)
    with audited_transaction(settings, engine) as connection:
        ensure_workspace(connection, "bench")
        entry = record_audit(settings, connection, actor="bench", action="bench_setup")
    confirm_anchor(settings, entry.head)
    engine.dispose()
    admin = services.cli_actor("bench")
    services.create_user(
        "bench@example.test", workspace="bench", role="analyst", password=PASSWORD, by=admin,
        settings=settings,
    )  # fmt: skip
    token, _ = services.create_key(workspace="bench", role="auditor", by=admin, settings=settings)
    actor = services.authenticate_user("bench@example.test", PASSWORD, settings=settings)
    session, _ = services.start_session(actor, settings=settings)
    figures = {
        "sign_in_ms": lambda: services.authenticate_user(
            "bench@example.test", PASSWORD, settings=settings
        ),
        "sign_in_wrong_password_ms": lambda: services.authenticate_user(
            "bench@example.test", PASSWORD + "x", settings=settings
        ),
        "sign_in_unknown_email_ms": lambda: services.authenticate_user(
            "nobody@example.test", PASSWORD, settings=settings
        ),
        "key_check_ms": lambda: services.authenticate_key(token, settings=settings),
        "session_check_ms": lambda: services.session_actor(session, settings=settings),
    }
    for name, call in figures.items():
        print(f"{prefix}{name}={_median_ms(call, runs):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres-url", default=os.environ.get("TRUSTREACH_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(f"argon2_hash_ms={_median_ms(lambda: _hasher.hash(PASSWORD), args.runs):.2f}")
    with tempfile.TemporaryDirectory() as folder:
        _measure(Settings(data_dir=Path(folder) / "data"), "sqlite_", args.runs)
        if args.postgres_url:
            engine = create_store_engine(args.postgres_url)
            with engine.begin() as connection:
                metadata.drop_all(connection)
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            engine.dispose()
            pg = Settings(data_dir=Path(folder) / "pg", database_url=args.postgres_url)
            _measure(pg, "postgres_", args.runs)


if __name__ == "__main__":
    main()
