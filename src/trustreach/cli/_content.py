"""``trustreach content …``: when to post, which hashtags, what is rising, a draft's check.

The group is defined here; each command lives in its own module
(:mod:`._content_times`, :mod:`._content_hashtags`, :mod:`._content_trends`,
:mod:`._content_draft`) and calls one service function. Every command takes
``--format table|json``; every suggestion it prints carries its evidence.
"""

from __future__ import annotations

import typer

from trustreach.cli._app import app

content_app = typer.Typer(
    help="Content guidance: best times, hashtags, rising topics, draft check; each with evidence.",
    no_args_is_help=True,
)
app.add_typer(content_app, name="content")
