"""Disclosure routes (work in progress; see the module's owner issue #15)."""

from __future__ import annotations

from fastapi import APIRouter

from trustreach.api._routes import _problems

router = APIRouter(prefix="/api/v1", responses=_problems(401, 422, 500))
