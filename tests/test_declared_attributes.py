"""Declared rates and declared attributes: validation, consent, withdrawal, synthetic world."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from tests._world import TINY, write_records, write_world

from trustreach.core import ImportValidationError, Settings
from trustreach.ingest import CreatorAccountRecord, DeclaredAttributeRecord
from trustreach.services import import_path, record_of_processing
from trustreach.synth import generate_world

GRANT = {
    "consent_id": "cs-decl",
    "creator_id": "c1",
    "purpose": "declared_attributes",
    "granted": True,
    "recorded_at": "2026-09-01T10:00:00Z",
}
DECLARED = [
    {"declaration_id": "dc1", "creator_id": "c1", "attribute": "gender", "value": "woman",
     "declared_at": "2026-09-01T10:05:00Z", "consent_id": "cs-decl"},
    {"declaration_id": "dc2", "creator_id": "c1", "attribute": "disability", "value": "no",
     "declared_at": "2026-09-01T10:05:00Z", "consent_id": "cs-decl"},
]  # fmt: skip


def _world(tmp_path: Path, consents: list[dict[str, Any]], declared: list[dict[str, Any]]) -> Path:
    world = write_world(tmp_path / "world")
    write_records(world / "consent_records.jsonl", [*TINY["consent_records"], *consents])
    write_records(world / "declared_attributes.jsonl", declared)
    return world


# ------------------------------------------------------------------ declared rates


def test_rate_and_currency_go_together() -> None:
    base = {"account_id": "a", "creator_id": "c", "platform": "instagram", "handle": "h"}
    ok = CreatorAccountRecord.model_validate({**base, "rate_per_post": 250, "rate_currency": "GBP"})
    assert (ok.rate_per_post, ok.rate_currency) == (250.0, "GBP")
    assert CreatorAccountRecord.model_validate(base).rate_per_post is None
    for half in ({"rate_per_post": 250}, {"rate_currency": "EUR"}):
        with pytest.raises(ValidationError, match="rate_per_post and rate_currency"):
            CreatorAccountRecord.model_validate({**base, **half})
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        CreatorAccountRecord.model_validate({**base, "rate_per_post": -1, "rate_currency": "USD"})


def test_import_refuses_a_rate_without_currency(tmp_path: Path, sqlite_settings: Settings) -> None:
    rows = [dict(r) for r in TINY["creator_accounts"]]
    rows[0]["rate_per_post"] = 900
    world = write_world(tmp_path / "world")
    write_records(world / "creator_accounts.jsonl", rows)
    with pytest.raises(ImportValidationError) as info:
        import_path(world, workspace="acme", settings=sqlite_settings)
    error = info.value.errors[0]  # later kinds that refer to the account are reported too
    assert error.file.endswith("creator_accounts.jsonl") and error.row == 1
    assert "rate_per_post and rate_currency" in error.message


# ------------------------------------------------------------ declared attributes


def test_declared_attribute_values_are_checked() -> None:
    with pytest.raises(ValidationError, match="attribute"):
        DeclaredAttributeRecord.model_validate({**DECLARED[0], "attribute": "religion"})
    with pytest.raises(ValidationError, match="value"):
        DeclaredAttributeRecord.model_validate({**DECLARED[0], "value": "x" * 61})


def test_declarations_with_a_granted_consent_import(
    tmp_path: Path, store_settings: Settings
) -> None:
    report = import_path(
        _world(tmp_path, [GRANT], DECLARED), workspace="acme", settings=store_settings
    )
    assert {k.kind: k.new for k in report.kinds}["declared_attributes"] == 2


@pytest.mark.parametrize(
    ("consent", "problem"),
    [
        ({**GRANT, "granted": False}, "records a withdrawal"),
        ({**GRANT, "purpose": "profiling"}, "purpose 'profiling'"),
        ({**GRANT, "creator_id": "c2"}, "belongs to creator 'c2'"),
    ],
)
def test_declaration_needs_a_granted_declared_attributes_consent_of_the_same_creator(
    tmp_path: Path, store_settings: Settings, consent: dict[str, Any], problem: str
) -> None:
    world = _world(tmp_path, [consent], DECLARED[:1])
    with pytest.raises(ImportValidationError) as info:
        import_path(world, workspace="acme", settings=store_settings)
    [error] = info.value.errors
    assert error.field == "consent_id" and error.value == "'cs-decl'"
    assert "granted 'declared_attributes' consent record of the same creator" in error.message
    assert problem in error.message


def test_declaration_with_unknown_consent_is_a_reference_error(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    world = _world(tmp_path, [], DECLARED[:1])
    with pytest.raises(ImportValidationError, match="consent_records record that is neither"):
        import_path(world, workspace="acme", settings=sqlite_settings)


def test_declaration_may_rest_on_a_consent_already_stored(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    import_path(_world(tmp_path, [GRANT], []), workspace="acme", settings=sqlite_settings)
    only = tmp_path / "later" / "declared_attributes.csv"
    write_records(only, DECLARED)
    report = import_path(only, workspace="acme", settings=sqlite_settings)
    assert report.kinds[0].new == 2


def test_register_lists_the_new_tables() -> None:
    entries = {e.table: e for e in record_of_processing()}
    declared = entries["declared_attributes"]
    assert "never used to rank" in declared.declaration.purpose
    assert "Art. 9(2)(a)" in declared.declaration.legal_basis
    assert "withdraws" in declared.retention
    assert {"shortlist_entries", "shortlist_decisions"} <= set(entries)


# ------------------------------------------------------------------ synthetic world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("w")
    generate_world(out, seed=7, creators=30, followers_per_creator=20, days=60)
    return out


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_synth_declarations_rest_on_granted_consent_and_some_withdraw(world: Path) -> None:
    truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
    consents = {c["consent_id"]: c for c in _jsonl(world / "consent_records.jsonl")}
    declared = _jsonl(world / "declared_attributes.jsonl")
    by_creator: dict[str, dict[str, str]] = {}
    for d in declared:
        consent = consents[d["consent_id"]]
        assert consent["creator_id"] == d["creator_id"]
        assert consent["purpose"] == "declared_attributes" and consent["granted"]
        assert consent["recorded_at"] <= d["declared_at"]
        by_creator.setdefault(d["creator_id"], {})[d["attribute"]] = d["value"]
    section = truth["declared_attributes"]
    assert by_creator == section["creators"]
    counts = section["declared_counts"]
    assert counts["gender"] >= counts["ethnicity"] >= 1 and counts["disability"] >= 1
    gone = section["withdrawn_creators"]
    assert 1 <= len(gone) <= 0.2 * len(by_creator)
    for cid in gone:
        latest = max(
            (c for c in consents.values()
             if c["creator_id"] == cid and c["purpose"] == "declared_attributes"),
            key=lambda c: c["recorded_at"],
        )  # fmt: skip
        assert latest["granted"] is False


def test_synth_exposure_gap_is_recorded_and_applied(world: Path) -> None:
    truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
    gap = truth["exposure_gap"]
    assert (gap["attribute"], gap["value"], gap["follower_multiplier"]) == ("gender", "woman", 0.6)
    women = {
        d["creator_id"]
        for d in _jsonl(world / "declared_attributes.jsonl")
        if d["attribute"] == "gender" and d["value"] == "woman"
    }
    assert set(gap["creators"]) == women and women
    assert any("exposure_gap" in note for note in truth["notes"])


def test_synth_declared_rates(world: Path) -> None:
    accounts = _jsonl(world / "creator_accounts.jsonl")
    country = {c["creator_id"]: c["country"] for c in _jsonl(world / "creators.jsonl")}
    rated = [a for a in accounts if a["rate_per_post"] is not None]
    assert 0.6 <= len(rated) / len(accounts) <= 0.95
    euro = {"DE", "FR", "ES", "IT"}
    for a in accounts:
        assert (a["rate_per_post"] is None) == (a["rate_currency"] is None)
        if a["rate_per_post"] is not None:
            assert a["rate_per_post"] >= 50
            c = country[a["creator_id"]]
            want = "GBP" if c == "GB" else "EUR" if c in euro else "USD"
            assert a["rate_currency"] == want
