"""Disclosure rules against the synthetic world's truth: faults found, false alarms, speed.

Prints ``name=value`` lines. The generator injects sponsored posts that are
``disclosed`` ("#ad"/"#sponsored" at the start, or only the platform's
paid-partnership flag), ``buried`` ("#ad" at the end of a hashtag block after
dotted lines) or ``missing`` (no disclosure); ``ground_truth.json`` ``disclosure``
says which. Every post of the world is checked
(:func:`trustreach.ethics.disclosure.check_post`, all jurisdictions), with the
material connections read from the world's deals (a deal of the post's creator in
the post's campaign, its compensation and affiliate code) and the flag:

- ``fault_recall``: ``missing`` and ``buried`` posts called non_compliant, over all of them;
- ``disclosed_false_non_compliant``: ``disclosed`` posts called non_compliant (should be 0),
  and ``flag_only_needs_review``: disclosed-by-flag-only posts sent to review;
- ``organic_flagged``: posts with no sponsorship that got any finding other than
  not_applicable (should be 0: no material connection, nothing to check);
- ``posts_per_s``: posts checked per second (the engine alone, one core).

The demo world (``--demo DIR``, default ``demo-world``; seed 7) was used while
writing the rules; the generated seeds (default 201-205) were not.

    python benchmarks/bench_disclosure.py [--demo demo-world] [--seeds 201 202 ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from trustreach import services
from trustreach.ethics.disclosure import Connection, PostFacts, check_post


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def world_facts(world: Path) -> list[PostFacts]:
    """Every post of a world as the engine's facts (connections from the deals)."""
    accounts = {a["account_id"]: a for a in _rows(world / "creator_accounts.jsonl")}
    campaigns = {c["campaign_id"]: c for c in _rows(world / "campaigns.jsonl")}
    brands = {b["brand_id"]: b for b in _rows(world / "brands.jsonl")}
    deals = {(d["campaign_id"], d["creator_id"]): d for d in _rows(world / "deals.jsonl")}
    out = []
    for p in _rows(world / "posts.jsonl"):
        acc = accounts[p["account_id"]]
        cid = p.get("campaign_id")
        connections: list[Connection] = []
        names: tuple[str, ...] = ()
        if cid is not None:
            deal = deals.get((cid, acc["creator_id"]))
            if deal is not None:
                connections.append(
                    Connection("deal", f"deal {deal['deal_id']}: {deal['compensation']}")
                )
                if deal.get("affiliate_code"):
                    connections.append(Connection("affiliate_code", "affiliate code"))
            else:
                connections.append(Connection("campaign", f"campaign {cid}"))
            brand = brands.get(campaigns[cid]["brand_id"], {})
            names = tuple(n for n in (brand.get("name"), brand.get("handle")) if n)
        out.append(
            PostFacts(
                post_id=p["post_id"],
                caption=p.get("caption"),
                platform=acc["platform"],
                media_type=p["media_type"],
                paid_partnership=bool(p.get("paid_partnership")),
                connections=tuple(connections),
                brand_names=names,
                campaign_id=cid,
            )
        )
    return out


def evaluate(world: Path) -> tuple[Counter[str], float]:
    facts = world_facts(world)
    truth = json.loads((world / "ground_truth.json").read_text())["disclosure"]
    t0 = time.perf_counter()
    verdicts = [check_post(f) for f in facts]
    elapsed = time.perf_counter() - t0
    c: Counter[str] = Counter()
    c["posts"] = len(verdicts)
    for v in verdicts:
        t = truth.get(v.post_id)
        if t is None:
            c["organic"] += 1
            c["organic_flagged"] += v.status != "not_applicable"
            continue
        c[f"{t['status']}_{v.status}"] += 1
        if t["status"] in ("missing", "buried"):
            c["faults"] += 1
            c["faults_found"] += v.status == "non_compliant"
        else:
            c["disclosed"] += 1
            c["disclosed_false"] += v.status == "non_compliant"
            if t["tag"] is None:
                c["flag_only"] += 1
                c["flag_only_review"] += v.status == "needs_review"
    return c, elapsed


def _report(prefix: str, c: Counter[str], elapsed: float) -> None:
    print(f"{prefix}posts={c['posts']}")
    print(f"{prefix}faults={c['faults']}")
    print(f"{prefix}fault_recall={c['faults_found'] / max(c['faults'], 1):.3f}")
    print(f"{prefix}disclosed={c['disclosed']}")
    print(f"{prefix}disclosed_false_non_compliant={c['disclosed_false']}")
    print(f"{prefix}flag_only={c['flag_only']}")
    print(f"{prefix}flag_only_needs_review={c['flag_only_review']}")
    print(f"{prefix}organic_flagged={c['organic_flagged']}")
    print(f"{prefix}posts_per_s={c['posts'] / max(elapsed, 1e-9):.0f}")
    for key in sorted(k for k in c if k.split("_")[0] in _TRUTH and k.count("_") >= 2):
        print(f"{prefix}{key}={c[key]}")


_TRUTH = ("disclosed", "buried", "missing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=Path("demo-world"))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(201, 206)))
    args = parser.parse_args(argv)
    if (args.demo / "ground_truth.json").exists():
        c, elapsed = evaluate(args.demo)
        _report("demo_", c, elapsed)
    total: Counter[str] = Counter()
    spent = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            world = Path(tmp) / f"w{seed}"
            services.synthesize_world(
                world, seed=seed, creators=60, followers_per_creator=50, days=120, fmt="jsonl"
            )
            c, elapsed = evaluate(world)
            total.update(c)
            spent += elapsed
    print(f"seeds={','.join(map(str, args.seeds))}")
    _report("", total, spent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
