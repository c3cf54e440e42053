"""Creator erasure and export on a realistic store: time per creator and residue found.

Imports a synthetic world (``trustreach synth``'s generator, or ``--world`` for a
folder such as ``demo-world``) into a fresh SQLite store in a temporary folder,
audits the creators erased and builds the discovery index, then prints
``name=value`` lines:

- ``world_creators``, ``world_comments``, ``world_follows``: the store's size;
- ``export_ms``: ``services._rights.creator_export`` of one creator (median);
- ``erase_ms`` / ``erase_max_ms``: ``services._erasure.erase_creator`` per creator
  (median and slowest of ``--creators``), which includes the generic residue
  search of every text and JSON column of every table;
- ``rows_removed``: rows removed per creator (median);
- ``residue_rows``: rows still naming an erased creator (must be 0).

    python benchmarks/bench_erasure.py [--world demo-world] [--creators 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from trustreach import services
from trustreach.core import Settings
from trustreach.services import _erasure, _rights
from trustreach.services._discovery import build_discovery_index
from trustreach.store._tables import comments, creators, follows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, help="an interchange folder (default: generated)")
    parser.add_argument("--creators", type=int, default=3, help="how many creators to erase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        world = args.world
        if world is None:
            from trustreach.synth import generate_world

            world = generate_world(
                root / "world", seed=7, creators=40, followers_per_creator=400
            ).out_dir
        settings = Settings(data_dir=root / "data")
        services.import_path(world, workspace="bench", settings=settings)
        engine = services.open_store(settings)
        with engine.connect() as connection:
            ids = list(
                connection.execute(
                    select(creators.c.creator_id)
                    .where(creators.c.workspace == "bench")
                    .order_by(creators.c.creator_id)
                    .limit(args.creators)
                ).scalars()
            )
            for name, table in (
                ("creators", creators),
                ("comments", comments),
                ("follows", follows),
            ):
                count = connection.execute(select(func.count()).select_from(table)).scalar_one()
                print(f"world_{name}={count}")
        engine.dispose()
        for creator_id in ids:
            services.audit_creator(creator_id, workspace="bench", settings=settings)
        build_discovery_index(workspace="bench", settings=settings)
        exports, erasures, removed, residue = [], [], [], 0
        for creator_id in ids:
            started = time.perf_counter()
            _rights.creator_export(creator_id, workspace="bench", settings=settings)
            exports.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            receipt = _erasure.erase_creator(creator_id, workspace="bench", settings=settings)
            erasures.append((time.perf_counter() - started) * 1000)
            removed.append(sum(receipt.removed.values()))
            residue += sum(r.rows for r in receipt.residue)
        print(f"export_ms={statistics.median(exports):.0f}")
        print(f"erase_ms={statistics.median(erasures):.0f}")
        print(f"erase_max_ms={max(erasures):.0f}")
        print(f"rows_removed={statistics.median(removed):.0f}")
        print(f"residue_rows={residue}")


if __name__ == "__main__":
    main()
