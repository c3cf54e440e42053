"""Audience authenticity as a user meets it: scoring files, auditing creators, disputes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests._world import write_records

from trustreach.core import ConfigurationError, ImportValidationError, NotFoundError, Settings
from trustreach.services import (
    audit_creator,
    file_dispute,
    import_path,
    latest_audit_evidence,
    list_audit,
    list_disputes,
    resolve_dispute,
    score_accounts_file,
)
from trustreach.synth import generate_world

FAKE_LOOKING = {
    "account_id": "f1", "username": "user84720193", "posts_count": 0, "followers_count": 3,
    "following_count": 7200, "has_profile_pic": False, "is_private": False, "biography_length": 0,
}  # fmt: skip
REAL_LOOKING = {
    "account_id": "r1", "username": "jane.doe", "posts_count": 310, "followers_count": 2100,
    "following_count": 430, "has_profile_pic": True, "is_private": False, "biography_length": 80,
}  # fmt: skip


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_score_accounts_file_writes_one_explained_row_per_account(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    minimal = {"account_id": "m1", "posts_count": 2, "followers_count": 10, "following_count": 900}
    source = write_records(tmp_path / "in.jsonl", [FAKE_LOOKING, REAL_LOOKING, minimal])
    report = score_accounts_file(source, tmp_path / "out.csv", settings=sqlite_settings)
    rows = _read_csv(tmp_path / "out.csv")
    assert [r["account_id"] for r in rows] == ["f1", "r1", "m1"]
    assert set(rows[0]) >= {"account_id", "fake_probability", "flagged", "top_signals"}
    by_id = {r["account_id"]: r for r in rows}
    assert float(by_id["f1"]["fake_probability"]) > float(by_id["r1"]["fake_probability"])
    assert by_id["f1"]["flagged"] == "true" and by_id["r1"]["flagged"] == "false"
    assert by_id["f1"]["top_signals"] and not by_id["r1"]["top_signals"]
    assert all(0.0 < float(r["fake_probability"]) < 1.0 for r in rows)  # never certainty
    assert report.accounts == 3 and report.flagged >= 1
    (entry,) = list_audit(settings=sqlite_settings)
    assert (entry.action, entry.model_name) == ("score_accounts", "fake_account")
    assert entry.model_version and entry.input_digest


@pytest.mark.parametrize(
    ("bad", "field"),
    [({"followers_count": -4}, "followers_count"), ({"is_private": "maybe"}, "is_private")],
)
def test_score_accounts_refuses_impossible_values_and_leaves_no_output(
    tmp_path: Path, sqlite_settings: Settings, bad: dict[str, object], field: str
) -> None:
    source = write_records(tmp_path / "in.csv", [REAL_LOOKING, {**FAKE_LOOKING, **bad}])
    out = tmp_path / "out.csv"
    with pytest.raises(ImportValidationError) as info:
        score_accounts_file(source, out, settings=sqlite_settings)
    assert [(e.row, e.field) for e in info.value.errors] == [(2, field)]
    assert not out.exists() and not list(tmp_path.glob("out.csv*"))


def test_score_accounts_on_an_empty_file_writes_the_header(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_text("")
    report = score_accounts_file(source, tmp_path / "out.csv", settings=sqlite_settings)
    assert report.accounts == 0
    header = (tmp_path / "out.csv").read_text().splitlines()
    assert header == ["account_id,fake_probability,flagged,insufficient_data,top_signals"]


def test_score_accounts_bad_arguments(tmp_path: Path, sqlite_settings: Settings) -> None:
    source = write_records(tmp_path / "in.jsonl", [REAL_LOOKING])
    with pytest.raises(ConfigurationError, match=r"allowed: \.csv, \.parquet"):
        score_accounts_file(source, tmp_path / "out.xlsx", settings=sqlite_settings)
    with pytest.raises(ConfigurationError, match="allowed: flagged, all, none"):
        score_accounts_file(source, tmp_path / "o.csv", explain="some", settings=sqlite_settings)
    with pytest.raises(NotFoundError):
        score_accounts_file(
            tmp_path / "missing.jsonl", tmp_path / "o.csv", settings=sqlite_settings
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=5, creators=20, followers_per_creator=150, days=90)
    return out


def _truth(world: Path) -> dict[str, object]:
    truth: dict[str, object] = json.loads((world / "ground_truth.json").read_text())
    return truth


def test_audit_creator_stores_logs_and_reports(
    tmp_path: Path, world: Path, store_settings: Settings
) -> None:
    import_path(world, workspace="demo", settings=store_settings)
    clean = _truth(world)["clean_creators"][0]  # type: ignore[index]
    report = tmp_path / "audit.html"
    audit = audit_creator(clean, workspace="demo", report_path=report, settings=store_settings)
    assert 0 <= audit.quality.score <= 100
    assert abs(sum(c.weight for c in audit.quality.components) - 1) < 1e-9
    fs = audit.fake_share
    assert fs is not None and fs.low <= fs.flagged_share <= fs.high and fs.sample_size > 0
    assert audit.top_accounts and all(a.top_signals for a in audit.top_accounts)
    page = report.read_text(encoding="utf-8")
    assert "<svg" in page and "Audience Quality" in page and "<script" not in page
    for word in ("fraudster", "cheater", "liar"):
        assert word not in page.lower()
    last = list_audit(workspace="demo", settings=store_settings)[-1]
    assert (last.action, last.model_name, last.seq) == (
        "audit_creator",
        "fake_account",
        audit.audit_seq,
    )
    evidence = latest_audit_evidence(clean, workspace="demo", settings=store_settings)
    assert evidence["creator_id"] == clean and "fake_probabilities" not in evidence


def test_injected_fraud_lowers_quality(world: Path, sqlite_settings: Settings) -> None:
    import_path(world, workspace="demo", settings=sqlite_settings)
    truth = _truth(world)
    clean = truth["clean_creators"][0]  # type: ignore[index]
    frauded = truth["fraud_creators"]["bought_followers"][0]  # type: ignore[index]
    good = audit_creator(clean, workspace="demo", settings=sqlite_settings)
    bad = audit_creator(frauded, workspace="demo", settings=sqlite_settings)
    assert any(s.raised for s in bad.signals)
    assert bad.quality.score < good.quality.score
    # the creator-level explanation aggregates the flagged accounts' contributions
    assert bad.flag_reasons and all(0 < share <= 1 for _, share in bad.flag_reasons)
    assert all(words and "fraud" not in words for words, _ in bad.flag_reasons)


def test_dispute_is_filed_reviewed_resolved_and_shown_later(
    tmp_path: Path, world: Path, store_settings: Settings
) -> None:
    import_path(world, workspace="demo", settings=store_settings)
    creator = _truth(world)["clean_creators"][1]  # type: ignore[index]
    first = audit_creator(creator, workspace="demo", settings=store_settings)
    dispute = file_dispute(
        creator,
        "The March rise followed a TV appearance.",
        workspace="demo",
        filed_by="creator's agent",
        settings=store_settings,
    )
    assert (dispute.status, dispute.audit_seq) == ("open", first.audit_seq)
    queue = list_disputes(workspace="demo", settings=store_settings)
    assert [d.dispute_id for d in queue] == [dispute.dispute_id]
    done = resolve_dispute(
        dispute.dispute_id,
        decision="upheld",
        note="Press coverage confirmed; rise set aside.",
        reviewer="R. Analyst",
        workspace="demo",
        settings=store_settings,
    )
    assert done.status == "upheld" and done.reviewer == "R. Analyst"
    assert list_disputes(workspace="demo", settings=store_settings) == []
    with pytest.raises(ConfigurationError, match="already upheld"):
        resolve_dispute(
            dispute.dispute_id, decision="rejected", note="x", reviewer="y",
            workspace="demo", settings=store_settings,
        )  # fmt: skip
    later = audit_creator(
        creator, workspace="demo", report_path=tmp_path / "r.html", settings=store_settings
    )
    assert [d.status for d in later.disputes] == ["upheld"]
    assert "Press coverage confirmed" in (tmp_path / "r.html").read_text(encoding="utf-8")
    actions = [e.action for e in list_audit(workspace="demo", settings=store_settings)]
    assert actions[-3:] == ["dispute_filed", "dispute_resolved", "audit_creator"]


def test_dispute_errors_name_the_problem(world: Path, sqlite_settings: Settings) -> None:
    import_path(world, workspace="demo", settings=sqlite_settings)
    with pytest.raises(NotFoundError, match="creator 'nobody' not found"):
        file_dispute("nobody", "reason", workspace="demo", settings=sqlite_settings)
    creator = _truth(world)["clean_creators"][0]  # type: ignore[index]
    with pytest.raises(ConfigurationError, match="reason must not be empty"):
        file_dispute(creator, "  ", workspace="demo", settings=sqlite_settings)
    with pytest.raises(ConfigurationError, match="allowed: upheld, rejected"):
        resolve_dispute(1, decision="maybe", note="n", reviewer="r", settings=sqlite_settings)
    with pytest.raises(NotFoundError, match="dispute #99"):
        resolve_dispute(
            99,
            decision="upheld",
            note="n",
            reviewer="r",
            workspace="demo",
            settings=sqlite_settings,
        )


def test_disputes_cli_end_to_end(tmp_path: Path, world: Path) -> None:
    from tests.test_cli import run

    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data"), "TRUSTREACH_WORKSPACE": "demo"}
    assert run("import", str(world), env=env).returncode == 0
    creator = _truth(world)["clean_creators"][0]  # type: ignore[index]
    audited = run("audit-creator", creator, "--report", str(tmp_path / "a.html"), env=env)
    assert audited.returncode == 0, audited.stderr
    assert "Audience Quality" in audited.stdout
    filed = run("dispute", "file", creator, "--reason", "Giveaway in May", env=env)
    assert filed.returncode == 0 and "Dispute #1 filed" in filed.stdout
    assert "Giveaway in May" in run("dispute", "queue", env=env).stdout
    resolved = run(
        "dispute", "resolve", "1", "--decision", "rejected", "--note", "Spike predates giveaway",
        "--reviewer", "QA", env=env,
    )  # fmt: skip
    assert resolved.returncode == 0 and "rejected by QA" in resolved.stdout
    evidence = run("dispute", "evidence", creator, env=env)
    assert evidence.returncode == 0 and creator in evidence.stdout
    log = run("audit", "log", "--limit", "5", env=env).stdout
    assert "dispute_filed" in log and "dispute_resolved" in log


def test_audit_states_a_corrected_share_inside_its_interval_and_counts_thin_accounts(
    tmp_path: Path, world: Path, sqlite_settings: Settings
) -> None:
    """Issue #11 items 6 and 7, through the library and the CLI."""
    import_path(world, workspace="demo", settings=sqlite_settings)
    clean = _truth(world)["clean_creators"][0]  # type: ignore[index]
    before = audit_creator(clean, workspace="demo", settings=sqlite_settings)
    account = next(
        json.loads(line)["account_id"]
        for line in (world / "creator_accounts.jsonl").read_text().splitlines()
        if json.loads(line)["creator_id"] == clean
    )
    extra = tmp_path / "extra"
    thin = [
        {"account_id": "thin-1", "username": "someone"},
        {"account_id": "thin-2", "followers_count": 40, "following_count": 300},
    ]
    write_records(extra / "follower_accounts.jsonl", thin)
    write_records(
        extra / "follows.jsonl",
        [{"creator_account_id": account, "follower_account_id": t["account_id"]} for t in thin],
    )
    import_path(extra, workspace="demo", settings=sqlite_settings)
    report = tmp_path / "audit.html"
    audit = audit_creator(clean, workspace="demo", report_path=report, settings=sqlite_settings)
    fs, old = audit.fake_share, before.fake_share
    assert fs is not None and old is not None
    assert audit.insufficient_data == fs.insufficient_data == 2 and old.insufficient_data == 0
    assert fs.sample_size == old.sample_size  # the thin accounts are not scored
    assert (fs.estimate, fs.low, fs.high) == (old.estimate, old.low, old.high)
    assert fs.low <= fs.estimate <= fs.high and fs.low < fs.high
    assert len(audit.fake_probabilities) == fs.sample_size
    evidence = audit.quality.components[0].evidence
    assert evidence.startswith("An estimated ") and "95% interval" in evidence
    assert "2 sampled accounts had too little data to score" in evidence
    page = report.read_text(encoding="utf-8")
    assert "2 sampled accounts had too little data to score" in page
    assert "Wilson" not in page
    stored = latest_audit_evidence(clean, workspace="demo", settings=sqlite_settings)
    assert stored["fake_share"]["insufficient_data"] == 2
    assert stored["fake_share"]["low"] <= stored["fake_share"]["estimate"]

    result = subprocess.run(
        [sys.executable, "-m", "trustreach", "audit-creator", clean, "--workspace", "demo"],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"an estimated {fs.estimate:.1%} (95% interval {fs.low:.1%}–{fs.high:.1%}" in (
        result.stdout
    )
    assert "2 sampled follower accounts had too little data to score" in result.stdout


def test_score_accounts_marks_accounts_with_too_little_data(tmp_path: Path) -> None:
    """Issue #11 item 7 through the CLI: no probability for an account with no data."""
    source = write_records(
        tmp_path / "in.csv",
        [FAKE_LOOKING, {"account_id": "e1"}, {"account_id": "e2", "posts_count": 4}],
    )
    out = tmp_path / "out.csv"
    result = subprocess.run(
        [sys.executable, "-m", "trustreach", "audience", "score-accounts", str(source), "-o",
         str(out)],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 not scored (too little data" in result.stdout
    rows = {r["account_id"]: r for r in _read_csv(out)}
    assert rows["f1"]["insufficient_data"] == "false" and rows["f1"]["flagged"] == "true"
    for key in ("e1", "e2"):
        assert rows[key]["insufficient_data"] == "true"
        assert rows[key]["fake_probability"] == "" and rows[key]["flagged"] == ""
        assert rows[key]["top_signals"].startswith("not scored: too little data")


def test_a_creator_with_too_little_data_is_skipped_not_a_crash(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    """The tiny world's c2 has one account, no follower sample and too few posts to
    measure any signal: auditing her says so (nothing recorded); auditing the whole
    workspace skips her and audits the others."""
    from tests._world import write_world
    from tests.test_cli import run

    from trustreach.services import audit_workspace
    from trustreach.services._authenticity import TooLittleToAudit

    import_path(write_world(tmp_path / "w"), workspace="acme", settings=sqlite_settings)
    before = list_audit(workspace="acme", limit=1000, settings=sqlite_settings)
    with pytest.raises(TooLittleToAudit, match="'c2' cannot be audited yet") as raised:
        audit_creator("c2", workspace="acme", settings=sqlite_settings)
    assert isinstance(raised.value, ConfigurationError) and "nothing was recorded" in str(
        raised.value
    )
    assert list_audit(workspace="acme", limit=1000, settings=sqlite_settings) == before

    skipped: list[str] = []
    audits = audit_workspace(
        workspace="acme", settings=sqlite_settings, on_skip=lambda e: skipped.append(e.creator_id)
    )
    assert [a.creator_id for a in audits] == ["c1"] and skipped == ["c2"]

    env = {"TRUSTREACH_DATA_DIR": str(sqlite_settings.data_dir), "TRUSTREACH_WORKSPACE": "acme"}
    refused = run("audit-creator", "c2", env=env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "cannot be audited yet" in refused.stderr
