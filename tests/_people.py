"""Two tenants with people in every role, for the dashboard and browser tests."""

from __future__ import annotations

from pathlib import Path

from tests._world import write_records, write_world

from trustreach import services
from trustreach.core import Role, Settings

PASSWORD = "correct horse battery staple"

PEOPLE = [
    ("acme", Role.admin, None),
    ("acme", Role.analyst, None),
    ("acme", Role.approver, None),
    ("acme", Role.auditor, None),
    ("acme", Role.creator, "c1"),
    ("beta", Role.analyst, None),
    ("beta", Role.auditor, None),
]


def seed_two_tenants(
    root: Path,
    settings: Settings,
    *,
    people: list[tuple[str, Role, str | None]] = PEOPLE,
    audited: bool = True,
) -> dict[str, str]:
    """Workspace ``acme`` (the tiny world, creator c1 audited unless ``audited`` is false)
    and ``beta`` (creator b7), with one person per entry of ``people`` (by default
    :data:`PEOPLE`; password :data:`PASSWORD`).

    Returns ``"workspace/role" -> e-mail``.
    """
    services.import_path(write_world(root / "acme"), workspace="acme", settings=settings)
    if audited:
        services.audit_creator("c1", workspace="acme", settings=settings)
    beta = root / "beta"
    beta.mkdir()
    write_records(
        beta / "creators.jsonl",
        [{"creator_id": "b7", "display_name": "Bea Travels", "niches": ["travel"]}],
    )
    services.import_path(beta, workspace="beta", settings=settings)
    emails: dict[str, str] = {}
    for workspace, role, creator_id in people:
        email = f"{role.value}@{workspace}.test"
        services.create_user(
            email,
            workspace=workspace,
            role=role,
            password=PASSWORD,
            creator_id=creator_id,
            by=services.cli_actor(workspace),
            settings=settings,
        )
        emails[f"{workspace}/{role.value}"] = email
    return emails
