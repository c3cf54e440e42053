"""Draft check: interval coverage on held-back posts, media effects recovered, the
manipulation check on hand-written captions, and latency.

Prints ``name=value`` lines.

- ``coverage``: every account's latest ``--holdout`` posts are treated as drafts
  (their media type and posting time as planned). As :func:`check_draft` does, the
  performance model is fitted on the posts of the account's platform, here only
  those posted *before* the account's first held-back post. The share of held-back
  posts whose engagements fell inside the 80% interval, with a Wilson 95% interval
  (``_low``, ``_high``); target ~0.80.
  ``views_coverage`` the same for views where the platform reports them.
- ``media_*``: the generator multiplies a post's likes by a hidden per-media factor
  (``synth._content._MEDIA_MULT``: image 1.0, carousel 1.15, reel 1.1, video 0.9,
  short 1.0). :func:`trustreach.content.format_effects` on the account's niche
  peers (same platform, a niche in common; all posts) estimates each account's
  media effect against its most used media type; against the true ratio on the log
  scale: ``media_bias`` (mean error),
  ``media_rmse``, and ``media_interval_coverage`` (share of 80% intervals that hold
  the truth; effects of one peer pool share their peers, so they are not
  independent and the Wilson interval printed is optimistic).
- ``manipulation_*``: the check on :data:`LABELLED`, captions written by hand for
  this benchmark by the author of the rules (so optimistic: they were not taken
  from real posts); per kind (engagement bait, false urgency, fake scarcity),
  caption-level precision and recall, and overall.
- ``latency_ms_*``: one :func:`check_draft` of ``examples/drafts/skincare-reel.json``
  on the demo world (seed 7, 80 creators, 200 followers per creator): ``cold`` is
  the first call for an account (reads the peers' posts, fits the model and the
  format effects), ``warm`` a later call for the same account (the fit is cached
  per process while the workspace's posts and objections are unchanged); p50 and
  p95 of wall time (``latency_ms_*``) and of the process's CPU time
  (``latency_cpu_ms_*``, which other work on a shared machine inflates less).
  ``--seeds`` with no value skips the back-tests (latency only).

Tuning seeds: 5 (tests) and 7 (the demo world) were looked at while writing the
method (on seed 7, fitting the model on niche peers only covered 0.83, on the
platform 0.80: the platform was chosen); the evaluation seeds (default 401-405)
were not, except one earlier run of this script on them with niche pools (coverage
0.85), which is what led to looking at seed 7.

    python benchmarks/bench_content_draft.py [--seeds 401 402 ...] [--creators 60]
        [--demo-data DIR] [--calls 20]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from trustreach import services
from trustreach.content import check_manipulation, format_effects
from trustreach.core import Settings
from trustreach.discovery import PerformanceModel
from trustreach.services._content_draft import check_draft, parse_draft, read_draft
from trustreach.synth import generate_world
from trustreach.synth._content import _MEDIA_MULT

COVERAGE = 0.8
EXAMPLE = Path(__file__).parents[1] / "examples" / "drafts" / "skincare-reel.json"

# caption -> kinds it shows (empty: none). Hand-written for this benchmark, not taken from
# real posts and not used to write the rules' patterns.
LABELLED: dict[str, set[str]] = {
    "Giveaway time! Like this post and tag two friends to enter 🎁": {"engagement_bait"},
    "Comment your favourite flavour and you could win a hamper": {"engagement_bait"},
    "Follow us and share to win the full set": {"engagement_bait"},
    "Tag someone who still owes you a coffee ☕": {"engagement_bait"},
    "Tag your gym buddy who needs to see this": {"engagement_bait"},
    "Like if you're team night owl 🦉": {"engagement_bait"},
    "Double-tap if you remember this song": {"engagement_bait"},
    "Type YES if you want the recipe": {"engagement_bait"},
    "Comment 'GUIDE' and I'll DM you the checklist": {"engagement_bait"},
    "Share this with 3 friends who need a holiday": {"engagement_bait"},
    "🔥 for summer, ❄️ for winter": {"engagement_bait"},
    "Like for the left look, comment for the right one": {"engagement_bait"},
    "Repost if you agree that Mondays should be illegal": {"engagement_bait"},
    "Drop a ❤️ if this made you smile": {"engagement_bait"},
    "Vote with your reactions: which shade wins?": {"engagement_bait"},
    "Share to enter, winner picked Friday!": {"engagement_bait"},
    "Today only: the whole range at 40% off": {"false_urgency"},
    "Last chance to grab the bundle!": {"false_urgency"},
    "Hurry — this deal won't last": {"false_urgency", "fake_scarcity"},
    "Sale ends tonight, don't miss out": {"false_urgency"},
    "Only 24 hours left to use my code": {"false_urgency"},
    "Act fast, the price goes up soon": {"false_urgency"},
    "Final hours of the launch discount 🚨": {"false_urgency"},
    "Now or never: the collab drop": {"false_urgency"},
    "Limited time only — get yours": {"false_urgency"},
    "Discount ends soon so be quick": {"false_urgency"},
    "Only 2 left in my size run!": {"fake_scarcity"},
    "Almost sold out, grab it while you can": {"fake_scarcity"},
    "These are selling so fast 😱": {"fake_scarcity"},
    "Low stock on the green one": {"fake_scarcity"},
    "Just a handful left after the restock": {"fake_scarcity"},
    "Nearly gone! The last few jars are in the shop": {"fake_scarcity"},
    "Stock is running low, don't wait": {"fake_scarcity", "false_urgency"},
    "Get one before they're all gone": {"fake_scarcity"},
    "Only 3 spots left in the workshop, last chance": {"fake_scarcity", "false_urgency"},
    "Comment YES to win and hurry, only 10 left": {
        "engagement_bait",
        "false_urgency",
        "fake_scarcity",
    },
    # none of the three
    "Last chance to see the exhibition: it closes on 14 September": set(),
    "The sale ends 31 May at midnight CET — details in bio": set(),
    "Early-bird tickets until Friday 6pm, then full price": set(),
    "Today only (3 June) the café opens at 7": set(),
    "Tell me in the comments how you style it": set(),
    "What's your go-to breakfast? I need ideas": set(),
    "Tagged @lumen in the photo, they made the lamp": set(),
    "Tag us in your recreations with #cozyknits": set(),
    "Share your own routine, I read every reply": set(),
    "This mask has only 3 ingredients and no fragrance": set(),
    "It sold out in 2023 and it is finally back": set(),
    "I like it when the light hits the lake like this": set(),
    "I left my heart in Lisbon 🇵🇹": set(),
    "Two left turns and you are at the best bakery in town": set(),
    "My last day in Kyoto, thank you for having me": set(),
    "Hurricane season prep: what is in my kit": set(),
    "Voting day! Remember to bring your ID": set(),
    "Red or blue? Honestly I can't decide": set(),
    "Sunday reset: laundry, plants, long walk": set(),
    "Quick 10-minute pasta for busy nights": set(),
    "New video is up, link in bio": set(),
    "Which one would you pick and why?": set(),
    "Happy birthday to my favourite person": set(),
    "Limited edition bottle designed with local artists": set(),
}


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def world_frame(world: Path) -> pl.DataFrame:
    """Every post of a world with its account's platform, niches and followers."""
    accounts = {a["account_id"]: a for a in _rows(world / "creator_accounts.jsonl")}
    creators = {c["creator_id"]: c for c in _rows(world / "creators.jsonl")}
    out = []
    for p in _rows(world / "posts.jsonl"):
        acc = accounts[p["account_id"]]
        out.append(
            {
                "post_id": p["post_id"],
                "account_id": p["account_id"],
                "platform": acc["platform"],
                "niches": creators[acc["creator_id"]].get("niches") or [],
                "followers_count": acc["followers_count"],
                "posted_at": p["posted_at"],
                "media_type": p["media_type"],
                "caption": p.get("caption") or "",
                "likes": p["likes"],
                "comments": p["comments"],
                "views": p.get("views"),
                "shares": p.get("shares"),
            }
        )
    return (
        pl.DataFrame(out)
        .with_columns(
            pl.col("posted_at").str.to_datetime(time_zone="UTC"),
            (pl.col("likes") + pl.col("comments") + pl.col("shares").fill_null(0)).alias(
                "engagements"
            ),
        )
        .sort("account_id", "posted_at", "post_id")
    )


def _peers(frame: pl.DataFrame, account: str) -> pl.DataFrame:
    me = frame.filter(pl.col("account_id") == account)
    platform, niches = me["platform"][0], set(me["niches"][0])
    same = frame.filter(pl.col("platform") == platform)
    if not niches:
        return same
    shared = pl.col("niches").list.eval(pl.element().is_in(sorted(niches))).list.any()
    return same.filter(shared | (pl.col("account_id") == account))


def coverage_on(frame: pl.DataFrame, holdout: int) -> dict[str, list[bool]]:
    """Inside-the-interval flags of every held-back post (engagements and views)."""
    inside: dict[str, list[bool]] = {"engagements": [], "views": []}
    for account in frame["account_id"].unique().sort().to_list():
        mine = frame.filter(pl.col("account_id") == account)
        pool = frame.filter(pl.col("platform") == mine["platform"][0])
        if mine.height <= holdout + 3:
            continue
        held = mine.tail(holdout)
        cut = held["posted_at"].min()
        train = pool.filter(pl.col("posted_at") < cut)
        accounts = train.group_by("account_id").agg(
            pl.col("platform").first(), pl.col("followers_count").first()
        )
        model = PerformanceModel(coverage=COVERAGE).fit(train, accounts)
        rows = held.select("account_id", "platform", "followers_count", "media_type", "posted_at")
        pred = model.predict(rows)
        eng = held["engagements"].cast(pl.Float64).to_numpy()
        low, high = pred["engagements_low"].to_numpy(), pred["engagements_high"].to_numpy()
        inside["engagements"] += ((eng >= low) & (eng <= high)).tolist()
        views = held["views"].cast(pl.Float64).to_numpy()
        v_low = pred["reach_low"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        v_high = pred["reach_high"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        ok = np.isfinite(views) & np.isfinite(v_low)
        inside["views"] += ((views[ok] >= v_low[ok]) & (views[ok] <= v_high[ok])).tolist()
    return inside


def media_errors(frame: pl.DataFrame) -> tuple[list[float], list[bool]]:
    """Log-scale errors of each account's media effects against the hidden ratio, and
    whether each 80% interval holds the truth."""
    errors: list[float] = []
    covered: list[bool] = []
    for account in frame["account_id"].unique().sort().to_list():
        pool = _peers(frame, account)
        fit = format_effects(pool, account, coverage=COVERAGE)
        for e in fit.effects:
            if e.dimension != "media_type" or e.level not in _MEDIA_MULT:
                continue
            truth = math.log(_MEDIA_MULT[e.level] / _MEDIA_MULT[e.reference])
            errors.append(math.log(e.multiplier) - truth)
            covered.append(math.log(e.low) <= truth <= math.log(e.high))
    return errors, covered


def manipulation_scores() -> dict[str, float]:
    """Caption-level precision and recall per kind, and overall."""
    out: dict[str, float] = {}
    totals = [0, 0, 0]
    for kind in ("engagement_bait", "false_urgency", "fake_scarcity"):
        tp = fp = fn = 0
        for caption, kinds in LABELLED.items():
            found = kind in {f.kind for f in check_manipulation(caption)}
            tp += found and kind in kinds
            fp += found and kind not in kinds
            fn += (not found) and kind in kinds
        out[f"manipulation_{kind}_precision"] = tp / (tp + fp) if tp + fp else math.nan
        out[f"manipulation_{kind}_recall"] = tp / (tp + fn) if tp + fn else math.nan
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    tp, fp, fn = totals
    out["manipulation_precision"] = tp / (tp + fp)
    out["manipulation_recall"] = tp / (tp + fn)
    clean = [c for c, k in LABELLED.items() if not k]
    out["manipulation_clean_captions_flagged"] = sum(bool(check_manipulation(c)) for c in clean)
    out["manipulation_captions"] = len(LABELLED)
    return out


def latency(data: Path, calls: int) -> dict[str, float]:
    """Cold and warm check_draft latency on an imported demo world."""
    settings = Settings(data_dir=data)
    actor = services.cli_actor("default")
    example = read_draft(EXAMPLE)
    from trustreach.services import _content_draft

    cold: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    with services.open_store(settings).connect() as c:
        from trustreach.services._content_data import posts_frame

        ids = posts_frame(c, "default", platform="instagram")["account_id"].unique().sort()

    def timed(draft: Any) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        check_draft(draft, actor=actor, settings=settings)
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    for account in ids.to_list()[: max(3, calls // 2)]:
        _content_draft._CACHE.clear()
        cold.append(timed(parse_draft({**_draft_json(), "account": account})))
    check_draft(example, actor=actor, settings=settings)
    warm = [timed(example) for _ in range(calls)]
    out: dict[str, float] = {}
    for name, values in (("cold", cold), ("warm", warm)):
        for k, label in ((0, "ms"), (1, "cpu_ms")):
            series = [v[k] for v in values]
            out[f"latency_{label}_{name}_p50"] = float(np.percentile(series, 50))
            out[f"latency_{label}_{name}_p95"] = float(np.percentile(series, 95))
    out["latency_calls"] = float(len(cold) + len(warm))
    return out


def _draft_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[401, 402, 403, 404, 405])
    parser.add_argument("--creators", type=int, default=60)
    parser.add_argument("--holdout", type=int, default=5)
    parser.add_argument("--demo-data", type=Path, default=None, help="an imported seed-7 store")
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args(argv)

    inside: dict[str, list[bool]] = {"engagements": [], "views": []}
    errors: list[float] = []
    covered: list[bool] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            world = Path(tmp) / f"w{seed}"
            generate_world(world, seed=seed, creators=args.creators, followers_per_creator=20)
            frame = world_frame(world)
            got = coverage_on(frame, args.holdout)
            for key in inside:
                inside[key] += got[key]
            e, c = media_errors(frame)
            errors += e
            covered += c
        figures: dict[str, float] = {"seeds": float(len(args.seeds))}
        for key, name in (("engagements", "coverage"), ("views", "views_coverage")):
            if not inside[key]:
                continue
            n, k = len(inside[key]), sum(inside[key])
            low, high = wilson(k, n)
            figures |= {name: k / n, f"{name}_low": low, f"{name}_high": high, f"{name}_posts": n}
        if errors:
            err = np.array(errors)
            k = sum(covered)
            low, high = wilson(k, len(covered))
            figures |= {
                "media_effects": float(err.size),
                "media_bias": float(err.mean()),
                "media_rmse": float(np.sqrt(np.mean(err**2))),
                "media_interval_coverage": k / len(covered),
                "media_interval_coverage_low": low,
                "media_interval_coverage_high": high,
            }
        figures |= manipulation_scores()
        data = args.demo_data
        if data is None:
            world = Path(tmp) / "demo"
            generate_world(world, seed=7, creators=80, followers_per_creator=200)
            data = Path(tmp) / "data"
            services.import_path(world, settings=Settings(data_dir=data))
        figures |= latency(data, args.calls)
    for name, value in figures.items():
        print(f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
