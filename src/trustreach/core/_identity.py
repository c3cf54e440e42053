"""Who is acting: the roles, and the authenticated person or key a use-case acts for.

Adapters authenticate (a dashboard session, an API key; the local CLI is the
operating-system user) and hand the services an :class:`Actor`; the services
authorise with :func:`require_role` and write :attr:`Actor.audit_name` into
every audit record they append.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from trustreach.core._exceptions import TrustreachError


class Role(StrEnum):
    """What a person or key may do in one workspace.

    - ``admin``: people, keys and settings, and everything an analyst and an approver do;
    - ``analyst``: import, audit, discover, propose shortlists;
    - ``approver``: decide shortlists, resolve disputes, create deals;
    - ``auditor``: read everything, the audit log and its verification included; change nothing;
    - ``creator``: only their own data (audits with evidence, disputes, declared
      attributes and consent, export and erasure requests).
    """

    admin = "admin"
    analyst = "analyst"
    approver = "approver"
    auditor = "auditor"
    creator = "creator"


class AuthenticationError(TrustreachError, PermissionError):
    """Credentials are missing, wrong, expired or revoked (the message never says which secret)."""


class PermissionDenied(TrustreachError, PermissionError):
    """The actor is authenticated but their role may not do this."""


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of a use-case.

    ``kind`` is ``user``, ``key`` or ``cli``; ``ident`` the user's e-mail, the key's
    public id, or the operating-system user; ``creator_id`` is set for a creator
    login and limits them to that creator's data.

    >>> Actor("user", "sam@acme.test", Role.approver, "acme").audit_name
    'user:sam@acme.test'
    """

    kind: str
    ident: str
    role: Role
    workspace: str
    creator_id: str | None = None

    @property
    def audit_name(self) -> str:
        """How the audit log names this actor (``user:EMAIL``, ``key:ID``, ``cli:NAME``)."""
        return f"{self.kind}:{self.ident}"


def require_role(actor: Actor, *allowed: Role) -> None:
    """:class:`PermissionDenied` unless the actor's role is one of ``allowed`` (admin always is).

    >>> require_role(Actor("key", "k1", Role.auditor, "acme"), Role.analyst)
    Traceback (most recent call last):
    ...
    trustreach.core._identity.PermissionDenied: role 'auditor' may not do this; ...
    """
    if actor.role is Role.admin or actor.role in allowed:
        return
    names = ", ".join(r.value for r in (Role.admin, *allowed))
    raise PermissionDenied(f"role {actor.role.value!r} may not do this; allowed: {names}")
