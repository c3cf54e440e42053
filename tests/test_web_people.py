"""The dashboard's People & keys page (trustreach.web._people): admins only, CSRF on every form,
one workspace only, a key's secret shown once, every change audit-logged as the admin.

The real application through FastAPI's TestClient on a real store (SQLite and
PostgreSQL) seeded by ``tests._people.seed_two_tenants``; nothing is mocked.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests._people import PASSWORD, seed_two_tenants
from tests.conftest import store_settings_for
from tests.test_web import HTTPS, Page, World, login

from trustreach import services
from trustreach.core import Actor, AuthenticationError, ConfigurationError, Role
from trustreach.web import create_web_app

KEY = re.compile(r"trk_[a-z0-9]{12}_[A-Za-z0-9_-]{20,}")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Workspaces ``acme`` and ``beta`` with one person per role (see tests/_people.py)."""
    tmp_path = tmp_path_factory.mktemp(f"people-{request.param}")
    settings = store_settings_for(request.param, tmp_path)
    found = World(settings)
    found.emails.update(seed_two_tenants(tmp_path, settings))
    return found


def signed_in(world: World, who: str) -> TestClient:
    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    assert login(c, world.emails[who]).status_code == 303
    return c


def csrf(c: TestClient) -> str:
    return Page(c.get("/").text).hidden["csrf_token"]


def people_page(c: TestClient) -> str:
    response = c.get("/people")
    assert response.status_code == 200, response.text
    return str(response.text)


def user_id(world: World, workspace: str, email: str) -> str:
    for person in services.list_users(workspace, settings=world.settings):
        if person.email == email:
            return person.user_id
    raise AssertionError(email)


def audit_actions(world: World, workspace: str) -> list[tuple[str, str, str | None]]:
    entries = services.list_audit(workspace=workspace, limit=500, settings=world.settings)
    return [(e.actor, e.action, e.subject) for e in entries]


def new_key(world: World, workspace: str, role: Role = Role.auditor) -> str:
    _secret, info = services.create_key(
        workspace=workspace, role=role, by=services.cli_actor(workspace), settings=world.settings
    )
    return info.key_id


# ------------------------------------------------------------------ who may open it


@pytest.mark.parametrize("role", ["analyst", "approver", "auditor", "creator"])
def test_only_admins_open_the_page_or_send_its_forms(world: World, role: str) -> None:
    c = signed_in(world, f"acme/{role}")
    assert c.get("/people").status_code == 403
    session_token = csrf(c)  # a valid form: only the role is wrong
    key_id = new_key(world, "acme")
    target = user_id(world, "acme", world.emails["acme/auditor"])
    forms = {
        "/people/users": {"email": "x@acme.test", "role": "analyst", "password": PASSWORD},
        f"/people/users/{target}/disable": {},
        "/people/keys": {"role": "admin", "label": "mine"},
        f"/people/keys/{key_id}/revoke": {},
    }
    for path, data in forms.items():
        response = c.post(path, data={**data, "csrf_token": session_token})
        assert response.status_code == 403, (path, response.text)
    keys = services.list_keys("acme", settings=world.settings)
    assert next(k for k in keys if k.key_id == key_id).revoked_at is None
    assert all(k.label != "mine" for k in keys)
    people = {p.email: p for p in services.list_users("acme", settings=world.settings)}
    assert people[world.emails["acme/auditor"]].active and "x@acme.test" not in people


def test_the_page_needs_a_login(world: World) -> None:
    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    response = c.get("/people", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_an_admin_sees_their_workspace_only(world: World) -> None:
    key_id = new_key(world, "beta")
    page = people_page(signed_in(world, "acme/admin"))
    for who in ("admin", "analyst", "approver", "auditor", "creator"):
        assert world.emails[f"acme/{who}"] in page
    assert "c1" in page  # the creator login's creator
    assert world.emails["beta/analyst"] not in page and key_id not in page


def test_every_control_is_labelled_and_every_header_scoped(world: World) -> None:
    parsed = Page(people_page(signed_in(world, "acme/admin")))
    assert parsed.controls, "the forms are on the page"
    for control in parsed.controls:
        assert control.get("id") in parsed.label_for, control
    assert parsed.th_without_scope == 0
    assert parsed.inline_scripts == 0 and parsed.style_attributes == 0


# ------------------------------------------------------------------ people


def test_an_admin_adds_a_person_who_can_then_sign_in(world: World) -> None:
    c = signed_in(world, "acme/admin")
    response = c.post(
        "/people/users",
        data={
            "csrf_token": csrf(c),
            "email": "New.Analyst@Acme.test",
            "role": "analyst",
            "creator_id": "",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/people?done=user"
    page = c.get("/people?done=user").text
    assert "new.analyst@acme.test" in page and "The person was added" in page
    actor = services.authenticate_user("new.analyst@acme.test", PASSWORD, settings=world.settings)
    assert actor.workspace == "acme" and actor.role is Role.analyst
    made = user_id(world, "acme", "new.analyst@acme.test")
    assert ("user:admin@acme.test", "create_user", f"user:{made}") in audit_actions(world, "acme")


def test_a_creator_login_names_a_creator_of_the_workspace(world: World) -> None:
    c = signed_in(world, "acme/admin")
    data = {"csrf_token": csrf(c), "email": "c2@acme.test", "role": "creator", "password": PASSWORD}
    without = c.post("/people/users", data={**data, "creator_id": ""})
    assert without.status_code == 422 and "creator_id is required" in without.text
    other = c.post("/people/users", data={**data, "creator_id": "b7"})  # beta's creator
    assert other.status_code == 422 and "b7" in other.text
    made = c.post("/people/users", data={**data, "creator_id": "c2"}, follow_redirects=False)
    assert made.status_code == 303
    person = next(
        p for p in services.list_users("acme", settings=world.settings) if p.email == "c2@acme.test"
    )
    assert person.role is Role.creator and person.creator_id == "c2"


def test_a_weak_password_is_refused_with_the_rule_and_the_form_kept(world: World) -> None:
    c = signed_in(world, "acme/admin")
    response = c.post(
        "/people/users",
        data={
            "csrf_token": csrf(c),
            "email": "short@acme.test",
            "role": "auditor",
            "password": "too short",
        },
    )
    assert response.status_code == 422
    assert "password too short: at least 12 characters" in response.text
    assert 'value="short@acme.test"' in response.text  # kept; the password is not echoed
    assert "too short</" not in response.text and 'value="too short"' not in response.text
    emails = {p.email for p in services.list_users("acme", settings=world.settings)}
    assert "short@acme.test" not in emails


def test_a_bad_role_names_the_allowed_roles(world: World) -> None:
    c = signed_in(world, "acme/admin")
    response = c.post(
        "/people/users",
        data={"csrf_token": csrf(c), "email": "r@acme.test", "role": "owner", "password": PASSWORD},
    )
    assert response.status_code == 422
    assert "role &#39;owner&#39; not allowed; allowed: admin, analyst" in response.text


def test_an_admin_disables_a_person_and_their_sessions_end(world: World) -> None:
    services.create_user(
        "leaving@acme.test",
        workspace="acme",
        role=Role.approver,
        password=PASSWORD,
        by=services.cli_actor("acme"),
        settings=world.settings,
    )
    leaving = TestClient(create_web_app(world.settings), base_url=HTTPS)
    assert login(leaving, "leaving@acme.test").status_code == 303
    c = signed_in(world, "acme/admin")
    target = user_id(world, "acme", "leaving@acme.test")
    response = c.post(
        f"/people/users/{target}/disable", data={"csrf_token": csrf(c)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/people?done=disabled"
    assert leaving.get("/", follow_redirects=False).status_code == 303  # session ended
    with pytest.raises(AuthenticationError):
        services.authenticate_user("leaving@acme.test", PASSWORD, settings=world.settings)
    assert ("user:admin@acme.test", "disable_user", f"user:{target}") in audit_actions(
        world, "acme"
    )


def test_an_admin_cannot_disable_themselves(world: World) -> None:
    c = signed_in(world, "acme/admin")
    me = user_id(world, "acme", world.emails["acme/admin"])
    assert f"/people/users/{me}/disable" not in people_page(c)  # no button for oneself
    response = c.post(f"/people/users/{me}/disable", data={"csrf_token": csrf(c)})
    assert response.status_code == 409
    assert "may not disable their own account" in response.text
    assert c.get("/people").status_code == 200  # still signed in
    admin = next(
        p
        for p in services.list_users("acme", settings=world.settings)
        if p.email == world.emails["acme/admin"]
    )
    assert admin.active


def test_the_service_refuses_an_admin_disabling_their_own_account(world: World) -> None:
    email = world.emails["acme/admin"]
    me = Actor("user", email, Role.admin, "acme")
    with pytest.raises(ConfigurationError, match="may not disable their own account"):
        services.disable_user(email, workspace="acme", by=me, settings=world.settings)


def test_another_workspaces_person_or_key_is_not_found(world: World) -> None:
    c = signed_in(world, "acme/admin")
    token = csrf(c)
    theirs = user_id(world, "beta", world.emails["beta/analyst"])
    their_key = new_key(world, "beta")
    assert c.post(f"/people/users/{theirs}/disable", data={"csrf_token": token}).status_code == 404
    assert c.post(f"/people/keys/{their_key}/revoke", data={"csrf_token": token}).status_code == 404
    assert c.post("/people/users/usr_nobody/disable", data={"csrf_token": token}).status_code == 404
    beta = {p.email: p for p in services.list_users("beta", settings=world.settings)}
    assert beta[world.emails["beta/analyst"]].active
    key = next(
        k for k in services.list_keys("beta", settings=world.settings) if k.key_id == their_key
    )
    assert key.revoked_at is None


# ------------------------------------------------------------------ keys


def test_a_new_key_is_shown_once_then_works_and_never_appears_again(world: World) -> None:
    c = signed_in(world, "acme/admin")
    response = c.post(
        "/people/keys",
        data={
            "csrf_token": csrf(c),
            "role": "analyst",
            "label": "nightly export",
            "expires_days": "30",
        },
        follow_redirects=False,
    )
    assert response.status_code == 200  # the answer itself, never a redirect with the secret
    assert "no-store" in response.headers["cache-control"]
    shown = KEY.findall(response.text)
    assert len(set(shown)) == 1, shown
    secret = shown[0]
    assert secret not in str(response.url) and "location" not in response.headers
    actor = services.authenticate_key(secret, settings=world.settings)
    assert (actor.workspace, actor.role) == ("acme", Role.analyst)
    page = people_page(c)
    assert actor.ident in page and "nightly export" in page  # listed by its public id
    assert secret not in page and secret.split("_", 2)[2] not in page
    info = next(
        k for k in services.list_keys("acme", settings=world.settings) if k.key_id == actor.ident
    )
    assert info.created_by == "user:admin@acme.test" and info.expires_at is not None
    records = services.list_audit(workspace="acme", limit=500, settings=world.settings)
    assert all(secret.split("_", 2)[2] not in (e.details or "") for e in records)
    assert ("user:admin@acme.test", "create_key", f"key:{actor.ident}") in audit_actions(
        world, "acme"
    )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "expires_days 0 not allowed; allowed: 1 to 3650"),
        ("soon", "expires_days &#39;soon&#39; not allowed"),
        ("99999", "expires_days 99999 not allowed"),
    ],
)
def test_a_bad_expiry_is_refused_naming_the_field(world: World, days: str, message: str) -> None:
    c = signed_in(world, "acme/admin")
    before = len(services.list_keys("acme", settings=world.settings))
    response = c.post(
        "/people/keys", data={"csrf_token": csrf(c), "role": "auditor", "expires_days": days}
    )
    assert response.status_code == 422 and message in response.text
    assert not KEY.search(response.text)
    assert len(services.list_keys("acme", settings=world.settings)) == before


def test_a_key_cannot_be_a_creator(world: World) -> None:
    c = signed_in(world, "acme/admin")
    response = c.post("/people/keys", data={"csrf_token": csrf(c), "role": "creator"})
    assert response.status_code == 422
    assert "role &#39;creator&#39; not allowed; allowed: admin, analyst, approver, auditor" in (
        response.text
    )


def test_an_admin_revokes_a_key_and_it_stops_working(world: World) -> None:
    secret, info = services.create_key(
        workspace="acme", role=Role.auditor, by=services.cli_actor("acme"), settings=world.settings
    )
    assert services.authenticate_key(secret, settings=world.settings).ident == info.key_id
    c = signed_in(world, "acme/admin")
    response = c.post(
        f"/people/keys/{info.key_id}/revoke", data={"csrf_token": csrf(c)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/people?done=revoked"
    with pytest.raises(AuthenticationError):
        services.authenticate_key(secret, settings=world.settings)
    assert f"/people/keys/{info.key_id}/revoke" not in people_page(c)  # no button any more
    assert ("user:admin@acme.test", "revoke_key", f"key:{info.key_id}") in audit_actions(
        world, "acme"
    )


# ------------------------------------------------------------------ CSRF


def test_every_form_refuses_a_post_without_the_session_token(world: World) -> None:
    c = signed_in(world, "acme/admin")
    key_id = new_key(world, "acme")
    target = user_id(world, "acme", world.emails["acme/approver"])
    forms = {
        "/people/users": {"email": "csrf@acme.test", "role": "analyst", "password": PASSWORD},
        f"/people/users/{target}/disable": {},
        "/people/keys": {"role": "admin", "label": "forged"},
        f"/people/keys/{key_id}/revoke": {},
    }
    for path, data in forms.items():
        for token in ({}, {"csrf_token": "x" * 43}):
            response = c.post(path, data={**data, **token})
            assert response.status_code == 403, (path, token)
            assert "Form refused" in response.text and not KEY.search(response.text)
    assert "csrf@acme.test" not in {
        p.email for p in services.list_users("acme", settings=world.settings)
    }
    keys = services.list_keys("acme", settings=world.settings)
    assert all(k.label != "forged" for k in keys)
    assert next(k for k in keys if k.key_id == key_id).revoked_at is None
    approver = next(
        p
        for p in services.list_users("acme", settings=world.settings)
        if p.email == world.emails["acme/approver"]
    )
    assert approver.active
