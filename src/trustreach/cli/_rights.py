"""``trustreach rights …``: data-subject requests (access, export, rectification, erasure,
objection) for creators, followers and commenters, each logged with its legal deadline."""

from __future__ import annotations

import typer

from trustreach.cli._app import app

rights_app = typer.Typer(
    help="Data-subject rights: requests with their legal deadlines.", no_args_is_help=True
)
app.add_typer(rights_app, name="rights")
