"""One rule for every command that writes a file the user names.

Before any work the output path is checked (a folder that exists or can be
created and written, not a directory, not an input); an existing output is
refused without ``--force``; the file is written beside its destination and
renamed onto it, so a symbolic link at the destination is replaced, never
followed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests._world import write_records, write_world
from tests.test_cli import run

from trustreach.core import ConfigurationError, Settings, replaced_atomically
from trustreach.core._files import check_output_file, check_output_folder
from trustreach.services import import_path, list_audit, list_shortlists
from trustreach.synth import generate_world

BRIEF = Path(__file__).resolve().parents[1] / "examples" / "briefs" / "skincare_awareness.yaml"
VICTIM = "precious, not an output\n"


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM, encoding="utf-8")
    return victim


def _env(settings: Settings) -> dict[str, str]:
    env = {"TRUSTREACH_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["TRUSTREACH_DATABASE_URL"] = settings.database_url
    return env


def _error_line(result: object) -> str:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: "), stderr
    return " ".join(" ".join(lines).split())


# --------------------------------------------------------------------------- the checks


def test_check_output_file_refuses_what_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(ConfigurationError, match=r"--report '.*folder' is a directory"):
        check_output_file(tmp_path / "folder", option="--report", overwrite=True)
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"'.*plain' is not a directory"):
        check_output_file(tmp_path / "plain" / "a.html", option="--report", overwrite=True)
    with pytest.raises(ConfigurationError, match=r"already exists; pass --force to replace it"):
        check_output_file(tmp_path / "plain", option="-o", overwrite=False)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ConfigurationError, match="already exists"):
        check_output_file(dangling, option="-o", overwrite=False)
    assert check_output_file(tmp_path / "plain", option="-o", overwrite=True) is True
    assert (
        check_output_file(tmp_path / "new" / "deep" / "a.csv", option="-o", overwrite=False)
        is False
    )
    assert not (tmp_path / "new").exists()  # checking creates nothing


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_check_output_file_refuses_a_folder_without_write_permission(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigurationError, match="cannot write"):
            check_output_file(locked / "a.csv", option="-o", overwrite=True)
    finally:
        locked.chmod(0o700)


def test_check_output_folder_refuses_a_file_or_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"--out '.*plain' is not a directory"):
        check_output_folder(tmp_path / "plain", option="--out", overwrite=True)
    full = tmp_path / "full"
    full.mkdir()
    (full / "a.jsonl").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"is not empty; pass --force"):
        check_output_folder(full, option="--out", overwrite=False)
    assert check_output_folder(full, option="--out", overwrite=True) is True
    (tmp_path / "empty").mkdir()
    assert check_output_folder(tmp_path / "empty", option="--out", overwrite=False) is False
    assert check_output_folder(tmp_path / "new", option="--out", overwrite=False) is False


def test_a_replaced_link_is_replaced_and_its_target_untouched(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    with replaced_atomically(link) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "new"
    assert victim.read_text(encoding="utf-8") == VICTIM


# ------------------------------------------------------------------ one rule, every command

COMMANDS: dict[str, list[str]] = {
    "nlp analyze": ["nlp", "analyze", "{source}", "--output", "{out}"],
    "audience score-accounts": ["audience", "score-accounts", "{source}", "--output", "{out}"],
    "audience score-accounts --dask": [
        "audience", "score-accounts", "{source}", "--dask", "--output", "{out}",
    ],
    "audit-creator": ["audit-creator", "c1", "--report", "{out}"],
    "discover": ["discover", "--like", "c1", "--dry-run", "-f", "json", "--output", "{out}"],
    "conversation export-corrections": ["conversation", "export-corrections", "{out}"],
    "train authenticity": ["train", "authenticity", "--data", "{source}", "--card", "{out}"],
    "synth": ["synth", "--out", "{out}", "--creators", "1", "--days", "28"],
    "schema": ["schema", "--out", "{out}"],
    "demo": ["demo", "--out", "{out}"],
}  # fmt: skip
FOLDERS = {"synth", "schema", "demo", "audience score-accounts --dask"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_an_existing_output_before_any_work(
    tmp_path: Path, command: str
) -> None:
    source = tmp_path / ("in" if command.endswith("--dask") else "in.csv")
    if command.endswith("--dask"):
        source.mkdir()
    else:
        source.write_text("text,account_id\nhello,a1\n", encoding="utf-8")
    out = tmp_path / "out"
    if command in FOLDERS:
        out.mkdir()
        (out / "keep.txt").write_text(VICTIM, encoding="utf-8")
    else:
        out = tmp_path / ("out.csv" if command != "audit-creator" else "out.html")
        out.write_text(VICTIM, encoding="utf-8")
    args = [a.format(source=source, out=out) for a in COMMANDS[command]]
    data = tmp_path / "data"
    result = run(*args, env={"TRUSTREACH_DATA_DIR": str(data)})
    assert result.returncode == 2, (command, result.stdout, result.stderr)
    message = _error_line(result)
    assert str(out) in message and "--force" in message, message
    assert not data.exists(), f"{command} did work before refusing its output"
    kept = out / "keep.txt" if command in FOLDERS else out
    assert kept.read_text(encoding="utf-8") == VICTIM
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({source.name, out.name})


@pytest.fixture
def tiny_store(tmp_path: Path, store_settings: Settings) -> dict[str, str]:
    import_path(write_world(tmp_path / "world"), workspace="default", settings=store_settings)
    return _env(store_settings)


def test_audit_creator_report_to_a_link_replaces_the_link_only_with_force(
    tmp_path: Path, store_settings: Settings, tiny_store: dict[str, str]
) -> None:
    victim = _victim(tmp_path)
    link = tmp_path / "link.html"
    link.symlink_to(victim)
    before = len(list_audit(limit=1000, settings=store_settings))
    refused = run("audit-creator", "c1", "--report", str(link), env=tiny_store)
    assert refused.returncode == 2 and "already exists" in _error_line(refused)
    assert len(list_audit(limit=1000, settings=store_settings)) == before
    done = run("audit-creator", "c1", "--report", str(link), "--force", env=tiny_store)
    assert done.returncode == 0, done.stderr
    assert "replaced" in " ".join(done.stdout.split())
    assert not link.is_symlink() and "<html" in link.read_text(encoding="utf-8").lower()
    assert victim.read_text(encoding="utf-8") == VICTIM


@pytest.mark.parametrize("where", ["directory", "under_a_file"])
def test_audit_creator_unwritable_report_is_refused_before_the_audit(
    tmp_path: Path, store_settings: Settings, tiny_store: dict[str, str], where: str
) -> None:
    if where == "directory":
        report = tmp_path / "reports"
        report.mkdir()
        expected = "is a directory"
    else:
        report = _victim(tmp_path) / "audit.html"
        expected = "is not a directory"
    before = len(list_audit(limit=1000, settings=store_settings))
    result = run("audit-creator", "c1", "--report", str(report), env=tiny_store)
    assert result.returncode == 2
    assert expected in _error_line(result) and "--report" in _error_line(result)
    assert len(list_audit(limit=1000, settings=store_settings)) == before


def test_audit_creator_library_checks_the_report_before_committing(
    tmp_path: Path, store_settings: Settings, tiny_store: dict[str, str]
) -> None:
    from trustreach.services import audit_creator

    (tmp_path / "reports").mkdir()
    before = len(list_audit(limit=1000, settings=store_settings))
    with pytest.raises(ConfigurationError, match="is a directory"):
        audit_creator("c1", report_path=tmp_path / "reports", settings=store_settings)
    assert len(list_audit(limit=1000, settings=store_settings)) == before


@pytest.fixture
def ranked_store(tmp_path: Path, store_settings: Settings) -> dict[str, str]:
    world = tmp_path / "world"
    generate_world(world, seed=7, creators=30, followers_per_creator=20, days=30)
    import_path(world, workspace="default", settings=store_settings)
    return _env(store_settings)


def test_discover_output_checked_before_the_shortlist_is_stored(
    tmp_path: Path, store_settings: Settings, ranked_store: dict[str, str]
) -> None:
    victim = _victim(tmp_path)
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    folder = tmp_path / "folder"
    folder.mkdir()
    brief = str(BRIEF)
    for output, expected in ((link, "already exists"), (folder, "is a directory")):
        result = run(
            "discover", brief, "-n", "3", "-f", "json", "-o", str(output), env=ranked_store
        )
        assert result.returncode == 2 and expected in _error_line(result)
        assert list_shortlists(settings=store_settings) == []
    done = run("discover", brief, "-n", "3", "-f", "json", "-o", str(link), "--force",
               env=ranked_store)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not link.is_symlink() and json.loads(link.read_text(encoding="utf-8"))["shortlist"]
    assert victim.read_text(encoding="utf-8") == VICTIM
    assert len(list_shortlists(settings=store_settings)) == 1


def test_file_writers_replace_a_link_with_force_and_say_so(tmp_path: Path) -> None:
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    comments = tmp_path / "comments.txt"
    comments.write_text("great post\nawful\n", encoding="utf-8")
    accounts = write_records(tmp_path / "accounts.csv", [{"account_id": "a1", "posts_count": 3}])
    cases = {
        "scores.csv": ["audience", "score-accounts", str(accounts), "-o"],
        "labels.csv": ["nlp", "analyze", str(comments), "--tier", "lexicon", "--safety", "fast",
                       "-o"],
    }  # fmt: skip
    for name, args in cases.items():
        victim = _victim(tmp_path)
        link = tmp_path / name
        link.symlink_to(victim)
        result = run(*args, str(link), "--force", env=env)
        assert result.returncode == 0, result.stderr
        assert "replaced" in " ".join(result.stdout.split())
        assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith(
            ("account_id", "row")
        )
        assert victim.read_text(encoding="utf-8") == VICTIM
        victim.unlink()
    fresh = run(*cases["scores.csv"], str(tmp_path / "new" / "s.csv"), env=env)
    assert fresh.returncode == 0 and "replaced" not in fresh.stdout


def test_folder_writers_replace_links_inside_with_force(tmp_path: Path) -> None:
    for args, name in (
        (["schema"], "creators.schema.json"),
        (["synth", "--creators", "1", "--followers-per-creator", "5", "--days", "28"],
         "creators.jsonl"),
    ):  # fmt: skip
        out = tmp_path / args[0]
        out.mkdir()
        victim = _victim(tmp_path)
        (out / name).symlink_to(victim)
        result = run(*args, "--out", str(out), "--force", env={})
        assert result.returncode == 0, result.stderr
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 0
        assert victim.read_text(encoding="utf-8") == VICTIM
        assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_discover_html_without_output_refuses_an_existing_draft_report(tmp_path: Path) -> None:
    import subprocess
    import sys

    draft = tmp_path / "shortlist-draft.html"  # where a dry run's HTML goes by default
    draft.write_text(VICTIM, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "trustreach", "discover", str(BRIEF), "--dry-run", "-f", "html"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "TRUSTREACH_DATA_DIR": str(tmp_path / "data")},
        check=False,
    )
    assert result.returncode == 2
    message = _error_line(result)
    assert "shortlist-draft.html" in message and "--force" in message
    assert draft.read_text(encoding="utf-8") == VICTIM and not (tmp_path / "data").exists()


def test_no_output_may_be_one_of_the_stores_own_files_even_with_force(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"TRUSTREACH_DATA_DIR": str(data)}
    assert run("import", str(write_world(tmp_path / "world")), env=env).returncode == 0
    owned = sorted(p for p in data.iterdir() if p.is_file())
    assert data / "trustreach.db" in owned and data / "pseudonym.key" in owned
    comments = tmp_path / "comments.txt"
    comments.write_text("great\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in owned}
    for target in owned:
        for args in (
            ["conversation", "export-corrections", str(target)],
            ["nlp", "analyze", str(comments), "--tier", "lexicon", "-o", str(target)],
            ["audit-creator", "c1", "--report", str(target)],
        ):
            result = run(*args, "--force", env=env)
            assert result.returncode == 2, (args, result.stdout)
            assert "the store's own" in _error_line(result), args
    assert {p: p.read_bytes() for p in owned} == before


def test_a_written_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with replaced_atomically(tmp_path / "a.csv") as tmp:
            tmp.write_text("x", encoding="utf-8")
    finally:
        os.umask(old)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o644  # not executable


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    private = tmp_path / "corrections.csv"
    private.write_text("old", encoding="utf-8")
    private.chmod(0o600)  # a user kept it private: replacing it must not open it up
    with replaced_atomically(private) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert private.stat().st_mode & 0o777 == 0o600
