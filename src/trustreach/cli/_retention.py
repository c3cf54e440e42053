"""``trustreach privacy enforce-retention``: one scheduled command for every table's retention."""

from __future__ import annotations
