"""Rising topics against the synthetic worlds' injected trends: precision, recall, delay, speed.

Prints ``name=value`` lines. The generator (:mod:`trustreach.synth._trends`)
starts a few trends per world on known days: a hashtag, a caption keyword and
sometimes a comment theme whose share of a niche's organic posts ramps up from
``start_date``; and it adds decoys (a tag at a flat share, one whose share
fades), recorded in ``ground_truth.json`` (``trends``, ``trend_decoys``).

Method of evaluation: for every niche of a world the detector
(:func:`trustreach.content.detect_rising`, default parameters: 14-day recent
window, 56-day baseline, BH q = 0.05, >= 5 posts from >= 3 creators, growth
>= 1.5) runs as a weekly report would: ``as_of`` sweeps the period every
``--step`` days (default 7) from the first day with a full baseline to the end.
Posts of a niche are those of every creator who declares it, as the service
reads them.

- ``recall``: injected terms (hashtag, keyword, comment theme) reported at
  some ``as_of`` within ``--horizon`` days (default 42) of their start, over
  all injected terms whose start leaves a full baseline before it and the
  horizon inside the period;
- ``precision``: distinct (niche, kind, term) reported anywhere in the sweep
  that match an injected term (same kind; a keyword or theme matches when its
  words are a part of the injected phrase) of that niche, or of a niche the
  carrying creators also declare (``also_in_niches``: the term really rises
  there too, diluted; counted as ``spillover_terms``), over all distinct
  reported terms; ``decoy_reports``: flat or fading decoy tags ever reported
  (should be 0);
- ``delay_days_median`` / ``_p90``: days from the true start to the first
  ``as_of`` that reports the term (so it includes up to ``step - 1`` days of
  waiting for the next weekly report); ``onset_error_days_median``: at that
  first report, |estimated onset - true start|;
- ``end_recall``, ``end_precision``: the report as of the world's last day against the
  trends rising then (``rising_at_end``; they start 10-25 days before it), and the
  distinct terms it reports; ``end_delay_days_median`` / ``_max``: days from such a
  trend's start to its first report in the sweep (the last day is always scanned);
- ``--keep-campaigns``: campaign posts and disclosure words are read too (the detector's
  ``leave_out_campaigns=False``), to see what leaving them out changes;
- ``latency_1m_posts_ms``: trend detection over a posts frame of 1,000,000
  posts generated here (2,000 accounts, Zipf-distributed tags and caption
  words), all within the 70-day look-back: ``_prepare_ms`` finds every post's
  hashtags and caption keywords (:func:`trustreach.content.topic_mentions`,
  done once and reusable), ``_scan_ms`` tests every candidate term at one
  ``as_of`` (:func:`trustreach.content.detect_rising`); best of 3;
  ``latency_1m_posts_hashtags_only_ms``: the same for hashtags alone;
- ``latency_service_ms_p50`` / ``_p95``: one ``services.rising_topics`` call for a
  niche and for an account on the demo world (seed 7, 80 creators) in its own
  store (``--demo-store``; built here if absent).

Seeds 7 and 11-13 were used while choosing the parameters and the campaign rule; the default
evaluation seeds 401-405 were not.

    python benchmarks/bench_content_trends.py [--seeds 401 402 403 404 405] [--step 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from trustreach.content import detect_rising, topic_mentions
from trustreach.synth import generate_world


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def world_frames(world: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Posts (with their creators' declared niches) and comments of a JSONL world."""
    creators = {c["creator_id"]: c["niches"] for c in _rows(world / "creators.jsonl")}
    owner = {a["account_id"]: a["creator_id"] for a in _rows(world / "creator_accounts.jsonl")}
    posts = pl.DataFrame(
        [
            {
                "post_id": p["post_id"],
                "account_id": p["account_id"],
                "creator_id": owner[p["account_id"]],
                "niches": creators[owner[p["account_id"]]],
                "posted_at": datetime.fromisoformat(p["posted_at"].replace("Z", "+00:00")),
                "caption": p.get("caption") or "",
                "hashtags": p.get("hashtags") or [],
                "engagements": int(p["likes"]) + int(p["comments"]) + int(p.get("shares") or 0),
                "paid_partnership": bool(p.get("paid_partnership")),
                "campaign_id": p.get("campaign_id"),
            }
            for p in _rows(world / "posts.jsonl")
        ],
        infer_schema_length=None,
    )
    comments = pl.DataFrame(
        [
            {"post_id": c["post_id"], "text": c["text"], "author": c["author_id"]}
            for c in _rows(world / "comments.jsonl")
        ]
    )
    return posts, comments


def _matches(kind: str, found: str, injected: str) -> bool:
    if kind == "hashtag":
        return found == injected
    f, i = f" {found} ", f" {injected} "
    return f in i


def evaluate(
    world: Path, *, step: int, horizon: int, leave_out_campaigns: bool = True
) -> dict[str, Any]:
    """Sweep as_of over one world; collect reports against its truth."""
    truth = json.loads((world / "ground_truth.json").read_text())
    start = date.fromisoformat(truth["parameters"]["start_date"])
    end = date.fromisoformat(truth["parameters"]["end_date"])
    posts, comments = world_frames(world)
    first_as_of = start + timedelta(days=14 + 56 - 1)
    reported: dict[tuple[str, str, str], list[tuple[date, date]]] = {}
    at_end: set[tuple[str, str, str]] = set()
    scans = 0
    niches = sorted({n for ns in posts["niches"].to_list() for n in ns})
    for niche in niches:
        mine = posts.filter(pl.col("niches").list.contains(niche))
        said = comments.join(mine.select("post_id"), on="post_id", how="semi")
        prepared = topic_mentions(mine, said, leave_out_campaigns=leave_out_campaigns)
        day = first_as_of
        days = []
        while day <= end:
            days.append(day)
            day += timedelta(days=step)
        if days[-1] != end:
            days.append(end)  # a report "as of now"
        for day in days:
            scan = detect_rising(prepared, as_of=day)
            scans += 1
            for t in scan.topics:
                reported.setdefault((niche, t.kind, t.term), []).append((day, t.onset))
                if day == end:
                    at_end.add((niche, t.kind, t.term))
    injected = truth["trends"]
    decoys = {(d["niche"], d["kind"], d["term"]) for d in truth["trend_decoys"]}
    right = spill = 0
    for niche, kind, term in reported:
        home = [t for t in injected if t["kind"] == kind and _matches(kind, term, t["term"])]
        if any(t["niche"] == niche for t in home):
            right += 1
        elif any(niche in t["also_in_niches"] for t in home):
            right += 1
            spill += 1

    def right_term(k: tuple[str, str, str]) -> bool:
        return any(
            t["kind"] == k[1]
            and _matches(k[1], k[2], t["term"])
            and (t["niche"] == k[0] or k[0] in t["also_in_niches"])
            for t in injected
        )

    now = [t for t in injected if t.get("rising_at_end")]
    end_hit = sum(
        any(
            n == t["niche"] and kind == t["kind"] and _matches(kind, term, t["term"])
            for n, kind, term in at_end
        )
        for t in now
    )
    end_delays = []  # days from the start of a trend rising at the end to its first report
    for t in now:
        s = date.fromisoformat(t["start_date"])
        reports = [
            d
            for (n, kind, term), seen in reported.items()
            if n == t["niche"] and kind == t["kind"] and _matches(kind, term, t["term"])
            for d, _ in seen
            if d >= s
        ]
        if reports:
            end_delays.append(min(reports) - s)
    delays: list[int] = []
    onset_errors: list[int] = []
    eligible = hit = 0
    for t in injected:
        s = date.fromisoformat(t["start_date"])
        if t.get("rising_at_end"):
            continue  # scored at the end date
        if s - timedelta(days=56) < start or s + timedelta(days=horizon) > end:
            continue
        eligible += 1
        firsts = [
            (d, onset)
            for (niche, kind, term), seen in reported.items()
            if niche == t["niche"] and kind == t["kind"] and _matches(kind, term, t["term"])
            for d, onset in seen
            if s <= d <= s + timedelta(days=horizon)
        ]
        if firsts:
            hit += 1
            d, onset = min(firsts)
            delays.append((d - s).days)
            onset_errors.append(abs((onset - s).days))
    return {
        "reported": len(reported),
        "right": right,
        "spillover": spill,
        "decoy_reports": sum(k in decoys for k in reported),
        "eligible": eligible,
        "hit": hit,
        "delays": delays,
        "onset_errors": onset_errors,
        "scans": scans,
        "end_injected": len(now),
        "end_hit": end_hit,
        "end_reported": len(at_end),
        "end_right": sum(right_term(k) for k in at_end),
        "end_delays": [d.days for d in end_delays],
        "end_false": sorted(k for k in at_end if not right_term(k)),
        "false": sorted(
            k
            for k in reported
            if not any(
                t["kind"] == k[1]
                and _matches(k[1], k[2], t["term"])
                and (t["niche"] == k[0] or k[0] in t["also_in_niches"])
                for t in injected
            )
        ),
    }


def big_frame(n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` posts over 70 days: 2,000 accounts, 300 tags, captions of 8-12 words."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = np.array(["".join(rng.choice(letters, int(rng.integers(3, 9)))) for _ in range(3000)])
    tags = np.array([f"tag{i}" for i in range(300)])
    t0 = datetime(2025, 4, 22, tzinfo=UTC)
    seconds = np.sort(rng.integers(0, 70 * 86400, n))
    k = rng.integers(0, 6, n)
    tag_ix = rng.zipf(1.6, (n, 6)) % 300
    words = vocab[rng.zipf(1.4, (n, 10)) % 3000]
    caption = [" ".join(row) for row in words.tolist()]
    hashtags = [tags[row[:j]].tolist() for row, j in zip(tag_ix, k, strict=True)]
    rising = seconds > 60 * 86400
    for i in np.flatnonzero(rising & (rng.random(n) < 0.2)).tolist():
        hashtags[i] = [*hashtags[i], "risingtag"]
        caption[i] = "rising phrase: " + caption[i]
    return pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "account_id": [f"a{i}" for i in rng.integers(0, 2000, n).tolist()],
            "posted_at": pl.from_epoch(
                pl.Series(seconds + int(t0.timestamp())), time_unit="s"
            ).dt.replace_time_zone("UTC"),
            "caption": caption,
            "hashtags": hashtags,
        }
    )


def _demo_store(path: Path) -> Path:
    if (path / "trustreach.db").exists():
        return path
    world = path / "world"
    generate_world(world, seed=7, creators=80, followers_per_creator=200)
    env = {**os.environ, "TRUSTREACH_DATA_DIR": str(path)}
    subprocess.run(
        [sys.executable, "-m", "trustreach", "import", str(world)],
        env=env,
        check=True,
        capture_output=True,
    )
    return path


def service_latency(store_dir: Path, repeats: int) -> dict[str, float]:
    """One rising_topics call, alternately for a niche and for an account, ``repeats`` times."""
    from trustreach import services
    from trustreach.core import Settings
    from trustreach.services._content_trends import rising_topics

    settings = Settings(data_dir=store_dir)
    actor = services.cli_actor("default")
    account = _rows(store_dir / "world" / "creator_accounts.jsonl")[0]["account_id"]
    rising_topics(actor=actor, niche="beauty", settings=settings)  # warm
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        if i % 2:
            rising_topics(actor=actor, account=account, settings=settings)
        else:
            rising_topics(actor=actor, niche="beauty", settings=settings)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[401, 402, 403, 404, 405])
    parser.add_argument("--creators", type=int, default=80)
    parser.add_argument("--step", type=int, default=7)
    parser.add_argument("--horizon", type=int, default=42)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--demo-store", type=Path, default=Path("/tmp/bench-content-trends"))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--show-false", action="store_true")
    parser.add_argument(
        "--keep-campaigns", action="store_true", help="read campaign posts and words too"
    )
    args = parser.parse_args(argv)

    if not args.skip_quality:
        quality(args)
    if not args.skip_latency:
        latency(args)


def quality(args: argparse.Namespace) -> None:
    """Precision, recall and delay over the seeds' worlds."""
    totals: dict[str, Any] = {"reported": 0, "right": 0, "spillover": 0, "decoy_reports": 0}
    totals |= {"eligible": 0, "hit": 0, "delays": [], "onset_errors": [], "scans": 0}
    totals |= {"end_injected": 0, "end_hit": 0, "end_reported": 0, "end_right": 0}
    totals |= {"end_delays": []}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            world = Path(tmp) / f"w{seed}"
            generate_world(world, seed=seed, creators=args.creators, followers_per_creator=50)
            result = evaluate(
                world,
                step=args.step,
                horizon=args.horizon,
                leave_out_campaigns=not args.keep_campaigns,
            )
            if args.show_false:
                print(f"# seed {seed} false: {result['false']}", file=sys.stderr)
                print(f"# seed {seed} false at the end: {result['end_false']}", file=sys.stderr)
            for key, value in result.items():
                if key in totals:
                    totals[key] += value
    print(f"seeds={' '.join(map(str, args.seeds))}")
    print(f"campaign_posts={'kept' if args.keep_campaigns else 'left out'}")
    print(f"scans={totals['scans']}")
    print(f"injected_terms={totals['eligible']}")
    print(f"recall={totals['hit'] / max(totals['eligible'], 1):.3f}")
    print(f"reported_terms={totals['reported']}")
    print(f"precision={totals['right'] / max(totals['reported'], 1):.3f}")
    print(f"spillover_terms={totals['spillover']}")
    print(f"decoy_reports={totals['decoy_reports']}")
    delays = totals["delays"] or [float("nan")]
    print(f"delay_days_median={statistics.median(delays):.1f}")
    print(f"delay_days_p90={float(np.percentile(delays, 90)):.1f}")
    errors = totals["onset_errors"] or [float("nan")]
    print(f"onset_error_days_median={statistics.median(errors):.1f}")
    print(f"end_injected_terms={totals['end_injected']}")
    print(f"end_recall={totals['end_hit'] / max(totals['end_injected'], 1):.3f}")
    print(f"end_reported_terms={totals['end_reported']}")
    print(f"end_precision={totals['end_right'] / max(totals['end_reported'], 1):.3f}")
    end_delays = totals["end_delays"] or [float("nan")]
    print(f"end_delay_days_median={statistics.median(end_delays):.1f}")
    print(f"end_delay_days_max={max(end_delays):.1f}")


def latency(args: argparse.Namespace) -> None:
    """Detection over a big frame, and one service call on the demo world."""
    frame = big_frame(args.big)
    best: dict[str, float] = {}
    print(f"loadavg_before={' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        prepared = topic_mentions(frame)
        t1, c1 = time.perf_counter(), time.process_time()
        scan = detect_rising(prepared)
        t2, c2 = time.perf_counter(), time.process_time()
        for name, value in (
            ("prepare", t1 - t),
            ("scan", t2 - t1),
            ("total", t2 - t),
            ("prepare_cpu", c1 - c),
            ("scan_cpu", c2 - c1),
        ):
            best[name] = min(best.get(name, float("inf")), value * 1000)
    print(f"big_posts={frame.height}")
    print(f"big_mentions={prepared.mentions.height}")
    print(f"big_rising_found={sorted(x.label for x in scan.topics)}")
    print(f"latency_1m_posts_ms={best['total']:.0f}")
    print(f"latency_1m_prepare_ms={best['prepare']:.0f}")
    print(f"latency_1m_scan_ms={best['scan']:.0f}")
    print(f"cpu_1m_prepare_ms={best['prepare_cpu']:.0f}")
    print(f"cpu_1m_scan_ms={best['scan_cpu']:.0f}")
    tags_only = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        detect_rising(topic_mentions(frame, kinds=("hashtag",)), kinds=("hashtag",))
        tags_only = min(tags_only, (time.perf_counter() - t) * 1000)
    print(f"latency_1m_posts_hashtags_only_ms={tags_only:.0f}")
    print(f"loadavg_after_1m={' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    store = _demo_store(args.demo_store)
    lat = service_latency(store, args.repeats)
    print(f"latency_service_ms_p50={lat['p50']:.1f}")
    print(f"latency_service_ms_p95={lat['p95']:.1f}")


if __name__ == "__main__":
    main()
