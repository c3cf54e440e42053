"""Compare fake-account model configurations on minimal fields and under a follower-count shift.

Prints ``name=value`` lines, one block per configuration:

- ``raw_counts``: the 1.0.0 configuration (no monotone constraints, raw follower
  and following counts usable), trained with the 1.1.0 minimal-fields copy;
- ``shipped``: ``trustreach.audience._training.DEFAULT_PARAMS`` (monotone
  constraints, raw counts read only through their log-ratios).

For each: repeated stratified CV of the whole fitting procedure on InstaFake
(same code as the model card), the threshold picked by the card's rule (FPR <= 2%
with all fields and with minimal fields), and at it the minimal-fields
false-positive rate and recall, as sampled and with the accounts re-weighted
within each class by ``exp(beta * z)`` of their z-scored log follower count
(beta -1: a population with fewer followers; +1: more).

    python scripts/eval_fake_account_shift.py \
        --data ../shared/data/instafake/fake_accounts_train.jsonl [--repeats 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from trustreach.audience import _training as training
from trustreach.audience._features import account_features

CONFIGS = {
    "raw_counts": {
        key: value
        for key, value in training.DEFAULT_PARAMS.items()
        if key not in ("ignored_features", "monotone")
    },
    "shipped": dict(training.DEFAULT_PARAMS),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    training.N_REPEATS = args.repeats  # the CV and the threshold rule read it
    loaded = training._read(args.data)
    matrix, labels = account_features(loaded.frame), loaded.labels
    for name, params in CONFIGS.items():
        oof = training._cross_validate(matrix, labels, params, args.seed)
        threshold = max(
            training._lowest_threshold(
                np.tile(labels, args.repeats), probs.reshape(-1), training.MAX_FALSE_POSITIVE_RATE
            )
            for probs in (oof.full, oof.minimal)
        )
        print(f"{name}.threshold={threshold:.3f}")
        auc = np.mean([training._auc(labels, row) for row in oof.minimal])
        print(f"{name}.minimal.roc_auc={auc:.3f}")
        for row in training._shift_stress(loaded.frame, labels, oof.minimal, threshold):
            tag = {0.0: "as_sampled", -1.0: "fewer_followers", 1.0: "more_followers"}[row["beta"]]
            print(f"{name}.minimal.{tag}.fpr={row['fpr']:.3f}")
            print(f"{name}.minimal.{tag}.recall={row['recall']:.3f}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
