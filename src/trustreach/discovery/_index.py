"""The creator index: precomputed, columnar features that ranking reads.

Ranking a brief must not touch the database or run a model per creator: it
reads one :class:`CreatorIndex`, built ahead of time from the store (see
``trustreach.services.build_discovery_index``) and kept as plain files. One row
is one platform account; rows of the same creator are contiguous, so
per-creator reductions are segment reductions.

Unknown values are ``NaN`` (numbers), all-``NaN`` rows (audience shares) or
zero vectors (topics), never zero or a guess: the ranking says what it did not
know.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from trustreach.audience._signals import SIGNAL_KINDS
from trustreach.core import (
    NotFoundError,
    TrustreachError,
    durable,
    exclusive_lock,
    fsync_folder,
    shared_lock,
    write_text_atomically,
)
from trustreach.ingest._schema import AGE_BANDS, GENDERS

FloatArray = npt.NDArray[np.float32]
_T = TypeVar("_T")
Float64Array = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]

INDEX_FORMAT = 2
"""Version of the on-disk layout written by :meth:`CreatorIndex.save` (2 added ``signals``)."""

FRAUD_SIGNALS: tuple[str, ...] = SIGNAL_KINDS
"""Column labels of :attr:`CreatorIndex.signals`: the audience audit's engagement-fraud
signals (``trustreach.audience.SIGNAL_KINDS``)."""

_STRING_COLUMNS = (
    "creator_id",
    "account_id",
    "display_name",
    "platform",
    "language",
    "top_terms",
    "rate_currency",
)
_FEW_DISTINCT = ("platform", "language", "top_terms", "rate_currency")
"""Text columns whose values repeat: read as one string object per distinct value."""
_FLOAT_COLUMNS = (
    "followers",
    "fake_share",
    "fake_low",
    "fake_high",
    "quality",
    "engagements",
    "engagements_low",
    "engagements_high",
    "reach",
    "reach_low",
    "reach_high",
    "rate",
)
_MATRICES = ("age", "gender", "country", "topics", "signals")


class CreatorIndexError(TrustreachError):
    """The creator index is missing, stale or malformed."""


@dataclass(eq=False)
class CreatorIndex:
    """Precomputed features of every candidate account (one row per account).

    Attributes
    ----------
    creator_id, account_id, display_name, platform, language : object arrays of str
        Identity and scope of each row. ``language`` is ``""`` when unknown.
    followers : float64 array
        Follower count of the account (NaN when unknown).
    age, gender : float32 arrays, shape (n, 7) and (n, 4)
        Platform-reported audience shares by ``AGE_BANDS`` and ``GENDERS``
        (NaN rows when the platform reported none).
    countries : tuple of str
        Column labels of ``country``.
    country : float32 array, shape (n, len(countries))
        Reported audience shares by country (NaN rows when none reported).
    topics : float32 array, shape (n, d)
        L2-normalised embedding of the account's recent captions and hashtags;
        zero rows when the account has no text.
    top_terms : object array of str
        The account's most used hashtags, comma-separated, for explanations.
    fake_share, fake_low, fake_high, quality : float64 arrays
        From the creator's latest audience audit: share of followers that look
        inauthentic with its 95% interval, and Audience Quality (0-100). NaN
        when the creator has not been audited.
    signals : float32 array, shape (n, len(FRAUD_SIGNALS))
        From the same audit: the strength (0-1) of each engagement-fraud
        signal the audit *raised*, 0 for a signal it did not raise, NaN rows
        when the creator has not been audited. Optional when building an
        index by hand: by default 0 for audited rows, NaN for the others.
    engagements, engagements_low, engagements_high, reach, reach_low, reach_high : float64
        Predicted engagements and reach of the next post with an 80% interval
        (NaN when no post history or no view data).
    rate, rate_currency : float64 array, object array
        Declared fee for one sponsored post (NaN and ``""`` when undeclared).
    meta : dict
        Model versions and provenance (embedding model, performance model,
        authenticity model, workspace, build time).
    """

    creator_id: ObjectArray
    account_id: ObjectArray
    display_name: ObjectArray
    platform: ObjectArray
    language: ObjectArray
    followers: Float64Array
    age: FloatArray
    gender: FloatArray
    countries: tuple[str, ...]
    country: FloatArray
    topics: FloatArray
    top_terms: ObjectArray
    fake_share: Float64Array
    fake_low: Float64Array
    fake_high: Float64Array
    quality: Float64Array
    engagements: Float64Array
    engagements_low: Float64Array
    engagements_high: Float64Array
    reach: Float64Array
    reach_low: Float64Array
    reach_high: Float64Array
    rate: Float64Array
    rate_currency: ObjectArray
    meta: dict[str, Any] = field(default_factory=dict)
    signals: FloatArray = field(
        default_factory=lambda: np.zeros((0, len(FRAUD_SIGNALS)), dtype=np.float32)
    )
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.creator_id)
        if n and self.signals.shape[0] == 0:  # not given: nothing raised where audited
            self.signals = np.where(
                np.isfinite(self.fake_share)[:, None] | np.isfinite(self.quality)[:, None],
                np.float32(0.0),
                np.float32(np.nan),
            ) * np.ones((1, len(FRAUD_SIGNALS)), dtype=np.float32)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.shape[0] != n:
                raise ValueError(f"index column {f.name} has {value.shape[0]} rows, expected {n}")
        if self.age.shape[1:] != (len(AGE_BANDS),):
            raise ValueError(f"age must have {len(AGE_BANDS)} columns ({', '.join(AGE_BANDS)})")
        if self.gender.shape[1:] != (len(GENDERS),):
            raise ValueError(f"gender must have {len(GENDERS)} columns ({', '.join(GENDERS)})")
        if self.country.shape[1:] != (len(self.countries),):
            raise ValueError("country must have one column per entry of countries")
        if self.signals.shape[1:] != (len(FRAUD_SIGNALS),):
            raise ValueError(
                f"signals must have {len(FRAUD_SIGNALS)} columns ({', '.join(FRAUD_SIGNALS)})"
            )
        if n and np.any(self.creator_id[1:] < self.creator_id[:-1]):
            raise ValueError("index rows must be sorted by creator_id")

    def __len__(self) -> int:
        return len(self.creator_id)

    @property
    def dim(self) -> int:
        """Dimension of the topic embeddings."""
        return int(self.topics.shape[1])

    def derived(self, slot: str, key: Hashable, compute: Callable[[], _T]) -> _T:
        """A value computed from the index's columns, kept for the next call with the same ``key``.

        One value per ``slot``: a call with another ``key`` computes and keeps
        the new value in place of the old one, so a slot never holds more than
        one. Ranking keeps here the columns that depend on the index alone
        (or on the index and a few numbers of the query, which are the key),
        like :meth:`segment_ids` and :meth:`codes`: an index must not be
        modified once it has been ranked.
        """
        held = self._derived.get(f"derived:{slot}")
        if held is None or held[0] != key:
            held = (key, compute())
            self._derived[f"derived:{slot}"] = held
        value: _T = held[1]
        return value

    def segments(self) -> npt.NDArray[np.intp]:
        """Start row of each creator's run of rows (rows are sorted by creator)."""
        return self.segment_ids()[0]

    def segment_ids(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Start row of each creator's run, and each row's creator number (computed once)."""
        if "segments" not in self._derived:
            n = len(self)
            seg = np.zeros(n, dtype=np.intp)
            if n:
                change = self.creator_id[1:] != self.creator_id[:-1]
                seg[1:] = np.cumsum(change)
                starts = np.concatenate([[0], np.flatnonzero(change) + 1]).astype(np.intp)
            else:
                starts = np.zeros(0, dtype=np.intp)
            self._derived["segments"] = (starts, seg)
        result: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] = self._derived["segments"]
        return result

    def creator_keys(self) -> npt.NDArray[np.str_]:
        """The creator ids, one per creator in row order, as a sorted fixed-width array."""
        if "keys" not in self._derived:
            starts, _ = self.segment_ids()
            self._derived["keys"] = self.creator_id[starts].astype(str)
        keys: npt.NDArray[np.str_] = self._derived["keys"]
        return keys

    def codes(self, column: str) -> tuple[npt.NDArray[np.intp], list[str]]:
        """A text column as integer codes and their labels (computed once), for fast filters."""
        key = f"codes:{column}"
        if key not in self._derived:
            labels, codes = np.unique(getattr(self, column).astype(str), return_inverse=True)
            self._derived[key] = (codes.astype(np.intp), [str(v) for v in labels])
        result: tuple[npt.NDArray[np.intp], list[str]] = self._derived[key]
        return result

    def where_in(self, column: str, values: Iterable[str]) -> npt.NDArray[np.bool_]:
        """Rows whose ``column`` is one of ``values``."""
        codes, labels = self.codes(column)
        wanted = np.zeros(len(labels) + 1, dtype=bool)
        for value in values:
            if value in labels:
                wanted[labels.index(value)] = True
        mask: npt.NDArray[np.bool_] = wanted[codes]
        return mask

    def rows_of(self, creator_id: str) -> npt.NDArray[np.intp]:
        """Row numbers of one creator's accounts (empty when not indexed)."""
        lo = int(np.searchsorted(self.creator_id, creator_id, side="left"))
        hi = int(np.searchsorted(self.creator_id, creator_id, side="right"))
        return np.arange(lo, hi, dtype=np.intp)

    # ------------------------------------------------------------------ files

    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` (columns as Parquet, matrices as ``.npy``).

        Each save writes a complete new generation into its own sub-folder and
        then publishes it in one atomic step, by replacing the ``CURRENT``
        file that names it; older generations are removed afterwards. A reader
        therefore sees either the old index or the new one, never a mix, and
        one that already memory-mapped the old topics keeps reading them.
        Concurrent writers are serialised by an advisory lock on
        ``folder/.lock`` (POSIX only: on Windows, concurrent saves to one
        folder are not supported).
        """
        folder.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(folder / ".lock"):
            generation = f"{_GENERATION_PREFIX}{time.time_ns()}-{os.getpid()}"
            target = folder / generation
            target.mkdir()
            try:
                self._write_files(target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            _publish(folder, generation)
            _remove_stale(folder, keep=generation)

    def _write_files(self, target: Path) -> None:
        """Write every file of one generation into ``target`` and flush it to disk."""
        columns: dict[str, Any] = {
            c: pl.Series(c, getattr(self, c), dtype=pl.String) for c in _STRING_COLUMNS
        }
        columns.update(
            {c: pl.Series(c, getattr(self, c), dtype=pl.Float64) for c in _FLOAT_COLUMNS}
        )
        frame = pl.DataFrame(columns)
        with durable(target / "columns.parquet") as fh:
            frame.write_parquet(fh)
        for name in _MATRICES:
            with durable(target / f"{name}.npy") as fh:
                np.save(fh, np.ascontiguousarray(getattr(self, name), dtype=np.float32))
        meta = {
            **self.meta,
            "format": INDEX_FORMAT,
            "countries": list(self.countries),
            "rows": len(self),
        }
        with durable(target / "meta.json") as fh:
            fh.write(json.dumps(meta, indent=1, sort_keys=True).encode("utf-8"))
        fsync_folder(target)

    @staticmethod
    def exists(folder: Path) -> bool:
        """Whether an index has been published in ``folder`` (by :meth:`save`)."""
        return _current_generation(folder) is not None

    @classmethod
    def load(cls, folder: Path) -> CreatorIndex:
        """Read an index written by :meth:`save` (the topic matrix is memory-mapped).

        Every file comes from the generation that ``CURRENT`` names. The read
        holds the folder's lock shared, so no save publishes or removes a
        generation meanwhile (a reader never has to start over, however busy
        the writers); the memory-mapped topics stay readable after it.
        """
        with shared_lock(folder / ".lock"):
            generation = _current_generation(folder)
            if generation is None:
                raise NotFoundError(f"no creator index in {folder}; build it first")
            try:
                return cls._load_generation(folder, folder / generation)
            except FileNotFoundError:
                raise CreatorIndexError(
                    f"creator index in {folder} is incomplete: rebuild it"
                ) from None

    @classmethod
    def _load_generation(cls, folder: Path, target: Path) -> CreatorIndex:
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != INDEX_FORMAT:
            raise CreatorIndexError(
                f"creator index in {folder} has format {meta.get('format')!r}; "
                f"this version reads format {INDEX_FORMAT}: rebuild it"
            )
        frame = pl.read_parquet(target / "columns.parquet")
        if frame.height != meta["rows"]:
            raise CreatorIndexError(f"creator index in {folder} is incomplete: rebuild it")
        values: dict[str, Any] = {
            c: _strings(frame[c].fill_null(""), shared=c in _FEW_DISTINCT) for c in _STRING_COLUMNS
        }
        values.update(
            {c: frame[c].fill_null(np.nan).to_numpy().astype(np.float64) for c in _FLOAT_COLUMNS}
        )
        for name in _MATRICES:
            values[name] = np.load(
                target / f"{name}.npy", mmap_mode="r" if name == "topics" else None
            )
        countries = tuple(meta.pop("countries"))
        for key in ("format", "rows"):
            meta.pop(key, None)
        return cls(countries=countries, meta=meta, **values)


def _strings(column: pl.Series, *, shared: bool) -> ObjectArray:
    """A text column as an object array; ``shared``: one str object per distinct value.

    A million rows of "instagram" are then a million pointers to one string, not a
    million strings (about 50 bytes each): the index of 1M creators is ~200 MiB
    smaller in memory, with the same values.
    """
    if not shared:
        return np.asarray(column.to_numpy().astype(object))
    distinct = column.unique().sort()
    labels = np.array(distinct.to_list(), dtype=object)
    out: ObjectArray = labels[distinct.search_sorted(column).to_numpy()]
    return out


# ---------------------------------------------------------------- generations

_CURRENT = "CURRENT"
_GENERATION_PREFIX = "gen-"
_FLAT_LAYOUT = ("meta.json", "columns.parquet", *(f"{name}.npy" for name in _MATRICES))
"""Files of the layout before generations (written straight into the folder)."""


def _publish(folder: Path, generation: str) -> None:
    """Point ``CURRENT`` at ``generation`` in one atomic rename."""
    write_text_atomically(folder / _CURRENT, f"{generation}\n")


def _current_generation(folder: Path) -> str | None:
    """The published generation's folder name, or None when nothing is published."""
    try:
        name = (folder / _CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not name.startswith(_GENERATION_PREFIX) or Path(name).name != name:
        raise CreatorIndexError(f"creator index in {folder} is malformed: rebuild it")
    return name


def _remove_stale(folder: Path, *, keep: str) -> None:
    """Remove generations other than ``keep``, leftover temp files and the flat layout.

    Runs under the writer lock, so nothing removed is being written. Errors are
    ignored (a file still open on Windows goes at the next save).
    """
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith(_GENERATION_PREFIX) and name != keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif (name.startswith(".") and name.endswith(".tmp")) or name in _FLAT_LAYOUT:
            with suppress(OSError):
                entry.unlink()


def empty_matrix(n: int, width: int) -> FloatArray:
    """An (n, width) float32 matrix of NaN: "not reported"."""
    return np.full((n, width), np.nan, dtype=np.float32)


def shares_matrix(rows: list[Mapping[str, float] | None], labels: tuple[str, ...]) -> FloatArray:
    """Stack per-row share mappings into a matrix over ``labels`` (NaN rows for None).

    >>> shares_matrix([{"a": 0.25}, None], ("a", "b")).tolist()
    [[0.25, 0.0], [nan, nan]]
    """
    out = empty_matrix(len(rows), len(labels))
    position = {label: i for i, label in enumerate(labels)}
    for r, shares in enumerate(rows):
        if shares is None:
            continue
        out[r] = 0.0
        for key, share in shares.items():
            col = position.get(key)
            if col is not None:
                out[r, col] = share
    return out


def synthetic_index(
    creators: int, *, seed: int = 0, dim: int = 64, accounts_per_creator: int = 1
) -> CreatorIndex:
    """A random but plausible index, for benchmarks and tests (no store needed).

    Followers are log-normal, audience shares Dirichlet, topic vectors random
    unit vectors, a third of creators unaudited and a fifth without a
    declared rate, like a real pool.

    >>> idx = synthetic_index(10, seed=1, dim=8)
    >>> len(idx), idx.dim, idx.topics.dtype.name
    (10, 8, 'float32')
    """
    rng = np.random.default_rng(seed)
    n = creators * accounts_per_creator
    width = max(6, len(str(creators)))
    ids = np.array([f"cr-{i:0{width}d}" for i in range(creators)], dtype=object)
    creator_id = np.repeat(ids, accounts_per_creator)
    platforms = np.array(["instagram", "tiktok", "youtube"], dtype=object)
    platform = (
        platforms[np.arange(n) % accounts_per_creator % 3]
        if accounts_per_creator > 1
        else platforms[rng.integers(0, 3, n)]
    )
    account_id = np.array(
        [f"{c}-{p[:2]}" for c, p in zip(creator_id, platform, strict=True)], dtype=object
    )
    followers: Float64Array = np.round(np.exp(rng.normal(9.5, 1.6, n))).astype(np.float64)
    countries = ("US", "GB", "DE", "FR", "BR", "IN", "ES", "IT")
    age = rng.dirichlet(np.ones(len(AGE_BANDS)) * 2, n).astype(np.float32)
    gender = rng.dirichlet(np.array([5.0, 5.0, 0.3, 0.5]), n).astype(np.float32)
    country = (rng.dirichlet(np.ones(len(countries)), n) * 0.9).astype(np.float32)
    no_audience = rng.random(n) < 0.05
    age[no_audience] = np.nan
    gender[no_audience] = np.nan
    country[no_audience] = np.nan
    topics = rng.normal(size=(n, dim)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    fake = np.clip(rng.beta(1.5, 12, n), 0, 1)
    unaudited = rng.random(n) < 0.33
    fake[unaudited] = np.nan
    engagements: Float64Array = followers * np.exp(rng.normal(-3.5, 0.6, n))
    reach: Float64Array = followers * np.exp(rng.normal(-1.2, 0.5, n))
    rate: Float64Array = np.round(followers * np.exp(rng.normal(-4.0, 0.5, n)), 0)
    undeclared = rng.random(n) < 0.2
    rate[undeclared] = np.nan
    return CreatorIndex(
        creator_id=creator_id,
        account_id=account_id,
        display_name=creator_id.copy(),
        platform=platform,
        language=np.full(n, "en", dtype=object),
        followers=followers,
        age=age,
        gender=gender,
        countries=countries,
        country=country,
        topics=topics,
        top_terms=np.full(n, "", dtype=object),
        fake_share=fake,
        fake_low=np.clip(fake - 0.03, 0, 1),
        fake_high=np.clip(fake + 0.03, 0, 1),
        quality=np.where(unaudited, np.nan, 100 * (1 - fake) * rng.uniform(0.7, 1.0, n)),
        engagements=engagements,
        engagements_low=(engagements * 0.5).astype(np.float64),
        engagements_high=(engagements * 1.8).astype(np.float64),
        reach=reach,
        reach_low=(reach * 0.5).astype(np.float64),
        reach_high=(reach * 1.8).astype(np.float64),
        rate=rate,
        rate_currency=np.where(undeclared, "", "USD").astype(object),
        meta={"synthetic": True, "seed": seed},
    )
