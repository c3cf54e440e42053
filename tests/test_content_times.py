"""Best time to post: the timing model, the service, the CLI and the API route."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import select
from tests._api import A, Tenants, client, seed
from tests._main import run_main
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.content import audience_time_zone, best_posting_windows
from trustreach.content._timing import _window_members
from trustreach.core import Actor, ConfigurationError, NotFoundError, Role, Settings
from trustreach.services._content_data import posts_frame
from trustreach.services._content_times import best_times
from trustreach.services._rights import object_to_profiling
from trustreach.store import audit_log
from trustreach.synth import generate_world

WS = "times"
ANALYST = Actor("user", "ana@acme.test", Role.analyst, WS)
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday


def _world_frame(accounts: dict[str, tuple[str, int, int, int]], seed: int = 3) -> pl.DataFrame:
    """Posts whose engagement is x1.8 around (best weekday, best hour) UTC per account.

    ``accounts``: account_id -> (niche, posts, best weekday, best hour). Media type
    and a follower trend also move engagement, and posting hours are uneven.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for account, (niche, n, best_day, best_hour) in accounts.items():
        level = rng.normal(7, 1)
        habit = int(rng.integers(8, 22))
        for i in range(n):
            day = int(rng.integers(0, 180))
            hour = (
                (habit + int(rng.normal(0, 2))) % 24
                if rng.random() < 0.5
                else int(rng.integers(6, 24))
            )
            when = START + timedelta(days=day, hours=hour, minutes=int(rng.integers(0, 60)))
            media = "reel" if rng.random() < 0.4 else "image"
            followers = int(10_000 * (1 + day / 180))
            dist = min(abs(hour - best_hour), 24 - abs(hour - best_hour))
            effect = 0.6 * np.exp(-(dist**2) / 2.5) + (0.3 if when.weekday() == best_day else 0)
            log_eng = level + effect + 0.3 * (media == "reel") + 0.5 * np.log(followers / 1e4)
            rows.append(
                {
                    "post_id": f"{account}-{i}",
                    "account_id": account,
                    "niches": [niche],
                    "posted_at": when,
                    "media_type": media,
                    "followers": followers,
                    "engagements": int(np.exp(log_eng + rng.normal(0, 0.3))),
                }
            )
    return pl.DataFrame(rows).with_columns(pl.col("posted_at").dt.cast_time_unit("us"))


def _contains(window_weekday: int, start: int, hours: int, day: int, hour: int) -> bool:
    cells = _window_members(hours)[window_weekday * 24 + start]
    return any(c // 24 == day and c % 24 == hour for c in cells)


WORLD = {
    **{f"a{i}": ("cooking", 70, 2, 18) for i in range(5)},
    **{f"b{i}": ("gaming", 70, 5, 21) for i in range(5)},
    "thin": ("cooking", 6, 2, 18),
    "rebel": ("cooking", 400, 0, 9),
}


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return _world_frame(WORLD)


def test_the_recommended_window_recovers_each_niches_hidden_best_time(frame: pl.DataFrame) -> None:
    for account in ("a0", "a3", "b1", "b4"):
        niche, _, day, hour = WORLD[account]
        advice = best_posting_windows(frame, account, top=1)
        (w,) = advice.windows
        assert advice.niche == niche
        assert _contains(w.weekday, w.start_hour, w.hours, day, hour), (account, w.utc)
        assert w.lift > 0.2 and w.lift_low < w.lift < w.lift_high
        assert w.own_posts + w.peer_posts > 0 and w.peer_posts >= w.own_posts
        assert 0.0 <= w.account_share <= 1.0 and "90% interval" in w.reason


def test_a_thin_account_leans_on_its_peers_and_says_so(frame: pl.DataFrame) -> None:
    thin = best_posting_windows(frame, "thin", top=1)
    rich = best_posting_windows(frame, "a0", top=1)
    (w,) = thin.windows
    assert _contains(w.weekday, w.start_hour, w.hours, 2, 18)
    assert thin.own_posts == 6 and "only 6 posts" in thin.statement
    assert w.account_share < rich.windows[0].account_share / 2


def test_an_account_with_much_history_keeps_its_own_time(frame: pl.DataFrame) -> None:
    advice = best_posting_windows(frame, "rebel", top=1)
    (w,) = advice.windows
    assert _contains(w.weekday, w.start_hour, w.hours, 0, 9), w.utc
    assert w.account_share > 0.5


def test_an_account_with_no_posts_gets_its_peers_answer(frame: pl.DataFrame) -> None:
    newcomer = frame.filter(pl.col("account_id") == "a0").head(0)
    advice = best_posting_windows(pl.concat([frame, newcomer]), "new", niche="gaming", top=2)
    assert advice.own_posts == 0 and "no posts yet" in advice.statement
    assert len(advice.windows) == 2 and advice.windows[0].own_posts == 0
    assert _contains(advice.windows[0].weekday, advice.windows[0].start_hour, 3, 5, 21)
    empty = best_posting_windows(frame.head(0), "new", top=2)
    assert empty.windows == [] and "nothing to learn" in empty.statement


def test_windows_do_not_overlap_and_bad_parameters_name_the_field(frame: pl.DataFrame) -> None:
    advice = best_posting_windows(frame, "b0", top=4)
    cells = [set(_window_members(3)[w.weekday * 24 + w.start_hour]) for w in advice.windows]
    assert all(not (a & b) for i, a in enumerate(cells) for b in cells[i + 1 :])
    assert [w.lift for w in advice.windows] == sorted(
        (w.lift for w in advice.windows), reverse=True
    )
    with pytest.raises(ValueError, match="top must be between 1 and 10"):
        best_posting_windows(frame, "b0", top=0)
    with pytest.raises(ValueError, match="window_hours"):
        best_posting_windows(frame, "b0", window_hours=9)


def test_every_window_of_the_week_has_its_lift_interval_and_posts(frame: pl.DataFrame) -> None:
    advice = best_posting_windows(frame, "a0", top=3)
    grid = advice.grid
    assert [(g.weekday, g.start_hour) for g in grid] == [
        (d, h) for d in range(7) for h in range(24)
    ]
    assert all(g.lift_low <= g.lift <= g.lift_high for g in grid)
    assert min(g.lift for g in grid) < 0 < max(g.lift for g in grid)
    for w in advice.windows:  # the best windows are the grid's, with the same figures
        g = grid[w.weekday * 24 + w.start_hour]
        assert (g.lift, g.lift_low, g.lift_high) == (w.lift, w.lift_low, w.lift_high)
        assert (g.own_posts, g.peer_posts) == (w.own_posts, w.peer_posts)
    assert max(g.lift for g in grid) == advice.windows[0].lift
    # each post lies in window_hours windows
    assert sum(g.own_posts for g in grid) == advice.own_posts * advice.window_hours
    assert sum(g.peer_posts for g in grid) == advice.peer_posts * advice.window_hours
    assert all((g.local_weekday, int(g.local_start[:2])) == (g.weekday, g.start_hour) for g in grid)
    tokyo = best_posting_windows(
        frame, "a0", zone=audience_time_zone({"JP": 1.0}, None), as_of=datetime(2026, 7, 1)
    )
    g = tokyo.grid[0]  # Monday 00:00 UTC is Monday 09:00 in Tokyo
    assert (g.local_weekday, g.local_start) == (0, "09:00")
    data = advice.to_dict()["grid"]
    assert data["window_hours"] == 3 and len(data["windows"]) == 168
    assert set(data["windows"][0]) == {
        "weekday_utc", "start_hour_utc", "local_weekday", "local_start", "lift", "interval",
        "evidence",
    }  # fmt: skip
    assert best_posting_windows(frame.head(0), "new").grid == ()


def test_the_audience_time_zone_and_local_labels() -> None:
    us = audience_time_zone({"US": 0.5, "GB": 0.3}, "DE")
    assert (us.zone, us.country, us.source) == ("America/New_York", "US", "audience")
    assert "several time zones" in us.note
    de = audience_time_zone({}, "de")
    assert (de.zone, de.source) == ("Europe/Berlin", "creator") and "several" not in de.note
    assert audience_time_zone(None, None).zone == "UTC"
    assert audience_time_zone({"ZZ": 1.0}, None).zone == "UTC"
    frame = _world_frame({"x": ("cooking", 40, 2, 18)})
    winter = best_posting_windows(frame, "x", top=1, zone=us, as_of=datetime(2026, 12, 1))
    (w,) = winter.windows
    local_hour = int(w.local.split()[1][:2])
    assert local_hour == (w.start_hour - 5) % 24 and w.local.endswith("America/New_York")
    summer = best_posting_windows(frame, "x", top=1, zone=us, as_of=datetime(2026, 7, 1))
    assert int(summer.windows[0].local.split()[1][:2]) == (w.start_hour - 4) % 24


# ------------------------------------------------------------------ the service on a store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=5, creators=12, followers_per_creator=20, days=120)
    return out


@pytest.fixture(scope="module")
def imported(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    services.import_path(world, workspace=WS, settings=settings)
    return settings


def _busiest(settings: Settings) -> tuple[str, str]:
    with services.open_store(settings).connect() as c:
        frame = posts_frame(c, WS)
    top = frame.group_by("account_id", "creator_id").len().sort("len", descending=True).row(0)
    return str(top[0]), str(top[1])


def test_best_times_answers_with_evidence_and_one_audit_record(imported: Settings) -> None:
    account, _ = _busiest(imported)
    result = best_times(account, actor=ANALYST, top=2, settings=imported)
    data = result.to_dict()
    assert data["generated_by"].startswith("trustreach ") and "timing-eb" in data["generated_by"]
    assert data["account_id"] == account and len(data["windows"]) == 2
    assert data["evidence"]["own_posts"] > 0 and data["time_zone"]["zone"]
    first = data["windows"][0]
    assert first["interval"][0] <= first["lift"] <= first["interval"][1]
    assert set(first["evidence"]) == {"own_posts", "peer_posts", "platform_posts", "account_share"}
    assert len(data["grid"]["windows"]) == 168 and data["grid"]["interval_level"] == 0.9
    json.dumps(data)
    with services.open_store(imported).connect() as c:
        entry = (
            c.execute(select(audit_log).where(audit_log.c.seq == result.audit_seq)).mappings().one()
        )
    assert entry["action"] == "content.best_times" and entry["actor"] == "user:ana@acme.test"
    details = (
        entry["details"] if isinstance(entry["details"], dict) else json.loads(entry["details"])
    )
    assert details["own_posts"] == data["evidence"]["own_posts"] and entry["input_digest"]
    assert "caption" not in json.dumps(details)
    # as_of: only earlier posts are read
    early = best_times(account, actor=ANALYST, as_of=datetime(2020, 1, 1), settings=imported)
    assert early.advice.own_posts == 0 and early.advice.windows == []


def test_best_times_checks_roles_accounts_and_objections(imported: Settings) -> None:
    account, creator = _busiest(imported)
    mine = Actor("user", "me@c.test", Role.creator, WS, creator_id=creator)
    assert best_times(account, actor=mine, settings=imported).account_id == account
    other = Actor("user", "x@c.test", Role.creator, WS, creator_id="cr-9999")
    with pytest.raises(NotFoundError, match="not found"):
        best_times(account, actor=other, settings=imported)
    with pytest.raises(NotFoundError, match="did you mean"):
        best_times(account + "x", actor=ANALYST, settings=imported)
    with pytest.raises(ConfigurationError, match="top must be"):
        best_times(account, actor=ANALYST, top=11, settings=imported)
    with pytest.raises(NotFoundError, match="workspace"):
        best_times(account, actor=ANALYST, workspace="elsewhere", settings=imported)
    before = best_times(account, actor=ANALYST, settings=imported).advice
    with services.open_store(imported).connect() as c:
        frame = posts_frame(c, WS)
    platform = frame.filter(pl.col("account_id") == account)["platform"][0]
    peers = frame.filter((pl.col("platform") == platform) & (pl.col("creator_id") != creator))
    objector = str(peers["creator_id"][0])
    object_to_profiling(objector, workspace=WS, settings=imported)
    after = best_times(account, actor=ANALYST, settings=imported).advice
    gone = peers.filter(pl.col("creator_id") == objector).height
    assert gone > 0
    assert after.peer_posts + after.platform_posts == (
        before.peer_posts + before.platform_posts - gone
    )
    # the objecting creator's own account is still advised on its own posts
    own = str(peers.filter(pl.col("creator_id") == objector)["account_id"][0])
    assert best_times(own, actor=ANALYST, settings=imported).advice.own_posts > 0


def test_cli_best_times_table_and_json(imported: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    account, _ = _busiest(imported)
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(imported.data_dir))
    runner = CliRunner()
    out = runner.invoke(
        app, ["content", "best-times", account, "--top", "2", "--format", "json", "--workspace", WS]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert len(data["windows"]) == 2 and data["generated_by"].startswith("trustreach")
    table = runner.invoke(app, ["content", "best-times", account, "--workspace", WS])
    assert table.exit_code == 0, table.output
    assert "90% interval" in table.output and "Machine-generated" in table.output
    assert data["windows"][0]["utc"] in table.output
    code, _, err = run_main("content", "best-times", account + "x", "--workspace", WS)
    assert code != 0 and "not found" in err and "Traceback" not in err
    code, _, err = run_main("content", "best-times", account, "--top", "0", "--workspace", WS)
    assert code != 0 and "--top" in err


# ------------------------------------------------------------------ the API route


@pytest.fixture
def tenants(tmp_path: Path, sqlite_settings: Settings) -> Tenants:
    return seed(tmp_path, sqlite_settings)


def test_api_best_times_roles_and_tenancy(tenants: Tenants) -> None:
    api = client(tenants.settings)
    r = api.get("/api/v1/content/best-times/ig_c1", headers=tenants.auth(Role.auditor))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["account_id"] == "ig_c1" and body["generated_by"].startswith("trustreach")
    assert body["workspace"] == A and "statement" in body
    other = api.get("/api/v1/content/best-times/gx-ig_c1", headers=tenants.auth(Role.analyst))
    assert other.status_code == 404 and "gx-ig_c1" in other.text
    bad = api.get(
        "/api/v1/content/best-times/ig_c1", params={"top": 0}, headers=tenants.auth(Role.admin)
    )
    assert bad.status_code == 422
    from trustreach.api._auth import current_actor

    services.create_user(
        "max@creators.test", workspace=A, role=Role.creator, password="a long passphrase 2",
        creator_id="c2", by=services.cli_actor(A), settings=tenants.settings,
    )  # fmt: skip
    max_ = services.authenticate_user(
        "max@creators.test", "a long passphrase 2", settings=tenants.settings
    )
    api.app.dependency_overrides[current_actor] = lambda: max_
    assert api.get("/api/v1/content/best-times/tt_c2").status_code == 200
    assert api.get("/api/v1/content/best-times/ig_c1").status_code == 404
