"""Scoring at scale: Dask over Parquet partitions gives what one process gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from trustreach.audience import score_partition
from trustreach.audience._features import _numeric_column
from trustreach.core import reset_settings
from trustreach.services import score_accounts_dask
from trustreach.synth import generate_follower_accounts


def _dump(folder: Path, partitions: int = 3, rows: int = 200) -> list[Path]:
    paths = []
    for i in range(partitions):
        path = folder / f"part-{i:05d}.parquet"
        generate_follower_accounts(path, n=rows, seed=40 + i, fmt="parquet")
        paths.append(path)
    return paths


def test_dask_partitions_match_in_process_scoring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    parts = _dump(tmp_path / "dump")
    bad = pl.read_parquet(parts[1]).with_columns(
        pl.when(pl.int_range(pl.len()) == 6)
        .then(-5)
        .otherwise(pl.col("followers_count"))
        .alias("followers_count")
    )

    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        report = score_accounts_dask(
            tmp_path / "dump", tmp_path / "scored", scheduler=cluster.scheduler_address
        )

        # defined here, not at module level: a local function travels to the workers by
        # value (the workers cannot import the tests package under pytest-xdist)
        def _compiled_forms_loaded() -> int:
            """1 where this worker looked for the compiled trees (0 if it never did)."""
            from trustreach.audience import _compiled
            from trustreach.core import get_settings

            if not get_settings().compiled_trees:  # nothing to load: the model alone was warmed
                from trustreach.audience._artefact import load_authenticity_model

                return int(load_authenticity_model.cache_info().currsize)
            return len(_compiled._forests)

        # every worker loaded the model's compiled form as it was warmed: scoring
        # 200-row partitions alone never would (LightGBM scores batches that small)
        warmed = client.run(_compiled_forms_loaded)
    assert sorted(warmed.values()) == [1, 1]
    assert report.accounts == 600
    assert report.audit_seq is not None
    flagged = 0
    for part in parts:
        score_partition(str(part), str(tmp_path / "local" / part.name))
        expected = pl.read_parquet(tmp_path / "local" / part.name)
        got = pl.read_parquet(tmp_path / "scored" / part.name)
        assert got.height == 200
        assert got.equals(expected), part.name  # row for row, bit for bit
        flagged += int(got["flagged"].sum())
    assert report.flagged == flagged

    bad.write_parquet(parts[1])
    with pytest.raises(ValueError, match=r"part-00001\.parquet: row 7.*followers_count"):
        score_accounts_dask(tmp_path / "dump", tmp_path / "scored-again", workers=2)


@pytest.mark.parametrize(
    ("values", "flag", "message"),
    [
        ([0, 3, None, 7], False, None),
        ([0, 1, None, 1], True, None),
        ([0, -3, None], False, "non-negative count, got -3"),
        ([0, 1, 2], True, "must be 0/1 or true/false, got 2"),
        ([None, None], False, None),
    ],
)
def test_integer_columns_checked_as_before(
    values: list[int | None], flag: bool, message: str | None
) -> None:
    frame = pl.DataFrame({"c": pl.Series(values, dtype=pl.Int64)})
    if message is None:
        got = _numeric_column(frame, "c", flag=flag)
        expected = np.array([np.nan if v is None else float(v) for v in values])
        np.testing.assert_array_equal(got, expected)
    else:
        with pytest.raises(ValueError, match=message):
            _numeric_column(frame, "c", flag=flag)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_partition_scored_in_chunks_is_scored_as_a_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    from trustreach.audience import load_authenticity_model, score_frame
    from trustreach.audience._scoring import validated_accounts
    from trustreach.ingest import RawBatch

    monkeypatch.setattr("trustreach.audience._scoring._CHUNK_ROWS", 70)  # 200 rows: 3 chunks
    (part,) = _dump(tmp_path / "dump", partitions=1)
    table = pl.read_parquet(part).to_arrow()
    whole, _ = validated_accounts(RawBatch(str(part), list(range(1, 201)), table=table))
    expected = score_frame(load_authenticity_model(), whole, explain="flagged")

    assert (
        score_partition(str(part), str(tmp_path / "out.parquet"), "flagged", num_threads=threads)
        == 200
    )
    assert pl.read_parquet(tmp_path / "out.parquet").equals(expected)

    bad = pl.read_parquet(part).with_columns(
        pl.when(pl.int_range(pl.len()).is_in([5, 150]))
        .then(-1)
        .otherwise(pl.col("posts_count"))
        .alias("posts_count")
    )
    bad.write_parquet(part)
    with pytest.raises(ValueError, match=r"2 invalid record\(s\).*row 6.*posts_count.*row 151"):
        score_partition(str(part), str(tmp_path / "again.parquet"), num_threads=threads)
    assert not (tmp_path / "again.parquet").exists()
