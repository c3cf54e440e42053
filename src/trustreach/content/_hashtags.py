"""Content guidance: hashtags (see the package docstring)."""

from __future__ import annotations
