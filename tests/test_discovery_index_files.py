"""The creator index on disk: generations, atomic publishing, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

import numpy as np
import pytest

from trustreach.core import NotFoundError
from trustreach.discovery import synthetic_index
from trustreach.discovery._index import CreatorIndex


def _build(marker: int) -> CreatorIndex:
    """A small index whose row count and values all say which build it is."""
    index = synthetic_index(10 + 7 * marker, seed=marker, dim=8)
    index.followers[:] = marker
    index.topics[:] = marker
    index.meta["build"] = marker
    return index


def _assert_is_one_of(back: CreatorIndex, builds: dict[int, CreatorIndex]) -> None:
    """``back`` is exactly one written build: every file agrees on which."""
    marker = back.meta["build"]
    expected = builds[marker]
    assert len(back) == len(expected)
    assert back.meta["seed"] == marker
    assert list(back.creator_id) == list(expected.creator_id)
    np.testing.assert_array_equal(back.followers, expected.followers)
    for name in ("age", "gender", "country", "topics"):
        np.testing.assert_array_equal(getattr(back, name), getattr(expected, name))


def _published(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_save_then_load_round_trips_and_a_new_save_replaces_the_old(tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    first, second = _build(1), _build(2)
    first.save(folder)
    _assert_is_one_of(CreatorIndex.load(folder), {1: first})
    second.save(folder)
    back = CreatorIndex.load(folder)
    assert back.meta["build"] == 2
    _assert_is_one_of(back, {2: second})
    names = _published(folder)
    generations = [n for n in names if n.startswith("gen-")]
    assert len(generations) == 1
    assert names == sorted([".lock", "CURRENT", *generations])


@pytest.mark.skipif(sys.platform == "win32", reason="open files cannot be removed on Windows")
def test_a_reader_of_the_old_index_keeps_reading_it_after_a_new_save(tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    old = _build(1)
    old.save(folder)
    reader = CreatorIndex.load(folder)
    assert isinstance(reader.topics, np.memmap)
    old_generation = (folder / "CURRENT").read_text(encoding="utf-8").strip()
    _build(2).save(folder)
    assert not (folder / old_generation).exists()
    _assert_is_one_of(reader, {1: old})  # mapped topics of the removed generation
    assert CreatorIndex.load(folder).meta["build"] == 2


def test_concurrent_writers_publish_exactly_one_complete_build(tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    builds = {marker: _build(marker) for marker in range(4)}
    builds[0].save(folder)
    saves = [(builds[marker], folder) for _ in range(3) for marker in builds]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:  # two writers, and this process reading
        pending = pool.starmap_async(CreatorIndex.save, saves, chunksize=1)
        reads = 0
        while not pending.ready():  # read while the writers swap generations
            _assert_is_one_of(CreatorIndex.load(folder), builds)
            reads += 1
        pending.get(timeout=60)  # re-raises a writer's error
    assert reads > 0
    _assert_is_one_of(CreatorIndex.load(folder), builds)
    names = _published(folder)
    generations = [n for n in names if n.startswith("gen-")]
    assert len(generations) == 1
    assert names == sorted([".lock", "CURRENT", *generations])


def test_load_with_nothing_published_names_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    with pytest.raises(NotFoundError, match=r"no creator index in .*idx; build it first"):
        CreatorIndex.load(folder)
    folder.mkdir()
    (folder / "meta.json").write_text('{"format": 1, "rows": 0}', encoding="utf-8")
    assert not CreatorIndex.exists(folder)  # the layout before generations is rebuilt
    with pytest.raises(NotFoundError, match=r"no creator index in .*idx; build it first"):
        CreatorIndex.load(folder)


def test_a_save_clears_the_layout_before_generations(tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    folder.mkdir()
    for name in ("meta.json", "columns.parquet", "topics.npy", ".meta.json.tmp"):
        (folder / name).write_bytes(b"old")
    _build(1).save(folder)
    assert CreatorIndex.exists(folder)
    assert not {"meta.json", "columns.parquet", "topics.npy", ".meta.json.tmp"} & set(
        _published(folder)
    )
