"""Run the ``trustreach`` entry point in this process, as a user's shell would, and capture it."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from unittest.mock import patch

from trustreach.cli import main


def run_main(*args: str) -> tuple[int, str, str]:
    """``(exit status, stdout, stderr)`` of ``trustreach ARGS`` through :func:`main`.

    Any exception :func:`main` lets through (a traceback a user would see)
    propagates to the test.
    """
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        redirect_stdout(out),
        redirect_stderr(err),
        patch.object(sys, "argv", ["trustreach", *args]),
    ):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()
