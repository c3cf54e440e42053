"""The caption model (possible promotion) and ``trustreach disclosure classify-captions``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from trustreach.cli import app
from trustreach.core import ConfigurationError
from trustreach.nlp import _promo as promo_module
from trustreach.nlp._promo import (
    SENTENCE_VECTOR,
    caption_cues,
    load_promo_model,
    promotional_probability,
    sentence_vectors,
    with_graph_output,
)

CAPTIONS = [
    "Use code ANNA20 for 20% off everything, link in bio! #ad @brandco",
    "sunset walk with my dog",
    "Our new collection is out now, shop it at www.example.com 🛍️ #NewDrop",
    "",
    "grateful for these people ❤️",
]


def test_probabilities_are_in_range_in_order_and_deterministic() -> None:
    p = promotional_probability(CAPTIONS)
    assert p.shape == (len(CAPTIONS),)
    assert np.all((p >= 0) & (p <= 1))
    reversed_p = promotional_probability(CAPTIONS[::-1])
    np.testing.assert_array_equal(p, reversed_p[::-1])  # order kept, no batch effect
    np.testing.assert_array_equal(p, promotional_probability(list(CAPTIONS)))
    # the hand-written promotions score above the personal captions
    assert min(p[0], p[2]) > max(p[1], p[4])
    assert promotional_probability([]).shape == (0,)


def test_cues_explain_a_caption_and_the_model_names_its_version() -> None:
    names = [c.name for c in caption_cues(CAPTIONS[0])]
    assert {"discount_code", "link_in_bio", "ad_tag", "percent"} <= set(names)
    assert caption_cues("sunset walk with my dog") == []
    model = load_promo_model()
    assert model.version.startswith("promo_caption@")
    assert 0.0 < model.threshold < 1.0
    with pytest.raises(TypeError, match="captions must be a sequence of str"):
        promotional_probability("one caption")


def test_sentence_vectors_come_from_the_shipped_encoder_and_tie_the_model_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vectors = sentence_vectors(CAPTIONS)
    assert vectors.shape == (len(CAPTIONS), SENTENCE_VECTOR["dims"])
    assert np.all(np.isfinite(vectors))
    np.testing.assert_array_equal(vectors[::-1], sentence_vectors(CAPTIONS[::-1]))
    assert not np.allclose(vectors[0], vectors[1])
    with pytest.raises(ValueError, match="no graph"):
        with_graph_output(b"\x08\x07", "x")  # a ModelProto with only an ir_version
    # an artefact trained on another encoder graph is refused
    monkeypatch.setattr(promo_module, "_encoder_sha256", lambda: "0" * 64)
    with pytest.raises(RuntimeError, match="another sentence encoder"):
        promo_module.load_promo_model.__wrapped__()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_cli_on_csv_keeps_rows_and_columns(tmp_path: Path) -> None:
    source = tmp_path / "posts.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["post_id", "caption", "likes"])
        for i, caption in enumerate(CAPTIONS):
            writer.writerow([f"p{i}", caption, str(10 * i)])
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["disclosure", "classify-captions", str(source), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert [r["post_id"] for r in rows] == [f"p{i}" for i in range(len(CAPTIONS))]
    assert list(rows[0]) == [
        "post_id",
        "caption",
        "likes",
        "promotional_probability",
        "promotional",
    ]
    assert [r["caption"] for r in rows] == CAPTIONS
    expected = promotional_probability(CAPTIONS)
    threshold = load_promo_model().threshold
    for row, p in zip(rows, expected, strict=True):
        assert float(row["promotional_probability"]) == pytest.approx(float(p), abs=1e-6)
        assert row["promotional"] == ("true" if p >= threshold else "false")
    assert "possibly promotional" in result.output

    again = CliRunner().invoke(
        app, ["disclosure", "classify-captions", str(source), "--output", str(out)]
    )
    assert isinstance(again.exception, ConfigurationError)
    assert "--force" in str(again.exception)
    forced = CliRunner().invoke(
        app, ["disclosure", "classify-captions", str(source), "-o", str(out), "--force"]
    )
    assert forced.exit_code == 0, forced.output


def test_cli_on_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    records = [{"id": i, "caption": c, "tags": ["x"]} for i, c in enumerate(CAPTIONS)]
    records[3]["caption"] = None  # a null caption scores as empty text
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["disclosure", "classify-captions", str(source), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert [r["id"] for r in rows] == [str(i) for i in range(len(CAPTIONS))]
    assert rows[0]["tags"] == '["x"]'
    assert all(0.0 <= float(r["promotional_probability"]) <= 1.0 for r in rows)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("posts.csv", "post_id,text\np1,hello\n", "has no 'caption' column"),
        ("posts.jsonl", '{"text": "hello"}\n', "the field 'caption' is missing"),
        ("posts.txt", "hello\n", "extension '.txt' is not allowed"),
        ("posts.csv", "caption,promotional\nhi,1\n", "already has the output column"),
    ],
)
def test_cli_errors_name_the_problem(tmp_path: Path, name: str, content: str, match: str) -> None:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["disclosure", "classify-captions", str(source), "--output", str(out)]
    )
    assert isinstance(result.exception, ConfigurationError)
    assert match in str(result.exception)
    assert not out.exists()
