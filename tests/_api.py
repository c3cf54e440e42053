"""Two tenants on one store, API keys per role, and a TestClient: shared by the API tests."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests._world import TINY, write_records

from trustreach import services
from trustreach.core import Role, Settings

A = "acme"
B = "globex"
B_MARKERS = ("Globex Secret", "globexsecret", "globex-analyst")
"""Text only workspace B's data holds: no answer to a key of A may contain it."""

_IDS = (
    "c1", "c2", "ig_c1", "tt_c2", "b1", "cmp1", "br1", "d1", "p1", "p2", "k1", "k2",
    "e1", "e2", "cs1", "f_1001", "f_1002", "f_1003",
)  # fmt: skip


def globex_world() -> dict[str, list[dict[str, Any]]]:
    """The tiny world with every id prefixed ``gx-`` and names and handles B's own."""
    text = json.dumps(TINY)
    for i in _IDS:
        text = text.replace(f'"{i}"', f'"gx-{i}"')
    text = text.replace("Ana Glow", "Globex Secret Ana").replace("Max Lifts", "Globex Secret Max")
    text = text.replace('"anaglow"', '"globexsecretana"').replace('"maxlifts"', '"globexsecretmax"')
    world: dict[str, list[dict[str, Any]]] = json.loads(text)
    return world


def write_globex(directory: Path) -> Path:
    for kind, records in globex_world().items():
        write_records(directory / f"{kind}.jsonl", records)
    return directory


@dataclass
class Tenants:
    """The seeded store: keys by (workspace, role), and B's ids."""

    settings: Settings
    keys: dict[tuple[str, Role], str]
    a_shortlists: list[str]
    b_shortlists: list[str]
    b_creators: list[str]

    def auth(self, role: Role, workspace: str = A) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(workspace, role)]}"}


def _propose(settings: Settings, workspace: str, creators: list[str], by: str) -> str:
    entries = [
        services.ProposedEntry(c, i + 1, 0.9 - i / 10, {"topic_fit": {"used": 0.8}}, f"fits {c}")
        for i, c in enumerate(creators)
    ]
    return services.propose_shortlist(
        brief_id=creators[0].replace("c1", "br1"),
        campaign_id=None,
        brief_digest="a" * 64,
        entries=entries,
        model_versions={"performance": "0.1.0"},
        parameters={},
        created_by=by,
        workspace=workspace,
        settings=settings,
    ).shortlist_id


def seed(tmp_path: Path, settings: Settings, *, a_shortlists: int = 1) -> Tenants:
    """Import A (the tiny world) and B (its ``gx-`` twin), audit c1 in each, propose
    shortlists, and create one key per role in each workspace."""
    from tests._world import write_world

    services.import_path(write_world(tmp_path / "a"), workspace=A, settings=settings)
    services.import_path(write_globex(tmp_path / "b"), workspace=B, settings=settings)
    services.audit_creator("c1", workspace=A, settings=settings)
    services.audit_creator("gx-c1", workspace=B, settings=settings)
    a_lists = [_propose(settings, A, ["c1", "c2"], "acme-analyst") for _ in range(a_shortlists)]
    b_lists = [_propose(settings, B, ["gx-c1", "gx-c2"], "globex-analyst")]
    keys = {}
    for ws in (A, B):
        for role in (Role.admin, Role.analyst, Role.approver, Role.auditor):
            secret, _ = services.create_key(
                workspace=ws,
                role=role,
                label=f"{ws} {role.value}",
                by=services.cli_actor(ws),
                settings=settings,
            )
            keys[(ws, role)] = secret
    return Tenants(settings, keys, a_lists, b_lists, ["gx-c1", "gx-c2"])


def client(settings: Settings, *, rate_limits: bool = False, **kwargs: Any) -> Any:
    """A TestClient on :func:`trustreach.api.create_app` for ``settings``.

    Rate limits are off unless ``rate_limits`` (tests send many requests from one
    key and one address in a moment; tests/test_api_idempotency.py tests the limits).
    """
    if not rate_limits:
        settings = settings.model_copy(update={"api_rate_limit_per_minute": 0})
    with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what FastAPI documents
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from trustreach.api import create_app

    return TestClient(create_app(settings, **kwargs.pop("app", {})), **kwargs)
