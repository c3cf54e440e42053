"""Compiled tree inference: LightGBM's raw scores, cached by hash, and a clean fallback."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustreach.audience import account_features, load_authenticity_model
from trustreach.audience._compiled import (
    TOLERANCE,
    compiled_forest,
    forget_compiled_forests,
    threshold_probe,
)
from trustreach.audience._model import COMPILED_MIN_ROWS
from trustreach.core import Settings, reset_settings
from trustreach.ingest._validate import _KEY_CONTROL, _ascii_text

lleaves = pytest.importorskip("lleaves")  # no wheel for this Python: the fallback tests still run


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    forget_compiled_forests()
    yield
    forget_compiled_forests()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the module: the shipped model is compiled once."""
    return tmp_path_factory.mktemp("cache")


def _shipped() -> tuple[str, str, lgb.Booster]:
    classifier = load_authenticity_model().classifier
    booster, text = classifier._artefact_text
    return text, classifier.sha256_, booster


def _accounts(rows: int, seed: int) -> np.ndarray:
    """Feature rows of random follower accounts, some fields missing."""
    rng = np.random.default_rng(seed)

    def some(values: np.ndarray) -> pl.Series:
        return pl.Series(values).set(pl.Series(rng.random(rows) < 0.1), None)

    length = rng.integers(1, 31, rows)
    frame = pl.DataFrame(
        {
            "posts_count": some(rng.integers(0, 5000, rows)),
            "followers_count": some(rng.integers(0, 2_000_000, rows)),
            "following_count": some(rng.integers(0, 8000, rows)),
            "has_profile_pic": some(rng.random(rows) < 0.7),
            "is_private": some(rng.random(rows) < 0.4),
            "biography_length": some(rng.integers(0, 151, rows)),
            "username_length": some(length),
            "username_digit_count": some(rng.integers(0, 31, rows) % (length + 1)),
        }
    )
    return account_features(frame)


def test_compiled_and_lightgbm_raw_scores_agree_on_every_row(cache: Path) -> None:
    text, sha256, booster = _shipped()
    forest = compiled_forest(text, sha256, booster, settings=Settings(cache_dir=cache))
    assert forest is not None
    # 200k random accounts, and 20k rows at, just below and just above every split
    # threshold of the model, between and beyond them, and missing
    matrix = np.vstack([_accounts(200_000, seed=5), threshold_probe(text, 20_000, seed=6)])
    expected = booster.predict(matrix, raw_score=True, num_threads=2)
    got = forest.margins(matrix, 2)
    assert got.shape == expected.shape
    worst = np.abs(got - expected)
    assert (worst <= TOLERANCE).all(), (worst.max(), matrix[int(worst.argmax())])
    assert np.array_equal(forest.margins(matrix[:3000], 1), got[:3000])  # threads change nothing


def test_the_shipped_model_scores_large_batches_compiled(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTREACH_CACHE_DIR", str(cache))
    reset_settings()
    classifier = load_authenticity_model().classifier
    matrix = _accounts(COMPILED_MIN_ROWS, seed=8)
    assert classifier._compiled_forest() is not None
    direct = classifier._booster_margins(matrix, 2)
    margins = classifier.decision_function(matrix, num_threads=2)
    assert np.abs(margins - direct).max() <= TOLERANCE
    # LightGBM reads a value within 1e-35 of zero as 0; so does the classifier for any engine
    tiny = matrix.copy()
    tiny[:, 8] = np.where(tiny[:, 8] == 0, -1e-36, tiny[:, 8])
    assert np.abs(classifier.decision_function(tiny) - direct).max() <= TOLERANCE


def test_a_second_load_reads_the_cache_and_does_not_recompile(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, sha256, booster = _shipped()
    first = compiled_forest(text, sha256, booster, settings=Settings(cache_dir=cache))
    assert first is not None and first.cache_file is not None and first.cache_file.is_file()
    assert not list(cache.rglob("*.partial"))
    forget_compiled_forests()  # as in a new process

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr("lleaves.compiler.compile_to_module", no_compiling)
    second = compiled_forest(text, sha256, booster, settings=Settings(cache_dir=cache))
    assert second is not None
    assert not second.built and second.cache_file == first.cache_file
    probe = threshold_probe(text, 2000, seed=9)
    assert np.array_equal(second.margins(probe, 1), first.margins(probe, 1))
    assert first.cache_file.name.startswith(f"trees-{sha256[:16]}-")  # another model: another file


def _tiny_model(path: Path, seed: int) -> lgb.Booster:
    """A small LightGBM model on 11 features (fast to compile)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(500, 11))
    y = (x[:, 0] + rng.normal(size=500) > 0).astype(int)
    params = {"objective": "binary", "num_leaves": 4, "verbosity": -1, "seed": seed}
    booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=5)
    booster.save_model(str(path))
    return booster


@pytest.mark.parametrize("booster_given", [True, False])
def test_a_cached_file_that_disagrees_is_rebuilt(tmp_path: Path, booster_given: bool) -> None:
    one = _tiny_model(tmp_path / "one.txt", seed=1)
    two = _tiny_model(tmp_path / "two.txt", seed=2)
    text_one, text_two = (tmp_path / "one.txt").read_text(), (tmp_path / "two.txt").read_text()
    at = Settings(cache_dir=tmp_path / "cache")
    built_one = compiled_forest(text_one, "1" * 64, one, settings=at)
    built_two = compiled_forest(text_two, "2" * 64, two, settings=at)
    assert built_one is not None and built_two is not None
    assert built_one.cache_file is not None and built_two.cache_file is not None
    built_two.cache_file.write_bytes(built_one.cache_file.read_bytes())  # the wrong code
    forget_compiled_forests()
    # without a booster, the check reads the scores kept beside the code (or LightGBM's)
    again = compiled_forest(text_two, "2" * 64, two if booster_given else None, settings=at)
    assert again is not None and again.built  # checked against LightGBM, found wrong, rebuilt
    probe = threshold_probe(text_two, 2000, seed=3)
    expected = two.predict(probe, raw_score=True)
    assert np.abs(again.margins(probe, 1) - expected).max() <= TOLERANCE


def test_a_model_too_large_for_the_small_code_model_keeps_the_large_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    booster = _tiny_model(tmp_path / "m.txt", seed=4)
    text = (tmp_path / "m.txt").read_text()
    at = Settings(cache_dir=tmp_path / "cache")
    small = compiled_forest(text, "4" * 64, booster, settings=at)
    forget_compiled_forests()
    monkeypatch.setattr("trustreach.audience._compiled._SMALL_CODE_TEXT", len(text))
    large = compiled_forest(text, "4" * 64, booster, settings=at)
    assert small is not None and large is not None and large.built
    assert small.cache_file != large.cache_file  # the code model is part of the cache key
    probe = threshold_probe(text, 2000, seed=5)
    expected = booster.predict(probe, raw_score=True)
    for forest in (small, large):
        assert np.abs(forest.margins(probe, 1) - expected).max() <= TOLERANCE


def test_processes_compiling_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    _tiny_model(tmp_path / "model.txt", seed=4)
    script = (
        "import sys, lightgbm as lgb\n"
        "from pathlib import Path\n"
        "from trustreach.audience._compiled import compiled_forest\n"
        "from trustreach.core import Settings\n"
        "text = Path(sys.argv[1]).read_text()\n"
        "booster = lgb.Booster(model_str=text)\n"
        "at = Settings(cache_dir=sys.argv[2])\n"
        "forest = compiled_forest(text, '4' * 64, booster, settings=at)\n"
        "assert forest is not None\n"
        "print(forest.built)\n"
    )
    cache = tmp_path / "cache"
    args = [sys.executable, "-c", script, str(tmp_path / "model.txt"), str(cache)]
    runs = [subprocess.Popen(args, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    names = sorted(p.name for p in (cache / "compiled").iterdir())
    assert len(names) == 2 and names[0].endswith(".o") and names[1].endswith(".probe.npy")


def test_without_lleaves_the_same_scores_come_from_lightgbm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TRUSTREACH_CACHE_DIR", str(tmp_path / "cache"))
    reset_settings()
    model = load_authenticity_model()
    frame = pl.DataFrame({"posts_count": np.arange(COMPILED_MIN_ROWS) % 40,
                          "followers_count": np.arange(COMPILED_MIN_ROWS) % 900,
                          "following_count": np.arange(COMPILED_MIN_ROWS) % 7000})  # fmt: skip
    matrix = account_features(frame)
    expected = np.clip(
        model.classifier._calibrate(model.classifier._booster_margins(matrix, 1)), 0.01, 0.99
    )
    monkeypatch.setitem(sys.modules, "lleaves", None)  # import lleaves raises ImportError
    with caplog.at_level(logging.WARNING, logger="trustreach.audience"):
        first = model.score(frame)
        second = model.score(frame)
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(second, expected)
    warned = [r.getMessage() for r in caplog.records if "not compiled trees" in r.getMessage()]
    assert len(warned) == 1 and "lleaves is not installed" in warned[0]
    assert not (tmp_path / "cache").exists()


def test_a_compiler_that_fails_or_is_switched_off_leaves_lightgbm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    text, sha256, booster = _shipped()
    at = Settings(cache_dir=tmp_path / "cache")
    assert compiled_forest(text, sha256, booster, settings=at.model_copy(
        update={"compiled_trees": False})) is None  # fmt: skip

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("LLVM ERROR: no target")

    monkeypatch.setattr("lleaves.Model.compile", broken)
    with caplog.at_level(logging.WARNING, logger="trustreach.audience"):
        assert compiled_forest(text, sha256, booster, settings=at) is None
    assert "could not compile the model (RuntimeError: LLVM ERROR: no target)" in caplog.text
    assert not list((tmp_path / "cache").rglob("*.partial"))


TEXT = st.lists(
    st.one_of(
        st.none(),
        st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12),
        st.text(alphabet=" \t0123456789ab\x00\x1f\x7f\u00a0\u0663\u00e9", max_size=12),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(values=TEXT)
def test_byte_checks_of_ascii_text_match_the_regular_expressions(values: list[str | None]) -> None:
    series = pl.Series("username", values, dtype=pl.String)
    found = _ascii_text(series)
    present = [v for v in values if v is not None]
    if any(ord(c) >= 0x80 for v in present for c in v):
        assert found is None  # the exact path reads it
        return
    assert found is not None
    if series.str.contains(_KEY_CONTROL).any():
        assert found.control
    if not found.edge_space():
        assert series.str.strip_chars().equals(series)
    digits = series.str.count_matches(r"\d").cast(pl.Int64)
    counts = found.digit_counts()
    for i, value in enumerate(values):
        if value is not None:
            assert counts[i] == digits[i], (value, counts[i], digits[i])


_WARM_SCORING = """
import sys
import numpy as np
import polars as pl
from trustreach.audience import load_authenticity_model
rng = np.random.default_rng(11)
rows = int(sys.argv[1])
frame = pl.DataFrame({"posts_count": rng.integers(0, 5000, rows),
                      "followers_count": rng.integers(0, 2_000_000, rows),
                      "following_count": rng.integers(0, 8000, rows),
                      "has_profile_pic": rng.random(rows) < 0.7,
                      "username_length": rng.integers(1, 31, rows)})
model = load_authenticity_model()
np.save(sys.argv[2], model.score(frame))
forest = model.compiled_trees()
print(forest is not None and not forest.built,
      *(name in sys.modules for name in ("lightgbm", "sklearn", "pandas")))
import pandas  # refused to lleaves' import only: it loads as usual afterwards
"""


def _score_in_a_new_process(cache: Path, rows: int, out: Path) -> str:
    env = {**os.environ, "TRUSTREACH_CACHE_DIR": str(cache)}
    env.pop("TRUSTREACH_COMPILED_TREES", None)
    args = [sys.executable, "-c", _WARM_SCORING, str(rows), str(out)]
    run = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_a_warm_cache_scores_without_lightgbm_or_scikit_learn(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    text, sha256, booster = _shipped()
    assert compiled_forest(text, sha256, booster, settings=Settings(cache_dir=cache)) is not None
    rows = COMPILED_MIN_ROWS + 500
    # a process that reads the object code and LightGBM's scores of the check from the cache
    # (lleaves is imported without pandas, too)
    assert _score_in_a_new_process(cache, rows, tmp_path / "p.npy") == "True False False False"
    got = np.load(tmp_path / "p.npy")
    # the same probabilities as LightGBM's margins through the same calibration
    model = load_authenticity_model()
    from trustreach.audience._features import account_features as features

    rng = np.random.default_rng(11)
    frame = pl.DataFrame({"posts_count": rng.integers(0, 5000, rows),
                          "followers_count": rng.integers(0, 2_000_000, rows),
                          "following_count": rng.integers(0, 8000, rows),
                          "has_profile_pic": rng.random(rows) < 0.7,
                          "username_length": rng.integers(1, 31, rows)})  # fmt: skip
    margins = model.classifier._booster_margins(features(frame), 2)
    expected = np.clip(model.classifier._calibrate(margins), 0.01, 0.99)
    assert got.shape == (rows,)
    assert np.abs(got - expected).max() <= 1e-9
    np.testing.assert_array_equal(got, model.score(frame))  # as in a process with LightGBM
    calibrator, kind = model._calibration
    np.testing.assert_array_equal(calibrator, model.classifier.calibrator_)
    assert kind == model.classifier.calibration
    # a small batch, or no compiled trees, is scored by LightGBM: it is imported then
    assert _score_in_a_new_process(cache, 100, tmp_path / "s.npy").startswith("True True True")


@pytest.mark.parametrize("damage", ["missing", "truncated", "wrong shape", "wrong values"])
def test_lightgbm_scores_kept_beside_the_code_are_recomputed_when_unusable(
    tmp_path: Path, damage: str
) -> None:
    booster = _tiny_model(tmp_path / "m.txt", seed=7)
    text = (tmp_path / "m.txt").read_text()
    at = Settings(cache_dir=tmp_path / "cache")
    built = compiled_forest(text, "7" * 64, booster, settings=at)
    assert built is not None and built.built and built.cache_file is not None
    reference = built.cache_file.with_suffix(".probe.npy")
    probe = threshold_probe(text, 4096, seed=0)
    expected = booster.predict(probe, raw_score=True, num_threads=1)
    np.testing.assert_array_equal(np.load(reference), expected)
    if damage == "missing":
        reference.unlink()
    elif damage == "truncated":
        reference.write_bytes(reference.read_bytes()[:100])
    elif damage == "wrong shape":
        np.save(reference, expected[:10])
    else:
        np.save(reference, expected + 1.0)
    forget_compiled_forests()
    again = compiled_forest(text, "7" * 64, None, settings=at)  # LightGBM loaded from the text
    assert again is not None and not again.built  # the cached code agrees with LightGBM: kept
    np.testing.assert_array_equal(np.load(reference), expected)  # and the scores are kept again
    assert np.abs(again.margins(probe, 1) - expected).max() <= TOLERANCE


def test_the_model_falls_back_to_lightgbm_when_compiled_trees_are_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRUSTREACH_COMPILED_TREES", "false")
    reset_settings()
    model = load_authenticity_model()
    matrix = _accounts(COMPILED_MIN_ROWS, seed=12)
    assert model.compiled_trees() is None
    expected = model.classifier._probability(matrix, 1)
    np.testing.assert_array_equal(model._probability(matrix, 1), expected)
