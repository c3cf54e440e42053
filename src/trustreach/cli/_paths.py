"""Guards for commands that write a file the user names.

One rule for every such command (docs/cli.md, "Output files"): the output is
checked before any work (:func:`check_output`), an existing one is replaced
only with ``--force`` (:data:`Force`), never an input, and the file is written
beside its destination and renamed onto it (``core.replaced_atomically``).
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer

from trustreach.core import ConfigurationError, check_output_file, check_output_folder

Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace an existing output file (or write into an output folder that is not "
        "empty); without it such an output is refused before any work.",
    ),
]


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


def _store_files() -> list[Path]:
    """The files the configured store owns: its SQLite database (with its journals), the
    pseudonym key, and every file directly in its data folder (anchor, lock, ...)."""
    from trustreach.core import get_settings

    try:
        settings = get_settings()
    except ValueError:  # bad TRUSTREACH_* settings: the command that needs a store says so
        return []
    owned = [settings.resolved_key_file()]
    url = settings.resolved_database_url()
    if url.startswith("sqlite") and "///" in url:
        database = Path(url.split("///", 1)[1])
        owned += [database, *(database.with_name(database.name + s) for s in _JOURNALS)]
    with suppress(OSError):
        owned += [p for p in settings.data_dir.iterdir() if p.is_file()]
    return owned


_JOURNALS = ("-wal", "-shm", "-journal")


def refuse_store_files(output: Path, option: str) -> None:
    """Refuse an output that is one of the store's own files, whatever ``--force`` says."""
    for owned in _store_files():
        if _same(output, owned):
            raise ConfigurationError(
                f"{option} {str(output)!r} is the store's own file {str(owned)!r} "
                f"(TRUSTREACH_DATA_DIR); writing there would destroy it: give another "
                f"{option} path"
            )


def check_output(
    output: Path,
    option: str,
    *,
    force: bool,
    inputs: dict[str, Path | None] | None = None,
    folder: bool = False,
) -> bool:
    """Check an output file (or, with ``folder``, an output folder) before any work.

    Refuses (one ``error:`` line, exit 2) an output that is an input
    (:func:`refuse_overwrite`) or one of the store's own files
    (:func:`refuse_store_files`), even with ``force``; that cannot be written;
    or that exists (a folder: holds entries) without ``force``. Returns whether something there
    will be replaced, for :func:`replaced_note`.
    """
    refuse_overwrite(output, option, inputs or {})
    if not folder:
        refuse_store_files(output, option)
    check = check_output_folder if folder else check_output_file
    return check(output, option=option, overwrite=force)


def replaced_note(replaced: bool, *, folder: bool = False) -> str:
    """`` (replaced the file that was there)`` when ``--force`` replaced one, else ``""``."""
    if not replaced:
        return ""
    return (
        " (into a folder that was not empty)" if folder else " (replaced the file that was there)"
    )


__all__ = ["Force", "check_output", "refuse_overwrite", "replaced_note"]
