"""Synthetic follower accounts sampled from the shipped InstaFake fit.

Every numeric field comes from ``follower_params.json`` (per-class marginals
joined by a Gaussian copula, see :mod:`trustreach.synth._params`). Usernames are
invented (pronounceable letters, an optional ``_`` or ``.``, trailing digits) so
that ``username_length`` and ``username_digit_count`` are exactly those of the
username. ``is_fake`` is the generator's truth; it never goes into a follower
file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow.parquet as pq

from trustreach.synth._params import BoolArray, FloatArray, load_params, sample_class
from trustreach.synth._usernames import usernames as _usernames

FORMATS = ("jsonl", "csv", "parquet")

# FollowerAccountRecord field order (the written columns).
FOLLOWER_FIELDS = (
    "account_id",
    "username",
    "username_length",
    "username_digit_count",
    "full_name_length",
    "biography_length",
    "posts_count",
    "followers_count",
    "following_count",
    "has_profile_pic",
    "is_private",
    "has_external_url",
)
_BOOL_FIELDS = frozenset({"has_profile_pic", "is_private", "has_external_url"})


def check_format(fmt: str) -> None:
    """Raise ``ValueError`` unless ``fmt`` is one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}; got {fmt!r}")


def sample_feature_columns(
    is_fake_like: BoolArray, rng: np.random.Generator
) -> dict[str, npt.NDArray[Any]]:
    """Sample feature columns with each row's class given (no ids).

    Parameters
    ----------
    is_fake_like
        ``True`` where the row's features come from the fitted ``fake`` class.
    rng
        Random generator.

    Returns
    -------
    dict
        ``username`` (``bytes`` array) and the numeric/boolean feature columns.
    """
    params = load_params()
    n = is_fake_like.size
    fake_idx = np.flatnonzero(is_fake_like)
    real_idx = np.flatnonzero(~is_fake_like)
    cols: dict[str, FloatArray] = {}
    for idx, cls in ((real_idx, params.real), (fake_idx, params.fake)):
        drawn = sample_class(cls, params.levels, idx.size, rng)
        for name, values in drawn.items():
            if name not in cols:
                cols[name] = np.zeros(n, dtype=np.float64)
            cols[name][idx] = values
    names, length, digits = _usernames(
        cols["username_length"].astype(np.int64), cols["username_digit_count"].astype(np.int64), rng
    )
    out: dict[str, npt.NDArray[Any]] = {"username": names}
    for field in FOLLOWER_FIELDS[2:]:
        if field == "username_length":
            out[field] = length
        elif field == "username_digit_count":
            out[field] = digits
        elif field in _BOOL_FIELDS:
            out[field] = cols[field] > 0.5
        else:
            out[field] = cols[field].astype(np.int64)
    return out


def sample_follower_features(
    n: int,
    *,
    fake_share: float,
    rng: np.random.Generator,
    id_prefix: str = "fa-",
    id_offset: int = 0,
) -> dict[str, npt.NDArray[Any]]:
    """Sample ``n`` synthetic follower accounts from the shipped parameters.

    Parameters
    ----------
    n
        Number of accounts.
    fake_share
        Probability that an account is drawn from the fitted ``fake`` class.
    rng
        Random generator (e.g. ``numpy.random.Generator(numpy.random.PCG64(seed))``).
    id_prefix, id_offset
        ``account_id`` is ``id_prefix`` followed by ``id_offset + i`` zero-padded
        to 8 digits, so ids are unique within a call and across calls with
        disjoint offsets.

    Returns
    -------
    dict of str to numpy.ndarray
        One array per follower-account field (``account_id`` and ``username``
        as ``str`` arrays) plus the boolean truth column ``is_fake``, which
        must not be written to a follower file.

    Examples
    --------
    >>> cols = sample_follower_features(5, fake_share=0.2, rng=np.random.default_rng(1))
    >>> sorted(cols)[:3], len(cols["account_id"])
    (['account_id', 'biography_length', 'followers_count'], 5)
    """
    if not 0.0 <= fake_share <= 1.0:
        raise ValueError(f"fake_share must be between 0 and 1; got {fake_share}")
    is_fake = rng.random(n) < fake_share
    cols = sample_feature_columns(is_fake, rng)
    ids = np.arange(id_offset, id_offset + n).astype(np.str_)
    out: dict[str, npt.NDArray[Any]] = {
        "account_id": np.strings.add(id_prefix, np.strings.zfill(ids, 8)),
        "username": cols.pop("username").astype(np.str_),
    }
    out.update(cols)
    out["is_fake"] = is_fake
    return out


def follower_frame(ids: pl.Series, cols: dict[str, npt.NDArray[Any]]) -> pl.DataFrame:
    """Build the written follower table (``FOLLOWER_FIELDS`` order, no truth column)."""
    data: dict[str, pl.Series] = {"account_id": ids.alias("account_id")}
    username = cols["username"]
    if username.dtype.kind == "S":
        data["username"] = pl.Series("username", username).cast(pl.String)
    else:
        data["username"] = pl.Series("username", username, dtype=pl.String)
    for field in FOLLOWER_FIELDS[2:]:
        data[field] = pl.Series(field, cols[field])
    return pl.DataFrame(data)


class FollowerWriter:
    """Append follower chunks to one file in JSONL, CSV or Parquet."""

    def __init__(self, path: Path, fmt: str) -> None:
        check_format(fmt)
        self.path = path
        self.fmt = fmt
        self.rows = 0
        self._fh: io.BufferedWriter | None = None
        self._pq: Any = None

    def __enter__(self) -> FollowerWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt != "parquet":
            self._fh = self.path.open("wb")
        return self

    def write(self, frame: pl.DataFrame) -> None:
        """Append one chunk."""
        if self.fmt == "jsonl":
            assert self._fh is not None
            frame.write_ndjson(self._fh)
        elif self.fmt == "csv":
            assert self._fh is not None
            frame.write_csv(self._fh, include_header=self.rows == 0)
        else:
            table = frame.to_arrow()
            if self._pq is None:
                self._pq = pq.ParquetWriter(str(self.path), table.schema, compression="zstd")
            self._pq.write_table(table)
        self.rows += frame.height

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()
        if self.fmt == "parquet":
            if self._pq is None:  # no rows: still write a valid, empty file
                empty = follower_frame(pl.Series("account_id", [], dtype=pl.String), _empty_cols())
                self._pq = pq.ParquetWriter(str(self.path), empty.to_arrow().schema)
            self._pq.close()


def _empty_cols() -> dict[str, npt.NDArray[Any]]:
    cols: dict[str, npt.NDArray[Any]] = {"username": np.array([], dtype="S1")}
    for field in FOLLOWER_FIELDS[2:]:
        cols[field] = np.array([], dtype=bool if field in _BOOL_FIELDS else np.int64)
    return cols


def generate_follower_accounts(
    path: Path,
    *,
    n: int,
    seed: int,
    fake_share: float = 0.15,
    fmt: str = "jsonl",
    chunk_rows: int = 200_000,
) -> int:
    """Stream ``n`` synthetic follower-account records to one file.

    Memory stays flat: rows are sampled and written ``chunk_rows`` at a time.
    Output is deterministic for the same arguments (``chunk_rows`` included).

    Parameters
    ----------
    path
        Output file (``follower_accounts.<fmt>`` if it is to be imported by kind).
    n
        Number of records.
    seed
        Seed of the ``PCG64`` generator.
    fake_share
        Share of accounts drawn from the fitted ``fake`` class.
    fmt
        ``"jsonl"``, ``"csv"`` or ``"parquet"``.
    chunk_rows
        Rows per chunk (and per Parquet row group).

    Returns
    -------
    int
        Number of records written (``n``).
    """
    check_format(fmt)
    if n < 0 or chunk_rows < 1:
        raise ValueError("n must be >= 0 and chunk_rows >= 1")
    if not 0.0 <= fake_share <= 1.0:
        raise ValueError(f"fake_share must be between 0 and 1; got {fake_share}")
    rng = np.random.Generator(np.random.PCG64(seed))
    with FollowerWriter(Path(path), fmt) as writer:
        for start in range(0, n, chunk_rows):
            size = min(chunk_rows, n - start)
            cols = sample_feature_columns(rng.random(size) < fake_share, rng)
            ids = pl.select(
                pl.concat_str(
                    pl.lit(f"fa{seed}-"),
                    pl.int_range(start, start + size, dtype=pl.Int64).cast(pl.String).str.zfill(9),
                )
            ).to_series()
            writer.write(follower_frame(ids, cols))
    return n
