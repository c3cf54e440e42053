"""Hate speech under shift: score both shipped tiers, and set the accurate tier's hate threshold.

    .venv/bin/python scripts/eval_hate_shift.py --tweeteval ../shared/data/tweeteval \\
        [--write-accurate-threshold]

For each tier, on TweetEval hate's validation split (which nothing was fitted
on): macro-F1 at the shipped threshold with a 95 % bootstrap interval, the
worst macro-F1 when every collection-keyword group is reweighted to a hate
share of 20 %, 35 % and 50 % (the keyword then carries no label:
``trustreach.nlp._shift``), macro-F1 by target and the share flagged. The fast
tier's leave-topic-out and cross-target figures need refits and come from
``scripts/train_text_models.py --only hate``; they are printed from its sidecar.

The accurate tier's hate threshold is chosen on the 10 % training holdout that
``scripts/train_accurate_safety.py`` drew (seed and share read from the
artefact, rows rebuilt the same way) and that the graph never trained on: the
threshold with the best worst-case macro-F1 over those base rates, every
keyword group balanced (:func:`trustreach.nlp._shift.robust_threshold`).
``--write-accurate-threshold`` stores it, the rule and the new validation
figures in ``safety_accurate.json``; the graph is not touched. Output is
``name=value`` lines; deterministic (one text per ONNX call, seeded bootstrap).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from train_text_models import (
    bootstrap,
    ece,
    emit,
    macro_f1,
    read_tweeteval,
    shift_metrics,
    subgroups,
)
from trustreach.nlp._accurate import AccurateSafety
from trustreach.nlp._linear import featurise, load_linear_model, softmax
from trustreach.nlp._shift import ROBUST_THRESHOLD_RULE, robust_threshold, topic_groups

MODELS = Path(__file__).resolve().parents[1] / "src" / "trustreach" / "nlp" / "models"
RULE = f"{ROBUST_THRESHOLD_RULE}, on the holdout"


def holdout_rows(tweeteval: Path, meta: dict[str, Any]) -> np.ndarray:
    """The hate rows of the accurate tier's training holdout, as its script drew them."""
    training = meta["training"]
    rng = np.random.default_rng(int(training["seed"]))
    rows: dict[str, np.ndarray] = {}
    for task in meta["tasks"]:
        n = len(read_tweeteval(tweeteval / task, "train")[0])
        rows[task] = rng.permutation(n)[: round(n * float(training["holdout"]))]
    return np.sort(rows["hate"])


def val_figures(
    y: np.ndarray, p: np.ndarray, threshold: float, texts: list[str], seed: int
) -> dict[str, Any]:
    pred = (p >= threshold).astype(int)
    return {
        "val_macro_f1": bootstrap(macro_f1, y, pred, seed),
        "val_macro_f1_at_0.5": round(macro_f1(y, (p >= 0.5).astype(int)), 4),
        "val_positive_precision": round(float(y[pred == 1].mean()) if pred.any() else 0.0, 4),
        "val_positive_recall": round(float(pred[y == 1].mean()), 4),
        "val_ece": ece(p, y),
        "val_subgroups_macro_f1": subgroups(texts, y, pred, macro_f1),
        "val_rows": len(texts),
        "val_shift": shift_metrics(y, p, threshold, texts, seed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tweeteval", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--write-accurate-threshold", action="store_true")
    args = parser.parse_args(argv)
    val_x, val_labels = read_tweeteval(args.tweeteval / "hate", "val")
    y_val = np.asarray(val_labels).astype(int)

    # accurate tier: threshold on the holdout, figures on val at the old and the robust one
    meta_path = MODELS / "safety_accurate.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    model = AccurateSafety.load(threads=args.threads)
    train_x, train_labels = read_tweeteval(args.tweeteval / "hate", "train")
    hold = holdout_rows(args.tweeteval, meta)
    hold_x = [train_x[i] for i in hold]
    y_hold = np.asarray([int(train_labels[i]) for i in hold])
    p_hold = model.predict_proba(hold_x)["hate"]
    p_val = model.predict_proba(val_x)["hate"]
    threshold, worst = robust_threshold(y_hold, p_hold, topic_groups(hold_x)[1])
    previous = float(meta.get("thresholds_before_shift", meta["thresholds"])["hate"])
    print(f"accurate.holdout_rows={len(hold)}")
    print(f"accurate.robust_threshold={threshold}")
    print(f"accurate.holdout_worst_case_macro_f1={worst:.4f}")
    for label, t in (("previous", previous), ("robust", threshold)):
        print(f"accurate.{label}.threshold={t}")
        emit(f"accurate.{label}", val_figures(y_val, p_val, t, val_x, args.seed))
    if args.write_accurate_threshold:
        meta.setdefault("thresholds_before_shift", dict(meta["thresholds"]))
        meta["thresholds"]["hate"] = threshold
        meta["threshold_rules"] = {"hate": RULE}
        meta["validation"]["hate"] = val_figures(y_val, p_val, threshold, val_x, args.seed)
        meta_path.write_text(json.dumps(meta, sort_keys=True, indent=1) + "\n", encoding="utf-8")
        print(f"wrote={meta_path}")

    # fast tier: the shipped model on val; refit figures from its sidecar
    linear = load_linear_model("hate")
    p_fast = softmax(linear.scores(featurise(val_x, linear.spec)))[:, 1].astype(np.float64)
    t_fast = float(linear.meta["threshold"])
    print(f"fast.version={linear.version}")
    print(f"fast.threshold={t_fast}")
    emit("fast", val_figures(y_val, p_fast, t_fast, val_x, args.seed))
    recorded = linear.meta["metrics_val"]
    for key in ("cv_macro_f1_at_threshold", "cv_grouped_macro_f1", "cross_target_macro_f1"):
        if key in recorded:
            print(f"fast.{key}={recorded[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
