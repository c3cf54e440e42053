"""Coverage of the fake-looking-follower interval against the synthetic worlds' truth.

Prints ``name=value`` lines. For each seed a demo-size world is generated
(``trustreach.synth.generate_world``, 80 creators, 2,000 sampled followers per
account, 180 days), its JSONL files are read directly with polars (no database),
and every creator's fake-looking share is estimated as a creator audit does it:
the sampled followers are scored with the shipped model, accounts with too little
data are left out, each of the creator's accounts is a stratum weighted by its
followers, and :func:`trustreach.audience.estimate_prevalence` corrects the flagged
share with the model's validated sensitivity and specificity (stored in the
artefact). The interval *covers* a creator when it contains the injected
``true_fake_share`` of ``ground_truth.json`` (the share in the whole audience as
constructed, bought followers that look genuine included).

- ``fake_share_interval_coverage``: pooled over the held-out seeds (target >= 0.9);
- ``fake_share_interval_coverage.seed_<s>``: per seed;
- ``fake_share_interval_coverage.tuning``: pooled over the tuning seeds;
- ``fake_share_interval_median_width``, ``fake_share_abs_error_median``: held out;
- ``fake_share_estimate_inside_interval``: share of creators whose shown estimate
  lies inside its own interval (must be 1.0);
- ``..._wilson_flagged``: the same coverage for the pre-#11 interval (95% Wilson on
  the plain flagged share), for comparison.

The rates' transfer spread is not tuned on these worlds: the training script
derives it from its shift stress test on InstaFake and stores it in the artefact.
Seeds 7 (the demo world), 11 and 23 were looked at while the method was chosen
(a cap on the validation counts, tried first, reached 0.51 there and was
dropped); seeds 101, 202, 303 and 404 were first run with the shipped method.
``--no-transfer`` shows the interval without the transfer spread.

    python benchmarks/bench_fake_share.py [--tuning 7 11 23] [--holdout 101 202 303 404]
        [--no-transfer] [--worlds DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

from trustreach.audience import (
    estimate_prevalence,
    load_authenticity_model,
    wilson_interval,
)
from trustreach.synth import generate_world


def creator_estimates(folder: Path, transfer: bool) -> list[dict[str, float]]:
    """Per creator: truth, corrected estimate and interval, and the old Wilson interval."""
    model = load_authenticity_model()
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    followers = pl.read_ndjson(folder / "follower_accounts.jsonl", infer_schema_length=None)
    follows = pl.read_ndjson(folder / "follows.jsonl").select(
        "creator_account_id", "follower_account_id"
    )
    accounts = pl.read_ndjson(folder / "creator_accounts.jsonl").select(
        "account_id", "creator_id", "followers_count"
    )
    scores = model.score(followers)
    scored = followers.select("account_id").with_columns(
        probability=pl.Series(scores, nan_to_null=True)
    )
    scored = scored.with_columns(flagged=pl.col("probability") >= model.threshold)
    profile = model.field_profile(followers)
    joined = follows.join(
        scored, left_on="follower_account_id", right_on="account_id", how="inner"
    ).join(accounts, left_on="creator_account_id", right_on="account_id")
    out = []
    for creator_id, entry in truth["creators"].items():
        mine = joined.filter(pl.col("creator_id") == creator_id)
        usable = mine.filter(pl.col("probability").is_not_null())
        strata = [
            (float(group["followers_count"][0] or 0), int(group["flagged"].sum()), group.height)
            for _, group in usable.group_by("creator_account_id")
        ]
        result = estimate_prevalence(strata, model.rates(profile), transfer=transfer)
        unique = usable.unique("follower_account_id")
        w_low, w_high = wilson_interval(int(unique["flagged"].sum()), unique.height)
        out.append(
            {
                "truth": float(entry["true_fake_share"]),
                "estimate": result.estimate,
                "low": result.low,
                "high": result.high,
                "wilson_low": w_low,
                "wilson_high": w_high,
            }
        )
    return out


def _coverage(rows: list[dict[str, float]], low: str = "low", high: str = "high") -> float:
    return float(np.mean([r[low] <= r["truth"] <= r[high] for r in rows]))


def _generate(folder: Path, seed: int) -> None:
    generate_world(folder, seed=seed, creators=80, followers_per_creator=2000, days=180)


def run_seed(seed: int, transfer: bool, worlds: Path | None) -> list[dict[str, float]]:
    if worlds is not None:  # keep the generated worlds (re-runs only re-score)
        folder = worlds / f"seed-{seed}"
        if not (folder / "ground_truth.json").is_file():
            _generate(folder, seed)
        return creator_estimates(folder, transfer)
    with tempfile.TemporaryDirectory(prefix=f"fake-share-{seed}-") as tmp:
        _generate(Path(tmp), seed)
        return creator_estimates(Path(tmp), transfer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuning", type=int, nargs="*", default=[7, 11, 23])
    parser.add_argument("--holdout", type=int, nargs="*", default=[101, 202, 303, 404])
    parser.add_argument("--no-transfer", action="store_true")
    parser.add_argument(
        "--worlds", type=Path, default=None, help="keep generated worlds here and reuse them"
    )
    args = parser.parse_args(argv)
    print(f"fake_share_transfer_spread={not args.no_transfer}")
    pooled: dict[str, list[dict[str, float]]] = {"tuning": [], "holdout": []}
    for group, seeds in (("tuning", args.tuning), ("holdout", args.holdout)):
        for seed in seeds:
            rows = run_seed(seed, not args.no_transfer, args.worlds)
            pooled[group] += rows
            print(f"fake_share_interval_coverage.seed_{seed}={_coverage(rows):.3f}", flush=True)
    for group, rows in pooled.items():
        if not rows:
            continue
        suffix = "" if group == "holdout" else ".tuning"
        print(f"fake_share_interval_coverage{suffix}={_coverage(rows):.3f}")
        print(
            f"fake_share_interval_coverage_wilson_flagged{suffix}="
            f"{_coverage(rows, 'wilson_low', 'wilson_high'):.3f}"
        )
        print(f"fake_share_creators{suffix}={len(rows)}")
        width = np.median([r["high"] - r["low"] for r in rows])
        error = np.median([abs(r["estimate"] - r["truth"]) for r in rows])
        print(f"fake_share_interval_median_width{suffix}={width:.4f}")
        print(f"fake_share_abs_error_median{suffix}={error:.4f}")
        inside = np.mean([r["low"] <= r["estimate"] <= r["high"] for r in rows])
        print(f"fake_share_estimate_inside_interval{suffix}={inside:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
