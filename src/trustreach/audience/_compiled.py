"""The shipped tree model compiled to native code: LightGBM's raw scores, several times faster.

LightGBM walks its trees with a generic interpreter. `lleaves`_ (MIT) reads the
same model text, emits LLVM IR for it and compiles that for this machine's CPU
with the LLVM that the ``llvmlite`` wheel bundles, so no C compiler is needed at
run time. The object code is built on first use (about a second for the shipped
200 trees) and kept in the cache directory (``TRUSTREACH_CACHE_DIR``, default the
user cache dir), named by the model's SHA-256, the compiler versions and the CPU
it was built for; a new file is written under a temporary name and renamed into
place, so processes that build it at the same time never read half a file, and
the last rename wins with identical content.

Before a compiled form is used, freshly built or read from the cache, its raw
scores are compared with LightGBM's on rows at, just below and just above every
split threshold of the model and with missing values; they must agree within
:data:`TOLERANCE`. LightGBM's raw scores of those rows are computed when the
object code is built and kept beside it (``.probe.npy``, written the same way),
so a process that reads both from the cache checks the code against them without
importing LightGBM (and scikit-learn, which it imports); a reference file that is
missing, unreadable or disagrees is computed again by LightGBM, and object code
that disagrees with LightGBM's own scores is deleted and rebuilt. Where
``lleaves`` cannot be imported (no wheel for this Python), cannot compile, or
disagrees, scoring stays with LightGBM: the same scores, slower. The reason is
logged once per process; it names versions and paths, never an account.

.. _lleaves: https://github.com/siboehm/lleaves
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import logging
import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import numpy as np

from trustreach.core import Settings, get_settings, replaced_atomically

__all__ = ["LIGHTGBM_ZERO", "TOLERANCE", "CompiledForest", "compiled_forest", "threshold_probe"]

log = logging.getLogger("trustreach.audience")

#: LightGBM reads every value within this of zero as 0.0 (its ``kZeroThreshold``, 1e-35 as a
#: C float); lleaves compares such values as they are. Follower features never lie in
#: (0, LIGHTGBM_ZERO] (counts are whole numbers, ratios of them far larger), and the
#: classifier maps any such value of a matrix it is given to 0.0 first.
LIGHTGBM_ZERO: Final = 1.0000000180025095e-35
#: Largest difference allowed between compiled and LightGBM raw scores (log-odds).
TOLERANCE: Final = 1e-9
#: Rows of the check run against LightGBM before a compiled form is used.
_PROBE_ROWS: Final = 4096
#: Rows per thread below which a second thread costs more than it saves.
_ROWS_PER_THREAD: Final = 20_000
#: Model text below this size is compiled with LLVM's small code model (32-bit offsets):
#: about 9% faster for the shipped 200 trees (a few hundred KiB of code); lleaves warns
#: that it crashes for very large forests, which keep the large code model.
_SMALL_CODE_TEXT: Final = 32 * 2**20


def _options(model_text: str) -> dict[str, Any]:
    """lleaves' compile options (all of them part of the cache key): raw scores (no
    sigmoid), float64 inputs, lleaves' default blocking of 34 trees, the code model."""
    small = len(model_text) < _SMALL_CODE_TEXT
    code_model = "small" if small else "large"
    return {"raw_score": True, "use_fp64": True, "fblocksize": 34, "fcodemodel": code_model}


_forests: dict[tuple[str, str], CompiledForest | None] = {}
_lock = threading.Lock()
_reported: set[str] = set()


@dataclass(frozen=True)
class CompiledForest:
    """A tree model compiled to native code, checked against LightGBM.

    Attributes
    ----------
    engine : str
        Compiler and versions, e.g. ``"lleaves 1.3.0 (llvmlite 0.44.0)"``.
    cache_file : pathlib.Path or None
        The object code on disk; ``None`` when the cache directory was not writable.
    built : bool
        True when this process compiled it, False when it was read from the cache.
    """

    engine: str
    cache_file: Path | None
    built: bool
    _model: Any

    def margins(self, matrix: np.ndarray, num_threads: int) -> np.ndarray:
        """Raw scores (log-odds), one per row of a float64 feature matrix."""
        # lleaves reads the buffer as given: hand it a C-ordered float64 array it can keep
        data = np.ascontiguousarray(matrix, dtype=np.float64)
        threads = max(1, min(int(num_threads), data.shape[0] // _ROWS_PER_THREAD))
        return np.asarray(self._model.predict(data, n_jobs=threads), dtype=np.float64)


def _report(reason: str, *, fallback: bool = True) -> None:
    """Log a reason once per process (versions and paths only)."""
    if reason in _reported:
        return
    _reported.add(reason)
    if fallback:
        log.warning("scoring follower accounts with LightGBM, not compiled trees: %s", reason)
    else:
        log.info("compiled trees: %s", reason)


def compiled_forest(
    model_text: str, sha256: str, booster: Any = None, *, settings: Settings | None = None
) -> CompiledForest | None:
    """The compiled form of a LightGBM model, or ``None`` to score with LightGBM.

    Built once per process and model (and read from the cache directory when an
    earlier process built it).

    Parameters
    ----------
    model_text : str
        LightGBM model text, the file whose SHA-256 is ``sha256``.
    sha256 : str
        SHA-256 of ``model_text`` (names the cached file).
    booster : lightgbm.Booster, optional
        The same model loaded by LightGBM; the compiled form must agree with it.
        Without it, LightGBM loads ``model_text`` only if its raw scores of the
        check's rows are not in the cache already.
    settings : Settings, optional
        ``compiled_trees`` (false: always ``None``) and the cache directory.

    Returns
    -------
    CompiledForest or None
    """
    settings = settings or get_settings()
    if not settings.compiled_trees:
        return None
    folder = settings.resolved_cache_dir() / "compiled"
    key = (sha256, str(folder))
    with _lock:
        if key not in _forests:
            _forests[key] = _build(model_text, sha256, booster, folder)
        return _forests[key]


def forget_compiled_forests() -> None:
    """Drop this process's compiled forms and logged reasons (tests use it)."""
    with _lock:
        _forests.clear()
        _reported.clear()


def _target() -> tuple[str, str]:
    """Versions of the compiler and a description of the CPU code is built for."""
    import llvmlite
    import llvmlite.binding as llvm
    from lleaves.llvm_binding import _initialize_llvm  # the same LLVM set-up lleaves uses

    _initialize_llvm()
    try:
        features = llvm.get_host_cpu_features().flatten()
    except RuntimeError:  # lleaves compiles without features then, too
        features = ""
    engine = f"lleaves {metadata.version('lleaves')} (llvmlite {llvmlite.__version__})"
    cpu = f"{llvm.get_process_triple()} {llvm.get_host_cpu_name()} {features}"
    return engine, cpu


class _NoPandasHere(importlib.abc.MetaPathFinder):
    """Refuses ``import pandas`` to the one thread that imports lleaves (others import it)."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "pandas" and threading.get_ident() == self.thread:
            raise ModuleNotFoundError("not loaded for lleaves", name=fullname)
        return None


def _import_lleaves() -> Any:
    """``import lleaves``, without importing pandas where it is not loaded yet.

    lleaves imports pandas only to recognise a DataFrame given to ``predict``
    (with a stand-in class where pandas is missing); this module gives it
    float64 arrays only. Importing pandas would cost a scoring process (a Dask
    worker) about 0.35 s of CPU at start, 40% of loading the model. Only this
    thread is refused pandas, and only while lleaves is imported.
    """
    if "lleaves" in sys.modules or "pandas" in sys.modules:
        import lleaves

        return lleaves
    finder = _NoPandasHere()
    sys.meta_path.insert(0, finder)
    try:
        import lleaves
    finally:
        sys.meta_path.remove(finder)
    return lleaves


def _build(model_text: str, sha256: str, booster: Any, folder: Path) -> CompiledForest | None:
    try:
        lleaves = _import_lleaves()
    except ImportError as error:
        _report(f"lleaves is not installed ({error})")
        return None
    try:
        engine, cpu = _target()
    except Exception as error:  # an llvmlite lleaves does not support, a platform LLVM lacks
        _report(f"LLVM could not be set up ({type(error).__name__}: {error})")
        return None
    options = _options(model_text)
    flags = " ".join(f"{k}={v}" for k, v in sorted(options.items()))
    digest = hashlib.sha256(f"{engine}|{flags}|{cpu}".encode()).hexdigest()[:16]
    target = folder / f"trees-{sha256[:16]}-{digest}.o"
    reference = _Reference(target.with_suffix(".probe.npy"), model_text, booster)
    with tempfile.TemporaryDirectory(prefix="trustreach-trees-") as tmp:
        text_file = Path(tmp) / "model.txt"  # lleaves reads the model from a file
        text_file.write_text(model_text, encoding="utf-8")
        try:
            if target.is_file():
                model = lleaves.Model(model_file=str(text_file))
                model.compile(cache=str(target), **options)
                stored = reference.stored()
                if stored is not None and _agrees(model, reference.probe, stored):
                    return CompiledForest(engine, target, False, model)
                if _agrees(model, reference.probe, reference.lightgbm()):
                    reference.store()  # it was missing, unreadable or wrong
                    return CompiledForest(engine, target, False, model)
                _report(f"cached {target} disagreed with LightGBM; rebuilt", fallback=False)
                target.unlink(missing_ok=True)
            model, cache_file = _compile(lleaves, text_file, target, options)
        except Exception as error:
            _report(f"{engine} could not compile the model ({type(error).__name__}: {error})")
            return None
    if not _agrees(model, reference.probe, reference.lightgbm()):
        if cache_file is not None:
            cache_file.unlink(missing_ok=True)
        _report(f"{engine} disagreed with LightGBM by more than {TOLERANCE:g}")
        return None
    if cache_file is not None:
        reference.store()
    return CompiledForest(engine, cache_file, True, model)


class _Reference:
    """LightGBM's raw scores of the check's rows: read beside the object code, or computed."""

    def __init__(self, path: Path, model_text: str, booster: Any) -> None:
        self.path = path
        self.probe = threshold_probe(model_text, _PROBE_ROWS, seed=0)
        self._text = model_text
        self._booster = booster
        self._computed: np.ndarray | None = None

    def stored(self) -> np.ndarray | None:
        """The kept scores, or ``None`` when missing or not an array of the right shape."""
        try:
            with self.path.open("rb") as fh:
                values = np.load(fh, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if values.dtype != np.float64 or values.shape != (self.probe.shape[0],):
            return None
        return np.asarray(values)

    def lightgbm(self) -> np.ndarray:
        """LightGBM's own raw scores of the check's rows (loads LightGBM)."""
        if self._computed is None:
            booster = self._booster
            if booster is None:
                import lightgbm

                booster = lightgbm.Booster(model_str=self._text)
            scores = booster.predict(self.probe, raw_score=True, num_threads=1)
            self._computed = np.asarray(scores, dtype=np.float64)
        return self._computed

    def store(self) -> None:
        """Keep LightGBM's scores beside the object code (renamed into place; best effort)."""
        try:
            with replaced_atomically(self.path) as tmp, tmp.open("wb") as fh:
                np.save(fh, self.lightgbm(), allow_pickle=False)
        except OSError as error:
            _report(f"{self.path} could not be written ({error})", fallback=False)


def _compile(
    lleaves: Any, text_file: Path, target: Path, options: dict[str, Any]
) -> tuple[Any, Path | None]:
    """Compile, writing the object code to a temporary name renamed to ``target``."""
    model = lleaves.Model(model_file=str(text_file))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        writable = os.access(target.parent, os.W_OK | os.X_OK)
    except OSError:
        writable = False
    if not writable:
        _report(f"{target.parent} is not writable: compiled in memory only", fallback=False)
        model.compile(**options)
        return model, None
    partial = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        model.compile(cache=str(partial), **options)  # lleaves writes it when compiled
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return model, target


def _agrees(model: Any, probe: np.ndarray, expected: np.ndarray) -> bool:
    got = np.asarray(model.predict(probe, n_jobs=1), dtype=np.float64)
    return got.shape == expected.shape and bool(np.all(np.abs(got - expected) <= TOLERANCE))


def threshold_probe(model_text: str, rows: int, *, seed: int) -> np.ndarray:
    """Rows that exercise every split of a LightGBM model: values at, just below and
    just above its thresholds, between and beyond them, and missing (``NaN``).

    Values within :data:`LIGHTGBM_ZERO` of zero are given as 0.0, which is how
    LightGBM reads them.

    Parameters
    ----------
    model_text : str
        LightGBM model text.
    rows : int
        Rows to draw.
    seed : int
        Seed of the draw.

    Returns
    -------
    numpy.ndarray
        C-ordered float64 array of shape ``(rows, max_feature_idx + 1)``.

    Examples
    --------
    >>> text = "max_feature_idx=1\\nsplit_feature=0 1\\nthreshold=0.5 2\\n"
    >>> threshold_probe(text, 3, seed=0).shape
    (3, 2)
    """
    width = 0
    split_features: list[int] = []
    split_thresholds: list[float] = []
    for line in model_text.splitlines():
        if line.startswith("max_feature_idx="):
            width = int(line.partition("=")[2]) + 1
        elif line.startswith("split_feature="):
            split_features += [int(v) for v in line.partition("=")[2].split()]
        elif line.startswith("threshold="):
            split_thresholds += [float(v) for v in line.partition("=")[2].split()]
    rng = np.random.default_rng(seed)
    matrix = np.empty((rows, width), dtype=np.float64)
    features = np.asarray(split_features, dtype=np.int64)
    values = np.asarray(split_thresholds, dtype=np.float64)
    for column in range(width):
        cuts = np.unique(values[features == column])
        cuts = cuts[np.isfinite(cuts)]  # "<= inf" splits send missing apart; inputs are finite
        if cuts.size == 0:
            cuts = np.zeros(1)
        # between two neighbouring thresholds, below the lowest and above the highest
        edges = np.concatenate([[cuts[0] - abs(cuts[0]) - 1], cuts, [cuts[-1] + abs(cuts[-1]) + 1]])
        low = rng.integers(0, edges.size - 1, rows)
        beyond = edges[low] + (edges[low + 1] - edges[low]) * rng.uniform(0.001, 0.999, rows)
        at = cuts[rng.integers(0, cuts.size, rows)]
        choice = rng.integers(0, 5, rows)
        matrix[:, column] = np.select(
            [choice == 0, choice == 1, choice == 2, choice == 3],
            [at, np.nextafter(at, -np.inf), np.nextafter(at, np.inf), np.nan],
            beyond,
        )
    matrix[np.abs(matrix) <= LIGHTGBM_ZERO] = 0.0  # what LightGBM reads them as
    return matrix
