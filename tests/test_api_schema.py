"""Schemathesis against /openapi.json: no server error, no answer that breaks the published schema.

Bounded examples so the suite stays fast; every operation is called with an admin
key of workspace A on a seeded store (SQLite and PostgreSQL) holding two workspaces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from tests._api import seed

from trustreach.api import create_app
from trustreach.core import Role, Settings


def test_every_operation_keeps_to_the_schema(tmp_path: Path, store_settings: Settings) -> None:
    tenants = seed(tmp_path, store_settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(store_settings))
    headers = tenants.auth(Role.admin)
    operations = [o.ok() for o in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            # Opaque cursors and ids cannot be drawn from a schema: a drawn one is refused
            # (422) or not found (404) by design, so "valid-looking data is accepted" is
            # not checked; every other default check is.
            case.call_and_validate(
                headers=headers, excluded_checks=[checks.positive_data_acceptance]
            )

        call()
