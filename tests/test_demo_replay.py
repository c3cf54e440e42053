"""The demo's live campaign: later events held back before the import, replayed through the API.

On the hand-computed campaign of tests/_campaign.py: :func:`hold_back` moves the later
half of the busiest campaign's events aside (nothing lost, nothing kept twice);
:func:`replay` sends them through ``POST /api/v1/events`` in time order, and the
campaign's KPIs then equal those of the whole world imported at once. ``demo
--serve`` holds back and hands the plan to the server; ``--no-serve`` touches nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests._api import client
from tests._campaign import WORLD
from tests.test_campaign_kpis import write_hand_world

from trustreach import services
from trustreach.cli import _demo
from trustreach.cli._demo_replay import hold_back, replay
from trustreach.core import Role, Settings


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_hold_back_moves_the_later_half_of_the_busiest_campaign(tmp_path: Path) -> None:
    world = write_hand_world(tmp_path / "w")
    plan = hold_back(world)
    assert plan is not None and plan.campaign_id == "hc"
    kept = _lines(world / "tracking_events.jsonl")
    held = _lines(plan.path)
    assert plan.events == len(held) > 0 and kept
    ids = sorted(e["event_id"] for e in WORLD["tracking_events"])
    assert sorted(e["event_id"] for e in kept + held) == ids  # nothing lost or doubled
    assert max(e["occurred_at"] for e in kept) <= min(e["occurred_at"] for e in held)
    assert [e["occurred_at"] for e in held] == sorted(e["occurred_at"] for e in held)
    assert hold_back(tmp_path) is None  # no events file: nothing to replay


def test_replayed_events_give_the_kpis_of_the_whole_world(
    tmp_path: Path, store_settings: Settings
) -> None:
    services.import_path(write_hand_world(tmp_path / "all"), workspace="whole",
                         settings=store_settings)  # fmt: skip
    world = write_hand_world(tmp_path / "w")
    plan = hold_back(world)
    assert plan is not None
    services.import_path(world, workspace="demo", settings=store_settings)
    before = services.campaign_kpis("hc", workspace="demo", settings=store_settings)
    key, _ = services.create_key(
        workspace="demo", role=Role.analyst, label="demo replay",
        by=services.cli_actor("demo"), settings=store_settings,
    )  # fmt: skip
    naps: list[float] = []
    reached: list[datetime] = []
    with client(store_settings) as api:
        accepted = replay(plan, api, key, seconds=2.0, tick=0.5, sleep=naps.append, every=2,
                          progress=reached.append)  # fmt: skip
    assert accepted == plan.events
    assert naps and all(n == 0.5 for n in naps)  # paced, here without waiting
    assert reached == sorted(reached) and reached[-1] == datetime.fromisoformat(
        max(e["occurred_at"] for e in _lines(plan.path)).replace("Z", "+00:00")
    )  # the alert rules are checked at the campaign time reached, last at the end
    after = services.campaign_kpis("hc", workspace="demo", settings=store_settings).to_dict()
    whole = services.campaign_kpis("hc", workspace="whole", settings=store_settings).to_dict()
    assert after["campaign"]["conversions"] > before.to_dict()["campaign"]["conversions"]
    assert {k: v for k, v in after.items() if k != "workspace"} == {
        k: v for k, v in whole.items() if k != "workspace"
    }


@pytest.mark.parametrize("serve_after", [False, True])
def test_only_a_served_demo_holds_events_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serve_after: bool
) -> None:
    """The demo's steps stubbed: ``synth`` writes the hand world, the rest records calls."""
    calls: dict[str, Any] = {}
    monkeypatch.setattr(_demo, "synth", lambda out, **_: write_hand_world(out))
    monkeypatch.setattr(_demo, "import_", lambda path, workspace: calls.setdefault("import", 1))
    stubbed = ("summary", "_print_audit_table", "_demo_discovery", "_demo_conversation",
               "demo_content", "demo_alerts")  # fmt: skip
    for name in stubbed:
        monkeypatch.setattr(_demo, name, lambda *a, **k: None)
    monkeypatch.setattr(_demo.services, "audit_workspace", lambda **_: [])
    monkeypatch.setattr(_demo.services, "verify_audit_log", lambda: None)
    monkeypatch.setattr(_demo, "_check_port_free", lambda port: None)
    monkeypatch.setattr(
        _demo, "_serve_demo", lambda workspace, port, plan: calls.setdefault("plan", plan)
    )
    out = tmp_path / "world"
    _demo.demo(out=out, seed=7, briefs=tmp_path, workspace="demo", force=False,
               serve_after=serve_after, port=8000)  # fmt: skip
    events = _lines(out / "tracking_events.jsonl")
    if serve_after:
        assert calls["plan"].campaign_id == "hc" and (out / "replay").is_dir()
        assert len(events) + calls["plan"].events == len(WORLD["tracking_events"])
    else:
        assert "plan" not in calls and not (out / "replay").exists()
        assert len(events) == len(WORLD["tracking_events"])
