"""Brand safety and language gating."""

from __future__ import annotations

import numpy as np

from trustreach.nlp import detect_languages, predict_safety
from trustreach.nlp._safety import safety_thresholds


def test_offensive_and_hate_probabilities_order_obvious_cases() -> None:
    r = predict_safety(
        [
            "What a lovely video, thanks for sharing",
            "shut up you stupid f*cking idiot",
        ]
    )
    assert r.offensive_probability[1] > r.offensive_probability[0]
    assert bool(r.offensive[1]) and not bool(r.offensive[0])
    assert not bool(r.hate[0])


def test_flags_follow_the_recorded_thresholds() -> None:
    thresholds = safety_thresholds()
    assert set(thresholds) == {"offensive", "hate"}
    assert all(0.0 < t < 1.0 for t in thresholds.values())
    texts = ["you are all disgusting animals", "nice", "go back where you came from", "lol ok"]
    r = predict_safety(texts)
    assert r.thresholds == thresholds
    assert (r.offensive == (r.offensive_probability >= thresholds["offensive"])).all()
    assert (r.hate == (r.hate_probability >= thresholds["hate"])).all()
    for p in (r.offensive_probability, r.hate_probability):
        assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    assert set(r.model_versions) == {"offensive", "hate"}


def test_unreadable_texts_get_probability_zero() -> None:
    r = predict_safety(["idiot", ""], readable=[True, False])
    assert r.offensive_probability[1] == 0.0 and r.hate_probability[1] == 0.0
    assert not bool(r.offensive[1]) and not bool(r.hate[1])


def test_other_languages_are_not_supported_and_short_texts_are_und() -> None:
    guesses = detect_languages(
        [
            "I really love the new colour, where can I buy it?",
            "Adorei o produto, chegou muito rápido e a qualidade é ótima!",
            "この商品は本当に素晴らしいです。また買います！",
            "ok",
            "",
        ]
    )
    assert [g.supported for g in guesses] == [True, False, False, True, True]
    assert guesses[0].language == "en"
    assert (guesses[1].language, guesses[2].language) == ("pt", "ja")
    assert guesses[1].confidence > 0.5 and guesses[2].confidence > 0.9
    assert guesses[3].language == guesses[4].language == "und"
