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
    anchors = sorted(source.glob("audit-anchor-*.json"))
    if len(anchors) == 1:
        shutil.copyfile(anchors[0], anchor_path(settings))
    return settings
