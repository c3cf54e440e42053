"""The caption model (possible promotion): captions a second, and what it flags on a world.

Prints ``name=value`` lines. The captions are the posts of a synthetic world
(``trustreach.synth``, seed 7), repeated in a seeded shuffle to ``--captions``
(20,000). After a warm-up, :func:`trustreach.nlp._promo.promotional_probability`
is timed ``--rounds`` times and the best round is kept:

- ``promo_captions_per_s``: the model on the captions (features, cues, scores);
- ``promo_flagged_share``: the share at or above the model's threshold;
- ``promo_flagged_share_paid`` / ``promo_flagged_share_unpaid``: the same for
  the world's posts with and without a paid-partnership flag (the generator's
  sponsored posts carry calls to action more often);
- ``peak_rss_mib``: the process's peak resident memory.

    python benchmarks/bench_promo.py [--captions 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

from trustreach.nlp._promo import load_promo_model, promotional_probability
from trustreach.services import synthesize_world


def world_posts(seed: int) -> list[tuple[str, bool]]:
    with tempfile.TemporaryDirectory() as tmp:
        synthesize_world(
            Path(tmp), seed=seed, creators=30, followers_per_creator=50, days=60, fmt="jsonl"
        )
        with (Path(tmp) / "posts.jsonl").open("rb") as handle:
            records = [orjson.loads(line) for line in handle if line.strip()]
    return [(r.get("caption") or "", bool(r.get("paid_partnership"))) for r in records]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captions", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    posts = world_posts(args.seed)
    rng = np.random.default_rng(args.seed)
    picks = rng.integers(0, len(posts), args.captions)
    captions = [posts[i][0] for i in picks]
    model = load_promo_model()
    promotional_probability(captions[:100])  # warm-up: artefact, embedding, vectorisers
    best = 0.0
    for _ in range(args.rounds):
        started = time.perf_counter()
        promotional_probability(captions)
        best = max(best, len(captions) / (time.perf_counter() - started))
    p = promotional_probability([c for c, _ in posts])
    paid = np.array([flag for _, flag in posts])
    flagged = p >= model.threshold
    print(f"model={model.version}")
    print(f"world_posts={len(posts)}")
    print(f"captions={len(captions)}")
    print(f"mean_chars={np.mean([len(c) for c in captions]):.1f}")
    print(f"promo_captions_per_s={best:.0f}")
    print(f"promo_flagged_share={flagged.mean():.4f}")
    if paid.any():
        print(f"promo_flagged_share_paid={flagged[paid].mean():.4f}")
    print(f"promo_flagged_share_unpaid={flagged[~paid].mean():.4f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak_rss_mib={peak:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
