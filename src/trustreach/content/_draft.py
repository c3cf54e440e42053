"""Content guidance: draft (see the package docstring)."""

from __future__ import annotations
