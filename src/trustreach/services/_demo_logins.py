"""One sign-in per role for a demo world, with generated passwords to print.

Only for a workspace whose people are all demo logins (a workspace with anyone
else in it is refused), so a real workspace never gets an admin whose password
was printed on a terminal.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from trustreach.core import ConfigurationError, Role, Settings, get_settings
from trustreach.services._context import check_workspace, store
from trustreach.services._identity import (
    cli_actor,
    create_user,
    list_users,
    set_password,
)
from trustreach.store._tables import creators


def demo_email(role: Role, workspace: str) -> str:
    """The demo login of ``role`` in ``workspace``.

    >>> demo_email(Role.approver, "demo")
    'approver@demo.example'
    """
    return f"{role.value}@{workspace}.example"


def ensure_demo_logins(
    workspace: str = "demo", *, settings: Settings | None = None
) -> list[tuple[str, str, str]]:
    """``(email, role, password)`` for one person per role, made now or given new passwords.

    The creator login is the workspace's first creator by id. Every login and
    password change is audit-logged as the local command line (``cli:NAME``).
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    wanted = {demo_email(role, workspace): role for role in Role}
    existing = {u.email for u in list_users(workspace, settings=settings)}
    others = sorted(existing - set(wanted))
    if others:
        raise ConfigurationError(
            f"workspace {workspace!r} has people who are not demo logins ({', '.join(others)}); "
            "demo logins are made only in a demo workspace"
        )
    with store(settings) as engine, engine.connect() as connection:
        first_creator = connection.execute(
            select(creators.c.creator_id)
            .where(creators.c.workspace == workspace)
            .order_by(creators.c.creator_id)
            .limit(1)
        ).scalar()
    by = cli_actor(workspace)
    logins = []
    for email, role in wanted.items():
        if role is Role.creator and first_creator is None:
            continue  # no creator in the workspace: no creator login
        password = secrets.token_urlsafe(12)  # 16 characters, 96 random bits
        if email in existing:
            set_password(email, workspace=workspace, password=password, by=by, settings=settings)
        else:
            create_user(
                email,
                workspace=workspace,
                role=role,
                password=password,
                creator_id=first_creator if role is Role.creator else None,
                by=by,
                settings=settings,
            )
        logins.append((email, role.value, password))
    return logins
