"""Discovery: a brief in a form or a file, the ranked shortlist, its explanations, decisions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
