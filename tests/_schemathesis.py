"""Schemathesis cases that also reach existing objects: shared by tests/test_api_schema.py
and scripts/schemathesis_api.py.

Ids drawn from a schema almost never exist, so most by-id calls would only ever
check the 404 answer. Half the cases here take their path ids from the store
(read through the API itself), so the 200 and 201 answers are checked too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from schemathesis import checks

EXCLUDED = [checks.positive_data_acceptance]
"""Opaque cursors and ids cannot be drawn from a schema: a drawn one is refused (422) or
not found (404) by design, so "valid-looking data is accepted" is not checked."""

_LISTINGS = {
    "creator_id": ("/api/v1/creators?limit=200", "creator_id"),
    "shortlist_id": ("/api/v1/shortlists?limit=200", "shortlist_id"),
    "dispute_id": ("/api/v1/disputes?status=all&limit=200", "dispute_id"),
    "job_id": ("/api/v1/jobs?limit=200", "job_id"),
    "campaign_id": ("/api/v1/campaigns", "campaign_id"),
}


def known_ids(api: Any, headers: dict[str, str], **extra: list[str]) -> dict[str, list[str]]:
    """Ids of the caller's workspace by path parameter name, read through the API."""
    known: dict[str, list[str]] = {name: list(ids) for name, ids in extra.items()}
    for name, (url, field) in _LISTINGS.items():
        r = api.get(url, headers=headers)
        if r.status_code == 200:
            known.setdefault(name, []).extend(str(item[field]) for item in r.json()["items"])
    return {name: ids for name, ids in known.items() if ids}


def cases(operation: Any, known: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """The operation's generated cases, half of them with path ids that exist."""
    names = [n for n in known if "{" + n + "}" in operation.path]

    @st.composite
    def draw(data: Any) -> Any:
        case = data(operation.as_strategy())
        if names and data(st.booleans()):
            for name in names:
                case.path_parameters[name] = data(st.sampled_from(known[name]))
        return case

    return draw()
