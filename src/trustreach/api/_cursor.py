"""Opaque pagination cursors: the listing's name and the last key of the page, base64url."""

from __future__ import annotations

import base64
import binascii
import json

from trustreach.core import ConfigurationError

_MAX_CURSOR = 512


def encode_cursor(listing: str, after: str | None) -> str | None:
    """The cursor that continues ``listing`` after the key ``after`` (None: no more pages).

    >>> decode_cursor("creators", encode_cursor("creators", "cr-0042"))
    'cr-0042'
    """
    if after is None:
        return None
    raw = json.dumps({"l": listing, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(listing: str, cursor: str | None) -> str | None:
    """The key a cursor of ``listing`` continues after; a bad cursor names the field.

    >>> decode_cursor("creators", "nonsense")
    Traceback (most recent call last):
    ...
    trustreach.core._exceptions.ConfigurationError: cursor is not valid; allowed: ...
    """
    if cursor is None or cursor == "":
        return None
    try:
        if len(cursor) > _MAX_CURSOR:
            raise ValueError(cursor)
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("l") != listing:
            raise ValueError(cursor)
        after = data["a"]
        if not isinstance(after, str):
            raise ValueError(cursor)
        return after
    except (ValueError, KeyError, binascii.Error, UnicodeDecodeError):
        raise ConfigurationError(
            "cursor is not valid; allowed: the next_cursor of a previous page of this listing, "
            "unchanged (or no cursor for the first page)"
        ) from None
