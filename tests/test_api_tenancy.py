"""Tenancy (OWASP API1): a key of workspace A reads, changes and counts nothing of workspace B.

The routes come from the app's own OpenAPI document, so a GET route added later is walked
too without editing this test.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from tests._api import B_MARKERS, A, B, Tenants, client, seed

from trustreach import services
from trustreach.api._cursor import encode_cursor
from trustreach.core import Role, Settings
from trustreach.services import _listing

A_IDS = {"c1", "c2", "ig_c1", "tt_c2", "b1", "cmp1", "br1", "d1", "p1", "p2"}
ROLES = (Role.admin, Role.analyst, Role.approver, Role.auditor)


def _get_routes(api: Any) -> list[str]:
    schema = api.get("/openapi.json").json()
    return sorted(p for p, ops in schema["paths"].items() if "get" in ops)


def _snapshot(settings: Settings) -> tuple[Any, ...]:
    """Everything of B a stray write could change, counted and listed."""
    audit = services.list_audit(workspace=B, limit=10_000, settings=settings)
    creators = _listing.page_creators(workspace=B, limit=200, settings=settings).items
    lists = _listing.page_shortlists(workspace=B, limit=200, settings=settings).items
    return (
        [(e.seq, e.hash) for e in audit],
        creators,
        [(s.shortlist_id, s.status, s.decisions) for s in lists],
    )


def _no_b_data(text: str) -> None:
    for marker in B_MARKERS:
        assert marker not in text, f"{marker!r} of workspace {B} leaked: {text[:300]}"


_random_ids = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.:@ ~!$'()*+,;=", min_size=1, max_size=60
).filter(lambda s: s.strip(".") != "" and s not in A_IDS)


def test_every_get_route_hides_another_workspace(tmp_path: Path, store_settings: Settings) -> None:
    tenants: Tenants = seed(tmp_path, store_settings)
    api = client(store_settings)
    routes = _get_routes(api)
    with_ids = [r for r in routes if "{" in r]
    listings = [r for r in routes if "{" not in r]
    assert len(with_ids) >= 3 and "/api/v1/creators" in listings
    b_ids = [*tenants.b_creators, *tenants.b_shortlists, "gx-br1", "gx-ig_c1"]
    before = _snapshot(store_settings)

    @hypothesis_settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(
        route=st.sampled_from(with_ids),
        ident=st.one_of(st.sampled_from(b_ids), _random_ids),
        role=st.sampled_from(ROLES),
    )
    def walk_by_id(route: str, ident: str, role: Role) -> None:
        path = route
        while "{" in path:
            start, end = path.index("{"), path.index("}")
            path = path[:start] + quote(ident, safe="") + path[end + 1 :]
        r = api.get(path, headers=tenants.auth(role, A))
        _no_b_data(r.text)
        assert r.status_code in (403, 404), (path, r.status_code, r.text[:300])
        assert r.headers["content-type"] == "application/problem+json"
        if r.status_code == 404:  # the same answer as for an id that never existed
            assert r.json()["detail"] == f"{r.request.url.path} was not found in your workspace"
        if role is Role.admin:
            assert r.status_code == 404

    @hypothesis_settings(max_examples=30, deadline=None)
    @given(
        route=st.sampled_from(listings),
        after=st.one_of(st.none(), st.sampled_from(b_ids), _random_ids),
        role=st.sampled_from(ROLES),
    )
    def walk_listings(route: str, after: str | None, role: Role) -> None:
        listing = route.rsplit("/api/v1/", 1)[-1]
        params = {}
        if after is not None and listing in ("creators", "shortlists"):
            params["cursor"] = encode_cursor(listing, after)
        r = api.get(route, headers=tenants.auth(role, A), params=params)
        _no_b_data(r.text)
        assert "gx-" not in r.text
        assert r.status_code in (200, 403), (route, r.status_code, r.text[:300])

    walk_by_id()
    walk_listings()
    # the same ids answer B's own key: the 404s above hid data that exists
    for path in ("/api/v1/creators/gx-c1", "/api/v1/creators/gx-c1/audit"):
        assert api.get(path, headers=tenants.auth(Role.analyst, B)).status_code == 200
    sid = tenants.b_shortlists[0]
    assert api.get(f"/api/v1/shortlists/{sid}", headers=tenants.auth(Role.analyst, B)).is_success
    assert _snapshot(store_settings) == before


@pytest.mark.parametrize("role", ROLES)
def test_b_counts_are_never_in_a_listing(
    tmp_path: Path, sqlite_settings: Settings, role: Role
) -> None:
    tenants = seed(tmp_path, sqlite_settings)
    api = client(sqlite_settings)
    mine = services.list_audit(workspace=A, limit=10_000, settings=sqlite_settings)
    verify = api.get("/api/v1/audit-log/verify", headers=tenants.auth(role, A))
    if role in (Role.admin, Role.auditor):
        assert verify.json()["records"] == len(mine)  # A's records only, not the store's
    else:
        assert verify.status_code == 403
    body = api.get("/api/v1/shortlists", headers=tenants.auth(role, A)).json()
    assert [s["shortlist_id"] for s in body["items"]] == tenants.a_shortlists
