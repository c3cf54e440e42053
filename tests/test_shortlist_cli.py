"""The shortlist, deal and consent commands, run as a user would (``python -m trustreach``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests._world import write_world
from tests.test_shortlist import WS, _declare, _propose

from trustreach.core import Settings
from trustreach.services import declared_attributes, import_path


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trustreach", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "TRUSTREACH_DATA_DIR": str(data)},
        check=False,
    )


def test_cli_approval_flow(tmp_path: Path, sqlite_settings: Settings) -> None:
    data = sqlite_settings.data_dir
    import_path(write_world(tmp_path / "world"), workspace=WS, settings=sqlite_settings)
    _declare(tmp_path, sqlite_settings)
    sid = _propose(sqlite_settings, "c1")
    ws = ("-w", WS)

    shown = _cli(data, "shortlist", "show", sid, "--format", "json", *ws)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["entries"][0]["status"] == "pending"
    listed = _cli(data, "shortlist", "list", *ws)
    assert listed.returncode == 0 and sid in listed.stdout
    table = _cli(data, "shortlist", "show", sid, *ws)
    assert "Ana Glow (c1)" in table.stdout  # names are not unique: the id goes beside it

    deal = (
        "deal",
        "create",
        sid,
        "c1",
        "--deal-id",
        "d9",
        "--compensation",
        "fee",
        "--amount",
        "500",
        "--signed-on",
        "2026-10-05",
        *ws,
    )
    refused = _cli(data, *deal)
    assert refused.returncode == 2 and "pending" in refused.stderr and sid in refused.stderr
    assert "Traceback" not in refused.stderr
    assert (
        _cli(
            data, "shortlist", "reject", sid, "c1", "--by", "Ben", "--reason", "no", *ws
        ).returncode
        == 0
    )
    refused = _cli(data, *deal)
    assert refused.returncode == 2 and "rejected" in refused.stderr
    off_list = _cli(
        data, "deal", "create", sid, "c2", "--deal-id", "d8", "--compensation", "gift", *ws
    )
    assert off_list.returncode == 2 and "not on the shortlist" in off_list.stderr
    added = _cli(data, "shortlist", "add", sid, "c2", "--by", "Ana", "--reason", "asked for", *ws)
    assert added.returncode == 0 and "override" in added.stdout
    no_reason = _cli(data, "shortlist", "approve", sid, "c1", "--by", "Ben", "--reason", " ", *ws)
    assert no_reason.returncode == 2 and "reason must not be empty" in no_reason.stderr
    approved = _cli(data, "shortlist", "approve", sid, "c1", "--by", "Ben", "--reason", "fits", *ws)
    assert approved.returncode == 0, approved.stderr
    made = _cli(data, *deal)
    assert made.returncode == 0 and "Deal d9 created" in made.stdout
    assert "signed 2026-10-05" in made.stdout and "500.00 USD" in made.stdout
    assert "already exists" in _cli(data, *deal).stdout

    withdrawn = _cli(
        data, "privacy", "withdraw-consent", "c1", "--purpose", "declared_attributes", *ws
    )
    assert withdrawn.returncode == 0 and "2 declared attribute(s) deleted" in withdrawn.stdout
    assert declared_attributes(workspace=WS, settings=sqlite_settings) == {"c2": {"gender": "man"}}
    register = _cli(data, "privacy", "register")
    for table in ("declared_attributes", "shortlist_entries", "shortlist_decisions"):
        assert table in register.stdout
    assert _cli(data, "audit", "verify").returncode == 0


def test_cli_deal_for_another_brands_campaign_is_refused(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    from tests.test_shortlist import _other_brand

    data = sqlite_settings.data_dir
    import_path(write_world(tmp_path / "world"), workspace=WS, settings=sqlite_settings)
    _other_brand(tmp_path, sqlite_settings)
    sid = _propose(sqlite_settings, "c1", campaign=None)
    ws = ("-w", WS)
    approve = ("shortlist", "approve", sid, "c1", "--by", "Ben", "--reason", "fits", *ws)
    assert _cli(data, *approve).returncode == 0
    deal = ("deal", "create", sid, "c1", "--deal-id", "d1x", "--compensation", "gift", *ws)
    refused = _cli(data, *deal, "--campaign", "spirits", "--signed-on", "2025-03-01")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    err = " ".join(refused.stderr.split())
    assert "campaign_id 'spirits' not allowed" in err and "brand b1 (Acme Skin)" in err
    bad_date = _cli(data, *deal, "--campaign", "cmp1", "--signed-on", "2026-13-01")
    assert bad_date.returncode == 2 and "--signed-on" in bad_date.stderr
    made = _cli(data, *deal, "--campaign", "cmp1", "--signed-on", "2026-10-02")
    assert made.returncode == 0, made.stderr


def test_cli_deal_fee_needs_an_amount_and_a_known_currency(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    data = sqlite_settings.data_dir
    import_path(write_world(tmp_path / "world"), workspace=WS, settings=sqlite_settings)
    sid = _propose(sqlite_settings, "c1")
    ws = ("-w", WS)
    approve = ("shortlist", "approve", sid, "c1", "--by", "Ben", "--reason", "fits", *ws)
    assert _cli(data, *approve).returncode == 0
    deal = ("deal", "create", sid, "c1", "--deal-id", "d7", "--compensation", "fee",
            "--signed-on", "2026-10-05", *ws)  # fmt: skip
    no_amount = _cli(data, *deal, "--currency", "GBP")
    assert no_amount.returncode == 2 and "Traceback" not in no_amount.stderr
    assert no_amount.stderr.startswith("error: amount is required") and "--amount" in (
        no_amount.stderr
    )
    unknown = _cli(data, *deal, "--amount", "5", "--currency", "XYZ")
    assert unknown.returncode == 2 and "currency 'XYZ' not allowed" in unknown.stderr
    assert "GBP" in unknown.stderr and "USD" in unknown.stderr
    made = _cli(data, *deal, "--amount", "5")  # the campaign cmp1 is in USD
    assert made.returncode == 0, made.stderr
    assert "5.00 USD (currency: the campaign's)" in " ".join(made.stdout.split())


def test_cli_commands_take_a_name_or_handle_for_a_creator(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    from tests.test_services_creators import _twin

    data = sqlite_settings.data_dir
    import_path(write_world(tmp_path / "world"), workspace=WS, settings=sqlite_settings)
    sid = _propose(sqlite_settings, "c1", "c2")
    ws = ("-w", WS)
    by_name = _cli(
        data, "shortlist", "approve", sid, "max lifts", "--by", "Ben", "--reason", "ok", *ws
    )
    assert by_name.returncode == 0, by_name.stderr
    assert "c2 approved" in by_name.stdout
    by_handle = _cli(
        data, "shortlist", "reject", sid, "@anaglow", "--by", "Ben", "--reason", "no", *ws
    )
    assert by_handle.returncode == 0 and "c1 rejected" in by_handle.stdout
    _twin(tmp_path, sqlite_settings)
    ambiguous = _cli(
        data, "shortlist", "approve", sid, "Ana Glow", "--by", "B", "--reason", "r", *ws
    )
    assert ambiguous.returncode == 2
    err = " ".join(ambiguous.stderr.split())
    assert (
        err.startswith("error: creator 'Ana Glow' is ambiguous") and "c1 (" in err and "c3 (" in err
    )
    consent = _cli(data, "privacy", "withdraw-consent", "@maxlifts", "--purpose", "contact", *ws)
    assert consent.returncode == 0 and "withdrawn by c2" in consent.stdout
    talk = _cli(data, "conversation", "summary", "creator", "max lifts", *ws)
    assert talk.returncode == 0 and "Conversation on creator c2" in talk.stdout
