"""``trustreach content ...``: hashtags (see :mod:`trustreach.cli._content`)."""

from __future__ import annotations

from trustreach.cli._content import content_app  # noqa: F401
