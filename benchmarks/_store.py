"""A scratch copy of a store for benchmarks that write (keys, people, audit records)."""

from __future__ import annotations

import shutil
from pathlib import Path

from trustreach.core import Settings
from trustreach.services._audit_guard import anchor_path


def copy_store(source: Path, target: Path) -> Settings:
    """Copy the data directory ``source`` to ``target`` (without the discovery index)
    and return settings on the copy.

    The copy keeps checking against the source's audit anchor: an anchor named
    the old way (by the URL as spelled) would not be found from the new folder,
    so a single anchor is copied under the name the copy looks for.
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("index", "audit-anchor-*"))
    settings = Settings(data_dir=target)
    _copy_anchor(source, settings)
    return settings


def _copy_anchor(source: Path, settings: Settings) -> None:
    """The source store's anchor, under the name the copy looks for.

    The anchor the source's own store names wins; else the only anchor there is
    (one named the old way, by the URL as spelled).
    """
    own = anchor_path(Settings(data_dir=source))
    anchors = sorted(source.glob("audit-anchor-*.json"))
    if own.is_file():
        shutil.copyfile(own, anchor_path(settings))
    elif len(anchors) == 1:
        shutil.copyfile(anchors[0], anchor_path(settings))


def copy_to_database(source: Path, url: str, target: Path) -> Settings:
    """Copy the store in the data directory ``source`` into the (emptied) database ``url``.

    Every table is emptied and refilled in foreign-key order; the data directory
    ``target`` gets the pseudonym key and the source's audit anchor under the
    name the new store looks for, so the copy verifies like the original.
    Meant for a scratch PostgreSQL database: everything in it is replaced.
    """
    from sqlalchemy import delete, insert, select

    from trustreach.services import open_store
    from trustreach.store._tables import metadata

    source_settings = Settings(data_dir=source)
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns("index", "audit-anchor-*", "*.db*")
    )
    settings = Settings(data_dir=target, database_url=url)
    reading, writing = open_store(source_settings, create=False), open_store(settings)
    tables = metadata.sorted_tables
    with reading.connect() as read, writing.begin() as write:
        for table in reversed(tables):
            write.execute(delete(table))
        for table in tables:
            rows = [dict(r._mapping) for r in read.execute(select(table))]
            for start in range(0, len(rows), 5000):
                write.execute(insert(table), rows[start : start + 5000])
    _copy_anchor(source, settings)
    return settings
