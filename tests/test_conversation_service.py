"""Conversation intelligence in the product: labels, aggregates, corrections, retention."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import ConfigurationError, NotFoundError, Settings
from trustreach.ethics.privacy import mask_mentions
from trustreach.services import open_store
from trustreach.store._tables import comment_labels, comments, conversation_daily
from trustreach.synth import generate_world

WS = "talk"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=5, creators=6, followers_per_creator=50, days=40)
    return out


def _count(settings: Settings, column: object) -> int:
    engine = open_store(settings)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.coalesce(func.sum(column), 0))).scalar_one())
    finally:
        engine.dispose()


def _rows(settings: Settings, table: object) -> int:
    engine = open_store(settings)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _creator_with_comments(settings: Settings) -> str:
    summary = services.summarize_workspace(workspace=WS, settings=settings)
    return max(summary.creators, key=lambda c: c.posts).creator_id


def test_labels_and_daily_aggregates_cover_every_comment_once(
    world: Path, store_settings: Settings
) -> None:
    services.import_path(world, workspace=WS, settings=store_settings)
    total = _rows(store_settings, comments)
    first = services.analyze_comments(workspace=WS, settings=store_settings)
    assert first.labelled == total > 0 and first.audit_seq is not None
    assert _rows(store_settings, comment_labels) == total
    assert _count(store_settings, conversation_daily.c.comments) == total
    again = services.analyze_comments(workspace=WS, settings=store_settings)
    assert again.labelled == 0 and again.audit_seq is None

    creator = _creator_with_comments(store_settings)
    summary = services.conversation_summary(
        "creator", creator, workspace=WS, settings=store_settings
    )
    assert sum(s.count for s in summary.sentiment.values()) == summary.scored <= summary.comments
    for share in (*summary.sentiment.values(), summary.unsafe):
        if share.share is not None:
            assert share.low <= share.share <= share.high
    originals = {  # as stored: @mentions masked at import
        mask_mentions(json.loads(line)["text"])
        for line in (world / "comments.jsonl").read_text(encoding="utf-8").splitlines()
    }
    assert summary.themes, "the synthetic comments carry a sentiment mix, so themes exist"
    for found in summary.themes.values():
        for theme in found:
            assert 1 <= theme["count"] <= summary.comments
            assert theme["examples"]
            for example in theme["examples"]:
                assert example["text"] in originals  # a stored comment, not a paraphrase
                assert example["author"] is None or len(example["author"]) <= 32


def test_a_correction_is_kept_counted_logged_and_exported(
    world: Path, store_settings: Settings, tmp_path: Path
) -> None:
    services.import_path(world, workspace=WS, settings=store_settings)
    services.analyze_comments(workspace=WS, settings=store_settings)
    engine = open_store(store_settings)
    with engine.connect() as connection:
        target = connection.execute(
            select(comment_labels.c.comment_id, comment_labels.c.post_id).where(
                comment_labels.c.sentiment == "positive"
            )
        ).first()
    engine.dispose()
    assert target is not None
    before = services.conversation_summary(
        "post", target.post_id, workspace=WS, settings=store_settings
    )
    seq = services.correct_label(
        target.comment_id,
        "sentiment",
        "negative",
        corrected_by="Ana Ruiz",
        reason="sarcasm: 'great, another delay'",
        workspace=WS,
        settings=store_settings,
    )
    after = services.conversation_summary(
        "post", target.post_id, workspace=WS, settings=store_settings
    )
    assert after.sentiment["negative"].count == before.sentiment["negative"].count + 1
    assert after.sentiment["positive"].count == before.sentiment["positive"].count - 1
    assert after.corrected == before.corrected + 1
    entry = next(
        e for e in services.list_audit(workspace=WS, settings=store_settings) if e.seq == seq
    )
    assert entry.action == "label_corrected" and entry.details_dict()["to"] == "negative"

    # a later analysis run never overwrites a person's correction
    services.analyze_comments(workspace=WS, settings=store_settings)
    still = services.conversation_summary(
        "post", target.post_id, workspace=WS, settings=store_settings
    )
    assert still.sentiment["negative"].count == after.sentiment["negative"].count

    out = tmp_path / "corrections.csv"
    assert services.export_corrections(out, workspace=WS, settings=store_settings) == 1
    (row,) = list(csv.DictReader(out.open(encoding="utf-8")))
    assert row["label"] == "negative" and row["machine_label"] == "positive" and row["text"]

    with pytest.raises(ConfigurationError, match="allowed: negative, neutral, positive"):
        services.correct_label(
            target.comment_id, "sentiment", "angry", corrected_by="A", reason="r",
            workspace=WS, settings=store_settings,
        )  # fmt: skip
    with pytest.raises(ConfigurationError, match="allowed: sentiment, offensive, hate"):
        services.correct_label(
            target.comment_id, "tone", "x", corrected_by="A", reason="r",
            workspace=WS, settings=store_settings,
        )  # fmt: skip
    with pytest.raises(NotFoundError, match="no label"):
        services.correct_label(
            "no-such-comment", "hate", "true", corrected_by="A", reason="r",
            workspace=WS, settings=store_settings,
        )  # fmt: skip


def test_retention_deletes_text_but_keeps_the_aggregates(
    world: Path, store_settings: Settings
) -> None:
    services.import_path(world, workspace=WS, settings=store_settings)
    services.analyze_comments(workspace=WS, settings=store_settings)
    creator = _creator_with_comments(store_settings)
    before = services.conversation_summary(
        "creator", creator, workspace=WS, settings=store_settings
    )
    total = _rows(store_settings, comments)

    engine = open_store(store_settings)
    with engine.connect() as connection:
        newest = connection.execute(select(func.max(comments.c.posted_at))).scalar_one()
    engine.dispose()
    newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    as_of = newest + timedelta(  # cutoff: ten days before the newest comment
        days=store_settings.comment_text_retention_days - 10
    )
    report = services.enforce_retention(workspace=WS, as_of=as_of, settings=store_settings)
    assert 0 < report.comments_deleted < total
    assert report.labels_deleted == report.comments_deleted
    engine = open_store(store_settings)
    with engine.connect() as connection:
        oldest_left = connection.execute(select(func.min(comments.c.posted_at))).scalar_one()
    engine.dispose()
    oldest_left = oldest_left if oldest_left.tzinfo else oldest_left.replace(tzinfo=UTC)
    assert oldest_left >= report.cutoff

    kept = services.conversation_summary("creator", creator, workspace=WS, settings=store_settings)
    assert kept.comments == before.comments and kept.sentiment == before.sentiment
    assert kept.retained_comments < before.retained_comments

    everything = services.enforce_retention(
        workspace=WS, as_of=datetime(2100, 1, 1, tzinfo=UTC), settings=store_settings
    )
    assert everything.comments_deleted == total - report.comments_deleted
    gone = services.conversation_summary("creator", creator, workspace=WS, settings=store_settings)
    assert gone.comments == before.comments and not gone.themes
    assert any("No comment text is retained" in n for n in gone.notes)
    actions = [e.action for e in services.list_audit(workspace=WS, settings=store_settings)]
    assert actions.count("enforce_retention") == 2


def test_expired_days_are_not_rebuilt_from_a_partial_reimport(
    world: Path, tmp_path: Path, sqlite_settings: Settings
) -> None:
    settings = sqlite_settings
    services.import_path(world, workspace=WS, settings=settings)
    services.analyze_comments(workspace=WS, settings=settings, safety="fast")
    creator = _creator_with_comments(settings)
    before = services.conversation_summary("creator", creator, workspace=WS, settings=settings)
    services.enforce_retention(
        workspace=WS, as_of=datetime(2100, 1, 1, tzinfo=UTC), settings=settings
    )

    # a later export that overlaps the expired period holds two comments of the
    # creator's busiest post: they stay out (retention ran out for them), and that
    # day's counts must not shrink to 2 either
    def records(name: str) -> list[dict[str, str]]:
        return [json.loads(x) for x in (world / name).read_text().splitlines()]

    accounts = {
        a["account_id"] for a in records("creator_accounts.jsonl") if a["creator_id"] == creator
    }
    posts = {p["post_id"] for p in records("posts.jsonl") if p["account_id"] in accounts}
    lines = [
        x
        for x in (world / "comments.jsonl").read_text().splitlines()
        if json.loads(x)["post_id"] in posts
    ]
    partial = tmp_path / "later" / "comments.jsonl"
    partial.parent.mkdir()
    partial.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    again = services.import_path(partial, workspace=WS, settings=settings)
    assert _rows(settings, comments) == 0
    assert again.kinds[0].skipped_expired == 2 and again.kinds[0].new == 0
    services.analyze_comments(workspace=WS, settings=settings, safety="fast")
    after = services.conversation_summary("creator", creator, workspace=WS, settings=settings)
    assert after.comments == before.comments and after.sentiment == before.sentiment
    # and the next enforcement removes the re-imported text again
    services.enforce_retention(
        workspace=WS, as_of=datetime(2100, 1, 1, tzinfo=UTC), settings=settings
    )
    assert _rows(settings, comments) == 0


def test_conversation_cli(world: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    assert runner.invoke(app, ["import", str(world), "-w", WS], env=env).exit_code == 0
    analysed = runner.invoke(app, ["conversation", "analyze", "-w", WS], env=env)
    assert analysed.exit_code == 0, analysed.output
    assert "Labelled" in analysed.output
    creators = [
        json.loads(x)["creator_id"] for x in (world / "creators.jsonl").read_text().splitlines()
    ]
    shown = runner.invoke(
        app, ["conversation", "summary", "creator", creators[0], "--json", "-w", WS], env=env
    )
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert set(data["sentiment"]) == {"negative", "neutral", "positive"}
    expired = runner.invoke(
        app, ["privacy", "enforce-retention", "--as-of", "2100-01-01", "-w", WS], env=env
    )
    assert expired.exit_code == 0 and "Deleted" in expired.output


def test_an_unknown_campaign_or_creator_is_not_found_not_postless(
    world: Path, sqlite_settings: Settings
) -> None:
    services.import_path(world, workspace=WS, settings=sqlite_settings)
    for scope, ref in (("campaign", "camp-999"), ("creator", "cr-9999"), ("post", "p-none")):
        with pytest.raises(NotFoundError, match=f"{scope} '{ref}' not found in workspace"):
            services.conversation_summary(scope, ref, workspace=WS, settings=sqlite_settings)
