"""A creator's own export shows audience breakdowns as every view does: small groups hidden.

Both exports (``rights export`` / ``GET /creators/{id}/data`` and the older
``GET /creators/{id}/export``) hide buckets of fewer than ``min_bucket_size`` people
and the buckets that would reveal them, naming each with the reason (rule T5).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests._api import A, client
from tests._world import TINY, write_records

from trustreach import services
from trustreach.core import Role, Settings
from trustreach.services import _api_reads, _rights

SMALL = {"65+": 0.0005}  # 59.5 of 119,000 followers
SNAPSHOTS: list[dict[str, Any]] = [
    {"account_id": "ig_c1", "captured_on": "2026-10-01", "followers_count": 119000,
     "age_bands": {"18-24": 0.4, "25-34": 0.35, **SMALL}, "genders": {"female": 0.7, "male": 0.28},
     "countries": {"US": 0.6, "GB": 0.1, "IS": 0.0004}},
    {"account_id": "ig_c1", "captured_on": "2026-10-02", "followers_count": 120000},
    # 150 people: no breakdown of at least 100 a group can be shown
    {"account_id": "tt_c2", "captured_on": "2026-10-01", "followers_count": 150,
     "genders": {"female": 0.6, "male": 0.4}},
]  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    root = tmp_path_factory.mktemp("export_suppression")
    settings = Settings(data_dir=root / "data")
    records = copy.deepcopy(TINY)
    records["audience_snapshots"] = SNAPSHOTS
    for kind, rows in records.items():
        write_records(root / "world" / f"{kind}.jsonl", rows)
    services.import_path(root / "world", workspace=A, settings=settings)
    secret, _ = services.create_key(
        workspace=A, role=Role.admin, label="admin", by=services.cli_actor(A), settings=settings
    )
    return settings, secret


def _check_rows(rows: list[dict[str, Any]], minimum: int) -> None:
    """No shown bucket holds fewer than ``minimum`` people; every small one is named."""
    assert rows
    for row in rows:
        raw = next(
            s for s in SNAPSHOTS
            if (s["account_id"], s["captured_on"]) == (row["account_id"], row["captured_on"])
        )  # fmt: skip
        for column in ("age_bands", "genders", "countries"):
            stored: dict[str, float] = raw.get(column) or {}
            shown = row.get(column) or {}
            hidden = row["suppressed"].get(column, {})
            assert set(shown) | set(hidden) == set(stored), column
            assert not set(shown) & set(hidden)
            for bucket, share in shown.items():
                assert share == stored[bucket] and share * row["followers_count"] >= minimum
            for bucket, share in stored.items():
                if 0 < share * raw["followers_count"] < minimum:
                    assert bucket in hidden, (column, bucket)


def _snapshots_of_rights_export(document: dict[str, Any]) -> list[dict[str, Any]]:
    (part,) = [p for p in document["parts"] if p["table"] == "audience_snapshots"]
    rows: list[dict[str, Any]] = part["rows"]
    return rows


def test_the_rights_export_hides_small_audience_groups(world: tuple[Settings, str]) -> None:
    settings, _ = world
    exported = _rights.creator_export("c1", workspace=A, settings=settings)
    rows = _snapshots_of_rights_export(exported)
    _check_rows(rows, settings.min_bucket_size)
    first = rows[0]
    assert first["age_bands"] == {"18-24": 0.4, "25-34": 0.35}
    assert first["suppressed"]["age_bands"] == {"65+": "fewer than 100 people"}
    assert first["suppressed"]["countries"] == {"IS": "fewer than 100 people"}
    assert "genders" not in first["suppressed"] and rows[1]["suppressed"] == {}
    assert any("at least 100 people" in note for note in exported["notes"])
    # the creator's own page reads the same content
    held = _rights.held_about_creator("c1", workspace=A, settings=settings)
    assert _snapshots_of_rights_export(held) == rows
    # a small audience: the breakdown is withheld, the total stays
    (c2,) = _snapshots_of_rights_export(
        _rights.held_about_creator("c2", workspace=A, settings=settings)
    )
    assert c2["genders"] is None and c2["followers_count"] == 150
    assert set(c2["suppressed"]["genders"]) == {"female", "male"}
    # the threshold is the workspace's setting
    strict = settings.model_copy(update={"min_bucket_size": 50_000})
    rows = _snapshots_of_rights_export(
        _rights.held_about_creator("c1", workspace=A, settings=strict)
    )
    _check_rows(rows, 50_000)
    assert "18-24" not in (rows[0]["age_bands"] or {})


def test_both_api_exports_hide_small_audience_groups(world: tuple[Settings, str]) -> None:
    settings, secret = world
    api = client(settings)
    headers = {"Authorization": f"Bearer {secret}"}
    older = api.get("/api/v1/creators/c1/export", headers=headers)
    assert older.status_code == 200, older.text
    rows = older.json()["tables"]["audience_snapshots"]
    _check_rows(rows, settings.min_bucket_size)
    assert rows[0]["suppressed"]["age_bands"] == {"65+": "fewer than 100 people"}
    assert "65+" not in rows[0]["age_bands"]
    data = api.get("/api/v1/creators/c1/data", headers=headers)
    assert data.status_code == 200, data.text
    _check_rows(_snapshots_of_rights_export(data.json()), settings.min_bucket_size)
    withheld = api.get("/api/v1/creators/c2/export", headers=headers).json()
    (c2,) = withheld["tables"]["audience_snapshots"]
    assert c2["genders"] is None and set(c2["suppressed"]["genders"]) == {"female", "male"}
    assert _api_reads.export_creator("c2", workspace=A, settings=settings)[
        "audience_snapshots"
    ] == [c2]
