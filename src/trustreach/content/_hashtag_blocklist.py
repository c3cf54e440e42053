"""Hashtags never suggested: the shipped blocklist and the disclosure word lists.

Two sources, one answer (:meth:`Blocklist.why`):

- ``hashtag_blocklist.toml`` beside this module: engagement-exchange tags
  (follow-for-follow, like-for-like), engagement bait and tags the platforms
  are reported to restrict, each group with its reason and source;
- the disclosure rules (:func:`trustreach.ethics.disclosure.rulebook`): the
  accepted, weak and rejected wording of every jurisdiction, the AI and
  virtual-creator labels, and tags ending in ``partner`` or ``ambassador``
  (the ``{brand}partner`` patterns). An ambiguous disclosure tag (``#sp``,
  ``#spon``, ``#collab``) does not disclose; a real one (``#ad``) belongs to the
  disclosure check. Neither is a way to reach more people.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from trustreach.core import ConfigurationError, read_toml
from trustreach.ethics.disclosure import RuleBook, rulebook

_BRAND_TAIL = re.compile(r"^[a-z0-9_]+_?(partner|ambassador)$")


@dataclass(frozen=True)
class BlockedTag:
    """Why a tag is never suggested.

    Attributes
    ----------
    tag
        The tag, lower case, without ``#``.
    group
        ``engagement_exchange``, ``engagement_bait``, ``restricted``,
        ``disclosure_ambiguous`` or ``disclosure_label``.
    reason, source
        Plain words, and where the rule comes from.
    """

    tag: str
    group: str
    reason: str
    source: str


@dataclass(frozen=True)
class Blocklist:
    """Tags never suggested, by tag; :meth:`why` answers for any tag."""

    version: str
    tags: dict[str, BlockedTag]
    disclosure_source: str

    def why(self, tag: str) -> BlockedTag | None:
        """The reason ``tag`` is never suggested, or None when it may be."""
        key = tag.strip().lstrip("#").casefold()
        hit = self.tags.get(key)
        if hit is not None:
            return hit
        if _BRAND_TAIL.match(key):
            return BlockedTag(
                key,
                "disclosure_ambiguous",
                "reads as a brand partnership tag ('#brandpartner', '#brandambassador'): "
                "a disclosure word, for the disclosure check, not a reach suggestion",
                self.disclosure_source,
            )
        return None


def _tag(words: str) -> str:
    return re.sub(r"[\s_-]+", "", words.casefold())


def _disclosure_tags(book: RuleBook) -> dict[str, BlockedTag]:
    source = f"trustreach disclosure rules {book.version} (ethics/disclosure/rules.toml)"
    out: dict[str, BlockedTag] = {}
    labels = (
        ("ai_labels", book.ai_labels, "an AI-content label"),
        ("virtual_labels", book.virtual_labels, "a virtual-creator label"),
    )
    for _, words, what in labels:
        for w in words:
            out[_tag(w)] = BlockedTag(
                _tag(w),
                "disclosure_label",
                f"{what}: it belongs where it is true, checked by the disclosure check, "
                "not added for reach",
                source,
            )
    for jurisdiction, wording in sorted(book.wording.items()):
        for w in (*wording.accepted, *wording.weak):
            out.setdefault(
                _tag(w),
                BlockedTag(
                    _tag(w),
                    "disclosure_label",
                    f"a disclosure word ({jurisdiction}): it says a post is advertising, "
                    "belongs on sponsored posts and is checked by the disclosure check, "
                    "not added for reach",
                    source,
                ),
            )
        for w in wording.rejected:
            out[_tag(w)] = BlockedTag(
                _tag(w),
                "disclosure_ambiguous",
                f"an ambiguous disclosure word ({jurisdiction} regulators say it does not "
                "disclose a paid relationship)",
                source,
            )
    return out


def parse_blocklist(data: dict[str, Any], book: RuleBook | None = None) -> Blocklist:
    """Build a :class:`Blocklist` from a parsed TOML document and the disclosure rules."""
    book = book or rulebook()
    if "version" not in data:
        raise ConfigurationError("hashtag blocklist lacks 'version'")
    tags = _disclosure_tags(book)
    for group in data.get("group", []):
        missing = [k for k in ("name", "reason", "source", "tags") if k not in group]
        if missing:
            raise ConfigurationError(
                f"hashtag blocklist group {group.get('name')!r} lacks {missing}"
            )
        for raw in group["tags"]:
            key = _tag(str(raw)).lstrip("#")
            tags[key] = BlockedTag(key, str(group["name"]), str(group["reason"]), group["source"])
    return Blocklist(
        version=str(data["version"]),
        tags=tags,
        disclosure_source=f"trustreach disclosure rules {book.version}",
    )


@cache
def blocklist() -> Blocklist:
    """The shipped blocklist joined with the shipped disclosure rules, read once."""
    text = resources.files(__package__).joinpath("hashtag_blocklist.toml").read_text("utf-8")
    return parse_blocklist(tomllib.loads(text))


def load_blocklist(path: str | Path) -> Blocklist:
    """A reviewed copy of ``hashtag_blocklist.toml``; errors name the file."""
    p = Path(path)
    data = read_toml(p, "hashtag blocklist")
    return parse_blocklist(data)


__all__ = ["BlockedTag", "Blocklist", "blocklist", "load_blocklist", "parse_blocklist"]
