"""People, API keys and dashboard sessions: who may act, and proof that they are who they say.

- **Passwords** are hashed with Argon2id (argon2-cffi's :class:`PasswordHasher`,
  RFC 9106 low-memory profile: time cost 3, 64 MiB, parallelism 4) and never
  stored, logged or audited in clear. A sign-in with an unknown e-mail still
  verifies against a dummy hash, so both failures take about as long and say the
  same words.
- **API keys** are ``trk_<12 characters>_<secret>``: the first part is the key's
  public id, the secret is 256 random bits shown once. Only the secret's SHA-256
  is stored: a random 256-bit secret cannot be guessed from its hash, so a slow
  password hash would add cost per request and no safety.
- **Sessions** are a random cookie value (256 bits) stored only as its SHA-256,
  with a CSRF token the dashboard puts in every form.

Creating people and keys, disabling people and revoking keys append an audit
record naming the actor (:attr:`~trustreach.core.Actor.audit_name`); sign-ins do
not (they would drown the log). The local CLI acts as :func:`cli_actor`.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import re
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from trustreach.core import (
    Actor,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDenied,
    Role,
    Settings,
    get_settings,
    require_role,
)
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import (
    check_workspace,
    kept_engine,
    require_creator,
    require_workspace,
    store,
)
from trustreach.store import write_transaction
from trustreach.store._tables import api_keys, users, web_sessions
from trustreach.store._times import as_utc

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # Argon2 takes any length; this bounds the work per attempt
MAX_KEY_DAYS = 3650
KEY_PREFIX = "trk_"
_KEY_ID_ALPHABET = string.ascii_lowercase + string.digits
_KEY_ID_LENGTH = 12
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+\Z")
_LAST_USED_EVERY = timedelta(minutes=1)  # a key's last_used_at is written at most this often

LOGIN_FAILED = "e-mail or password not recognised"
KEY_FAILED = "API key not recognised, expired or revoked"
SESSION_FAILED = "session not recognised or expired; sign in again"

_hasher = PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile
_dummy_hash: str | None = None


@dataclass(frozen=True)
class UserInfo:
    """A person who can sign in (never their password or its hash)."""

    user_id: str
    workspace: str
    email: str
    role: Role
    creator_id: str | None
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        """The person may sign in."""
        return self.disabled_at is None


@dataclass(frozen=True)
class KeyInfo:
    """An API key as listed (never its secret or the secret's hash)."""

    key_id: str
    workspace: str
    role: Role
    label: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def status(self, now: datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC)):
            return "expired"
        return "active"


# --- checks -------------------------------------------------------------------------------


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return as_utc(value)


def parse_role(value: str | Role, *, allowed: tuple[Role, ...] = tuple(Role)) -> Role:
    """The role named by ``value``, or an error naming the allowed values.

    >>> parse_role("Approver")
    <Role.approver: 'approver'>
    """
    try:
        role = Role(str(value).strip().lower())
    except ValueError:
        role = None
    if role is None or role not in allowed:
        names = ", ".join(r.value for r in allowed)
        raise ConfigurationError(f"role {str(value)!r} not allowed; allowed: {names}")
    return role


def normalize_email(email: str) -> str:
    """The e-mail address as stored: trimmed and lower-cased.

    >>> normalize_email("  Sam@Acme.TEST ")
    'sam@acme.test'
    """
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ConfigurationError(
            f"email {email!r} not allowed; expected an address like name@example.com "
            "(at most 254 characters)"
        )
    return value


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigurationError(
            f"password too short: at least {MIN_PASSWORD_LENGTH} characters are required "
            f"(got {len(password)}); a phrase of several words is easy to remember"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ConfigurationError(
            f"password too long: at most {MAX_PASSWORD_LENGTH} characters (got {len(password)})"
        )


def _may_administer(by: Actor, workspace: str) -> None:
    require_role(by)  # admin only (the local CLI acts as admin)
    if by.workspace != workspace:
        raise PermissionDenied(
            f"{by.audit_name} acts in workspace {by.workspace!r} and may not change "
            f"workspace {workspace!r}"
        )


def cli_actor(workspace: str) -> Actor:
    """The local command line: the operating-system user, acting as admin of ``workspace``."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (some containers)
        name = f"uid{os.getuid()}"
    return Actor("cli", name, Role.admin, check_workspace(workspace))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _user_info(row: Any) -> UserInfo:
    return UserInfo(
        user_id=row.user_id,
        workspace=row.workspace,
        email=row.email,
        role=Role(row.role),
        creator_id=row.creator_id,
        created_at=_aware(row.created_at) or row.created_at,
        disabled_at=_aware(row.disabled_at),
    )


def _key_info(row: Any) -> KeyInfo:
    return KeyInfo(
        key_id=row.key_id,
        workspace=row.workspace,
        role=Role(row.role),
        label=row.label,
        created_by=row.created_by,
        created_at=_aware(row.created_at) or row.created_at,
        expires_at=_aware(row.expires_at),
        revoked_at=_aware(row.revoked_at),
        last_used_at=_aware(row.last_used_at),
    )


_USER_COLUMNS = (
    users.c.user_id,
    users.c.workspace,
    users.c.email,
    users.c.role,
    users.c.creator_id,
    users.c.created_at,
    users.c.disabled_at,
)
_KEY_COLUMNS = (
    api_keys.c.key_id,
    api_keys.c.workspace,
    api_keys.c.role,
    api_keys.c.label,
    api_keys.c.created_by,
    api_keys.c.created_at,
    api_keys.c.expires_at,
    api_keys.c.revoked_at,
    api_keys.c.last_used_at,
)


# --- people -------------------------------------------------------------------------------


def create_user(
    email: str,
    *,
    workspace: str,
    role: str | Role,
    password: str,
    creator_id: str | None = None,
    by: Actor,
    settings: Settings | None = None,
) -> UserInfo:
    """Add a person who can sign in to ``workspace`` with ``role`` (admins only).

    A ``creator`` login names the creator they are (``creator_id``, which must
    exist in the workspace); other roles take none. The password (at least
    :data:`MIN_PASSWORD_LENGTH` characters) is kept only as its Argon2id hash.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    email = normalize_email(email)
    chosen = parse_role(role)
    if chosen is Role.creator and not creator_id:
        raise ConfigurationError("creator_id is required for role 'creator' (--creator ID)")
    if chosen is not Role.creator and creator_id:
        raise ConfigurationError(
            f"creator_id is only for role 'creator', not for role {chosen.value!r}"
        )
    _check_password(password)
    _may_administer(by, workspace)
    password_hash = _hasher.hash(password)
    duplicate = ConfigurationError(f"email {email!r} already has an account")
    with store(settings) as engine:
        try:
            with audited_transaction(settings, engine) as connection:
                require_workspace(connection, workspace, settings)
                if creator_id:
                    require_creator(connection, workspace, creator_id)
                taken = connection.execute(
                    select(users.c.user_id).where(users.c.email == email)
                ).first()
                if taken is not None:
                    raise duplicate
                user_id = "usr_" + secrets.token_hex(8)
                now = datetime.now(UTC)
                connection.execute(
                    insert(users).values(
                        user_id=user_id,
                        workspace=workspace,
                        email=email,
                        password_hash=password_hash,
                        role=chosen.value,
                        creator_id=creator_id,
                        created_at=now,
                        disabled_at=None,
                    )
                )
                entry = record_audit(
                    settings,
                    connection,
                    actor=by.audit_name,
                    action="create_user",
                    workspace=workspace,
                    subject=f"user:{user_id}",
                    details={"role": chosen.value, "creator_id": creator_id},
                )
        except IntegrityError as error:  # another process took the address meanwhile
            raise duplicate from error
        confirm_anchor(settings, entry.head)
    return UserInfo(user_id, workspace, email, chosen, creator_id, now, None)


def _user_row(connection: Connection, email: str, workspace: str) -> Any:
    """The person's row in ``workspace``, or :class:`NotFoundError` naming them."""
    row = connection.execute(
        select(*_USER_COLUMNS).where(users.c.email == email, users.c.workspace == workspace)
    ).first()
    if row is None:
        raise NotFoundError(f"no user {email!r} in workspace {workspace!r}")
    return row


def disable_user(
    email: str, *, workspace: str, by: Actor, settings: Settings | None = None
) -> UserInfo:
    """Stop a person signing in and end their sessions (admins only); the account stays listed.

    An admin signed in as a person cannot disable their own account (another admin
    must), so a workspace is never locked out by a slip.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    email = normalize_email(email)
    _may_administer(by, workspace)
    if by.kind == "user" and by.ident == email:
        raise ConfigurationError(
            f"{email} may not disable their own account; another admin of the workspace can"
        )
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            row = _user_row(connection, email, workspace)
            if row.disabled_at is not None:
                return _user_info(row)
            now = datetime.now(UTC)
            connection.execute(
                update(users).where(users.c.user_id == row.user_id).values(disabled_at=now)
            )
            connection.execute(
                update(web_sessions)
                .where(web_sessions.c.user_id == row.user_id, web_sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            entry = record_audit(
                settings,
                connection,
                actor=by.audit_name,
                action="disable_user",
                workspace=workspace,
                subject=f"user:{row.user_id}",
                details={"role": row.role},
            )
        confirm_anchor(settings, entry.head)
    info = _user_info(row)
    return UserInfo(
        info.user_id, info.workspace, info.email, info.role, info.creator_id, info.created_at, now
    )


def set_password(
    email: str, *, workspace: str, password: str, by: Actor, settings: Settings | None = None
) -> UserInfo:
    """Give a person a new password (admins only) and end their sessions."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    email = normalize_email(email)
    _check_password(password)
    _may_administer(by, workspace)
    password_hash = _hasher.hash(password)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            row = _user_row(connection, email, workspace)
            connection.execute(
                update(users)
                .where(users.c.user_id == row.user_id)
                .values(password_hash=password_hash)
            )
            connection.execute(
                update(web_sessions)
                .where(web_sessions.c.user_id == row.user_id, web_sessions.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            entry = record_audit(
                settings,
                connection,
                actor=by.audit_name,
                action="set_password",
                workspace=workspace,
                subject=f"user:{row.user_id}",
                details={},
            )
        confirm_anchor(settings, entry.head)
    return _user_info(row)


def list_users(workspace: str, *, settings: Settings | None = None) -> list[UserInfo]:
    """The people of ``workspace``, by e-mail (no password hashes)."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        rows = connection.execute(
            select(*_USER_COLUMNS).where(users.c.workspace == workspace).order_by(users.c.email)
        ).all()
    return [_user_info(r) for r in rows]


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def authenticate_user(email: str, password: str, *, settings: Settings | None = None) -> Actor:
    """The person whose e-mail and password these are, as an :class:`Actor`.

    Unknown e-mail, wrong password and disabled account all raise
    :class:`~trustreach.core.AuthenticationError` with the same message; an
    unknown e-mail is checked against a dummy hash so it takes as long. A hash
    made with older parameters is replaced by one with the current ones.
    """
    settings = settings or get_settings()
    try:
        address = normalize_email(email)
    except ConfigurationError:
        address = None
    password = password[: MAX_PASSWORD_LENGTH + 1]
    row = None
    if address is not None:
        with store(settings) as engine, engine.connect() as connection:
            row = connection.execute(
                select(*_USER_COLUMNS, users.c.password_hash).where(users.c.email == address)
            ).first()
    stored = row.password_hash if row is not None else _dummy()
    try:
        _hasher.verify(stored, password)
        verified = row is not None
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or row is None or row.disabled_at is not None:
        raise AuthenticationError(LOGIN_FAILED)
    if _hasher.check_needs_rehash(stored):
        with store(settings) as engine, write_transaction(engine) as connection:
            connection.execute(
                update(users)
                .where(users.c.user_id == row.user_id, users.c.password_hash == stored)
                .values(password_hash=_hasher.hash(password))
            )
    return Actor("user", row.email, Role(row.role), row.workspace, row.creator_id)


# --- dashboard sessions -------------------------------------------------------------------


def start_session(
    actor: Actor, *, hours: float = 12, settings: Settings | None = None
) -> tuple[str, str]:
    """A new dashboard session for a signed-in person: ``(session token, CSRF token)``.

    The token goes in the cookie and is stored only as its SHA-256; ended and
    expired sessions of everyone are deleted here (the retention the record of
    processing states).
    """
    settings = settings or get_settings()
    if actor.kind != "user":
        raise ConfigurationError(f"only a person has dashboard sessions, not a {actor.kind!r}")
    if not 0 < hours <= 24 * 30:
        raise ConfigurationError(f"hours {hours!r} not allowed; allowed: more than 0, at most 720")
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store(settings) as engine, write_transaction(engine) as connection:
        user = connection.execute(
            select(users.c.user_id).where(
                users.c.email == actor.ident,
                users.c.workspace == actor.workspace,
                users.c.disabled_at.is_(None),
            )
        ).first()
        if user is None:
            raise AuthenticationError(SESSION_FAILED)
        connection.execute(
            delete(web_sessions).where(
                or_(web_sessions.c.expires_at <= now, web_sessions.c.revoked_at.is_not(None))
            )
        )
        connection.execute(
            insert(web_sessions).values(
                session_hash=_sha256(token),
                user_id=user.user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
                revoked_at=None,
            )
        )
    return token, csrf


def _session_row(connection: Connection, token: str) -> Any:
    return connection.execute(
        select(
            web_sessions.c.csrf_token,
            web_sessions.c.expires_at,
            web_sessions.c.revoked_at,
            users.c.email,
            users.c.role,
            users.c.workspace,
            users.c.creator_id,
            users.c.disabled_at,
        )
        .join(users, users.c.user_id == web_sessions.c.user_id)
        .where(web_sessions.c.session_hash == _sha256(token))
    ).first()


def session_actor(token: str, *, settings: Settings | None = None) -> tuple[Actor, str]:
    """The person a session token belongs to, and the session's CSRF token.

    :class:`~trustreach.core.AuthenticationError` when the token is unknown, the
    session expired or ended, or the person was disabled.
    """
    settings = settings or get_settings()
    if not token or len(token) > 200:
        raise AuthenticationError(SESSION_FAILED)
    with kept_engine(settings).connect() as connection:
        row = _session_row(connection, token)
    expires = _aware(row.expires_at) if row is not None else None
    if (
        row is None
        or row.revoked_at is not None
        or row.disabled_at is not None
        or expires is None
        or expires <= datetime.now(UTC)
    ):
        raise AuthenticationError(SESSION_FAILED)
    actor = Actor("user", row.email, Role(row.role), row.workspace, row.creator_id)
    return actor, str(row.csrf_token)


def end_session(token: str, *, settings: Settings | None = None) -> None:
    """Sign out: the session can no longer be used (an unknown token is no error)."""
    settings = settings or get_settings()
    if not token or len(token) > 200:
        return
    with store(settings) as engine, write_transaction(engine) as connection:
        connection.execute(
            update(web_sessions)
            .where(
                web_sessions.c.session_hash == _sha256(token), web_sessions.c.revoked_at.is_(None)
            )
            .values(revoked_at=datetime.now(UTC))
        )


# --- API keys -----------------------------------------------------------------------------

KEY_ROLES = (Role.admin, Role.analyst, Role.approver, Role.auditor)  # a key is no creator


def create_key(
    *,
    workspace: str,
    role: str | Role,
    label: str = "",
    expires_days: int | None = None,
    by: Actor,
    settings: Settings | None = None,
) -> tuple[str, KeyInfo]:
    """A new API key for ``workspace`` with ``role`` (admins only): ``(full key, its info)``.

    The full key ``trk_<id>_<secret>`` is returned here once and never again;
    only the secret's SHA-256 is stored.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    chosen = parse_role(role, allowed=KEY_ROLES)
    label = label.strip()
    if len(label) > 200:
        raise ConfigurationError(f"label too long: at most 200 characters (got {len(label)})")
    if expires_days is not None and not 1 <= expires_days <= MAX_KEY_DAYS:
        raise ConfigurationError(
            f"expires_days {expires_days!r} not allowed; allowed: 1 to {MAX_KEY_DAYS} days, "
            "or none for a key that does not expire"
        )
    _may_administer(by, workspace)
    key_id = KEY_PREFIX + "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(_KEY_ID_LENGTH))
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires_at = now + timedelta(days=expires_days) if expires_days is not None else None
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            require_workspace(connection, workspace, settings)
            connection.execute(
                insert(api_keys).values(
                    key_id=key_id,
                    workspace=workspace,
                    role=chosen.value,
                    label=label,
                    secret_hash=_sha256(secret),
                    created_by=by.audit_name,
                    created_at=now,
                    expires_at=expires_at,
                    revoked_at=None,
                    last_used_at=None,
                )
            )
            entry = record_audit(
                settings,
                connection,
                actor=by.audit_name,
                action="create_key",
                workspace=workspace,
                subject=f"key:{key_id}",
                details={
                    "role": chosen.value,
                    "label": label,
                    "expires_at": expires_at.isoformat() if expires_at else None,
                },
            )
        confirm_anchor(settings, entry.head)
    info = KeyInfo(key_id, workspace, chosen, label, by.audit_name, now, expires_at, None, None)
    return f"{key_id}_{secret}", info


def _split_key(token: str) -> tuple[str, str] | None:
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        return None
    ident, sep, secret = token[len(KEY_PREFIX) :].partition("_")
    if not sep or not secret or len(ident) != _KEY_ID_LENGTH:
        return None
    if any(c not in _KEY_ID_ALPHABET for c in ident):
        return None
    return KEY_PREFIX + ident, secret


def authenticate_key(token: str, *, settings: Settings | None = None) -> Actor:
    """The key a full API key string names, as an :class:`Actor` of its workspace and role.

    :class:`~trustreach.core.AuthenticationError` (one message) for a malformed,
    unknown, expired or revoked key.
    """
    settings = settings or get_settings()
    parts = _split_key(token.strip())
    if parts is None:
        raise AuthenticationError(KEY_FAILED)
    key_id, secret = parts
    engine = kept_engine(settings)
    with engine.connect() as connection:
        row = connection.execute(
            select(*_KEY_COLUMNS, api_keys.c.secret_hash).where(api_keys.c.key_id == key_id)
        ).first()
    stored = row.secret_hash if row is not None else "0" * 64
    matches = hmac.compare_digest(_sha256(secret), stored)
    if not matches or row is None:
        raise AuthenticationError(KEY_FAILED)
    info = _key_info(row)
    now = datetime.now(UTC)
    if info.status(now) != "active":
        raise AuthenticationError(KEY_FAILED)
    if info.last_used_at is None or now - info.last_used_at >= _LAST_USED_EVERY:
        with write_transaction(engine) as connection:
            connection.execute(
                update(api_keys).where(api_keys.c.key_id == key_id).values(last_used_at=now)
            )
    return Actor("key", key_id, info.role, info.workspace)


def revoke_key(
    key_id: str, *, workspace: str, by: Actor, settings: Settings | None = None
) -> KeyInfo:
    """Revoke a key of ``workspace`` at once (admins only); revoking twice changes nothing."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    _may_administer(by, workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            row = connection.execute(
                select(*_KEY_COLUMNS).where(
                    api_keys.c.key_id == key_id, api_keys.c.workspace == workspace
                )
            ).first()
            if row is None:
                raise NotFoundError(f"no API key {key_id!r} in workspace {workspace!r}")
            info = _key_info(row)
            if info.revoked_at is not None:
                return info
            now = datetime.now(UTC)
            connection.execute(
                update(api_keys).where(api_keys.c.key_id == key_id).values(revoked_at=now)
            )
            entry = record_audit(
                settings,
                connection,
                actor=by.audit_name,
                action="revoke_key",
                workspace=workspace,
                subject=f"key:{key_id}",
                details={"role": info.role.value, "label": info.label},
            )
        confirm_anchor(settings, entry.head)
    return KeyInfo(
        info.key_id,
        info.workspace,
        info.role,
        info.label,
        info.created_by,
        info.created_at,
        info.expires_at,
        now,
        info.last_used_at,
    )


def list_keys(workspace: str, *, settings: Settings | None = None) -> list[KeyInfo]:
    """The API keys of ``workspace``, newest first (no secrets, no hashes)."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        rows = connection.execute(
            select(*_KEY_COLUMNS)
            .where(api_keys.c.workspace == workspace)
            .order_by(api_keys.c.created_at.desc(), api_keys.c.key_id)
        ).all()
    return [_key_info(r) for r in rows]
