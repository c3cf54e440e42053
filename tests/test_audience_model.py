"""The fake-account model: estimator conventions, missing fields, the shipped artefact."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.base import clone

from trustreach.audience._artefact import AuthenticityModel, load_authenticity_model
from trustreach.audience._features import (
    FEATURES,
    MINIMAL_FIELDS,
    REQUIRED_FIELDS,
    SIGNAL_WORDS,
    account_features,
    describe_contribution,
)
from trustreach.audience._model import FakeAccountClassifier
from trustreach.audience._scoring import score_frame

VERDICT_WORDS = re.compile(r"fraud|bot\b|fake person|scam|liar|criminal", re.IGNORECASE)
SMALL = {"n_estimators": 15, "num_leaves": 4, "min_child_samples": 5, "cv": 3}


def _synthetic(n: int = 240, seed: int = 0) -> tuple[pl.DataFrame, np.ndarray]:
    """Small made-up follower accounts: fake-looking ones follow many and post little."""
    rng = np.random.default_rng(seed)
    fake = rng.random(n) < 0.3
    frame = pl.DataFrame(
        {
            "posts_count": np.where(fake, rng.integers(0, 5, n), rng.integers(5, 500, n)),
            "followers_count": np.where(fake, rng.integers(0, 50, n), rng.integers(50, 3000, n)),
            "following_count": np.where(
                fake, rng.integers(500, 7000, n), rng.integers(50, 1000, n)
            ),
            "has_profile_pic": np.where(fake, rng.random(n) < 0.5, rng.random(n) < 0.95),
            "is_private": rng.random(n) < 0.5,
            "biography_length": np.where(fake, 0, rng.integers(0, 150, n)),
            "username_length": rng.integers(6, 20, n),
            "username_digit_count": np.where(fake, rng.integers(0, 6, n), rng.integers(0, 2, n)),
        }
    )
    # flip a few labels so the problem is not trivially separable
    labels = np.where(rng.random(n) < 0.05, ~fake, fake).astype(int)
    return frame, labels


FAKE_LOOKING = {
    "posts_count": 0,
    "followers_count": 3,
    "following_count": 7000,
    "has_profile_pic": False,
    "is_private": False,
    "biography_length": 0,
    "username": "x83920174",
}
REAL_LOOKING = {
    "posts_count": 300,
    "followers_count": 2000,
    "following_count": 400,
    "has_profile_pic": True,
    "is_private": False,
    "biography_length": 80,
    "username": "maria.cooks",
}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    frame, labels = _synthetic()
    return account_features(frame), labels


@pytest.fixture(scope="module")
def shipped() -> AuthenticityModel:
    return load_authenticity_model()


# ------------------------------------------------------------------ features


def test_features_missing_columns_are_nan() -> None:
    x = account_features(pl.DataFrame({"followers_count": [3, None], "following_count": [7000, 5]}))
    assert x.shape == (2, len(FEATURES))
    ratio = FEATURES.index("following_follower_log_ratio")
    assert x[0, ratio] == pytest.approx(np.log1p(7000) - np.log1p(3))
    assert np.isnan(x[1, ratio])  # an input is null, so the derived feature is too
    assert np.isnan(x[:, FEATURES.index("posts_count")]).all()


def test_features_derive_username_counts() -> None:
    x = account_features(pl.DataFrame({"username": ["ab1234", None]}))
    assert x[0, FEATURES.index("username_length")] == 6
    assert x[0, FEATURES.index("username_digit_count")] == 4
    assert x[0, FEATURES.index("username_digit_share")] == pytest.approx(4 / 6)
    assert np.isnan(x[1, FEATURES.index("username_length")])


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("followers_count", [-1], "followers_count"),
        ("posts_count", ["many"], "posts_count"),
        ("has_profile_pic", [2], "has_profile_pic"),
        ("following_count", [1.5], "following_count"),
        ("username", [3], "username"),
    ],
)
def test_features_invalid_input_names_the_column(
    column: str, values: list[object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        account_features(pl.DataFrame({column: values}))


def test_features_digits_cannot_exceed_length() -> None:
    with pytest.raises(ValueError, match="username_digit_count"):
        account_features(pl.DataFrame({"username_length": [3], "username_digit_count": [5]}))


def test_signal_words_cover_features_and_describe_evidence() -> None:
    assert set(SIGNAL_WORDS) == set(FEATURES)
    x = account_features(pl.DataFrame([FAKE_LOOKING, REAL_LOOKING]))
    for row in x:
        for j, feature in enumerate(FEATURES):
            for sign in (1.0, -1.0):
                words = describe_contribution(feature, float(row[j]), sign)
                assert words and not VERDICT_WORDS.search(words)
    assert describe_contribution("has_profile_pic", 0.0, 0.7) == "no profile picture"
    assert describe_contribution("username_digit_share", 0.8, 0.3) == "username mostly digits"
    assert describe_contribution("following_follower_log_ratio", 7.0, 1.0).startswith(
        "follows many more accounts than follow it back"
    )


# ------------------------------------------------------------------ estimator


def test_estimator_conventions(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = data
    model = FakeAccountClassifier(**SMALL, random_state=1)
    params = model.get_params()
    copy = clone(model)
    assert copy.get_params() == params
    assert not [k for k in vars(copy) if k.endswith("_")]
    assert model.fit(x, y) is model
    assert model.get_params() == params
    learned = {k for k in vars(model) if k.endswith("_")}
    assert {"booster_", "calibrator_", "classes_", "n_features_in_", "feature_names_in_"} <= learned
    assert set(vars(model)) - learned == set(params)
    assert list(model.classes_) == [0, 1]
    assert tuple(model.feature_names_in_) == FEATURES
    assert isinstance(model.calibrator_, np.ndarray)
    proba = model.predict_proba(x)
    assert proba.shape == (len(y), 2)
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(np.unique(model.predict(x))) <= {0, 1}
    assert model.score(x, y) > 0.8
    contributions = model.explain(x[:5])
    assert contributions.shape == (5, len(FEATURES) + 1)
    np.testing.assert_allclose(contributions.sum(axis=1), model.decision_function(x[:5]))


def test_not_fitted_raises() -> None:
    with pytest.raises(AttributeError, match="not fitted"):
        FakeAccountClassifier().predict_proba(np.zeros((1, len(FEATURES))))


def test_fit_is_deterministic_with_a_seed(
    data: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    x, y = data
    first = FakeAccountClassifier(**SMALL, random_state=7).fit(x, y)
    second = FakeAccountClassifier(**SMALL, random_state=7).fit(x, y)
    assert first.save(tmp_path / "a", "m", "0") == second.save(tmp_path / "b", "m", "0")
    assert (tmp_path / "a" / "m.txt").read_bytes() == (tmp_path / "b" / "m.txt").read_bytes()
    np.testing.assert_array_equal(first.calibrator_, second.calibrator_)


def test_sigmoid_calibration(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = data
    model = FakeAccountClassifier(**SMALL, calibration="sigmoid", random_state=0).fit(x, y)
    assert model.calibrator_.shape == (2, 1)
    assert model.calibrator_[0, 0] > 0  # higher margin, higher probability
    p = model.predict_proba(x)[:, 1]
    assert ((p > 0) & (p < 1)).all()


@pytest.mark.parametrize(
    ("params", "x_change", "y_change", "message"),
    [
        ({"calibration": "beta"}, None, None, "calibration"),
        ({"mask_rate": 1.5}, None, None, "mask_rate"),
        ({"cv": 1}, None, None, "cv"),
        ({}, "wide", None, "columns"),
        ({}, "negative", None, "followers_count"),
        ({}, "inf", None, "infinite"),
        ({}, None, "short", "labels"),
        ({}, None, "three", "0"),
        ({}, None, "one_class", "each class"),
    ],
)
def test_fit_rejects_invalid_input(
    data: tuple[np.ndarray, np.ndarray],
    params: dict[str, object],
    x_change: str | None,
    y_change: str | None,
    message: str,
) -> None:
    x, y = data[0].copy(), data[1].copy()
    if x_change == "wide":
        x = np.column_stack([x, x[:, 0]])
    elif x_change == "negative":
        x[0, FEATURES.index("followers_count")] = -3
    elif x_change == "inf":
        x[0, 0] = np.inf
    if y_change == "short":
        y = y[:-1]
    elif y_change == "three":
        y[0] = 3
    elif y_change == "one_class":
        y = np.zeros_like(y)
    with pytest.raises(ValueError, match=message):
        FakeAccountClassifier(**{**SMALL, **params}).fit(x, y)  # type: ignore[arg-type]


def test_save_load_round_trip(data: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    x, y = data
    model = FakeAccountClassifier(**SMALL, threshold=0.4, random_state=3).fit(x, y)
    sha256 = model.save(tmp_path, "m", "9.9.9")
    loaded = FakeAccountClassifier.load(tmp_path, "m")
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    np.testing.assert_array_equal(loaded.explain(x[:3]), model.explain(x[:3]))
    assert loaded.threshold == 0.4
    assert (loaded.version_, loaded.sha256_) == ("9.9.9", sha256)
    assert loaded.get_params() == model.get_params()
    assert not list(tmp_path.glob("*.pkl"))
    (tmp_path / "m.txt").write_bytes((tmp_path / "m.txt").read_bytes() + b"\n")
    with pytest.raises(ValueError, match="SHA-256"):
        FakeAccountClassifier.load(tmp_path, "m")


# ------------------------------------------------------------ shipped artefact


def test_shipped_model_scores_minimal_fields(shipped: AuthenticityModel) -> None:
    frame = pl.DataFrame(
        {
            "posts_count": [0, 300, 12],
            "followers_count": [3, 2000, 10],
            "following_count": [7000, 400, 90],
            "has_profile_pic": [False, True, None],
            "is_private": [False, False, True],
        }
    )
    assert set(frame.columns) == set(MINIMAL_FIELDS)  # what most follower exports carry
    probs = shipped.score(frame)
    assert probs.shape == (3,)
    assert np.isfinite(probs).all() and ((probs >= 0) & (probs <= 1)).all()
    assert probs[0] > probs[1]


def test_accounts_without_the_required_counts_are_not_scored(shipped: AuthenticityModel) -> None:
    """Issue #11 item 7: an account with every feature empty got 0.1325, no warning."""
    assert REQUIRED_FIELDS == ("posts_count", "followers_count", "following_count")
    frame = pl.DataFrame(
        {
            "account_id": ["empty", "no-posts", "known"],
            "posts_count": [None, None, 0],
            "followers_count": [None, 3, 3],
            "following_count": [None, 7000, 7000],
            "has_profile_pic": [None, False, False],
            "is_private": [None, False, False],
            "biography_length": [None, 0, 0],
        },
        schema_overrides={"posts_count": pl.Int64, "followers_count": pl.Int64},
    )
    probs = shipped.score(frame)
    assert np.isnan(probs[:2]).all() and 0 < probs[2] < 1
    assert shipped.flag(probs).tolist() == [False, False, True]
    out = score_frame(shipped, frame, explain="all")
    assert out["insufficient_data"].to_list() == [True, True, False]
    assert out["fake_probability"].null_count() == 2 and out["flagged"].null_count() == 2
    assert out["flagged"].to_list()[2] is True
    assert "missing posts_count, followers_count, following_count" in out["top_signals"][0]
    assert "missing posts_count" in out["top_signals"][1]
    assert "followers_count" not in out["top_signals"][1]


def test_minimal_path_reads_counts_only_through_ratios(shipped: AuthenticityModel) -> None:
    """Issue #11 item 8: raw follower and following counts shift between populations."""
    params = shipped.classifier.get_params()
    assert params["monotone"] is True
    assert set(params["ignored_features"]) == {"followers_count", "following_count"}
    rng = np.random.default_rng(0)
    n = 400
    frame = pl.DataFrame(
        {
            "posts_count": rng.integers(0, 2000, n),
            "followers_count": rng.integers(0, 50_000, n),
            "following_count": rng.integers(0, 7500, n),
            "has_profile_pic": rng.random(n) < 0.7,
            "is_private": rng.random(n) < 0.5,
        }
    )
    contributions = shipped.classifier.explain(frame)
    for name in ("followers_count", "following_count"):
        assert np.all(contributions[:, FEATURES.index(name)] == 0)


def test_minimal_path_moves_in_the_known_directions(shipped: AuthenticityModel) -> None:
    """More posts and a picture never raise the score; following more than follow back
    never lowers it (LightGBM monotone constraints)."""
    base = {"followers_count": 200, "has_profile_pic": True, "is_private": False}
    following = [10, 100, 300, 1000, 3000, 7000]
    by_following = shipped.score(
        pl.DataFrame([{**base, "posts_count": 5, "following_count": f} for f in following])
    )
    assert np.all(np.diff(by_following) >= 0)
    posts = [0, 1, 5, 20, 100, 1000]
    by_posts = shipped.score(
        pl.DataFrame([{**base, "posts_count": p, "following_count": 900} for p in posts])
    )
    assert np.all(np.diff(by_posts) <= 0)
    rows = [
        {**base, "posts_count": 3, "following_count": 900, "has_profile_pic": v}
        for v in (False, True)
    ]
    picture = shipped.score(pl.DataFrame(rows))
    assert picture[1] <= picture[0]


def test_operating_point_keeps_minimal_field_false_positives_within_target(
    shipped: AuthenticityModel,
) -> None:
    meta = json.loads(
        resources.files("trustreach.audience").joinpath("models/fake_account.json").read_text()
    )
    assert meta["metadata"]["minimal_fields"] == list(MINIMAL_FIELDS)
    assert "username_length" not in MINIMAL_FIELDS and "biography_length" not in MINIMAL_FIELDS
    for profile in ("full", "minimal"):
        rates = shipped.rates(profile)  # type: ignore[arg-type]
        assert 1 - rates.specificity <= 0.0205
        assert rates.sensitivity >= 0.8


def test_shipped_model_orders_obvious_accounts(shipped: AuthenticityModel) -> None:
    probs = shipped.score(pl.DataFrame([FAKE_LOOKING, REAL_LOOKING]))
    assert probs[0] > 0.5 > probs[1]
    assert probs[0] - probs[1] > 0.5
    assert shipped.flag(probs).tolist() == [True, False]


def test_shipped_top_signals_are_plain_words(shipped: AuthenticityModel) -> None:
    signals = shipped.top_signals(pl.DataFrame([FAKE_LOOKING, REAL_LOOKING]), k=3)
    assert len(signals) == 2
    assert 1 <= len(signals[0]) <= 3
    assert any(
        "follows many more accounts" in s or "profile picture" in s or "posts" in s
        for s in signals[0]
    )
    for row in signals:
        for words in row:
            assert isinstance(words, str) and not VERDICT_WORDS.search(words)
            assert "_" not in words  # no raw feature names
    assert (
        shipped.top_signals(pl.DataFrame({"posts_count": []}, schema={"posts_count": pl.Int64}))
        == []
    )


def test_shipped_artefact_identity_and_card(shipped: AuthenticityModel) -> None:
    assert (shipped.name, shipped.version) == ("fake_account", "1.1.0")
    assert 0 < shipped.threshold < 1
    assert shipped.classifier.threshold == shipped.threshold
    folder = resources.files("trustreach.audience").joinpath("models")
    text = folder.joinpath("fake_account.txt").read_bytes()
    assert hashlib.sha256(text).hexdigest() == shipped.sha256
    card = folder.joinpath("MODEL_CARD.md").read_text(encoding="utf-8")
    assert shipped.sha256 in card
    assert "CC BY-NC 4.0" in card
    docs_card = Path(__file__).resolve().parents[1] / "docs" / "models" / "fake_account.md"
    if docs_card.exists():
        assert docs_card.read_text(encoding="utf-8") == card
    assert len(text) < 500_000


def test_shipped_round_trip(shipped: AuthenticityModel, tmp_path: Path) -> None:
    frame = pl.DataFrame([FAKE_LOOKING, REAL_LOOKING])
    shipped.classifier.save(tmp_path, "copy", shipped.version)
    again = FakeAccountClassifier.load(tmp_path, "copy")
    assert again.sha256_ == shipped.sha256
    np.testing.assert_array_equal(
        again.predict_proba(account_features(frame)), shipped.classifier.predict_proba(frame)
    )
