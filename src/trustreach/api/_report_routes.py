"""The audit and shortlist reports as HTML and PDF."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
