"""The ``disclosure`` campaign alert against the synthetic world's truth, end to end.

Prints ``name=value`` lines. The world's brands, creators, accounts, campaigns,
briefs, deals and posts are imported into a fresh SQLite store, then
:func:`trustreach.services._alerts.check_alerts` runs on every campaign (all rules,
as ``trustreach campaign alerts --check`` does) and the ``disclosure`` alerts raised
are compared with ``ground_truth.json`` ``disclosure``: the generator's sponsored
posts are ``disclosed`` ("#ad"/"#sponsored" up front, or only the platform's
paid-partnership flag), ``buried`` ("#ad" at the end of a hashtag block) or
``missing``.

- ``fault_recall``: ``missing`` and ``buried`` posts with a disclosure alert, over all
  of them (target 1.0);
- ``disclosed_alerted``: correctly disclosed posts with an alert (target 0), and
  ``flag_only_alerted`` those disclosed by the platform's flag alone (they need a
  person's review and are listed in the compliance report, not alerted);
- ``other_alerted``: alerts on campaign posts the truth does not list (target 0);
- ``check_ms_p50`` / ``check_ms_max``: one campaign's ``check_alerts`` (every rule,
  audited), and ``report_ms_p50``: one campaign's compliance report
  (:func:`trustreach.services._compliance_report.campaign_compliance`).

The demo world (``--demo DIR``, default ``demo-world``) and generated seeds
(default 301-303, not used while writing the rules) are measured separately.

    python benchmarks/bench_compliance.py [--demo demo-world] [--seeds 301 302 303]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from trustreach import services
from trustreach.core import Actor, Role, Settings
from trustreach.services import _alerts, _compliance_report

KINDS = ("brands", "creators", "creator_accounts", "campaigns", "briefs", "deals", "posts")
WS = "bench"


def evaluate(world: Path, tmp: Path) -> tuple[Counter[str], list[float], list[float]]:
    part = tmp / "part"
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    for kind in KINDS:
        shutil.copy(world / f"{kind}.jsonl", part / f"{kind}.jsonl")
    settings = Settings(data_dir=tmp / "data")
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    services.import_path(part, workspace=WS, settings=settings)
    campaigns = [
        json.loads(line)["campaign_id"]
        for line in (world / "campaigns.jsonl").read_text().splitlines()
        if line.strip()
    ]
    alerted: set[str] = set()
    check_ms: list[float] = []
    report_ms: list[float] = []
    actor = Actor("cli", "bench", Role.analyst, WS)
    for cid in campaigns:
        t0 = time.perf_counter()
        result = _alerts.check_alerts(cid, workspace=WS, deliver=False, settings=settings)
        check_ms.append((time.perf_counter() - t0) * 1000)
        alerted |= {
            a.subject.removeprefix("post:") for a in result.raised if a.rule == "disclosure"
        }
        t0 = time.perf_counter()
        _compliance_report.campaign_compliance(cid, actor=actor, settings=settings)
        report_ms.append((time.perf_counter() - t0) * 1000)
    truth = json.loads((world / "ground_truth.json").read_text())["disclosure"]
    c: Counter[str] = Counter()
    c["campaigns"] = len(campaigns)
    for post_id, t in truth.items():
        hit = post_id in alerted
        if t["status"] in ("missing", "buried"):
            c["faults"] += 1
            c["fault_alerts"] += hit
            c[f"{t['status']}_alerted"] += hit
        else:
            c["disclosed"] += 1
            c["disclosed_alerted"] += hit
            if t["tag"] is None:
                c["flag_only"] += 1
                c["flag_only_alerted"] += hit
    c["other_alerted"] = len(alerted - set(truth))
    c["alerts"] = len(alerted)
    return c, check_ms, report_ms


def _report(prefix: str, c: Counter[str], check_ms: list[float], report_ms: list[float]) -> None:
    for key in ("campaigns", "alerts", "faults", "fault_alerts"):
        print(f"{prefix}{key}={c[key]}")
    print(f"{prefix}fault_recall={c['fault_alerts'] / max(c['faults'], 1):.3f}")
    for key in ("missing_alerted", "buried_alerted", "disclosed", "disclosed_alerted"):
        print(f"{prefix}{key}={c[key]}")
    for key in ("flag_only", "flag_only_alerted", "other_alerted"):
        print(f"{prefix}{key}={c[key]}")
    print(f"{prefix}check_ms_p50={statistics.median(check_ms):.1f}")
    print(f"{prefix}check_ms_max={max(check_ms):.1f}")
    print(f"{prefix}report_ms_p50={statistics.median(report_ms):.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--demo", type=Path, default=Path("demo-world"))
    parser.add_argument("--seeds", type=int, nargs="*", default=[301, 302, 303])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if (args.demo / "ground_truth.json").exists():
            c, check_ms, report_ms = evaluate(args.demo, Path(tmp) / "demo")
            _report("demo_", c, check_ms, report_ms)
        if args.seeds:
            total: Counter[str] = Counter()
            checks: list[float] = []
            reports: list[float] = []
            for seed in args.seeds:
                world = Path(tmp) / f"w{seed}"
                services.synthesize_world(
                    world, seed=seed, creators=60, followers_per_creator=20, days=120, fmt="jsonl"
                )
                c, check_ms, report_ms = evaluate(world, Path(tmp) / f"s{seed}")
                total.update(c)
                checks += check_ms
                reports += report_ms
            print(f"seeds={','.join(map(str, args.seeds))}")
            _report("", total, checks, reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
