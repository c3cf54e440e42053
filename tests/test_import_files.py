"""Hostile import inputs: symlinks, FIFOs, devices and records too large to hold.

The importer reads only regular files (a symbolic link is followed only to a
regular file, and a loop is refused), and it never holds more than
``TRUSTREACH_MAX_RECORD_BYTES`` of one record (plus one read block) in memory.
Tests that could hang on a FIFO or read ``/dev/zero`` forever run the importer
in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._world import TINY, write_records, write_world
from tests.test_import import snapshot

from trustreach.core import ConfigurationError, ImportValidationError, Settings
from trustreach.ingest import read_batches
from trustreach.ingest._readers import READ_BLOCK_BYTES
from trustreach.services import import_files, import_path

LIMIT = 1 << 20  # 1 MiB, the default


def _padded_follower(size: int) -> bytes:
    """A valid follower record padded with JSON whitespace to ``size`` bytes."""
    head = b'{"account_id": "f_big", '
    tail = b'"followers_count": 5}'
    return head + b" " * (size - len(head) - len(tail)) + tail


def _cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``trustreach ARGS`` in a subprocess (memory capped, so a runaway read fails fast)."""

    def cap_memory() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_DATA, (3 << 30, 3 << 30))

    return subprocess.run(
        [str(Path(sys.executable).with_name("trustreach")), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap_memory,
    )


def _env(settings: Settings) -> dict[str, str]:
    env = {"TRUSTREACH_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["TRUSTREACH_DATABASE_URL"] = settings.database_url
    return env


@pytest.fixture
def seeded(tmp_path: Path, store_settings: Settings) -> Settings:
    """A store that already holds the tiny world (so 'unchanged' means something)."""
    import_path(write_world(tmp_path / "base"), workspace="acme", settings=store_settings)
    return store_settings


# --- symbolic links -------------------------------------------------------------------------


def test_a_self_referencing_symlink_is_refused_naming_it(tmp_path: Path, seeded: Settings) -> None:
    world = write_world(tmp_path / "world")
    (world / "follows.jsonl").unlink()
    (world / "follows.jsonl").symlink_to("follows.jsonl")
    before = snapshot(seeded)
    with pytest.raises(ConfigurationError, match=r"follows\.jsonl.*symbolic link.*loop"):
        import_path(world, workspace="acme", settings=seeded)
    assert snapshot(seeded) == before
    done = _cli("import", str(world), "--workspace", "acme", env=_env(seeded))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "follows.jsonl" in done.stderr and "loop" in done.stderr
    assert snapshot(seeded) == before


def test_a_symlink_loop_named_as_the_import_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").symlink_to(tmp_path / "b.jsonl")
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "a.jsonl")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for path in (tmp_path / "a.jsonl", tmp_path / "loop"):
        with pytest.raises(ConfigurationError, match=r"symbolic link.*loop"):
            import_files(path)


def test_a_dangling_symlink_is_refused_naming_it(tmp_path: Path) -> None:
    world = write_world(tmp_path / "world")
    (world / "brands.jsonl").unlink()
    (world / "brands.jsonl").symlink_to(tmp_path / "gone.jsonl")
    with pytest.raises(ConfigurationError, match=r"brands\.jsonl.*symbolic link to .*gone"):
        import_files(world)


def test_a_symlink_to_a_regular_file_is_followed(tmp_path: Path, sqlite_settings: Settings) -> None:
    real = write_records(tmp_path / "elsewhere" / "data.jsonl", TINY["brands"])
    world = tmp_path / "world"
    world.mkdir()
    (world / "brands.jsonl").symlink_to(real)
    (world / "subdir").symlink_to(world)  # a link to a directory is never descended
    report = import_path(world, workspace="acme", settings=sqlite_settings)
    assert [(k.kind, k.new) for k in report.kinds] == [("brands", len(TINY["brands"]))]


def test_a_directory_named_like_a_kind_file_is_refused(tmp_path: Path) -> None:
    world = write_world(tmp_path / "world")
    (world / "posts.jsonl").unlink()
    (world / "posts.jsonl").mkdir()
    with pytest.raises(ConfigurationError, match=r"posts\.jsonl.*is a directory.*regular file"):
        import_files(world)


# --- files that are not regular files -------------------------------------------------------


@pytest.mark.parametrize("named", ["directory", "file"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(
    tmp_path: Path, seeded: Settings, named: str
) -> None:
    world = write_world(tmp_path / "world")
    (world / "follower_accounts.jsonl").unlink()
    os.mkfifo(world / "follower_accounts.jsonl")
    target = world if named == "directory" else world / "follower_accounts.jsonl"
    before = snapshot(seeded)
    done = _cli("import", str(target), "--workspace", "acme", env=_env(seeded))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "follower_accounts.jsonl" in done.stderr and "FIFO" in done.stderr
    assert snapshot(seeded) == before


def test_the_readers_refuse_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "follows.csv"
    os.mkfifo(fifo)
    code = (
        "import sys; from pathlib import Path; from trustreach.ingest import read_batches\n"
        "try:\n    list(read_batches(Path(sys.argv[1]), 'csv', 10))\n"
        "except Exception as e:\n    print(type(e).__name__, e)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.startswith("ConfigurationError"), done.stdout + done.stderr
    assert "FIFO" in done.stdout


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_kind_file_linked_to_dev_zero_is_refused(tmp_path: Path, seeded: Settings) -> None:
    world = write_world(tmp_path / "world")
    (world / "follower_accounts.jsonl").unlink()
    (world / "follower_accounts.jsonl").symlink_to("/dev/zero")
    with pytest.raises(ConfigurationError, match=r"follower_accounts\.jsonl.*character device"):
        import_files(world)
    before = snapshot(seeded)
    done = _cli("import", str(world), "--workspace", "acme", env=_env(seeded), timeout=30)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "character device" in done.stderr
    assert snapshot(seeded) == before


# --- record size ------------------------------------------------------------------------------


def test_a_jsonl_line_over_the_limit_is_refused_naming_row_and_limit(
    tmp_path: Path, seeded: Settings
) -> None:
    path = tmp_path / "follower_accounts.jsonl"
    good = json.dumps(TINY["follower_accounts"][0]).encode()
    path.write_bytes(good + b"\n" + _padded_follower(3 * LIMIT) + b"\n" + good + b"\n")
    before = snapshot(seeded)
    with pytest.raises(ImportValidationError) as info:
        import_path(path, workspace="acme", settings=seeded)
    (error,) = info.value.errors
    assert (error.file, error.row) == (str(path), 2)
    assert f"{3 * LIMIT:,} bytes" in error.message and f"{LIMIT:,} bytes" in error.message
    assert "TRUSTREACH_MAX_RECORD_BYTES" in error.message
    assert snapshot(seeded) == before


def test_the_limit_is_a_setting(tmp_path: Path, sqlite_settings: Settings) -> None:
    path = tmp_path / "follower_accounts.jsonl"
    path.write_bytes(_padded_follower(3 * LIMIT) + b"\n")
    report = import_path(
        path,
        workspace="acme",
        settings=sqlite_settings.model_copy(update={"max_record_bytes": 4 * LIMIT}),
    )
    assert report.kinds[0].new == 1
    with pytest.raises(ValueError, match="max_record_bytes"):
        Settings(max_record_bytes=0)


def test_the_last_line_without_a_newline_is_limited_too(tmp_path: Path) -> None:
    path = tmp_path / "follower_accounts.jsonl"
    path.write_bytes(b"\n" + _padded_follower(LIMIT + 1))
    (batch,) = read_batches(path, "jsonl", 10, max_record_bytes=LIMIT)
    assert batch.rows == [] and [e.row for e in batch.errors] == [2]


def test_a_line_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "follower_accounts.jsonl"
    path.write_bytes(_padded_follower(LIMIT) + b"\r\n" + _padded_follower(LIMIT))
    batches = list(read_batches(path, "jsonl", 10, max_record_bytes=LIMIT))
    assert [b.rows for b in batches] == [[1, 2]] and batches[0].errors == []


def test_an_oversized_line_is_never_held_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "follower_accounts.jsonl"
    big = 40 * LIMIT
    path.write_bytes(_padded_follower(big) + b"\n" + json.dumps({"account_id": "f_2"}).encode())
    tracemalloc.start()
    try:
        batches = list(read_batches(path, "jsonl", 10, max_record_bytes=LIMIT))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(e.row, f"{big:,} bytes" in e.message) for b in batches for e in b.errors] == [
        (1, True)
    ]
    assert [r for b in batches for r in b.rows] == [2]
    assert peak < 2 * READ_BLOCK_BYTES + 2 * LIMIT < big


def test_a_csv_row_over_the_limit_is_refused_and_reading_stops(
    tmp_path: Path, seeded: Settings
) -> None:
    path = tmp_path / "brands.csv"
    lines = [
        "brand_id,name,category",
        "b1,Acme,beauty",
        'b2,"' + "x\n" * (LIMIT // 2) + 'y",beauty',  # one quoted field over many lines
        "b3,Other,beauty",
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    before = snapshot(seeded)
    with pytest.raises(ImportValidationError) as info:
        import_path(path, workspace="acme", settings=seeded)
    (error,) = info.value.errors
    assert (error.row, error.field) == (2, None)
    assert f"{LIMIT:,} bytes" in error.message and "rest of the file" in error.message
    assert snapshot(seeded) == before


def test_a_csv_header_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "brands.csv"
    path.write_text("brand_id," + "x" * (2 * LIMIT) + "\nb1,Acme\n", "utf-8")
    errors = [e for b in read_batches(path, "csv", 10, max_record_bytes=LIMIT) for e in b.errors]
    assert [(e.row, "header" in e.message) for e in errors] == [(0, True)]


def test_a_parquet_cell_over_the_limit_is_refused_naming_row_and_field(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    path = tmp_path / "creators.parquet"
    names = ["Ana", "x" * (2 * LIMIT), "Max"]
    pq.write_table(pa.table({"creator_id": ["c1", "c2", "c3"], "display_name": names}), path)
    with pytest.raises(ImportValidationError) as info:
        import_path(path, workspace="acme", settings=sqlite_settings)
    (error,) = info.value.errors
    assert (error.row, error.field) == (2, "display_name")
    assert f"{LIMIT:,} bytes" in error.message


# --- score-accounts reads its input the same way -------------------------------------------------


def test_score_accounts_refuses_a_fifo_naming_it(tmp_path: Path) -> None:
    fifo = tmp_path / "accounts.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "out.csv"
    done = _cli("audience", "score-accounts", str(fifo), "-o", str(out), env={})
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "FIFO" in done.stderr
    assert not out.exists()


def test_score_accounts_honours_the_record_size_setting(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    from trustreach.services import score_accounts_file

    source = tmp_path / "accounts.jsonl"
    source.write_bytes(_padded_follower(3 * LIMIT) + b"\n")
    with pytest.raises(ImportValidationError, match="TRUSTREACH_MAX_RECORD_BYTES"):
        score_accounts_file(source, tmp_path / "a.csv", settings=sqlite_settings)
    larger = sqlite_settings.model_copy(update={"max_record_bytes": 4 * LIMIT})
    assert score_accounts_file(source, tmp_path / "b.csv", settings=larger).accounts == 1


@settings(max_examples=50, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    block=st.integers(1, 16),
    final_newline=st.booleans(),
)
def test_the_jsonl_reader_splits_like_the_lines_it_is_given(
    lines: list[bytes], block: int, final_newline: bool
) -> None:
    """Whatever the block size, rows are the lines, and exactly the long ones are refused."""
    import tempfile

    from trustreach.ingest import _readers

    limit = 24
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "brands.jsonl"
        path.write_bytes(data)
        original = _readers.READ_BLOCK_BYTES
        _readers.READ_BLOCK_BYTES = block
        try:
            batches = list(read_batches(path, "jsonl", 5, max_record_bytes=limit))
        finally:
            _readers.READ_BLOCK_BYTES = original
    body = [len(line) - line.endswith(b"\r") for line in lines]
    assert [e.row for b in batches for e in b.errors if e.row] == [
        i for i, n in enumerate(body, 1) if n > limit
    ]
    assert [(r, x) for b in batches for r, x in zip(b.rows, b.lines or [], strict=True)] == [
        (i, line.strip()) for i, (line, n) in enumerate(zip(lines, body, strict=True), 1)
        if n <= limit and line.strip()
    ]  # fmt: skip


def test_a_parquet_row_group_too_large_for_its_rows_is_refused_before_reading(
    tmp_path: Path,
) -> None:
    path = tmp_path / "creators.parquet"
    table = pa.table({"creator_id": ["c1", "c2"], "display_name": ["x" * (2 * LIMIT)] * 2})
    pq.write_table(table, path, row_group_size=1)
    errors = [
        e for b in read_batches(path, "parquet", 10, max_record_bytes=LIMIT) for e in b.errors
    ]
    assert [e.row for e in errors] == [1]
    assert "row group 0" in errors[0].message and f"{LIMIT:,} bytes" in errors[0].message
