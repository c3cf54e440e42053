"""The shipped static text embedding: offline, robust on messy text, semantically sane."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from trustreach.nlp import TextEmbedder
from trustreach.nlp._embedding import _load_shipped
from trustreach.nlp._wordpiece import WordPieceTokenizer


@pytest.fixture(scope="module")
def model() -> TextEmbedder:
    return TextEmbedder.load()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a socket fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the text embedding tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


# ------------------------------------------------------------------ the artefact


def test_shipped_artefact_loads_without_network(no_network: None) -> None:
    fresh = _load_shipped.__wrapped__()  # bypass the cache: really read the files
    assert fresh.embed(["offline"]).shape == (1, fresh.dim)


def test_load_is_cached_and_versioned(model: TextEmbedder) -> None:
    assert TextEmbedder.load() is model
    assert model.name == "static-minilm-l6-v2-d128"
    assert model.dim == 128
    assert model.version.startswith(model.name + "@")
    assert len(model.version.split("@")[1]) == 12
    assert "static-minilm" in repr(model)


def test_runtime_needs_no_deep_learning_stack() -> None:
    code = (
        "import sys; from trustreach.nlp import TextEmbedder; "
        "TextEmbedder.load().embed(['x']); "
        "print(sorted(m for m in ('torch', 'transformers', 'tokenizers', 'requests', "
        "'httpx', 'urllib.request', 'http.client') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.replace("'", '"')) == []


# ------------------------------------------------------------- shape and numbers


def test_rows_are_unit_length_float32(model: TextEmbedder) -> None:
    vectors = model.embed(["vegan skincare routine", "leg day at the gym", "budget travel"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, model.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_deterministic_and_independent_of_batch(model: TextEmbedder) -> None:
    texts = ["Honest review: 3 weeks with this serum", "#legday", "", "crypto tips"]
    together = model.embed(texts)
    np.testing.assert_array_equal(together, model.embed(texts))
    alone = np.vstack([model.embed([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-6)


def test_empty_input_gives_empty_matrix(model: TextEmbedder) -> None:
    assert model.embed([]).shape == (0, model.dim)
    assert model.similarity([], ["x"]).shape == (0, 1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "https://t.co/abc123 http://example.com/x?y=1",
        "@someone @another",
        "😍🔥✨🙌👇",
        "\x00\x01\x1b\x7f\u200b\ufeff\ud800",
        "ﷺ ꙮ 𓀀",
    ],
)
def test_texts_without_known_tokens_get_zero_vectors(model: TextEmbedder, text: str) -> None:
    vector = model.embed([text])
    assert not vector.any()
    assert model.similarity(text, "vegan skincare") == 0.0


def test_messy_and_non_latin_text_does_not_crash(model: TextEmbedder) -> None:
    texts = [
        "Mais um dia fazendo o que amo ✨ #personalfinance",
        "東京 travel vlog: ラーメン and 寿司",
        "Привет мир, नमस्ते दुनिया, مرحبا بالعالم",
        "Café au lait, naïve résumé — ÜBER cool!!!",
        "a" * 500 + " " + "#" * 300 + "x_y__z",
    ]
    vectors = model.embed(texts)
    assert np.isfinite(vectors).all()
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, rel=1e-5)


def test_a_one_megabyte_text(model: TextEmbedder) -> None:
    text = ("vegan skincare routine with spf 🌱 #glowyskin https://x.y/z " * 20_000)[:1_000_000]
    vector = model.embed([text])
    assert np.linalg.norm(vector) == pytest.approx(1.0, rel=1e-5)
    assert model.similarity(text, "skincare") > 0.3


# ---------------------------------------------------------------------- meaning


@pytest.mark.parametrize(
    ("query", "related", "unrelated"),
    [
        ("vegan skincare routine", "#skincare #glowyskin serum", "fantasy football draft tips"),
        ("home workout", "leg day at the gym #fitnessmotivation", "easy weeknight pasta recipe"),
        ("personal finance", "how I pay off debt and save for retirement", "makeup tutorial"),
        ("travel", "backpacking through the mountains, hostel life", "unboxing the new phone"),
        ("video games", "ranked grind tonight, new fps patch #gaming", "baby's first steps"),
        ("healthy recipes", "meal prep: chicken, rice and broccoli", "stock market crash"),
    ],
)
def test_related_texts_score_higher_than_unrelated(
    model: TextEmbedder, query: str, related: str, unrelated: str
) -> None:
    assert model.similarity(query, related) > model.similarity(query, unrelated)


def test_similarity_matrix_matches_pairwise(model: TextEmbedder) -> None:
    a = ["vegan skincare", "gaming setup"]
    b = ["#skincare", "new gpu", ""]
    matrix = model.similarity(a, b)
    assert matrix.shape == (2, 3)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            assert matrix[i, j] == pytest.approx(model.similarity(x, y), abs=1e-6)
    assert model.similarity("same text", "same text") == pytest.approx(1.0, abs=1e-6)


# --------------------------------------------------------------------- hashtags


def test_hashtags_are_split_into_words(model: TextEmbedder) -> None:
    assert model.tokens("#skincareroutine") == ["skin", "care", "routine"]
    assert model.tokens("#VeganSkincare") == model.tokens("#veganskincare")
    assert model.tokens("#legday #gym_life") == ["leg", "day", "gym", "life"]
    assert model.tokens("#über_cool") == ["uber", "cool"]


def test_a_hashtag_means_what_its_words_mean(model: TextEmbedder) -> None:
    assert model.similarity("#veganskincare", "vegan skin care") > 0.9
    assert model.similarity("#skincare", "skincare") > model.similarity("#skincare", "football")


def test_urls_mentions_and_emoji_contribute_nothing(model: TextEmbedder) -> None:
    plain = model.embed(["morning run by the river"])
    noisy = model.embed(["Morning run 🏃 by the river https://t.co/xyz @coach"])
    np.testing.assert_allclose(plain, noisy, atol=1e-6)


def test_tokenizer_on_a_tiny_vocabulary() -> None:
    tok = WordPieceTokenizer(["un", "##want", "##ed", "run", "##ning", ",", "a"])
    assert tok.pieces("UnWanted, running!") == ["un", "##want", "##ed", ",", "run", "##ning"]
    assert tok.pieces("x" * 101) == []  # BERT's limit: an over-long word is unknown
    assert tok.ids("qqq") == []


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ("a single string", r"texts must be a sequence of str, not a single str"),
        (b"bytes", r"texts must be a sequence of str, not a single bytes"),
        (None, r"texts must be a sequence of str, not NoneType"),
        (42, r"texts must be a sequence of str, not int"),
        (["ok", 3], r"texts\[1\] must be str, not int"),
        (["ok", None], r"texts\[1\] must be str, not NoneType"),
    ],
)
def test_invalid_texts_raise_type_error(model: TextEmbedder, texts: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        model.embed(texts)  # type: ignore[arg-type]


def test_invalid_similarity_arguments(model: TextEmbedder) -> None:
    with pytest.raises(TypeError, match="both be str or both be sequences"):
        model.similarity("a", ["b"])
    with pytest.raises(TypeError, match=r"b\[0\] must be str, not int"):
        model.similarity(["a"], [1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="text must be str, not list"):
        model.tokens(["a"])  # type: ignore[arg-type]


def test_vectors_must_match_tokens() -> None:
    with pytest.raises(ValueError, match="one row per token"):
        TextEmbedder(np.zeros((3, 4)), ["a", "b"], name="x", version="x@0")
