"""``train authenticity --data FILE``: a file that is not InstaFake JSONL is one clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests._main import run_main

from trustreach.audience._training import _read
from trustreach.core import ConfigurationError

BAD = [
    ("binary.jsonl", b"\xff\xfe\x00garbage\n", "is not UTF-8"),
    ("text.jsonl", b"not json at all\n", "is not JSON lines"),
    ("fields.jsonl", b'{"a": 1}\n', "lacks the field(s) userMediaCount"),
    ("list.jsonl", b"[1, 2]\n", "is not JSON lines"),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_training_file_is_refused_naming_it(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ConfigurationError) as info:
        _read(path)
    assert str(info.value).startswith(str(path)) and expected in str(info.value)


@pytest.mark.parametrize(("name", "content", "expected"), BAD, ids=[b[0] for b in BAD])
def test_cli_refuses_a_bad_training_file_in_one_line(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run_main(
        "train",
        "authenticity",
        "--data",
        str(path),
        "--out",
        str(tmp_path / "out"),
        "--card",
        str(tmp_path / "card.md"),
    )
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and expected in lines[0]
    assert not (tmp_path / "card.md").exists()
