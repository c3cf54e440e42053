"""Discovery quality on synthetic worlds: topic precision of shortlists, and cost coverage.

Used by ``bench_discovery.py --part quality``. Everything goes through the
library as a user's ``trustreach discover --dry-run`` would (import, index,
rank), and is scored against the ground truth the generator wrote.

**Topic precision.** For a brief and a world: the share of the top k of the
shortlist whose ground-truth niche is the brief's, with k = 10 or, when fewer,
the number of creators of that niche the brief could shortlist at all (the
eligible pool of the same brief with ``weights: {topic_fit: 0}``, i.e. with
topics set aside: in scope, not excluded by a rule). Briefs: the example
briefs whose topics a synthetic niche covers (``skincare_awareness.yaml`` →
beauty, ``craft_beer.yaml`` → food; the betting brief matches no niche and the
credit brief is refused by design) and one generated brief per niche (its
three topic phrases, awareness, en, all platforms). Plain mode and fair mode
(``gender=woman:auto:0.1``). ``near_zero_topic_rows`` counts shortlisted rows,
top 10 of every brief, with topic fit under ``MIN_TOPIC_FIT``.

**Cost.** On the demo world's skincare brief (GBP budget; fees are declared in
USD, EUR and GBP): the share of the top 10 whose cost is measured, and the
same among rows that declared a fee at all.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from trustreach import services
from trustreach.core import Settings
from trustreach.discovery import Brief, Weights, load_brief
from trustreach.discovery._relevance import MIN_TOPIC_FIT
from trustreach.synth import generate_world
from trustreach.synth._lexicon import NICHES

ROOT = Path(__file__).resolve().parent.parent
BRIEFS = ROOT / "examples" / "briefs"
EXAMPLE_NICHES = {"skincare_awareness.yaml": "beauty", "craft_beer.yaml": "food"}
FAIR = "gender=woman:auto:0.1"
K = 10


def niche_brief(name: str, topics: Iterable[str]) -> Brief:
    """The generated brief of a niche: its topic phrases, nothing else targeted but age."""
    return Brief.model_validate(
        {
            "brief_id": f"niche-{name}",
            "brand": "Benchmark",
            "objective": "awareness",
            "category": "general",
            "platforms": ["instagram", "tiktok", "youtube"],
            "audience": {"age_bands": ["18-24", "25-34"], "countries": ["US", "GB"]},
            "topics": list(topics),
            "budget": {"amount": 20000, "currency": "USD"},
            "content_language": "en",
        }
    )


def briefs() -> list[tuple[Brief, str]]:
    out = [(load_brief(BRIEFS / f), niche) for f, niche in EXAMPLE_NICHES.items()]
    return out + [(niche_brief(n.name, n.topics), n.name) for n in NICHES]


def _precision(
    brief: Brief, niche: str, truth: dict[str, str], workspace: str, settings: Settings
) -> dict[str, Any] | None:
    free = brief.model_copy(update={"weights": Weights(topic_fit=0)})
    pool = services.discover(
        free, top_n=1, propose=False, workspace=workspace, settings=settings
    ).ranking
    k = min(K, sum(1 for c in pool.scores if truth.get(c) == niche))
    if k == 0:
        return None
    out: dict[str, Any] = {"brief": brief.brief_id, "k": k}
    for mode, fair in (("plain", None), ("fair", FAIR)):
        ranking = services.discover(
            brief, top_n=K, fair=fair, propose=False, workspace=workspace, settings=settings
        ).ranking
        top = [row.creator_id for row in ranking.shortlist[:k]]
        out[mode] = sum(truth.get(c) == niche for c in top) / k
        out[f"near_zero_{mode}"] = sum(
            1
            for row in ranking.shortlist
            if (fit := row.component("topic_fit").score) is not None and fit < MIN_TOPIC_FIT
        )
    return out


def world_precision(workspace: str, settings: Settings, truth_file: Path) -> list[dict[str, Any]]:
    truth = {
        cid: entry["niche"] for cid, entry in json.loads(truth_file.read_text())["creators"].items()
    }
    results = []
    for brief, niche in briefs():
        got = _precision(brief, niche, truth, workspace, settings)
        if got is not None:
            results.append(got)
    return results


def cost_coverage(workspace: str, settings: Settings) -> dict[str, float]:
    brief = load_brief(BRIEFS / "skincare_awareness.yaml")
    ranking = services.discover(
        brief, top_n=K, propose=False, workspace=workspace, settings=settings
    ).ranking
    rows = [row.component("cost") for row in ranking.shortlist]
    declared = [c for c in rows if c.numbers.get("rate") is not None]
    return {
        "rows": len(rows),
        "measured": sum(not c.imputed for c in rows) / max(1, len(rows)),
        "declared_rows": len(declared),
        "measured_of_declared": sum(not c.imputed for c in declared) / max(1, len(declared)),
        "converted": sum(c.numbers.get("fx_date") is not None for c in rows),
    }


def _summary(prefix: str, results: list[dict[str, Any]], emit: Callable[[str], None]) -> None:
    for mode in ("plain", "fair"):
        values = [r[mode] for r in results]
        emit(f"topic_precision_{mode}{prefix}={statistics.mean(values):.3f}")
        emit(f"topic_precision_{mode}_min{prefix}={min(values):.2f}")
        emit(f"near_zero_topic_rows_{mode}{prefix}={sum(r[f'near_zero_{mode}'] for r in results)}")
    emit(f"topic_precision_briefs{prefix}={len(results)}")


def measure(
    seeds: Iterable[int],
    *,
    creators: int = 80,
    demo_data_dir: Path | None = None,
    demo_world: Path | None = None,
    emit: Callable[[str], None] = print,
) -> None:
    """Print ``name=value`` lines for the held-out seeds, then the demo world."""
    seeds = list(seeds)
    held_out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            folder = Path(tmp) / str(seed)
            generate_world(
                folder / "world", seed=seed, creators=creators, followers_per_creator=40, days=60
            )
            settings = Settings(data_dir=folder / "data")
            services.import_path(folder / "world", workspace="bench", settings=settings)
            held_out += world_precision("bench", settings, folder / "world" / "ground_truth.json")
    emit(f"quality_seeds={','.join(map(str, seeds))}")
    emit(f"quality_creators_per_world={creators}")
    _summary("", held_out, emit)
    truth = demo_world / "ground_truth.json" if demo_world else None
    if demo_data_dir is None or truth is None or not truth.exists():
        emit("demo_world=absent")
        return
    demo = Settings(data_dir=demo_data_dir)
    _summary("_demo", world_precision("demo", demo, truth), emit)
    cost = cost_coverage("demo", demo)
    emit(f"cost_rows_demo_skincare_top10={cost['rows']}")
    emit(f"cost_measured_share_demo_skincare_top10={cost['measured']:.2f}")
    emit(f"cost_declared_rows_demo_skincare_top10={cost['declared_rows']}")
    emit(f"cost_measured_share_of_declared_demo_skincare_top10={cost['measured_of_declared']:.2f}")
    emit(f"cost_converted_rows_demo_skincare_top10={cost['converted']}")
