"""Campaigns in near real time: event-to-KPI latency through a real server, and the KPI
query on a store of 10M events.

Prints ``name=value`` lines, per store (``sqlite``; ``postgresql`` with ``--postgres-url``,
a scratch database that is emptied first).

**Freshness** (``freshness_ms_p50``/``_p95``): a store with the small campaign of
``tests/_events.py`` is served by ``trustreach serve`` (one process) on a free
loopback port. ``--rounds`` times, one new order (a purchase, with a click and a
view beside it) is sent with ``POST /api/v1/events``; from the moment the answer (the
acknowledgement) arrives, ``GET /api/v1/campaigns/cmp1/kpis`` is asked until its
``conversions`` count the order; the time until then is the freshness. Also
``kpi_api_ms_p50``/``_p95``: that GET alone. The live page's stream adds its poll
interval (0.5 s) and one render to this.

**Scale** (``kpi_query_ms_*``): ``--events`` events (default 10,000,000) are written
straight into a scratch store (bulk inserts, not through the API): one *big* campaign
holds ``--big-share`` of them (a fifth by default) and the rest is spread over
``--campaigns`` campaigns; 70% views and impressions, 27% clicks (a third on tracked
links, by visitors of whom some order), 3% purchases (an order id each, some with a
deal's promo code). Then ``services.campaign_kpis`` (the whole call: connection,
reads, attribution from the aggregates, KPIs, the ROI bootstrap) is timed
``--repeat`` times for the big campaign and for ``--typical`` others, after their
aggregates are built (``aggregates_build_s_big``: the one-off rebuild of the big
campaign from its events, as after an import). ``kpi_query_ms_recomputed_typical_p50``
is the same call before this change (every event read and attributed), for one
typical campaign; ``events_in_store``, ``events_big_campaign`` and
``orders_big_campaign`` say the sizes reached.

    python benchmarks/bench_live.py [--events 10000000] [--rounds 200] [--repeat 20] \
        [--postgres-url postgresql+psycopg://…/scratch [--no-sqlite]] [--skip-scale]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' tiny world

from tests._events import A, free_port, seed, start_server
from tests._world import write_records

from trustreach import services
from trustreach.core import Role, Settings
from trustreach.services._campaigns import read_campaign_kpis
from trustreach.services._context import kept_engine
from trustreach.store import write_transaction
from trustreach.store._tables import tracking_events


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from trustreach.services import _context
    from trustreach.store import create_store_engine, metadata

    _context._migrated.discard(url)  # this process must migrate the emptied database again
    for key in [k for k in _context._engines if k[1] == url]:
        _context._engines.pop(key).dispose()

    engine = create_store_engine(url)
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


# ------------------------------------------------------------------ freshness


def _freshness(name: str, settings: Settings, folder: Path, rounds: int) -> None:
    keys = seed(folder, settings)
    token = keys[(A, Role.analyst)]
    port = free_port()
    server = start_server(settings, port, folder / "server.log")
    base = f"http://127.0.0.1:{port}/api/v1"
    headers = {"Authorization": f"Bearer {token}"}
    fresh: list[float] = []
    reads: list[float] = []
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:

            def conversions() -> int:
                started = time.perf_counter()
                answer = client.get("/campaigns/cmp1/kpis")
                reads.append((time.perf_counter() - started) * 1000)
                answer.raise_for_status()
                return int(answer.json()["campaign"]["conversions"] or 0)

            seen = conversions()
            t0 = datetime(2026, 10, 3, tzinfo=UTC)
            for i in range(rounds):
                at = (t0 + timedelta(minutes=i)).isoformat()
                batch = [
                    {"event_id": f"fr-{i}-view", "campaign_id": "cmp1", "occurred_at": at,
                     "event_type": "view", "creator_id": "c1"},
                    {"event_id": f"fr-{i}-click", "campaign_id": "cmp1", "occurred_at": at,
                     "event_type": "click", "creator_id": "c1", "touch_key": f"fv{i}"},
                    {"event_id": f"fr-{i}-buy", "campaign_id": "cmp1", "occurred_at": at,
                     "event_type": "purchase", "creator_id": "c1", "order_id": f"fo-{i}",
                     "promo_code": "GLOW10", "touch_key": f"fv{i}", "value": 25.0,
                     "currency": "USD"},
                ]  # fmt: skip
                answer = client.post("/events", json={"events": batch})
                acked = time.perf_counter()
                answer.raise_for_status()
                while (now := conversions()) <= seen:
                    pass
                fresh.append((time.perf_counter() - acked) * 1000)
                seen = now
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"freshness_rounds_{name}={rounds}")
    print(f"freshness_ms_p50_{name}={statistics.median(fresh):.1f}")
    print(f"freshness_ms_p95_{name}={_p(fresh, 0.95):.1f}")
    print(f"kpi_api_ms_p50_{name}={statistics.median(reads):.1f}")
    print(f"kpi_api_ms_p95_{name}={_p(reads, 0.95):.1f}")


# ------------------------------------------------------------------ scale


def _scaffold(settings: Settings, n_campaigns: int, folder: Path) -> None:
    """Campaigns big + c0000.., two creators with a deal (code), a post and a tracked link
    in each: imported as interchange records."""
    ids = ["big", *(f"c{i:04d}" for i in range(n_campaigns))]
    world: dict[str, list[dict[str, Any]]] = {
        "brands": [{"brand_id": "b", "name": "Brand", "category": "beauty"}],
        "creators": [{"creator_id": cr, "display_name": cr, "niches": ["beauty"]}
                     for cr in ("ca", "cb")],
        "creator_accounts": [{"account_id": f"acc-{cr}", "creator_id": cr,
                              "platform": "instagram", "handle": cr, "followers_count": 50_000}
                             for cr in ("ca", "cb")],
        "campaigns": [{"campaign_id": cid, "brand_id": "b", "name": cid, "goal": "sales",
                       "starts_on": "2026-09-01", "ends_on": "2026-11-30", "budget": 50_000,
                       "currency": "USD"} for cid in ids],
        "deals": [{"deal_id": f"{cid}-{cr}", "campaign_id": cid, "creator_id": cr,
                   "compensation": "fee", "amount": 2000, "currency": "USD",
                   "affiliate_code": f"{cid}{cr}".upper()} for cid in ids for cr in ("ca", "cb")],
        "posts": [{"post_id": f"{cid}-{cr}-p", "account_id": f"acc-{cr}",
                   "posted_at": "2026-09-02T10:00:00Z", "media_type": "reel", "likes": 1000,
                   "comments": 50, "views": 40_000, "paid_partnership": True,
                   "campaign_id": cid} for cid in ids for cr in ("ca", "cb")],
        "tracked_links": [{"link_id": f"{cid}-{cr}-L", "campaign_id": cid, "creator_id": cr,
                           "post_id": f"{cid}-{cr}-p"} for cid in ids for cr in ("ca", "cb")],
    }  # fmt: skip
    for kind, records in world.items():
        write_records(folder / "scaffold" / f"{kind}.jsonl", records)
    services.import_path(folder / "scaffold", workspace=A, settings=settings)


def _fill(settings: Settings, total: int, n_campaigns: int, big_share: float) -> int:
    """Bulk-insert ``total`` events; returns how many the big campaign got."""
    rng = random.Random(14)
    big_n = int(total * big_share)
    t0 = datetime(2026, 9, 2, tzinfo=UTC).timestamp()
    span = 80 * 86400
    dialect: Any = None
    engine = kept_engine(settings)
    stamp: Any = None
    with engine.connect() as c:
        dialect = c.dialect
        stamp = tracking_events.c.occurred_at.type.dialect_impl(dialect).bind_processor(dialect)
    columns = ("workspace", "event_id", "campaign_id", "occurred_at", "event_type", "creator_id",
               "post_id", "quantity", "value", "currency", "order_id", "promo_code", "link_id",
               "touch_key")  # fmt: skip
    chunk = 200_000
    made = 0
    started = time.perf_counter()
    while made < total:
        rows = []
        for i in range(made, min(total, made + chunk)):
            cid = "big" if i < big_n else f"c{i % n_campaigns:04d}"
            cr = "ca" if i % 2 else "cb"
            moment = datetime.fromtimestamp(t0 + rng.random() * span, UTC)
            at = stamp(moment) if stamp else moment
            roll = rng.random()
            visitor = f"v{rng.randrange(max(1, (big_n if cid == 'big' else 25_000) // 8))}"
            if roll < 0.70:
                rows.append((A, f"e{i}", cid, at, "view" if roll < 0.4 else "impression", cr,
                             f"{cid}-{cr}-p", 1, None, None, None, None, None, None))  # fmt: skip
            elif roll < 0.97:
                link = f"{cid}-{cr}-L" if roll < 0.79 else None
                rows.append((A, f"e{i}", cid, at, "click", cr, f"{cid}-{cr}-p", 1, None, None,
                             None, None, link, visitor if link else None))  # fmt: skip
            else:
                code = f"{cid}{cr}".upper() if roll > 0.99 else None
                rows.append((A, f"e{i}", cid, at, "purchase", None, None, 1,
                             round(10 + rng.random() * 90, 2), "USD", f"o{i}", code, None,
                             visitor))  # fmt: skip
        with write_transaction(engine) as c:
            raw: Any = c.connection.driver_connection
            if dialect.name == "postgresql":
                with (
                    raw.cursor() as cursor,
                    cursor.copy(f"COPY tracking_events ({', '.join(columns)}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                raw.executemany(
                    f"INSERT INTO tracking_events ({', '.join(columns)}) VALUES ({marks})", rows
                )
        made += len(rows)
        print(f"# {made:,} events written ({time.perf_counter() - started:.0f} s)", flush=True)
    if dialect.name == "postgresql":
        with engine.connect() as c:
            c.exec_driver_sql("ANALYZE tracking_events")
            c.commit()
    return big_n


def _time(
    settings: Settings, campaign: str, repeat: int, *, aggregates: bool = True
) -> list[float]:
    out = []
    engine = kept_engine(settings)
    for _ in range(repeat):
        started = time.perf_counter()
        if aggregates:
            services.campaign_kpis(campaign, workspace=A, settings=settings)
        else:
            with engine.connect() as c:
                read_campaign_kpis(c, A, campaign, aggregates=False)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _scale(name: str, settings: Settings, args: argparse.Namespace) -> None:
    _scaffold(settings, args.campaigns, settings.data_dir.parent)
    started = time.perf_counter()
    big_n = _fill(settings, args.events, args.campaigns, args.big_share)
    print(f"bulk_insert_s_{name}={time.perf_counter() - started:.0f}")
    print(f"events_in_store_{name}={args.events}")
    print(f"events_big_campaign_{name}={big_n}")
    started = time.perf_counter()
    services.campaign_kpis("big", workspace=A, settings=settings)  # builds the aggregates
    print(f"aggregates_build_s_big_{name}={time.perf_counter() - started:.1f}")
    report = services.campaign_kpis("big", workspace=A, settings=settings).to_dict()
    print(f"orders_big_campaign_{name}={report['campaign']['conversions']}")
    big = _time(settings, "big", args.repeat)
    print(f"kpi_query_ms_p50_big_{name}={statistics.median(big):.1f}")
    print(f"kpi_query_ms_p95_big_{name}={_p(big, 0.95):.1f}")
    typical = [
        f"c{i:04d}" for i in range(0, args.campaigns, max(1, args.campaigns // args.typical))
    ]
    for cid in typical:
        services.campaign_kpis(cid, workspace=A, settings=settings)  # build
    times = [t for cid in typical for t in _time(settings, cid, args.repeat)]
    print(f"kpi_query_ms_p50_typical_{name}={statistics.median(times):.1f}")
    print(f"kpi_query_ms_p95_typical_{name}={_p(times, 0.95):.1f}")
    old = _time(settings, typical[0], 3, aggregates=False)
    print(f"kpi_query_ms_recomputed_typical_p50_{name}={statistics.median(old):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--campaigns", type=int, default=400)
    parser.add_argument("--big-share", type=float, default=0.2)
    parser.add_argument("--typical", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-freshness", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("TRUSTREACH_BENCH_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true", help="Only PostgreSQL")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-live-"))
    try:
        stores = (
            []
            if args.no_sqlite
            else [("sqlite", lambda sub: Settings(data_dir=folder / sub / "data"))]
        )
        if args.postgres_url:
            stores.append(("postgresql", lambda sub: Settings(
                data_dir=folder / sub / "data", database_url=args.postgres_url)))  # fmt: skip
        for name, make in stores:
            if not args.skip_freshness:
                if name == "postgresql":
                    _reset_postgres(args.postgres_url)
                (folder / f"fresh-{name}").mkdir(parents=True)
                _freshness(name, make(f"fresh-{name}"), folder / f"fresh-{name}", args.rounds)
            if not args.skip_scale:
                if name == "postgresql":
                    _reset_postgres(args.postgres_url)
                _scale(name, make(f"scale-{name}"), args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
