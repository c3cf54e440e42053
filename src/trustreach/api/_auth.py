"""Who is calling: ``Authorization: Bearer <API key>`` to an :class:`~trustreach.core.Actor`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from trustreach import services
from trustreach.api._limits import RateLimiter
from trustreach.core import Actor, AuthenticationError, NotFoundError, Role, Settings, require_role

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key of one workspace and role (`trustreach keys create`), as a Bearer "
    "token.",
)


class Limits:
    """The app's rate limiters: per authenticated key, and per address for failed keys."""

    def __init__(self, per_minute: int) -> None:
        self.keys = RateLimiter(per_minute=per_minute)
        self.failures = RateLimiter(per_minute=max(1, per_minute // 10) if per_minute else 0)


def settings_of(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The authenticated caller, or :class:`AuthenticationError` (401)."""
    limits: Limits = request.app.state.rate_limits
    try:
        if credentials is None or not credentials.credentials:
            raise AuthenticationError(
                "an API key is required: send the header 'Authorization: Bearer <key>'"
            )
        actor = services.authenticate_key(credentials.credentials, settings=settings_of(request))
    except AuthenticationError:
        limits.failures.take(f"address:{request.client.host if request.client else '-'}")
        raise
    limits.keys.take(actor.audit_name)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def own_creator(actor: Actor, creator_id: str) -> None:
    """A creator's login sees only their own creator: any other id is not found (404)."""
    if actor.role is Role.creator and creator_id != actor.creator_id:
        raise NotFoundError(f"creator {creator_id!r} not found")


def self_or_admin(actor: Actor, creator_id: str) -> None:
    """The creator themselves or an admin; another creator's id is not found (404)."""
    require_role(actor, Role.creator)
    own_creator(actor, creator_id)
