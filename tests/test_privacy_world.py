"""After importing a whole synthetic world, no raw third-party id or handle is stored."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import String, Text, select

from trustreach.core import Settings
from trustreach.services import import_path, open_store
from trustreach.store import metadata
from trustreach.synth import generate_world


def _raw_identifiers(world: Path) -> set[str]:
    found: set[str] = set()
    for line in (world / "follower_accounts.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        found.add(record["account_id"])
        if record.get("username"):
            found.add(record["username"])
    for line in (world / "comments.jsonl").read_text(encoding="utf-8").splitlines():
        found.add(json.loads(line)["author_id"])
    return found


def test_no_raw_follower_or_commenter_identifier_in_any_text_column(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    world = tmp_path / "world"
    generate_world(world, seed=3, creators=8, followers_per_creator=60, days=30)
    secrets = _raw_identifiers(world)
    assert len(secrets) > 500
    import_path(world, workspace="demo", settings=sqlite_settings)
    engine = open_store(sqlite_settings)
    values: list[str] = []
    with engine.connect() as connection:
        for table in metadata.tables.values():
            columns = [c for c in table.c if isinstance(c.type, String | Text)]
            if columns:
                for row in connection.execute(select(*columns)):
                    values.extend(str(v) for v in row if v is not None)
    engine.dispose()
    assert len(values) > 10_000
    haystack = "\n".join(values)
    # ids and usernames of at least 5 characters would be a real leak if present
    leaked = sorted(s for s in secrets if len(s) >= 5 and s in haystack)
    assert leaked == []
