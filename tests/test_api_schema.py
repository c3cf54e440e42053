"""Schemathesis against /openapi.json: no server error, no answer that breaks the published schema.

Bounded examples so the suite stays fast; every operation, reads and writes, is called
with an admin key of workspace A on a seeded store (SQLite and PostgreSQL) holding two
workspaces; half the cases of a by-id route use ids that exist (tests/_schemathesis.py).
The longer run is ``scripts/schemathesis_api.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from tests._api import A, client, seed
from tests._schemathesis import EXCLUDED, cases, known_ids

from trustreach import services
from trustreach.api import create_app
from trustreach.core import Role, Settings


def test_every_operation_keeps_to_the_schema(tmp_path: Path, store_settings: Settings) -> None:
    tenants = seed(tmp_path, store_settings)
    services.file_dispute("c1", "contested", workspace=A, settings=store_settings)
    # the rate limits have their own tests; here they would answer 429 to generated bursts
    unlimited = store_settings.model_copy(update={"api_rate_limit_per_minute": 0})
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(unlimited))
    headers = tenants.auth(Role.admin)
    known = known_ids(client(unlimited), headers, deal_id=["d1"], account_id=["ig_c1", "tt_c2"])
    assert {"creator_id", "shortlist_id", "dispute_id", "deal_id"} <= set(known)
    operations = [o.ok() for o in schema.get_all_operations()]
    methods = {o.method.upper() for o in operations}
    assert len(operations) >= 20 and {"GET", "POST"} <= methods
    for operation in operations:

        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=cases(operation, known))
        def call(case: Any) -> None:
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

        call()
