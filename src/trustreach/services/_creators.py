"""Finding a creator the way a person names one: by id, display name or handle."""

from __future__ import annotations

import difflib

from sqlalchemy import Connection, select

from trustreach.core import ConfigurationError, NotFoundError, Settings, closest_id, get_settings
from trustreach.services._context import check_workspace, display_names, require_workspace, store
from trustreach.store._tables import creator_accounts, creators


def _describe(connection: Connection, workspace: str, creator_ids: list[str]) -> list[str]:
    """``cr-0027 (Kofi | Gaming: @gameswithkofi on tiktok, …)`` per creator, in id order."""
    names = display_names(connection, workspace, creator_ids)
    handles: dict[str, list[str]] = {}
    for creator_id, handle, platform in connection.execute(
        select(
            creator_accounts.c.creator_id, creator_accounts.c.handle, creator_accounts.c.platform
        )
        .where(
            creator_accounts.c.workspace == workspace,
            creator_accounts.c.creator_id.in_(creator_ids),
        )
        .order_by(creator_accounts.c.platform, creator_accounts.c.handle)
    ):
        handles.setdefault(creator_id, []).append(f"@{handle} on {platform}")
    return [
        f"{c} ({names.get(c, '?')}" + (f": {', '.join(handles[c])})" if c in handles else ")")
        for c in sorted(creator_ids)
    ]


def resolve_creator(
    reference: str, *, workspace: str = "default", settings: Settings | None = None
) -> str:
    """The creator_id a person meant by ``reference``: an id, a display name or a handle.

    An exact ``creator_id`` wins. Otherwise display names and account handles
    (with or without ``@``) are compared without regard to case; one creator
    matching is the answer. Several creators matching (two creators may share a
    display name) raise :class:`~trustreach.core.ConfigurationError` listing
    each candidate's id, name and handles; none matching raises
    :class:`~trustreach.core.NotFoundError` with the closest creator_id and
    display names, if any ("did you mean 'cr-0042'?").
    """
    wanted = reference.strip()
    if not wanted:
        raise ConfigurationError("creator must not be empty: give a creator_id, name or handle")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings, create=False) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        exact = connection.execute(
            select(creators.c.creator_id).where(
                creators.c.workspace == workspace, creators.c.creator_id == wanted
            )
        ).scalar()
        if exact is not None:
            return str(exact)
        folded = wanted.casefold()
        handle = folded.removeprefix("@")
        named = {
            str(c)
            for c, name in connection.execute(
                select(creators.c.creator_id, creators.c.display_name).where(
                    creators.c.workspace == workspace
                )
            )
            if name.strip().casefold() == folded
        }
        handled = {
            str(c)
            for c, h in connection.execute(
                select(creator_accounts.c.creator_id, creator_accounts.c.handle).where(
                    creator_accounts.c.workspace == workspace
                )
            )
            if h.casefold().removeprefix("@") == handle
        }
        found = sorted(named | handled)
        if len(found) == 1:
            return found[0]
        if found:
            candidates = "; ".join(_describe(connection, workspace, found))
            raise ConfigurationError(
                f"creator {reference!r} is ambiguous in workspace {workspace!r}: "
                f"{len(found)} creators match: {candidates}; give the creator_id"
            )
        ids = list(
            connection.execute(
                select(creators.c.creator_id).where(creators.c.workspace == workspace)
            ).scalars()
        )
        names = list(
            connection.execute(
                select(creators.c.display_name).where(creators.c.workspace == workspace)
            ).scalars()
        )
        close = closest_id(wanted, ids) + difflib.get_close_matches(wanted, names, n=3, cutoff=0.75)
        close = list(dict.fromkeys(close))
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise NotFoundError(
            f"creator {reference!r} not found in workspace {workspace!r}: no creator_id, "
            f"display name or handle matches{hint}"
        )


__all__ = ["resolve_creator"]
