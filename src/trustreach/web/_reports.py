"""The audit and shortlist reports to download as HTML or PDF."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
