"""Sentiment with and without emoji, on tweets none of the tiers was trained on.

The SemEval validation split holds no emoji, so the emoji subgroup of the
sentiment model cards is measured here, on the Twitter US Airline Sentiment
tweets (``shared/data/airline_sentiment/tweets.csv``, CC BY-NC-SA 4.0: used for
evaluation only, nothing trained on it ships). They are out of domain for
every tier (customer-service complaints, mostly negative), so read the gap
between the subgroups, not the level. Tweet IDs repeated upstream are kept
once; IDs whose copies disagree on the label are dropped.

Prints ``name=value`` lines: per tier (``fast``, ``lexicon``, ``accurate``)
and subgroup (``with_emoji``, ``without_emoji``) the count, macro-averaged
recall with a 95 % bootstrap interval, and the with-minus-without gap with
its interval (paired resampling of both groups).

    python scripts/eval_sentiment_emoji.py --airline ../shared/data/airline_sentiment/tweets.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from trustreach.nlp import SENTIMENT_CLASSES, predict_sentiment
from trustreach.nlp._normalise import has_emoji


def read_airline(path: Path) -> tuple[list[str], np.ndarray]:
    by_id: dict[str, tuple[str, str] | None] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key, seen = row["tweet_id"], by_id.get(row["tweet_id"], ())
            if seen == ():
                by_id[key] = (row["airline_sentiment"], row["text"])
            elif seen is not None and seen[0] != row["airline_sentiment"]:
                by_id[key] = None  # the copies disagree: no usable label
    kept = [v for v in by_id.values() if v is not None]
    labels = np.asarray([SENTIMENT_CLASSES.index(label) for label, _ in kept])
    return [text for _, text in kept], labels


def macro_recall(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--airline", type=Path, required=True)
    parser.add_argument("--tiers", nargs="+", default=["fast", "lexicon", "accurate"])
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    texts, y = read_airline(args.airline)
    emoji = np.asarray([has_emoji(t) for t in texts])
    groups = {"with_emoji": np.flatnonzero(emoji), "without_emoji": np.flatnonzero(~emoji)}
    print(f"texts={len(texts)}")
    for tier in args.tiers:
        labels = predict_sentiment(texts, tier=tier).labels
        pred = np.asarray([SENTIMENT_CLASSES.index(label) for label in labels])
        rng = np.random.default_rng(args.seed)
        boot = {name: [] for name in groups} | {"gap": []}
        for _ in range(args.bootstrap):
            values = {}
            for name, rows in groups.items():
                sample = rows[rng.integers(0, len(rows), len(rows))]
                values[name] = macro_recall(y[sample], pred[sample])
                boot[name].append(values[name])
            boot["gap"].append(values["with_emoji"] - values["without_emoji"])
        point = {name: macro_recall(y[rows], pred[rows]) for name, rows in groups.items()}
        point["gap"] = point["with_emoji"] - point["without_emoji"]
        for name, value in point.items():
            if name in groups:
                print(f"{tier}_{name}_n={len(groups[name])}")
            lo, hi = np.percentile(boot[name], [2.5, 97.5])
            print(f"{tier}_{name}_macro_recall={value:.4f} ({lo:.4f}-{hi:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
