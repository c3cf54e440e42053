"""Files written so that readers and concurrent writers never see half of one."""

from __future__ import annotations

import os
import secrets
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

from trustreach.core._exceptions import ConfigurationError

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


TEMPORARY_SUFFIX = ".partial"
"""Ending of the hidden file a writer fills beside its destination (``.NAME.PID-HEX.partial``)."""


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # another user's process, or no way to tell: keep
        return True
    return True


def remove_stale_partials(path: Path) -> list[Path]:
    """Remove the temporary files that writers of ``path`` left when they were killed.

    A writer killed mid-way (``kill -9``, a power cut) leaves its hidden
    ``.NAME.PID-HEX.partial`` beside ``path``. The next write of ``path`` calls
    this: a file whose process no longer runs on this machine is removed; one of
    a running process (a concurrent writer) is kept. Returns what was removed.
    """
    removed: list[Path] = []
    prefix = f".{path.name}."
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(TEMPORARY_SUFFIX)):
            continue
        pid, _, token = name[len(prefix) : -len(TEMPORARY_SUFFIX)].partition("-")
        if not (pid.isdigit() and len(token) == 12) or _alive(int(pid)):
            continue
        with suppress(FileNotFoundError, IsADirectoryError, PermissionError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; it replaces ``path`` in one rename.

    The temporary file (hidden, ``.NAME.PID-HEX.partial``) is created empty and
    exclusively here, unique to this process and call, so two writers never
    share one; it takes the permissions of the file it replaces, or those
    :func:`open` would give a new one. The rename replaces ``path`` itself: a
    symbolic link there is replaced by the new file, its target never written
    (nor its permissions read). If the block raises,
    ``path`` is untouched and the temporary file is removed; one left by a
    killed writer is removed by the next write of ``path``
    (:func:`remove_stale_partials`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path)
    tmp = _temporary_name(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    os.close(os.open(tmp, flags, 0o666))  # the mode open() gives, less the umask
    with suppress(OSError):  # a file replaced keeps its permissions (never a link's target's)
        old = os.lstat(path)
        if stat.S_ISREG(old.st_mode):
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()
    fsync_folder(path.parent)


def _nearest_existing(path: Path) -> Path:
    here = path.absolute()
    while not os.path.lexists(here) and here.parent != here:
        here = here.parent
    return here


def _check_folder_writable(folder: Path, option: str, output: Path) -> None:
    """``folder`` (or, when missing, the nearest folder above it) can hold new files."""
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise ConfigurationError(
            f"{option} {str(output)!r} cannot be written: {str(existing)!r} is not a directory"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigurationError(
            f"{option} {str(output)!r} cannot be written: no permission to write in "
            f"{str(existing)!r}"
        )
    if existing == folder.absolute():  # the folder exists: try the real thing
        try:
            # a name no writer's partial file has: created and removed at once
            probe = folder / f".trustreach-probe.{os.getpid()}-{secrets.token_hex(6)}"
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            probe.unlink()
        except OSError as exc:
            raise ConfigurationError(
                f"{option} {str(output)!r} cannot be written: cannot write in "
                f"{str(existing)!r} ({exc.strerror or exc})"
            ) from exc


def check_output_file(path: Path, *, option: str, overwrite: bool) -> bool:
    """Check, before any work, that a command can write the file ``path``.

    Refused with a :class:`~trustreach.core.ConfigurationError` naming
    ``option`` (``--output``) and the path: a directory; a path under something
    that is not a directory, or in a folder that cannot be written; an existing
    file, symbolic link (even a dangling one) or other entry unless
    ``overwrite`` (the CLI's ``--force``). Creates nothing. Returns whether the
    write will replace an existing entry (written with
    :func:`replaced_atomically`, which replaces a link rather than following it).
    """
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        raise ConfigurationError(f"{option} {str(path)!r} is a directory; name a file")
    _check_folder_writable(path.parent, option, path)
    exists = os.path.lexists(path)
    if exists and not overwrite:
        raise ConfigurationError(
            f"{option} {str(path)!r} already exists; pass --force to replace it "
            "(or name another file)"
        )
    return exists


def check_output_folder(path: Path, *, option: str, overwrite: bool) -> bool:
    """Check, before any work, that a command can write its files into the folder ``path``.

    Refused like :func:`check_output_file`: ``path`` is not a directory (a file,
    or under one), cannot be written, or already holds entries and
    ``overwrite`` (``--force``) is not given. Returns whether the folder holds
    entries (files of the names the command writes are replaced, others kept).
    """
    path = Path(path)
    if os.path.lexists(path) and not path.is_dir():
        raise ConfigurationError(f"{option} {str(path)!r} is not a directory")
    _check_folder_writable(path, option, path)
    full = path.is_dir() and any(path.iterdir())
    if full and not overwrite:
        raise ConfigurationError(
            f"{option} {str(path)!r} is not empty; pass --force to write into it (files "
            "of the same names are replaced) or name an empty or new folder"
        )
    return full


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one rename, durable on return."""
    with replaced_atomically(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """A reviewed TOML file (rules, word lists) as a dict; errors name ``what`` and the file.

    >>> read_toml("/nonexistent/rules.toml", "disclosure rules")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trustreach.core._exceptions.ConfigurationError: disclosure rules ...: cannot be read (...)
    """
    import tomllib

    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{what} {p}: cannot be read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{what} {p}: not valid TOML ({exc})") from None
