"""Guards for commands that read files and write one: never overwrite an input."""

from __future__ import annotations

import os
from pathlib import Path

from trustreach.core import ConfigurationError


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.expanduser().resolve() == b.expanduser().resolve()


def refuse_overwrite(output: Path | None, option: str, inputs: dict[str, Path | None]) -> None:
    """Refuse (one ``error:`` line, exit 2) when ``output`` is the same file as an input.

    ``option`` names the output option (``--output``); ``inputs`` maps each input's
    name (an argument or option) to its path. Paths are compared after resolving
    symbolic links and ``..``, and by inode when both exist (hard links).
    """
    if output is None:
        return
    for name, source in inputs.items():
        if source is not None and _same(output, source):
            raise ConfigurationError(
                f"{option} {str(output)!r} is the same file as the input {name} "
                f"{str(source)!r}; writing there would overwrite the input: give another "
                f"{option} path"
            )


__all__ = ["refuse_overwrite"]
