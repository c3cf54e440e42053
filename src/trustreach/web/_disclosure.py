"""Disclosure pages of the dashboard (work in progress; issue #15)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
