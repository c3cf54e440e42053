"""Signing secrets kept outside the database: one file per store, workspace and purpose.

A webhook's signing secret cannot be hashed (it must sign or verify each delivery), so
it is kept where a database dump, a backup or a read-only replica does not carry it:
a file of mode 0600 under the data directory (in a 0700 folder named after the store),
written atomically. The database keeps only who set it, when, and a fingerprint (the
SHA-256 of the secret, first 12 hex digits). Several servers on one PostgreSQL share
the data directory's secrets as they share the pseudonym key (docs/configuration.md).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from contextlib import suppress
from pathlib import Path

from trustreach.core import ConfigurationError, Settings
from trustreach.services._context import check_workspace, store_identity


def secret_path(settings: Settings, workspace: str, purpose: str = "shop") -> Path:
    """Where a workspace's secret for ``purpose`` is kept (``shop``: the shop webhook's,
    ``alerts``: the alert webhook's)."""
    tag = hashlib.sha256(store_identity(settings).encode()).hexdigest()[:12]
    name = check_workspace(workspace) + ("" if purpose == "shop" else f".{purpose}")
    return settings.data_dir / "webhook-secrets" / tag / f"{name}.secret"


def fingerprint(secret: str) -> str:
    """The first 12 hex digits of the secret's SHA-256: names it without revealing it."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def write_secret(path: Path, secret: str) -> None:
    """Write ``secret`` to ``path`` (mode 0600, folder 0700), replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def read_secret(settings: Settings, workspace: str, purpose: str = "shop") -> str | None:
    """The secret, or None when none is kept here (or it cannot be read)."""
    try:
        text = secret_path(settings, workspace, purpose).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError, ConfigurationError):
        return None
    return text or None
