"""TRUSTREACH_ONNX_THREADS: how many ONNX Runtime threads each process gives the accurate
text tier (default 1), validated with the allowed values, and passed to every session."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.test_cli import run

from trustreach.core import Settings, reset_settings
from trustreach.nlp._accurate import AccurateSafety, AccurateSentiment, onnx_threads
from trustreach.nlp._promo import _sentence_encoder


def _intra(session: object) -> int:
    return int(session.get_session_options().intra_op_num_threads)  # type: ignore[attr-defined]


def test_default_is_one_thread_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTREACH_ONNX_THREADS", raising=False)
    reset_settings()
    assert Settings().onnx_threads == 1
    assert onnx_threads() == 1
    model = AccurateSafety.load()
    assert model.threads == 1
    assert _intra(model._session) == 1


def test_the_setting_reaches_every_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTREACH_ONNX_THREADS", "3")
    reset_settings()
    try:
        sentiment, safety = AccurateSentiment.load(), AccurateSafety.load()
        (encoder, _values), encoder_model = _sentence_encoder()
        assert sentiment.threads == safety.threads == encoder_model.threads == 3
        for session in (sentiment._session, safety._session, encoder):
            assert _intra(session) == 3
            assert session.get_session_options().inter_op_num_threads == 1
        # an explicit count still wins, and each count has its own cached session
        assert _intra(AccurateSafety.load(threads=2)._session) == 2
        assert AccurateSafety.load() is safety
    finally:
        monkeypatch.delenv("TRUSTREACH_ONNX_THREADS")
        reset_settings()


@pytest.mark.parametrize("value", ["0", "65", "two", "1.5", "-1", ""])
def test_bad_values_are_refused_naming_the_allowed_ones(value: str) -> None:
    with pytest.raises(ValidationError, match="allowed: a whole number from 1 to 64"):
        Settings(onnx_threads=value)


def test_the_cli_names_the_variable_and_the_allowed_values(tmp_path: Path) -> None:
    source = tmp_path / "comments.txt"
    source.write_text("love this\nawful\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    result = run(
        "nlp",
        "analyze",
        str(source),
        "-o",
        str(output),
        env={"TRUSTREACH_DATA_DIR": str(tmp_path / "data"), "TRUSTREACH_ONNX_THREADS": "0"},
    )
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: in settings (TRUSTREACH_* environment): TRUSTREACH_ONNX_THREADS")
    assert "allowed: a whole number from 1 to 64" in last
    assert not output.exists()
