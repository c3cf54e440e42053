"""The one safe reader of user-supplied YAML and JSON: limits, duplicates, clear refusals."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from trustreach.core import ConfigurationError, NotFoundError
from trustreach.core._structured import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_EXACT_INT,
    StructuredFileError,
    load_structured,
    parse_structured,
)


def _refusal(text: str | bytes, fmt: str = "yaml", **limits: Any) -> str:
    with pytest.raises(StructuredFileError) as info:
        parse_structured(text, fmt=fmt, what="brief", source="b.x", **limits)  # type: ignore[arg-type]
    assert isinstance(info.value, ConfigurationError)
    assert str(info.value).startswith("brief b.x: ")
    return info.value.problem


def alias_bomb(levels: int, width: int = 9) -> str:
    """The "billion laughs": each level lists the one before ``width`` times."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_plain_documents_load_alike_from_yaml_and_json() -> None:
    yaml_text = "id: b1\nn: 3\nx: 2.5\nok: true\nnone: null\nlist: [a, {k: v}]\n"
    json_text = (
        '{"id": "b1", "n": 3, "x": 2.5, "ok": true, "none": null, "list": ["a", {"k": "v"}]}'
    )
    assert parse_structured(yaml_text, fmt="yaml", what="brief") == parse_structured(
        json_text, fmt="json", what="brief"
    )


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("brief_id: a\nbrand: B\nbrief_id: b\n", "yaml", "line 3: key 'brief_id' appears twice"),
        ("a:\n  x: 1\n  x: 2\n", "yaml", "line 3: key 'x' appears twice in one mapping (first on"),
        ('{"brief_id": "a", "brief_id": "b"}', "json", "key 'brief_id' appears twice"),
        ('{"a": {"n": 1, "n": -1}}', "json", "key 'n' appears twice"),
    ],
)
def test_duplicate_keys_are_refused_naming_the_key(text: str, fmt: str, expected: str) -> None:
    assert expected in _refusal(text, fmt)


def test_yaml_duplicate_names_both_lines() -> None:
    problem = _refusal("brief_id: a\nbrand: B\nbrief_id: b\n")
    assert problem == "line 3: key 'brief_id' appears twice in one mapping (first on line 1)"


@pytest.mark.parametrize("levels", [1, 9, 10, 30])
def test_alias_bombs_are_refused_at_the_first_alias(levels: int) -> None:
    problem = _refusal(alias_bomb(levels))
    assert problem.startswith("line 2: YAML aliases (*a0) are not allowed")


def test_merge_keys_and_aliases_are_refused() -> None:
    assert "aliases (*base) are not allowed" in _refusal("base: &base {a: 1}\nb:\n  <<: *base\n")
    assert "merge keys (<<) are not allowed" in _refusal("b: {!!merge <<: {a: 1}}\n")


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("[" * 100_000 + "]" * 100_000, "json"),
        ("[" * 100_000, "json"),
        ('{"a": ' * 5_000 + "1" + "}" * 5_000, "json"),
        ("[" * 100_000 + "]" * 100_000, "yaml"),
        ("".join(f"{' ' * 2 * i}k:\n" for i in range(200)), "yaml"),
        ("".join(f"{' ' * 2 * i}- \n" for i in range(200)), "yaml"),
    ],
)
def test_deep_nesting_is_refused_without_recursion_error(text: str, fmt: str) -> None:
    problem = _refusal(text, fmt)
    assert "nested deeper than" in problem or "maximum nesting depth" in problem


def test_the_depth_limit_is_exact() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_structured(ok, fmt="json", what="brief") is not None
    assert parse_structured(ok, fmt="yaml", what="brief") is not None
    too_deep = "[" + ok + "]"
    assert f"nested deeper than {MAX_DEPTH} levels" in _refusal(too_deep, "json")
    assert f"nested deeper than {MAX_DEPTH} levels" in _refusal(too_deep, "yaml")
    assert "nested deeper than 2 levels" in _refusal("a: [[1]]", max_depth=2)


def test_bytes_that_are_not_utf8_are_refused_with_the_offset() -> None:
    problem = _refusal(b"brief_id: b1\nbrand: \xff\xfe\x00b\n")
    assert problem == "is not UTF-8 text: byte 0xff at offset 20 (line 2); save it as UTF-8"
    assert parse_structured(b"\xef\xbb\xbfa: 1\n", fmt="yaml", what="brief") == {"a": 1}


def test_size_limit() -> None:
    big = "a: '" + "x" * MAX_BYTES + "'\n"
    assert f"larger than the limit of {MAX_BYTES:,} bytes" in _refusal(big)
    assert f"larger than the limit of {MAX_BYTES:,} bytes" in _refusal(big.encode())
    assert "larger than the limit of 10 bytes" in _refusal("a: 1234567890", max_bytes=10)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ('{"a": NaN}', "json", "NaN is not a number JSON allows"),
        ('{"a": -Infinity}', "json", "-Infinity is not a number JSON allows"),
        ('{"a": 1e400}', "json", "inf at a is not a finite number"),
        ("a: .inf\n", "yaml", "inf at a is not a finite number"),
        ("a: [.nan]\n", "yaml", "nan at a[0] is not a finite number"),
        ("a: 1e400\n", "yaml", "inf at a is not a finite number"),
        ('{"a": 9007199254740993}', "json", "the number 9007199254740993 at a is out of range"),
        ('{"a": -9007199254740993}', "json", "-9007199254740993 at a is out of range"),
        ('{"a": ' + "9" * 5000 + "}", "json", "is out of range"),
        ("a: 9007199254740993\n", "yaml", "the number 9007199254740993 at a is out of range"),
        ("a: " + "9" * 5000 + "\n", "yaml", "line 1: the number '999"),
        ("a: !!int ''\n", "yaml", "line 1: cannot read the value '' as !!int"),
    ],
)
def test_numbers_are_finite_and_exact(text: str, fmt: str, expected: str) -> None:
    assert expected in _refusal(text, fmt)


def test_the_largest_exact_integers_load() -> None:
    text = f'{{"a": {MAX_EXACT_INT}, "b": {-MAX_EXACT_INT}}}'
    assert parse_structured(text, fmt="json", what="brief") == {
        "a": MAX_EXACT_INT,
        "b": -MAX_EXACT_INT,
    }


def test_yaml_reads_only_plain_numbers_and_true_false() -> None:
    data = parse_structured(
        "octal: 0123\nhex: 0x1F\nsexagesimal: 1:20\nunderscore: 1_000\ncountry: NO\n"
        "word: yes\nflag: true\nn: -12\nx: 1.5e3\nday: 2026-10-30\n",
        fmt="yaml",
        what="brief",
    )
    assert data == {
        "octal": "0123",
        "hex": "0x1F",
        "sexagesimal": "1:20",
        "underscore": "1_000",
        "country": "NO",
        "word": "yes",
        "flag": True,
        "n": -12,
        "x": 1500.0,
        "day": date(2026, 10, 30),
    }


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ('{"a": "x\\u0000y"}', "json", "the text at a holds the character U+0000"),
        ('{"a": ["\\ud800"]}', "json", "the text at a[0] holds the character U+D800"),
        ('{"a\\u0007": 1}', "json", "key 'a\\x07' holds the character U+0007"),
        ('a: "x\\0y"\n', "yaml", "the text at a holds the character U+0000"),
    ],
)
def test_control_characters_and_surrogates_are_refused(text: str, fmt: str, expected: str) -> None:
    assert expected in _refusal(text, fmt)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1: x\n", "line 1: keys must be text; found 1"),
        ("? [a]\n: 1\n", "line 1: keys must be text; found ['a']"),
        (
            "a: 2026-02-30\n",
            "line 1: cannot read the value '2026-02-30' as !!timestamp: day is out of range",
        ),
        ("a: !!float abc\n", "line 1: cannot read the value 'abc'"),
        ("a: !!binary aGVsbG8=\n", "a value of type bytes at a is not supported"),
        ("a: !!set {x}\n", "a value of type set at a is not supported"),
        ("a: !!python/object/apply:os.system [echo]\n", "could not determine a constructor"),
        ("a: 1\n---\nb: 2\n", "not valid YAML at line 2, column 1: but found another document"),
        ("a: [1\n", "not valid YAML at line 2"),
    ],
)
def test_yaml_oddities_are_refused_with_the_line(text: str, expected: str) -> None:
    assert expected in _refusal(text)


def test_json_syntax_errors_give_line_and_column() -> None:
    assert _refusal('{"a": 1,\n oops}', "json").startswith("not valid JSON at line 2, column 2")


# --------------------------------------------------------------------------- files


def test_files_pick_their_format_by_extension(tmp_path: Path) -> None:
    (tmp_path / "a.JSON").write_text('{"a": 1}', encoding="utf-8")
    (tmp_path / "a.yml").write_text("a: 1\n", encoding="utf-8")
    assert load_structured(tmp_path / "a.JSON", what="brief") == {"a": 1}
    assert load_structured(tmp_path / "a.yml", what="brief") == {"a": 1}
    (tmp_path / "a.txt").write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(StructuredFileError, match=r"'\.txt' is not supported; allowed: \.json"):
        load_structured(tmp_path / "a.txt", what="brief")


def test_missing_folder_and_fifo_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"brief file .*absent\.yaml does not exist"):
        load_structured(tmp_path / "absent.yaml", what="brief")
    (tmp_path / "folder.yaml").mkdir()
    with pytest.raises(StructuredFileError, match="is a folder; give a brief file"):
        load_structured(tmp_path / "folder.yaml", what="brief")
    if sys.platform != "win32":
        os.mkfifo(tmp_path / "fifo.yaml")  # nobody writes: reading it must not wait
        with pytest.raises(StructuredFileError, match="is not a regular file"):
            load_structured(tmp_path / "fifo.yaml", what="brief")
        (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
        with pytest.raises(StructuredFileError, match="cannot be read"):
            load_structured(tmp_path / "loop.yaml", what="brief")


def test_a_large_file_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.truncate(64 * MAX_BYTES)  # sparse: cheap to make
    with pytest.raises(StructuredFileError, match="larger than the limit"):
        load_structured(path, what="exchange-rate table")
