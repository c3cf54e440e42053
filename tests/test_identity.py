"""People, API keys and dashboard sessions on both stores: hashing, expiry, revocation, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, insert, select, update

from trustreach import services
from trustreach.core import (
    Actor,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDenied,
    Role,
    Settings,
)
from trustreach.services import _identity
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import ensure_workspace
from trustreach.store import metadata
from trustreach.store._tables import api_keys, audit_log, creators, users, web_sessions

PASSWORD = "correct horse battery staple"


@pytest.fixture
def world(store_settings: Settings) -> Iterator[tuple[Settings, Engine]]:
    """Two workspaces, ``acme`` (with creator ``cr-1``) and ``globex``."""
    engine = services.open_store(store_settings)
    with audited_transaction(store_settings, engine) as connection:  # as an import would
        for workspace in ("acme", "globex"):
            ensure_workspace(connection, workspace)
        connection.execute(
            insert(creators).values(
                workspace="acme", creator_id="cr-1", display_name="Cr One", niches=[]
            )
        )
        entry = record_audit(store_settings, connection, actor="test", action="seed")
    confirm_anchor(store_settings, entry.head)
    yield store_settings, engine
    engine.dispose()


def _admin(workspace: str = "acme") -> Actor:
    return Actor("user", f"admin@{workspace}.test", Role.admin, workspace)


def _dump(engine: Engine) -> str:
    """Every row of every table, as text."""
    with engine.connect() as connection:
        return "\n".join(
            repr(row)
            for table in metadata.sorted_tables
            for row in connection.execute(select(table)).all()
        )


def _audit(engine: Engine) -> list[tuple[str, str, str | None, str]]:
    with engine.connect() as connection:
        return [
            (r.actor, r.action, r.subject, r.details)
            for r in connection.execute(select(audit_log).order_by(audit_log.c.seq))
            if r.action != "seed"
        ]


def _set(engine: Engine, table: object, where: object, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(update(table).where(where).values(**values))  # type: ignore[arg-type]


# --- people ---------------------------------------------------------------------------------


def test_password_is_kept_only_as_an_argon2id_hash(world: tuple[Settings, Engine]) -> None:
    settings, engine = world
    info = services.create_user(
        "Sam@Acme.TEST", workspace="acme", role="approver", password=PASSWORD,
        by=_admin(), settings=settings,
    )  # fmt: skip
    assert info.email == "sam@acme.test" and info.role is Role.approver
    assert not hasattr(info, "password_hash")
    with engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in _dump(engine)
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_sign_in_gives_the_person_as_actor(world: tuple[Settings, Engine]) -> None:
    settings, _ = world
    services.create_user(
        "cr@acme.test", workspace="acme", role="creator", password=PASSWORD,
        creator_id="cr-1", by=_admin(), settings=settings,
    )  # fmt: skip
    actor = services.authenticate_user(" CR@acme.test", PASSWORD, settings=settings)
    assert actor == Actor("user", "cr@acme.test", Role.creator, "acme", "cr-1")
    assert actor.audit_name == "user:cr@acme.test"


def test_every_failed_sign_in_says_the_same(world: tuple[Settings, Engine]) -> None:
    settings, _ = world
    services.create_user(
        "sam@acme.test", workspace="acme", role="analyst", password=PASSWORD,
        by=_admin(), settings=settings,
    )  # fmt: skip
    messages = set()
    for email, password in (
        ("sam@acme.test", PASSWORD + "!"),
        ("nobody@acme.test", PASSWORD),
        ("not an address", PASSWORD),
        ("sam@acme.test", ""),
    ):
        with pytest.raises(AuthenticationError) as caught:
            services.authenticate_user(email, password, settings=settings)
        messages.add(str(caught.value))
    services.disable_user("sam@acme.test", workspace="acme", by=_admin(), settings=settings)
    with pytest.raises(AuthenticationError) as caught:
        services.authenticate_user("sam@acme.test", PASSWORD, settings=settings)
    messages.add(str(caught.value))
    assert messages == {_identity.LOGIN_FAILED}
    assert PASSWORD not in _identity.LOGIN_FAILED


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(
    world: tuple[Settings, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, engine = world
    with monkeypatch.context() as patch:
        patch.setattr(_identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192))
        services.create_user(
            "old@acme.test", workspace="acme", role="auditor", password=PASSWORD,
            by=_admin(), settings=settings,
        )  # fmt: skip
    with engine.connect() as connection:
        before = connection.execute(select(users.c.password_hash)).scalar_one()
    assert "m=8192" in before
    services.authenticate_user("old@acme.test", PASSWORD, settings=settings)
    with engine.connect() as connection:
        after = connection.execute(select(users.c.password_hash)).scalar_one()
    assert after.startswith("$argon2id$") and "m=65536" in after
    assert services.authenticate_user("old@acme.test", PASSWORD, settings=settings).role is (
        Role.auditor
    )


def test_bad_people_are_refused_with_the_field_named(world: tuple[Settings, Engine]) -> None:
    settings, _ = world

    def create(email: str = "x@acme.test", **changes: object) -> None:
        arguments: dict[str, object] = {
            "workspace": "acme", "role": "analyst", "password": PASSWORD, "by": _admin(),
            "settings": settings,
        }  # fmt: skip
        arguments.update(changes)
        services.create_user(email, **arguments)  # type: ignore[arg-type]

    with pytest.raises(ConfigurationError, match="at least 12 characters"):
        create(password="short-pass")
    with pytest.raises(ConfigurationError, match=r"role 'owner' not allowed; allowed: admin, an"):
        create(role="owner")
    with pytest.raises(ConfigurationError, match="email 'x-at-acme' not allowed"):
        create("x-at-acme")
    with pytest.raises(ConfigurationError, match="creator_id is required"):
        create(role="creator")
    with pytest.raises(ConfigurationError, match="only for role 'creator'"):
        create(creator_id="cr-1")
    with pytest.raises(NotFoundError, match="creator 'cr-9' not found"):
        create(role="creator", creator_id="cr-9")
    with pytest.raises(NotFoundError, match="workspace 'initech' does not exist"):
        create(workspace="initech", by=_admin("initech"))
    create()
    with pytest.raises(ConfigurationError, match="already has an account"):
        create("X@ACME.test", workspace="globex", by=_admin("globex"))
    assert [u.email for u in services.list_users("acme", settings=settings)] == ["x@acme.test"]
    assert services.list_users("globex", settings=settings) == []


def test_only_an_admin_of_the_workspace_creates_people(world: tuple[Settings, Engine]) -> None:
    settings, engine = world
    for by in (
        Actor("user", "ann@acme.test", Role.analyst, "acme"),
        Actor("key", "trk_aaaaaaaaaaaa", Role.approver, "acme"),
        _admin("globex"),
    ):
        with pytest.raises(PermissionDenied):
            services.create_user(
                "new@acme.test", workspace="acme", role="admin", password=PASSWORD,
                by=by, settings=settings,
            )  # fmt: skip
    assert services.list_users("acme", settings=settings) == []
    assert _audit(engine) == []


# --- API keys -------------------------------------------------------------------------------


def test_a_key_is_shown_once_and_only_its_hash_is_stored(world: tuple[Settings, Engine]) -> None:
    settings, engine = world
    token, info = services.create_key(
        workspace="acme", role="analyst", label="ci", by=_admin(), settings=settings
    )
    key_id, secret = token[:16], token[17:]
    assert token == f"{info.key_id}_{secret}" and key_id == info.key_id
    assert key_id.startswith("trk_") and len(secret) >= 43
    assert secret not in _dump(engine)
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    with engine.connect() as connection:
        stored = connection.execute(select(api_keys.c.secret_hash)).scalar_one()
    assert len(stored) == 64 and stored != secret
    listed = services.list_keys("acme", settings=settings)
    assert [k.key_id for k in listed] == [key_id]
    assert not hasattr(listed[0], "secret_hash") and listed[0].status() == "active"


def test_a_key_acts_in_its_own_workspace_with_its_role(world: tuple[Settings, Engine]) -> None:
    settings, engine = world
    token, info = services.create_key(
        workspace="globex", role="auditor", by=_admin("globex"), settings=settings
    )
    actor = services.authenticate_key(token, settings=settings)
    assert actor == Actor("key", info.key_id, Role.auditor, "globex")
    assert services.list_keys("acme", settings=settings) == []
    with engine.connect() as connection:
        assert connection.execute(select(api_keys.c.last_used_at)).scalar_one() is not None


def test_wrong_malformed_expired_and_revoked_keys_fail_alike(
    world: tuple[Settings, Engine],
) -> None:
    settings, engine = world
    token, info = services.create_key(
        workspace="acme", role="approver", expires_days=30, by=_admin(), settings=settings
    )
    assert info.expires_at is not None
    assert timedelta(days=29) < info.expires_at - datetime.now(UTC) <= timedelta(days=30)
    services.authenticate_key(token, settings=settings)
    bad = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # wrong secret
        "trk_zzzzzzzzzzzz" + token[16:],  # unknown id, right secret
        token.replace("_", "-"),
        "",
        "Bearer " + token,
        token + "x" * 300,
    ]
    for candidate in bad:
        with pytest.raises(AuthenticationError, match=_identity.KEY_FAILED):
            services.authenticate_key(candidate, settings=settings)
    _set(engine, api_keys, api_keys.c.key_id == info.key_id,
         expires_at=datetime.now(UTC) - timedelta(seconds=1))  # fmt: skip
    with pytest.raises(AuthenticationError, match=_identity.KEY_FAILED):
        services.authenticate_key(token, settings=settings)
    assert services.list_keys("acme", settings=settings)[0].status() == "expired"

    live, live_info = services.create_key(
        workspace="acme", role="analyst", by=_admin(), settings=settings
    )
    services.authenticate_key(live, settings=settings)
    revoked = services.revoke_key(live_info.key_id, workspace="acme", by=_admin(),
                                  settings=settings)  # fmt: skip
    assert revoked.status() == "revoked"
    with pytest.raises(AuthenticationError, match=_identity.KEY_FAILED):
        services.authenticate_key(live, settings=settings)
    again = services.revoke_key(live_info.key_id, workspace="acme", by=_admin(),
                                settings=settings)  # fmt: skip
    assert again.revoked_at == revoked.revoked_at
    assert [a[1] for a in _audit(engine)].count("revoke_key") == 1


def test_keys_of_another_workspace_cannot_be_touched(world: tuple[Settings, Engine]) -> None:
    settings, _ = world
    token, info = services.create_key(
        workspace="acme", role="analyst", by=_admin(), settings=settings
    )
    with pytest.raises(NotFoundError, match="no API key"):
        services.revoke_key(info.key_id, workspace="globex", by=_admin("globex"),
                            settings=settings)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.revoke_key(info.key_id, workspace="acme", by=_admin("globex"),
                            settings=settings)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.create_key(workspace="acme", role="admin", by=_admin("globex"),
                            settings=settings)  # fmt: skip
    assert services.authenticate_key(token, settings=settings).workspace == "acme"


def test_bad_keys_are_refused_with_the_field_named(world: tuple[Settings, Engine]) -> None:
    settings, _ = world
    with pytest.raises(ConfigurationError, match=r"role 'creator' not allowed; allowed: admin"):
        services.create_key(workspace="acme", role="creator", by=_admin(), settings=settings)
    with pytest.raises(ConfigurationError, match="expires_days 0 not allowed; allowed: 1 to"):
        services.create_key(
            workspace="acme", role="analyst", expires_days=0, by=_admin(), settings=settings
        )
    with pytest.raises(PermissionDenied):
        services.create_key(
            workspace="acme", role="auditor", by=Actor("key", "trk_x", Role.analyst, "acme"),
            settings=settings,
        )  # fmt: skip
    assert services.list_keys("acme", settings=settings) == []


# --- sessions -------------------------------------------------------------------------------


def _signed_in(settings: Settings, email: str = "sam@acme.test") -> Actor:
    services.create_user(
        email, workspace="acme", role="approver", password=PASSWORD, by=_admin(),
        settings=settings,
    )  # fmt: skip
    return services.authenticate_user(email, PASSWORD, settings=settings)


def test_a_session_names_its_person_and_is_stored_hashed(world: tuple[Settings, Engine]) -> None:
    settings, engine = world
    actor = _signed_in(settings)
    token, csrf = services.start_session(actor, settings=settings)
    assert services.session_actor(token, settings=settings) == (actor, csrf)
    assert token not in _dump(engine) and csrf != token
    other, other_csrf = services.start_session(actor, settings=settings)
    assert other != token and other_csrf != csrf
    services.end_session(token, settings=settings)
    with pytest.raises(AuthenticationError, match="sign in again"):
        services.session_actor(token, settings=settings)
    assert services.session_actor(other, settings=settings)[0] == actor
    with pytest.raises(AuthenticationError):
        services.session_actor("made-up", settings=settings)


def test_expired_sessions_fail_and_are_deleted_at_the_next_sign_in(
    world: tuple[Settings, Engine],
) -> None:
    settings, engine = world
    actor = _signed_in(settings)
    old, _ = services.start_session(actor, hours=1, settings=settings)
    _set(engine, web_sessions, web_sessions.c.expires_at.is_not(None),
         expires_at=datetime.now(UTC) - timedelta(seconds=1))  # fmt: skip
    with pytest.raises(AuthenticationError):
        services.session_actor(old, settings=settings)
    services.start_session(actor, settings=settings)
    with engine.connect() as connection:
        assert len(connection.execute(select(web_sessions)).all()) == 1


def test_disabling_a_person_ends_their_sessions(world: tuple[Settings, Engine]) -> None:
    settings, _ = world
    actor = _signed_in(settings)
    token, _ = services.start_session(actor, settings=settings)
    services.disable_user("sam@acme.test", workspace="acme", by=_admin(), settings=settings)
    with pytest.raises(AuthenticationError):
        services.session_actor(token, settings=settings)
    with pytest.raises(AuthenticationError):
        services.start_session(actor, settings=settings)
    with pytest.raises(ConfigurationError, match="only a person"):
        services.start_session(Actor("key", "trk_x", Role.admin, "acme"), settings=settings)


# --- the audit log --------------------------------------------------------------------------


def test_audit_records_name_the_actor_and_hold_no_secret(world: tuple[Settings, Engine]) -> None:
    settings, engine = world
    cli = services.cli_actor("acme")
    assert cli.kind == "cli" and cli.role is Role.admin and cli.workspace == "acme"
    user = services.create_user(
        "ann@acme.test", workspace="acme", role="admin", password=PASSWORD, by=cli,
        settings=settings,
    )  # fmt: skip
    ann = services.authenticate_user("ann@acme.test", PASSWORD, settings=settings)
    token, key = services.create_key(
        workspace="acme", role="analyst", label="nightly", by=ann, settings=settings
    )
    services.revoke_key(key.key_id, workspace="acme", by=ann, settings=settings)
    records = _audit(engine)
    assert [(a, b, c) for a, b, c, _ in records] == [
        (cli.audit_name, "create_user", f"user:{user.user_id}"),
        ("user:ann@acme.test", "create_key", f"key:{key.key_id}"),
        ("user:ann@acme.test", "revoke_key", f"key:{key.key_id}"),
    ]
    text = repr(records)
    assert PASSWORD not in text and token.split("_", 2)[2] not in text and "$argon2" not in text
    assert key.created_by == "user:ann@acme.test"
    head = services.verify_audit_log(settings)
    assert head is not None and head.seq == 4


def test_a_new_password_replaces_the_old_and_ends_sessions(world: tuple[Settings, Engine]) -> None:
    settings, engine = world
    actor = _signed_in(settings)
    token, _ = services.start_session(actor, settings=settings)
    new = "a different long passphrase"
    with pytest.raises(PermissionDenied):
        services.set_password("sam@acme.test", workspace="acme", password=new, by=actor,
                              settings=settings)  # fmt: skip
    services.set_password("sam@acme.test", workspace="acme", password=new, by=_admin(),
                          settings=settings)  # fmt: skip
    with pytest.raises(AuthenticationError):
        services.authenticate_user("sam@acme.test", PASSWORD, settings=settings)
    assert services.authenticate_user("sam@acme.test", new, settings=settings) == actor
    with pytest.raises(AuthenticationError):
        services.session_actor(token, settings=settings)
    assert _audit(engine)[-1][:2] == (_admin().audit_name, "set_password")
    assert new not in _dump(engine)


def test_demo_logins_one_per_role_each_signs_in(world: tuple[Settings, Engine]) -> None:
    settings, _ = world
    first = services.ensure_demo_logins("acme", settings=settings)
    assert sorted(role for _, role, _ in first) == sorted(r.value for r in Role)
    for email, role, password in first:
        actor = services.authenticate_user(email, password, settings=settings)
        assert (actor.role.value, actor.workspace) == (role, "acme")
        assert actor.creator_id == ("cr-1" if role == "creator" else None)
        assert len(password) >= _identity.MIN_PASSWORD_LENGTH
    again = services.ensure_demo_logins("acme", settings=settings)  # new passwords
    assert [e for e, _, _ in again] == [e for e, _, _ in first]
    email, _, old = first[0]
    with pytest.raises(AuthenticationError):
        services.authenticate_user(email, old, settings=settings)
    assert len(services.list_users("acme", settings=settings)) == len(Role)
    services.create_user("real@globex.test", workspace="globex", role="admin",
                         password=PASSWORD, by=_admin("globex"), settings=settings)  # fmt: skip
    with pytest.raises(ConfigurationError, match="not demo logins"):
        services.ensure_demo_logins("globex", settings=settings)
