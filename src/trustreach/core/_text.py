"""Small wording helpers shared by every layer's messages."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

_IRREGULAR = {"person": "people", "child": "children", "analysis": "analyses"}


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``count`` and ``noun``, the noun in the plural unless the count is one.

    Counts get thousands separators. Nouns ending in s, x, z, ch or sh take
    "es", a consonant and y becomes "ies"; give ``plural_form`` for others.

    >>> plural(1, "post"), plural(2, "post"), plural(12000, "follower")
    ('1 post', '2 posts', '12,000 followers')
    >>> plural(0, "match"), plural(3, "category"), plural(2, "person")
    ('0 matches', '3 categories', '2 people')
    >>> plural(1, "analysis"), plural(2, "record", "records kept")
    ('1 analysis', '2 records kept')
    """
    if count == 1:
        return f"1 {noun}"
    if plural_form is None:
        plural_form = _IRREGULAR.get(noun)
    if plural_form is None:
        if noun.endswith(("s", "x", "z", "ch", "sh")):
            plural_form = noun + "es"
        elif len(noun) > 1 and noun.endswith("y") and noun[-2] not in "aeiou":
            plural_form = noun[:-1] + "ies"
        else:
            plural_form = noun + "s"
    return f"{count:,} {plural_form}"


def money(amount: float, currency: str | None) -> str:
    """An amount with two decimals and its currency, never a bare number.

    >>> money(8565.014, "GBP"), money(3.5, None)
    ('8,565.01 GBP', '3.50 (currency not given)')
    """
    return f"{amount:,.2f} {currency or '(currency not given)'}"


def closest_id(wanted: str, ids: Sequence[str]) -> list[str]:
    """The known id closest to ``wanted`` (none when nothing is near): by spelling,
    else by its number, so ``creator-0042`` finds ``cr-0042``."""
    close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.5)
    if not close:
        digits = "".join(ch for ch in wanted if ch.isdigit())
        close = sorted(i for i in ids if digits and i.endswith(digits))[:1]
    return close
