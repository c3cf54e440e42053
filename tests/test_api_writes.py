"""The API's routes that change things: discovery, decisions, overrides, deals, disputes,
conversation corrections and privacy, on SQLite and PostgreSQL.

Each route: the happy path names the authenticated caller in the audit log, other roles
are refused (403), bad bodies answer a 422 problem naming the field, and a retried
``Idempotency-Key`` gets the first answer without acting twice.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests._api import B_MARKERS, A, B, Tenants, client, seed

from trustreach import services
from trustreach.api._auth import current_actor
from trustreach.core import Actor, Role, Settings

PROBLEM = "application/problem+json"
BRIEF: dict[str, Any] = {
    "brief_id": "glow-week",
    "brand": "Acme Skin",
    "campaign_id": "cmp1",
    "objective": "awareness",
    "platforms": ["instagram", "tiktok"],
    "topics": ["skincare routine"],
    "category": "beauty",
    "budget": {"amount": 5000, "currency": "USD"},
    "content_language": "en",
    "top_n": 5,
}
ANA = Actor("user", "ana@creators.test", Role.creator, A, "c1")
"""A creator's login (API keys are never creator keys: a dashboard session gives one)."""


@pytest.fixture
def tenants(tmp_path: Path, store_settings: Settings) -> Tenants:
    return seed(tmp_path, store_settings)


def key_name(tenants: Tenants, role: Role, workspace: str = A) -> str:
    """``key:<public id>``: how the audit log names a key (its secret never)."""
    return "key:" + "_".join(tenants.keys[(workspace, role)].split("_")[:2])


def problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def fields(r: httpx.Response) -> set[str]:
    return {e["field"] for e in problem(r, 422)["errors"]}


def as_creator(settings: Settings, actor: Actor = ANA) -> Any:
    api = client(settings)
    api.app.dependency_overrides[current_actor] = lambda: actor
    return api


def audit_actors(settings: Settings, action: str, workspace: str = A) -> list[str]:
    return [
        e.actor
        for e in services.list_audit(workspace=workspace, limit=10_000, settings=settings)
        if e.action == action
    ]


def idem(key: str | None = None) -> dict[str, str]:
    return {"Idempotency-Key": key or str(uuid.uuid4())}


# ------------------------------------------------------------------ discovery


def test_discovery_proposes_a_shortlist_in_the_callers_name(tenants: Tenants) -> None:
    api = client(tenants.settings)
    r = api.post("/api/v1/discovery", json={"brief": BRIEF}, headers=tenants.auth(Role.analyst))
    assert r.status_code == 201, r.text
    body = r.json()
    sid = body["shortlist_id"]
    assert r.headers["location"] == f"/api/v1/shortlists/{sid}"
    assert {"shortlist", "review", "excluded", "exposure_audit", "fair"} <= set(body)
    for row in body["shortlist"]:
        assert row["explanation"] and row["components"]
    stored = api.get(f"/api/v1/shortlists/{sid}", headers=tenants.auth(Role.auditor)).json()
    assert stored["created_by"] == key_name(tenants, Role.analyst)
    assert [e["creator_id"] for e in stored["items"]] == [
        row["creator_id"] for row in body["shortlist"]
    ]
    assert key_name(tenants, Role.analyst) in audit_actors(tenants.settings, "shortlist_proposed")
    for role in (Role.approver, Role.auditor):
        r = api.post("/api/v1/discovery", json={"brief": BRIEF}, headers=tenants.auth(role))
        assert "may not do this" in problem(r, 403)["detail"]


def test_a_retried_discovery_proposes_once(tenants: Tenants) -> None:
    api = client(tenants.settings)
    headers = {**tenants.auth(Role.analyst), **idem("discover-1")}
    first = api.post("/api/v1/discovery", json={"brief": BRIEF}, headers=headers)
    assert first.status_code == 201, first.text
    again = api.post("/api/v1/discovery", json={"brief": BRIEF}, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    other = api.post("/api/v1/discovery", json={"brief": {**BRIEF, "top_n": 2}}, headers=headers)
    assert fields(other) == {"header.Idempotency-Key"}
    assert audit_actors(tenants.settings, "shortlist_proposed") == [
        "acme-analyst",  # the seed's
        key_name(tenants, Role.analyst),
    ]


def test_a_bad_brief_is_refused_naming_each_field_like_a_brief_file(tenants: Tenants) -> None:
    api = client(tenants.settings)
    headers = tenants.auth(Role.analyst)
    bad = {**BRIEF, "objective": "fame", "platforms": ["myspace"], "colour": "red"}
    del bad["brand"]
    body = problem(api.post("/api/v1/discovery", json={"brief": bad}, headers=headers), 422)
    by_field = {e["field"]: e["message"] for e in body["errors"]}
    assert set(by_field) == {
        "body.brief.objective",
        "body.brief.platforms[0]",
        "body.brief.colour",
        "body.brief.brand",
    }
    assert "allowed: awareness, engagement, conversions" in by_field["body.brief.objective"]
    # the targeting rules of the brief's category apply too
    minors = {**BRIEF, "category": "alcohol", "audience": {"age_bands": ["13-17"]}}
    r = api.post("/api/v1/discovery", json={"brief": minors}, headers=headers)
    assert "body.brief.audience.age_bands" in fields(r)
    assert fields(api.post("/api/v1/discovery", json={}, headers=headers)) == {"body.brief"}
    r = api.post("/api/v1/discovery", json={"like": "gx-c1"}, headers=headers)  # B's creator
    assert fields(r) == {"body.like"} and "Globex" not in r.text
    r = api.post("/api/v1/discovery", json={"brief": BRIEF, "top_n": 0}, headers=headers)
    assert fields(r) == {"body.top_n"}
    r = api.post("/api/v1/discovery", json={"brief": BRIEF, "fair": "shoe=9:1:1"}, headers=headers)
    assert fields(r) == {"body.fair"}
    assert audit_actors(tenants.settings, "shortlist_proposed") == ["acme-analyst"]  # seed only


# ------------------------------------------------------------------ decisions and overrides


def test_a_decision_names_the_approver_and_a_retry_acts_once(tenants: Tenants) -> None:
    api = client(tenants.settings)
    sid = tenants.a_shortlists[0]
    url = f"/api/v1/shortlists/{sid}/decisions"
    decision = {"creator_id": "c1", "decision": "approved", "reason": "fits the brief"}
    headers = {**tenants.auth(Role.approver), **idem("decide-1")}
    first = api.post(url, json=decision, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["decided_by"] == key_name(tenants, Role.approver)
    again = api.post(url, json=decision, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = api.post(url, json={**decision, "decision": "rejected"}, headers=headers)
    assert fields(other) == {"header.Idempotency-Key"}
    stored = services.get_shortlist(sid, workspace=A, settings=tenants.settings)
    assert len(stored.decisions) == 1 and stored.status_of("c1") == "approved"
    assert audit_actors(tenants.settings, "shortlist_approved") == [
        key_name(tenants, Role.approver)
    ]
    for role in (Role.analyst, Role.auditor):
        problem(api.post(url, json=decision, headers=tenants.auth(role)), 403)
    bad = {"creator_id": "c1", "decision": "approve", "reason": " "}
    r = api.post(url, json=bad, headers=tenants.auth(Role.approver))
    assert fields(r) == {"body.decision", "body.reason"}
    assert "'approved' or 'rejected'" in str(problem(r, 422)["errors"])
    r = api.post(url, json={**decision, "creator_id": "nobody"}, headers=tenants.auth(Role.admin))
    problem(r, 404)
    r = api.post(f"/api/v1/shortlists/{tenants.b_shortlists[0]}/decisions", json=decision,
                 headers=tenants.auth(Role.admin))  # fmt: skip
    problem(r, 404)


def test_an_override_is_added_by_an_analyst_and_still_needs_approval(tenants: Tenants) -> None:
    api = client(tenants.settings)
    sid = services.propose_shortlist(
        brief_id="br1", campaign_id=None, brief_digest="b" * 64,
        entries=[services.ProposedEntry("c1", 1, 0.9, {}, "fits")],
        model_versions={}, parameters={}, created_by="acme-analyst",
        workspace=A, settings=tenants.settings,
    ).shortlist_id  # fmt: skip
    url = f"/api/v1/shortlists/{sid}/overrides"
    body = {"creator_id": "c2", "reason": "worked with us before"}
    problem(api.post(url, json=body, headers=tenants.auth(Role.approver)), 403)
    r = api.post(url, json=body, headers={**tenants.auth(Role.analyst), **idem()})
    assert r.status_code == 201, r.text
    entry = r.json()
    assert entry["source"] == "override" and entry["status"] == "pending"
    assert entry["added_by"] == key_name(tenants, Role.analyst)
    assert (
        "already on shortlist"
        in problem(api.post(url, json=body, headers=tenants.auth(Role.analyst)), 422)["detail"]
    )
    r = api.post(url, json={"creator_id": "gx-c2", "reason": "x"}, headers=tenants.auth(Role.admin))
    problem(r, 404)
    assert fields(api.post(url, json={"creator_id": "c2"}, headers=tenants.auth(Role.analyst))) == {
        "body.reason"
    }
    assert audit_actors(tenants.settings, "shortlist_override") == [key_name(tenants, Role.analyst)]


# ------------------------------------------------------------------ deals

DEAL = {
    "creator_id": "c1",
    "deal_id": "deal-api-1",
    "compensation": "fee",
    "amount": 1500,
    "campaign_id": "cmp1",
    "signed_on": "2026-10-05",
}


def test_a_deal_needs_an_approval_and_names_who_created_it(tenants: Tenants) -> None:
    api = client(tenants.settings)
    sid = tenants.a_shortlists[0]
    deal = {**DEAL, "shortlist_id": sid}
    r = api.post("/api/v1/deals", json=deal, headers=tenants.auth(Role.approver))
    assert "approve first" in problem(r, 409)["detail"]
    services.decide(sid, "c1", "approved", decided_by="user:sam@acme.test", reason="fits",
                    workspace=A, settings=tenants.settings)  # fmt: skip
    problem(api.post("/api/v1/deals", json=deal, headers=tenants.auth(Role.analyst)), 403)
    r = api.post(
        "/api/v1/deals", json={**deal, "amount": None}, headers=tenants.auth(Role.approver)
    )
    assert "amount is required" in problem(r, 422)["detail"]
    r = api.post("/api/v1/deals", json={**deal, "compensation": "cash"},
                 headers=tenants.auth(Role.approver))  # fmt: skip
    assert fields(r) == {"body.compensation"}
    headers = {**tenants.auth(Role.approver), **idem("deal-1")}
    first = api.post("/api/v1/deals", json=deal, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["created"] is True and first.json()["currency"] == "USD"
    assert first.headers["location"] == "/api/v1/deals/deal-api-1"
    again = api.post("/api/v1/deals", json=deal, headers=headers)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == "/api/v1/deals/deal-api-1"
    assert audit_actors(tenants.settings, "deal_created") == [key_name(tenants, Role.approver)]
    read = api.get("/api/v1/deals/deal-api-1", headers=tenants.auth(Role.auditor))
    assert read.status_code == 200 and read.json()["amount"] == 1500
    problem(api.get("/api/v1/deals/gx-d1", headers=tenants.auth(Role.admin)), 404)
    assert api.get("/api/v1/deals/gx-d1", headers=tenants.auth(Role.admin, B)).status_code == 200


# ------------------------------------------------------------------ disputes


def test_a_creator_files_a_dispute_and_an_approver_resolves_it(tenants: Tenants) -> None:
    settings = tenants.settings
    ana = as_creator(settings)
    r = ana.post("/api/v1/disputes", json={"reason": "the May spike was a giveaway"})
    assert r.status_code == 201, r.text
    dispute = r.json()
    assert dispute["creator_id"] == "c1" and dispute["filed_by"] == "user:ana@creators.test"
    assert r.headers["location"] == f"/api/v1/disputes/{dispute['dispute_id']}"
    assert audit_actors(settings, "dispute_filed") == ["user:ana@creators.test"]
    # another creator of the same workspace is not found; only admin files for others
    problem(ana.post("/api/v1/disputes", json={"creator_id": "c2", "reason": "x"}), 404)
    api = client(settings)
    for role in (Role.analyst, Role.approver, Role.auditor):
        r = api.post("/api/v1/disputes", json={"creator_id": "c2", "reason": "x"},
                     headers=tenants.auth(role))  # fmt: skip
        problem(r, 403)
    r = api.post("/api/v1/disputes", json={"reason": "x"}, headers=tenants.auth(Role.admin))
    assert fields(r) == {"body.creator_id"}
    r = api.post("/api/v1/disputes", json={"creator_id": "c2", "reason": "wrong numbers"},
                 headers=tenants.auth(Role.admin))  # fmt: skip
    assert r.status_code == 201 and r.json()["filed_by"] == key_name(tenants, Role.admin)
    # the queue: readers see both, the creator only their own
    queue = api.get("/api/v1/disputes", headers=tenants.auth(Role.approver)).json()
    assert [d["creator_id"] for d in queue["items"]] == ["c1", "c2"]
    mine = ana.get("/api/v1/disputes?status=all").json()
    assert [d["creator_id"] for d in mine["items"]] == ["c1"]
    assert ana.get("/api/v1/disputes?creator_id=c2").json()["items"] == []
    other = queue["items"][1]["dispute_id"]
    problem(ana.get(f"/api/v1/disputes/{other}"), 404)
    assert ana.get(f"/api/v1/disputes/{dispute['dispute_id']}").json() == dispute
    # the resolution
    url = f"/api/v1/disputes/{dispute['dispute_id']}/resolution"
    resolution = {"decision": "upheld", "note": "giveaway confirmed"}
    problem(api.post(url, json=resolution, headers=tenants.auth(Role.analyst)), 403)
    problem(ana.post(url, json=resolution), 403)
    assert fields(api.post(url, json={"decision": "maybe", "note": "x"},
                           headers=tenants.auth(Role.approver))) == {"body.decision"}  # fmt: skip
    headers = {**tenants.auth(Role.approver), **idem()}
    done = api.post(url, json=resolution, headers=headers)
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "upheld"
    assert done.json()["reviewer"] == key_name(tenants, Role.approver)
    assert api.post(url, json=resolution, headers=headers).json() == done.json()
    r = api.post(url, json=resolution, headers=tenants.auth(Role.approver))
    assert "already upheld" in problem(r, 422)["detail"]
    assert audit_actors(settings, "dispute_resolved") == [key_name(tenants, Role.approver)]
    # another workspace's dispute is not found
    b_dispute = services.file_dispute("gx-c1", "B's", workspace=B, settings=settings)
    b_url = f"/api/v1/disputes/{b_dispute.dispute_id}"
    problem(api.get(b_url, headers=tenants.auth(Role.admin)), 404)
    problem(api.post(f"{b_url}/resolution", json=resolution,
                     headers=tenants.auth(Role.admin)), 404)  # fmt: skip
    assert services.list_disputes(workspace=B, settings=settings)[0].status == "open"


def test_dispute_listing_pages_with_a_cursor(tenants: Tenants) -> None:
    for i in range(5):
        services.file_dispute("c1", f"reason {i}", workspace=A, settings=tenants.settings)
    api = client(tenants.settings)
    headers = tenants.auth(Role.auditor)
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/disputes", params=params, headers=headers).json()
        seen += [d["reason"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"reason {i}" for i in range(5)]
    r = api.get("/api/v1/disputes", params={"cursor": "nonsense"}, headers=headers)
    assert fields(r) == {"query.cursor"}
    assert fields(api.get("/api/v1/disputes?status=closed", headers=headers)) == {"query.status"}


# ------------------------------------------------------------------ conversation


def test_conversation_summary_and_a_correction_named_for_the_caller(tenants: Tenants) -> None:
    settings = tenants.settings
    services.analyze_comments(workspace=A, tier="lexicon", settings=settings)
    api = client(settings)
    r = api.get("/api/v1/conversation/summary?scope=campaign&id=cmp1",
                headers=tenants.auth(Role.auditor))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["comments"] == 2 and r.json()["scope_id"] == "cmp1"
    problem(api.get("/api/v1/conversation/summary?scope=campaign&id=gx-cmp1",
                    headers=tenants.auth(Role.admin)), 404)  # fmt: skip
    assert fields(api.get("/api/v1/conversation/summary?scope=brand&id=b1",
                          headers=tenants.auth(Role.admin))) == {"query.scope"}  # fmt: skip
    correction = {
        "comment_id": "k1",
        "field": "sentiment",
        "value": "negative",
        "reason": "sarcasm",
    }
    url = "/api/v1/conversation/corrections"
    problem(api.post(url, json=correction, headers=tenants.auth(Role.auditor)), 403)
    r = api.post(url, json={**correction, "value": "true"}, headers=tenants.auth(Role.analyst))
    assert fields(r) == {"body.value"}
    r = api.post(url, json={**correction, "comment_id": "gx-k1"}, headers=tenants.auth(Role.admin))
    problem(r, 404)
    r = api.post(url, json=correction, headers=tenants.auth(Role.approver))
    assert r.status_code == 201, r.text
    assert r.json()["corrected_by"] == key_name(tenants, Role.approver)
    assert audit_actors(settings, "label_corrected") == [key_name(tenants, Role.approver)]
    after = api.get("/api/v1/conversation/summary?scope=creator&id=c1",
                    headers=tenants.auth(Role.analyst)).json()  # fmt: skip
    assert after["corrected"] == 1


# ------------------------------------------------------------------ privacy


def test_record_of_processing_is_for_auditors_and_admins(tenants: Tenants) -> None:
    api = client(tenants.settings)
    r = api.get("/api/v1/privacy/record-of-processing", headers=tenants.auth(Role.auditor))
    tables = {line["table"] for line in r.json()["items"]}
    assert {"creators", "declared_attributes", "comments"} <= tables
    for role in (Role.analyst, Role.approver):
        problem(api.get("/api/v1/privacy/record-of-processing", headers=tenants.auth(role)), 403)


def test_a_creator_reads_and_withdraws_their_own_consent(tenants: Tenants) -> None:
    settings = tenants.settings
    ana = as_creator(settings)
    view = ana.get("/api/v1/creators/c1/declared-attributes").json()
    assert view["creator_id"] == "c1" and view["attributes"] == {}
    assert [c["purpose"] for c in view["consent"]] == ["profiling"]
    problem(ana.get("/api/v1/creators/c2/declared-attributes"), 404)
    api = client(settings)
    for role in (Role.analyst, Role.approver, Role.auditor):
        problem(api.get("/api/v1/creators/c1/declared-attributes", headers=tenants.auth(role)), 403)
    problem(api.get("/api/v1/creators/gx-c1/declared-attributes",
                    headers=tenants.auth(Role.admin)), 404)  # fmt: skip
    url = "/api/v1/creators/c1/consent-withdrawals"
    assert fields(ana.post(url, json={"purpose": "everything"})) == {"body.purpose"}
    problem(ana.post("/api/v1/creators/c2/consent-withdrawals", json={"purpose": "contact"}), 404)
    problem(api.post(url, json={"purpose": "contact"}, headers=tenants.auth(Role.approver)), 403)
    r = ana.post(url, json={"purpose": "profiling"}, headers=idem("withdraw-1"))
    assert r.status_code == 201, r.text
    again = ana.post(url, json={"purpose": "profiling"}, headers=idem("withdraw-1"))
    assert again.json() == r.json() and again.headers["idempotent-replayed"] == "true"
    assert audit_actors(settings, "consent_withdrawn") == ["user:ana@creators.test"]
    view = ana.get("/api/v1/creators/c1/declared-attributes").json()
    assert view["consent"][0]["granted"] is False
    r = api.post("/api/v1/creators/gx-c1/consent-withdrawals", json={"purpose": "contact"},
                 headers=tenants.auth(Role.admin))  # fmt: skip
    problem(r, 404)
    assert audit_actors(settings, "consent_withdrawn", workspace=B) == []


def test_an_admin_erases_a_third_party(tenants: Tenants) -> None:
    api = client(tenants.settings)
    url = "/api/v1/privacy/erasures"
    for role in (Role.analyst, Role.approver, Role.auditor):
        problem(api.post(url, json={"account_id": "f_1001"}, headers=tenants.auth(role)), 403)
    assert fields(api.post(url, json={"account_id": ""}, headers=tenants.auth(Role.admin))) == {
        "body.account_id"
    }
    r = api.post(url, json={"account_id": "f_1001"}, headers=tenants.auth(Role.admin))
    assert r.status_code == 200, r.text
    assert r.json()["removed"]["follows"] == 1 and r.json()["audit_seq"] is not None
    assert audit_actors(tenants.settings, "erase_subject") == [key_name(tenants, Role.admin)]
    # B's follower with the same platform id is B's: untouched by A's erasure
    again = api.post(url, json={"account_id": "f_1001"}, headers=tenants.auth(Role.admin))
    assert again.json()["audit_seq"] is None
    assert audit_actors(tenants.settings, "erase_subject", workspace=B) == []


def test_a_creator_exports_their_own_data(tenants: Tenants) -> None:
    settings = tenants.settings
    services.file_dispute("c1", "contested", workspace=A, settings=settings)
    ana = as_creator(settings)
    r = ana.get("/api/v1/creators/c1/export")
    assert r.status_code == 200, r.text
    tables = r.json()["tables"]
    assert tables["creators"][0]["display_name"] == "Ana Glow"
    assert [a["handle"] for a in tables["creator_accounts"]] == ["anaglow"]
    assert tables["creator_audits"][0]["result"]["creator_id"] == "c1"
    assert tables["disputes"][0]["reason"] == "contested"
    assert tables["consent_records"][0]["purpose"] == "profiling"
    assert {"declared_attributes", "deals", "shortlist_entries"} <= set(tables)
    assert all(row.get("creator_id", "c1") == "c1" for rows in tables.values() for row in rows)
    assert "Max Lifts" not in r.text
    problem(ana.get("/api/v1/creators/c2/export"), 404)
    api = client(settings)
    problem(api.get("/api/v1/creators/c1/export", headers=tenants.auth(Role.analyst)), 403)
    r = api.get("/api/v1/creators/gx-c1/export", headers=tenants.auth(Role.admin))
    problem(r, 404)
    assert not any(m in r.text for m in B_MARKERS)
    assert api.get("/api/v1/creators/c2/export", headers=tenants.auth(Role.admin)).is_success
