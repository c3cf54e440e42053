"""The shipped static sentence-embedding model: load offline, embed, compare."""

from __future__ import annotations

import functools
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from trustreach.nlp._wordpiece import WordPieceTokenizer

__all__ = ["TextEmbedder"]

_ARTEFACT = "static_minilm"

FloatMatrix = npt.NDArray[np.float32]


def _as_texts(texts: Any, argument: str) -> list[str]:
    """``texts`` as a list of str, or a TypeError that names the argument."""
    if isinstance(texts, str | bytes):
        raise TypeError(
            f"{argument} must be a sequence of str, not a single {type(texts).__name__}; "
            f"wrap one text in a list"
        )
    if not isinstance(texts, Iterable):
        raise TypeError(f"{argument} must be a sequence of str, not {type(texts).__name__}")
    out = list(texts)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise TypeError(f"{argument}[{i}] must be str, not {type(text).__name__}")
    return out


class TextEmbedder:
    """A static sentence-embedding model: a text is the weighted mean of its token vectors.

    The shipped model (:meth:`load`) is distilled from the sentence-transformers
    model all-MiniLM-L6-v2 (Apache-2.0): every WordPiece token has one vector,
    so embedding a text is a tokenizer pass and a table look-up: no network, no
    PyTorch, tens of thousands of short texts a second on one core. Token
    vectors carry a frequency weight, so sub-words such as ``the`` count less.
    Word order is ignored. See ``docs/models/text_embedding.md``.

    Parameters
    ----------
    vectors : numpy.ndarray
        One row per token, shape (n_tokens, dim).
    tokens : sequence of str
        The vocabulary, one entry per row of ``vectors``, in the teacher's order.
    name : str
        Model name, e.g. ``"static-minilm-l6-v2-d128"``.
    version : str
        Model version, ``name@`` followed by 12 hex digits of the vectors' SHA-256.

    Examples
    --------
    >>> model = TextEmbedder.load()
    >>> model.embed(["vegan skincare", "#glowyskin serum"]).shape == (2, model.dim)
    True
    >>> round(model.similarity("vegan skincare", "vegan skincare"), 3)
    1.0
    >>> model.similarity("", "anything")  # an empty text has a zero vector
    0.0
    """

    def __init__(
        self,
        vectors: npt.ArrayLike,
        tokens: Sequence[str],
        *,
        name: str,
        version: str,
    ) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(tokens):
            raise ValueError(
                f"vectors must have one row per token: got shape {matrix.shape} "
                f"for {len(tokens)} tokens"
            )
        self._vectors: FloatMatrix = np.ascontiguousarray(matrix)
        self._vectors.flags.writeable = False
        self._tokenizer = WordPieceTokenizer(tokens)
        self.name = name
        self.version = version

    def __repr__(self) -> str:
        return f"TextEmbedder(version={self.version!r}, tokens={len(self._vectors)})"

    @classmethod
    def load(cls) -> TextEmbedder:
        """The shipped model, read once from the package and cached.

        Returns
        -------
        TextEmbedder
            The same instance on every call. The artefact's integrity is checked
            against the SHA-256 recorded beside it.
        """
        return _load_shipped()

    @property
    def dim(self) -> int:
        """Number of dimensions of an embedding."""
        return int(self._vectors.shape[1])

    def tokens(self, text: str) -> list[str]:
        """The vocabulary entries that contribute to the embedding of ``text``.

        URLs, ``@mentions``, emoji and words the vocabulary cannot spell
        contribute nothing; hashtags are split into words.

        Examples
        --------
        >>> TextEmbedder.load().tokens("Morning run 🏃 #LegDay https://t.co/x @coach")
        ['morning', 'run', 'leg', 'day']
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return self._tokenizer.pieces(text)

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """L2-normalised embeddings, one row per text.

        Parameters
        ----------
        texts : sequence of str
            Captions, hashtags, comments, brief topics; any length, any script.

        Returns
        -------
        numpy.ndarray
            float32, shape (len(texts), dim). Each row is the mean of the text's
            token vectors scaled to unit length, so a dot product is a cosine
            similarity. A text with no known token (empty, only a URL, only
            emoji, a script the vocabulary does not cover) gets a zero row, and
            so a similarity of 0 to everything.

        Raises
        ------
        TypeError
            If ``texts`` is a single string or not a sequence of str.
        """
        items = _as_texts(texts, "texts")
        ids: list[int] = []
        indptr = [0]
        text_ids = self._tokenizer.ids
        for text in items:
            ids += text_ids(text)
            indptr.append(len(ids))
        if not ids:
            return np.zeros((len(items), self.dim), dtype=np.float32)
        # a (texts x vocabulary) count matrix times the vectors: sums without a gather
        counts = sp.csr_matrix(
            (np.ones(len(ids), dtype=np.float32), np.asarray(ids, dtype=np.int32), indptr),
            shape=(len(items), len(self._vectors)),
        )
        out = np.asarray(counts @ self._vectors, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    @overload
    def similarity(self, a: str, b: str) -> float: ...  # type: ignore[overload-overlap]
    @overload
    def similarity(self, a: Sequence[str], b: Sequence[str]) -> FloatMatrix: ...
    def similarity(self, a: str | Sequence[str], b: str | Sequence[str]) -> float | FloatMatrix:
        """Cosine similarity of two texts, or the matrix for two sequences of texts.

        Parameters
        ----------
        a, b : str or sequence of str
            Two texts, or two sequences of texts (shape (len(a), len(b)) out).

        Returns
        -------
        float or numpy.ndarray
            In [-1, 1]; 0 when either text has no known token.

        Examples
        --------
        >>> model = TextEmbedder.load()
        >>> sims = model.similarity(["vegan skincare"], ["#skincare serum", "fantasy football"])
        >>> bool(sims[0, 0] > sims[0, 1])
        True
        """
        if isinstance(a, str) and isinstance(b, str):
            pair = self.embed([a, b])
            return float(np.clip(pair[0] @ pair[1], -1.0, 1.0))
        if isinstance(a, str) or isinstance(b, str):
            raise TypeError("a and b must both be str or both be sequences of str")
        left = self.embed(_as_texts(a, "a"))
        right = self.embed(_as_texts(b, "b"))
        sims: FloatMatrix = np.clip(left @ right.T, -1.0, 1.0)
        return sims


@functools.cache
def _load_shipped() -> TextEmbedder:
    models = resources.files("trustreach.nlp") / "models"
    raw = (models / f"{_ARTEFACT}.npy").read_bytes()
    meta = json.loads((models / f"{_ARTEFACT}.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta["vectors_sha256"]:
        raise RuntimeError(
            f"{_ARTEFACT}.npy does not match its recorded SHA-256 "
            f"({digest[:12]} != {meta['vectors_sha256'][:12]}); reinstall trustreach"
        )
    vectors = np.load(io.BytesIO(raw), allow_pickle=False)
    return TextEmbedder(
        vectors, meta["tokens"], name=meta["name"], version=f"{meta['name']}@{digest[:12]}"
    )
