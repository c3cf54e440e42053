"""The ``trustreach`` command line: each command calls one service function."""

from trustreach.cli._app import app, main

__all__ = ["app", "main"]
