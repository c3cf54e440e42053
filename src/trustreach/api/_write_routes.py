"""Routes that change things: discovery, decisions, deals, disputes, corrections, privacy.

Split by meaning into :mod:`trustreach.api._shortlist_routes` (discovery, shortlist
decisions and overrides, deals) and :mod:`trustreach.api._creator_routes` (disputes,
conversation, privacy); this router includes both under ``/api/v1``.
"""

from __future__ import annotations

from fastapi import APIRouter

from trustreach.api import _creator_routes, _shortlist_routes

router = APIRouter(prefix="/api/v1")
router.include_router(_shortlist_routes.router)
router.include_router(_creator_routes.router)
