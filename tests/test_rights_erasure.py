"""Erasure of a creator leaves zero residue: every table, the index files, reports, exports.

The search is generic: every text and JSON column of every table in the store's
metadata (a table added later is searched too), plus the discovery index files,
the stored HTML reports and the job folders under the data directory.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, select
from tests._world import TINY, write_records

from trustreach import services
from trustreach.core import NotFoundError, Role, Settings
from trustreach.discovery._index import CreatorIndex
from trustreach.ethics.audit import read_audit
from trustreach.services import _erasure, _job_kinds, _jobs, _rights
from trustreach.services._discovery import build_discovery_index, index_folder
from trustreach.services._reports import shortlist_report_html
from trustreach.store import metadata
from trustreach.store._retention_tables import erasure_bars
from trustreach.store._rights_tables import erasure_retained, erasure_tombstones

WS = "acme"
CREATOR = "creator-ana-7731"
HANDLE = "anaglow"
NAME = "Ana Glow"


def _world_records() -> dict[str, list[dict[str, Any]]]:
    """The tiny world with creator c1 renamed to a distinctive id (so a search is exact)."""

    def rename(value: Any) -> Any:
        if value == "c1":
            return CREATOR
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        return value

    return {kind: [rename(r) for r in rows] for kind, rows in copy.deepcopy(TINY).items()}


def _seed(root: Path, settings: Settings, embedder: Any) -> tuple[str, str]:
    """Import, audit, label comments, shortlist, index, a login, a request; the shortlist id."""
    for kind, rows in _world_records().items():
        write_records(root / f"{kind}.jsonl", rows)
    services.import_path(root, workspace=WS, settings=settings)
    services.audit_creator(CREATOR, workspace=WS, settings=settings)
    services.analyze_comments(workspace=WS, settings=settings)
    shortlist = services.propose_shortlist(
        brief_id="br1",
        campaign_id="cmp1",
        brief_digest="a" * 64,
        entries=[
            services.ProposedEntry(CREATOR, 1, 0.9, {"topic_fit": {"used": 0.8}}, "fits"),
            services.ProposedEntry("c2", 2, 0.5, {"topic_fit": {"used": 0.4}}, "fits less"),
        ],
        model_versions={"performance": "0.1.0"},
        parameters={"weights": {"topic_fit": 0.3}, "fair": None},
        created_by="test",
        workspace=WS,
        settings=settings,
    ).shortlist_id
    services.decide(
        shortlist,
        CREATOR,
        "approved",
        decided_by="approver@acme.test",
        reason="good fit",
        workspace=WS,
        settings=settings,
    )
    services.create_user(
        "ana@acme.test",
        workspace=WS,
        role=Role.creator,
        password="correct horse battery staple",
        creator_id=CREATOR,
        by=services.cli_actor(WS),
        settings=settings,
    )
    build_discovery_index(workspace=WS, settings=settings, embedder=embedder)
    job = _job_kinds.submit_audit([CREATOR, "c2"], workspace=WS, actor="test", settings=settings)
    return shortlist, job.job_id


def _store_values(settings: Settings) -> dict[str, list[str]]:
    """Every text/JSON value of every table, by table (all workspaces)."""
    engine = services.open_store(settings)
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                found.setdefault(table.name, []).extend(
                    v if isinstance(v, str) else json.dumps(v) for v in row if v is not None
                )
    engine.dispose()
    return found


def _mentions(values: list[str], needles: list[str]) -> list[str]:
    return [v for v in values if any(n in v for n in needles)]


def test_erasure_leaves_zero_residue(
    tmp_path: Path, store_settings: Settings, embedder: Any
) -> None:
    settings = store_settings
    shortlist, job_id = _seed(tmp_path / "world", settings, embedder)
    request = _rights.log_request("creator", CREATOR, "erasure", workspace=WS, settings=settings)
    export = _rights.creator_export(CREATOR, workspace=WS, settings=settings)
    export_file = settings.data_dir / "exports" / "ana.json"
    export_file.parent.mkdir(parents=True)
    export_file.write_text(json.dumps(export), "utf-8")
    before = _store_values(settings)
    needles = [CREATOR, HANDLE, NAME]
    # the world really holds the creator everywhere the issue names
    for table in (
        "creators",
        "creator_accounts",
        "creator_audits",
        "shortlist_entries",
        "deals",
        "tracked_links",
        "tracking_events",
        "users",
        "rights_requests",
        "jobs",
    ):
        assert _mentions(before.get(table, []), needles), table
    assert CREATOR in json.dumps(export) and NAME in json.dumps(export)
    index = CreatorIndex.load(index_folder(settings, WS))
    assert CREATOR in list(index.creator_id)

    receipt = _erasure.erase_creator(
        CREATOR, workspace=WS, request_id=request.request_id, settings=settings
    )
    export_file.unlink()  # the operator's copy: the receipt tells them to delete it

    after = _store_values(settings)
    residue = {
        table: _mentions(values, needles if table != "audit_log" else [HANDLE, NAME])
        for table, values in after.items()
    }
    assert {t: v for t, v in residue.items() if v} == {}
    assert receipt.residue == []
    assert receipt.removed["creators"] == 1 and receipt.removed["comment_labels"] >= 1
    assert receipt.index_rows_removed == 1
    assert receipt.unlinked["jobs"] == 1  # the queued audit job stays, naming c2 only
    job = _jobs.get_job(job_id, workspace=WS, settings=settings)
    assert job.params["creator_ids"] == [receipt.subject_ref, "c2"]
    # the index files on disk: the creator's rows are gone, the others stay
    index = CreatorIndex.load(index_folder(settings, WS))
    assert CREATOR not in list(index.creator_id) and "c2" in list(index.creator_id)
    assert NAME not in list(index.display_name)
    for path in (settings.data_dir).rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".jsonl", ".csv"):
            text = path.read_text("utf-8", errors="replace")
            assert not _mentions([text], needles), path
    # the stored report of the shortlist: a tombstone where the entry was
    html = shortlist_report_html(shortlist, workspace=WS, settings=settings)
    assert not _mentions([html], needles)
    assert "One entry (rank 1) was erased at the person&#x27;s request" in html or (
        "One entry (rank 1) was erased at the person's request" in html
    )
    engine = services.open_store(settings)
    with engine.connect() as connection:
        stones = connection.execute(select(erasure_tombstones)).all()
        kept = connection.execute(select(erasure_retained)).all()
    engine.dispose()
    assert [(s.container, s.container_id, s.position) for s in stones] == [
        ("shortlist", shortlist, 1)
    ]
    assert [k.kind for k in kept] == ["deal"] and kept[0].record["amount"] == 1500
    done = _rights.get_request(request.request_id, workspace=WS, settings=settings)
    assert done.status == "completed" and done.subject_ref == receipt.subject_ref
    assert services.verify_audit_log(settings=settings) is not None
    with pytest.raises(NotFoundError, match=CREATOR):
        _rights.creator_export(CREATOR, workspace=WS, settings=settings)
    # the same files imported again do not bring the creator back; the rest is imported
    _assert_reimport_skips_the_erased(tmp_path / "world", settings, needles)


def _assert_reimport_skips_the_erased(root: Path, settings: Settings, needles: list[str]) -> None:
    report = services.import_path(root, workspace=WS, settings=settings)
    skipped = {k.kind: k.skipped_erased for k in report.kinds if k.skipped_erased}
    # every record of the creator (their record, account, snapshots, posts and metrics,
    # comments on them, follows of the account, deal, links, events, consent) is skipped
    assert skipped["creators"] == 1 and skipped["creator_accounts"] == 1
    for kind in ("audience_snapshots", "posts", "post_metrics", "comments", "follows", "deals"):
        assert skipped.get(kind, 0) >= 1, kind
    assert not any(k.skipped_expired for k in report.kinds)
    after = _store_values(settings)
    residue = {
        table: _mentions(values, needles if table != "audit_log" else [needles[1], needles[2]])
        for table, values in after.items()
    }
    assert {t: v for t, v in residue.items() if v} == {}
    with pytest.raises(NotFoundError, match=CREATOR):
        _rights.creator_export(CREATOR, workspace=WS, settings=settings)
    assert _rights.creator_export("c2", workspace=WS, settings=settings)["creator_id"] == "c2"
    # the bars hold keyed digests only: no id, handle or name (checked above), one per key
    engine = services.open_store(settings)
    with engine.connect() as connection:
        (entry,) = [e for e in read_audit(connection, workspace=WS) if e.seq == report.audit_seq]
        assert entry.action == "import"
        details = entry.details_dict()
        assert details["skipped_erased"]["creators"] == 1
        assert details["skipped_erased_reason"] == "erased at the subject's request"
        kinds = sorted(
            connection.execute(
                select(erasure_bars.c.key_kind).where(erasure_bars.c.workspace == WS)
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert {"creator", "account", "post", "comment"} <= set(kinds) and kinds.count("creator") == 1
