"""Conversation labels a customer can trust: praise read as praise, languages placed or
flagged, and `nlp analyze` rows that say whether they were scored (issue #11, items 9, 10, 12)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import ConfigurationError, Settings
from trustreach.nlp import TIERS, analyze_texts, detect_languages, predict_safety, predict_sentiment
from trustreach.nlp._idioms import read_idioms
from trustreach.synth import generate_world
from trustreach.synth._phrases import COMMENTS_OTHER

# praise as it is written under posts; only some of these are generator phrases
PRAISE = [
    "You're killing it queen 👑",
    "Killing it as usual!! 👏👏",
    "she absolutely killed it",
    "slayyy 🔥",
    "you slayed this",
    "this track is fire",
    "Obsessed with this look",
    "I'm obsessed",
    "so underrated",
    "🔥🔥🔥",
]
OTHER_LANGUAGE = {t for pools in COMMENTS_OTHER.values() for p in pools.values() for t in p}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=3, creators=6, followers_per_creator=50, days=40)
    return out


def _drawn(world: Path) -> Counter[tuple[str, str]]:
    truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
    labels = truth["sentiment"]["labels"]
    pairs: Counter[tuple[str, str]] = Counter()
    for line in (world / "comments.jsonl").read_bytes().splitlines():
        row = orjson.loads(line)
        pairs[(row["text"], labels[row["comment_id"]])] += 1
    return pairs


# ----------------------------------------------------------------- item 9: praise


@pytest.mark.parametrize("tier", TIERS)
def test_praise_idioms_and_emoji_read_as_positive_in_every_tier(tier: str) -> None:
    result = predict_sentiment(PRAISE, tier=tier)
    assert result.labels == ["positive"] * len(PRAISE), list(
        zip(PRAISE, result.labels, strict=True)
    )


@pytest.mark.parametrize("tier", ["accurate", "fast"])
def test_praise_idioms_are_not_flagged_offensive_or_hate(tier: str) -> None:
    result = predict_safety([*PRAISE, "I will kill you", "kill yourself"], tier=tier)
    n = len(PRAISE)
    assert not result.offensive[:n].any(), [
        p for p, f in zip(PRAISE, result.offensive[:n], strict=True) if f
    ]
    assert not result.hate[:n].any()
    # a threat keeps its words, so it still scores above every piece of praise
    assert result.offensive_probability[n:].min() > result.offensive_probability[:n].max()


def test_idioms_are_rewritten_only_in_their_idiomatic_form() -> None:
    for text in (
        "I will kill you",
        "they killed him",
        "the fire spread to the houses",
        "a fire alarm went off",
        "he is obsessed with her and it is creepy",
    ):
        assert read_idioms(text) == text
    assert "kill" not in read_idioms("She KILLED IT again").lower()
    assert "fire" not in read_idioms("this beat is straight fire").lower()
    assert "fire" not in read_idioms("Fire!!").lower()


def test_a_synthetic_worlds_labels_match_the_sentiment_the_generator_drew(world: Path) -> None:
    pairs = _drawn(world)
    texts = sorted({t for t, _ in pairs})
    at = {t: i for i, t in enumerate(texts)}
    result = analyze_texts(texts, tier="fast", safety="accurate")
    scored = right = praise = praise_offensive = 0
    for (text, drawn), n in pairs.items():
        i = at[text]
        if result.status[i] != "scored":
            continue
        scored += n
        right += n * (result.sentiment[i] == drawn)
        if drawn == "positive":
            praise += n
            praise_offensive += n * bool(result.offensive[i])
    assert scored > 0.6 * sum(pairs.values())
    assert right / scored >= 0.9
    assert praise_offensive / praise <= 0.01


# ----------------------------------------------------------------- item 10: languages


def test_unplaced_non_english_is_unsupported_and_never_scored() -> None:
    texts = ["Increíble 🔥", "Perfeito 🔥", "Qué decepción", "Amei demais 😍", "好!"]
    assert [g.supported for g in detect_languages(texts)] == [False] * len(texts)
    result = analyze_texts(texts)
    assert result.status == ["not_scored"] * len(texts)
    assert result.reason == ["unsupported_language"] * len(texts)
    assert result.sentiment == [None] * len(texts)


def test_short_emoji_only_and_english_like_texts_are_scored_with_a_flag() -> None:
    texts = ["👏👏👏", "ok", "Underrated post tbh", "Olivier Giroud scores again", "Cool!"]
    guesses = detect_languages(texts)
    assert all(g.supported and g.uncertain and g.language == "und" for g in guesses), guesses
    result = analyze_texts(texts)
    assert result.status == ["scored"] * len(texts)
    assert all("language_uncertain" in f for f in result.flags)
    confident = analyze_texts(["I really love the new colour, where can I buy it?"])
    assert confident.flags == [[]] and confident.language == ["en"]


def test_english_placed_elsewhere_at_low_confidence_is_scored_with_a_flag() -> None:
    # py3langid puts these in French / Italian at 0.3-0.6; their words are English
    texts = ["Croissant and espresso", "Gnocchi al pomodoro recipe please"]
    guesses = detect_languages(texts)
    assert all(g.confidence < 0.9 for g in guesses)
    assert [(g.supported, g.uncertain) for g in guesses] == [(True, True)] * 2


def test_other_language_comments_of_a_world_are_counted_not_scored(world: Path) -> None:
    pairs = _drawn(world)
    texts = sorted({t for t, _ in pairs})
    result = analyze_texts(texts, tier="fast", safety="fast")
    other = [i for i, t in enumerate(texts) if t in OTHER_LANGUAGE]
    english = [i for i, t in enumerate(texts) if t not in OTHER_LANGUAGE]
    assert other and english
    assert all(result.status[i] == "scored" for i in english)
    unsupported = sum(result.reason[i] == "unsupported_language" for i in other)
    assert unsupported >= 0.8 * len(other)
    # nothing is scored silently: a scored row with language `und` carries the flag
    for i in range(len(texts)):
        if result.status[i] == "scored" and result.language[i] == "und":
            assert "language_uncertain" in result.flags[i]


def test_summaries_count_unsupported_and_uncertain_comments(
    world: Path, sqlite_settings: Settings
) -> None:
    services.import_path(world, workspace="talk", settings=sqlite_settings)
    services.analyze_comments(workspace="talk", safety="fast", settings=sqlite_settings)
    creators = services.summarize_workspace(workspace="talk", settings=sqlite_settings).creators
    creator = max(creators, key=lambda c: c.posts).creator_id
    summary = services.conversation_summary(
        "creator", creator, workspace="talk", settings=sqlite_settings
    )
    assert summary.language_uncertain > 0
    assert any("language_uncertain" in note for note in summary.notes)
    assert summary.scored + summary.unsupported_language + summary.no_text == summary.comments
    assert all(s.total == summary.scored for s in summary.sentiment.values())
    shown = CliRunner().invoke(
        app, ["conversation", "summary", "creator", creator, "--workspace", "talk"]
    )
    assert shown.exit_code == 0, shown.output
    printed = " ".join(shown.output.split())  # the console wraps lines at its width
    assert "language_uncertain" in printed and "counted, not scored" in printed


# ----------------------------------------------------------------- item 12: nlp analyze


def test_a_line_longer_than_the_transformer_reads_is_flagged_truncated() -> None:
    long = ("this is a very long and thoughtful comment about the product " * 160)[:9600]
    result = analyze_texts([long, "short and sweet, love it"], tier="fast", safety="accurate")
    assert result.flags[0] == ["truncated"] and "truncated" not in result.flags[1]
    # the fast tiers read the whole text: nothing was cut
    assert analyze_texts([long], tier="fast", safety="fast").flags == [[]]
    assert "truncated" in analyze_texts([long], tier="accurate", safety="fast").flags[0]


def test_rows_not_scored_have_a_status_a_reason_and_no_invented_values() -> None:
    texts = ["", "https://t.co/abc @someone", "Das ist wirklich sehr schlecht", "great stuff!"]
    frame = analyze_texts(texts).to_frame()
    rows = list(frame.iter_rows(named=True))
    assert [r["status"] for r in rows] == ["not_scored"] * 3 + ["scored"]
    assert [r["reason"] for r in rows] == ["no_text", "no_text", "unsupported_language", None]
    for row in rows[:3]:
        for column in ("sentiment", "p_negative", "p_neutral", "p_positive", "sentiment_score"):
            assert row[column] is None, (row, column)
        assert row["offensive"] is None and row["hate_probability"] is None
    assert rows[3]["sentiment"] == "positive"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_cli_carries_ids_and_marks_unscored_rows(tmp_path: Path) -> None:
    long = ("honestly the best routine I have tried in years, thank you " * 170)[:9600]
    source = tmp_path / "comments.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment_id", "author", "text"])
        writer.writerows(
            [
                ["c-9", "a", "I love this so much, great work!"],
                ["c-3", "b", ""],
                ["c-7", "c", "https://example.com/x"],
                ["c-1", "d", "Qué decepción, no me gusta nada"],
                ["c-5", "e", long],
                ["c-2", "f", "You're killing it queen 👑"],
            ]
        )
    out = tmp_path / "labels.csv"
    done = CliRunner().invoke(
        app, ["nlp", "analyze", str(source), "-o", str(out), "--id-column", "comment_id"]
    )
    assert done.exit_code == 0, done.output
    rows = _read(out)
    assert list(rows[0])[:4] == ["comment_id", "row", "status", "reason"]
    assert [r["comment_id"] for r in rows] == ["c-9", "c-3", "c-7", "c-1", "c-5", "c-2"]
    assert [r["status"] for r in rows] == ["scored"] + ["not_scored"] * 3 + ["scored"] * 2
    assert [r["reason"] for r in rows[1:4]] == ["no_text", "no_text", "unsupported_language"]
    for row in rows[1:4]:
        assert row["sentiment"] == row["p_neutral"] == row["offensive"] == ""
    assert "truncated" in rows[4]["flags"].split(";")
    assert rows[5]["sentiment"] == "positive" and rows[5]["offensive"] == "false"
    assert "not scored: no_text" in done.output


def test_id_column_from_jsonl_and_its_errors(tmp_path: Path) -> None:
    source = tmp_path / "comments.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": 17, "text": "so good, thank you"}),
                json.dumps({"id": "x-2", "text": ""}),
                json.dumps({"text": "no id here, still lovely"}),
            ]
        ),
        encoding="utf-8",
    )
    report = services.analyze_file(source, tmp_path / "out.csv", id_column="id")
    rows = _read(tmp_path / "out.csv")
    assert [r["id"] for r in rows] == ["17", "x-2", ""]
    assert report.not_scored == {"no_text": 1} and report.scored == 2
    txt = tmp_path / "c.txt"
    txt.write_text("hello there\n", encoding="utf-8")
    with pytest.raises(
        ConfigurationError, match=r"id_column \(--id-column\) needs a \.csv or \.jsonl input"
    ):
        services.analyze_file(txt, tmp_path / "o.csv", id_column="id")
    table = tmp_path / "c.csv"
    table.write_text("key,text\n1,hello\n", encoding="utf-8")
    with pytest.raises(
        ConfigurationError, match="id column 'id' is not in the CSV header; found: key"
    ):
        services.analyze_file(table, tmp_path / "o.csv", id_column="id")
    with pytest.raises(ConfigurationError, match="id_column 'status' not allowed"):
        services.analyze_file(table, tmp_path / "o.csv", id_column="status")
    command = [sys.executable, "-m", "trustreach", "nlp", "analyze", str(txt)]
    command += ["-o", "o.csv", "--id-column", "id"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200", "TRUSTREACH_DATA_DIR": str(tmp_path / "data")},
        check=False,
    )
    assert done.returncode != 0 and "--id-column" in done.stdout + done.stderr
