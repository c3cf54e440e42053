"""Readable output: ids beside names, currency beside money, "1 post", real types in --help."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from tests._world import TINY, write_records, write_world
from tests.test_cli import run

from trustreach.audience._engagement import like_comment_ratio
from trustreach.core import Settings, plural
from trustreach.services import import_path, summarize_workspace


def test_plural_agrees_with_the_count() -> None:
    assert [plural(n, "post") for n in (0, 1, 2, 1500)] == [
        "0 posts",
        "1 post",
        "2 posts",
        "1,500 posts",
    ]


def test_one_post_is_one_post_in_audit_evidence() -> None:
    signal = like_comment_ratio(pl.DataFrame({"likes": [120], "comments": [4]}))
    assert "Only 1 post " in signal.evidence and "1 posts" not in signal.evidence


def test_summary_gives_campaign_currency_and_revenue_per_currency(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    import_path(write_world(tmp_path / "w"), workspace="acme", settings=sqlite_settings)
    [campaign] = summarize_workspace("acme", settings=sqlite_settings).campaigns
    assert campaign.currency == "USD" and campaign.revenue_by_currency == {"USD": 39.5}


def test_summary_shows_ids_beside_names_and_currency_beside_revenue(tmp_path: Path) -> None:
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    assert run("import", str(write_world(tmp_path / "w")), "-w", "acme", env=env).returncode == 0
    out = run("summary", "-w", "acme", env=env).stdout
    ana = next(line for line in out.splitlines() if "Ana Glow" in line)
    assert "c1" in ana.split()
    glow = next(line for line in out.splitlines() if "Glow Week" in line)
    assert "cmp1" in glow and "39.50 USD" in glow
    verify = run("audit", "verify", env=env).stdout
    assert "1 record," in verify and "1 records" not in verify


def test_help_shows_no_bool_type_for_flags() -> None:
    for args in (
        ["--help"],
        ["audience", "score-accounts", "--help"],
        ["discover", "--help"],
        ["deal", "create", "--help"],
        ["dispute", "queue", "--help"],
    ):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        assert "<bool>" not in result.stdout, args
    queue = run("dispute", "queue", "--help").stdout
    assert "<open|upheld|rejected|all>" in queue
    assert "YYYY-MM-DD" in run("deal", "create", "--help").stdout


def test_a_trend_that_rounds_to_zero_is_not_negative() -> None:
    from trustreach.cli._conversation import _signed

    assert _signed(-0.0001, 3) == "0.000"
    assert (_signed(0.25, 2), _signed(-0.25, 2)) == ("+0.25", "-0.25")


def test_summary_counts_an_order_reported_twice_once(
    tmp_path: Path, store_settings: Settings
) -> None:
    import_path(write_world(tmp_path / "w"), workspace="acme", settings=store_settings)
    again = {**TINY["tracking_events"][1], "event_id": "e2-webhook"}  # same order_id 1001
    other = {**again, "event_id": "e3", "order_id": "1002", "value": 10.0}
    # no order id: nothing ties two such purchases together, so each counts
    loose = [{**other, "event_id": f"e{i}", "order_id": None, "value": 2.0} for i in (4, 5)]
    write_records(tmp_path / "more" / "tracking_events.jsonl", [again, other, *loose])
    import_path(tmp_path / "more", workspace="acme", settings=store_settings)
    [campaign] = summarize_workspace("acme", settings=store_settings).campaigns
    assert campaign.revenue_by_currency == {"USD": 53.5}
