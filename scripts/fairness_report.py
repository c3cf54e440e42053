"""Fairness figures of the shipped classifiers across the groups their data allows.

    .venv/bin/python scripts/fairness_report.py --data ../shared/data

fairlearn ``MetricFrame`` (accuracy, selection rate, true- and false-positive
rates, count) on held-out data only, printed as ``name=value`` lines and as
Markdown tables for the model cards (``docs/accountability.md`` lists where
each figure lives):

- ``hate`` (fast and accurate tiers) on the TweetEval hate **validation**
  split (never trained on), by the group the hateful speech targets (women,
  immigrants, none named), from the collection keywords
  (:func:`trustreach.nlp._shift.topic_groups`). Nothing is inferred about the
  tweets' authors.
- ``offensive`` and both sentiment tiers: their data has no group attribute
  (no author or target column), so they are **not measured** here; their cards
  give text-form subgroups (length, emoji) instead.
- ``promo_caption``: by media, account reach and caption length on nested
  grouped cross-validation, computed by ``scripts/train_promo.py``.
- ``fake_account``: by account characteristics, computed by
  ``trustreach train authenticity``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from trustreach.nlp import predict_safety
from trustreach.nlp._shift import topic_groups

METRICS = {
    "accuracy": accuracy_score,
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "count": count,
}


def read_split(folder: Path, split: str) -> tuple[list[str], np.ndarray]:
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split("\n")
    n = min(len(texts), len(labels))
    pairs = [(t, lab.strip()) for t, lab in zip(texts[:n], labels[:n], strict=True) if lab.strip()]
    return [t for t, _ in pairs], np.array([int(lab) for _, lab in pairs])


def frame(y: np.ndarray, pred: np.ndarray, groups: np.ndarray) -> MetricFrame:
    return MetricFrame(metrics=METRICS, y_true=y, y_pred=pred, sensitive_features=groups)


def markdown(title: str, mf: MetricFrame) -> str:
    rows = [
        f"**{title}**",
        "",
        "| group | n | accuracy | selection rate | true-positive rate | false-positive rate |",
        "|---|---|---|---|---|---|",
    ]
    for group, r in mf.by_group.iterrows():
        rows.append(
            f"| {group} | {int(r['count'])} | {r['accuracy']:.3f} | {r['selection_rate']:.3f} | "
            f"{r['true_positive_rate']:.3f} | {r['false_positive_rate']:.3f} |"
        )
    diff = mf.difference(method="between_groups")
    rows += [
        "",
        "Largest gap between groups (`MetricFrame.difference()`): "
        f"true-positive rate {diff['true_positive_rate']:.3f}, "
        f"false-positive rate {diff['false_positive_rate']:.3f}, "
        f"selection rate {diff['selection_rate']:.3f}.",
    ]
    return "\n".join(rows)


def hate_by_target(folder: Path, tiers: Sequence[str]) -> dict[str, Any]:
    texts, y = read_split(folder, "val")
    targets, _ = topic_groups(texts)
    out: dict[str, Any] = {}
    for tier in tiers:
        result = predict_safety(texts, tier=tier)
        mf = frame(y, result.hate.astype(int), targets)
        for group, r in mf.by_group.iterrows():
            for metric, value in r.items():
                print(f"fairness.hate.{tier}.{group}.{metric}={round(float(value), 4)}")
        out[tier] = mf
        print()
        print(markdown(f"hate, {tier} tier, TweetEval hate val by target (n={len(y)})", mf))
        print()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--tiers", nargs="+", default=["fast", "accurate"])
    args = parser.parse_args(argv)
    hate_by_target(args.data / "tweeteval" / "hate", args.tiers)
    for name in ("offensive", "sentiment_fast", "sentiment_accurate"):
        print(f"fairness.{name}=not measured: no group attribute in the data")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
