"""Conversation labels against the truth: sentiment accuracy, praise flagged offensive, language.

Prints ``name=value`` lines. Each world is a synthetic world
(``trustreach.synth``) whose generator drew every comment's sentiment
(``ground_truth.json`` -> ``sentiment.labels``); ``--world DIR`` reads one
already written (the demo world: ``demo-world/``), ``--seeds`` generates one
per seed (``--creators``, ``--followers``, ``--days``). Comments are analysed
the way the product labels them (:func:`trustreach.nlp.analyze_texts`, fast
sentiment and accurate safety unless ``--tier``/``--safety`` say otherwise;
each distinct text once, counted as often as it occurs). Per world, prefixed
with its name (``demo_``, ``seed11_``...):

- ``sentiment_accuracy``: share of scored comments whose label is the drawn
  one (comments not scored are left out; see the shares below);
- ``confusion_<truth>_<label>``: comments by drawn sentiment and label
  (``not_scored`` for comments not scored);
- ``scored_share``: share of comments scored;
- ``english_scored_share``: share of English comments (those not drawn from
  the generator's non-English phrase tables) that were scored;
- ``other_language_unsupported_share``: share of non-English comments marked
  ``unsupported_language`` (not scored);
- ``language_uncertain_share``: share of comments scored with the
  ``language_uncertain`` flag;
- ``offensive_on_praise_rate`` / ``hate_on_praise_rate``: share of the
  comments drawn positive (and scored) that are flagged offensive / hate, for
  the accurate and the fast safety tier (``..._fast``).

With ``--val`` (SemEval validation TSV) and ``--tweeteval`` (folder with
``offensive/`` and ``hate/``) it also prints the validation figures that the
idiom and language rules must not lower: macro recall of each sentiment tier
(``val_<tier>_macro_recall``), macro-F1 of each safety task and tier at the
shipped thresholds, and the share of the English validation tweets that the
language rule sets aside (``val_unsupported_share``).

    python benchmarks/bench_conversation_labels.py --world demo-world --seeds 11,23 \\
        [--val ../shared/data/semeval_sentiment/val.tsv] [--tweeteval ../shared/data/tweeteval]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import orjson
from sklearn.metrics import f1_score, recall_score

from trustreach.nlp import analyze_texts, detect_languages, predict_safety, predict_sentiment
from trustreach.services import synthesize_world
from trustreach.synth._phrases import COMMENTS_OTHER

csv.field_size_limit(sys.maxsize)
SENTIMENTS = ("negative", "neutral", "positive")
_OTHER_LANGUAGE = frozenset(
    t for pools in COMMENTS_OTHER.values() for p in pools.values() for t in p
)


def read_world(folder: Path) -> Counter[tuple[str, str]]:
    """(text, drawn sentiment) -> number of comments."""
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    labels: dict[str, str] = truth["sentiment"]["labels"]
    pairs: Counter[tuple[str, str]] = Counter()
    with (folder / "comments.jsonl").open("rb") as handle:
        for line in handle:
            if line.strip():
                row = orjson.loads(line)
                pairs[(row["text"], labels[row["comment_id"]])] += 1
    return pairs


def measure(name: str, pairs: Counter[tuple[str, str]], tier: str, safety: str) -> None:
    texts = sorted({t for t, _ in pairs})
    index = {t: i for i, t in enumerate(texts)}
    result = analyze_texts(texts, tier=tier, safety=safety)
    fast_safety = predict_safety(texts, tier="fast")
    confusion: Counter[tuple[str, str]] = Counter()
    shares: Counter[str] = Counter()
    for (text, truth), n in pairs.items():
        i = index[text]
        label = result.sentiment[i] or "not_scored"
        confusion[(truth, label)] += n
        flags = result.flags[i]
        scored = result.status[i] == "scored"
        shares["comments"] += n
        shares["scored"] += n * scored
        shares["uncertain"] += n * ("language_uncertain" in flags)
        if text in _OTHER_LANGUAGE:
            shares["other"] += n
            shares["other_unsupported"] += n * ("unsupported_language" in flags)
        else:
            shares["english"] += n
            shares["english_scored"] += n * scored
        if truth == "positive" and scored:
            shares["praise"] += n
            shares["praise_offensive"] += n * bool(result.offensive[i])
            shares["praise_hate"] += n * bool(result.hate[i])
            shares["praise_offensive_fast"] += n * bool(fast_safety.offensive[i])
            shares["praise_hate_fast"] += n * bool(fast_safety.hate[i])
    right = sum(n for (t, label), n in confusion.items() if t == label)
    print(f"{name}_comments={shares['comments']}")
    print(f"{name}_distinct_texts={len(texts)}")
    print(f"{name}_sentiment_accuracy={right / max(shares['scored'], 1):.4f}")
    print(f"{name}_scored_share={shares['scored'] / shares['comments']:.4f}")
    print(f"{name}_english_scored_share={shares['english_scored'] / max(shares['english'], 1):.4f}")
    print(
        f"{name}_other_language_unsupported_share="
        f"{shares['other_unsupported'] / max(shares['other'], 1):.4f}"
    )
    print(f"{name}_language_uncertain_share={shares['uncertain'] / shares['comments']:.4f}")
    for task in ("offensive", "hate"):
        for suffix in ("", "_fast"):
            rate = shares[f"praise_{task}{suffix}"] / max(shares["praise"], 1)
            print(f"{name}_{task}_on_praise_rate{suffix}={rate:.4f}")
    for truth in SENTIMENTS:
        for label in (*SENTIMENTS, "not_scored"):
            print(f"{name}_confusion_{truth}_{label}={confusion[(truth, label)]}")


def validation(val: Path | None, tweeteval: Path | None) -> None:
    if val is not None:
        with val.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        texts, y = [r["text"] for r in rows], [r["label"] for r in rows]
        for tier in ("fast", "lexicon", "accurate"):
            pred = predict_sentiment(texts, tier=tier).labels
            print(f"val_{tier}_macro_recall={recall_score(y, pred, average='macro'):.4f}")
    english: list[str] = [r["text"] for r in rows] if val is not None else []
    if tweeteval is not None:
        for task in ("offensive", "hate"):
            texts = (tweeteval / task / "val_text.txt").read_text(encoding="utf-8").splitlines()
            labels = (tweeteval / task / "val_labels.txt").read_text(encoding="utf-8").split()
            english += texts
            y_true = [int(v) for v in labels]
            for tier in ("accurate", "fast"):
                flags = getattr(predict_safety(texts, tier=tier), task).astype(int)
                f1 = f1_score(y_true, flags, average="macro")
                print(f"val_{task}_{tier}_macro_f1={f1:.4f}")
    if english:
        guesses = detect_languages(english)
        aside = sum(not g.supported for g in guesses)
        print(f"val_tweets={len(english)}")
        print(f"val_unsupported_share={aside / len(english):.4f}")
        print(f"val_unsupported_tweets={aside}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, action="append", default=[], help="world folder")
    parser.add_argument("--seeds", default="11,23", help="comma-separated; '' for none")
    parser.add_argument("--creators", type=int, default=30)
    parser.add_argument("--followers", type=int, default=300)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--tier", default="fast")
    parser.add_argument("--safety", default="accurate")
    parser.add_argument("--val", type=Path, default=None)
    parser.add_argument("--tweeteval", type=Path, default=None)
    args = parser.parse_args()
    for folder in args.world:
        name = "demo" if folder.name == "demo-world" else folder.name.replace("-", "_")
        measure(name, read_world(folder), args.tier, args.safety)
    for seed in [int(s) for s in args.seeds.split(",") if s.strip()]:
        with tempfile.TemporaryDirectory() as tmp:
            synthesize_world(
                Path(tmp),
                seed=seed,
                creators=args.creators,
                followers_per_creator=args.followers,
                days=args.days,
                fmt="jsonl",
            )
            measure(f"seed{seed}", read_world(Path(tmp)), args.tier, args.safety)
    validation(args.val, args.tweeteval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
