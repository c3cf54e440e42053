"""Retention everywhere: every personal-data table's clock, one enforcer, no resurrection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from tests._world import TINY, write_records, write_world
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import ConfigurationError, Settings
from trustreach.services import _retention, open_store
from trustreach.services._jobs import job_folder
from trustreach.store import processing_register
from trustreach.store._tables import (
    comments,
    follower_accounts,
    follows,
    jobs,
    metadata,
    tracking_events,
)

WS = "ret"


def test_every_personal_data_table_has_a_clock_and_a_rule_the_enforcer_knows() -> None:
    assert _retention.uncovered_tables() == []
    defaults = Settings()
    for entry in processing_register():
        policy = _retention.POLICIES[entry.table]
        assert policy.clock in metadata.tables[entry.table].c, entry.table
        if entry.declaration.retention_days is not None:  # a period: enforced, not kept
            assert policy.action != "keep", entry.table
            assert _retention.policy_days(policy, defaults) is not None
        if policy.action == "keep":  # kept by an event: the declaration says which
            assert entry.declaration.retention_rule or entry.declaration.retention_days is None
    assert set(_retention.POLICIES) <= {e.table for e in processing_register()}
    assert set(_retention.ORDER) <= set(_retention.POLICIES)
    page = (Path(__file__).resolve().parent.parent / "docs" / "retention.md").read_text()
    undocumented = [t for t in _retention.POLICIES if f"`{t}`" not in page]
    assert not undocumented, f"docs/retention.md does not list {undocumented}"


def _counts(settings: Settings) -> dict[str, int]:
    engine = open_store(settings)
    with engine.connect() as connection:
        out = {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (follower_accounts, follows, comments, tracking_events)
        }
        out["touch_keys"] = connection.execute(
            select(func.count()).where(tracking_events.c.touch_key.is_not(None))
        ).scalar_one()
    engine.dispose()
    return out


def test_a_world_aged_past_its_periods_loses_what_expired_and_a_reimport_does_not_bring_it_back(
    tmp_path: Path, store_settings: Settings
) -> None:
    settings = store_settings
    world = write_world(tmp_path / "world")
    services.import_path(world, workspace=WS, settings=settings)
    now = datetime.now(UTC)
    engine = open_store(settings)
    with engine.begin() as connection:  # one follower not seen by an import for 200 days
        old = connection.execute(select(func.min(follower_accounts.c.follower_key))).scalar_one()
        connection.execute(
            update(follower_accounts)
            .where(follower_accounts.c.follower_key == old)
            .values(last_seen=(now - timedelta(days=200)).date())
        )
        old_follows = connection.execute(
            select(func.count()).where(follows.c.follower_key == old)
        ).scalar_one()
    engine.dispose()
    before = _counts(settings)
    audits = len(services.list_audit(workspace=WS, settings=settings))

    dry = _retention.enforce_retention(workspace=WS, dry_run=True, settings=settings)
    assert dry.dry_run and dry.audit_seq is None
    assert dry.table("follower_accounts").removed == 1
    assert _counts(settings) == before  # a dry run changes nothing
    assert len(services.list_audit(workspace=WS, settings=settings)) == audits

    run = _retention.enforce_retention(workspace=WS, settings=settings)
    assert run.table("follower_accounts").removed == 1
    assert run.table("follows").removed == old_follows > 0
    assert run.table("comments").removed == 0  # fresh rows stay
    after = _counts(settings)
    assert after["follower_accounts"] == before["follower_accounts"] - 1
    assert after["comments"] == before["comments"] and after["touch_keys"] == before["touch_keys"]
    entry = services.list_audit(workspace=WS, settings=settings)[-1]
    assert entry.action == "enforce_retention" and entry.seq == run.audit_seq

    # the same export again: the expired follower and its follows stay out
    again = services.import_path(world, workspace=WS, settings=settings)
    skipped = {k.kind: k.skipped_expired for k in again.kinds}
    assert skipped["follower_accounts"] == 1 and skipped["follows"] == old_follows
    assert _counts(settings) == after

    # a new observation (the accounts' counts changed since) is taken, follows too
    changed = [
        {**r, "followers_count": int(r.get("followers_count") or 0) + 1}
        for r in TINY["follower_accounts"]
    ]
    write_records(world / "follower_accounts.jsonl", changed)
    renewed = services.import_path(world, workspace=WS, settings=settings)
    assert not any(k.skipped_expired for k in renewed.kinds)
    assert _counts(settings) == before

    # 400 days on: comment text, follower data and visitor keys are past their periods
    later = now + timedelta(days=400)
    folder = job_folder(settings, "job-old")
    folder.mkdir(parents=True)
    (folder / "results.ndjson").write_text('{"id": 1}\n', encoding="utf-8")
    engine = open_store(settings)
    with engine.begin() as connection:
        connection.execute(
            insert(jobs).values(
                job_id="job-old", workspace=WS, kind="nlp-analyze", status="succeeded",
                created_by="cli", created_at=now, finished_at=now, progress_done=1,
                params="{}", result='{"rows": 1}',
            )
        )  # fmt: skip
    engine.dispose()
    final = _retention.enforce_retention(workspace=WS, as_of=later, settings=settings)
    assert final.table("comments").removed == before["comments"] > 0
    assert final.table("tracking_events").anonymised == before["touch_keys"] > 0
    assert final.table("follower_accounts").removed == before["follower_accounts"]
    assert final.table("jobs").anonymised == 1 and not folder.exists()
    assert final.table("deals").removed == 0  # seven years
    gone = _counts(settings)
    assert gone["comments"] == gone["follower_accounts"] == gone["touch_keys"] == 0
    assert gone["tracking_events"] == before["tracking_events"]  # the events stay, anonymised
    engine = open_store(settings)
    with engine.connect() as connection:
        assert connection.execute(select(jobs.c.result)).scalar_one() is None
    engine.dispose()

    last = services.import_path(world, workspace=WS, settings=settings)
    skipped = {k.kind: k.skipped_expired for k in last.kinds}
    assert skipped["comments"] == len(TINY["comments"])
    assert skipped["tracking_events"] == len(TINY["tracking_events"])
    assert skipped["follower_accounts"] == len(TINY["follower_accounts"])
    assert _counts(settings) == gone


def test_enforce_retention_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    world = write_world(tmp_path / "world")
    assert runner.invoke(app, ["import", str(world), "-w", WS], env=env).exit_code == 0
    later = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    args = ["privacy", "enforce-retention", "-w", WS, "--as-of", later]
    dry = runner.invoke(app, [*args, "--dry-run", "--format", "json"], env=env)
    assert dry.exit_code == 0, dry.output
    data = json.loads(dry.output)
    assert data["dry_run"] is True and data["audit_seq"] is None
    by_table = {t["table"]: t for t in data["tables"]}
    assert by_table["follower_accounts"]["removed"] == len(TINY["follower_accounts"])
    assert by_table["creators"]["action"] == "keep" and by_table["creators"]["stale"] == 0
    much_later = (datetime.now(UTC) + timedelta(days=800)).date().isoformat()
    stale = runner.invoke(
        app, [*args[:4], "--as-of", much_later, "--dry-run"], env=env, terminal_width=200
    )
    assert stale.exit_code == 0, stale.output
    assert f"{len(TINY['creators'])} creators" in stale.output  # kept, reported for review
    done = runner.invoke(app, args, env=env)
    assert done.exit_code == 0, done.output
    assert "Deleted" in done.output and "audit record #" in done.output
    everywhere = runner.invoke(
        app, ["privacy", "enforce-retention", "--all-workspaces", "--dry-run", "--format", "json"],
        env=env,
    )  # fmt: skip
    assert everywhere.exit_code == 0, everywhere.output
    assert [r["workspace"] for r in json.loads(everywhere.output)] == [WS]
    bad = runner.invoke(app, [*args[:4], "--as-of", "soon"], env=env)
    assert bad.exit_code == 2 and "as_of 'soon' not allowed" in bad.output


def test_barred_keys_stay_out_whatever_their_values(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    settings = sqlite_settings
    world = write_world(tmp_path / "world")
    services.import_path(world, workspace=WS, settings=settings)
    engine = open_store(settings)
    with engine.begin() as connection:  # as an erasure would: bar, then delete
        key = connection.execute(select(func.min(follower_accounts.c.follower_key))).scalar_one()
        barred = _retention.bar_keys(
            connection, workspace=WS, table="follower_accounts", keys=[(key,)],
            at=datetime.now(UTC), settings=settings,
        )  # fmt: skip
        connection.execute(follows.delete().where(follows.c.follower_key == key))
        connection.execute(
            follower_accounts.delete().where(follower_accounts.c.follower_key == key)
        )
    engine.dispose()
    assert barred == 1
    changed = [{**r, "posts_count": 999} for r in TINY["follower_accounts"]]
    write_records(world / "follower_accounts.jsonl", changed)
    again = services.import_path(world, workspace=WS, settings=settings)
    skipped = {k.kind: k.skipped_expired for k in again.kinds}
    assert skipped["follower_accounts"] == 1 and skipped["follows"] >= 1
    with pytest.raises(ConfigurationError, match="table 'comments' takes no tombstones"):
        _retention.bar_keys(
            None,
            workspace=WS,
            table="comments",
            keys=[],
            at=datetime.now(UTC),  # type: ignore[arg-type]
        )


def test_an_unknown_table_is_refused_naming_the_allowed_ones(sqlite_settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="table 'nope' has no retention policy; allowed:"):
        _retention.enforce_retention(workspace=WS, tables=["nope"], settings=sqlite_settings)
