"""``trustreach users …`` and ``trustreach keys …``: people and API keys of a workspace.

The local command line acts as the operating-system user with the admin role
(:func:`trustreach.services.cli_actor`); the audit log names it ``cli:NAME``.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import Workspace, app, console, err_console
from trustreach.core import ConfigurationError, Role

users_app = typer.Typer(help="People who sign in to the dashboard.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: one workspace, one role each.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")

_ROLE_HELP = (
    "admin (people, keys, settings), analyst (import, audit, discover, propose), "
    "approver (decide, resolve disputes, deals), auditor (read-only), "
    "creator (only their own data)."
)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "—"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.read()
        password = text[:-1] if text.endswith("\n") else text
        password = password[:-1] if password.endswith("\r") else password
        if "\n" in password:
            raise ConfigurationError("--password-stdin reads one line: the password only")
        return password
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their sign-in).")],
    role: Annotated[Role, typer.Option(help=_ROLE_HELP)],
    workspace: Workspace = "default",
    creator: Annotated[
        str | None,
        typer.Option("--creator", help="For role creator: the creator_id they are."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (one line) instead of asking twice.",
        ),
    ] = False,
) -> None:
    """Add a person who signs in to the dashboard (password: at least 12 characters)."""
    password = _read_password(password_stdin)
    user = services.create_user(
        email,
        workspace=workspace,
        role=role,
        password=password,
        creator_id=creator,
        by=services.cli_actor(workspace),
    )
    creator_note = f" for creator {user.creator_id}" if user.creator_id else ""
    console.print(
        f"Created {user.email} ({user.role.value}{creator_note}) in workspace "
        f"{user.workspace} as {user.user_id}",
        markup=False,
        highlight=False,
    )


@users_app.command("list")
def users_list(workspace: Workspace = "default") -> None:
    """The people of a workspace, with role, creation day (UTC) and status (never passwords)."""
    people = services.list_users(workspace)
    if not people:
        console.print(f"No users in workspace {workspace}.", markup=False)
        return
    table = Table(title=f"Users of {workspace}")
    table.add_column("email", no_wrap=True)
    table.add_column("role", no_wrap=True)
    for column in ("creator", "created", "status"):
        table.add_column(column)
    for user in people:
        status = "active" if user.active else f"disabled {_day(user.disabled_at)}"
        table.add_row(
            user.email, user.role.value, user.creator_id or "—", _day(user.created_at), status
        )
    console.print(table)


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    workspace: Workspace = "default",
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (one line) instead of asking twice.",
        ),
    ] = False,
) -> None:
    """Give a person a new password (at least 12 characters); their sessions end."""
    password = _read_password(password_stdin)
    user = services.set_password(
        email, workspace=workspace, password=password, by=services.cli_actor(workspace)
    )
    console.print(
        f"New password set for {user.email} in workspace {user.workspace}; their sessions "
        "are ended",
        markup=False,
        highlight=False,
    )


@users_app.command("disable")
def users_disable(
    email: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    workspace: Workspace = "default",
) -> None:
    """Stop a person signing in and end their sessions (kept listed for the audit log)."""
    user = services.disable_user(email, workspace=workspace, by=services.cli_actor(workspace))
    console.print(
        f"Disabled {user.email} in workspace {user.workspace}; their sessions are ended",
        markup=False,
        highlight=False,
    )


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="admin, analyst, approver or auditor.")],
    workspace: Workspace = "default",
    label: Annotated[str, typer.Option(help="What the key is for (shown in `keys list`).")] = "",
    expires: Annotated[
        int | None,
        typer.Option("--expires", help="Days until the key stops working (default: never)."),
    ] = None,
) -> None:
    """Create an API key and print it once (only its hash is kept)."""
    token, key = services.create_key(
        workspace=workspace,
        role=role,
        label=label,
        expires_days=expires,
        by=services.cli_actor(workspace),
    )
    expiry = f"expires {_when(key.expires_at)}" if key.expires_at else "does not expire"
    err_console.print(
        f"Created API key {key.key_id} ({key.role.value}) for workspace {key.workspace}; "
        f"{expiry}. It is shown this once: store it now (only its hash is kept).",
        markup=False,
        highlight=False,
    )
    console.print(token, markup=False, highlight=False, soft_wrap=True)


@keys_app.command("list")
def keys_list(workspace: Workspace = "default") -> None:
    """The API keys of a workspace: id, role, label, who created it, expiry (UTC), status."""
    found = services.list_keys(workspace)
    if not found:
        console.print(f"No API keys in workspace {workspace}.", markup=False)
        return
    table = Table(title=f"API keys of {workspace}")
    table.add_column("key", no_wrap=True)  # ids are copied whole into `keys revoke`
    table.add_column("role", no_wrap=True)
    table.add_column("label")
    table.add_column("created by")
    for column in ("expires", "last used", "status"):
        table.add_column(column, no_wrap=True)
    for key in found:
        table.add_row(
            key.key_id,
            key.role.value,
            key.label or "—",
            key.created_by,
            _day(key.expires_at),
            _day(key.last_used_at),
            key.status(),
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (trk_…), as `keys list` shows.")],
    workspace: Workspace = "default",
) -> None:
    """Revoke an API key at once; revoking it again changes nothing."""
    key = services.revoke_key(key_id, workspace=workspace, by=services.cli_actor(workspace))
    console.print(
        f"Revoked API key {key.key_id} of workspace {key.workspace} at {_when(key.revoked_at)}",
        markup=False,
        highlight=False,
    )
