"""The import's erasure bar: how fast it checks records against the barred keys.

Bars the keys of ``--barred`` erased people of each kind (creator ids, accounts,
posts, comments, followers' pseudonyms), then passes generated batches through
:meth:`trustreach.services._erasure_bar.ErasureBar.admit` as the importer does, and
prints ``name=value`` lines:

- ``comments_rows_per_s``: comment records (``comment_id``, ``post_id`` and
  ``author_key`` checked, every value distinct but the post ids);
- ``follows_rows_per_s``: follow records (``creator_account_id`` checked, 50
  accounts; no follower bars), the importer's largest file;
- ``*_skipped``: records dropped (the barred ones only).

A workspace without erasures reads no bar and checks nothing.

    python benchmarks/bench_erasure_bar.py [--rows 200000] [--barred 1000]
"""

from __future__ import annotations

import argparse
import time

import polars as pl

from trustreach.ethics.privacy import Pseudonymizer
from trustreach.services._erasure_bar import ErasureBar, bar_digests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--barred", type=int, default=1_000)
    args = parser.parse_args()
    n = args.rows
    pseudonymizer = Pseudonymizer(b"k" * 32)
    bar = ErasureBar("acme", pseudonymizer)
    barred = [f"x{i}" for i in range(args.barred)] + ["p7", "a3"]
    for kind in ("creator", "account", "post", "comment", "person"):
        bar.barred[kind] = set(bar_digests(pseudonymizer, "acme", kind, barred))
    comments = pl.DataFrame(
        {
            "comment_id": [f"k{i}" for i in range(n)],
            "post_id": [f"p{i % 5000}" for i in range(n)],
            "author_key": [f"{i:032x}" for i in range(n)],
        }
    )
    started = time.perf_counter()
    _, _, skipped = bar.admit(comments, None, list(range(n)))
    seconds = time.perf_counter() - started
    print(f"comments_rows={n}")
    print(f"comments_rows_per_s={n / seconds:.0f}")
    print(f"comments_skipped={skipped}")
    del bar.barred["person"]
    follows = pl.DataFrame(
        {
            "creator_account_id": [f"a{i % 50}" for i in range(n)],
            "follower_key": [f"{i:032x}" for i in range(n)],
        }
    )
    started = time.perf_counter()
    _, _, skipped = bar.admit(follows, None, list(range(n)))
    seconds = time.perf_counter() - started
    print(f"follows_rows={n}")
    print(f"follows_rows_per_s={n / seconds:.0f}")
    print(f"follows_skipped={skipped}")


if __name__ == "__main__":
    main()
