"""Conversation intelligence: throughput of the sentiment tiers beside VADER, and accuracy.

Prints ``name=value`` lines. The texts are the comments of a synthetic world
(``trustreach.synth``, seed 7: organic comments with a sentiment mix, pod
comments, bot bursts), repeated in a seeded shuffle to ``--texts`` (100,000).
In one process, after a warm-up, each measurement is taken ``--rounds`` times
interleaved and the best round is kept:

- ``vader_texts_per_s``: ``SentimentIntensityAnalyzer.polarity_scores`` plus
  the standard thresholds (what any VADER user runs);
- ``fast_texts_per_s`` / ``lexicon_texts_per_s``: ``predict_sentiment`` with
  that tier, normalisation and no_text handling included;
- ``accurate_texts_per_s``: the transformer tier on ``--accurate-texts`` texts,
  when :class:`trustreach.nlp.AccurateSentiment` loads;
- ``safety_fast_texts_per_s`` / ``safety_accurate_texts_per_s``: both
  brand-safety tiers (:func:`trustreach.nlp.predict_safety`), the accurate
  one on ``--accurate-texts`` texts;
- ``analyze_fast_texts_per_s``: the whole per-row pipeline
  (:func:`trustreach.nlp.analyze_texts`: cleaning, language, sentiment, safety)
  with both fast tiers, and ``analyze_default_texts_per_s`` with the defaults
  (fast sentiment, accurate safety) on ``--accurate-texts`` texts;
- ``peak_rss_mib``: the process's peak resident memory.

With ``--val`` (the SemEval/TweetEval validation TSV) it also times VADER
and the fast tier on the validation tweets repeated to ``--texts`` (longer
texts than the synthetic comments) and prints the macro-averaged recall and
macro-F1 of each tier and of VADER on them. With ``--tweeteval`` (the folder
holding ``offensive/`` and ``hate/``) it prints the validation macro-F1 of
both brand-safety tiers at their shipped thresholds.

    python benchmarks/bench_nlp.py [--texts 100000] \
        [--val ../shared/data/semeval_sentiment/val.tsv] [--tweeteval ../shared/data/tweeteval]
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import orjson

from trustreach.nlp import analyze_texts, predict_safety, predict_sentiment
from trustreach.services import synthesize_world

csv.field_size_limit(sys.maxsize)


def world_comments(seed: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        synthesize_world(
            Path(tmp), seed=seed, creators=30, followers_per_creator=300, days=60, fmt="jsonl"
        )
        with (Path(tmp) / "comments.jsonl").open("rb") as handle:
            return [orjson.loads(line)["text"] for line in handle if line.strip()]


def vader(texts: Sequence[str]) -> list[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    out = []
    for text in texts:
        c = analyzer.polarity_scores(text)["compound"]
        out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
    return out


def best_rate(calls: dict[str, Callable[[], object]], n: dict[str, int], rounds: int) -> dict:
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, call in calls.items():  # interleaved: each round runs every contender
            started = time.perf_counter()
            call()
            rate = n[name] / (time.perf_counter() - started)
            best[name] = max(best.get(name, 0.0), rate)
    return best


def macro(y: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    from sklearn.metrics import f1_score, recall_score

    return (
        float(recall_score(y, pred, average="macro")),
        float(f1_score(y, pred, average="macro")),
    )


def safety_validation(folder: Path) -> None:
    """Validation macro-F1 of both brand-safety tiers at their shipped thresholds."""
    from sklearn.metrics import f1_score

    for task in ("offensive", "hate"):
        texts = (folder / task / "val_text.txt").read_text(encoding="utf-8").split("\n")
        labels = (folder / task / "val_labels.txt").read_text(encoding="utf-8").split()
        texts = texts[: len(labels)]  # the file ends with a newline
        y = np.asarray(labels, dtype=int)
        for tier in ("fast", "accurate"):
            flags = getattr(predict_safety(texts, tier=tier), task)
            print(f"val_{task}_{tier}_macro_f1={f1_score(y, flags, average='macro'):.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--accurate-texts", type=int, default=2_000)
    parser.add_argument("--val", type=Path, default=None, help="validation TSV (id, label, text)")
    parser.add_argument("--tweeteval", type=Path, default=None, help="TweetEval folder")
    args = parser.parse_args()

    base = world_comments(args.seed)
    rng = np.random.default_rng(args.seed)
    texts = [base[i] for i in rng.integers(0, len(base), args.texts)]
    print(f"texts={len(texts)}")
    print(f"distinct_texts={len(set(texts))}")
    print(f"mean_chars={np.mean([len(t) for t in texts]):.1f}")

    accurate_ok = True
    try:
        predict_sentiment(texts[:50], tier="accurate")
    except Exception as exc:  # the transformer tier is optional
        accurate_ok = False
        print(f"accurate_unavailable={type(exc).__name__}")
    for tier in ("fast", "lexicon"):
        predict_sentiment(texts[:2000], tier=tier)  # warm-up: load models
    vader(texts[:2000])
    analyze_texts(texts[:2000], safety="fast")
    predict_safety(texts[:50], tier="accurate")

    calls: dict[str, Callable[[], object]] = {
        "vader": lambda: vader(texts),
        "fast": lambda: predict_sentiment(texts, tier="fast"),
        "lexicon": lambda: predict_sentiment(texts, tier="lexicon"),
    }
    calls["safety_fast"] = lambda: predict_safety(texts, tier="fast")
    n = {name: len(texts) for name in calls}
    few = texts[: args.accurate_texts]
    calls["safety_accurate"] = lambda: predict_safety(few, tier="accurate")
    n["safety_accurate"] = len(few)
    if accurate_ok:
        calls["accurate"] = lambda: predict_sentiment(few, tier="accurate")
        n["accurate"] = len(few)
    rates = best_rate(calls, n, args.rounds)
    for name, rate in rates.items():
        print(f"{name}_texts_per_s={rate:.0f}")
    print(f"fast_over_vader={rates['fast'] / rates['vader']:.2f}")
    started = time.perf_counter()
    analyze_texts(texts, safety="fast")
    print(f"analyze_fast_texts_per_s={len(texts) / (time.perf_counter() - started):.0f}")
    started = time.perf_counter()
    analyze_texts(few)
    print(f"analyze_default_texts_per_s={len(few) / (time.perf_counter() - started):.0f}")

    if args.val is not None:
        with args.val.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        val_texts, y = [r["text"] for r in rows], [r["label"] for r in rows]
        tweets = (val_texts * (args.texts // len(val_texts) + 1))[: args.texts]
        print(f"val_tweets_mean_chars={np.mean([len(t) for t in tweets]):.1f}")
        tweet_rates = best_rate(
            {
                "vader": lambda: vader(tweets),
                "fast": lambda: predict_sentiment(tweets, tier="fast"),
            },
            {"vader": len(tweets), "fast": len(tweets)},
            args.rounds,
        )
        for name, rate in tweet_rates.items():
            print(f"val_tweets_{name}_texts_per_s={rate:.0f}")
        results = {"vader": vader(val_texts)}
        for tier in ("fast", "lexicon", *(("accurate",) if accurate_ok else ())):
            results[tier] = predict_sentiment(val_texts, tier=tier).labels
        for name, pred in results.items():
            recall, f1 = macro(y, pred)
            print(f"val_{name}_macro_recall={recall:.4f}")
            print(f"val_{name}_macro_f1={f1:.4f}")
    if args.tweeteval is not None:
        safety_validation(args.tweeteval)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak_rss_mib={peak:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
