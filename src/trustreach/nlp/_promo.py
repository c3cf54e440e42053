"""Possible promotion in a caption: the probability that a post promotes a brand.

The model is a logistic regression over the shipped linear-text features
(:func:`~trustreach.nlp._linear.featurise`: hashed word and character
n-grams, the static embedding, the share of capitals), the pooled sentence
vector of the shipped fine-tuned MiniLM safety encoder (:data:`SENTENCE_VECTOR`,
read through a graph output added at load time) and a short list of
named cues (:data:`PROMO_CUES`: a link, tagged accounts, a call to action such
as "link in bio" or "use code", a campaign-style hashtag). The cues are data,
each with plain words, so a reviewer sees *why* a caption scored high
(:func:`caption_cues`).

It is trained by ``scripts/train_promo.py`` on Instagram captions labelled
promotional when they make a call to action or tag or link a company, which
is broader than paid sponsorship. Its output is evidence for a person to
review ("possible undisclosed promotion"), never a verdict: the model card is
``docs/models/promo_caption.md``.

Everything here is pure: captions in, arrays out; the only files read are the
artefacts shipped inside the package (``nlp/models/promo_caption.{npy,json}``
and the ``safety_accurate`` encoder).

Examples
--------
>>> p = promotional_probability(["Use code ANNA20 for 20% off, link in bio!", "sunset 🌅"])
>>> bool(p[0] > p[1])
True
>>> [c.name for c in caption_cues("Use code ANNA20 for 20% off, link in bio!")][:2]
['link_in_bio', 'discount_code']
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from trustreach.nlp._accurate import AccurateSafety
from trustreach.nlp._embedding import _as_texts
from trustreach.nlp._linear import FeatureSpec, featurise
from trustreach.nlp._versions import decision_version

__all__ = [
    "ARTEFACT",
    "PROMO_CUES",
    "SENTENCE_VECTOR",
    "PromoCue",
    "PromoModel",
    "caption_cues",
    "cue_matrix",
    "load_promo_model",
    "prepare_caption",
    "promotional_probability",
    "sentence_vectors",
    "with_graph_output",
]

ARTEFACT = "promo_caption"
#: Captions are cut to this many characters before scoring (Instagram allows 2,200).
MAX_CAPTION_CHARS = 4096

FloatVector = npt.NDArray[np.float32]

_URL = re.compile(
    r"https?://\S+|www\.\S+|\b[\w-]+\.(?:com|co|net|org|ly|io|shop|us|uk)\b\S*", re.IGNORECASE
)
_MENTION = re.compile(r"@[\w.]+")
_HASHTAG = re.compile(r"#\w+")
_CAMEL_HASHTAG = re.compile(r"#[A-Z]?[a-z0-9]+[A-Z][A-Za-z0-9]*")
_IMPERATIVE = re.compile(
    r"(?:^|[.!?\n]\s*|[\U0001F300-\U0001FAFF]\s*)(go|watch|get|see|don'?t miss|join|come|check|"
    r"tune|grab|try|head|visit|listen|order|book|shop|download|stream|vote|sign|follow|tap|"
    r"click|swipe|pick|catch|meet|enter|find|learn|read|discover|support|use|help|make sure|"
    r"be sure|call|text|register|subscribe|preorder|pre-order|save|share|tag)\b",
    re.IGNORECASE,
)
_YOU = re.compile(r"\byou(?:r|'ll|’ll)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class PromoCue:
    """A named sign of promotion in a caption, with its pattern as data.

    Attributes
    ----------
    name : str
        Stable identifier (a feature name in the artefact).
    words : str
        What it means, in plain words, for a reviewer.
    pattern : str
        Case-insensitive regular expression.
    """

    name: str
    words: str
    pattern: str

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


#: Calls to action and brand signals of the labelling rule (buy, check out,
#: vote, come; tagging or linking a company). Order is the artefact's feature order.
PROMO_CUES: tuple[PromoCue, ...] = (
    PromoCue("link_in_bio", "points to a link in the bio", r"link in (?:my |the )?bio"),
    PromoCue("discount_code", "mentions a code", r"\bcode\b"),
    PromoCue("shop", "says shop", r"\bshop\b"),
    PromoCue("buy", "says buy", r"\bbuy\b"),
    PromoCue("check_out", "asks to check something out", r"check (?:it |them |this |us )?out"),
    PromoCue("swipe_up", "asks to swipe up", r"swipe up"),
    PromoCue("tap", "asks to tap", r"\btap\b"),
    PromoCue("click", "asks to click", r"\bclick\b"),
    PromoCue("head_to", "sends the reader somewhere", r"head (?:over )?to"),
    PromoCue("go_to", "says go to", r"\bgo to\b"),
    PromoCue("available", "says something is available", r"\bavailable\b"),
    PromoCue("get_yours", "says get yours", r"\bget (?:yours|your|it)\b"),
    PromoCue("giveaway", "announces a giveaway", r"giveaway"),
    PromoCue("discount", "mentions a discount", r"discount"),
    PromoCue("percent", "quotes a percentage", r"\d+\s?%"),
    PromoCue("sale", "mentions a sale", r"\bsale\b"),
    PromoCue("order", "mentions ordering", r"\border\b"),
    PromoCue("pre_order", "mentions a pre-order", r"pre-?order"),
    PromoCue("tickets", "mentions tickets", r"ticket"),
    PromoCue("vote", "asks to vote", r"\bvote\b"),
    PromoCue("come", "invites the reader to come", r"\bcome\b"),
    PromoCue("join", "invites the reader to join", r"\bjoin\b"),
    PromoCue("watch", "asks to watch", r"\bwatch\b"),
    PromoCue("listen", "asks to listen", r"\blisten\b"),
    PromoCue("stream", "mentions streaming", r"\bstream"),
    PromoCue("out_now", "says out now", r"out now"),
    PromoCue("new", "announces something new", r"\bnew\b"),
    PromoCue("sign_up", "asks to sign up", r"sign up"),
    PromoCue("register", "asks to register", r"register"),
    PromoCue("subscribe", "asks to subscribe", r"subscribe"),
    PromoCue("ad_tag", "carries #ad", r"#ad\b"),
    PromoCue("sponsor", "mentions a sponsor", r"sponsor"),
    PromoCue("partner", "mentions a partner", r"partner"),
    PromoCue("collab", "mentions a collaboration", r"collab"),
    PromoCue("presented_by", "says presented by", r"presented by"),
    PromoCue("thanks", "thanks someone", r"\bthanks? (?:to|you)\b"),
    PromoCue("win", "mentions winning", r"\bwin\b"),
    PromoCue(
        "date_word", "names today, tonight or tomorrow", r"\btomorrow\b|\btonight\b|\btoday\b"
    ),
    PromoCue("episode", "mentions an episode or podcast", r"\bepisode\b|\bpodcast\b"),
    PromoCue("free", "says free", r"\bfree\b"),
    PromoCue("now", "says now", r"\bnow\b"),
    PromoCue("my_new", "says my new", r"\bmy new\b"),
    PromoCue("follow", "asks to follow", r"\bfollow\b"),
    PromoCue("tune_in", "asks to tune in", r"\btune in\b"),
    PromoCue("dm", "asks for a direct message", r"\bdm\b"),
    PromoCue("price", "quotes a price", r"\$\d"),
)

#: Count features after the named cues (capped and scaled to [0, 1]); names only.
COUNT_FEATURES: tuple[str, ...] = (
    "tagged_accounts",
    "hashtags",
    "has_link",
    "log_words",
    "imperatives",
    "campaign_style_hashtags",
    "hashtags_not_words",
    "any_hashtag_not_word",
    "second_person",
    "exclamations",
)


@functools.cache
def _english_words() -> frozenset[str]:
    path = resources.files("trustreach.nlp") / "models" / "english_words.txt"
    return frozenset(path.read_text(encoding="utf-8").split())


def prepare_caption(caption: str) -> str:
    """The caption as the n-grams read it: cut to length, links replaced by ``weblink``.

    A link is evidence of promotion but its address is not; the normalisation
    the n-grams see would drop it, so it becomes a word first.

    >>> prepare_caption("new drop https://shop.example/x")
    'new drop  weblink '
    """
    return _URL.sub(" weblink ", caption[:MAX_CAPTION_CHARS])


def _counts(caption: str, words: frozenset[str]) -> list[float]:
    hashtags = _HASHTAG.findall(caption)
    not_words = sum(1 for h in hashtags if h[1:].lower() not in words)
    n_words = len(caption.split())
    return [
        min(len(_MENTION.findall(caption)), 5) / 5,
        min(len(hashtags), 10) / 10,
        float(bool(_URL.search(caption))),
        float(np.log1p(n_words) / 5),
        min(len(_IMPERATIVE.findall(caption)), 3) / 3,
        min(len(_CAMEL_HASHTAG.findall(caption)), 3) / 3,
        min(not_words, 5) / 5,
        float(not_words > 0),
        min(len(_YOU.findall(caption)), 4) / 4,
        min(caption.count("!"), 5) / 5,
    ]


def cue_matrix(captions: Sequence[str]) -> npt.NDArray[np.float32]:
    """The cue block: one row per caption, :data:`PROMO_CUES` then :data:`COUNT_FEATURES`."""
    words = _english_words()
    rows = []
    for caption in captions:
        cut = caption[:MAX_CAPTION_CHARS]
        named = [float(bool(cue.regex.search(cut))) for cue in PROMO_CUES]
        rows.append(named + _counts(cut, words))
    width = len(PROMO_CUES) + len(COUNT_FEATURES)
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), width)


def caption_cues(caption: str) -> list[PromoCue]:
    """The named cues found in one caption, in :data:`PROMO_CUES` order."""
    cut = caption[:MAX_CAPTION_CHARS]
    return [cue for cue in PROMO_CUES if cue.regex.search(cut)]


#: The sentence vector read beside the n-grams: the mean-pooled last hidden
#: state of the shipped fine-tuned MiniLM safety encoder (``safety_accurate``,
#: 384 numbers; its graph node feeding the classifier head).
SENTENCE_VECTOR: dict[str, str | int] = {
    "graph": "safety_accurate",
    "node": "/Div_output_0",
    "dims": 384,
}


def _encoder_sha256() -> str:
    """The SHA-256 the shipped sentence encoder's metadata records for its graph."""
    models = resources.files("trustreach.nlp") / "models"
    meta = json.loads((models / f"{SENTENCE_VECTOR['graph']}.json").read_text(encoding="utf-8"))
    return str(meta["onnx_sha256"])


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(raw: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = raw[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def with_graph_output(model: bytes, name: str) -> bytes:
    """An ONNX model with one more float graph output, the existing node value ``name``.

    Edits the protobuf directly (``ModelProto.graph`` is field 7,
    ``GraphProto.output`` field 12), so no ``onnx`` package is needed at run time.
    """
    tensor_type = b"\x08\x01"  # TypeProto.Tensor.elem_type = FLOAT
    type_proto = b"\x0a" + _varint(len(tensor_type)) + tensor_type
    value_info = (
        b"\x0a" + _varint(len(name.encode())) + name.encode() + b"\x12" + _varint(len(type_proto))
    ) + type_proto
    extra = b"\x62" + _varint(len(value_info)) + value_info
    out, at = bytearray(), 0
    found = False
    while at < len(model):
        start = at
        key, at = _read_varint(model, at)
        wire = key & 7
        if wire == 0:
            _, at = _read_varint(model, at)
        elif wire == 1:
            at += 8
        elif wire == 5:
            at += 4
        elif wire == 2:
            length, body = _read_varint(model, at)
            at = body + length
            if key >> 3 == 7:
                graph = model[body:at] + extra
                out += _varint(key) + _varint(len(graph)) + graph
                found = True
                continue
        else:
            raise ValueError(f"unexpected protobuf wire type {wire} in the ONNX model")
        out += model[start:at]
    if not found:
        raise ValueError("the ONNX model has no graph")
    return bytes(out)


def _sentence_encoder(threads: int | None = None) -> tuple[Any, AccurateSafety]:
    """The safety encoder's graph with its pooled sentence vector as an output, and its model.

    ``threads``: ONNX Runtime threads (default ``TRUSTREACH_ONNX_THREADS``).
    """
    from trustreach.nlp._accurate import onnx_threads

    return _sentence_encoder_with(onnx_threads() if threads is None else threads)


@functools.cache
def _sentence_encoder_with(threads: int) -> tuple[Any, AccurateSafety]:
    import onnxruntime as ort

    from trustreach.nlp._accurate import _read_artefact

    raw, _meta, _digest, external = _read_artefact(str(SENTENCE_VECTOR["graph"]))
    model = AccurateSafety.load(threads=threads)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    values = {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in external.items()}
    options.add_external_initializers(list(values), list(values.values()))
    session = ort.InferenceSession(
        with_graph_output(raw, str(SENTENCE_VECTOR["node"])),
        sess_options=options,
        providers=["CPUExecutionProvider"],
    )
    return (session, values), model


def sentence_vectors(captions: Sequence[str]) -> npt.NDArray[np.float32]:
    """The fine-tuned MiniLM's pooled sentence vector of each caption, (n, 384), one at a time."""
    (session, _values), model = _sentence_encoder()
    dims = int(SENTENCE_VECTOR["dims"])
    out = np.zeros((len(captions), dims), dtype=np.float32)
    for i, caption in enumerate(captions):
        ids = np.asarray([model.token_ids(caption[:MAX_CAPTION_CHARS])], dtype=np.int64)
        (vector,) = session.run(
            [str(SENTENCE_VECTOR["node"])], {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        )
        out[i] = np.asarray(vector, dtype=np.float32)[0]
    return out


def promo_features(captions: Sequence[str], spec: FeatureSpec) -> sp.csr_matrix:
    """Feature rows: text features of the prepared caption, the cues, the sentence vector."""
    prepared = [prepare_caption(c) for c in captions]
    cut = [c[:MAX_CAPTION_CHARS] for c in captions]
    return sp.hstack(
        [
            featurise(prepared, spec),
            sp.csr_matrix(cue_matrix(cut)),
            sp.csr_matrix(sentence_vectors(cut)),
        ],
        format="csr",
        dtype=np.float32,
    )


@dataclass(frozen=True)
class PromoModel:
    """The shipped caption model: weights, feature map, temperature and threshold.

    Attributes
    ----------
    version : str
        ``promo_caption@`` + the weights' and decision rule's digests.
    coef : numpy.ndarray
        (n_features,) float32.
    intercept : float
    spec : FeatureSpec
        The text part of the feature map.
    temperature : float
        Scores are divided by it before the logistic (calibration).
    threshold : float
        ``promotional`` is ``probability >= threshold`` (chosen by grouped CV).
    meta : dict
        The JSON sidecar (training, metrics).
    """

    version: str
    coef: FloatVector
    intercept: float
    spec: FeatureSpec
    temperature: float
    threshold: float
    meta: dict[str, Any]

    def predict_proba(self, captions: Sequence[str]) -> FloatVector:
        """The probability that each caption promotes a brand, in input order."""
        texts = _as_texts(captions, "captions")
        if not texts:
            return np.zeros(0, dtype=np.float32)
        scores = promo_features(texts, self.spec) @ self.coef + np.float32(self.intercept)
        z = np.asarray(scores, dtype=np.float64) / self.temperature
        out: FloatVector = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
        return out


def save_promo_model(
    directory: Any,
    *,
    coef: npt.ArrayLike,
    intercept: float,
    spec: FeatureSpec,
    temperature: float,
    threshold: float,
    meta: dict[str, Any],
) -> str:
    """Write ``promo_caption.npy`` (float16, intercept last) and its JSON sidecar; its SHA-256."""
    from pathlib import Path

    w = np.asarray(coef, dtype=np.float32).reshape(-1)
    packed = np.concatenate([w, np.asarray([intercept], dtype=np.float32)]).astype(np.float16)
    buffer = io.BytesIO()
    np.save(buffer, packed, allow_pickle=False)
    raw = buffer.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{ARTEFACT}.npy").write_bytes(raw)
    sidecar = {
        "name": ARTEFACT,
        "features": spec.to_json(),
        "cues": [cue.name for cue in PROMO_CUES] + list(COUNT_FEATURES),
        "temperature": temperature,
        "threshold": threshold,
        "weights_sha256": digest,
        "sentence_vector": {**SENTENCE_VECTOR, "onnx_sha256": _encoder_sha256()},
        **meta,
    }
    (out / f"{ARTEFACT}.json").write_text(
        json.dumps(sidecar, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return digest


@functools.cache
def load_promo_model() -> PromoModel:
    """The shipped caption model, read once and checked against its SHA-256.

    Raises
    ------
    RuntimeError
        If the artefact is missing, its weights do not match the recorded
        SHA-256, or its cue list is not this code's.
    """
    models = resources.files("trustreach.nlp") / "models"
    npy, sidecar = models / f"{ARTEFACT}.npy", models / f"{ARTEFACT}.json"
    if not (npy.is_file() and sidecar.is_file()):
        raise RuntimeError(
            f"the caption model {ARTEFACT!r} is not in the package; train it with "
            "scripts/train_promo.py"
        )
    raw = npy.read_bytes()
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta["weights_sha256"]:
        raise RuntimeError(
            f"{ARTEFACT}.npy does not match its recorded SHA-256; reinstall trustreach"
        )
    expected = [cue.name for cue in PROMO_CUES] + list(COUNT_FEATURES)
    if meta["cues"] != expected:
        raise RuntimeError(f"{ARTEFACT}.json was trained with other cues; retrain it")
    if meta.get("sentence_vector") != {**SENTENCE_VECTOR, "onnx_sha256": _encoder_sha256()}:
        raise RuntimeError(
            f"{ARTEFACT}.json was trained on another sentence encoder than the shipped "
            f"{SENTENCE_VECTOR['graph']}.onnx; retrain it"
        )
    packed = np.load(io.BytesIO(raw), allow_pickle=False).astype(np.float32)
    coef = np.ascontiguousarray(packed[:-1])
    coef.flags.writeable = False
    temperature = float(meta["temperature"])
    threshold = float(meta["threshold"])
    return PromoModel(
        version=decision_version(
            ARTEFACT, digest, {"temperature": temperature, "threshold": threshold}
        ),
        coef=coef,
        intercept=float(packed[-1]),
        spec=FeatureSpec.from_json(meta["features"]),
        temperature=temperature,
        threshold=threshold,
        meta=meta,
    )


def promotional_probability(captions: Sequence[str]) -> npt.NDArray[np.float32]:
    """The probability that each caption promotes a brand (shipped model), in input order.

    Evidence for a person to review ("possible undisclosed promotion"), never
    a verdict. The flag threshold is ``load_promo_model().threshold``.
    """
    return load_promo_model().predict_proba(captions)
