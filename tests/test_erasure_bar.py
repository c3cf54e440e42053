"""An erasure holds against later imports: a follower erased at their request stays out.

(A creator's erasure and the re-import after it are checked in the zero-residue
test, tests/test_rights_erasure.py.)
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from tests._world import write_world

from trustreach import services
from trustreach.core import Settings
from trustreach.ethics.privacy import Pseudonymizer, load_or_create_key
from trustreach.store._retention_tables import erasure_bars
from trustreach.store._tables import comments, follower_accounts, follows

WS = "acme"


def test_a_reimport_does_not_bring_an_erased_follower_back(
    tmp_path: Path, sqlite_settings: Settings
) -> None:
    settings = sqlite_settings
    world = write_world(tmp_path / "world")
    services.import_path(world, workspace=WS, settings=settings)
    erased = services.erase_third_party("f_1001", workspace=WS, settings=settings)
    assert erased.removed["follower_accounts"] == 1

    report = services.import_path(world, workspace=WS, settings=settings)

    skipped = {k.kind: k.skipped_erased for k in report.kinds if k.skipped_erased}
    # their follower record, their follow and their comment; nothing else
    assert skipped == {"follower_accounts": 1, "follows": 1, "comments": 1}
    key = Pseudonymizer(load_or_create_key(settings.resolved_key_file()))(WS, "f_1001")
    assert key == erased.subject_key
    engine = services.open_store(settings)
    with engine.connect() as connection:
        for table, column in (
            (follower_accounts, follower_accounts.c.follower_key),
            (follows, follows.c.follower_key),
            (comments, comments.c.author_key),
        ):
            held = connection.execute(select(column).where(table.c.workspace == WS)).scalars()
            assert key not in set(held), table.name
        others = connection.execute(
            select(func.count())
            .select_from(follower_accounts)
            .where(follower_accounts.c.workspace == WS)
        ).scalar_one()
        bars = connection.execute(select(erasure_bars)).all()
    engine.dispose()
    assert others == 2  # the other followers were imported as before
    # one bar, a keyed digest: neither the platform id nor the pseudonym
    assert [(b.key_kind, len(b.key_digest)) for b in bars] == [("person", 32)]
    assert bars[0].key_digest not in (key, "f_1001")
