"""Run Schemathesis against every operation of the API for longer than ``make test`` does.

Every operation of ``/openapi.json`` (reads and writes) gets ``--examples`` generated
requests with an admin key (tests/test_api_schema.py runs 20). By default on a fresh
store holding two workspaces (the tests' tiny world and its ``gx-`` twin); with
``--data-dir`` on an existing store (work on a copy: the writes change it), with a
temporary admin key of ``--workspace``. Half the cases of a by-id route take ids that
exist (tests/_schemathesis.py). Every check runs but "valid-looking data is accepted"
(opaque cursors and ids cannot be drawn from a schema).

Usage::

    python scripts/schemathesis_api.py --examples 200
    python scripts/schemathesis_api.py --examples 50 --only discovery --seed 3
    cp -r .trustreach /tmp/copy && python scripts/schemathesis_api.py \\
        --data-dir /tmp/copy --workspace demo

Prints ``name=value`` lines: requests and statuses per operation, then
``server_errors``, ``schema_violations`` and ``failures``; each distinct failure is
printed with a request that reproduces it. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package: seed()

import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from tests._schemathesis import EXCLUDED, cases, known_ids

from trustreach import services
from trustreach.api import create_app
from trustreach.core import Role, Settings


def _store(args: argparse.Namespace, scratch: Path) -> tuple[Settings, str, dict[str, list[str]]]:
    """The settings to serve, an admin key of the workspace to call with, and ids the API
    lists nowhere (the seeded store's deal)."""
    if args.data_dir is None:
        from tests._api import seed

        store = Settings(data_dir=scratch / "data", api_rate_limit_per_minute=0)
        return store, seed(scratch, store).keys[("acme", Role.admin)], {"deal_id": ["d1"]}
    store = Settings(data_dir=args.data_dir, api_rate_limit_per_minute=0)
    secret, _ = services.create_key(
        workspace=args.workspace,
        role=Role.admin,
        label="schemathesis_api.py",
        expires_days=1,
        by=services.cli_actor(args.workspace),
        settings=store,
    )
    return store, secret, {}


def _run(
    operation: Any,
    name: str,
    statuses: Counter[int],
    failures: dict[tuple[str, str], str],
    headers: dict[str, str],
    known: dict[str, list[str]],
    args: argparse.Namespace,
) -> int:
    """Call one operation ``args.examples`` times; returns its server errors."""
    errors = 0

    @settings(
        max_examples=args.examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=cases(operation, known))
    def call(case: Any) -> None:
        nonlocal errors
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        errors += response.status_code >= 500
        try:
            case.validate_response(response, headers=headers, excluded_checks=EXCLUDED)
        except (FailureGroup, Failure) as exc:
            for failure in getattr(exc, "exceptions", [exc]):
                title = getattr(failure, "title", type(failure).__name__)
                failures.setdefault(
                    (name, title), f"{failure}\n    reproduce: {case.as_curl_command(headers)}"
                )

    if args.seed is not None:
        call = seed(args.seed)(call)
    call()
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="requests per operation")
    parser.add_argument("--only", default=None, help="operations whose path contains this")
    parser.add_argument("--seed", type=int, default=None, help="Hypothesis seed")
    parser.add_argument("--data-dir", type=Path, default=None, help="an existing store (a copy)")
    parser.add_argument("--workspace", default="demo", help="with --data-dir: whose key")
    args = parser.parse_args()
    logging.getLogger("trustreach.api").setLevel(logging.CRITICAL)  # 500s are counted here
    with tempfile.TemporaryDirectory(prefix="schemathesis-api-") as tmp:
        store, key, extra = _store(args, Path(tmp))
        schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(store))
        headers = {"Authorization": f"Bearer {key}"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        known = known_ids(TestClient(create_app(store)), headers, **extra)
        failures: dict[tuple[str, str], str] = {}
        server_errors = 0
        started = time.perf_counter()
        for result in schema.get_all_operations():
            if not isinstance(result, Ok):
                raise SystemExit(f"the API's schema is not valid: {result.err()}")
            operation = result.ok()
            name = f"{operation.method.upper()} {operation.path}"
            if args.only and args.only not in operation.path:
                continue
            statuses: Counter[int] = Counter()
            server_errors += _run(operation, name, statuses, failures, headers, known, args)
            label = name.replace(" ", "_")
            print(f"requests[{label}]={sum(statuses.values())}")
            print(f"statuses[{label}]={dict(sorted(statuses.items()))}")
        for (name, title), text in sorted(failures.items()):
            print(f"\nFAILURE {name}: {title}\n    {text}", file=sys.stderr)
        violations = sum(1 for _, title in failures if "server error" not in title.lower())
        print(f"seconds={time.perf_counter() - started:.1f}")
        print(f"server_errors={server_errors}")
        print(f"schema_violations={violations}")
        print(f"failures={len(failures)}")
        return 1 if failures or server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
