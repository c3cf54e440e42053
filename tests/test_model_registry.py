"""Accountability artefacts: the model registry (CLI, library) and the DPIA draft."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from tests._world import write_world
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import ConfigurationError, NotFoundError, Settings
from trustreach.services._dpia import DPIA_SECTIONS, dpia_draft
from trustreach.services._model_registry import ARTEFACT_FOLDERS, model_registry
from trustreach.store import processing_register

ROOT = Path(__file__).resolve().parents[1]


def test_every_shipped_artefact_is_registered_and_every_card_exists() -> None:
    registered = {f for entry in model_registry() for f in entry.files}
    package = resources.files("trustreach")
    for folder in ARTEFACT_FOLDERS:
        package_name, _, rest = folder.partition("/")
        for item in (package / package_name / rest).iterdir():
            if item.is_file():
                assert f"{folder}/{item.name}" in registered, f"{folder}/{item.name} unregistered"
    names = [entry.name for entry in model_registry()]
    assert len(names) == len(set(names))
    for entry in model_registry():
        assert (ROOT / entry.card).is_file(), f"{entry.name}: card {entry.card} missing"
        for file in entry.files:
            package_name, _, rest = file.partition("/")
            assert (package / package_name / rest).is_file(), f"{entry.name}: {file} missing"
        assert entry.version.startswith(f"{entry.name}@")
        assert entry.training_command and entry.licence and entry.commercial_use
    by_name = {e.name: e for e in model_registry()}
    # trained on InstaFake (CC BY-NC 4.0): the registry says it is non-commercial
    assert "non-commercial" in by_name["fake_account"].commercial_use
    assert "CC BY-NC 4.0" in by_name["fake_account"].licence


def test_models_list_cli_json_and_table() -> None:
    result = CliRunner().invoke(app, ["models", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["models"]
    assert [m["name"] for m in listed] == [e.name for e in model_registry()]
    assert {m["version"] for m in listed} == {e.version for e in model_registry()}
    table = CliRunner().invoke(app, ["models", "list"], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    assert "promo_caption@" in table.output and "non-commercial" in table.output


@pytest.fixture(scope="module")
def world_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("dpia")
    settings = Settings(data_dir=tmp / "data")
    services.import_path(write_world(tmp / "world"), workspace="acme", settings=settings)
    return settings


def test_dpia_names_every_table_with_retention_and_every_model(world_settings: Settings) -> None:
    draft = dpia_draft("acme", settings=world_settings)
    text = draft.markdown
    for heading in DPIA_SECTIONS:
        assert f"## {heading}" in text
    assert "Machine-generated draft" in text
    for entry in processing_register():
        line = next(li for li in text.splitlines() if li.startswith(f"| `{entry.table}` |"))
        assert entry.retention.replace("|", "\\|") in line, entry.table
    for model in model_registry():
        assert f"`{model.version}`" in text and model.card in text
    assert draft.counts["creators"] and draft.counts["creators"] > 0
    assert f"| {draft.counts['creators']:,} |" in next(
        li for li in text.splitlines() if li.startswith("| `creators` |")
    )
    with pytest.raises(NotFoundError, match="nowhere"):
        dpia_draft("nowhere", settings=world_settings)


def test_privacy_dpia_cli_writes_and_refuses_to_overwrite(
    world_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustreach.core import reset_settings

    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(world_settings.data_dir))
    reset_settings()
    out = tmp_path / "dpia.md"
    args = ["privacy", "dpia", "--workspace", "acme", "--output", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# Data protection impact assessment")
    again = CliRunner().invoke(app, args)
    assert isinstance(again.exception, ConfigurationError)
    assert "--force" in str(again.exception)
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0


def test_models_route_lists_the_registry(world_settings: Settings) -> None:
    from tests._api import client

    from trustreach.core import Role

    secret, _ = services.create_key(
        workspace="acme",
        role=Role.auditor,
        label="registry reader",
        by=services.cli_actor("acme"),
        settings=world_settings,
    )
    api = client(world_settings)
    assert api.get("/api/v1/models").status_code == 401
    r = api.get("/api/v1/models", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(m["name"], m["version"], m["card"]) for m in items] == [
        (e.name, e.version, e.card) for e in model_registry()
    ]
