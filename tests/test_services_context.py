"""Opening the store: read-only use-cases never create one, and say where they looked."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests._world import write_world

from trustreach.core import NotFoundError, Settings
from trustreach.services import (
    import_path,
    list_audit,
    list_shortlists,
    summarize_workspace,
    verify_audit_log,
)
from trustreach.store._engine import head_revision


def test_reading_a_missing_store_names_it_and_creates_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "nowhere")
    for read in (
        lambda: summarize_workspace("acme", settings=settings),
        lambda: list_shortlists(workspace="acme", settings=settings),
        lambda: verify_audit_log(settings),
        lambda: list_audit(settings=settings),
    ):
        with pytest.raises(NotFoundError, match="TRUSTREACH_DATA_DIR") as caught:
            read()
        assert str(tmp_path / "nowhere" / "trustreach.db") in str(caught.value)
    assert not (tmp_path / "nowhere").exists()


def test_missing_workspace_lists_the_ones_in_the_store(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    import_path(write_world(tmp_path / "w"), workspace="acme", settings=settings)
    with pytest.raises(NotFoundError) as caught:
        summarize_workspace("nobody", settings=settings)
    message = str(caught.value)
    assert "'nobody' does not exist in the store at" in message
    assert str(tmp_path / "data" / "trustreach.db") in message
    assert "workspaces there: acme" in message and "--workspace" in message


def test_head_revision_matches_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import trustreach.store._engine as engine

    config = Config()
    config.set_main_option("script_location", str(Path(engine.__file__).parent / "migrations"))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


@pytest.mark.parametrize("name", ["wa\n", "wa\r", "\nwa", "wa\x00", "Wa", "", "a" * 65, "-wa"])
def test_workspace_names_are_matched_whole(name: str) -> None:
    from trustreach.core import ConfigurationError
    from trustreach.services import check_workspace

    with pytest.raises(ConfigurationError, match="not allowed; allowed: 1-64 lower-case"):
        check_workspace(name)
    assert check_workspace("wa") == "wa"
