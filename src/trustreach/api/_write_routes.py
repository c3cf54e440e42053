"""Routes that change things: discovery, decisions, deals, disputes, corrections, privacy."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
