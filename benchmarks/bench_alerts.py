"""Alert rules against the synthetic world's truth: recall and false alarms.

Prints ``name=value`` lines. For each seed a small world is generated
(``synthesize_world``: 80 creators, 200 followers each, 180 days) and the
engagement-anomaly rule (:func:`trustreach.campaigns._alerts.engagement_anomalies`) runs on
every campaign post's snapshots (``post_metrics``). The truth is
``ground_truth.json`` ``campaign_performance.engagement_anomalies`` (bought-like
bursts the generator injected, some later purged):

- ``anomaly_recall``: injected bursts whose post got a finding, over all bursts;
- ``anomaly_false_alarms``: findings on posts with no injected burst, and
  ``anomaly_false_alarm_rate`` that count over the posts checked (posts with
  first-party reach: the rule needs reach);
- ``anomaly_precision``: findings on a burst's post over all findings.

The over-budget rule is checked against the deals and budgets
(``over_budget_findings`` vs ``over_budget_truth``: campaigns whose contracted amounts
exceed the budget, in one currency). The default seeds (101-110) were not used to
choose the thresholds (seeds 7-9 were).

    python benchmarks/bench_alerts.py [--seeds 101 102 ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trustreach import services
from trustreach.campaigns._alerts import MetricPoint, engagement_anomalies, over_budget


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def evaluate(world: Path) -> dict[str, int]:
    posts = {
        p["post_id"]: p for p in _rows(world / "posts.jsonl") if p.get("campaign_id") is not None
    }
    points: dict[str, list[MetricPoint]] = defaultdict(list)
    for m in _rows(world / "post_metrics.jsonl"):
        if m["post_id"] in posts:
            points[m["post_id"]].append(
                MetricPoint(
                    _moment(m["observed_at"]), m.get("reach"), m.get("likes"), m.get("views")
                )
            )
    truth = json.loads((world / "ground_truth.json").read_text())["campaign_performance"]
    bursts = {a["post_id"] for a in truth["engagement_anomalies"]}
    checked = flagged_true = flagged_false = 0
    for post_id, pts in points.items():
        if not any(p.reach is not None for p in pts):
            continue
        checked += 1
        if engagement_anomalies(post_id, None, pts):
            if post_id in bursts:
                flagged_true += 1
            else:
                flagged_false += 1
    committed: dict[str, float] = defaultdict(float)
    for d in _rows(world / "deals.jsonl"):
        if d.get("amount") is not None:
            committed[d["campaign_id"]] += float(d["amount"])
    found = truth_over = 0
    for c in _rows(world / "campaigns.jsonl"):
        spent = committed.get(c["campaign_id"], 0.0)
        found += bool(over_budget(c["campaign_id"], spent, c.get("budget"), c["currency"]))
        truth_over += c.get("budget") is not None and spent > c["budget"]
    return {
        "bursts": len(bursts),
        "checked": checked,
        "found": flagged_true,
        "false": flagged_false,
        "over_found": found,
        "over_truth": truth_over,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(101, 111)))
    args = parser.parse_args(argv)
    total: dict[str, int] = defaultdict(int)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            world = Path(tmp) / f"w{seed}"
            services.synthesize_world(
                world, seed=seed, creators=80, followers_per_creator=200, days=180, fmt="jsonl"
            )
            for k, v in evaluate(world).items():
                total[k] += v
    flagged = total["found"] + total["false"]
    print(f"seeds={','.join(map(str, args.seeds))}")
    print(f"anomaly_bursts={total['bursts']}")
    print(f"anomaly_posts_checked={total['checked']}")
    print(f"anomaly_recall={total['found'] / max(total['bursts'], 1):.3f}")
    print(f"anomaly_false_alarms={total['false']}")
    print(f"anomaly_false_alarm_rate={total['false'] / max(total['checked'], 1):.4f}")
    print(f"anomaly_precision={total['found'] / max(flagged, 1):.3f}")
    print(f"over_budget_findings={total['over_found']}")
    print(f"over_budget_truth={total['over_truth']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
