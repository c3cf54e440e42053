"""The accurate tiers: small fine-tuned transformers run with ONNX Runtime.

Both shipped models are all-MiniLM-L6-v2 (Apache-2.0) cut to its lower layers,
fine-tuned and quantised to int8:

- :class:`AccurateSentiment`: three-class tweet sentiment
  (``scripts/train_accurate_sentiment.py``, ``docs/models/sentiment_accurate.md``);
- :class:`AccurateSafety`: offensive language and hate speech, one head each
  on a shared encoder (``scripts/train_accurate_safety.py``,
  ``docs/models/brand_safety.md``).

Prediction needs NumPy, ONNX Runtime and the pure-Python WordPiece tokenizer;
no PyTorch and no network.

The text preparation (:func:`prepare_text`) is shared with the training script
so that the model never sees a form of text it was not trained on.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from trustreach.nlp._embedding import _as_texts
from trustreach.nlp._idioms import read_idioms
from trustreach.nlp._versions import decision_version
from trustreach.nlp._wordpiece import WordPieceTokenizer

__all__ = [
    "LABELS",
    "PREPARATION",
    "AccurateSafety",
    "AccurateSentiment",
    "encode",
    "onnx_threads",
    "prepare_text",
]

_ARTEFACT = "sentiment_accurate"
_SAFETY_ARTEFACT = "safety_accurate"

#: Column order of :meth:`AccurateSentiment.predict_proba`.
LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")

#: Version of :func:`prepare_text`; recorded in the artefact and checked at load.
PREPARATION = "tweet-v1"

_MAX_RAW_CHARS = 8192  # a text is cut before preparation: 64 tokens never need more
_MAX_PREPARED_CHARS = 2048
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_URL = re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
#: Control and format characters, variation selectors, lone surrogates.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufe00-\ufe0f\ufeff\ud800-\udfff]+"
)
_SPACES = re.compile(r"\s+")

#: Common emoji as the word a reader would say; the uncased vocabulary has no
#: emoji, and the training tweets have none, so the model reads the word.
EMOJI_WORDS: dict[str, str] = {
    "😂": "laughing",
    "🤣": "laughing",
    "😆": "laughing",
    "😅": "nervous laugh",
    "😀": "smile",
    "😃": "smile",
    "😄": "smile",
    "😁": "grin",
    "😊": "smile",
    "🙂": "smile",
    "☺": "smile",
    "😉": "wink",
    "😍": "love",
    "🥰": "love",
    "😘": "kiss",
    "❤": "love",
    "♥": "love",
    "💕": "love",
    "💖": "love",
    "💯": "perfect",
    "👍": "good",
    "👏": "applause",
    "🙌": "celebrate",
    "🎉": "celebrate",
    "🔥": "fire",
    "✨": "sparkle",
    "😎": "cool",
    "🙏": "thanks",
    "😭": "crying",
    "😢": "sad",
    "😞": "sad",
    "😔": "sad",
    "☹": "sad",
    "🙁": "sad",
    "💔": "heartbroken",
    "😡": "angry",
    "😠": "angry",
    "🤬": "angry",
    "😤": "annoyed",
    "😒": "annoyed",
    "🙄": "eye roll",
    "😑": "annoyed",
    "😩": "weary",
    "😫": "tired",
    "🤮": "disgusting",
    "🤢": "disgusting",
    "👎": "bad",
    "😱": "shocked",
    "😳": "embarrassed",
    "🤔": "thinking",
    "😐": "meh",
    "🤷": "shrug",
}
_EMOJI = re.compile("|".join(re.escape(e) for e in sorted(EMOJI_WORDS, key=len, reverse=True)))

FloatMatrix = npt.NDArray[np.float32]
FloatVector = npt.NDArray[np.float32]


def prepare_text(text: str) -> str:
    """A tweet as the model was trained to read it (preparation ``tweet-v1``).

    HTML entities and the literal ``\\u2019`` escapes of old tweet dumps are
    decoded, URLs are removed and ``@mentions`` become ``@user`` (as in the
    TweetEval validation data), common emoji become words, control and
    invisible characters become spaces. Case is left to the tokenizer.

    Examples
    --------
    >>> prepare_text("@Brand I can\\\\u2019t wait &amp; 😍 https://t.co/x")
    '@user I can’t wait & love'
    """
    text = text[:_MAX_RAW_CHARS]
    if "\\u" in text:
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if "&" in text:
        text = html.unescape(text)
    text = _URL.sub("", text)
    text = _MENTION.sub("@user", text)
    text = read_idioms(text)  # praise idioms and emoji as what they mean (nlp._idioms)
    text = _EMOJI.sub(lambda m: f" {EMOJI_WORDS[m.group(0)]} ", text)
    text = _INVISIBLE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()[:_MAX_PREPARED_CHARS]


def encode(tokenizer: WordPieceTokenizer, text: str, max_len: int) -> list[int]:
    """``[CLS] pieces [SEP]`` of a prepared text, cut to ``max_len`` rows."""
    index = tokenizer.index
    return [index["[CLS]"], *tokenizer.ids(text)[: max_len - 2], index["[SEP]"]]


def _softmax(logits: npt.NDArray[np.float32]) -> FloatMatrix:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    out: FloatMatrix = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


class _OnnxTextModel:
    """A fine-tuned MiniLM graph run by ONNX Runtime on prepared, tokenised texts."""

    def __init__(
        self,
        model: bytes,
        tokens: Sequence[str],
        *,
        name: str,
        version: str,
        max_len: int,
        batch_size: int,
        threads: int,
        external: Mapping[str, npt.NDArray[Any]] | None = None,
    ) -> None:
        if max_len < 3:
            raise ValueError(f"max_len must be at least 3, not {max_len}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # tables stored outside the graph (the shared word embeddings); the session
        # reads them in place, so the values must live as long as it does
        self._external = {
            k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in (external or {}).items()
        }
        if self._external:
            options.add_external_initializers(list(self._external), list(self._external.values()))
        self._session = ort.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = WordPieceTokenizer(tokens, mode="bert")
        self.name = name
        self.version = version
        self.max_len = max_len
        self.batch_size = batch_size
        self.threads = threads

    def __repr__(self) -> str:
        return f"{type(self).__name__}(version={self.version!r}, threads={self.threads})"

    def token_ids(self, text: str) -> list[int]:
        """The model's input rows for one text (prepared, tokenised, cut)."""
        return encode(self._tokenizer, prepare_text(text), self.max_len)

    def is_cut(self, text: str) -> bool:
        """Whether the model reads only the start of ``text`` (over ``max_len`` rows)."""
        return len(text) > _MAX_RAW_CHARS or (
            len(self._tokenizer.ids(prepare_text(text))) > self.max_len - 2
        )

    def _logits(self, items: list[str], width: int) -> FloatMatrix:
        """Raw logits (len(items), width) in input order; texts of similar length batch together."""
        out = np.zeros((len(items), width), dtype=np.float32)
        if not items:
            return out
        encoded = [self.token_ids(text) for text in items]
        lengths = np.fromiter((len(ids) for ids in encoded), dtype=np.int64, count=len(encoded))
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            longest = int(lengths[rows].max())
            input_ids = np.zeros((len(rows), longest), dtype=np.int64)
            mask = np.zeros((len(rows), longest), dtype=np.int64)
            for i, row in enumerate(rows):
                ids = encoded[row]
                input_ids[i, : len(ids)] = ids
                mask[i, : len(ids)] = 1
            (logits,) = self._session.run(
                ["logits"], {"input_ids": input_ids, "attention_mask": mask}
            )
            out[rows] = np.asarray(logits, dtype=np.float32)
        return out


class AccurateSentiment(_OnnxTextModel):
    """Three-class sentiment of short social texts from a fine-tuned MiniLM.

    Parameters
    ----------
    model : bytes
        The ONNX graph: inputs ``input_ids`` and ``attention_mask`` (int64,
        batch x tokens), output ``logits`` (batch x 3, :data:`LABELS` order).
    tokens : sequence of str
        The WordPiece vocabulary, one entry per embedding row.
    name, version : str
        Model name and ``name@`` followed by 12 hex digits of the graph's SHA-256.
    max_len : int, default 64
        Tokens per text, ``[CLS]`` and ``[SEP]`` included; longer texts are cut.
    temperature : float, default 1.0
        Logits are divided by it before the softmax (calibration).
    batch_size : int, default 1
        Texts per ONNX Runtime call. The int8 graph quantises activations with
        one scale per call, so with more than one text per call a text's
        probabilities depend on the texts it is batched with (on the validation
        tweets: up to 0.14, 2 % of labels flip at 64). One text per call is
        about 30 % slower and gives every text the same answer in any company.
    threads : int, default 1
        ONNX Runtime intra-op threads (the shipped models: ``TRUSTREACH_ONNX_THREADS``,
        see :func:`onnx_threads`).

    Examples
    --------
    >>> model = AccurateSentiment.load()
    >>> proba = model.predict_proba(["I love this, best day ever!", "This is awful"])
    >>> proba.shape
    (2, 3)
    >>> [LABELS[i] for i in proba.argmax(axis=1)]
    ['positive', 'negative']
    """

    def __init__(
        self,
        model: bytes,
        tokens: Sequence[str],
        *,
        name: str,
        version: str,
        max_len: int = 64,
        temperature: float = 1.0,
        batch_size: int = 1,
        threads: int = 1,
        external: Mapping[str, npt.NDArray[Any]] | None = None,
    ) -> None:
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, not {temperature}")
        super().__init__(
            model,
            tokens,
            name=name,
            version=version,
            max_len=max_len,
            batch_size=batch_size,
            threads=threads,
            external=external,
        )
        self.temperature = temperature

    @classmethod
    def load(cls, *, threads: int | None = None) -> AccurateSentiment:
        """The shipped model, read once from the package and cached (per ``threads``).

        ``threads`` defaults to :func:`onnx_threads` (``TRUSTREACH_ONNX_THREADS``).

        The graph's integrity is checked against the SHA-256 recorded beside it.
        """
        return _load_shipped(onnx_threads() if threads is None else threads)

    @property
    def labels(self) -> tuple[str, str, str]:
        """Class names in column order: negative, neutral, positive."""
        return LABELS

    def predict_proba(self, texts: Sequence[str]) -> FloatMatrix:
        """Probabilities of negative, neutral and positive for each text.

        Parameters
        ----------
        texts : sequence of str
            Tweets, comments, captions. Any length (cut to ``max_len`` tokens),
            any script; an empty or URL-only text gets a finite, low-information row.

        Returns
        -------
        numpy.ndarray
            float32, shape (len(texts), 3), rows sum to 1, in input order,
            columns in :data:`LABELS` order. The same inputs always give the
            same numbers (with ``batch_size`` > 1, see the class notes).

        Raises
        ------
        TypeError
            If ``texts`` is a single string or not a sequence of str.
        """
        items = _as_texts(texts, "texts")
        return _softmax(self._logits(items, len(LABELS)) / self.temperature)


class AccurateSafety(_OnnxTextModel):
    """Offensive-language and hate-speech probabilities from one fine-tuned MiniLM.

    One encoder with a two-way head per task (``tasks``, e.g. ``("offensive",
    "hate")``): the graph's ``logits`` output is batch x (2 * len(tasks)),
    columns ``2k`` and ``2k + 1`` being "not" and "is" of task ``k``. Built by
    ``scripts/train_accurate_safety.py``; model card ``docs/models/brand_safety.md``.

    Parameters
    ----------
    model, tokens, name, version, max_len, batch_size, threads
        As for :class:`AccurateSentiment`.
    tasks : sequence of str
        Head names in graph order.
    temperatures : mapping of str to float
        Per task: logits are divided by it before the softmax.
    thresholds : mapping of str to float
        Per task: the probability at or above which a text is flagged.
    """

    def __init__(
        self,
        model: bytes,
        tokens: Sequence[str],
        *,
        tasks: Sequence[str],
        temperatures: dict[str, float],
        thresholds: dict[str, float],
        name: str,
        version: str,
        max_len: int = 96,
        batch_size: int = 1,
        threads: int = 1,
        external: Mapping[str, npt.NDArray[Any]] | None = None,
    ) -> None:
        self.tasks = tuple(tasks)
        for task in self.tasks:
            if not temperatures.get(task, 0) > 0:
                raise ValueError(f"temperatures[{task!r}] must be positive")
            if not 0 < thresholds.get(task, -1) < 1:
                raise ValueError(f"thresholds[{task!r}] must be between 0 and 1")
        super().__init__(
            model,
            tokens,
            name=name,
            version=version,
            max_len=max_len,
            batch_size=batch_size,
            threads=threads,
            external=external,
        )
        self.temperatures = {task: float(temperatures[task]) for task in self.tasks}
        self.thresholds = {task: float(thresholds[task]) for task in self.tasks}

    @classmethod
    def load(cls, *, threads: int | None = None) -> AccurateSafety:
        """The shipped model, read once from the package and cached (per ``threads``;
        default :func:`onnx_threads`)."""
        return _load_shipped_safety(onnx_threads() if threads is None else threads)

    def predict_proba(self, texts: Sequence[str]) -> dict[str, FloatVector]:
        """Per task, the probability that each text is positive for it.

        Returns
        -------
        dict of str to numpy.ndarray
            ``{task: float32 (len(texts),)}``, input order.

        Raises
        ------
        TypeError
            If ``texts`` is a single string or not a sequence of str.
        """
        items = _as_texts(texts, "texts")
        logits = self._logits(items, 2 * len(self.tasks))
        return {
            task: _softmax(logits[:, 2 * k : 2 * k + 2] / self.temperatures[task])[:, 1]
            for k, task in enumerate(self.tasks)
        }


def onnx_threads() -> int:
    """ONNX Runtime threads per process for the shipped accurate models (default 1).

    ``TRUSTREACH_ONNX_THREADS`` (1 to 64). One thread per process is the
    default because the machines this runs on are shared: with another busy
    process on the second of 2 cores, one thread held about 1,400 texts/s where
    two fell to about 800 (docs/benchmarks.md). More throughput comes from more
    processes (or Dask workers), one thread each.
    """
    from trustreach.core import get_settings

    return get_settings().onnx_threads


def read_metadata() -> dict[str, Any]:
    """The shipped artefact's metadata (labels, metrics, provenance, vocabulary)."""
    models = resources.files("trustreach.nlp") / "models"
    meta: dict[str, Any] = json.loads((models / f"{_ARTEFACT}.json").read_text(encoding="utf-8"))
    return meta


def _read_artefact(
    stem: str,
) -> tuple[bytes, dict[str, Any], str, dict[str, npt.NDArray[Any]]]:
    """A shipped graph, its metadata, the model's SHA-256 and its tables stored apart.

    The graph file and each table file are checked against the SHA-256 the
    metadata records. Both accurate graphs leave out the word-embedding table
    they share, which ships once (``external_initializers``); the model's
    SHA-256 (``model_sha256``, its version) is that of the whole graph.
    """
    models = resources.files("trustreach.nlp") / "models"
    raw = (models / f"{stem}.onnx").read_bytes()
    meta: dict[str, Any] = json.loads((models / f"{stem}.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta["onnx_sha256"]:
        raise RuntimeError(
            f"{stem}.onnx does not match its recorded SHA-256 "
            f"({digest[:12]} != {meta['onnx_sha256'][:12]}); reinstall trustreach"
        )
    external = {
        name: _read_table(entry["file"], entry["sha256"])
        for name, entry in meta.get("external_initializers", {}).items()
    }
    return raw, meta, meta.get("model_sha256", digest), external


@functools.cache
def _read_table(file: str, sha256: str) -> npt.NDArray[Any]:
    """A table shipped beside the graphs (read once), checked against its SHA-256."""
    raw = (resources.files("trustreach.nlp") / "models" / file).read_bytes()
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise RuntimeError(f"{file} does not match its recorded SHA-256; reinstall trustreach")
    table: npt.NDArray[Any] = np.load(io.BytesIO(raw), allow_pickle=False)
    table.flags.writeable = False
    return table


@functools.cache
def _load_shipped(threads: int) -> AccurateSentiment:
    raw, meta, digest, external = _read_artefact(_ARTEFACT)
    if tuple(meta["labels"]) != LABELS or meta["preparation"] != PREPARATION:
        raise RuntimeError(
            f"{_ARTEFACT}.json was built for labels {meta['labels']} and preparation "
            f"{meta['preparation']!r}; this code expects {list(LABELS)} and {PREPARATION!r}"
        )
    return AccurateSentiment(
        raw,
        meta["tokens"],
        name=meta["name"],
        version=decision_version(
            meta["name"], digest, {"temperature": meta["temperature"], "max_len": meta["max_len"]}
        ),
        max_len=int(meta["max_len"]),
        temperature=float(meta["temperature"]),
        batch_size=int(meta.get("batch_size", 1)),
        threads=threads,
        external=external,
    )


@functools.cache
def _load_shipped_safety(threads: int) -> AccurateSafety:
    raw, meta, digest, external = _read_artefact(_SAFETY_ARTEFACT)
    tokens = read_metadata()["tokens"]  # same backbone: the sentiment artefact has the vocabulary
    if hashlib.sha256("\n".join(tokens).encode()).hexdigest() != meta["vocab_sha256"]:
        raise RuntimeError(f"{_SAFETY_ARTEFACT} was built with another vocabulary; reinstall")
    if meta["preparation"] != PREPARATION or sorted(meta["tasks"]) != ["hate", "offensive"]:
        raise RuntimeError(
            f"{_SAFETY_ARTEFACT}.json was built for preparation {meta['preparation']!r} and "
            f"tasks {meta['tasks']}; this code expects {PREPARATION!r} and offensive, hate"
        )
    return AccurateSafety(
        raw,
        tokens,
        tasks=meta["tasks"],
        temperatures=meta["temperatures"],
        thresholds=meta["thresholds"],
        name=meta["name"],
        version=decision_version(
            meta["name"],
            digest,
            {
                "thresholds": meta["thresholds"],
                "temperatures": meta["temperatures"],
                "max_len": meta["max_len"],
            },
        ),
        max_len=int(meta["max_len"]),
        threads=threads,
        external=external,
    )
