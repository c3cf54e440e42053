"""``trustreach users …`` and ``trustreach keys …`` through the entry point, as a user runs them."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from unittest.mock import patch

import pytest
from tests._main import run_main
from tests._world import write_world
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import AuthenticationError, Role, get_settings

PASSWORD = "correct horse battery staple"


@pytest.fixture
def acme(tmp_path: Path) -> str:
    """A store (the data directory the test environment names) with workspace ``acme``."""
    code, _, err = run_main("import", str(write_world(tmp_path / "world")), "--workspace", "acme")
    assert code == 0, err
    return "acme"


def _with_stdin(text: str, *args: str) -> tuple[int, str, str]:
    with patch.object(sys, "stdin", io.StringIO(text)):
        return run_main(*args)


def test_users_create_reads_the_password_once_from_stdin(acme: str) -> None:
    code, out, err = _with_stdin(
        PASSWORD + "\n", "users", "create", "Ann@Acme.test", "--workspace", acme,
        "--role", "approver", "--password-stdin",
    )  # fmt: skip
    assert code == 0, err
    assert "Created ann@acme.test (approver) in workspace acme" in out
    assert PASSWORD not in out + err
    actor = services.authenticate_user("ann@acme.test", PASSWORD)
    assert actor.role is Role.approver and actor.workspace == acme
    code, out, _ = run_main("users", "list", "--workspace", acme)
    assert code == 0 and "ann@acme.test" in out and "approver" in out and "$argon2" not in out
    last = services.list_audit(workspace=acme, limit=1)[0]
    assert last.action == "create_user" and last.actor == services.cli_actor(acme).audit_name


def test_users_create_asks_twice_with_hidden_input(acme: str) -> None:
    result = CliRunner().invoke(
        app,
        ["users", "create", "cr@acme.test", "--workspace", acme, "--role", "creator",
         "--creator", "c1"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert services.authenticate_user("cr@acme.test", PASSWORD).creator_id == "c1"


def test_users_create_refuses_bad_input_in_one_line(acme: str) -> None:
    code, _, err = _with_stdin(
        "too-short\n", "users", "create", "x@acme.test", "--workspace", acme,
        "--role", "analyst", "--password-stdin",
    )  # fmt: skip
    assert code == 2 and err.startswith("error:") and "at least 12 characters" in err
    code, _, err = _with_stdin(
        PASSWORD, "users", "create", "x@acme.test", "--workspace", acme, "--role", "owner",
        "--password-stdin",
    )  # fmt: skip
    assert code == 2 and "'owner'" in err and "admin" in err and "creator" in err
    code, _, err = _with_stdin(
        PASSWORD, "users", "create", "x@acme.test", "--workspace", "initech", "--role",
        "analyst", "--password-stdin",
    )  # fmt: skip
    assert code == 2 and "workspace 'initech' does not exist" in err
    assert services.list_users(acme) == []


def test_a_disabled_user_cannot_sign_in(acme: str) -> None:
    _with_stdin(
        PASSWORD, "users", "create", "sam@acme.test", "--workspace", acme, "--role", "analyst",
        "--password-stdin",
    )  # fmt: skip
    code, out, err = run_main("users", "disable", "sam@acme.test", "--workspace", acme)
    assert code == 0, err
    assert "Disabled sam@acme.test" in out
    with pytest.raises(AuthenticationError):
        services.authenticate_user("sam@acme.test", PASSWORD)
    assert "disabled" in run_main("users", "list", "--workspace", acme)[1]


def test_keys_create_prints_the_key_once_then_list_and_revoke(acme: str) -> None:
    code, out, err = run_main(
        "keys", "create", "--workspace", acme, "--role", "auditor", "--label", "ci",
        "--expires", "7",
    )  # fmt: skip
    assert code == 0, err
    token = out.strip()
    assert token.startswith("trk_") and "\n" not in token
    assert "shown this once" in err and token not in err
    actor = services.authenticate_key(token)
    assert (actor.role, actor.workspace) == (Role.auditor, acme)
    key_id = actor.ident
    code, out, _ = run_main("keys", "list", "--workspace", acme)
    assert code == 0 and key_id in out and "active" in out and token not in out
    code, out, err = run_main("keys", "revoke", key_id, "--workspace", acme)
    assert code == 0 and f"Revoked API key {key_id}" in out, err
    with pytest.raises(AuthenticationError):
        services.authenticate_key(token)
    assert "revoked" in run_main("keys", "list", "--workspace", acme)[1]
    secret = token.split("_", 2)[2]
    for path in get_settings().data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_keys_refuse_bad_input_in_one_line(acme: str) -> None:
    code, _, err = run_main("keys", "create", "--workspace", acme, "--role", "creator")
    assert code == 2 and "role 'creator' not allowed" in err
    code, _, err = run_main("keys", "create", "--workspace", acme, "--role", "analyst",
                            "--expires", "0")  # fmt: skip
    assert code == 2 and "expires_days 0 not allowed" in err
    code, _, err = run_main("keys", "revoke", "trk_nosuchkey000", "--workspace", acme)
    assert code == 2 and "no API key 'trk_nosuchkey000'" in err


def test_users_set_password_replaces_the_password(acme: str) -> None:
    _with_stdin(
        PASSWORD, "users", "create", "sam@acme.test", "--workspace", acme, "--role", "analyst",
        "--password-stdin",
    )  # fmt: skip
    new = "another long passphrase"
    code, out, err = _with_stdin(
        new + "\n", "users", "set-password", "sam@acme.test", "--workspace", acme,
        "--password-stdin",
    )  # fmt: skip
    assert code == 0 and "New password set for sam@acme.test" in out, err
    assert new not in out + err
    with pytest.raises(AuthenticationError):
        services.authenticate_user("sam@acme.test", PASSWORD)
    assert services.authenticate_user("sam@acme.test", new).workspace == acme
