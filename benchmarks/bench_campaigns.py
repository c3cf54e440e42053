"""Campaign attribution against the synthetic world's truth, and the KPI query time.

Prints ``name=value`` lines. A demo-size world (seed 7, 80 creators, 2,000
followers each, 180 days: what ``trustreach demo`` generates) is written and
imported into a scratch SQLite store (or ``--world``/``--data-dir`` name an
existing pair); then for every campaign:

- its orders are attributed by the shipped rules (``trustreach.campaigns.attribute_orders``
  on the stored events, deals and tracked links) and compared with
  ``ground_truth.json`` ``campaign_performance``:
  ``attribution_order_accuracy`` (orders credited to the true creator, or left
  unattributed when the truth says so, over all true orders),
  ``attribution_revenue_error`` (Σ over campaigns and creators of
  |attributed revenue − true revenue| / Σ true attributed revenue),
  ``attributed_revenue_total`` and ``true_attributed_revenue_total`` (in each
  campaign's currency, summed over campaigns of one currency only when they share it:
  reported per currency), ``counted_orders`` vs ``true_orders`` (duplicates and late
  events must not change the count);
- ``services.campaign_kpis`` (the whole service call: store opened, every read,
  attribution, KPIs, the ROI bootstrap) is timed ``--repeat`` times per campaign,
  for the campaign row and ``by=creator``: ``kpi_query_ms_p50``/``_p95``.

    python benchmarks/bench_campaigns.py [--seed 7] [--repeat 5] [--database-url postgresql+psycopg://...]
    python benchmarks/bench_campaigns.py --world demo-world --data-dir .trustreach --workspace demo
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from trustreach import services
from trustreach.campaigns import DealCode, TrackedLink, attribute_orders
from trustreach.core import Settings


def _world(folder: Path, seed: int) -> None:
    services.synthesize_world(
        folder, seed=seed, creators=80, followers_per_creator=2000, days=180, fmt="jsonl"
    )


def _attribution(
    settings: Settings, workspace: str, truth: dict[str, Any]
) -> dict[str, float | int]:
    from sqlalchemy import select

    from trustreach.services._live import read_events
    from trustreach.store._tables import deals, tracked_links

    campaigns = truth["campaigns"]
    true_orders = truth["orders"]
    right = counted = 0
    abs_error = true_total = 0.0
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    engine = services.open_store(settings, create=False)
    with engine.connect() as c:
        for cid, entry in campaigns.items():
            events = read_events(c, workspace, cid)
            codes = [
                DealCode(r.creator_id, r.affiliate_code)
                for r in c.execute(
                    select(deals.c.creator_id, deals.c.affiliate_code).where(
                        deals.c.workspace == workspace, deals.c.campaign_id == cid
                    )
                )
            ]
            links = [
                TrackedLink(r.link_id, r.creator_id, r.post_id)
                for r in c.execute(
                    select(tracked_links).where(
                        tracked_links.c.workspace == workspace, tracked_links.c.campaign_id == cid
                    )
                )
            ]
            orders = attribute_orders(events, codes, links)
            counted += len(orders)
            by_creator: dict[str, float] = defaultdict(float)
            for o in orders:
                expected = true_orders.get(o.order_id)
                if expected is not None and expected["creator_id"] == o.creator_id:
                    right += 1
                if o.creator_id is not None and o.value is not None:
                    by_creator[o.creator_id] += o.value
            for creator in set(by_creator) | set(entry["creators"]):
                true = entry["creators"].get(creator, {}).get("revenue", 0.0)
                abs_error += abs(by_creator.get(creator, 0.0) - true)
                true_total += true
            totals[entry["currency"]][0] += sum(by_creator.values())
            totals[entry["currency"]][1] += entry["attributed_revenue"]
    engine.dispose()
    out: dict[str, float | int] = {
        "true_orders": len(true_orders),
        "counted_orders": counted,
        "attribution_order_accuracy": right / max(len(true_orders), 1),
        "attribution_revenue_error": abs_error / true_total if true_total else 0.0,
    }
    for currency, (found, true) in sorted(totals.items()):
        out[f"attributed_revenue_total.{currency}"] = round(found, 2)
        out[f"true_attributed_revenue_total.{currency}"] = round(true, 2)
    return out


def _timings(settings: Settings, workspace: str, campaigns: list[str], repeat: int) -> list[float]:
    times = []
    for cid in campaigns:
        for by in (None, "creator"):
            for _ in range(repeat):
                start = time.perf_counter()
                services.campaign_kpis(cid, by=by, workspace=workspace, settings=settings)
                times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--world", type=Path, help="A synthetic world folder (ground_truth.json)")
    parser.add_argument("--data-dir", type=Path, help="The store that world is imported into")
    parser.add_argument("--workspace", default="bench")
    parser.add_argument(
        "--database-url",
        help="Also time the KPI query on a copy of the store in this (scratch, emptied) "
        "PostgreSQL database",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        world = args.world
        if world is None:
            world = Path(tmp) / "world"
            _world(world, args.seed)
        if args.data_dir is None:
            settings = Settings(data_dir=Path(tmp) / "data")
            start = time.perf_counter()
            services.import_path(world, workspace=args.workspace, settings=settings)
            print(f"import_s={time.perf_counter() - start:.1f}")
        else:
            settings = Settings(data_dir=args.data_dir)
        truth = json.loads((world / "ground_truth.json").read_text())["campaign_performance"]
        print(f"campaigns={len(truth['campaigns'])}")
        for name, value in _attribution(settings, args.workspace, truth).items():
            print(f"{name}={value:.4f}" if name.startswith("attribution_") else f"{name}={value}")
        times = _timings(settings, args.workspace, sorted(truth["campaigns"]), args.repeat)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"kpi_query_ms_p50={statistics.median(times):.1f}")
        print(f"kpi_query_ms_p95={p95:.1f}")
        if args.database_url:
            sys.path.insert(0, str(Path(__file__).parent))
            from _store import copy_to_database

            pg = copy_to_database(settings.data_dir, args.database_url, Path(tmp) / "pg")
            times = _timings(pg, args.workspace, sorted(truth["campaigns"]), args.repeat)
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
            print(f"kpi_query_ms_p50.postgresql={statistics.median(times):.1f}")
            print(f"kpi_query_ms_p95.postgresql={p95:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
