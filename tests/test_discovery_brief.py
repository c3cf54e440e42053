"""Briefs: the model, loading from YAML and JSON, field-level errors, the documented format."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests._main import run_main

from trustreach.core import NotFoundError, TrustreachError
from trustreach.discovery import (
    CATEGORY_PARENTS,
    AudienceTarget,
    Brief,
    BriefError,
    Objective,
    ProductCategory,
    brief_json_schema,
    load_brief,
    parse_brief,
)
from trustreach.ingest import AGE_BANDS, BrandCategory

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "briefs"


def _brief(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "brief_id": "b1",
        "brand": "Glow Labs",
        "objective": "awareness",
        "platforms": ["instagram"],
        "topics": ["skincare"],
        "category": "beauty",
        "budget": {"amount": 1000, "currency": "GBP"},
        "content_language": "en",
    }
    data.update(changes)
    return data


def _errors(data: Any) -> list[str]:
    with pytest.raises(BriefError) as info:
        parse_brief(data)
    return info.value.errors


def test_minimal_brief_has_documented_defaults() -> None:
    brief = parse_brief(_brief())
    assert brief.top_n == 20
    assert brief.objective is Objective.awareness
    assert brief.audience == AudienceTarget()
    assert brief.audience.is_empty
    assert brief.exclusions.creator_ids == [] and brief.exclusions.topics == []


def test_brief_error_is_a_trustreach_value_error() -> None:
    with pytest.raises(BriefError) as info:
        parse_brief(_brief(objective="sales"))
    assert isinstance(info.value, TrustreachError)
    assert isinstance(info.value, ValueError)


def test_age_band_error_names_index_value_and_allowed() -> None:
    errors = _errors(_brief(audience={"age_bands": ["18-24", "16-20"]}))
    assert errors == [
        f"audience.age_bands[1]: '16-20' not allowed; allowed: {', '.join(AGE_BANDS)}"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"objective": "sales"}, "objective: 'sales' not allowed; allowed: awareness, engagement"),
        ({"platforms": ["instagram", "myspace"]}, "platforms[1]: 'myspace' not allowed; allowed:"),
        ({"platforms": []}, "platforms: needs at least 1 item(s)"),
        ({"platforms": ["x", "x"]}, "platforms: 'x' is listed more than once"),
        ({"audience": {"genders": ["woman"]}}, "audience.genders[0]: 'woman' not allowed"),
        ({"audience": {"countries": ["uk"]}}, "audience.countries[0]: must be an ISO 3166-1"),
        ({"audience": {"intrests": ["a"]}}, "audience.intrests: unknown field (did you mean"),
        ({"topics": []}, "topics: needs at least 1 item(s)"),
        ({"category": "booze"}, "category: 'booze' not allowed; allowed: general, beauty"),
        ({"budget": {"amount": -1, "currency": "GBP"}}, "budget.amount: input should be greater"),
        ({"budget": {"amount": 1, "currency": "pounds"}}, "budget.currency: must be an ISO 4217"),
        ({"content_language": "eng"}, "content_language: must be an ISO 639-1"),
        ({"top_n": 0}, "top_n: input should be greater than or equal to 1"),
        ({"exclusions": {"creator_ids": ["a", "a"]}}, "exclusions.creator_ids: 'a' is listed"),
        ({"colour": "red"}, "colour: unknown field; allowed fields: brief_id, brand"),
    ],
)
def test_field_level_errors(changes: dict[str, Any], expected: str) -> None:
    errors = _errors(_brief(**changes))
    assert any(e.startswith(expected) for e in errors), errors


def test_missing_fields_are_each_reported() -> None:
    errors = _errors({"brief_id": "b1"})
    for name in ("brand", "objective", "platforms", "topics", "category", "budget"):
        assert f"{name}: required; add it" in errors


def test_every_problem_is_reported_at_once() -> None:
    errors = _errors(_brief(objective="sales", top_n=0, audience={"genders": ["woman"]}))
    assert len(errors) == 3


def test_top_level_must_be_a_mapping() -> None:
    assert _errors(["not", "a", "mapping"]) == [
        "(top level): expected a mapping of fields (brief_id, brand, campaign_id, objective, "
        "platforms, audience, topics, category, budget, content_language, exclusions, top_n, "
        "weights, authenticity), got a list"
    ]


def test_category_extends_brand_category() -> None:
    brand_values = {c.value for c in BrandCategory}
    assert brand_values <= {c.value for c in ProductCategory}
    for category in ProductCategory:
        if category.value in brand_values:
            assert category.brand_category.value == category.value
        else:
            assert category in CATEGORY_PARENTS
    assert ProductCategory.beer.brand_category is BrandCategory.alcohol
    assert ProductCategory.hfss_food.brand_category is BrandCategory.food_beverage
    assert ProductCategory.credit.brand_category is BrandCategory.finance
    assert ProductCategory.gambling.is_restricted and ProductCategory.housing.is_restricted
    assert not ProductCategory.beauty.is_restricted


def test_load_yaml_and_json_agree(tmp_path: Path) -> None:
    data = _brief(audience={"age_bands": ["25-34"], "countries": ["NO", "GB"]}, top_n=5)
    json_path = tmp_path / "brief.json"
    json_path.write_text(json.dumps(data), encoding="utf-8")
    yaml_path = tmp_path / "brief.YML"
    yaml_path.write_text(
        "brief_id: b1\nbrand: Glow Labs\nobjective: awareness\nplatforms: [instagram]\n"
        "topics: [skincare]\ncategory: beauty\nbudget: {amount: 1000, currency: GBP}\n"
        "content_language: en\naudience:\n  age_bands: ['25-34']\n  countries: [NO, GB]\n"
        "top_n: 5\n",
        encoding="utf-8",
    )
    assert load_brief(json_path) == load_brief(yaml_path) == Brief.model_validate(data)


def test_load_reports_field_paths_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "brief_id: b1\nbrand: B\nobjective: awareness\nplatforms: [instagram]\n"
        "topics: [t]\ncategory: beauty\nbudget: {amount: 1, currency: GBP}\n"
        "content_language: en\naudience: {age_bands: ['18-24', '16-20']}\n",
        encoding="utf-8",
    )
    with pytest.raises(BriefError, match=r"audience\.age_bands\[1\]: '16-20' not allowed") as info:
        load_brief(path)
    assert info.value.source == str(path)
    assert str(path) in str(info.value)


def test_invalid_extension_names_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "brief.txt"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(
        BriefError, match=r"'\.txt' is not supported; allowed: \.yaml, \.yml, \.json"
    ):
        load_brief(path)


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        load_brief(tmp_path / "absent.yaml")


def test_syntax_errors_give_the_line(tmp_path: Path) -> None:
    bad_json = tmp_path / "b.json"
    bad_json.write_text('{"brief_id": "b1",\n  oops}', encoding="utf-8")
    with pytest.raises(BriefError, match=r"not valid JSON at line 2"):
        load_brief(bad_json)
    bad_yaml = tmp_path / "b.yaml"
    bad_yaml.write_text("brief_id: b1\nplatforms: [instagram\n", encoding="utf-8")
    with pytest.raises(BriefError, match=r"not valid YAML at line \d+"):
        load_brief(bad_yaml)


@pytest.mark.parametrize(
    "name", ["skincare_awareness.yaml", "craft_beer.yaml", "credit_card_age_targeted.yaml"]
)
def test_example_briefs_load(name: str) -> None:
    brief = load_brief(EXAMPLES / name)
    assert brief.topics


def test_json_schema_lists_fields_and_allowed_values() -> None:
    schema = brief_json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) >= {"brief_id", "objective", "platforms", "topics"}
    assert schema["additionalProperties"] is False
    audience = schema["$defs"]["AudienceTarget"]["properties"]
    assert audience["age_bands"]["items"]["enum"] == list(AGE_BANDS)
    json.dumps(schema)  # serialisable


def test_docs_describe_every_field_and_load_their_examples(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "briefs.md").read_text(encoding="utf-8")
    for name, info in Brief.model_fields.items():
        assert f"`{name}`" in text, name
        sub = info.annotation
        if isinstance(sub, type) and hasattr(sub, "model_fields"):
            for inner in sub.model_fields:
                assert f"`{name}.{inner}`" in text, f"{name}.{inner}"
    for category in ProductCategory:
        assert f"`{category.value}`" in text, category
    yaml_block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    json_block = text.split("```json\n", 1)[1].split("```", 1)[0]
    (tmp_path / "doc.yaml").write_text(yaml_block, encoding="utf-8")
    assert load_brief(tmp_path / "doc.yaml") == load_brief(EXAMPLES / "skincare_awareness.yaml")
    (tmp_path / "doc.json").write_text(json_block, encoding="utf-8")
    assert load_brief(tmp_path / "doc.json") == load_brief(EXAMPLES / "craft_beer.yaml")


# --------------------------------------------------------------------------- hostile files


def _yaml(**changes: str) -> str:
    fields = {
        "brief_id": "b1",
        "brand": "Glow Labs",
        "objective": "awareness",
        "platforms": "[instagram]",
        "topics": "[skincare]",
        "category": "beauty",
        "budget": "{amount: 1000, currency: GBP}",
        "content_language": "en",
        **changes,
    }
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def _alias_bomb(levels: int) -> str:
    lines = [_yaml(), "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


HOSTILE: list[tuple[str, str | bytes, str]] = [
    ("dup.yaml", _yaml() + "brief_id: b2\n", "(file): line 9: key 'brief_id' appears twice"),
    (
        "dup.json",
        json.dumps(_brief())[:-1] + ', "brief_id": "b2"}',
        "(file): key 'brief_id' appears twice",
    ),
    ("bomb.yaml", _alias_bomb(10), "(file): line 11: YAML aliases (*a0) are not allowed"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, "(file): nested deeper than 32 levels"),
    ("deep.yaml", "a: " + "[" * 20_000 + "]" * 20_000, "(file): not valid YAML at line 1"),
    (
        "binary.yaml",
        b"brief_id: \xff\xfe\x00b1\n",
        "(file): is not UTF-8 text: byte 0xff at offset 10",
    ),
    ("nan.json", json.dumps(_brief())[:-1] + ', "top_n": NaN}', "(file): NaN is not a number"),
    ("inf.yaml", _yaml(budget="{amount: .inf, currency: GBP}"), "(file): inf at budget.amount"),
    ("big.json", '{"brief_id": "' + "x" * 300_000 + '"}', "(file): is larger than the limit of"),
    ("octal.yaml", _yaml(brief_id="0123"), ""),  # stays the text '0123', never 83
]


@pytest.mark.parametrize(("name", "content", "expected"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_brief_files_are_refused_clearly(
    tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    if not expected:
        assert load_brief(path).brief_id == "0123"
        return
    with pytest.raises(BriefError) as info:
        load_brief(path)
    assert info.value.source == str(path)
    assert len(info.value.errors) == 1 and info.value.errors[0].startswith(expected), info.value


def test_a_folder_or_fifo_named_as_a_brief_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(BriefError, match=r"\(file\): is a folder"):
        load_brief(tmp_path / "dir.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(BriefError, match=r"\(file\): is not a regular file"):
        load_brief(tmp_path / "fifo.yaml")


def test_an_empty_brief_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(BriefError, match=r"expected a mapping of fields .*got nothing"):
        load_brief(path)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"audience": []}, "audience: expected a mapping of fields (age_bands, genders, countries"),
        (
            {"budget": 5},
            "budget: expected a mapping of fields (amount, currency), got the number 5",
        ),
        ({"weights": [1]}, "weights: expected a mapping of fields (audience_fit, topic_fit"),
        ({"weights": {"reach": 1}}, "weights.reach: unknown field; allowed fields: audience_fit"),
        ({"topics": "skincare"}, "topics: expected a list (e.g. [a, b]), got text 'skincare'"),
        ({"brand": None}, "brand: expected text, got nothing (null)"),
        ({"brief_id": ["a"]}, "brief_id: expected text, got a list"),
        (
            {"campaign_id": 1.5},
            "campaign_id: an id is text, not a number; put it in quotes ('1.5')",
        ),
        ({"topics": [1.5]}, "topics[0]: expected text, not a number with a fraction"),
        ({"brief_id": "a\x00b"}, "brief_id: text may not hold control characters"),
        ({"top_n": "x"}, "top_n: expected a whole number, got text 'x'"),
        ({"top_n": 2.5}, "top_n: expected a whole number, got the number 2.5"),
        ({"top_n": True}, "top_n: expected a number, not true/false"),
        ({"budget": {"amount": True, "currency": "GBP"}}, "budget.amount: expected a number, not"),
        (
            {"budget": {"amount": float("inf"), "currency": "GBP"}},
            "budget.amount: ",
        ),
        (
            {"budget": {"amount": float("nan"), "currency": "GBP"}},
            "budget.amount: ",
        ),
        (
            {"budget": {"amount": 10**400, "currency": "GBP"}},
            "budget.amount: expected a number within",
        ),
        ({"weights": {"cost": float("inf")}}, "weights.cost: expected a finite number"),
        (
            {"authenticity": {"min_signal_strength": float("nan")}},
            "authenticity.min_signal_strength: expected a finite",
        ),
        ({"content_language": 5}, "content_language: expected text, got the number 5"),
    ],
)
def test_wrong_types_name_the_field_and_what_it_takes(
    changes: dict[str, Any], expected: str
) -> None:
    errors = _errors(_brief(**changes))
    assert any(e.startswith(expected) for e in errors), errors
    assert not any("valid dictionary" in e or "instance of" in e for e in errors), errors
    if any(isinstance(leaf, float) and not math.isfinite(leaf) for leaf in _leaves(changes)):
        assert any("finite" in e for e in errors), errors


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for inner in value.values() for leaf in _leaves(inner)]
    return [value]


def test_whole_numbers_in_free_text_are_kept_as_written_and_ids_are_text() -> None:
    brief = parse_brief(_brief(topics=[1984], brand=3))
    assert brief.topics == ["1984"] and brief.brand == "3"
    errors = _errors(_brief(brief_id=2024, exclusions={"creator_ids": [7]}))
    assert errors == [
        "brief_id: an id is text, not a number; put it in quotes ('2024')",
        "exclusions.creator_ids[0]: an id is text, not a number; put it in quotes ('7')",
    ]


@pytest.mark.parametrize(("name", "content", "expected"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_cli_refuses_hostile_briefs_with_one_error_line(
    tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    if not expected:
        return
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, out, err = run_main("discover", str(path), "--dry-run")
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: brief {path} refused: (file): ")
    assert "Traceback" not in err


def test_cli_refuses_a_bad_brief_without_loading_the_ranking(tmp_path: Path) -> None:
    """A refused brief costs the command's start-up only: no LightGBM, scikit-learn or Polars."""
    path = tmp_path / "bomb.yaml"
    path.write_text(_alias_bomb(10), encoding="utf-8")
    code = (
        "import sys\n"
        f"sys.argv = ['trustreach', 'discover', {str(path)!r}, '--dry-run']\n"
        "from trustreach.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    status = exc.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('lightgbm', 'sklearn', 'polars', 'onnxruntime', 'scipy'))\n"
        "print(status, heavy)\n"
    )
    env = {**os.environ, "TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "2 []", done.stdout
    assert "YAML aliases (*a0) are not allowed" in done.stderr
