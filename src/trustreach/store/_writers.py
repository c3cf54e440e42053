"""One writer at a time: write transactions that wait their turn, or say who holds the store.

Every trustreach command that changes the store does so in a
:func:`write_transaction`. Writers are serialised across processes:

* SQLite begins the transaction with ``BEGIN IMMEDIATE``, so a writer takes the
  database's write lock before it reads anything (a deferred transaction that
  reads and then writes can fail at once with ``database is locked`` when another
  writer committed in between, however long the busy timeout). While it writes,
  a small note beside the database (``<db>-writer``) says which command holds it.
* PostgreSQL takes a transaction-scoped advisory lock, so trustreach writers also
  queue one behind the other (the audit chain grows one record at a time), and
  names the command in ``application_name`` for the others to report.

A writer waits up to the busy timeout (``TRUSTREACH_BUSY_TIMEOUT_S``) for the one
before it; then :class:`~trustreach.core.StoreBusyError` says which command holds
the store, since when, and to try again. Readers never wait for writers.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from trustreach.core import StoreBusyError

_log = logging.getLogger("trustreach.store")

DEFAULT_BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another by default (``TRUSTREACH_BUSY_TIMEOUT_S``)."""

WRITE_OPTION = "trustreach_write"
"""Execution option marking a connection whose transactions write (SQLite: ``BEGIN IMMEDIATE``)."""
TIMEOUT_OPTION = "trustreach_busy_timeout_s"
"""Engine execution option: the busy timeout the engine was created with."""

# pg_advisory_xact_lock(int4, int4) key of "the store's writer": 'trst', 1
_PG_LOCK = (0x74727374, 1)
_PG_NAME = re.compile(r"^trustreach\[(\d+)\] (.*)$", re.DOTALL)
# SQLSTATEs of a lock that could not be had: lock_not_available, serialization_failure,
# deadlock_detected
_PG_BUSY = {"55P03", "40001", "40P01"}
_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)
_SQLITE_BUSY_TEXT = ("database is locked", "database table is locked", "database schema is locked")


def busy_timeout(engine: Engine) -> float:
    """The busy timeout ``engine`` was created with (see :func:`create_store_engine`)."""
    return float(engine.get_execution_options().get(TIMEOUT_OPTION, DEFAULT_BUSY_TIMEOUT_S))


def current_command(argv: list[str] | None = None) -> str:
    """This process's command line (``argv``, default ``sys.argv``) as a user would know it.

    >>> current_command(["/usr/bin/trustreach", "import", "my world/"])
    "trustreach import 'my world/'"
    >>> current_command(["-c", "--flag"])
    'python -c --flag'

    """
    argv = list(sys.argv if argv is None else argv) or ["python"]
    name = Path(argv[0]).name
    if name in ("__main__.py", "trustreach"):  # `python -m trustreach`, the console script
        argv[0] = "trustreach"
    elif argv[0] == "-c":
        argv[0:1] = ["python", "-c"]
    else:
        argv[0] = name
    line = shlex.join(argv)
    return line if len(line) <= 200 else line[:199] + "…"


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means another writer held a lock this one needed.

    SQLite's ``database is locked`` (SQLITE_BUSY / SQLITE_LOCKED), PostgreSQL's
    lock timeouts, serialization failures and deadlocks.
    """
    if not isinstance(exc, DBAPIError):
        return False
    orig: Any = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_BUSY:
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_BUSY:
        return True
    return any(t in str(orig) for t in _SQLITE_BUSY_TEXT)


def _where(engine: Engine | None) -> str:
    if engine is None:
        return "the store"
    if engine.dialect.name == "sqlite":
        return f"the store at {Path(engine.url.database or ':memory:').absolute()}"
    return f"the store at {engine.url.render_as_string(hide_password=True)}"


def busy_error(
    exc: BaseException, engine: Engine | None = None, *, where: str | None = None
) -> StoreBusyError | None:
    """The :class:`~trustreach.core.StoreBusyError` that ``exc`` means, or None.

    With the ``engine`` that waited, the message names the writer holding the
    store (when it can be known) and how long was waited; ``where`` names the
    store when there is no engine at hand.

    >>> busy_error(ValueError("database is locked")) is None
    True
    """
    if not is_busy(exc):
        return None
    who = _who(engine)
    if engine is not None:
        waited = (
            f"waited {busy_timeout(engine):g} s (TRUSTREACH_BUSY_TIMEOUT_S); nothing was written"
        )
    else:
        waited = (
            f"a lock this command needed was held ({_reason(exc)}); its transaction was rolled back"
        )
    return StoreBusyError(
        f"{where or _where(engine)} is busy with {who}; {waited}. Try again when the other "
        "command has finished (or set TRUSTREACH_BUSY_TIMEOUT_S to wait longer)"
    )


def _who(engine: Engine | None) -> str:
    """The writer holding the store, in words: its command, pid and start where known."""
    holder = None
    if engine is not None:
        with suppress(Exception):  # who holds it is a courtesy: never hide the real error
            holder = _holder(engine)
    if holder is None:
        return "another command that writes to it"
    command, pid, since = holder
    stamp = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"`{command}` (pid {pid}, writing since {stamp})"


def _waiting(engine: Engine) -> None:
    """Say, once, that this writer is waiting for another (a long wait is not a hang)."""
    _log.warning(
        "waiting for %s: it is busy with %s; waiting up to %g s (TRUSTREACH_BUSY_TIMEOUT_S)",
        _where(engine),
        _who(engine),
        busy_timeout(engine),
    )


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


# --- who holds the store --------------------------------------------------------------


def _note_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database + "-writer")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no way to tell
        return True
    return True


def _holder(engine: Engine) -> tuple[str, int, datetime] | None:
    """(command, pid, since) of the writer holding the store, where known."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT a.application_name, a.xact_start FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :c "
                    "AND l.objid = :o AND l.objsubid = 2 AND l.database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"c": _PG_LOCK[0], "o": _PG_LOCK[1]},
            ).first()
        if row is None or row[1] is None:
            return None
        found = _PG_NAME.match(row[0] or "")
        if found is None:
            return None
        return found[2], int(found[1]), row[1]
    path = _note_path(engine)
    if path is None:
        return None
    note = json.loads(path.read_text(encoding="utf-8"))
    pid = int(note["pid"])
    if pid == os.getpid() or not _alive(pid):
        return None  # left by a writer that was killed: not who holds the store now
    return str(note["command"]), pid, datetime.fromisoformat(note["since"])


@contextmanager
def _announced(engine: Engine, connection: Connection) -> Iterator[None]:
    """Say who writes while this transaction holds the store."""
    command = current_command()
    if engine.dialect.name == "postgresql":
        connection.execute(
            text("SELECT set_config('application_name', :name, true)"),
            {"name": f"trustreach[{os.getpid()}] {command}"[:63]},
        )
        yield
        return
    path = _note_path(engine)
    if path is None:
        yield
        return
    note = {"pid": os.getpid(), "command": command, "since": datetime.now(UTC).isoformat()}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(note), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a full disk, an unwritable folder: the write itself will say so
        with suppress(OSError):
            tmp.unlink()
    try:
        yield
    finally:
        with suppress(OSError):  # still holding the lock: no other writer's note to remove
            path.unlink()


# --- the transaction --------------------------------------------------------------------


def sqlite_begin(connection: Connection) -> None:
    """SQLite's ``begin`` event: ``BEGIN IMMEDIATE`` for a write transaction, else ``BEGIN``.

    The SQLAlchemy recipe for SQLite transaction control (``sqlite3`` would begin
    only at the first write, which in WAL mode can fail at once with ``database
    is locked`` when another writer committed since this one read). A writer
    first tries without waiting; if the store is held it says so (see
    :func:`_waiting`) and then waits up to the busy timeout.
    """
    if not connection.get_execution_options().get(WRITE_OPTION, False):
        connection.exec_driver_sql("BEGIN")
        return
    engine = connection.engine
    timeout_ms = round(busy_timeout(engine) * 1000)
    raw: Any = connection.connection.driver_connection
    if timeout_ms > 0:
        raw.execute("PRAGMA busy_timeout=0")
        try:
            raw.execute("BEGIN IMMEDIATE")
            return  # the store was free
        except Exception as exc:  # sqlite3.OperationalError, unwrapped here
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in _SQLITE_BUSY:
                raise
        finally:
            raw.execute(f"PRAGMA busy_timeout={timeout_ms}")
        _waiting(engine)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _take_turn(engine: Engine, connection: Connection) -> None:
    """PostgreSQL: wait (up to the busy timeout) for the writer before this one."""
    if engine.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE (see sqlite_begin) already waited
    millis = max(1, round(busy_timeout(engine) * 1000))  # lock_timeout 0 would mean "forever"
    key = {"c": _PG_LOCK[0], "o": _PG_LOCK[1]}
    free = connection.execute(  # one round trip (the select list is evaluated in order)
        text("SELECT set_config('lock_timeout', :ms, true), pg_try_advisory_xact_lock(:c, :o)"),
        {"ms": f"{millis}ms", **key},
    ).one()[1]
    if free:
        return  # the store was free
    if busy_timeout(engine) > 0:
        _waiting(engine)
    connection.execute(text("SELECT pg_advisory_xact_lock(:c, :o)"), key)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: it waits its turn, commits on success, rolls back on error.

    Use it for every transaction that changes the store (instead of
    ``engine.begin()``)::

        with write_transaction(engine) as connection:
            ...  # reads and writes; committed when the block ends

    The writer before this one is waited for up to the engine's busy timeout
    (``TRUSTREACH_BUSY_TIMEOUT_S``); then, or when a lock inside the block cannot
    be had, :class:`~trustreach.core.StoreBusyError` names the command holding
    the store and nothing of this transaction is kept.

    >>> from trustreach.store import create_store_engine
    >>> engine = create_store_engine("sqlite://")
    >>> with write_transaction(engine) as connection:
    ...     _ = connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    ...     _ = connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    >>> with engine.connect() as connection:
    ...     connection.exec_driver_sql("SELECT x FROM t").scalar_one()
    1
    """
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        try:
            with connection.begin():
                _take_turn(engine, connection)
                with _announced(engine, connection):
                    yield connection
        except DBAPIError as exc:
            busy = busy_error(exc, engine)
            if busy is None:
                raise
            raise busy from exc
