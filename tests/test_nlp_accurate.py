"""The accurate sentiment tier: offline, ordered, deterministic, robust on messy text."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from trustreach.nlp import AccurateSentiment
from trustreach.nlp._accurate import (
    LABELS,
    _load_shipped,
    _read_artefact,
    prepare_text,
    read_metadata,
)


@pytest.fixture(scope="module")
def model() -> AccurateSentiment:
    return AccurateSentiment.load()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a socket fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sentiment model tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def positive(proba: np.ndarray) -> np.ndarray:
    return proba[:, LABELS.index("positive")]


def negative(proba: np.ndarray) -> np.ndarray:
    return proba[:, LABELS.index("negative")]


# ------------------------------------------------------------------ the artefact


def test_shipped_artefact_loads_without_network(no_network: None) -> None:
    fresh = _load_shipped.__wrapped__(1)  # bypass the cache: really read the files
    assert fresh.predict_proba(["offline"]).shape == (1, 3)


def test_load_is_cached_and_versioned(model: AccurateSentiment) -> None:
    assert AccurateSentiment.load() is model
    assert model.labels == ("negative", "neutral", "positive")
    assert model.name.startswith("sentiment-minilm-")
    assert model.version.startswith(model.name + "@")
    weights, rule = model.version.split("@")[1].split("+")
    assert len(weights) == 12 and len(rule) == 8
    assert "sentiment-minilm" in repr(model)


def test_metadata_records_provenance_and_validation() -> None:
    meta = read_metadata()
    assert meta["labels"] == list(LABELS)
    assert meta["training"]["seed"] == 0
    assert 0.0 < meta["validation"]["macro_recall_onnx_int8"] <= 1.0
    assert meta["temperature"] > 0


# ------------------------------------------------------------------ predictions


def test_probabilities_sum_to_one_in_input_order(model: AccurateSentiment) -> None:
    texts = [
        "I love this, best day ever!",
        "This is awful, I hate it",
        "The meeting is at 3pm on Tuesday in room 4.",
        "a much longer text " * 10,
    ]
    proba = model.predict_proba(texts)
    assert proba.shape == (4, 3)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    # the shipped default scores one text per call: a row is the text's own,
    # whatever its neighbours and position
    for i, text in enumerate(texts):
        np.testing.assert_array_equal(proba[i], model.predict_proba([text])[0])
    np.testing.assert_array_equal(model.predict_proba(texts[::-1])[::-1], proba)


def test_length_bucketed_batches_keep_input_order() -> None:
    shipped = AccurateSentiment.load()
    graph, _, _, external = _read_artefact("sentiment_accurate")
    batched = AccurateSentiment(
        graph,
        read_metadata()["tokens"],
        external=external,
        name=shipped.name,
        version=shipped.version,
        temperature=shipped.temperature,
        batch_size=3,
    )
    texts = ["great " * n if n % 2 else "awful " * n for n in (9, 2, 14, 1, 5, 30, 3)]
    proba = batched.predict_proba(texts)
    alone = shipped.predict_proba(texts)
    # int8 activations are quantised per call, so batched rows move a little
    assert np.all(proba.argmax(axis=1) == alone.argmax(axis=1))
    assert np.abs(proba - alone).max() < 0.1


def test_deterministic(model: AccurateSentiment) -> None:
    texts = ["not bad at all", "meh", "@user thanks!! #blessed"]
    np.testing.assert_array_equal(model.predict_proba(texts), model.predict_proba(texts))


def test_obvious_cases(model: AccurateSentiment) -> None:
    proba = model.predict_proba(["I love this, best day ever!", "This is awful, I hate it"])
    assert positive(proba)[0] > negative(proba)[0]
    assert negative(proba)[1] > positive(proba)[1]


def test_common_emoji_are_read_as_words(model: AccurateSentiment) -> None:
    assert "love" in prepare_text("😍😍")
    proba = model.predict_proba(["😍😍😍", "😡😡😡"])
    assert positive(proba)[0] > positive(proba)[1]


def test_empty_input_gives_empty_matrix(model: AccurateSentiment) -> None:
    assert model.predict_proba([]).shape == (0, 3)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "http://x.co",
        "x" * 1_000_000,
        "great " * 200_000,
        "\x00\x01\x1b[31m\u200b\ufeff control \x7f",
        "🌱🧪🫠",
        "日本語のテキスト и русский текст مع العربية and English",
        "\ud800 lone surrogate",
        "#" * 50 + "@" * 50,
    ],
    ids=[
        "empty",
        "blank",
        "url-only",
        "1MB-word",
        "1MB-words",
        "control",
        "emoji-only",
        "mixed-scripts",
        "surrogate",
        "symbols",
    ],
)
def test_garbage_inputs_give_finite_rows(model: AccurateSentiment, text: str) -> None:
    proba = model.predict_proba([text])
    assert proba.shape == (1, 3)
    assert np.all(np.isfinite(proba))
    assert abs(float(proba.sum()) - 1.0) < 1e-5
    assert len(model.token_ids(text)) <= model.max_len


def test_preparation_matches_validation_conventions() -> None:
    assert prepare_text("@Someone see https://t.co/abc www.x.com now") == "@user see now"
    assert prepare_text("Can\\u2019t &amp; won\\u002c") == "Can’t & won,"


# ------------------------------------------------------------------ invalid input


def test_single_string_is_a_type_error(model: AccurateSentiment) -> None:
    with pytest.raises(TypeError, match="texts must be a sequence of str"):
        model.predict_proba("one text")  # type: ignore[arg-type]


def test_non_str_item_is_a_type_error_naming_the_argument(model: AccurateSentiment) -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] must be str, not int"):
        model.predict_proba(["fine", 3])  # type: ignore[list-item]


def test_invalid_options_are_value_errors() -> None:
    meta = read_metadata()
    with pytest.raises(ValueError, match="threads must be at least 1"):
        AccurateSentiment(b"", meta["tokens"], name="x", version="x", threads=0)


def test_runtime_needs_no_deep_learning_stack() -> None:
    code = (
        "import sys\n"
        "from trustreach.nlp import AccurateSentiment\n"
        "AccurateSentiment.load().predict_proba(['fine'])\n"
        "loaded = {'torch', 'transformers', 'tokenizers'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
