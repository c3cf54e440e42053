"""Few, specific exceptions under one base class.

Each refines a builtin as well, so callers that only know ``ValueError`` or
``LookupError`` still catch them. Messages name the bad value and what is
allowed; the CLI translates them to exit codes in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


class TrustreachError(Exception):
    """Base class of every error trustreach raises on purpose."""


class ConfigurationError(TrustreachError, ValueError):
    """A setting is missing or has a value outside what is allowed."""


class NotFoundError(TrustreachError, LookupError):
    """A named thing (workspace, creator, file) does not exist."""


class StoreBusyError(TrustreachError, RuntimeError):
    """Another writer held the store longer than this one could wait; nothing was written.

    The message names the store, the command holding it where known, how long
    was waited (``TRUSTREACH_BUSY_TIMEOUT_S``) and says to try again.
    """


@dataclass(frozen=True)
class RecordError:
    """One problem in one record of an input file.

    Attributes
    ----------
    file : str
        The file the record came from.
    row : int
        1-based record number (line for JSONL, data row for CSV, row for Parquet);
        0 when the problem concerns the whole file.
    field : str | None
        The field at fault, or None when the record as a whole is broken.
    value : str | None
        The offending value, shortened for display.
    message : str
        What is wrong and what is allowed.
    """

    file: str
    row: int
    field: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: row {self.row}" if self.row else self.file
        if self.field:
            where += f", field '{self.field}'"
        got = f" (got {self.value})" if self.value is not None else ""
        return f"{where}: {self.message}{got}"


class ImportValidationError(TrustreachError, ValueError):
    """An input file was refused; nothing was written.

    ``errors`` lists every problem found (up to a cap), file by file in the order
    the files were read and in row order within each file,
    each naming the file, row, field, bad value and what is allowed. ``task``
    says what was refused (``import``, ``scoring``) and ``outcome`` what that
    means for the user's data (an import writes nothing to the database; scoring
    writes no output file).

    >>> late = RecordError("a.csv", 2, "x", "-1", "bad")
    >>> early = RecordError("a.csv", 1, "y", None, "bad")
    >>> e = ImportValidationError([late, early], task="scoring", outcome="no output file written")
    >>> [r.row for r in e.errors]
    [1, 2]
    >>> str(e).split(":")[0]
    'scoring refused, no output file written'
    """

    def __init__(
        self,
        errors: list[RecordError],
        *,
        truncated: bool = False,
        task: str = "import",
        outcome: str = "nothing was written, the database is unchanged",
    ) -> None:
        files: dict[str, int] = {}  # files keep the order they were read in
        for e in errors:
            files.setdefault(e.file, len(files))
        self.errors = sorted(errors, key=lambda e: (files[e.file], e.row))
        self.truncated = truncated
        self.task = task
        self.outcome = outcome
        head = "; ".join(str(e) for e in self.errors[:3])
        more = f" (and {len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
        super().__init__(f"{task} refused, {outcome}: {head}{more}")


class AuditChainError(TrustreachError, ValueError):
    """The audit log's hash chain is broken at ``seq``."""

    def __init__(self, seq: int, reason: str) -> None:
        self.seq = seq
        self.reason = reason
        super().__init__(f"audit log broken at record {seq}: {reason}")
