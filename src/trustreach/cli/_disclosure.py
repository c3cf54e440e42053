"""``trustreach disclosure …``: check posts against the disclosure rules; classify captions."""

from __future__ import annotations

import typer

from trustreach.cli._app import app

disclosure_app = typer.Typer(
    help="Disclosure of sponsorship and AI: check posts, classify captions.",
    no_args_is_help=True,
)
app.add_typer(disclosure_app, name="disclosure")
