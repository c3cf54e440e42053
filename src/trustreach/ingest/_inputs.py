"""Which files an import reads: the interchange files of a path, checked before reading.

The rule for import inputs (documented in ``docs/interchange.md``):

- the path named on the command line may be a file or a directory, or a
  symbolic link to one;
- in a directory only the entries whose name ends in an interchange extension
  are considered, and the directory is never descended into (so a link to a
  directory, even one that loops back, is ignored);
- every file read must be a regular file or a symbolic link that resolves to
  one: a link that loops or leads nowhere, a FIFO, a device (``/dev/zero``), a
  socket or a directory with an interchange name is refused with the path and
  what it is, before any file is opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from trustreach.core import ConfigurationError
from trustreach.ingest._readers import FORMATS, _unreadable, check_regular, detect_kind
from trustreach.ingest._schema import KINDS


def interchange_files(path: Path) -> list[tuple[str, str, Path]]:
    """The (kind, format, file) triples an import of ``path`` covers, in import order.

    Raises :class:`~trustreach.core.NotFoundError` for a missing path and
    :class:`~trustreach.core.ConfigurationError` for anything the importer
    will not read (see the module docstring for the rule).
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if not stat.S_ISDIR(mode):
        kind, fmt = detect_kind(path)
        check_regular(path)
        return [(kind, fmt, path)]
    found: dict[str, tuple[str, Path]] = {}
    for file in sorted(path.iterdir()):
        if file.suffix.lower() not in FORMATS:
            continue
        kind, fmt = detect_kind(file)
        if kind in found:
            raise ConfigurationError(
                f"{path}: two files hold {kind}: {found[kind][1].name} and {file.name}; keep one"
            )
        check_regular(file)
        found[kind] = (fmt, file)
    if not found:
        raise ConfigurationError(
            f"{path}: no interchange files; expected <kind>.jsonl|csv|parquet, "
            f"kind one of: {', '.join(KINDS)}"
        )
    return [(kind, *found[kind]) for kind in KINDS if kind in found]
