"""The one reader of posts content guidance uses (posts_frame), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Connection, delete, select, update
from tests.conftest import store_settings_for

from trustreach import services
from trustreach.core import ConfigurationError, Settings
from trustreach.services._content_data import POST_COLUMNS, latest_post, posts_frame
from trustreach.services._content_draft import Draft, check_draft
from trustreach.services._content_hashtags import suggest_hashtags
from trustreach.services._content_times import best_times
from trustreach.services._content_trends import rising_topics
from trustreach.services._rights import object_to_profiling
from trustreach.store._tables import (
    audience_snapshots,
    creator_accounts,
    creators,
    posts,
    profiling_objections,
)
from trustreach.synth import generate_world

WS = "data"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=21, creators=6, followers_per_creator=10, days=60)
    return out


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def stored(
    request: pytest.FixtureRequest, world: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """The small world on each store, with one account's early snapshots removed and
    another's current count unknown (so both fallbacks of ``followers`` are read)."""
    settings = store_settings_for(request.param, tmp_path_factory.mktemp(request.param))
    services.import_path(world, workspace=WS, settings=settings)
    with services.open_store(settings).begin() as c:
        ids = sorted(c.execute(select(creator_accounts.c.account_id)).scalars())
        first, second = ids[0], ids[1]
        c.execute(
            delete(audience_snapshots).where(
                audience_snapshots.c.account_id == first,
                audience_snapshots.c.captured_on < _middle(c, first),
            )
        )
        c.execute(delete(audience_snapshots).where(audience_snapshots.c.account_id == second))
        c.execute(
            update(creator_accounts)
            .where(creator_accounts.c.account_id == second)
            .values(followers_count=None)
        )
    yield settings


def _middle(c: Connection, account: str) -> date:
    query = select(posts.c.posted_at).where(posts.c.account_id == account)
    times = sorted(_utc(t) for t in c.execute(query).scalars())
    return times[len(times) // 2].date()


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class Stored:
    """What the store holds, read row by row without the reader."""

    accounts: dict[str, Any]
    creators: dict[str, Any]
    posts: list[Any]
    snaps: dict[str, list[tuple[date, int]]]

    def followers_on(self, account: str, day: date) -> int | None:
        """The latest snapshot's count on or before ``day``, else the current count."""
        before = [n for captured, n in sorted(self.snaps.get(account, [])) if captured <= day]
        count = before[-1] if before else self.accounts[account].followers_count
        return None if count is None else int(count)


def _raw(settings: Settings) -> Stored:
    with services.open_store(settings).connect() as c:
        raw = Stored(
            {r.account_id: r for r in c.execute(select(creator_accounts)).all()},
            {r.creator_id: r for r in c.execute(select(creators)).all()},
            list(c.execute(select(posts)).all()),
            {},
        )
        for snap in c.execute(select(audience_snapshots)).all():
            day = snap.captured_on
            day = day if isinstance(day, date) else date.fromisoformat(str(day))
            raw.snaps.setdefault(snap.account_id, []).append((day, int(snap.followers_count)))
    return raw


def test_every_column_matches_the_store_row_by_row(stored: Settings) -> None:
    raw = _raw(stored)
    with services.open_store(stored).connect() as c:
        frame = posts_frame(c, WS)
    assert frame.columns == list(POST_COLUMNS)
    assert frame.height == len(raw.posts) > 0
    assert frame.select("account_id", "posted_at", "post_id").equals(
        frame.select("account_id", "posted_at", "post_id").sort(pl.all())
    )
    by_id = {r["post_id"]: r for r in frame.iter_rows(named=True)}
    fallback = unknown = 0
    for p in raw.posts:
        row = by_id[p.post_id]
        account = raw.accounts[p.account_id]
        when = _utc(p.posted_at)
        assert row["posted_at"] == when and row["posted_at"].tzinfo is not None
        assert row["creator_id"] == account.creator_id and row["platform"] == account.platform
        assert row["niches"] == list(raw.creators[account.creator_id].niches)
        assert row["followers_count"] == account.followers_count
        assert row["hashtags"] == [t.lstrip("#").lower() for t in p.hashtags]
        assert row["caption"] == (p.caption or "")
        assert (row["likes"], row["comments"], row["shares"]) == (p.likes, p.comments, p.shares)
        assert row["engagements"] == p.likes + p.comments + (p.shares or 0)
        expected = raw.followers_on(p.account_id, when.date())
        assert row["followers"] == expected
        fallback += not any(d <= when.date() for d, _ in raw.snaps.get(p.account_id, []))
        unknown += expected is None
    assert fallback > 0 and unknown > 0  # both fallbacks were read


def test_columns_are_read_as_asked_and_unknown_ones_named(stored: Settings) -> None:
    with services.open_store(stored).connect() as c:
        every = posts_frame(c, WS)
        few = posts_frame(c, WS, columns=("engagements", "post_id", "followers"))
        with pytest.raises(ConfigurationError, match=r"'reach'.*allowed: post_id"):
            posts_frame(c, WS, columns=("post_id", "reach"))
    assert few.columns == ["engagements", "post_id", "followers"]
    assert few.equals(every.select("engagements", "post_id", "followers"))


def test_filters_pick_the_same_rows_as_the_full_frame(stored: Settings) -> None:
    with services.open_store(stored).connect() as c:
        every = posts_frame(c, WS)
        platform = str(every["platform"][0])
        niche = str(every["niches"][0][0])
        some = sorted(set(every["account_id"].to_list()))[:2]
        times = every["posted_at"].sort().to_list()
        cut, end = times[len(times) // 3], times[2 * len(times) // 3]
        on_platform = posts_frame(c, WS, platform=platform)
        in_niche = posts_frame(c, WS, niche=f" {niche.upper()} ")
        chosen = posts_frame(c, WS, account_ids=[*some, "no-such-account"])
        window = posts_frame(c, WS, since=cut, until=end)
        both = posts_frame(c, WS, niche=niche, platform=platform, since=cut)
    assert 0 < on_platform.height < every.height
    assert on_platform.equals(every.filter(pl.col("platform") == platform))
    assert 0 < in_niche.height < every.height
    assert in_niche.equals(every.filter(pl.col("niches").list.contains(niche)))
    assert chosen.height > 0 and chosen.equals(every.filter(pl.col("account_id").is_in(some)))
    assert window.equals(every.filter((pl.col("posted_at") >= cut) & (pl.col("posted_at") < end)))
    assert both.equals(
        every.filter(
            pl.col("niches").list.contains(niche)
            & (pl.col("platform") == platform)
            & (pl.col("posted_at") >= cut)
        )
    )


def test_objecting_creators_leave_the_peers_but_not_their_own_reads(stored: Settings) -> None:
    with services.open_store(stored).connect() as c:
        before = posts_frame(c, WS)
    objector = str(before["creator_id"][0])
    mine = pl.col("creator_id") == objector
    object_to_profiling(objector, workspace=WS, settings=stored)
    try:
        with services.open_store(stored).connect() as c:
            assert posts_frame(c, WS).equals(before.filter(~mine))
            assert posts_frame(c, WS, keep_creator=objector).equals(before)
            assert posts_frame(c, WS, exclude_objecting=False).equals(before)
            niche = str(before.filter(mine)["niches"][0][0])
            kept = posts_frame(c, WS, niche=niche, keep_creator=objector)
            assert kept.filter(mine).height == before.filter(mine).height > 0
            own = str(before.filter(mine)["account_id"][0])
            assert posts_frame(c, WS, account_ids=[own]).is_empty()
            assert latest_post(c, WS, account_ids=[own]) is None
            assert latest_post(c, WS, account_ids=[own], keep_creator=objector) == (
                before.filter(pl.col("account_id") == own)["posted_at"].max()
            )
    finally:  # the other tests read this store without objections
        with services.open_store(stored).begin() as c:
            c.execute(
                delete(profiling_objections).where(profiling_objections.c.creator_id == objector)
            )


def test_empty_answers_keep_the_schema(stored: Settings) -> None:
    with services.open_store(stored).connect() as c:
        full = posts_frame(c, WS)
        last = full["posted_at"].max()
        assert isinstance(last, datetime)
        later = last + timedelta(days=1)
        answers = [
            posts_frame(c, WS, platform="nowhere"),
            posts_frame(c, WS, niche="no such niche"),
            posts_frame(c, WS, account_ids=[]),
            posts_frame(c, WS, since=later),
            posts_frame(c, "elsewhere"),
        ]
        few = posts_frame(c, WS, columns=("post_id", "followers"), since=later)
        assert latest_post(c, WS, platform="nowhere") is None
        assert latest_post(c, WS) == last
    for empty in answers:
        assert empty.is_empty() and empty.schema == full.schema
    assert few.is_empty() and few.columns == ["post_id", "followers"]


_ANSWERS: dict[str, Any] = {}
_VOLATILE = {"audit_seq", "generated_at", "checked_at"}


def _steady(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _steady(v) for k, v in data.items() if k not in _VOLATILE}
    if isinstance(data, list):
        return [_steady(v) for v in data]
    return data


def test_every_content_service_answers_alike_on_both_stores(stored: Settings) -> None:
    actor = services.cli_actor(WS)
    with services.open_store(stored).connect() as c:
        frame = posts_frame(c, WS, columns=("account_id", "posted_at"))
    account = str(frame.group_by("account_id").len().sort("len", "account_id").row(-1)[0])
    last = frame["posted_at"].max()
    assert isinstance(last, datetime)
    after = last + timedelta(days=1)
    draft = Draft(account=account, caption="My morning routine, step by step", media_type="reel")
    answers: dict[str, Any] = {
        "best_times": best_times(account, actor=actor, as_of=after, settings=stored),
        "hashtags": suggest_hashtags(actor=actor, account=account, settings=stored),
        "trends": rising_topics(actor=actor, account=account, settings=stored),
        "draft": check_draft(draft, actor=actor, settings=stored),
    }
    data = {name: _steady(answer.to_dict()) for name, answer in answers.items()}
    for name, body in data.items():
        assert body["generated_by"].startswith("trustreach"), name
    assert data["best_times"]["evidence"]["own_posts"] > 0
    assert data["draft"]["prediction"]["account_posts"] > 0
    _ANSWERS["postgres" if stored.database_url else "sqlite"] = data
    if len(_ANSWERS) == 2:  # the second store to run compares
        assert _ANSWERS["sqlite"] == _ANSWERS["postgres"]
