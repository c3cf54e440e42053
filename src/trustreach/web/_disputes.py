"""Disputes: the approvers' queue, and a creator filing and following their own."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
