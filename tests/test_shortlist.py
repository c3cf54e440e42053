"""Shortlists and human approval: propose, decide, override, deals only after approval."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests._world import TINY, write_records, write_world

from trustreach.core import ConfigurationError, ImportValidationError, NotFoundError, Settings
from trustreach.services import (
    ApprovalRequired,
    ProposedEntry,
    add_override,
    create_deal,
    decide,
    declared_attributes,
    get_shortlist,
    import_path,
    list_audit,
    list_shortlists,
    open_store,
    propose_shortlist,
    verify_audit_log,
    withdraw_consent,
)
from trustreach.store._tables import deals
from trustreach.store._tables import declared_attributes as declared_table

WS = "acme"
DIGEST = "a" * 64
VERSIONS = {"performance": "0.1.0", "embedding": "static-minilm-1"}


def _entries(*creators: str) -> list[ProposedEntry]:
    return [
        ProposedEntry(c, i + 1, 0.9 - i / 10, {"topic_fit": {"used": 0.8}}, f"fits ({c})")
        for i, c in enumerate(creators)
    ]


def _propose(settings: Settings, *creators: str, campaign: str | None = "cmp1") -> str:
    s = propose_shortlist(
        brief_id="br1",
        campaign_id=campaign,
        brief_digest=DIGEST,
        entries=_entries(*creators),
        model_versions=VERSIONS,
        parameters={"weights": {"topic_fit": 0.3}, "fair": None},
        created_by="discovery-test",
        workspace=WS,
        settings=settings,
    )
    return s.shortlist_id


@pytest.fixture
def world(tmp_path: Path, store_settings: Settings) -> Settings:
    import_path(write_world(tmp_path / "world"), workspace=WS, settings=store_settings)
    return store_settings


def _actions(settings: Settings) -> list[str]:
    return [e.action for e in list_audit(workspace=WS, limit=100, settings=settings)]


# ------------------------------------------------------------------ round trip


def test_propose_decide_override_round_trip(world: Settings) -> None:
    sid = _propose(world, "c1")
    assert sid.startswith("sl-") and len(sid) == len("sl-20260101-000000-abcdef")
    s = get_shortlist(sid, workspace=WS, settings=world)
    assert (s.brief_id, s.campaign_id, s.brief_digest, s.status) == (
        "br1",
        "cmp1",
        DIGEST,
        "proposed",
    )
    assert s.model_versions == VERSIONS and s.parameters["weights"] == {"topic_fit": 0.3}
    [entry] = s.entries
    assert (entry.creator_id, entry.rank, entry.source, entry.status) == (
        "c1",
        1,
        "ranked",
        "pending",
    )
    assert entry.components == {"topic_fit": {"used": 0.8}}
    assert s.status_of("c2") == "not on the shortlist"

    with pytest.raises(NotFoundError, match="'c2' is not on shortlist"):
        decide(sid, "c2", "approved", decided_by="Ana", reason="fits", workspace=WS, settings=world)
    s = add_override(
        sid, "c2", added_by="Ana Lopez", reason="brand asked for her", workspace=WS, settings=world
    )
    added = s.entries[-1]
    assert (added.creator_id, added.rank, added.score, added.source) == (
        "c2",
        None,
        None,
        "override",
    )
    assert (added.added_by, added.reason, added.status) == (
        "Ana Lopez",
        "brand asked for her",
        "pending",
    )
    with pytest.raises(ConfigurationError, match="already on shortlist"):
        add_override(sid, "c2", added_by="Ana", reason="again", workspace=WS, settings=world)

    decide(
        sid,
        "c1",
        "rejected",
        decided_by="Ben Ode",
        reason="audience too young",
        workspace=WS,
        settings=world,
    )
    s = decide(
        sid,
        "c1",
        "approved",
        decided_by="Ben Ode",
        reason="rechecked: fine",
        workspace=WS,
        settings=world,
    )
    assert s.status_of("c1") == "approved" and s.status == "in_review"
    assert [d.decision for d in s.decisions] == ["rejected", "approved"]  # every one kept
    assert (
        s.entries[0].decided_by == "Ben Ode" and s.entries[0].decision_reason == "rechecked: fine"
    )
    s = decide(
        sid, "c2", "rejected", decided_by="Ben Ode", reason="budget", workspace=WS, settings=world
    )
    assert s.status == "decided"

    actions = _actions(world)
    assert actions[-5:] == [
        "shortlist_proposed", "shortlist_override", "shortlist_rejected",
        "shortlist_approved", "shortlist_rejected",
    ]  # fmt: skip
    proposal = next(
        e for e in list_audit(workspace=WS, settings=world) if e.action == "shortlist_proposed"
    )
    details = proposal.details_dict()
    assert details["entries"] == [{"creator_id": "c1", "rank": 1}]
    assert details["brief_id"] == "br1" and details["model_versions"] == VERSIONS
    assert proposal.input_digest == DIGEST
    decisions = [
        e for e in list_audit(workspace=WS, settings=world) if e.action == "shortlist_approved"
    ]
    assert decisions and all(e.details_dict()["model_versions"] == VERSIONS for e in decisions)
    assert {d.audit_seq for d in s.decisions} <= {
        e.seq for e in list_audit(workspace=WS, settings=world)
    }
    verify_audit_log(settings=world)
    assert [x.shortlist_id for x in list_shortlists(workspace=WS, settings=world)] == [sid]


def test_decisions_need_a_named_person_and_a_reason(world: Settings) -> None:
    sid = _propose(world, "c1")
    with pytest.raises(ConfigurationError, match="decided_by must not be empty"):
        decide(sid, "c1", "approved", decided_by=" ", reason="ok", workspace=WS, settings=world)
    with pytest.raises(ConfigurationError, match="reason must not be empty"):
        decide(sid, "c1", "approved", decided_by="Ana", reason="", workspace=WS, settings=world)
    with pytest.raises(ConfigurationError, match="allowed: approved, rejected"):
        decide(sid, "c1", "maybe", decided_by="Ana", reason="x", workspace=WS, settings=world)
    with pytest.raises(NotFoundError, match="shortlist 'sl-nope' not found"):
        decide(
            "sl-nope", "c1", "approved", decided_by="Ana", reason="x", workspace=WS, settings=world
        )


def test_proposal_refuses_unknown_or_repeated_creators(world: Settings) -> None:
    with pytest.raises(NotFoundError, match="'ghost'"):
        _propose(world, "c1", "ghost")
    with pytest.raises(ConfigurationError, match="appears twice"):
        _propose(world, "c1", "c1")


def test_proposal_names_only_a_campaign_of_its_workspace(tmp_path: Path, world: Settings) -> None:
    """A brief's campaign_id must be this workspace's: another tenant's is refused like none."""
    from tests._world import write_world

    import_path(write_world(tmp_path / "other"), workspace="elsewhere", settings=world)
    before = _actions(world)
    for campaign in ("cmp-none", "cmp1"):
        with pytest.raises(ConfigurationError, match=f"campaign_id '{campaign}' is not a campaign"):
            propose_shortlist(
                brief_id="br1",
                campaign_id=campaign,
                brief_digest=DIGEST,
                entries=_entries("c1"),
                model_versions=VERSIONS,
                parameters={},
                created_by="discovery-test",
                workspace="elsewhere" if campaign == "cmp-none" else "empty-ws",
                settings=world,
            )
    assert _actions(world) == before


# ------------------------------------------------------------------------ deals


SIGNED = date(2026, 10, 5)  # during cmp1 (2026-10-01 to 2026-10-14)


def _deal(settings: Settings, sid: str, creator: str, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "deal_id": "d-new",
        "compensation": "fee",
        "amount": 800.0,
        "signed_on": SIGNED,
    }
    args.update(kw)
    return create_deal(sid, creator, created_by="Ana", workspace=WS, settings=settings, **args)


def test_deal_only_after_approval(world: Settings) -> None:
    sid = _propose(world, "c1")
    with pytest.raises(ApprovalRequired, match=f"'c1'.*{sid}.*is pending"):
        _deal(world, sid, "c1")
    with pytest.raises(ApprovalRequired, match="not on the shortlist"):
        _deal(world, sid, "c2")
    decide(sid, "c1", "rejected", decided_by="Ben", reason="no", workspace=WS, settings=world)
    with pytest.raises(ApprovalRequired, match="is rejected"):
        _deal(world, sid, "c1")
    decide(
        sid,
        "c1",
        "approved",
        decided_by="Ben",
        reason="yes after all",
        workspace=WS,
        settings=world,
    )
    deal = _deal(world, sid, "c1")
    assert deal.created and deal.campaign_id == "cmp1" and deal.audit_seq is not None
    engine = open_store(world)
    with engine.connect() as connection:
        row = connection.execute(select(deals).where(deals.c.deal_id == "d-new")).one()
    engine.dispose()
    assert (row.creator_id, row.amount, row.material_connection) == ("c1", 800.0, True)
    entry = list_audit(workspace=WS, limit=1, settings=world)[0]
    assert entry.action == "deal_created" and entry.details_dict()["approved_by"] == "Ben"

    again = _deal(world, sid, "c1")  # idempotent retry
    assert not again.created and again.audit_seq is None
    assert list_audit(workspace=WS, limit=1, settings=world)[0].seq == entry.seq
    with pytest.raises(
        ConfigurationError, match=r"different values: amount \(stored 800.0, given 900.0\)"
    ):
        _deal(world, sid, "c1", amount=900.0)


def test_deal_values_and_campaign_are_checked(world: Settings) -> None:
    sid = _propose(world, "c1", campaign=None)
    decide(sid, "c1", "approved", decided_by="Ben", reason="ok", workspace=WS, settings=world)
    with pytest.raises(ConfigurationError, match="campaign_id is required"):
        _deal(world, sid, "c1")
    with pytest.raises(ConfigurationError, match="compensation"):
        _deal(world, sid, "c1", campaign_id="cmp1", compensation="cash")
    with pytest.raises(NotFoundError, match="campaign 'nope' not found"):
        _deal(world, sid, "c1", campaign_id="nope")
    assert _deal(world, sid, "c1", campaign_id="cmp1").campaign_id == "cmp1"
    bound = _propose(world, "c2")
    decide(bound, "c2", "approved", decided_by="Ben", reason="ok", workspace=WS, settings=world)
    with pytest.raises(ConfigurationError, match="is for campaign 'cmp1'"):
        _deal(world, bound, "c2", deal_id="d-x", campaign_id="other")


def _other_brand(tmp_path: Path, settings: Settings) -> None:
    """A spirits brand with a campaign that ended in 2025, and a second Acme campaign."""
    folder = tmp_path / "more-brands"
    write_records(
        folder / "brands.jsonl",
        [{"brand_id": "b9", "name": "Old Oak Distillery", "category": "alcohol", "country": "GB"}],
    )
    write_records(
        folder / "campaigns.jsonl",
        [
            {"campaign_id": "spirits", "brand_id": "b9", "name": "Oak Launch", "goal": "sales",
             "starts_on": "2025-02-27", "ends_on": "2025-04-09", "currency": "GBP"},
            {"campaign_id": "cmp-later", "brand_id": "b1", "name": "Glow Winter",
             "goal": "sales", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
             "currency": "USD"},
        ],
    )  # fmt: skip
    import_path(folder, workspace=WS, settings=settings)


def test_deal_campaign_is_the_brands_and_runs_on_the_signing_date(
    tmp_path: Path, world: Settings
) -> None:
    _other_brand(tmp_path, world)
    sid = _propose(world, "c1", campaign=None)  # brief br1 is Acme Skin's (b1)
    decide(sid, "c1", "approved", decided_by="Ben", reason="ok", workspace=WS, settings=world)
    with pytest.raises(ConfigurationError) as other_brand:
        _deal(world, sid, "c1", campaign_id="spirits")
    message = str(other_brand.value)
    assert "campaign_id 'spirits' not allowed" in message and "brand b9" in message
    assert "allowed (campaigns of brand b1 (Acme Skin) running on 2026-10-05): cmp1" in message
    with pytest.raises(ConfigurationError) as ended:
        _deal(world, sid, "c1", campaign_id="cmp1", signed_on=date(2026, 12, 5))
    message = str(ended.value)
    assert "runs 2026-10-01 to 2026-10-14" in message and "signing date 2026-12-05" in message
    assert "signed_on" in message and "cmp-later" in message.split("allowed", 1)[1]
    deal = _deal(world, sid, "c1", campaign_id="cmp-later", signed_on=date(2026, 12, 5))
    assert deal.created and deal.signed_on == date(2026, 12, 5)
    engine = open_store(world)
    with engine.connect() as connection:
        row = connection.execute(select(deals).where(deals.c.deal_id == "d-new")).one()
    engine.dispose()
    assert row.signed_on == date(2026, 12, 5)


def test_deal_for_a_brand_the_workspace_does_not_hold_is_refused(world: Settings) -> None:
    s = propose_shortlist(
        brief_id="glow-spring",
        campaign_id=None,
        brief_digest=DIGEST,
        entries=_entries("c1"),
        model_versions=VERSIONS,
        parameters={},
        brand="Glow Labs",
        created_by="discovery-test",
        workspace=WS,
        settings=world,
    )
    assert get_shortlist(s.shortlist_id, workspace=WS, settings=world).parameters == {
        "brand": "Glow Labs"
    }
    decide(s.shortlist_id, "c1", "approved", decided_by="Ben", reason="ok", workspace=WS,
           settings=world)  # fmt: skip
    with pytest.raises(ConfigurationError, match="brand 'Glow Labs', which is not a brand") as e:
        _deal(world, s.shortlist_id, "c1", campaign_id="cmp1")
    assert "b1 (Acme Skin)" in str(e.value)
    with pytest.raises(ConfigurationError) as up_front:  # no --campaign: say why none helps
        _deal(world, s.shortlist_id, "c1")
    message = str(up_front.value)
    assert "'Glow Labs', which is not a brand of workspace" in message
    assert "no deal is possible from this shortlist" in message and "--campaign" not in message
    named = propose_shortlist(
        brief_id="glow-spring-2",
        campaign_id=None,
        brief_digest=DIGEST,
        entries=_entries("c1"),
        model_versions=VERSIONS,
        parameters={},
        brand="acme skin",  # a brief may name its brand by name
        created_by="discovery-test",
        workspace=WS,
        settings=world,
    )
    decide(named.shortlist_id, "c1", "approved", decided_by="Ben", reason="ok", workspace=WS,
           settings=world)  # fmt: skip
    assert _deal(world, named.shortlist_id, "c1", campaign_id="cmp1", deal_id="d-n").created


def test_a_fee_needs_an_amount_and_a_known_currency_defaulting_to_the_campaigns(
    tmp_path: Path, world: Settings
) -> None:
    write_records(
        tmp_path / "eur" / "campaigns.jsonl",
        [{"campaign_id": "cmp-eur", "brand_id": "b1", "name": "Glow Europe", "goal": "sales",
          "starts_on": "2026-10-01", "ends_on": "2026-10-31", "currency": "EUR"}],
    )  # fmt: skip
    import_path(tmp_path / "eur", workspace=WS, settings=world)
    sid = _propose(world, "c1", campaign=None)
    decide(sid, "c1", "approved", decided_by="Ben", reason="ok", workspace=WS, settings=world)
    for amount in (None, 0.0):
        with pytest.raises(ConfigurationError, match="amount is required for compensation 'fee'"):
            _deal(world, sid, "c1", campaign_id="cmp-eur", amount=amount)
    for code in ("XYZ", "usd", "EURO"):
        with pytest.raises(ConfigurationError) as bad:
            _deal(world, sid, "c1", campaign_id="cmp-eur", currency=code)
        message = str(bad.value)
        assert f"currency {code!r} not allowed" in message and "EUR, " in message
        assert "fx_rates.csv" in message
    deal = _deal(world, sid, "c1", campaign_id="cmp-eur")  # no currency: the campaign's
    assert (deal.currency, deal.currency_from, deal.amount) == ("EUR", "campaign", 800.0)
    gift = _deal(world, sid, "c1", campaign_id="cmp-eur", deal_id="d-gift", compensation="gift",
                 amount=None, currency="GBP")  # fmt: skip
    assert (gift.currency, gift.currency_from, gift.amount) == ("GBP", "given", None)


def test_importing_a_deal_is_no_side_door(tmp_path: Path, world: Settings) -> None:
    sid = _propose(world, "c1")
    new = {"deal_id": "d2", "campaign_id": "cmp1", "creator_id": "c2", "compensation": "gift"}
    path = write_records(tmp_path / "more" / "deals.jsonl", [*TINY["deals"], new])
    with pytest.raises(ImportValidationError) as info:
        import_path(path, workspace=WS, settings=world)
    [error] = info.value.errors  # d1 was contracted before the shortlist: a re-import is fine
    assert (error.row, error.field, error.value) == (2, "creator_id", "'c2'")
    assert "has a shortlist" in error.message and f"not on the shortlist on {sid}" in error.message
    add_override(sid, "c2", added_by="Ana", reason="known partner", workspace=WS, settings=world)
    with pytest.raises(ImportValidationError, match="pending on"):
        import_path(path, workspace=WS, settings=world)
    decide(sid, "c2", "approved", decided_by="Ben", reason="ok", workspace=WS, settings=world)
    report = import_path(path, workspace=WS, settings=world)
    assert report.kinds[0].new == 1


# ------------------------------------------------------- declared attributes


def _declare(tmp_path: Path, settings: Settings) -> None:
    consents = [
        {"consent_id": f"da-{c}", "creator_id": c, "purpose": "declared_attributes",
         "granted": True, "recorded_at": "2026-09-01T10:00:00Z"}
        for c in ("c1", "c2")
    ]  # fmt: skip
    declared = [
        {"declaration_id": f"{c}-{a}", "creator_id": c, "attribute": a, "value": v,
         "declared_at": "2026-09-01T10:01:00Z", "consent_id": f"da-{c}"}
        for c, a, v in (("c1", "gender", "woman"), ("c1", "ethnicity", "black"),
                        ("c2", "gender", "man"))
    ]  # fmt: skip
    folder = tmp_path / "declared"
    write_records(folder / "consent_records.jsonl", consents)
    write_records(folder / "declared_attributes.jsonl", declared)
    import_path(folder, workspace=WS, settings=settings)


def test_withdrawn_consent_hides_declared_attributes(tmp_path: Path, world: Settings) -> None:
    _declare(tmp_path, world)
    assert declared_attributes(workspace=WS, settings=world) == {
        "c1": {"gender": "woman", "ethnicity": "black"},
        "c2": {"gender": "man"},
    }
    assert declared_attributes(workspace=WS, creator_ids=["c2"], settings=world) == {
        "c2": {"gender": "man"}
    }
    # a withdrawal by import: the attributes disappear from every read
    withdrawal = {"consent_id": "da-c1-w", "creator_id": "c1", "purpose": "declared_attributes",
                  "granted": False, "recorded_at": "2026-10-01T10:00:00Z"}  # fmt: skip
    import_path(
        write_records(tmp_path / "w" / "consent_records.jsonl", [withdrawal]),
        workspace=WS,
        settings=world,
    )
    assert declared_attributes(workspace=WS, settings=world) == {"c2": {"gender": "man"}}
    # a withdrawal by command: recorded, the rows deleted, audit-logged
    result = withdraw_consent(
        "c2", purpose="declared_attributes", source="email", workspace=WS, settings=world
    )
    assert result.attributes_deleted == 1
    assert declared_attributes(workspace=WS, settings=world) == {}
    entry = list_audit(workspace=WS, limit=1, settings=world)[0]
    assert (entry.action, entry.subject) == ("consent_withdrawn", "creator:c2")
    assert entry.details_dict()["declared_attributes_deleted"] == 1
    engine = open_store(world)
    with engine.connect() as connection:
        left = connection.execute(select(declared_table.c.creator_id)).scalars().all()
    engine.dispose()
    assert sorted(left) == ["c1", "c1"]  # hidden by the imported withdrawal, not deleted


def test_withdraw_consent_checks_purpose_and_creator(world: Settings) -> None:
    other = withdraw_consent("c1", purpose="profiling", workspace=WS, settings=world)
    assert other.attributes_deleted == 0 and other.consent_id.startswith("withdrawal-")
    with pytest.raises(ConfigurationError, match="allowed: profiling, audience_analysis"):
        withdraw_consent("c1", purpose="spam", workspace=WS, settings=world)
    with pytest.raises(NotFoundError, match="creator 'zz' not found"):
        withdraw_consent("zz", purpose="profiling", workspace=WS, settings=world)


def test_proposal_stores_json_safe_values(world: Settings) -> None:
    s = propose_shortlist(
        brief_id="like:c2",
        campaign_id=None,
        brief_digest=DIGEST,
        entries=[ProposedEntry("c1", 1, float("nan"), {"cost": {"used": float("inf")}}, "why")],
        model_versions=VERSIONS,
        parameters={"fair": ("gender", "woman"), "top_n": 5},
        workspace=WS,
        settings=world,
    )
    [entry] = s.entries
    assert entry.score is None and entry.components == {"cost": {"used": None}}
    assert s.parameters == {"fair": ["gender", "woman"], "top_n": 5}
