"""The command line: documented, scriptable, and clear about errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from tests._world import TINY, write_records, write_world

from trustreach.cli import app
from trustreach.services import schema_documents

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[tuple[str, Any]]:
    group = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            found += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
        else:
            found.append((name, command))
    return found


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m trustreach ARGS`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "trustreach", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        check=False,
    )


def test_every_command_has_help_and_is_documented() -> None:
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    commands = _commands()
    assert len(commands) >= 10
    for name, command in commands:
        assert (command.help or "").strip(), f"{name} has no help text"
        assert f"`trustreach {name}" in docs, f"{name} is not documented in docs/cli.md"


def test_published_schemas_are_up_to_date() -> None:
    for name, content in schema_documents().items():
        path = ROOT / "docs" / "schema" / name
        assert path.exists(), f"{path} missing: run `make docs`"
        assert path.read_text(encoding="utf-8") == content, f"{path} is stale: run `make docs`"


def test_import_then_summary_and_audit(tmp_path: Path) -> None:
    world = write_world(tmp_path / "world")
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    first = run("import", str(world), "--workspace", "acme", env=env)
    assert first.returncode == 0, first.stderr
    assert "audit record #1" in first.stdout
    summary = run("summary", "-w", "acme", env=env)
    assert summary.returncode == 0, summary.stderr
    assert "Ana Glow" in summary.stdout and "Glow Week" in summary.stdout
    verify = run("audit", "verify", env=env)
    assert verify.returncode == 0 and "intact: 1 record," in verify.stdout
    register = run("privacy", "register", env=env)
    assert "follower_accounts" in register.stdout and "180 days" in register.stdout


def test_refused_import_prints_every_problem_and_exits_2(tmp_path: Path) -> None:
    rows = [dict(r) for r in TINY["follower_accounts"]]
    rows[1]["followers_count"] = -3
    path = write_records(tmp_path / "follower_accounts.csv", rows)
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    result = run("import", str(path), env=env)
    assert result.returncode == 2
    assert "nothing was written" in result.stderr
    assert "followers_count" in result.stderr and "-3" in result.stderr


def test_tampered_audit_log_exits_3(tmp_path: Path) -> None:
    import sqlite3

    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    assert run("import", str(write_world(tmp_path / "w")), env=env).returncode == 0
    assert run("import", str(write_world(tmp_path / "w")), env=env).returncode == 0
    db = sqlite3.connect(tmp_path / "data" / "trustreach.db")
    db.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    db.commit()
    db.close()
    result = run("audit", "verify", env=env)
    assert result.returncode == 3
    assert "record 1" in result.stderr and "altered" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["summary", "-w", "nobody"], "no trustreach store found"),
        (["import", "nowhere.jsonl"], "no such file"),
        (["synth", "--format", "xml", "--out", "x"], "'jsonl', 'csv', 'parquet'"),
        (["nlp", "analyze", "x.txt", "-o", "o.csv", "--safety", "slow"], "'accurate', 'fast'"),
        (["conversation", "analyze", "--safety", "slow"], "'accurate', 'fast'"),
    ],
)
def test_errors_are_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(*args, env={"TRUSTREACH_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_setting_is_named(tmp_path: Path) -> None:
    result = run("summary", env={"TRUSTREACH_DATABASE_URL": "mysql://x/y"})
    assert result.returncode == 2
    assert "mysql" in result.stderr and "allowed" in result.stderr


HEAVY = ("lightgbm", "sklearn", "onnxruntime", "polars", "numpy", "scipy", "pandas", "sqlalchemy")


def test_importing_the_cli_loads_no_heavy_library() -> None:
    """Start-up stays light: --help and --version need none of the models' libraries."""
    code = (
        "import sys, trustreach.cli, trustreach.__main__; "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"imported at start-up: {result.stdout.strip()}"


def test_version_option() -> None:
    from trustreach import __version__

    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == __version__


def test_read_command_without_a_store_names_it_and_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "elsewhere" / ".trustreach"
    for args in (
        ["summary"],
        ["shortlist", "list"],
        ["audit", "verify"],
        ["audit", "log"],
        ["dispute", "queue"],
        ["audit-creator", "c1"],
        ["conversation", "analyze"],
        ["conversation", "summary", "campaign", "cmp1"],
        ["privacy", "erase-follower", "f_1001"],
    ):
        result = run(*args, env={"TRUSTREACH_DATA_DIR": str(data)})
        assert result.returncode == 2, (args, result.stderr)
        assert str(data / "trustreach.db") in result.stderr.replace("\n", "")
        assert "TRUSTREACH_DATA_DIR" in result.stderr
        assert not data.exists(), f"{args} created an empty store"


def test_missing_workspace_names_the_store_and_the_workspaces_there(tmp_path: Path) -> None:
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    assert run("import", str(write_world(tmp_path / "w")), "-w", "acme", env=env).returncode == 0
    for args in (
        ["summary", "-w", "nobody"],
        ["shortlist", "list", "-w", "nobody"],
        ["discover", "--like", "cr-0001", "-w", "nobody", "--dry-run"],
    ):
        result = run(*args, env=env)
        assert result.returncode == 2
        err = " ".join(result.stderr.split())
        assert "workspace 'nobody' does not exist" in err
        assert str(tmp_path / "data" / "trustreach.db") in err.replace(" ", "")
        assert "acme" in err and "--workspace" in err


@pytest.mark.parametrize(
    ("args", "env", "status"),
    [
        (["summary", "-w", "Bad"], {}, 2),  # a TrustreachError
        (["synth", "--creators", "0"], {}, 2),  # a usage error from the option parser
        (["deal", "create", "s", "c", "--deal-id", "d", "--compensation", "cash"], {}, 2),
        (["summary"], {"TRUSTREACH_DATABASE_URL": "mysql://x/y"}, 2),  # a settings error
        (["nlp", "analyze", "missing.txt", "-o", "out.csv"], {}, 2),
    ],
)
def test_every_error_has_one_prefix_and_status(
    tmp_path: Path, args: list[str], env: dict[str, str], status: int
) -> None:
    result = run(*args, env={"TRUSTREACH_DATA_DIR": str(tmp_path / "data"), **env})
    assert result.returncode == status, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: "), result.stderr
    assert "Error:" not in result.stderr and "Traceback" not in result.stderr


def test_usage_error_names_the_option_and_the_help(tmp_path: Path) -> None:
    result = run("deal", "create", "s", "c", "--deal-id", "d", "--compensation", "cash")
    assert "'--compensation'" in result.stderr and "'fee'" in result.stderr
    assert "trustreach deal create --help" in result.stderr


def test_score_accounts_refusal_is_about_scoring_in_row_order(tmp_path: Path) -> None:
    rows = [
        {"account_id": "a1", "followers_count": 10},
        {"account_id": "a2", "followers_count": -1, "is_private": "maybe"},
        {"account_id": "a3", "followers_count": "many"},
    ]
    source = write_records(tmp_path / "accounts.csv", rows)
    out = tmp_path / "scores.csv"
    result = run("audience", "score-accounts", str(source), "-o", str(out))
    assert result.returncode == 2
    err = result.stderr
    assert "database" not in err and "Import refused" not in err and "import" not in err
    assert "Scoring refused" in err and "no output file was written" in err
    assert err.index("'-1'") < err.index("'maybe'") < err.index("'many'")
    assert err.splitlines()[-1].startswith("error: scoring refused: 3 problem(s)")
    assert not out.exists()


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["nlp", "analyze"], "comments.csv"),
        (["audience", "score-accounts"], "accounts.csv"),
        (["discover", "--dry-run"], "brief.yaml"),
    ],
)
def test_output_that_is_the_input_is_refused(tmp_path: Path, command: list[str], name: str) -> None:
    source = tmp_path / name
    source.write_text("text\nhello there\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    same = tmp_path / "sub" / ".." / name  # another spelling of the same path
    link = tmp_path / f"link-{name}"
    link.symlink_to(source)
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    for output in (source, same, link):
        result = run(*command, str(source), "--output", str(output), env=env)
        assert result.returncode == 2, result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines[-1].startswith("error: --output") and "same file as the input" in lines[-1]
        assert "Traceback" not in result.stderr
        assert source.read_text(encoding="utf-8") == "text\nhello there\n"


def test_training_card_that_is_the_data_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text('{"x": 1}\n', encoding="utf-8")
    result = run("train", "authenticity", "--data", str(data), "--card", str(data),
                 env={"TRUSTREACH_DATA_DIR": str(tmp_path / "data")})  # fmt: skip
    assert result.returncode == 2 and "error: --card" in result.stderr
    assert data.read_text(encoding="utf-8") == '{"x": 1}\n'
