"""Score the shipped accurate sentiment model on a labelled TSV and time it.

Prints ``name=value`` lines: macro-averaged recall (the SemEval / TweetEval
metric) with a bootstrap 95 % interval, per-class recall / precision / F1,
accuracy, macro-F1, expected calibration error (15 equal-width confidence bins,
with the shipped temperature and without it), macro recall by subgroup (length
band, emoji, hashtag), throughput (one process, ``--threads`` ONNX Runtime
threads, the product's default batch, the texts replicated to at least
``--speed-texts``), and VADER's macro recall on the same texts for comparison
(compound >= 0.05 positive, <= -0.05 negative, else neutral).

Usage::

    python scripts/eval_accurate_sentiment.py --val /path/semeval_sentiment/val.tsv
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
from pathlib import Path

import numpy as np

from trustreach.nlp._accurate import EMOJI_WORDS, LABELS, AccurateSentiment

_HASHTAG = re.compile(r"#\w")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf" + "".join(re.escape(e) for e in EMOJI_WORDS) + "]"
)


def read_tsv(path: Path) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8") as handle:
        handle.readline()
        for line in handle:
            _, label, text = line.rstrip("\n").split("\t", 2)
            labels.append(LABELS.index(label))
            texts.append(text)
    return texts, np.asarray(labels, dtype=np.int64)


def macro_recall(y: np.ndarray, pred: np.ndarray) -> float:
    present = [c for c in range(len(LABELS)) if np.any(y == c)]
    return float(np.mean([np.mean(pred[y == c] == c) for c in present]))


def ece(proba: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(total)


def emit(name: str, value: float | int | str) -> None:
    print(f"{name}={value:.4f}" if isinstance(value, float) else f"{name}={value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--val", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--speed-texts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    texts, y = read_tsv(args.val)
    model = AccurateSentiment.load(threads=args.threads)
    emit("model", model.version)
    emit("texts", len(texts))
    proba = model.predict_proba(texts)
    pred = proba.argmax(axis=1)

    emit("macro_recall", macro_recall(y, pred))
    rng = np.random.default_rng(args.seed)
    boot = [
        macro_recall(y[idx], pred[idx])
        for idx in (rng.integers(0, len(y), len(y)) for _ in range(args.bootstrap))
    ]
    emit("macro_recall_ci95_low", float(np.percentile(boot, 2.5)))
    emit("macro_recall_ci95_high", float(np.percentile(boot, 97.5)))
    f1s = []
    for c, label in enumerate(LABELS):
        tp = int(np.sum((pred == c) & (y == c)))
        recall = tp / max(1, int(np.sum(y == c)))
        precision = tp / max(1, int(np.sum(pred == c)))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        emit(f"recall_{label}", recall)
        emit(f"precision_{label}", precision)
        emit(f"f1_{label}", f1)
    emit("accuracy", float(np.mean(pred == y)))
    emit("macro_f1", float(np.mean(f1s)))
    emit("temperature", model.temperature)
    emit("ece", ece(proba, y))
    shipped_temperature, model.temperature = model.temperature, 1.0
    try:
        emit("ece_without_temperature", ece(model.predict_proba(texts), y))
    finally:
        model.temperature = shipped_temperature

    words = np.asarray([len(t.split()) for t in texts])
    groups = {
        "length_le10_words": words <= 10,
        "length_11to20_words": (words > 10) & (words <= 20),
        "length_gt20_words": words > 20,
        "with_emoji": np.asarray([bool(_EMOJI.search(t)) for t in texts]),
        "with_hashtag": np.asarray([bool(_HASHTAG.search(t)) for t in texts]),
    }
    groups["without_emoji"] = ~groups["with_emoji"]
    groups["without_hashtag"] = ~groups["with_hashtag"]
    for name, inside in groups.items():
        emit(f"subgroup_{name}_n", int(inside.sum()))
        if inside.any():
            emit(f"subgroup_{name}_macro_recall", macro_recall(y[inside], pred[inside]))

    repeats = -(-args.speed_texts // len(texts))
    many = texts * repeats
    model.predict_proba(many[: model.batch_size * 4])  # warm-up
    start = time.perf_counter()
    model.predict_proba(many)
    seconds = time.perf_counter() - start
    emit("speed_texts", len(many))
    emit("speed_batch_size", model.batch_size)
    emit("speed_threads", args.threads)
    emit("texts_per_s", len(many) / seconds)
    shipped_batch, model.batch_size = model.batch_size, 64
    try:
        start = time.perf_counter()
        batched = model.predict_proba(many)
        emit("texts_per_s_batch64", len(many) / (time.perf_counter() - start))
        emit("macro_recall_batch64", macro_recall(y, batched[: len(texts)].argmax(axis=1)))
    finally:
        model.batch_size = shipped_batch

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    compound = np.asarray([vader.polarity_scores(t)["compound"] for t in texts])
    vader_pred = np.where(compound >= 0.05, 2, np.where(compound <= -0.05, 0, 1))
    emit("vader_macro_recall", macro_recall(y, vader_pred))
    emit("vader_accuracy", float(np.mean(vader_pred == y)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
