"""Engagement-fraud signals against the synthetic world's ground truth.

Prints ``name=value`` lines. For each seed a default-size world is generated
(``trustreach.synth.generate_world``), its JSONL files are read directly with
polars (no database), every signal is computed for every creator, and the
result is compared with ``ground_truth.json``:

- ``recall.<fraud type>``: share of creators with that type injected that
  raise the matching signal (bought_followers -> follower_spike,
  engagement_pod -> engagement_pod, bot_comments -> bot_comments,
  inflated_engagement -> engagement_outlier or like_comment_ratio);
- ``false_alarm_rate``: share of clean creators raising any signal;
- ``organic_spike_false_alarms``: clean accounts with an organic viral
  moment (a confounder) whose follower_spike signal was raised.

Thresholds were tuned on seeds 7, 11 and 23 (``tuning``). Seeds 101 and 202
were then checked once: inflated-engagement recall was 0.875 (7/8). Extra
development seeds 1-6 showed the same weakness, so the likes-per-comment
spread threshold was lowered from 0.9 to 0.65 using seeds 1-6 and 7/11/23
only; seeds 303 and 404 were first run after that change. So 101/202 are no
longer strictly held out; 303/404 are. Targets, pooled: every recall >= 0.9
and a false-alarm rate <= 0.05.

    python benchmarks/bench_fraud_signals.py [--tuning 7 11 23] [--holdout 101 202 303 404]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from trustreach.audience._comments import bot_comments, engagement_pods
from trustreach.audience._engagement import engagement_outliers, like_comment_ratio, peer_bands
from trustreach.audience._signals import strongest_signal
from trustreach.audience._spikes import follower_spikes
from trustreach.audience._types import Signal
from trustreach.synth import generate_world

SIGNAL_OF: dict[str, tuple[str, ...]] = {
    "bought_followers": ("follower_spike",),
    "engagement_pod": ("engagement_pod",),
    "bot_comments": ("bot_comments",),
    "inflated_engagement": ("engagement_outlier", "like_comment_ratio"),
}


def _read(folder: Path, kind: str) -> pl.DataFrame:
    return pl.read_ndjson(folder / f"{kind}.jsonl", infer_schema_length=None)


def load_world(folder: Path) -> dict[str, pl.DataFrame]:
    """The frames the signals need, with store column names and types."""
    accounts = _read(folder, "creator_accounts")
    snapshots = _read(folder, "audience_snapshots").select(
        "account_id", pl.col("captured_on").str.to_date(), "followers_count"
    )
    posts = _read(folder, "posts").with_columns(
        pl.col("posted_at").str.to_datetime(time_zone="UTC")
    )
    posts = posts.join(accounts.select("account_id", "creator_id"), on="account_id")
    comments = (
        _read(folder, "comments")
        .rename({"author_id": "author_key"})
        .with_columns(pl.col("posted_at").str.to_datetime(time_zone="UTC"))
        .join(posts.select("post_id", "creator_id"), on="post_id")
    )
    return {"accounts": accounts, "snapshots": snapshots, "posts": posts, "comments": comments}


def creator_signals(world: dict[str, pl.DataFrame]) -> dict[str, dict[str, Signal]]:
    """Every signal for every creator (per-account signals merged by strength)."""
    accounts, snaps, posts, comments = (
        world[k] for k in ("accounts", "snapshots", "posts", "comments")
    )
    peers = peer_bands(posts, accounts)
    snaps_by = snaps.partition_by("account_id", as_dict=True)
    posts_by = posts.partition_by("account_id", as_dict=True)
    empty_posts = posts.clear()
    out: dict[str, dict[str, Signal]] = {}
    for creator_id, mine in accounts.sort("account_id").group_by("creator_id", maintain_order=True):
        cid = str(creator_id[0])
        per: dict[str, list[Signal]] = {}
        for acc in mine.iter_rows(named=True):
            key = (acc["account_id"],)
            acc_posts = posts_by.get(key, empty_posts)
            history = snaps_by.get(key)
            if history is not None:
                _, spike = follower_spikes(history, posts=acc_posts)
                per.setdefault("follower_spike", []).append(spike)
            per.setdefault("engagement_outlier", []).append(
                engagement_outliers(
                    acc_posts, int(acc["followers_count"] or 0), peers, creator_id=cid
                )
            )
            per.setdefault("like_comment_ratio", []).append(like_comment_ratio(acc_posts))
        signals = {kind: strongest_signal(group) for kind, group in per.items()}
        c_posts = posts.filter(pl.col("creator_id") == cid)
        c_comments = comments.filter(pl.col("creator_id") == cid)
        others = comments.filter(pl.col("creator_id") != cid)
        signals["engagement_pod"] = engagement_pods(c_comments, c_posts, other_comments=others)
        signals["bot_comments"] = bot_comments(c_comments)
        out[cid] = signals
    return out


@dataclass
class Tally:
    """Counts behind recall and false-alarm rates."""

    hits: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    clean: int = 0
    clean_alarms: int = 0
    alarms_by_signal: dict[str, int] = field(default_factory=dict)
    organic: int = 0
    organic_alarms: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for k, v in other.hits.items():
            self.hits[k] = self.hits.get(k, 0) + v
        for k, v in other.totals.items():
            self.totals[k] = self.totals.get(k, 0) + v
        for k, v in other.alarms_by_signal.items():
            self.alarms_by_signal[k] = self.alarms_by_signal.get(k, 0) + v
        self.clean += other.clean
        self.clean_alarms += other.clean_alarms
        self.organic += other.organic
        self.organic_alarms += other.organic_alarms
        self.missed += other.missed
        self.false_alarms += other.false_alarms


def score(truth: dict[str, Any], signals: dict[str, dict[str, Signal]], tag: str) -> Tally:
    """Compare the creators' signals with the ground truth."""
    t = Tally()
    for fraud_type, creators in truth["fraud_creators"].items():
        kinds = SIGNAL_OF[fraud_type]
        t.totals[fraud_type] = len(creators)
        hit = [c for c in creators if any(signals[c][k].raised for k in kinds)]
        t.hits[fraud_type] = len(hit)
        t.missed += [f"{tag}:{c}:{fraud_type}" for c in creators if c not in hit]
    clean = truth["clean_creators"]
    t.clean = len(clean)
    for c in clean:
        raised = [k for k, s in signals[c].items() if s.raised]
        for k in raised:
            t.alarms_by_signal[k] = t.alarms_by_signal.get(k, 0) + 1
        if raised:
            t.clean_alarms += 1
            t.false_alarms.append(f"{tag}:{c}:{','.join(raised)}")
    owner = {acc: cid for cid, entry in truth["creators"].items() for acc in entry["accounts"]}
    clean_set = set(clean)
    for spike in truth["organic_spikes"]:
        cid = owner[spike["account_id"]]
        if cid in clean_set:
            t.organic += 1
            t.organic_alarms += int(signals[cid]["follower_spike"].raised)
    return t


def report(prefix: str, t: Tally) -> dict[str, float]:
    """Print and return the rates of one tally."""
    rates: dict[str, float] = {}
    for fraud_type in SIGNAL_OF:
        total = t.totals.get(fraud_type, 0)
        rates[f"recall.{fraud_type}"] = t.hits.get(fraud_type, 0) / total if total else 1.0
        print(f"{prefix}.n.{fraud_type}={total}")
    rates["false_alarm_rate"] = t.clean_alarms / t.clean if t.clean else 0.0
    for name, value in rates.items():
        print(f"{prefix}.{name}={value:.3f}")
    print(f"{prefix}.clean_creators={t.clean}")
    for kind in sorted(t.alarms_by_signal):
        print(f"{prefix}.false_alarms.{kind}={t.alarms_by_signal[kind]}")
    print(f"{prefix}.organic_spikes_on_clean={t.organic}")
    print(f"{prefix}.organic_spike_false_alarms={t.organic_alarms}")
    return rates


def run(seeds: Iterable[int], label: str, work: Path) -> bool:
    """Score every seed and the pooled result; True when the targets are met."""
    pooled = Tally()
    for seed in seeds:
        folder = work / f"seed{seed}"
        started = time.perf_counter()
        generate_world(folder, seed=seed)
        world = load_world(folder)
        signals = creator_signals(world)
        truth = json.loads((folder / "ground_truth.json").read_text())
        tally = score(truth, signals, f"seed{seed}")
        report(f"{label}.seed{seed}", tally)
        print(f"{label}.seed{seed}.seconds={time.perf_counter() - started:.1f}")
        pooled.add(tally)
    rates = report(f"{label}.pooled", pooled)
    for item in pooled.missed:
        print(f"# {label} missed {item}")
    for item in pooled.false_alarms:
        print(f"# {label} false alarm {item}")
    ok = all(v >= 0.9 for k, v in rates.items() if k.startswith("recall."))
    ok = ok and rates["false_alarm_rate"] <= 0.05
    print(f"{label}.pooled.targets_met={int(ok)}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuning", type=int, nargs="*", default=[7, 11, 23])
    parser.add_argument("--holdout", type=int, nargs="*", default=[101, 202, 303, 404])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustreach-fraud-") as tmp:
        ok = run(args.tuning, "tuning", Path(tmp))
        if args.holdout:
            run(args.holdout, "holdout", Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
