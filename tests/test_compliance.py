"""Compliance in the workflow: the deal gate's obligations, the campaign compliance report
and the ``disclosure`` campaign alert (service, API, dashboard, CLI).

Workspace ``acme`` holds the tiny world (brand ``b1`` of the US, campaign ``cmp1``,
imported deal ``d1`` of creator ``c1``, post ``p1`` disclosed up front) and two more
campaign posts of ``c1``: ``p3`` names the brand with no disclosure at all and ``p4``
buries ``#ad`` at the end of its hashtag block. Workspace ``globex`` is the tiny world's
``gx-`` twin. The expected obligations and verdicts come from the rules engine
(:mod:`trustreach.ethics.disclosure`), not from copies of its wording.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests._api import client, write_globex
from tests._world import write_records, write_world

from trustreach import services
from trustreach.api._auth import current_actor
from trustreach.core import (
    Actor,
    ConfigurationError,
    NotFoundError,
    PermissionDenied,
    Role,
    Settings,
)
from trustreach.ethics.disclosure import obligations, rules_version
from trustreach.services import Deal, _alerts, _compliance, _compliance_report
from trustreach.store import audit_log

A = "acme"
PASSWORD = "correct horse battery staple"
EXTRA_POSTS = [
    {"post_id": "p3", "account_id": "ig_c1", "posted_at": "2026-10-04T18:00:00Z",
     "media_type": "image", "caption": "Loving my new SPF from @acmeskin", "likes": 10,
     "comments": 1, "campaign_id": "cmp1"},
    {"post_id": "p4", "account_id": "ig_c1", "posted_at": "2026-10-05T18:00:00Z",
     "media_type": "image",
     "caption": "Morning glow with @acmeskin\n.\n.\n.\n#skincare #glow #spf #routine #beauty #ad",
     "likes": 10, "comments": 1, "campaign_id": "cmp1"},
]  # fmt: skip
ANA = Actor("user", "ana@acme.test", Role.creator, A, creator_id="c1")
MAX = Actor("user", "max@acme.test", Role.creator, A, creator_id="c2")
APPROVER = Actor("user", "sam@acme.test", Role.approver, A)
ANALYST = Actor("user", "al@acme.test", Role.analyst, A)


def build(root: Path, settings: Settings, *, globex: bool = False, logins: bool = True) -> str:
    """Import the world (and ``globex``'s twin), add the creators' and staff logins; return a
    shortlist with both creators approved."""
    services.import_path(write_world(root / "a"), workspace=A, settings=settings)
    write_records(root / "extra" / "posts.jsonl", EXTRA_POSTS)
    services.import_path(root / "extra", workspace=A, settings=settings)
    if globex:
        services.import_path(write_globex(root / "b"), workspace="globex", settings=settings)
    for actor in (ANA, MAX, APPROVER, ANALYST) if logins else ():
        services.create_user(
            actor.ident, workspace=A, role=actor.role, password=PASSWORD,
            creator_id=actor.creator_id, by=services.cli_actor(A), settings=settings,
        )  # fmt: skip
    shortlist = services.propose_shortlist(
        brief_id="br1", campaign_id=None, brief_digest="a" * 64,
        entries=[services.ProposedEntry(c, i + 1, 0.9, {}, "fits") for i, c in
                 enumerate(["c1", "c2"])],
        model_versions={}, parameters={}, created_by="al", workspace=A, settings=settings,
    ).shortlist_id  # fmt: skip
    for creator in ("c1", "c2"):
        services.decide(shortlist, creator, "approved", decided_by="sam", reason="fit",
                        workspace=A, settings=settings)  # fmt: skip
    return shortlist


def _deal(settings: Settings, shortlist: str, deal_id: str, creator: str, **kw: Any) -> Deal:
    return services.create_deal(
        shortlist, creator, deal_id=deal_id, compensation="gift", amount=50.0,
        campaign_id="cmp1", signed_on=date(2026, 10, 5),
        created_by="sam", workspace=A, settings=settings, **kw,
    )  # fmt: skip


def _actions(settings: Settings) -> list[tuple[str, str, dict[str, object]]]:
    engine = services.open_store(settings, create=False)
    with engine.connect() as c:
        rows = c.execute(select(audit_log.c.action, audit_log.c.actor, audit_log.c.details))
        out = [(r.action, r.actor, r.details if isinstance(r.details, dict) else
                json.loads(r.details)) for r in rows]  # fmt: skip
    engine.dispose()
    return out


# ------------------------------------------------------------------ the deal gate


def test_deal_gate_records_obligations_only_the_creator_accepts_and_a_failing_post_alerts(
    tmp_path: Path, store_settings: Settings
) -> None:
    s = store_settings
    shortlist = build(tmp_path, s, logins=False)  # the services take the actors as given
    deal = _deal(s, shortlist, "dx", "c1")
    assert not _deal(s, shortlist, "dx", "c1", jurisdictions=["us"]).created  # a retry
    with pytest.raises(ConfigurationError, match="jurisdictions"):
        _deal(s, shortlist, "dx", "c1", jurisdictions=["uk"])
    expected = [o.rule_id for o in obligations(["us"])]  # brand b1 and brief br1: the US
    assert deal.jurisdictions == ("us",) and list(deal.obligations) == expected
    assert deal.obligations_status == "awaiting acceptance"
    created = [d for a, _, d in _actions(s) if a == "deal_created"][-1]
    assert created["obligations"]["rule_ids"] == expected  # type: ignore[index]
    shown = _compliance.deal_obligations_of("dx", actor=APPROVER, settings=s)
    assert shown.status == "awaiting acceptance" and shown.rules_version == rules_version()
    assert [o.text for o in shown.obligations] == [o.text for o in obligations(["us"])]
    # nobody accepts on the creator's behalf; another creator's deal is not found
    with pytest.raises(PermissionDenied, match="creator"):
        _compliance.accept_obligations("dx", actor=APPROVER, settings=s)
    with pytest.raises(NotFoundError, match="dx"):
        _compliance.accept_obligations("dx", actor=MAX, settings=s)
    with pytest.raises(NotFoundError):
        _compliance.deal_obligations_of("dx", actor=MAX, settings=s)
    with pytest.raises(ConfigurationError, match="rules_version"):
        _compliance.accept_obligations("dx", actor=ANA, rules_version="1999", settings=s)
    done = _compliance.accept_obligations(
        "dx", actor=ANA, rules_version=rules_version(), settings=s
    )
    assert done.changed and done.status == "accepted" and done.accepted_by == ANA.audit_name
    again = _compliance.accept_obligations("dx", actor=ANA, settings=s)
    assert not again.changed and again.accepted_at == done.accepted_at
    accepted = [(who, d) for a, who, d in _actions(s) if a == "deal_obligations_accepted"]
    assert len(accepted) == 1 and accepted[0][0] == ANA.audit_name
    assert accepted[0][1]["rule_ids"] == expected
    # the creator sees their deals: the imported one has none recorded until the brand does
    mine = _compliance.creator_deals("c1", actor=ANA, settings=s)
    assert {d.deal_id: d.status for d in mine} == {"dx": "accepted", "d1": "none recorded"}
    with pytest.raises(ConfigurationError, match="nothing to accept"):
        _compliance.accept_obligations("d1", actor=ANA, settings=s)
    with pytest.raises(NotFoundError):
        _compliance.creator_deals("c1", actor=MAX, settings=s)
    kept = _compliance.record_deal_obligations(
        "d1", actor=APPROVER, jurisdictions=["uk"], settings=s
    )
    assert kept.changed and kept.jurisdictions == ("uk",)
    assert [o.rule_id for o in kept.obligations] == [o.rule_id for o in obligations(["uk"])]
    with pytest.raises(ConfigurationError, match="not rewritten"):
        _compliance.record_deal_obligations("d1", actor=APPROVER, jurisdictions=["eu"], settings=s)
    with pytest.raises(ConfigurationError, match="allowed: us, uk, eu"):
        _deal(s, shortlist, "dy", "c2", jurisdictions=["fr"])
    # a campaign post missing its disclosure raises a "disclosure" alert; fixing it resolves it
    first = _alerts.check_alerts("cmp1", workspace=A, settings=s, deliver=False)
    found = {a.subject: a for a in first.raised if a.rule == "disclosure"}
    assert set(found) == {"post:p3", "post:p4"}  # p1 discloses up front
    assert found["post:p4"].evidence["rule_ids"] == ["D3-US"]
    span = found["post:p4"].evidence["findings"][0]["span"]
    assert EXTRA_POSTS[1]["caption"][span[0] : span[1]] == "#ad"  # type: ignore[index]
    assert (
        "evidence for a person" in found["post:p3"].summary and found["post:p3"].creator_id == "c1"
    )
    fixed = [{**EXTRA_POSTS[0], "caption": "#ad " + str(EXTRA_POSTS[0]["caption"])}]
    write_records(tmp_path / "fix" / "posts.jsonl", fixed)
    services.import_path(tmp_path / "fix", workspace=A, settings=s)
    later = _alerts.check_alerts("cmp1", workspace=A, settings=s, deliver=False)
    assert [a.subject for a in later.resolved if a.rule == "disclosure"] == ["post:p3"]
    assert [a.subject for a in later.seen_again if a.rule == "disclosure"] == ["post:p4"]


def test_jurisdictions_come_from_the_brand_and_briefs_or_all_when_none_maps(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    root = tmp_path / "w"
    write_records(root / "brands.jsonl", [{"brand_id": "bc", "name": "Maple", "category": "beauty",
                                            "country": "CA"}])  # fmt: skip
    write_records(root / "campaigns.jsonl", [
        {"campaign_id": c, "brand_id": "bc", "name": c, "goal": "sales", "starts_on": "2026-10-01",
         "ends_on": "2026-10-31", "currency": "CAD"} for c in ("k1", "k2")])  # fmt: skip
    write_records(root / "briefs.jsonl", [
        {"brief_id": "bk", "brand_id": "bc", "campaign_id": "k2", "goal": "sales",
         "topics": ["spf"], "audience_countries": ["GB", "DE", "CA"], "audience_age_bands": [],
         "platforms": ["instagram"], "currency": "CAD", "category": "beauty"}])  # fmt: skip
    services.import_path(root, workspace=A, settings=sqlite_settings)
    engine = services.open_store(sqlite_settings, create=False)
    with engine.connect() as c:
        none_maps = _compliance.campaign_jurisdictions(c, A, "k1")
        briefs = _compliance.campaign_jurisdictions(c, A, "k2")
        given = _compliance.campaign_jurisdictions(c, A, "k1", ["GB"])
        with pytest.raises(NotFoundError, match="nope"):
            _compliance.campaign_jurisdictions(c, A, "nope")
    engine.dispose()
    assert none_maps.codes == ("us", "uk", "eu") and "every jurisdiction" in none_maps.derived_from
    assert briefs.codes == ("uk", "eu") and "GB" in briefs.derived_from
    assert given.codes == ("uk",)


# ------------------------------------------------------------------ API, dashboard, CLI


@dataclass
class World:
    root: Path
    settings: Settings
    shortlist: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("compliance")
    settings = Settings(data_dir=root / "data")
    return World(root, settings, build(root, settings, globex=True))


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    found = client(world.settings)
    yield found
    found.app.dependency_overrides.clear()


def _as(api: TestClient, actor: Actor) -> TestClient:
    api.app.dependency_overrides[current_actor] = lambda: actor  # type: ignore[attr-defined]
    return api


def test_api_deal_obligations_acceptance_and_campaign_compliance(
    api: TestClient, world: World
) -> None:
    c = _as(api, APPROVER)
    made = c.post("/api/v1/deals", json={
        "shortlist_id": world.shortlist, "creator_id": "c2", "deal_id": "api-1",
        "compensation": "gift", "amount": 40, "campaign_id": "cmp1", "signed_on": "2026-10-05",
        "jurisdictions": ["uk", "eu"]})  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    assert (
        body["jurisdictions"] == ["uk", "eu"]
        and body["obligations_status"] == "awaiting acceptance"
    )
    assert body["obligations"] == [o.rule_id for o in obligations(["uk", "eu"])]
    bad = c.post("/api/v1/deals", json={**json.loads(made.request.content), "deal_id": "api-2",
                                        "jurisdictions": ["fr"]})  # fmt: skip
    assert bad.status_code == 422 and "jurisdictions" in bad.text
    read = c.get("/api/v1/deals/api-1/obligations").json()
    assert read["status"] == "awaiting acceptance" and read["accepted_by"] is None
    assert c.post("/api/v1/deals/api-1/obligations/acceptance", json={}).status_code == 403
    c = _as(api, ANA)  # another creator's deal: not found, for reading and accepting
    assert c.get("/api/v1/deals/api-1/obligations").status_code == 404
    assert c.post("/api/v1/deals/api-1/obligations/acceptance", json={}).status_code == 404
    assert c.get("/api/v1/creators/c2/deals").status_code == 404
    c = _as(api, MAX)
    stale = c.post("/api/v1/deals/api-1/obligations/acceptance", json={"rules_version": "0"})
    assert stale.status_code == 422 and "rules_version" in stale.text
    ok = c.post("/api/v1/deals/api-1/obligations/acceptance",
                json={"rules_version": rules_version()})  # fmt: skip
    assert ok.status_code == 201 and ok.json()["changed"] is True
    assert ok.json()["accepted_by"] == MAX.audit_name and ok.json()["status"] == "accepted"
    again = c.post("/api/v1/deals/api-1/obligations/acceptance", json={})
    assert again.status_code == 201 and again.json()["changed"] is False
    mine = c.get("/api/v1/creators/c2/deals").json()["items"]
    assert [d["deal_id"] for d in mine] == ["api-1"] and mine[0]["obligations"][0]["text"]
    # the campaign's compliance: JSON for readers, the report as HTML and PDF downloads
    assert c.get("/api/v1/campaigns/cmp1/compliance").status_code == 403
    c = _as(api, ANALYST)
    report = c.get("/api/v1/campaigns/cmp1/compliance").json()
    status = {p["post_id"]: p["status"] for p in report["posts"]}
    assert status == {"p1": "compliant", "p3": "non_compliant", "p4": "non_compliant"}
    assert report["counts"]["non_compliant"] == 2 and report["rules_version"] == rules_version()
    assert "not legal advice" in report["note"] and report["jurisdictions"] == ["us"]
    buried = next(p for p in report["posts"] if p["post_id"] == "p4")["findings"]
    assert any(f["rule_id"] == "D3-US" and f["fix"] and f["span"] for f in buried)
    assert {d["deal_id"]: d["status"] for d in report["deals"]}["api-1"] == "accepted"
    assert set(report["sources"]) >= {"D1-US", "D3-US"}
    page = c.get("/api/v1/campaigns/cmp1/compliance", params={"format": "html"})
    assert page.headers["content-disposition"].startswith("attachment")
    assert '<mark title="D3-US">#ad</mark>' in page.text and "not legal advice" in page.text
    assert page.text.count('class="machine-generated"') == 1  # the one shared marker
    pdf = c.get("/api/v1/campaigns/cmp1/compliance", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    gx = Actor("key", "gx", Role.admin, "globex")  # another workspace: not found
    c = _as(api, gx)
    for path in ("/api/v1/campaigns/cmp1/compliance", "/api/v1/deals/api-1/obligations",
                 "/api/v1/creators/c2/deals"):  # fmt: skip
        assert c.get(path).status_code == 404, path


def _signed_in(world: World, email: str) -> TestClient:
    from tests.test_web import HTTPS, login

    from trustreach.web import create_web_app

    c = TestClient(create_web_app(world.settings), base_url=HTTPS)
    assert login(c, email).status_code == 303
    return c


def test_dashboard_creator_accepts_on_my_deals_and_the_brand_sees_it(world: World) -> None:
    from tests.test_web import Page

    _deal(world.settings, world.shortlist, "web-1", "c1")
    brand = _signed_in(world, ANALYST.ident)
    before = brand.get("/campaigns/cmp1/compliance")
    assert before.status_code == 200 and "not legal advice" in before.text
    assert "<mark" in before.text and "not yet accepted by the creator" in before.text
    assert before.text.count('class="machine-generated"') == 1
    assert brand.get("/my/deals").status_code == 403
    ana = _signed_in(world, ANA.ident)
    assert ana.get("/campaigns/cmp1/compliance").status_code == 403
    mine = ana.get("/my/deals")
    assert mine.status_code == 200 and "web-1" in mine.text and "api-1" not in mine.text
    for o in obligations(["us"]):
        assert o.rule_id in mine.text
    refused = ana.post("/my/deals/web-1/accept", data={"rules_version": rules_version()})
    assert refused.status_code == 403  # no CSRF token
    form = Page(mine.text).hidden
    done = ana.post("/my/deals/web-1/accept", data={"csrf_token": form["csrf_token"],
                    "rules_version": form["rules_version"]}, follow_redirects=True)  # fmt: skip
    assert done.status_code == 200 and "You accepted" in done.text
    shown = _compliance.deal_obligations_of("web-1", actor=ANALYST, settings=world.settings)
    assert shown.status == "accepted" and shown.accepted_by == ANA.audit_name
    after = brand.get("/campaigns/cmp1/compliance")
    assert f"accepted by {ANA.audit_name}" in after.text
    download = brand.get("/campaigns/cmp1/compliance.html")
    assert download.headers["content-disposition"].startswith("attachment")


def test_cli_campaign_compliance_and_deal_obligations(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from trustreach.cli import app
    from trustreach.core import reset_settings

    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(world.settings.data_dir))
    reset_settings()
    run = CliRunner().invoke
    shown = run(app, ["campaign", "compliance", "cmp1", "--format", "json", "-w", A])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.output)
    assert report["counts"]["non_compliant"] == 2
    out = tmp_path / "c.html"
    wrote = run(app, ["campaign", "compliance", "cmp1", "-o", str(out), "-w", A])
    assert wrote.exit_code == 0 and "not legal advice" in " ".join(wrote.output.split())
    assert "<mark" in out.read_text()
    assert run(app, ["campaign", "compliance", "cmp1", "-w", A]).exit_code != 0  # html: a file
    made = run(app, ["deal", "create", world.shortlist, "c2", "--deal-id", "cli-1",
                     "--compensation", "gift", "--amount", "20", "--campaign", "cmp1",
                     "--signed-on", "2026-10-06", "--jurisdiction", "uk", "-w", A])  # fmt: skip
    assert made.exit_code == 0, made.output
    uk = ", ".join(o.rule_id for o in obligations(["uk"]))
    assert f"Disclosure obligations recorded (uk): {uk}" in " ".join(made.output.split())
    gate = run(app, ["deal", "obligations", "d1", "-w", A])
    assert gate.exit_code == 0 and "deal obligations d1 --record" in " ".join(gate.output.split())
    recorded = run(app, ["deal", "obligations", "d1", "--record", "--jurisdiction", "eu",
                         "--format", "json", "-w", A])  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    assert (
        json.loads(recorded.output)["obligations"][0]["rule_id"] == obligations(["eu"])[0].rule_id
    )
    reset_settings()


def test_highlight_marks_merged_spans_and_escapes_the_rest() -> None:
    from trustreach.ethics.disclosure import Finding

    caption = "<b>sp</b> #spon #ad"
    found = [
        Finding("D2-US", "us", "non_compliant", "weak", "FTC", "#spon", (10, 15)),
        Finding("D3-US", "us", "non_compliant", "late", "FTC", "#spon #ad", (11, 19)),
    ]
    out = _compliance_report.highlight(caption, found)
    assert out == '&lt;b&gt;sp&lt;/b&gt; <mark title="D2-US, D3-US">#spon #ad</mark>'
