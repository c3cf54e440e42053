"""Analysing files of comments: one row per record, in order, flags instead of crashes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trustreach.core import ConfigurationError
from trustreach.nlp import analyze_texts, themes
from trustreach.services import analyze_file


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_analyze_texts_scores_english_and_leaves_other_languages_unscored() -> None:
    result = analyze_texts(
        [
            "I love this so much, great work!",
            "Adorei o produto, chegou muito rápido e a qualidade é ótima!",
            "この商品は本当に素晴らしいです。また買います！",
            "",
        ]
    )
    assert len(result) == 4
    assert set(result.models) == {"sentiment", "offensive", "hate"}
    assert result.sentiment[1] is None and np.isnan(result.p_positive[1])
    frame = result.to_frame()
    first, pt, ja, empty = frame.iter_rows(named=True)
    assert first["sentiment"] == "positive" and first["flags"] == ""
    for row in (pt, ja):
        assert row["flags"] == "unsupported_language"
        assert row["sentiment"] is None and row["p_positive"] is None
        assert row["offensive_probability"] is None and row["hate"] is None
    assert (pt["language"], ja["language"]) == ("pt", "ja")
    assert empty["flags"] == "no_text" and empty["sentiment"] is None
    assert (empty["status"], empty["reason"]) == ("not_scored", "no_text")
    assert (empty["p_negative"], empty["p_neutral"], empty["p_positive"]) == (None, None, None)
    assert empty["offensive_probability"] is None and empty["offensive"] is None
    assert [r["status"] for r in (first, pt, ja)] == ["scored", "not_scored", "not_scored"]
    assert [r["reason"] for r in (first, pt, ja)] == [None, *["unsupported_language"] * 2]


def test_cli_on_a_garbage_text_file_keeps_every_row_in_order(tmp_path: Path) -> None:
    source = tmp_path / "comments.txt"
    lines = [
        b"I love this, amazing!",
        b"bad bytes \xff\xfe here but still a lovely post",
        b"x" * 1_000_000,
        b"ctrl\x00chars\x07 are annoying, this is awful",
        b"",
        "mixed scripts: great 素晴らしい отлично".encode(),
        b"worst purchase ever",
    ]
    source.write_bytes(b"\n".join(lines) + b"\n")
    output = tmp_path / "out.csv"
    done = subprocess.run(
        [sys.executable, "-m", "trustreach", "nlp", "analyze", str(source), "-o", str(output)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "TRUSTREACH_DATA_DIR": str(tmp_path / "data")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = _rows(output)
    assert [r["row"] for r in rows] == [str(i) for i in range(1, len(lines) + 1)]
    flags = [r["flags"] for r in rows]
    assert flags[0] == "" and rows[0]["sentiment"] == "positive"
    assert flags[1] == "invalid_utf8"
    assert "truncated" in flags[2]
    assert flags[3] == "control_characters" and rows[3]["sentiment"] == "negative"
    assert flags[4] == "no_text" and rows[4]["sentiment"] == ""
    assert (rows[4]["status"], rows[4]["reason"], rows[4]["p_neutral"]) == (
        "not_scored",
        "no_text",
        "",
    )
    assert rows[5]["sentiment"] in {"positive", "neutral", "negative", ""}
    assert rows[6]["sentiment"] == "negative"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert "audit record #1" in done.stdout


def test_jsonl_invalid_records_get_a_row_with_a_flag(tmp_path: Path) -> None:
    source = tmp_path / "comments.jsonl"
    source.write_bytes(
        b"\n".join(
            [
                json.dumps({"text": "so good, thank you"}).encode(),
                b"{not json",
                json.dumps({"body": "no text field"}).encode(),
                b"",
                json.dumps({"text": 42}).encode(),
                json.dumps({"text": "this is awful, I hate it"}).encode(),
            ]
        )
    )
    report = analyze_file(source, tmp_path / "out.csv", tier="lexicon")
    rows = _rows(tmp_path / "out.csv")
    assert report.rows == len(rows) == 6
    assert [r["flags"] for r in rows] == [
        "",
        "invalid_record;no_text",
        "invalid_record;no_text",
        "invalid_record;no_text",
        "invalid_record;no_text",
        "",
    ]
    assert rows[0]["sentiment"] == "positive" and rows[5]["sentiment"] == "negative"
    assert report.flags["invalid_record"] == 4
    assert report.scored == 2


def test_csv_needs_a_text_column_and_leaves_nothing_behind(tmp_path: Path) -> None:
    good = tmp_path / "comments.csv"
    good.write_bytes(b'id,text\n1,"great, really"\n2,"bad \xff byte, awful"\n3\n')
    report = analyze_file(good, tmp_path / "out.csv")
    rows = _rows(tmp_path / "out.csv")
    assert report.rows == 3
    # short texts may also carry language_uncertain (scored, language not placed)
    reader_flags = [
        ";".join(f for f in r["flags"].split(";") if f != "language_uncertain") for r in rows
    ]
    assert reader_flags == ["", "invalid_utf8", "invalid_record;no_text"]
    bad = tmp_path / "nope.csv"
    bad.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="needs a 'text' column; found: id, body"):
        analyze_file(bad, tmp_path / "nope_out.csv")
    assert not [p.name for p in tmp_path.iterdir() if "nope_out" in p.name]
    with pytest.raises(ConfigurationError, match=r"input extension '\.xml' not allowed"):
        analyze_file(_touch(tmp_path / "x.xml"), tmp_path / "o.csv")


def test_a_run_killed_mid_way_leaves_a_named_partial_the_next_run_removes(
    tmp_path: Path,
) -> None:
    source = tmp_path / "comments.txt"
    source.write_text("what a lovely post, thank you\n" * 200_000, encoding="utf-8")
    output = tmp_path / "labels.csv"
    run = subprocess.Popen(
        [sys.executable, "-m", "trustreach", "nlp", "analyze", str(source), "-o", str(output),
         "--tier", "lexicon", "--safety", "fast"],
        env={**os.environ, "TRUSTREACH_DATA_DIR": str(tmp_path / "data")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        partials: list[Path] = []
        while not partials and run.poll() is None:  # the output's own partial file
            partials = [p for p in tmp_path.glob(f".{output.name}.*") if p.suffix == ".partial"]
        run.kill()  # SIGKILL: no clean-up code runs
    finally:
        run.wait()
    assert run.returncode == -9, "the run finished before it could be killed"
    assert not output.exists()
    # hidden, and named after the output and the process that was writing it
    [partial] = [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert partial.startswith(f".{output.name}.{run.pid}-"), partial
    other = tmp_path / f".other.csv.{run.pid}-0123456789ab.partial"
    other.write_text("another output's leftover", encoding="utf-8")
    source.write_text("great\nawful\n", encoding="utf-8")
    assert analyze_file(source, output, tier="lexicon", safety="fast").rows == 2
    assert len(_rows(output)) == 2
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial"))
    assert leftovers == [other.name]  # only the partials of the output written are cleared


def _touch(path: Path) -> Path:
    path.write_text("", encoding="utf-8")
    return path


def test_themes_are_phrases_that_occur_with_correct_counts() -> None:
    texts = [
        "Love the colour, so soft",
        "love the colour of this one",
        "the colour is gorgeous and so soft",
        "shipping took forever, never again",
        "slow shipping and the box was broken",
        "shipping took forever again",
        "It arrived on Monday",
    ]
    sentiments = ["positive"] * 3 + ["negative"] * 3 + ["neutral"]
    authors = [f"p{i}" for i in range(len(texts))]
    found = themes(texts, sentiments, authors=authors, top=5)
    assert found.positive_comments == 3 and found.negative_comments == 3
    lowered = [t.lower() for t in texts]
    for side, label in ((found.positive, "positive"), (found.negative, "negative")):
        assert side, label
        for theme in side:
            holders = [
                i
                for i, t in enumerate(lowered)
                if sentiments[i] == label and f" {theme.phrase} " in f" {t.replace(',', ' ')} "
            ]
            assert theme.count == len(holders), theme
            assert 1 <= len(theme.examples) <= 3
            assert all(e.author in {authors[i] for i in holders} for e in theme.examples)
    assert "colour" in [t.phrase for t in found.positive]
    assert any("shipping" in t.phrase for t in found.negative)
    with pytest.raises(ValueError, match="differ in length"):
        themes(texts, sentiments[:-1])


def test_safety_tier_is_chosen_checked_and_recorded(tmp_path: Path) -> None:
    from trustreach.core import Settings
    from trustreach.services import list_audit

    settings = Settings(data_dir=tmp_path / "data")
    source = tmp_path / "comments.txt"
    source.write_text("shut up you stupid idiot\nwhat a lovely video\n", encoding="utf-8")
    reports = {
        safety: analyze_file(source, tmp_path / f"{safety}.csv", safety=safety, settings=settings)
        for safety in ("accurate", "fast")
    }
    for safety, report in reports.items():
        assert report.safety == safety and report.offensive == 1
        rows = _rows(tmp_path / f"{safety}.csv")
        assert [r["offensive"] for r in rows] == ["true", "false"]
    assert reports["accurate"].models["offensive"] == reports["accurate"].models["hate"]
    assert reports["fast"].models["offensive"].startswith("offensive@")
    details = [e.details_dict() for e in list_audit(settings=settings)]
    assert [(d["safety"], d["models"]["hate"]) for d in details] == [
        (s, reports[s].models["hate"]) for s in ("accurate", "fast")
    ]
    with pytest.raises(
        ConfigurationError, match="safety 'slow' not allowed; allowed: accurate, fast"
    ):
        analyze_file(source, tmp_path / "slow.csv", safety="slow", settings=settings)
    assert not (tmp_path / "slow.csv").exists()


def test_a_theme_is_a_word_people_wrote_not_the_idiom_rewrite() -> None:
    """The classifiers read "underrated" and "killing it" as praise words; themes must still
    quote what commenters wrote, so every theme appears in each of its examples."""
    texts = [
        "Underrated post tbh",
        "so underrated, this",
        "underrated creator",
        "You are killing it",
        "killing it again",
        "meh, the audio is bad",
        "bad audio again",
        "bad audio today",
    ]
    sentiments = ["positive"] * 5 + ["negative"] * 3
    found = themes(texts, sentiments, top=5)
    phrases = [t.phrase for t in found.positive]
    assert "underrated" in phrases
    for theme in (*found.positive, *found.negative):
        for example in theme.examples:
            assert theme.phrase.split()[0] in example.text.lower(), (theme.phrase, example.text)
