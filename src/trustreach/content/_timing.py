"""Content guidance: timing (see the package docstring)."""

from __future__ import annotations
