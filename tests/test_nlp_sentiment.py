"""Sentiment tiers: ordering, negation, social-text normalisation, no_text, tiers."""

from __future__ import annotations

import numpy as np
import pytest

from trustreach.core import ConfigurationError, NotFoundError
from trustreach.nlp import (
    AccurateSentiment,
    FeatureSpec,
    LinearTextClassifier,
    normalise,
    predict_sentiment,
)
from trustreach.nlp._linear import save_linear_model

TIERS = ["fast", "lexicon"]


@pytest.mark.parametrize("tier", TIERS)
def test_positive_scores_above_neutral_above_negative(tier: str) -> None:
    r = predict_sentiment(
        [
            "I love this, it's amazing, thank you!",
            "The package arrived on Tuesday.",
            "This is terrible, worst product ever, I hate it",
        ],
        tier=tier,
    )
    assert r.labels[0] == "positive"
    assert r.labels[2] == "negative"
    assert r.score[0] > r.score[1] > r.score[2]


@pytest.mark.parametrize("tier", TIERS)
def test_negation_lowers_the_score(tier: str) -> None:
    r = predict_sentiment(["this is good", "this is not good"], tier=tier)
    assert r.score[1] < r.score[0]


def test_fast_negation_flips_a_positive_word() -> None:
    r = predict_sentiment(["the service was good", "the service was not good at all"])
    assert r.labels[0] == "positive"
    assert r.labels[1] != "positive"


def test_elongation_hashtags_mentions_and_caps_are_normalised() -> None:
    assert normalise("SOOOOO GOOOOD") == normalise("soo good") == "soo good"
    assert normalise("#Great day @brand_x http://t.co/abc") == "great day @user"
    r = predict_sentiment(["SOOOOO GOOOOD!!!", "soo good!!!"])
    assert r.labels == ["positive", "positive"]
    assert abs(float(r.score[0] - r.score[1])) < 0.1  # only the capitals share differs


def test_emoji_carry_sentiment() -> None:
    r = predict_sentiment(["😍😍😍", "😡😡"])
    assert r.score[0] > r.score[1]


@pytest.mark.parametrize("tier", TIERS)
def test_texts_with_nothing_to_read_are_neutral_and_flagged(tier: str) -> None:
    texts = ["", "   ", "https://t.co/abc", "@someone", "...", "great stuff"]
    r = predict_sentiment(texts, tier=tier)
    assert r.no_text.tolist() == [True, True, True, True, True, False]
    for i in range(5):
        assert r.labels[i] == "neutral"
        assert r.proba[i].tolist() == [0.0, 1.0, 0.0]
        assert r.score[i] == 0.0


@pytest.mark.parametrize("tier", TIERS)
def test_probabilities_are_a_distribution_and_score_is_their_difference(tier: str) -> None:
    texts = ["meh", "ok I guess", "Best. Day. Ever!", "ugh, broken again", "ÇA VA 🙃", "x" * 5000]
    r = predict_sentiment(texts, tier=tier)
    assert r.proba.shape == (len(texts), 3)
    assert np.isfinite(r.proba).all()
    assert np.allclose(r.proba.sum(axis=1), 1.0, atol=1e-5)
    assert ((r.proba >= 0) & (r.proba <= 1)).all()
    assert np.allclose(r.score, r.proba[:, 2] - r.proba[:, 0], atol=1e-6)
    assert r.model_version


def test_an_unknown_tier_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="tier 'turbo' not allowed; allowed: fast"):
        predict_sentiment(["hi"], tier="turbo")


def test_accurate_tier_without_its_model_names_the_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(cls: type, *, threads: int = 2) -> None:
        raise FileNotFoundError("sentiment_accurate.onnx")

    monkeypatch.setattr(AccurateSentiment, "load", classmethod(missing))
    with pytest.raises(NotFoundError, match="tier 'accurate' is not available"):
        predict_sentiment(["hi"], tier="accurate")


def test_training_is_deterministic_for_a_seed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts = [
        "love it",
        "great job",
        "so happy",
        "awful",
        "hate this",
        "so bad",
        "it is tuesday",
        "the shop opens at 9",
    ] * 3
    labels = ["positive"] * 3 + ["negative"] * 3 + ["neutral"] * 2
    labels = labels * 3
    spec = FeatureSpec(word_bits=12, char_bits=0, embedding_weight=0.0)
    digests = []
    for _ in range(2):
        clf = LinearTextClassifier(spec=spec, C=1.0, class_weight="balanced", random_state=0)
        clf.fit(texts, labels)
        digests.append(
            save_linear_model(
                tmp_path,
                "tiny",
                classes=clf.classes_,
                coef=clf.coef_,
                intercept=clf.intercept_,
                spec=spec,
            )
        )
    assert digests[0] == digests[1]
    assert clf.classes_ == ["negative", "neutral", "positive"]
    assert clf.predict_proba(["love it so much"])[0].argmax() == 2
