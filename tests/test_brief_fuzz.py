"""Property tests: any file given as a brief is a valid brief or one clear refusal.

Through the library (:func:`load_brief`, :func:`parse_brief`) and the CLI
(``trustreach discover FILE``): arbitrary bytes, arbitrary nested JSON/YAML
documents, YAML built from its trickiest tokens, and valid briefs with one
field replaced by anything. Never another exception (RecursionError,
UnicodeDecodeError, TypeError, KeyError, ...), never pydantic's own wording.
Bounded here; ``scripts/fuzz_briefs.py --examples N`` runs the same
properties for longer.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._main import run_main

from trustreach.discovery import Brief, BriefError, load_brief, parse_brief

EXAMPLES = int(os.environ.get("TRUSTREACH_FUZZ_EXAMPLES", "40"))  # scripts/fuzz_briefs.py
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # a long run (scripts/fuzz_briefs.py) keeps no example database in the tree
    **({"database": None} if "TRUSTREACH_FUZZ_EXAMPLES" in os.environ else {}),
)

VALID: dict[str, Any] = {
    "brief_id": "b1",
    "brand": "Glow Labs",
    "objective": "awareness",
    "platforms": ["instagram"],
    "topics": ["skincare"],
    "category": "beauty",
    "budget": {"amount": 1000, "currency": "GBP"},
    "content_language": "en",
    "audience": {"age_bands": ["25-34"], "countries": ["GB"]},
    "weights": {"cost": 0.5},
    "authenticity": {"min_audience_quality": 40},
    "exclusions": {"creator_ids": ["c1"]},
    "top_n": 5,
}
FIELDS = [
    *VALID,
    "campaign_id",
    "budget.amount",
    "budget.currency",
    "audience.genders",
    "audience.interests",
    "weights.topic_fit",
    "authenticity.fraud_signals",
    "authenticity.min_signal_strength",
    "exclusions.topics",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "instagram", "GBP", "25-34", "awareness", "beauty", "en", "NO", "1e400"]),
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | st.sampled_from(list(VALID)), inner, max_size=4)
    ),
    max_leaves=25,
)
YAML_TOKENS = [
    "brief_id: b1\n",
    "brand: B\n",
    "top_n: 5\n",
    "budget:\n",
    "  amount: ",
    "&a ",
    "*a",
    "*b",
    "&b [",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ": ",
    "- ",
    "\n",
    "  ",
    "? ",
    "<<: ",
    "!!binary ",
    "!!set ",
    "!!int ",
    "!!float ",
    "!!python/tuple ",
    "!foo ",
    "---\n",
    "...\n",
    "'",
    '"',
    "\\x00",
    "#",
    "|\n",
    ">\n",
    "0123",
    "0x1F",
    "1:20",
    ".inf",
    ".nan",
    "1e400",
    "9" * 30,
    "2026-02-30",
    "2026-10-30",
    "~",
    "null",
    "yes",
    "NO",
    "true",
    "\t",
    "%YAML 1.1\n",
    "\ufeff",
    "\u2028",
    "é",
]
yaml_texts = st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join)

# pydantic's own wording must never reach a user unexplained
_RAW = re.compile(r"valid dictionary|instance of|Input should|input_value|pydantic")
# every problem line begins with where it is: a field path, (top level) or (file)
_WHERE = re.compile(r"^(\(top level\)|\(file\)|[A-Za-z_]\w*|'.*'|\".*\")[^\n]*: \S")


def _check_refusal(error: BriefError) -> None:
    assert error.errors, error
    for line in error.errors:
        assert "\n" not in line and _WHERE.match(line), line
        assert not _RAW.search(line), line


def _load(path: Path) -> Brief | BriefError:
    try:
        return load_brief(path)
    except BriefError as error:
        _check_refusal(error)
        return error


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def _dump(document: Any, suffix: str) -> str:
    if suffix == ".json":
        return json.dumps(document, allow_nan=True)
    return str(yaml.safe_dump(document, allow_unicode=True))


def _set(document: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(document))
    head, _, tail = field.partition(".")
    if tail:
        inner = out.get(head)
        out[head] = {**inner, tail: value} if isinstance(inner, dict) else {tail: value}
    else:
        out[head] = value
    return out


@FUZZ
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".yaml", ".json"]))
def test_any_bytes_are_a_brief_or_a_clear_refusal(
    tmp_path: Path, content: bytes, suffix: str
) -> None:
    _load(_write(tmp_path, "b" + suffix, content))


@FUZZ
@given(document=documents, suffix=st.sampled_from([".yaml", ".json"]))
def test_any_document_is_a_brief_or_a_clear_refusal(
    tmp_path: Path, document: Any, suffix: str
) -> None:
    _load(_write(tmp_path, "b" + suffix, _dump(document, suffix)))


@FUZZ
@given(text=yaml_texts)
def test_tricky_yaml_is_a_brief_or_a_clear_refusal(tmp_path: Path, text: str) -> None:
    _load(_write(tmp_path, "b.yaml", text))


@FUZZ
@given(field=st.sampled_from(FIELDS), value=documents)
def test_any_value_in_any_field_is_valid_or_named(field: str, value: Any) -> None:
    document = _set(VALID, field, value)
    try:
        parse_brief(document)
    except BriefError as error:
        _check_refusal(error)
        top = field.split(".")[0]
        assert any(line.startswith(top) for line in error.errors), error.errors


@FUZZ
@given(field=st.sampled_from(FIELDS), value=documents, suffix=st.sampled_from([".yaml", ".json"]))
def test_a_valid_brief_with_any_value_in_a_file_loads_or_is_refused(
    tmp_path: Path, field: str, value: Any, suffix: str
) -> None:
    result = _load(_write(tmp_path, "b" + suffix, _dump(_set(VALID, field, value), suffix)))
    if isinstance(result, Brief):  # what loads is what was written
        assert result.brief_id == str(_set(VALID, field, value)["brief_id"]).strip()


CLI = settings(FUZZ, max_examples=max(1, EXAMPLES * 5 // 8))


@CLI
@given(
    content=st.binary(max_size=200)
    | documents.map(json.dumps).map(str.encode)
    | yaml_texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_cli_gives_one_error_line_and_exit_2(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = _write(tmp_path, "b" + suffix, content)
    code, _, err = run_main("discover", str(path), "--dry-run", "-w", "fuzz")
    assert "Traceback" not in err
    if code != 0:
        assert code == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
