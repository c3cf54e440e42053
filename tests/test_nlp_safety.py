"""Brand safety (both tiers) and language gating."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from trustreach.core import ConfigurationError
from trustreach.nlp import SAFETY_TIERS, AccurateSafety, detect_languages, predict_safety
from trustreach.nlp._accurate import (
    _load_shipped_safety,
    _read_artefact,
    _read_table,
    read_metadata,
)
from trustreach.nlp._safety import safety_thresholds

tiers = pytest.mark.parametrize("tier", SAFETY_TIERS)


@tiers
def test_offensive_and_hate_probabilities_order_obvious_cases(tier: str) -> None:
    r = predict_safety(
        [
            "What a lovely video, thanks for sharing",
            "shut up you stupid f*cking idiot",
        ],
        tier=tier,
    )
    assert r.offensive_probability[1] > r.offensive_probability[0]
    assert bool(r.offensive[1]) and not bool(r.offensive[0])
    assert not bool(r.hate[0])


@tiers
def test_flags_follow_the_recorded_thresholds(tier: str) -> None:
    thresholds = safety_thresholds(tier)
    assert set(thresholds) == {"offensive", "hate"}
    assert all(0.0 < t < 1.0 for t in thresholds.values())
    texts = ["you are all disgusting animals", "nice", "go back where you came from", "lol ok"]
    r = predict_safety(texts, tier=tier)
    assert r.thresholds == thresholds
    assert (r.offensive == (r.offensive_probability >= thresholds["offensive"])).all()
    assert (r.hate == (r.hate_probability >= thresholds["hate"])).all()
    for p in (r.offensive_probability, r.hate_probability):
        assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    assert set(r.model_versions) == {"offensive", "hate"}


@tiers
def test_unreadable_texts_get_probability_zero(tier: str) -> None:
    r = predict_safety(["idiot", ""], tier=tier, readable=[True, False])
    assert r.offensive_probability[1] == 0.0 and r.hate_probability[1] == 0.0
    assert not bool(r.offensive[1]) and not bool(r.hate[1])


def test_unknown_tier_names_the_allowed_ones() -> None:
    with pytest.raises(
        ConfigurationError, match="safety tier 'best' not allowed; allowed: accurate, fast"
    ):
        predict_safety(["x"], tier="best")
    with pytest.raises(ConfigurationError, match="allowed: accurate, fast"):
        safety_thresholds("best")


def test_tiers_are_versioned_separately() -> None:
    accurate = predict_safety([], tier="accurate").model_versions
    fast = predict_safety([], tier="fast").model_versions
    assert accurate["offensive"] == accurate["hate"]  # one graph, two heads
    assert accurate["offensive"].startswith(AccurateSafety.load().name + "@")
    assert fast["offensive"] != fast["hate"] and not set(fast.values()) & set(accurate.values())


# ------------------------------------------------------------------ the accurate tier


def test_accurate_artefact_loads_offline_and_checks_its_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the safety model tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    fresh = _load_shipped_safety.__wrapped__(1)  # bypass the cache: really read the files
    assert fresh.tasks == ("offensive", "hate")
    assert fresh.predict_proba(["offline"])["hate"].shape == (1,)
    models = resources.files("trustreach.nlp") / "models"
    meta = json.loads((models / "safety_accurate.json").read_text(encoding="utf-8"))
    raw = (models / "safety_accurate.onnx").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == meta["onnx_sha256"]
    tokens = "\n".join(read_metadata()["tokens"]).encode()
    assert hashlib.sha256(tokens).hexdigest() == meta["vocab_sha256"]
    assert meta["training"]["seed"] == 0
    for task in fresh.tasks:
        assert 0 < meta["validation"][task]["val_macro_f1"][0] <= 1


def test_accurate_rows_are_their_own_in_any_company() -> None:
    model = AccurateSafety.load()
    texts = [
        "you are a worthless idiot",
        "lovely colours in this one",
        "send them all back, they ruin everything",
        "a much longer and entirely harmless comment about the weather " * 8,
    ]
    together = model.predict_proba(texts)
    for task, p in together.items():
        assert p.dtype == np.float32 and p.shape == (4,)
        assert ((p >= 0) & (p <= 1)).all()
        for i, text in enumerate(texts):
            assert p[i] == model.predict_proba([text])[task][0]
        np.testing.assert_array_equal(model.predict_proba(texts[::-1])[task][::-1], p)


def test_accurate_reads_obfuscation_and_emoji() -> None:
    p = AccurateSafety.load().predict_proba(
        ["you absolute f*cking moron 🤬", "you absolute sweetheart 😍"]
    )["offensive"]
    assert p[0] > 0.5 > p[1]


def test_accurate_input_errors() -> None:
    model = AccurateSafety.load()
    with pytest.raises(TypeError):
        model.predict_proba("one string")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        model.predict_proba(["fine", 3])  # type: ignore[list-item]
    assert model.predict_proba([])["offensive"].shape == (0,)
    tokens = read_metadata()["tokens"]
    with pytest.raises(ValueError, match="thresholds\\['hate'\\] must be between 0 and 1"):
        AccurateSafety(
            b"",
            tokens,
            tasks=["hate"],
            temperatures={"hate": 1.0},
            thresholds={"hate": 1.5},
            name="x",
            version="x",
        )


def test_accurate_runtime_needs_no_deep_learning_stack() -> None:
    code = (
        "import sys\n"
        "from trustreach.nlp import predict_safety\n"
        "predict_safety(['fine'], tier='accurate')\n"
        "loaded = {'torch', 'transformers', 'tokenizers'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


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


def test_both_accurate_models_share_one_checked_word_embedding_table() -> None:
    _, sentiment_meta, sentiment_sha, sentiment_tables = _read_artefact("sentiment_accurate")
    _, safety_meta, safety_sha, safety_tables = _read_artefact("safety_accurate")
    (name,) = safety_tables
    assert sentiment_tables[name] is safety_tables[name]  # read once, shared
    assert safety_tables[name].shape == (len(read_metadata()["tokens"]), 384)
    # the version names the whole graph, not the file that leaves the table out
    assert ("@" + safety_sha[:12] + "+") in AccurateSafety.load().version
    assert safety_sha != safety_meta["onnx_sha256"]
    assert sentiment_sha == sentiment_meta["model_sha256"]
    entry = safety_meta["external_initializers"][name]
    with pytest.raises(RuntimeError, match="does not match its recorded SHA-256"):
        _read_table.__wrapped__(entry["file"], "0" * 64)


def test_a_new_threshold_or_text_rule_is_a_new_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored labels name their model version: the same weights with another flag threshold
    (or another idiom rewrite) decide other labels, so they must carry another version."""
    from trustreach.nlp import _versions
    from trustreach.nlp._linear import load_linear_model

    # the shipped fast hate model's version names its sidecar's threshold too
    meta = load_linear_model("hate").meta
    decision = {"temperature": meta.get("temperature", 1.0), "threshold": meta["threshold"]}
    shipped = load_linear_model("hate").version
    assert shipped == _versions.decision_version("hate", meta["weights_sha256"], decision)
    moved = _versions.decision_version(
        "hate", meta["weights_sha256"], {**decision, "threshold": 0.49}
    )
    assert moved != shipped and moved.split("+")[0] == shipped.split("+")[0]
    monkeypatch.setattr(_versions, "text_rules_digest", lambda: "0" * 64)
    assert _versions.decision_version("hate", meta["weights_sha256"], decision) != shipped
