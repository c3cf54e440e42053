"""Content guidance: trends (see the package docstring)."""

from __future__ import annotations
