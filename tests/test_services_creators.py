"""A creator can be named by id, display name or handle; ambiguity lists the candidates."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests._world import write_records, write_world

from trustreach.core import ConfigurationError, NotFoundError, Settings
from trustreach.services import import_path, resolve_creator

WS = "acme"


def _twin(tmp_path: Path, settings: Settings) -> None:
    """A second creator called "Ana Glow" (display names are not unique)."""
    folder = tmp_path / "twin"
    write_records(folder / "creators.jsonl", [{"creator_id": "c3", "display_name": "Ana Glow"}])
    write_records(
        folder / "creator_accounts.jsonl",
        [{"account_id": "tt_c3", "creator_id": "c3", "platform": "tiktok", "handle": "ana.glow2"}],
    )
    import_path(folder, workspace=WS, settings=settings)


@pytest.fixture
def world(tmp_path: Path, sqlite_settings: Settings) -> Settings:
    import_path(write_world(tmp_path / "world"), workspace=WS, settings=sqlite_settings)
    return sqlite_settings


@pytest.mark.parametrize(
    ("reference", "creator_id"),
    [
        ("c2", "c2"),
        ("Max Lifts", "c2"),
        ("max lifts ", "c2"),
        ("@maxlifts", "c2"),
        ("AnaGlow", "c1"),
    ],
)
def test_id_name_or_handle(world: Settings, reference: str, creator_id: str) -> None:
    assert resolve_creator(reference, workspace=WS, settings=world) == creator_id


def test_shared_name_lists_every_candidate(tmp_path: Path, world: Settings) -> None:
    _twin(tmp_path, world)
    with pytest.raises(ConfigurationError) as caught:
        resolve_creator("Ana Glow", workspace=WS, settings=world)
    message = str(caught.value)
    assert "ambiguous" in message and "give the creator_id" in message
    assert "c1 (Ana Glow: @anaglow on instagram)" in message
    assert "c3 (Ana Glow: @ana.glow2 on tiktok)" in message
    assert resolve_creator("@ana.glow2", workspace=WS, settings=world) == "c3"
    assert resolve_creator("c1", workspace=WS, settings=world) == "c1"


def test_unknown_creator_suggests_close_names(world: Settings) -> None:
    with pytest.raises(NotFoundError, match="did you mean 'Max Lifts'"):
        resolve_creator("Max Lift", workspace=WS, settings=world)
    with pytest.raises(NotFoundError, match="no creator_id, display name or handle"):
        resolve_creator("nobody at all", workspace=WS, settings=world)


def test_unknown_id_suggests_the_closest_creator_id(tmp_path: Path, world: Settings) -> None:
    folder = tmp_path / "numbered"
    write_records(
        folder / "creators.jsonl",
        [
            {"creator_id": "cr-0042", "display_name": "Noa Beauty"},
            {"creator_id": "cr-0043", "display_name": "Kofi Gaming"},
        ],
    )
    import_path(folder, workspace=WS, settings=world)
    # spelled differently, the same number: the id is suggested, not a name
    with pytest.raises(NotFoundError, match=r"did you mean 'cr-0042'\?$"):
        resolve_creator("creator-0042", workspace=WS, settings=world)
    with pytest.raises(NotFoundError, match=r"did you mean 'cr-0043'\?$"):
        resolve_creator("cr-043", workspace=WS, settings=world)
