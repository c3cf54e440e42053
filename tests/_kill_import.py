"""Run ``trustreach import ARGS`` and SIGKILL it at its N-th event (a crash-test driver).

Used by ``tests/test_import_crash.py`` and ``scripts/fuzz_import_kill.py`` as
``python tests/_kill_import.py import PATH --workspace W``. The process kills
itself with SIGKILL (as ``kill -9`` would) just before or just after one of:

- an SQL statement SQLAlchemy sends (``sql:<verb>``);
- a batch the importer hands to the store (``batch:before`` / ``batch:after``);
- the commit (``commit:before`` / ``commit:after``);
- a file moved into place, such as the audit anchor (``replace:before:<name>`` /
  ``replace:after:<name>``).

Environment: ``KILL_AT`` is the 1-based event to die at (0: never; the run only
counts), ``KILL_EVENTS`` a file that gets each event's label, one a line, as it
happens (so the caller knows where a run died and how many events a clean run has).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any


def _install(kill_at: int, log_path: str | None) -> None:
    from sqlalchemy import event as sa_event
    from sqlalchemy.engine import Connection, Engine

    import trustreach.services._import as importer

    log = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
    seen = 0

    def happened(label: str) -> None:
        nonlocal seen
        seen += 1
        if log is not None:
            log.write(label + "\n")
            log.flush()
        if seen == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def before_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        happened("sql:" + (statement.split(None, 1) or ["?"])[0].lower())

    sa_event.listen(Engine, "before_cursor_execute", before_execute)
    sa_event.listen(Engine, "commit", lambda _conn: happened("commit:before"))

    commit_impl = Connection._commit_impl

    def commit_then(self: Connection) -> None:
        commit_impl(self)
        happened("commit:after")

    Connection._commit_impl = commit_then  # type: ignore[method-assign]

    bulk_upsert = importer.bulk_upsert

    def bulk(*args: Any, **kwargs: Any) -> Any:
        happened("batch:before")
        result = bulk_upsert(*args, **kwargs)
        happened("batch:after")
        return result

    importer.bulk_upsert = bulk  # type: ignore[assignment]

    replace = os.replace

    def replace_then(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        happened(f"replace:before:{Path(dst).name}")
        replace(src, dst, *args, **kwargs)
        happened(f"replace:after:{Path(dst).name}")

    os.replace = replace_then


if __name__ == "__main__":
    _install(int(os.environ.get("KILL_AT", "0")), os.environ.get("KILL_EVENTS"))
    from trustreach.cli import main

    sys.argv = ["trustreach", *sys.argv[1:]]
    main()
