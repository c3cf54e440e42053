"""Tenancy (OWASP API1): a key of workspace A reads, changes and counts nothing of workspace B.

The routes come from the app's own OpenAPI document, so a route added later is walked
too without editing this test: a GET route by its path and required query parameters;
a route that changes things (POST, PUT, PATCH, DELETE) with the example requests of
:data:`WRITE_EXAMPLES`, which name B's ids. A write route with no entry there fails the
test, so no route goes unwalked.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests._api import B_MARKERS, A, B, Tenants, client, seed

from trustreach import services
from trustreach.api._auth import current_actor
from trustreach.api._cursor import encode_cursor
from trustreach.core import Actor, Role, Settings
from trustreach.store._tables import metadata

A_IDS = {"c1", "c2", "ig_c1", "tt_c2", "b1", "cmp1", "br1", "d1", "p1", "p2", "k1", "k2"}
ROLES = (Role.admin, Role.analyst, Role.approver, Role.auditor)
CREATOR = "creator"
"""A creator's login of A (creator c1): reaches the routes through a signed-in Actor."""
WRITES = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class BIds:
    """Ids that exist in workspace B only."""

    creator: str
    shortlist: str
    dispute: int
    deal: str = "gx-d1"
    campaign: str = "gx-cmp1"
    comment: str = "gx-k1"
    follower: str = "gx-f_1001"
    brief: str = "gx-br1"


Example = Callable[[BIds], dict[str, Any]]
"""An example request of a write route: keyword arguments of ``httpx.Client.request``."""

_BRIEF: dict[str, Any] = {
    "brief_id": "tenancy",
    "brand": "Acme Skin",
    "objective": "awareness",
    "platforms": ["instagram"],
    "topics": ["skincare"],
    "category": "beauty",
    "budget": {"amount": 1000, "currency": "USD"},
    "content_language": "en",
}

WRITE_EXAMPLES: dict[str, list[Example]] = {
    "POST /api/v1/discovery": [
        lambda b: {"json": {"like": b.creator}},
        lambda b: {"json": {"like": b.creator, "brief": _BRIEF}},
        lambda b: {
            "json": {
                "brief": {
                    **_BRIEF,
                    "brief_id": b.brief,
                    "campaign_id": b.campaign,
                    "exclusions": {"creator_ids": [b.creator]},
                },
                "top_n": 3,
            }
        },
    ],
    "POST /api/v1/shortlists/{shortlist_id}/decisions": [
        lambda b: {"json": {"creator_id": b.creator, "decision": "approved", "reason": "x"}},
        lambda b: {"json": {"creator_id": "c1", "decision": "rejected", "reason": "x"}},
    ],
    "POST /api/v1/shortlists/{shortlist_id}/overrides": [
        lambda b: {"json": {"creator_id": b.creator, "reason": "x"}},
        lambda b: {"json": {"creator_id": "c1", "reason": "x"}},
    ],
    "POST /api/v1/deals": [
        lambda b: {
            "json": {
                "shortlist_id": b.shortlist,
                "creator_id": b.creator,
                "deal_id": b.deal,
                "compensation": "fee",
                "amount": 10,
                "campaign_id": b.campaign,
                "signed_on": "2026-10-05",
            }
        },
        lambda b: {
            "json": {
                "shortlist_id": b.shortlist,
                "creator_id": "c1",
                "deal_id": "new",
                "compensation": "gift",
                "campaign_id": "cmp1",
                "signed_on": "2026-10-05",
            }
        },
    ],
    "POST /api/v1/disputes": [
        lambda b: {"json": {"creator_id": b.creator, "reason": "x"}},
    ],
    "POST /api/v1/deals/{deal_id}/obligations/acceptance": [
        lambda b: {"json": {}},
        lambda b: {"json": {"rules_version": "x"}},
    ],
    "POST /api/v1/disputes/{dispute_id}/resolution": [
        lambda b: {"json": {"decision": "upheld", "note": "x"}},
    ],
    "POST /api/v1/conversation/corrections": [
        lambda b: {
            "json": {
                "comment_id": b.comment,
                "field": "sentiment",
                "value": "negative",
                "reason": "x",
            }
        },
    ],
    "POST /api/v1/creators/{creator_id}/consent-withdrawals": [
        lambda b: {"json": {"purpose": "profiling"}},
        lambda b: {"json": {"purpose": "declared_attributes"}},
    ],
    "POST /api/v1/privacy/erasures": [
        lambda b: {"json": {"account_id": b.follower}},
    ],
    "POST /api/v1/imports": [  # an account of B's creator: refused by A's import (a job)
        lambda b: {
            "files": {
                "files": (
                    "creator_accounts.jsonl",
                    f'{{"account_id": "ig_new", "creator_id": "{b.creator}", '
                    '"platform": "instagram", "handle": "new"}\n'.encode(),
                )
            }
        },
    ],
    "POST /api/v1/audits": [
        lambda b: {"json": {"creator_ids": [b.creator]}},
    ],
    "POST /api/v1/conversation/analyses": [
        lambda b: {"json": {"tier": "lexicon"}},
    ],
    "POST /api/v1/nlp/analyze": [
        lambda b: {"json": {"texts": [{"id": b.comment, "text": "nice"}], "tier": "lexicon"}},
    ],
    "POST /api/v1/events": [  # B's campaign or creator: refused, nothing stored
        lambda b: {
            "json": {
                "events": [
                    {
                        "event_id": "t1",
                        "campaign_id": b.campaign,
                        "occurred_at": "2026-10-05T10:00:00Z",
                        "event_type": "click",
                    }
                ]
            }
        },
        lambda b: {
            "json": {
                "events": [
                    {
                        "event_id": "t2",
                        "campaign_id": "cmp1",
                        "occurred_at": "2026-10-05T10:00:00Z",
                        "event_type": "click",
                        "creator_id": b.creator,
                    }
                ]
            }
        },
    ],
    "POST /api/v1/content/check-draft": [  # B's account: not found
        lambda b: {"json": {"account": "gx-ig_c1", "caption": "Hi", "media_type": "reel"}},
    ],
    "POST /api/v1/alerts/{alert_id}/acknowledge": [lambda b: {"json": {"note": "x"}}],
    "POST /api/v1/alerts/{alert_id}/snooze": [lambda b: {"json": {"hours": 1}}],
    "PUT /api/v1/campaigns/{campaign_id}/targets": [
        lambda b: {"json": {"metric": "reach", "target": 1000}},
        lambda b: {"json": {"metric": "conversions", "target": None}},
    ],
    "PUT /api/v1/alert-webhook": [lambda b: {"json": {"url": "http://127.0.0.1:9/hook"}}],
    "POST /api/v1/rights/requests": [  # B's creator: not found; a handle: pseudonym of A
        lambda b: {"json": {"subject_kind": "creator", "subject": b.creator, "right": "export"}},
    ],
    "POST /api/v1/rights/requests/{request_id}/status": [
        lambda b: {"json": {"status": "completed", "outcome": "done"}},
    ],
    "POST /api/v1/creators/{creator_id}/objection": [lambda b: {"json": {}}],
    "POST /api/v1/content/hashtags": [  # B's account: not found; a caption: A's posts only
        lambda b: {"json": {"account": "gx-ig_c1", "caption": "morning routine"}},
        lambda b: {"json": {"caption": "morning routine"}},
    ],
    "POST /api/v1/creators/{creator_id}/rectification": [
        lambda b: {"json": {"fields": {"country": "GB"}}},
    ],
    "POST /api/v1/creators/{creator_id}/erasure": [lambda b: {"json": {"keep_deals": True}}],
    "POST /api/v1/rights/third-party-access": [
        lambda b: {"json": {"platform": "instagram", "handle": b.follower}},
    ],
    "POST /api/v1/webhooks/shop/{workspace}": [  # unsigned: 401 whatever the workspace
        lambda b: {
            "content": f'{{"id": 1, "note_attributes": [{{"name": "campaign_id", '
            f'"value": "{b.campaign}"}}]}}'.encode()
        },
    ],
}
"""Every write route's example requests (bodies naming B's ids); path ids come from B too."""

ACTS_IN_A = {
    "POST /api/v1/discovery": {201},  # ranks A's creators; B's ids in the brief match nothing
    "POST /api/v1/privacy/erasures": {200},  # nothing of A is held under B's follower id
    "POST /api/v1/imports": {202},  # a job of A, refused when it runs
    "POST /api/v1/audits": {202},
    "POST /api/v1/conversation/analyses": {202},  # labels A's comments
    "POST /api/v1/nlp/analyze": {200},  # texts sent, nothing stored of B
    "POST /api/v1/rights/third-party-access": {200},  # nothing of A under B's follower id
    "POST /api/v1/webhooks/shop/{workspace}": {401},  # a shop's signature, not a key
    "PUT /api/v1/alert-webhook": {200},  # A's own webhook (no id in it)
    "POST /api/v1/content/hashtags": {200},  # a caption alone: tags of A's posts
}
"""Write routes that may succeed on A's own data; the answer must still hold nothing of B."""


def _snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of workspace B in every table that has a workspace column."""
    engine = services.open_store(settings)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                if "workspace" not in table.c:
                    continue
                rows = connection.execute(
                    select(table).where(table.c.workspace == B).order_by(*table.primary_key)
                ).all()
                out[table.name] = sorted((tuple(map(repr, r)) for r in rows), key=str)
    finally:
        engine.dispose()
    return out


def _no_b_data(text: str) -> None:
    for marker in B_MARKERS:
        assert marker not in text, f"{marker!r} of workspace {B} leaked: {text[:300]}"


_random_ids = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.:@ ~!$'()*+,;=", min_size=1, max_size=60
).filter(lambda s: s.strip(".") != "" and s not in A_IDS)


def _operations(api: Any) -> dict[str, dict[str, Any]]:
    """``"METHOD /path" -> operation`` of the app's OpenAPI document."""
    schema = api.get("/openapi.json").json()
    return {
        f"{method.upper()} {path}": op
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in ("get", *WRITES)
    }


def _fill(route: str, ident: str) -> str:
    path = route.split(" ", 1)[1]
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + quote(ident, safe="") + path[end + 1 :]
    return path


def _required_query(op: dict[str, Any], ident: str) -> dict[str, str]:
    """Each required query parameter: the first allowed value of an enum, else ``ident``."""
    params = {}
    for p in op.get("parameters", []):
        if p["in"] == "query" and p.get("required"):
            enum = p.get("schema", {}).get("enum")
            params[p["name"]] = enum[0] if enum else ident
    return params


def _callers(settings: Settings, tenants: Tenants) -> Callable[[str], tuple[Any, dict[str, str]]]:
    keyed = client(settings)
    creator = client(settings)
    creator.app.dependency_overrides[current_actor] = lambda: Actor(
        "user", "ana@creators.test", Role.creator, A, "c1"
    )

    def caller(role: str) -> tuple[Any, dict[str, str]]:
        if role == CREATOR:
            return creator, {}
        return keyed, tenants.auth(Role(role), A)

    return caller


def _b_ids(tenants: Tenants, settings: Settings) -> BIds:
    dispute = services.file_dispute("gx-c1", "B's own", workspace=B, settings=settings)
    return BIds(tenants.b_creators[0], tenants.b_shortlists[0], dispute.dispute_id)


def test_every_route_hides_and_keeps_another_workspace(
    tmp_path: Path, store_settings: Settings
) -> None:
    tenants: Tenants = seed(tmp_path, store_settings)
    b = _b_ids(tenants, store_settings)
    api = client(store_settings)
    operations = _operations(api)
    gets = {r: op for r, op in operations.items() if r.startswith("GET ")}
    writes = sorted(r for r in operations if not r.startswith("GET "))
    unwalked = sorted(set(writes) - set(WRITE_EXAMPLES))
    assert not unwalked, f"add example requests naming B's ids to WRITE_EXAMPLES for {unwalked}"
    assert len(writes) >= 9
    with_ids = sorted(r for r, op in gets.items() if "{" in r or _required_query(op, "x"))
    listings = sorted(r for r, op in gets.items() if r not in with_ids)
    assert len(with_ids) >= 3 and "GET /api/v1/creators" in listings
    b_ids = [*tenants.b_creators, *tenants.b_shortlists, b.brief, "gx-ig_c1", b.deal,
             b.campaign, b.comment, str(b.dispute)]  # fmt: skip
    caller = _callers(store_settings, tenants)
    roles = st.sampled_from([*ROLES, CREATOR])
    before = _snapshot(store_settings)

    def check_refused(r: Any, role: str, allowed: set[int]) -> None:
        _no_b_data(r.text)
        assert r.status_code in allowed, (r.request.url.path, role, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert r.headers["content-type"] == "application/problem+json"
        if r.status_code == 404:  # the same answer as for an id that never existed
            assert r.json()["detail"] == f"{r.request.url.path} was not found in your workspace"

    @hypothesis_settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(
        route=st.sampled_from(with_ids),
        ident=st.one_of(st.sampled_from(b_ids), _random_ids),
        role=roles,
    )
    def walk_by_id(route: str, ident: str, role: str) -> None:
        api, headers = caller(role)
        r = api.get(_fill(route, ident), params=_required_query(gets[route], ident),
                    headers=headers)  # fmt: skip
        # 422: a drawn id that is not a dispute number
        check_refused(r, role, {403, 404, 422})
        if role == Role.admin and r.status_code != 422:
            assert r.status_code == 404

    @hypothesis_settings(max_examples=30, deadline=None)
    @given(
        route=st.sampled_from(listings),
        after=st.one_of(st.none(), st.sampled_from(b_ids), _random_ids),
        role=roles,
    )
    def walk_listings(route: str, after: str | None, role: str) -> None:
        listing = route.rsplit("/api/v1/", 1)[-1]
        params = {}
        if after is not None and listing in ("creators", "shortlists", "disputes"):
            params["cursor"] = encode_cursor(listing, after)
        api, headers = caller(role)
        r = api.get(route.split(" ", 1)[1], headers=headers, params=params)
        _no_b_data(r.text)
        assert "gx-" not in r.text
        assert r.status_code in (200, 403, 422), (route, r.status_code, r.text[:300])

    @hypothesis_settings(
        max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(
        route=st.sampled_from(writes),
        ident=st.one_of(st.sampled_from(b_ids), _random_ids),
        role=roles,
        which=st.integers(min_value=0, max_value=10),
        idempotency=st.booleans(),
    )
    def walk_writes(route: str, ident: str, role: str, which: int, idempotency: bool) -> None:
        examples = WRITE_EXAMPLES[route]
        request = examples[which % len(examples)](b)
        api, headers = caller(role)
        if idempotency:
            headers = {**headers, "Idempotency-Key": f"tenancy-{which}"}
        method, _ = route.split(" ", 1)
        r = api.request(method, _fill(route, ident), headers=headers, **request)
        allowed = {403, 404, 409, 422} | ACTS_IN_A.get(route, set())
        check_refused(r, role, allowed)

    walk_by_id()
    walk_listings()
    walk_writes()
    after = _snapshot(store_settings)
    for table, rows in before.items():
        assert after[table] == rows, f"workspace {B}'s {table} changed"
    # (then) the same ids answer B's own key: the 404s above hid data that exists
    for path in ("/api/v1/creators/gx-c1", "/api/v1/creators/gx-c1/audit", "/api/v1/deals/gx-d1",
                 f"/api/v1/disputes/{b.dispute}", f"/api/v1/shortlists/{b.shortlist}"):  # fmt: skip
        assert api.get(path, headers=tenants.auth(Role.admin, B)).status_code == 200, path


@pytest.mark.parametrize("role", ROLES)
def test_b_counts_are_never_in_a_listing(
    tmp_path: Path, sqlite_settings: Settings, role: Role
) -> None:
    tenants = seed(tmp_path, sqlite_settings)
    services.file_dispute("gx-c1", "B's own", workspace=B, settings=sqlite_settings)
    api = client(sqlite_settings)
    mine = services.list_audit(workspace=A, limit=10_000, settings=sqlite_settings)
    verify = api.get("/api/v1/audit-log/verify", headers=tenants.auth(role, A))
    if role in (Role.admin, Role.auditor):
        assert verify.json()["records"] == len(mine)  # A's records only, not the store's
    else:
        assert verify.status_code == 403
    body = api.get("/api/v1/shortlists", headers=tenants.auth(role, A)).json()
    assert [s["shortlist_id"] for s in body["items"]] == tenants.a_shortlists
    disputes = api.get("/api/v1/disputes?status=all", headers=tenants.auth(role, A)).json()
    assert disputes == {"items": [], "next_cursor": None}
