"""Conversation summaries of a campaign or a creator."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
