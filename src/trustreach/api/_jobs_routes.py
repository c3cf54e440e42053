"""Jobs: imports, audit runs, conversation analyses and nlp batches, with progress."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
