"""The ``trustreach`` command line: each command calls one service function."""

from trustreach.cli import _consent, _discover, _nlp, _shortlist  # noqa: F401  (each registers commands)
from trustreach.cli._app import app, main

__all__ = ["app", "main"]
