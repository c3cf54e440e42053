"""Validated settings, read lazily from ``TRUSTREACH_*`` and overridable in tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from trustreach.core import Settings, get_settings, reset_settings

PG = "postgresql+psycopg://u:p@db.example:5432/trustreach"


@pytest.mark.parametrize("url", ["mysql://x", "mssql+pyodbc://x", "oracle://u@h/db"])
def test_unknown_database_scheme_is_refused_naming_the_allowed(url: str) -> None:
    scheme = re.escape(url.split(":", 1)[0])
    with pytest.raises(
        ValidationError,
        match=rf"scheme '{scheme}' is not supported; allowed: sqlite, postgresql",
    ):
        Settings(database_url=url)


@pytest.mark.parametrize(
    "url",
    ["postgresql://u:p@db.example:5432/trustreach", "postgres://u:p@db.example:5432/trustreach"],
)
def test_postgres_urls_use_psycopg(url: str) -> None:
    settings = Settings(database_url=url)
    assert settings.database_url == PG
    assert settings.resolved_database_url() == PG


def test_explicit_driver_urls_are_kept() -> None:
    assert Settings(database_url=PG).database_url == PG
    assert Settings(database_url="sqlite:////srv/tr.db").database_url == "sqlite:////srv/tr.db"


@pytest.mark.parametrize("url", [None, ""])
def test_default_database_is_sqlite_under_data_dir(tmp_path: Path, url: str | None) -> None:
    settings = Settings(data_dir=tmp_path / "tr", database_url=url)
    assert settings.database_url is None
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'tr' / 'trustreach.db'}"


def test_key_file_defaults_to_data_dir_and_can_move(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).resolved_key_file() == tmp_path / "pseudonym.key"
    elsewhere = tmp_path / "vault" / "tr.key"
    settings = Settings(data_dir=tmp_path, pseudonym_key_file=elsewhere)
    assert settings.resolved_key_file() == elsewhere


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(tmp_path / "env-data"))
    monkeypatch.setenv("TRUSTREACH_DATABASE_URL", "postgres://u:p@db.example:5432/trustreach")
    monkeypatch.setenv("TRUSTREACH_MIN_BUCKET_SIZE", "50")
    reset_settings()
    settings = get_settings()
    assert settings.data_dir == tmp_path / "env-data"
    assert settings.resolved_database_url() == PG
    assert settings.min_bucket_size == 50


def test_settings_are_cached_until_reset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = get_settings()
    assert get_settings() is first
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(tmp_path / "moved"))
    assert get_settings().data_dir == first.data_dir
    reset_settings()
    assert get_settings().data_dir == tmp_path / "moved"


def test_isolated_environment_points_at_the_test_directory(tmp_path: Path) -> None:
    settings = get_settings()
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_bucket_size", 0),
        ("import_batch_rows", 0),
        ("import_batch_rows", 1_000_001),
        ("max_reported_errors", 0),
    ],
)
def test_out_of_range_numbers_are_refused(field: str, value: int) -> None:
    with pytest.raises(ValidationError, match=rf"{field}\n  Input should be (greater|less)"):
        Settings.model_validate({field: value})


def test_out_of_range_environment_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTREACH_MIN_BUCKET_SIZE", "0")
    reset_settings()
    with pytest.raises(ValidationError, match="min_bucket_size"):
        get_settings()


def test_min_bucket_size_of_one_is_allowed() -> None:
    assert Settings(min_bucket_size=1).min_bucket_size == 1


def test_unknown_environment_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTREACH_NO_SUCH_SETTING", "1")
    reset_settings()
    assert not hasattr(get_settings(), "no_such_setting")
