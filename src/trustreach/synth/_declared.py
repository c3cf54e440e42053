"""Declared rates, and attributes creators declare about themselves with consent.

Everything here draws from its own child generators (``np.random.default_rng([seed,
<constant>])``), so adding these facts leaves the world's main random stream as
it was; only the follower counts of the exposure gap (below) flow on into the
numbers that depend on audience size.

The exposure gap is deliberate and documented: industry pay-gap reports on
influencer marketing describe women creators reaching smaller paid audiences
and earning less for comparable work. The generator mirrors it by scaling the
follower counts of creators who declare gender ``woman`` by
:data:`EXPOSURE_GAP` (recorded in ``ground_truth.json`` as ``exposure_gap``),
so a ranking that weighs reach without constraint under-selects them and a
fair-exposure re-ranking has a measurable gap to close. Nothing is inferred:
only creators who declared a gender are affected, and only declared values
exist.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from trustreach.synth._lexicon import COUNTRIES
from trustreach.synth._population import Account, Creator

# attribute -> (share of creators who declare it, values, their probabilities)
DECLARATIONS: dict[str, tuple[float, tuple[str, ...], tuple[float, ...]]] = {
    "gender": (0.8, ("woman", "man", "non-binary"), (0.48, 0.44, 0.08)),
    "ethnicity": (
        0.5, ("white", "black", "asian", "latino", "mixed"), (0.42, 0.18, 0.15, 0.15, 0.10)
    ),
    "disability": (0.35, ("no", "yes"), (0.8, 0.2)),
    "lgbtq_plus": (0.35, ("no", "yes"), (0.75, 0.25)),
}  # fmt: skip
GAP_ATTRIBUTE, GAP_VALUE, GAP_MULTIPLIER = "gender", "woman", 0.6
EXPOSURE_GAP: dict[str, Any] = {
    "attribute": GAP_ATTRIBUTE,
    "value": GAP_VALUE,
    "follower_multiplier": GAP_MULTIPLIER,
}
WITHDRAW_SHARE = 0.1
# Per 1,000 followers, in USD, for one sponsored post: a plausible market spread.
_RATE_PER_THOUSAND = {"instagram": 10.0, "tiktok": 7.0, "youtube": 20.0}
_FROM_USD = {"USD": 1.0, "GBP": 0.79, "EUR": 0.92}
_DECLARE_RATE = 0.8
_PURPOSE = "declared_attributes"


def _child(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def declare_attributes(creators: list[Creator], seed: int) -> None:
    """Draw each creator's declared attributes and set the exposure gap on them.

    Sets ``Creator.declared`` (attribute -> value) and ``Creator.exposure``.
    """
    rng = _child(seed, 0xDEC1)
    for cr in creators:
        for attribute, (share, values, probs) in DECLARATIONS.items():
            declares = rng.random() < share
            pick = values[int(rng.choice(len(values), p=np.array(probs)))]
            if declares:
                cr.declared[attribute] = pick
        if cr.declared.get(GAP_ATTRIBUTE) == GAP_VALUE:
            cr.exposure = GAP_MULTIPLIER


def rate_currency(country: str) -> str:
    """GBP for GB, EUR for euro countries, USD elsewhere.

    >>> rate_currency("GB"), rate_currency("DE"), rate_currency("BR")
    ('GBP', 'EUR', 'USD')
    """
    currency = COUNTRIES[country][1]
    return currency if currency in ("GBP", "EUR") else "USD"


def declared_rates(
    accounts: list[Account], creators: list[Creator], seed: int
) -> dict[str, tuple[float, str]]:
    """Declared per-post fees of ~80% of accounts: account_id -> (rate, currency)."""
    rng = _child(seed, 0xFEE)
    out: dict[str, tuple[float, str]] = {}
    for acc in accounts:
        declares = rng.random() < _DECLARE_RATE
        noise = float(rng.lognormal(0.0, 0.35))
        if not declares:
            continue
        currency = rate_currency(creators[acc.creator].country)
        usd = acc.followers / 1000 * _RATE_PER_THOUSAND[acc.platform] * noise
        fee = max(50.0, usd * _FROM_USD[currency])
        step = 10.0 if fee >= 100 else 5.0
        out[acc.account_id] = (float(round(fee / step) * step), currency)
    return out


def declaration_records(
    creators: list[Creator],
    consents: list[dict[str, Any]],
    withdrawn: list[dict[str, Any]],
    days: int,
    start: date,
    seed: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Declarations with the consent records they rest on, and ~10% later withdrawals.

    ``consents`` and ``withdrawn`` are extended in place (new grants where a
    declaring creator had none, new withdrawals). Returns the declaration rows,
    the new consent rows and the ground-truth section.
    """
    rng = _child(seed, 0xC025)
    first_seen: dict[str, datetime] = {}
    grant: dict[str, dict[str, Any]] = {}
    for row in consents:
        cid = row["creator_id"]
        if cid not in first_seen or row["recorded_at"] < first_seen[cid]:
            first_seen[cid] = row["recorded_at"]
        if row["purpose"] == _PURPOSE and row["granted"] and cid not in grant:
            grant[cid] = row
    declaring = [cr for cr in creators if cr.declared]
    ids = {cr.creator_id for cr in declaring}
    already = {w["creator_id"] for w in withdrawn if w["purpose"] == _PURPOSE} & ids
    added: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for cr in declaring:
        if cr.creator_id not in grant:
            when = first_seen[cr.creator_id] + timedelta(
                days=int(rng.integers(0, 10)), minutes=int(rng.integers(1, 600))
            )
            row = _consent(len(consents) + 1, cr.creator_id, True, when, "creator_portal")
            consents.append(row)
            added.append(row)
            grant[cr.creator_id] = row
        consent = grant[cr.creator_id]
        for attribute, value in cr.declared.items():
            at = consent["recorded_at"] + timedelta(seconds=int(rng.integers(1, 600)))
            rows.append(
                {
                    "declaration_id": f"decl-{len(rows) + 1:05d}",
                    "creator_id": cr.creator_id,
                    "attribute": attribute,
                    "value": value,
                    "declared_at": at,
                    "consent_id": consent["consent_id"],
                }
            )
    target = max(1, round(WITHDRAW_SHARE * len(declaring))) if len(declaring) >= 5 else 0
    pool = [cr.creator_id for cr in declaring if cr.creator_id not in already]
    extra = max(0, target - len(already))
    leaving = sorted(rng.choice(len(pool), size=min(extra, len(pool)), replace=False).tolist())
    for k in leaving:
        cid = pool[int(k)]
        day = int(rng.integers(days // 3, days))
        d = start + timedelta(days=day)
        when = datetime(
            d.year, d.month, d.day, int(rng.integers(8, 22)), int(rng.integers(0, 60)), tzinfo=UTC
        )
        row = _consent(len(consents) + 1, cid, False, when, "creator_portal")
        consents.append(row)
        added.append(row)
        withdrawn.append({"creator_id": cid, "purpose": _PURPOSE, "withdrawn_on": when.date()})
    gone = sorted(already | {pool[int(k)] for k in leaving})
    return rows, added, _truth(declaring, gone)


def _truth(declaring: list[Creator], gone: list[str]) -> dict[str, Any]:
    groups: dict[str, dict[str, int]] = {a: {} for a in DECLARATIONS}
    visible: dict[str, dict[str, int]] = {a: {} for a in DECLARATIONS}
    for cr in declaring:
        for attribute, value in cr.declared.items():
            groups[attribute][value] = groups[attribute].get(value, 0) + 1
            if cr.creator_id not in gone:
                visible[attribute][value] = visible[attribute].get(value, 0) + 1
    return {
        "note": "Declared by the (synthetic) creators with consent; never inferred. "
        "Withdrawn creators' declarations stay in the file but must disappear from reads.",
        "creators": {cr.creator_id: dict(cr.declared) for cr in declaring},
        "declaring_creators": len(declaring),
        "declared_counts": {a: sum(v.values()) for a, v in groups.items()},
        "group_sizes": {a: dict(sorted(v.items())) for a, v in groups.items()},
        "withdrawn_creators": gone,
        "group_sizes_after_withdrawal": {a: dict(sorted(v.items())) for a, v in visible.items()},
    }


def exposure_gap_truth(creators: list[Creator]) -> dict[str, Any]:
    """The ``exposure_gap`` section of the ground truth."""
    return {
        **EXPOSURE_GAP,
        "creators": [
            cr.creator_id for cr in creators if cr.declared.get(GAP_ATTRIBUTE) == GAP_VALUE
        ],
        "applies_to": "followers_count of every account (history, snapshots, reach) of the "
        "listed creators",
        "why": "mirrors the exposure and pay gaps industry reports describe for women "
        "creators, so an unconstrained ranking under-selects them and fair-exposure "
        "re-ranking has a known gap to close",
    }


def _consent(
    number: int, creator_id: str, granted: bool, when: datetime, source: str
) -> dict[str, Any]:
    return {
        "consent_id": f"consent-{number:05d}",
        "creator_id": creator_id,
        "purpose": _PURPOSE,
        "granted": granted,
        "recorded_at": when,
        "source": source,
    }


__all__ = [
    "DECLARATIONS",
    "EXPOSURE_GAP",
    "declaration_records",
    "declare_attributes",
    "declared_rates",
    "exposure_gap_truth",
    "rate_currency",
]
