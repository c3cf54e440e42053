"""The ``--format table|json`` option that the CLI's listing commands share.

A command takes ``fmt: FormatOpt = OutputFormat.table`` and prints JSON when
``fmt is OutputFormat.json``, a rich table otherwise.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["FormatOpt", "OutputFormat"]


class OutputFormat(StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")]
