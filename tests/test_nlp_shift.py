"""Shift-robust validation of the hate models: topic groups, reweighting, robust thresholds."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from trustreach.nlp import LinearTextClassifier
from trustreach.nlp._linear import FeatureSpec, load_linear_model
from trustreach.nlp._safety import safety_thresholds
from trustreach.nlp._shift import (
    BASE_RATES,
    group_balance_weights,
    grouped_folds,
    robust_threshold,
    topic_groups,
    weighted_macro_f1,
)


def test_topic_groups_follow_the_documented_lexicon() -> None:
    targets, groups = topic_groups(
        [
            "#BuildThatWall now",
            "Send the migrants home",
            "shut up b1tch",
            "Women can't drive lol",
            "what a lovely day",
            "#WomenSuck and the wall",  # the first matching group wins: hashtag before wall
        ]
    )
    assert targets.tolist() == ["immigrants", "immigrants", "women", "women", "none", "women"]
    assert groups.tolist() == ["wall", "migrant", "bitch", "women", "none", "misogyny-hashtag"]


def test_group_balance_weights_make_the_group_carry_no_label() -> None:
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1])
    g = np.array(["a"] * 4 + ["b"] * 6 + ["c"] * 2)  # c has only one class
    for rate in (0.2, 0.5):
        w = group_balance_weights(y, g, rate)
        for name in ("a", "b"):
            rows = g == name
            assert w[rows].sum() == pytest.approx(rows.sum())  # group keeps its weight
            assert w[rows & (y == 1)].sum() / w[rows].sum() == pytest.approx(rate)
        assert (w[g == "c"] == 1.0).all()
    with pytest.raises(ValueError, match="base_rate must be between 0 and 1"):
        group_balance_weights(y, g, 1.0)
    with pytest.raises(ValueError, match="y and groups differ in length"):
        group_balance_weights(y, g[:-1])


def test_grouped_folds_never_split_a_group() -> None:
    rng = np.random.default_rng(0)
    groups = rng.choice(list("abcdefghij"), size=200)
    y = rng.integers(0, 2, size=200)
    folds = grouped_folds(y, groups, n_splits=5, seed=0)
    assert len(folds) == 5
    held = np.concatenate([b for _, b in folds])
    assert sorted(held.tolist()) == list(range(200))  # every row held out exactly once
    for fit_rows, held_rows in folds:
        assert not set(groups[fit_rows]) & set(groups[held_rows])


def test_robust_threshold_holds_up_when_the_base_rate_falls() -> None:
    # hand-computed: at the data's own base rate (0.5) thresholds 0.31-0.45 and
    # 0.61-0.70 tie (macro-F1 0.873) and the plain rule takes the lower; at base rate
    # 0.2 the lower one falls to 0.762 while 0.61 scores 0.913, so the robust rule
    # takes 0.61 with a worst case of 0.873
    y = [1, 1, 1, 1, 0, 0, 0, 0]
    p = [0.9, 0.8, 0.7, 0.45, 0.6, 0.3, 0.2, 0.1]
    threshold, worst = robust_threshold(y, p, base_rates=(0.2, 0.5))
    assert threshold == 0.61
    assert worst == pytest.approx(0.8730, abs=1e-4)
    assert weighted_macro_f1(y, np.asarray(p) >= 0.31) == pytest.approx(worst, abs=1e-4)
    with pytest.raises(ValueError, match="base_rates must not be empty"):
        robust_threshold(y, p, base_rates=())


def test_linear_classifier_takes_row_weights() -> None:
    texts = ["good", "great", "bad", "awful", "bad day", "good day"]
    labels = ["pos", "pos", "neg", "neg", "neg", "pos"]
    spec = FeatureSpec(word_bits=8, char_bits=0, embedding_weight=0.0)
    plain = LinearTextClassifier(spec=spec).fit(texts, labels)
    heavy = LinearTextClassifier(spec=spec).fit(texts, labels, sample_weight=[1, 1, 1, 1, 9, 1])
    assert not np.allclose(plain.coef_, heavy.coef_)
    with pytest.raises(ValueError, match="sample_weight must have one value per row"):
        LinearTextClassifier(spec=spec).fit(texts, labels, sample_weight=[1.0])


def test_shipped_hate_models_record_the_shift_protocol() -> None:
    fast = load_linear_model("hate").meta
    assert fast["training"]["recipe"] == "shift"
    assert "leave-topic-out" in fast["training"]["threshold_rule"]
    recorded = fast["metrics_val"]
    for key in ("cv_grouped_macro_f1", "cross_target_macro_f1"):
        point, lo, hi = recorded[key]
        assert lo <= point <= hi
    assert set(recorded["val_shift"]["by_target_macro_f1"]) == {"women", "immigrants", "none"}
    models = resources.files("trustreach.nlp") / "models"
    accurate = json.loads((models / "safety_accurate.json").read_text(encoding="utf-8"))
    assert "worst-case" in accurate["threshold_rules"]["hate"]
    assert str(list(BASE_RATES)) in accurate["threshold_rules"]["hate"]
    assert safety_thresholds("accurate")["hate"] == accurate["thresholds"]["hate"]
    assert "balanced_worst_macro_f1" in accurate["validation"]["hate"]["val_shift"]
