"""Helpers shared by the discovery tests."""

from __future__ import annotations

from typing import Any

from trustreach.discovery import Brief


def make_brief(**changes: Any) -> Brief:
    """A valid skincare awareness brief (instagram, USD), with ``changes`` applied."""
    data: dict[str, Any] = {
        "brief_id": "b1",
        "brand": "Glow",
        "objective": "awareness",
        "platforms": ["instagram"],
        "topics": ["skincare routine"],
        "category": "beauty",
        "budget": {"amount": 10_000, "currency": "USD"},
        "content_language": "en",
    }
    data.update(changes)
    return Brief.model_validate(data)
