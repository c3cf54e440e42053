"""Data-subject rights: the request log and deadlines, export, rectification, objection,
access for followers and commenters, through the library and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests._world import RAW_HANDLES, write_world
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import ConfigurationError, NotFoundError, Settings
from trustreach.discovery._index import CreatorIndex
from trustreach.services import _rights
from trustreach.services._discovery import build_discovery_index, index_folder
from trustreach.services._objections import ProfilingObjected
from trustreach.store._tables import audit_log, creators

WS = "acme"


@pytest.fixture
def world(tmp_path: Path, sqlite_settings: Settings) -> Settings:
    services.import_path(write_world(tmp_path / "world"), workspace=WS, settings=sqlite_settings)
    return sqlite_settings


def _audit_details(settings: Settings) -> str:
    engine = services.open_store(settings)
    with engine.connect() as connection:
        rows = connection.execute(select(audit_log.c.subject, audit_log.c.details)).all()
    engine.dispose()
    return "\n".join(f"{r.subject} {r.details}" for r in rows)


# ------------------------------------------------------------------ deadlines


def test_legal_deadlines_gdpr_one_month_ccpa_45_days_and_extensions() -> None:
    start = datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert _rights.legal_deadline(start, "gdpr") == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert _rights.legal_deadline(start, "gdpr", extended=True) == datetime(
        2026, 4, 30, 12, tzinfo=UTC
    )
    assert _rights.legal_deadline(start, "ccpa") == start + timedelta(days=45)
    assert _rights.legal_deadline(start, "ccpa", extended=True) == start + timedelta(days=90)
    with pytest.raises(ConfigurationError, match="regime 'lgpd' not allowed; allowed: gdpr, ccpa"):
        _rights.legal_deadline(start, "lgpd")


def test_requests_are_logged_with_deadline_and_overdue_ones_show(world: Settings) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    late = _rights.log_request(
        "creator", "c1", "access", received_at=old, workspace=WS, settings=world
    )
    fresh = _rights.log_request(
        "creator", "c2", "erasure", regime="ccpa", workspace=WS, settings=world
    )
    assert late.deadline.date() == _rights.add_months(old, 1).date()
    assert (fresh.deadline - fresh.received_at) == timedelta(days=45)
    overdue = _rights.list_requests(workspace=WS, overdue=True, settings=world)
    assert [r.request_id for r in overdue] == [late.request_id]
    # extension: only before the deadline, once, with reasons
    with pytest.raises(ConfigurationError, match="deadline has passed"):
        _rights.update_request(
            late.request_id, "extended", outcome="complex", workspace=WS, settings=world
        )
    extended = _rights.update_request(
        fresh.request_id, "extended", outcome="many records", workspace=WS, settings=world
    )
    assert extended.deadline - extended.received_at == timedelta(days=90)
    with pytest.raises(ConfigurationError, match="already extended"):
        _rights.update_request(
            fresh.request_id, "extended", outcome="again", workspace=WS, settings=world
        )
    with pytest.raises(ConfigurationError, match="outcome is required when refusing"):
        _rights.update_request(late.request_id, "refused", workspace=WS, settings=world)
    done = _rights.update_request(
        late.request_id, "completed", outcome="sent", workspace=WS, settings=world
    )
    assert done.status == "completed" and not done.overdue()
    with pytest.raises(ConfigurationError, match="already completed"):
        _rights.update_request(
            late.request_id, "refused", outcome="x", workspace=WS, settings=world
        )
    # another workspace's request is not found; bad values name what is allowed
    with pytest.raises(NotFoundError, match="not found in workspace 'other'"):
        _rights.get_request(late.request_id, workspace="other", settings=world)
    with pytest.raises(ConfigurationError, match="right 'forget' not allowed; allowed: access"):
        _rights.log_request("creator", "c1", "forget", workspace=WS, settings=world)
    with pytest.raises(ConfigurationError, match="status 'late' not allowed; allowed: open, re"):
        _rights.list_requests(workspace=WS, status="late", settings=world)
    with pytest.raises(ConfigurationError, match="not offered to a follower"):
        _rights.log_request("follower", "f_1001", "export", workspace=WS, settings=world)
    actions = _audit_details(world)
    assert "rights_request:" + late.request_id in actions


# ------------------------------------------------------------------ creators


def test_export_holds_every_part_with_purpose_and_retention_and_no_secrets(
    world: Settings,
) -> None:
    services.audit_creator("c1", workspace=WS, settings=world)
    request = _rights.log_request("creator", "c1", "export", workspace=WS, settings=world)
    document = _rights.creator_export(
        "c1", workspace=WS, request_id=request.request_id, settings=world
    )
    parts = {p["table"]: p for p in document["parts"]}
    assert {"creators", "creator_accounts", "creator_audits", "deals", "posts"} <= set(parts)
    assert {"audience_snapshots", "post_metrics", "tracked_links", "consent_records"} <= set(parts)
    for part in parts.values():
        assert part["purpose"] and part["legal_basis"] and part["retention"]
    assert parts["creators"]["rows"][0]["display_name"] == "Ana Glow"
    assert isinstance(parts["creator_audits"]["rows"][0]["result"], dict)
    assert "comments" not in parts and document["other_peoples_data_counted"]["comments"] == 2
    json.dumps(document)  # machine-readable as it is
    assert _rights.get_request(request.request_id, workspace=WS, settings=world).status == (
        "completed"
    )
    with pytest.raises(NotFoundError, match="creator 'nobody' not found"):
        _rights.creator_export("nobody", workspace=WS, settings=world)
    # a request about another creator cannot be completed by this export
    other = _rights.log_request("creator", "c2", "export", workspace=WS, settings=world)
    with pytest.raises(ConfigurationError, match="about another subject"):
        _rights.creator_export("c1", workspace=WS, request_id=other.request_id, settings=world)


def test_rectification_changes_the_fields_and_logs_names_not_values(world: Settings) -> None:
    done = _rights.rectify_creator(
        "c1",
        {"display_name": "Ana Radiance", "country": "gb", "niches": "Beauty, SPF"},
        workspace=WS,
        settings=world,
    )
    assert done.changed == ["country", "display_name", "niches"]
    engine = services.open_store(world)
    with engine.connect() as connection:
        row = connection.execute(select(creators).where(creators.c.creator_id == "c1")).one()
    engine.dispose()
    assert (row.display_name, row.country, row.niches) == ("Ana Radiance", "GB", ["beauty", "spf"])
    log = _audit_details(world)
    assert "creator_rectified" not in log or "Ana Glow" not in log.split("creator_rectified")[-1]
    assert "Ana Radiance" not in log and "Ana Glow" not in log
    again = _rights.rectify_creator("c1", {"country": "GB"}, workspace=WS, settings=world)
    assert again.changed == [] and again.audit_seq is None
    with pytest.raises(ConfigurationError, match="field 'handle' not allowed; allowed: display"):
        _rights.rectify_creator("c1", {"handle": "x"}, workspace=WS, settings=world)
    with pytest.raises(ConfigurationError, match="country 'Britain' not allowed"):
        _rights.rectify_creator("c1", {"country": "Britain"}, workspace=WS, settings=world)


def test_objection_leaves_the_creator_out_of_the_index_and_new_audits(
    world: Settings, embedder: Any
) -> None:
    build_discovery_index(workspace=WS, settings=world, embedder=embedder)
    assert "c1" in list(CreatorIndex.load(index_folder(world, WS)).creator_id)
    done = _rights.object_to_profiling("c1", workspace=WS, settings=world)
    assert not done.already and done.index_rows_removed == 1
    assert "c1" not in list(CreatorIndex.load(index_folder(world, WS)).creator_id)
    build_discovery_index(workspace=WS, settings=world, embedder=embedder)  # a full rebuild
    index = CreatorIndex.load(index_folder(world, WS))
    assert "c1" not in list(index.creator_id) and "c2" in list(index.creator_id)
    with pytest.raises(ProfilingObjected, match="objected to profiling"):
        services.audit_creator("c1", workspace=WS, settings=world)
    shortlist = services.propose_shortlist(
        brief_id="br1",
        campaign_id=None,
        brief_digest="a" * 64,
        entries=[services.ProposedEntry("c2", 1, 0.5, {}, "fits")],
        model_versions={},
        parameters={},
        created_by="test",
        workspace=WS,
        settings=world,
    ).shortlist_id
    with pytest.raises(ProfilingObjected, match="'c1' objected"):
        services.add_override(
            shortlist, "c1", added_by="ann", reason="liked them", workspace=WS, settings=world
        )
    again = _rights.object_to_profiling("c1", workspace=WS, settings=world)
    assert again.already and again.objected_at == done.objected_at
    document = _rights.creator_export("c1", workspace=WS, settings=world)
    assert document["objected_to_profiling"] is True


# ------------------------------------------------------------------ followers, commenters


def test_third_party_access_by_handle_returns_what_the_pseudonym_holds(world: Settings) -> None:
    request = _rights.log_request("commenter", "f_1001", "access", workspace=WS, settings=world)
    assert request.subject_ref != "f_1001" and len(request.subject_ref) == 32
    answer = _rights.third_party_access(
        "f_1001",
        platform="Instagram",
        workspace=WS,
        request_id=request.request_id,
        settings=world,
    )
    assert answer["pseudonym"] == request.subject_ref
    assert answer["held"] == {"follower_accounts": 1, "follows": 1, "comments": 1}
    assert answer["follower_record"]["followers_count"] == 310
    assert answer["comments"][0]["text"].startswith("@")  # mention masked at import
    assert RAW_HANDLES[2] not in json.dumps(answer)
    log = _audit_details(world)
    assert "f_1001" not in log and RAW_HANDLES[0] not in log
    nobody = _rights.third_party_access("f_9999", platform="tiktok", workspace=WS, settings=world)
    assert nobody["held"] == {"follower_accounts": 0, "follows": 0, "comments": 0}
    assert _rights.get_request(request.request_id, workspace=WS, settings=world).status == (
        "completed"
    )


# ------------------------------------------------------------------ CLI


def test_cli_rights_journey(world: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"TRUSTREACH_WORKSPACE": WS}

    def run(*args: str) -> str:
        result = runner.invoke(app, ["rights", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    out = run("request", "creator", "Ana Glow", "--right", "export")
    request_id = out.split("Logged ")[1].split(":")[0]
    assert "due" in run("list", "--status", "open")
    target = tmp_path / "ana.json"
    assert "Wrote" in run("export", "c1", "--output", str(target), "--request", request_id)
    assert json.loads(target.read_text("utf-8"))["creator_id"] == "c1"
    assert "completed" in run("show", request_id)
    assert "Corrected country" in run("rectify", "c1", "--field", "country=FR")
    assert "recorded" in run("object", "c2")
    answer = tmp_path / "follower.json"
    out = run("access-follower", "--platform", "instagram", "--handle", "f_1002", "-o", str(answer))
    assert "follows 1" in out and json.loads(answer.read_text("utf-8"))["held"]["follows"] == 1
    late = run("request", "follower", "f_1002", "--right", "erasure", "--received", "2026-01-01")
    assert "OVERDUE" in late
    assert "OVERDUE" in run("list", "--overdue")
    out = run("erase-creator", "c1", "--yes", "--receipt", str(tmp_path / "receipt.json"))
    assert "Erased creator c1" in out and "Kept:" in out
    receipt = json.loads((tmp_path / "receipt.json").read_text("utf-8"))
    assert receipt["removed"]["creators"] == 1
    bad = runner.invoke(app, ["rights", "rectify", "c2", "--field", "country"], env=env)
    assert isinstance(bad.exception, ConfigurationError) and "name=value" in str(bad.exception)
