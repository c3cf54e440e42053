"""People and API keys of the workspace (admins)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
