"""Text understanding that ships with the package: offline, CPU-only, no PyTorch.

- :class:`TextEmbedder` turns captions, hashtags, comments and brief topics into
  unit-length vectors whose dot product is a semantic similarity. The shipped
  model (:meth:`TextEmbedder.load`) is a static distillation of the
  sentence-transformers model all-MiniLM-L6-v2: one vector per WordPiece token,
  a text is their weighted mean, so it runs at tens of thousands of short texts
  a second and needs nothing but NumPy. It is used for topic fit in discovery
  (how close a creator's recent posts are to a brief's topics) and as features
  for text classifiers.

Everything here is pure: texts in, arrays out. The only file read is the
model artefact shipped inside the package. Its model card is
``docs/models/text_embedding.md``; it is rebuilt by
``scripts/build_text_embedding.py``.
"""

from trustreach.nlp._embedding import TextEmbedder

__all__ = ["TextEmbedder"]
