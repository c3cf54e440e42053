"""Privacy by design: keyed pseudonyms, minimisation, the record of processing, erasure."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, insert, select
from tests._world import seal

from trustreach import services
from trustreach.core import ConfigurationError, NotFoundError, Settings
from trustreach.ethics.audit import read_audit
from trustreach.ethics.privacy import (
    Pseudonymizer,
    load_or_create_key,
    mask_mentions,
    username_features,
)
from trustreach.store import metadata, processing_register
from trustreach.store._tables import (
    comments,
    creator_accounts,
    creators,
    follower_accounts,
    follows,
    posts,
    workspaces,
)

KEY = bytes(range(32))

# --- pseudonyms ------------------------------------------------------------------------


def test_pseudonym_is_deterministic_and_32_hex_chars() -> None:
    first = Pseudonymizer(KEY)("acme", "follower_123")
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert Pseudonymizer(KEY)("acme", "follower_123") == first


def test_pseudonym_is_scoped_by_workspace_identifier_and_key() -> None:
    pseudonym = Pseudonymizer(KEY)
    base = pseudonym("acme", "follower_123")
    assert pseudonym("other", "follower_123") != base
    assert pseudonym("acme", "follower_124") != base
    assert Pseudonymizer(bytes(reversed(KEY)))("acme", "follower_123") != base
    # the separator keeps ("ab", "c") and ("a", "bc") apart
    assert pseudonym("ab", "c") != pseudonym("a", "bc")


def test_pseudonym_does_not_contain_the_identifier() -> None:
    assert "123" not in Pseudonymizer(KEY)("acme", "123123123")


@pytest.mark.parametrize("key", [b"", b"k" * 15])
def test_pseudonymizer_rejects_a_short_key(key: bytes) -> None:
    with pytest.raises(ConfigurationError, match="at least 16 bytes"):
        Pseudonymizer(key)


def test_pseudonymizer_accepts_a_16_byte_key() -> None:
    assert len(Pseudonymizer(b"k" * 16)("acme", "x")) == 32


# --- the install secret -----------------------------------------------------------------


def test_key_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "pseudonym.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii").strip() == key.hex()


def test_key_file_is_reused(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    first = load_or_create_key(path)
    assert load_or_create_key(path) == first
    assert load_or_create_key(tmp_path / "another.key") != first


def test_existing_key_file_is_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    path.write_text(KEY.hex() + "\n", encoding="ascii")
    assert load_or_create_key(path) == KEY


def test_malformed_key_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    path.write_text("not-a-hex-key\n", encoding="ascii")
    with pytest.raises(ConfigurationError, match=rf"{re.escape(str(path))} must hold 64 hex"):
        load_or_create_key(path)


def test_short_key_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    path.write_text("ab" * 8, encoding="ascii")
    with pytest.raises(ConfigurationError, match=rf"{re.escape(str(path))} is 8 bytes"):
        load_or_create_key(path)


# --- minimisation at import ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("@jane look!", "@user look!"),
        ("thanks @bob_99 and @ann.lee", "thanks @user and @user"),
        ("mail me at jane.doe@example.com", "mail me at jane.doe@example.com"),
        ("(@jane) me@b.com @@x", "(@user) me@b.com @@x"),
        ("no mentions here", "no mentions here"),
    ],
)
def test_mask_mentions_masks_handles_but_keeps_emails(text: str, masked: str) -> None:
    assert mask_mentions(text) == masked


def test_username_features_keep_only_counts() -> None:
    assert username_features("jane_doe1987") == (12, 4)
    assert username_features("") == (0, 0)


# --- the record of processing ---------------------------------------------------------------


def test_register_lists_exactly_the_declared_tables() -> None:
    declared = sorted(t.name for t in metadata.tables.values() if "personal_data" in t.info)
    assert [entry.table for entry in processing_register()] == declared
    assert {"comments", "follower_accounts", "follows", "creators"} <= set(declared)
    assert {"audit_log", "posts", "brands"}.isdisjoint(declared)


def test_register_entries_are_complete() -> None:
    for entry in processing_register():
        table = metadata.tables[entry.table]
        assert entry.declaration.purpose.strip(), entry.table
        assert entry.declaration.legal_basis.strip(), entry.table
        assert entry.declaration.subject_columns, entry.table
        assert set(entry.declaration.subject_columns) <= set(table.c.keys()), entry.table


def test_register_states_retention_in_words() -> None:
    by_table = {entry.table: entry for entry in processing_register()}
    assert by_table["follower_accounts"].retention == "180 days after last update"
    assert by_table["creators"].retention == "until the subject or the workspace is erased"


def test_record_of_processing_is_the_register() -> None:
    assert services.record_of_processing() == processing_register()


# --- erasure of a third party ---------------------------------------------------------------


def _insert(engine: Engine, table: Table, *rows: Mapping[str, object]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(table), list(rows))


def _follower(workspace: str, key: str) -> dict[str, object]:
    return {"workspace": workspace, "follower_key": key, "username_length": 8}


@pytest.fixture
def store(store_settings: Settings) -> Iterator[tuple[Settings, Engine, Pseudonymizer]]:
    """A store with two followers/commenters of one creator in ``acme``."""
    engine = services.open_store(store_settings)
    pseudonym = Pseudonymizer(load_or_create_key(store_settings.resolved_key_file()))
    erased, kept = pseudonym("acme", "follower_123"), pseudonym("acme", "follower_456")
    _insert(
        engine,
        workspaces,
        *(
            {"workspace": w, "created_at": datetime(2024, 4, 1, tzinfo=UTC)}
            for w in ("acme", "other")
        ),
    )
    _insert(
        engine,
        creators,
        {"workspace": "acme", "creator_id": "c1", "display_name": "C", "niches": []},
    )
    _insert(
        engine,
        creator_accounts,
        {
            "workspace": "acme",
            "account_id": "ig_c1",
            "creator_id": "c1",
            "platform": "instagram",
            "handle": "c1",
            "verified": False,
        },
    )
    _insert(
        engine,
        posts,
        {
            "workspace": "acme",
            "post_id": "p1",
            "account_id": "ig_c1",
            "posted_at": datetime(2024, 5, 1, tzinfo=UTC),
            "media_type": "image",
            "hashtags": [],
            "likes": 10,
            "comments": 2,
            "paid_partnership": False,
        },
    )
    _insert(
        engine,
        follower_accounts,
        _follower("acme", erased),
        _follower("acme", kept),
        # the same person in another tenant has another pseudonym
        _follower("other", pseudonym("other", "follower_123")),
    )
    _insert(
        engine,
        follows,
        *(
            {"workspace": "acme", "creator_account_id": "ig_c1", "follower_key": key}
            | {"followed_on": date(2024, 4, 1)}
            for key in (erased, kept)
        ),
    )
    _insert(
        engine,
        comments,
        *(
            {
                "workspace": "acme",
                "comment_id": f"cm_{key[:6]}",
                "post_id": "p1",
                "author_key": key,
                "posted_at": datetime(2024, 5, 2, tzinfo=UTC),
                "text": "love it @user",
                "likes": 0,
            }
            for key in (erased, kept)
        ),
    )
    seal(store_settings)
    yield store_settings, engine, pseudonym
    engine.dispose()


def _keys(engine: Engine, table: Table, column: str) -> set[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.workspace, table.c[column]))
        return {(row[0], row[1]) for row in rows}


def test_erasure_removes_every_row_of_the_subject_only(
    store: tuple[Settings, Engine, Pseudonymizer],
) -> None:
    settings, engine, pseudonym = store
    erased, kept = pseudonym("acme", "follower_123"), pseudonym("acme", "follower_456")
    other = pseudonym("other", "follower_123")

    report = services.erase_third_party("follower_123", workspace="acme", settings=settings)

    assert report.subject_key == erased
    assert report.removed == {
        "comment_labels": 0,
        "follows": 1,
        "comments": 1,
        "follower_accounts": 1,
    }
    assert _keys(engine, follows, "follower_key") == {("acme", kept)}
    assert _keys(engine, comments, "author_key") == {("acme", kept)}
    assert _keys(engine, follower_accounts, "follower_key") == {("acme", kept), ("other", other)}


def test_erasure_is_audited_by_pseudonym_only(
    store: tuple[Settings, Engine, Pseudonymizer],
) -> None:
    settings, engine, pseudonym = store
    report = services.erase_third_party(
        "follower_123", workspace="acme", actor="api:dpo", settings=settings
    )
    with engine.connect() as connection:
        *_, entry = read_audit(connection)  # after the fixture's seeding record
    assert (entry.seq, entry.action, entry.actor) == (report.audit_seq, "erase_subject", "api:dpo")
    assert entry.workspace == "acme"
    assert entry.subject is not None
    assert pseudonym("acme", "follower_123") in entry.subject
    assert "follower_123" not in entry.subject
    assert "follower_123" not in entry.details
    assert entry.details_dict() == {"removed": report.removed}
    assert services.verify_audit_log(settings) is not None


def test_erasure_of_an_unknown_subject_is_nothing_to_do(
    store: tuple[Settings, Engine, Pseudonymizer],
) -> None:
    """An id that never existed erases nothing and writes no audit record."""
    settings, engine, _ = store
    services.erase_third_party("follower_123", workspace="acme", settings=settings)
    before = services.list_audit(limit=100, settings=settings)
    report = services.erase_third_party("nobody", workspace="acme", settings=settings)
    assert report.nothing_to_do
    assert report.audit_seq is None
    assert set(report.removed.values()) == {0}
    assert len(_keys(engine, follows, "follower_key")) == 1
    assert services.list_audit(limit=100, settings=settings) == before


def test_erasure_in_a_workspace_that_does_not_exist_is_refused(
    store: tuple[Settings, Engine, Pseudonymizer],
) -> None:
    settings, _, _ = store
    with pytest.raises(NotFoundError, match="workspace 'nowhere' does not exist"):
        services.erase_third_party("follower_123", workspace="nowhere", settings=settings)


def test_erasure_rejects_a_bad_workspace(sqlite_settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="workspace 'Acme Corp' not allowed"):
        services.erase_third_party("follower_123", workspace="Acme Corp", settings=sqlite_settings)
