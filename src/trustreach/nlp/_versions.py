"""Model versions that name the whole decision, not only the weights.

A label stored with a model version must change version whenever the same text
could get another label: new weights, but also a new flag threshold, a new
temperature, or a new rewrite of the text before the model reads it (the
praise-idiom tables of :mod:`trustreach.nlp._idioms`). The weights' SHA-256
names the first; :func:`decision_version` appends a short digest of the rest,
so a threshold chosen anew (as the hate thresholds were for robustness to
shift) can never reach stored labels under an old version.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping

from trustreach.nlp._idioms import EMOJI_MEANINGS, IDIOMS

__all__ = ["decision_version", "text_rules_digest"]


@functools.cache
def text_rules_digest() -> str:
    """SHA-256 of the idiom and emoji rewrite every tier reads text through."""
    rules = {
        "idioms": [[p.pattern, int(p.flags), r] for p, r in IDIOMS],
        "emoji": sorted(EMOJI_MEANINGS.items()),
    }
    return hashlib.sha256(json.dumps(rules, ensure_ascii=False).encode()).hexdigest()


def decision_version(name: str, weights_sha256: str, decision: Mapping[str, object]) -> str:
    """``NAME@WEIGHTS12+RULE8``: the weights' digest and a digest of the decision rule.

    Parameters
    ----------
    name : str
        The model's name.
    weights_sha256 : str
        SHA-256 (hex) of the weights or graph.
    decision : mapping
        Everything besides the weights that decides a label (thresholds,
        temperatures, length limits); JSON-serialisable.

    Examples
    --------
    >>> a = decision_version("hate", "ab" * 32, {"threshold": 0.57})
    >>> b = decision_version("hate", "ab" * 32, {"threshold": 0.49})
    >>> a.split("+")[0] == b.split("+")[0] == "hate@" + "ab" * 6, a != b
    (True, True)
    """
    rule = json.dumps(
        {"decision": decision, "text_rules": text_rules_digest()}, sort_keys=True, default=str
    )
    return f"{name}@{weights_sha256[:12]}+{hashlib.sha256(rule.encode()).hexdigest()[:8]}"
