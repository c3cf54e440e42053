"""Shared fixtures: settings on a temporary data directory, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from trustreach.core import Settings, reset_settings
from trustreach.services import _context
from trustreach.store import create_store_engine

if TYPE_CHECKING:
    from trustreach.nlp import TextEmbedder


def _worker_database(url: str | None) -> str | None:
    """Each pytest-xdist worker (``gw0``, ``gw1``, …) gets a database of its own on the
    test server (``<name>_gw1``), made on first use: tests empty theirs whole."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_store_engine(base.set(database="postgres").render_as_string(False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if found is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(False)


POSTGRES_URL = _worker_database(os.environ.get("TRUSTREACH_TEST_POSTGRES_URL"))
# pytest-xdist gives its workers COLUMNS=80, and a rich console made at import would keep
# that width for good; without it, consoles read each test's COLUMNS (set below)
os.environ.pop("COLUMNS", None)


def _reset_postgres(url: str) -> None:
    """Empty the test database: every table, including ones this checkout does not know
    (a newer migration run against the same database must not block the drop)."""
    engine = create_store_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def store_settings_for(store: str, tmp_path: Path) -> Settings:
    """Settings on ``store`` (``sqlite``: a fresh folder; ``postgres``: the test database,
    emptied first), for fixtures wider than a test that are parametrised by store."""
    if store == "sqlite":
        return Settings(data_dir=tmp_path / "data")
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set TRUSTREACH_TEST_POSTGRES_URL (see .ci/run)")
        pytest.skip("TRUSTREACH_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    _reset_postgres(POSTGRES_URL)
    return Settings(data_dir=tmp_path / "data", database_url=POSTGRES_URL)


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder (compiled trees) for the session: compiled once, not per test."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _session_cache: Path
) -> Iterator[None]:
    """No test reads the developer's own data directory, database or cache."""
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRUSTREACH_CACHE_DIR", str(_session_cache))
    monkeypatch.delenv("TRUSTREACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRUSTREACH_PSEUDONYM_KEY_FILE", raising=False)
    # one terminal width whatever runs the tests (pytest-xdist workers say 80 columns, a
    # plain run took the terminal's): CLI tables wrap and truncate alike everywhere
    monkeypatch.setenv("COLUMNS", "160")
    # no background alert checks writing beside a test (tests/test_alert_watch.py turns them on)
    monkeypatch.setenv("TRUSTREACH_ALERT_CHECK_INTERVAL_S", "0")
    monkeypatch.setenv("TRUSTREACH_ALERT_SWEEP_S", "0")
    reset_settings()
    _context._migrated.clear()
    yield
    reset_settings()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings for an embedded SQLite store in a fresh directory."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def postgres_settings(tmp_path: Path) -> Settings:
    """Settings for the test PostgreSQL database, emptied first."""
    return store_settings_for("postgres", tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest) -> Settings:
    """The same test on both stores."""
    name = "sqlite_settings" if request.param == "sqlite" else "postgres_settings"
    settings: Settings = request.getfixturevalue(name)
    return settings


@pytest.fixture(scope="session")
def embedder() -> TextEmbedder:
    """The shipped text embedding model (loaded once for the session)."""
    from trustreach.nlp import TextEmbedder

    return TextEmbedder.load()
