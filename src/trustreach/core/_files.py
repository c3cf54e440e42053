"""Files written so that readers and concurrent writers never see half of one."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

if sys.platform != "win32":
    import fcntl


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) for the block.

    Serialises writers in other processes on POSIX; a no-op on Windows.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        if sys.platform != "win32":
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield


@contextmanager
def shared_lock(path: Path) -> Iterator[None]:
    """Hold a shared advisory lock on ``path`` for the block: readers together, no writer.

    Opens ``path`` read-only, so it works in folders the reader cannot write;
    without the file (nothing was ever written under the lock) it locks nothing.
    """
    try:
        fh = path.open("r")
    except FileNotFoundError:
        yield
        return
    with fh:
        if sys.platform != "win32":
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        yield


@contextmanager
def durable(path: Path) -> Iterator[BinaryIO]:
    """Open ``path`` for writing; flush it to disk on close."""
    with path.open("wb") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a folder's new entries durable (a no-op where folders cannot be opened)."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; it replaces ``path`` in one rename.

    The temporary name is unique to this process and call, so two writers never
    share one. If the block raises, ``path`` is untouched and the temporary file
    is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp")
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()
    fsync_folder(path.parent)


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one rename, durable on return."""
    with replaced_atomically(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
