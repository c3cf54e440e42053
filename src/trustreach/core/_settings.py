"""Validated settings, read lazily through a cached getter (never at import time)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ONNX_THREADS_MAX = 64
"""Most ONNX Runtime threads one process may ask for (``TRUSTREACH_ONNX_THREADS``)."""


class Settings(BaseSettings):
    """Settings from ``TRUSTREACH_*`` environment variables.

    Examples
    --------
    >>> s = Settings(data_dir="/tmp/tr")
    >>> s.resolved_database_url()
    'sqlite:////tmp/tr/trustreach.db'
    """

    model_config = SettingsConfigDict(env_prefix="TRUSTREACH_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".trustreach"),
        description="Directory for the embedded SQLite database and the pseudonym key.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL; unset means SQLite in data_dir. postgresql:// URLs use psycopg."
        ),
    )
    pseudonym_key_file: Path | None = Field(
        default=None,
        description=(
            "File holding the install secret for keyed pseudonyms (default data_dir/pseudonym.key)."
        ),
    )
    min_bucket_size: int = Field(
        default=100, ge=1, description="Audience buckets smaller than this are suppressed."
    )
    comment_text_retention_days: int = Field(
        default=90,
        ge=1,
        description=(
            "Days after posting that raw comment text (and its author pseudonym) is kept; "
            "afterwards `trustreach privacy enforce-retention` deletes it and only the "
            "daily conversation aggregates remain."
        ),
    )
    busy_timeout_s: float = Field(
        default=60.0,
        ge=0,
        le=86_400,
        description=(
            "Seconds a command that writes waits for another writer to finish before it "
            "gives up with 'the store is busy'."
        ),
    )
    cache_dir: Path | None = Field(
        default=None,
        description=(
            "Directory for files derived from the shipped models that may be deleted at any "
            "time (the follower-authenticity trees compiled to native code); unset means "
            "$XDG_CACHE_HOME/trustreach, else ~/.cache/trustreach."
        ),
    )
    compiled_trees: bool = Field(
        default=True,
        description=(
            "Score large batches of follower accounts with the shipped tree model compiled "
            "to native code (lleaves); false, or where it cannot be compiled, LightGBM "
            "scores them (raw scores agree within 1e-9)."
        ),
    )
    import_batch_rows: int = Field(default=50_000, ge=1, le=1_000_000)
    max_reported_errors: int = Field(default=200, ge=1)
    max_record_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        le=1 << 30,
        description=(
            "Largest record an import (or score-accounts) reads: a JSONL line, a CSV row or a "
            "Parquet cell, in bytes. A larger one is refused naming file and row, and is never "
            "held in memory, so memory stays bounded by the batch, not the input."
        ),
    )
    api_max_upload_bytes: int = Field(
        default=1 << 30,
        ge=0,
        le=1 << 40,
        description=(
            "Largest file upload (POST /api/v1/imports) in bytes; uploads are spooled to "
            "disk as they arrive, and a larger one answers 413 as soon as it crosses this."
        ),
    )
    api_rate_limit_per_minute: int = Field(
        default=1200,
        ge=0,
        le=10_000_000,
        description=(
            "Requests one API key may send a minute on average, in bursts of up to a sixth "
            "of that; more answer 429 with Retry-After. Failed authentications are limited "
            "per client address to a tenth of it. 0 turns the limits off."
        ),
    )
    api_max_body_bytes: int = Field(
        default=1 << 20,
        ge=0,
        le=1 << 30,
        description=(
            "Largest request body the API and dashboard read, in bytes; a larger one "
            "answers 413 before it is held in memory."
        ),
    )
    job_workers: int = Field(
        default=1,
        ge=1,
        le=32,
        description=(
            "Jobs (imports, audits, analyses submitted through the API) one server process "
            "runs at a time; more wait their turn, queued. Writes to one store take turns "
            "anyway, so more workers help only work that computes outside its write."
        ),
    )

    onnx_threads: int = Field(
        default=1,
        description=(
            "ONNX Runtime threads per process for the accurate text tier (sentiment, brand "
            "safety, the caption encoder): 1 to 64. One thread per process holds its speed "
            "when other work shares the cores; scale with more processes."
        ),
    )

    alert_check_interval_s: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description=(
            "A served campaign's alert rules run this many seconds (at most) after events "
            "for it were accepted, and at most once per interval (events between are "
            "taken by the next check); 0 turns these automatic checks off."
        ),
    )
    alert_sweep_s: float = Field(
        default=900.0,
        ge=0,
        le=86400,
        description=(
            "Every this many seconds a server also checks the alerts of every running "
            "campaign (for snapshots and comments imported, and for pace as time passes); "
            "0 turns the sweep off."
        ),
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split(":", 1)[0]
        allowed = ("sqlite", "postgresql", "postgresql+psycopg", "postgres")
        if scheme not in allowed:
            raise ValueError(
                f"TRUSTREACH_DATABASE_URL scheme {scheme!r} is not supported; "
                f"allowed: {', '.join(allowed)}"
            )
        if scheme in ("postgresql", "postgres"):
            value = "postgresql+psycopg:" + value.split(":", 1)[1]
        return value

    @field_validator("onnx_threads", mode="before")
    @classmethod
    def _thread_count(cls, value: object) -> int:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= ONNX_THREADS_MAX:
            raise ValueError(
                f"TRUSTREACH_ONNX_THREADS {value!r} is not allowed; allowed: a whole number "
                f"from 1 to {ONNX_THREADS_MAX} (ONNX Runtime threads per process)"
            )
        return int(text)

    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one or SQLite under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'trustreach.db'}"

    def resolved_cache_dir(self) -> Path:
        """Where derived, rebuildable files live: ``cache_dir`` or the user cache dir."""
        if self.cache_dir is not None:
            return self.cache_dir
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
        return base / "trustreach"

    def resolved_key_file(self) -> Path:
        """Where the pseudonym key lives (outside the database)."""
        return self.pseudonym_key_file or self.data_dir / "pseudonym.key"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()


def reset_settings() -> None:
    """Forget cached settings so the next :func:`get_settings` re-reads the environment."""
    get_settings.cache_clear()
