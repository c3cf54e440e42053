"""Content guidance over the API: trends (see ``docs/content.md``)."""

from __future__ import annotations

from fastapi import APIRouter

from trustreach.api._routes import _problems

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 404, 422, 500))
