"""Brands, campaigns, briefs, deals, sponsored-post slots, tracking events and consent."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from trustreach.synth._lexicon import (
    BRANDS,
    CAMPAIGN_THEMES,
    COUNTRIES,
    RESTRICTED_BRAND_CATEGORIES,
)
from trustreach.synth._population import Account, Creator

_GOALS = ("awareness", "engagement", "traffic", "conversions", "sales")
_COMPENSATION = ("fee", "gift", "affiliate", "product_loan", "discount", "equity")
_COMP_P = (0.5, 0.2, 0.15, 0.06, 0.06, 0.03)
DISCLOSURE = ("disclosed", "buried", "missing")


@dataclass
class Brand:
    """A brand of the world."""

    brand_id: str
    name: str
    handle: str
    category: str
    country: str
    niches: tuple[str, ...]

    @property
    def currency(self) -> str:
        """The brand's home currency."""
        return COUNTRIES[self.country][1]


@dataclass
class Sponsored:
    """A sponsored post to be created by the content generator."""

    deal_id: str
    campaign_id: str
    brand: Brand
    account: Account
    day: int
    status: str  # disclosed | buried | missing
    tag: str | None  # "#ad", "#sponsored" or None
    paid_partnership: bool
    affiliate_code: str | None
    post_id: str = ""


@dataclass(frozen=True)
class OrderSeed:
    """An order a sponsored post led to: day and value drawn with the other events.

    :mod:`trustreach.synth._campaign_data` turns each into purchase events (order
    id, promo code or a visitor's clicks) with its own generator.
    """

    sponsored: Sponsored
    creator_id: str
    day: int
    value: float


def post_link_id(post_id: str) -> str:
    """The tracked (UTM) link of a sponsored post."""
    return f"lnk-{post_id}"


def bio_link_id(deal_id: str) -> str:
    """The tracked link in a creator's bio for one deal (not tied to a post)."""
    return f"lnk-{deal_id}"


def _at(start: date, day: int, hour: int, minute: int) -> datetime:
    d = start + timedelta(days=day)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


def make_brands(n_creators: int, rng: np.random.Generator) -> list[Brand]:
    """Pick brands from the catalogue, always including the restricted ones."""
    n = min(len(BRANDS), max(6, math.ceil(n_creators / 3) + 2))
    restricted = [i for i, b in enumerate(BRANDS) if b[2] in RESTRICTED_BRAND_CATEGORIES]
    others = [i for i in range(len(BRANDS)) if i not in restricted]
    keep = sorted([*rng.permutation(others)[: n - len(restricted)].tolist(), *restricted])
    out = []
    for k, i in enumerate(keep):
        name, handle, category, country, niches = BRANDS[i]
        out.append(Brand(f"brand-{k + 1:02d}", name, handle, category, country, niches))
    return out


def make_campaigns(
    brands: list[Brand],
    creators: list[Creator],
    days: int,
    start: date,
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[Sponsored]]:
    """Campaigns, briefs, deals and the sponsored posts they lead to."""
    campaigns: list[dict[str, Any]] = []
    briefs: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    sponsored: list[Sponsored] = []
    for brand in brands:
        n_camp = 1 if brand.category in RESTRICTED_BRAND_CATEGORIES else int(rng.integers(1, 3))
        for _ in range(n_camp):
            cid = f"camp-{len(campaigns) + 1:03d}"
            length = min(int(rng.integers(14, 46)), days - 7)
            first = int(rng.integers(0, days - length))
            goal = _GOALS[int(rng.integers(0, len(_GOALS)))]
            budget = float(round(rng.uniform(5_000, 80_000), -2))
            theme = CAMPAIGN_THEMES[int(rng.integers(0, len(CAMPAIGN_THEMES)))]
            campaigns.append(
                {
                    "campaign_id": cid,
                    "brand_id": brand.brand_id,
                    "name": f"{brand.name} {theme}",
                    "goal": goal,
                    "starts_on": start + timedelta(days=first),
                    "ends_on": start + timedelta(days=first + length - 1),
                    "budget": budget,
                    "currency": brand.currency,
                }
            )
            adult = brand.category in RESTRICTED_BRAND_CATEGORIES
            bands = ["25-34", "35-44"] if adult else ["18-24", "25-34"]
            briefs.append(_brief(len(briefs), brand, cid, goal, bands, budget, rng))
            cands = [c for c in creators if set(c.niches) & set(brand.niches)]
            if len(cands) < 2:
                cands = list(creators)
            k = min(len(cands), int(rng.integers(2, 5)))
            for ci in sorted(rng.choice(len(cands), size=k, replace=False).tolist()):
                cr = cands[int(ci)]
                did = f"deal-{len(deals) + 1:04d}"
                comp = _COMPENSATION[int(rng.choice(len(_COMPENSATION), p=_COMP_P))]
                acc = cr.accounts[0]
                code = None
                if comp == "fee":
                    amount: float | None = float(
                        max(100, round(acc.followers / 1000 * rng.uniform(8, 25), -1))
                    )
                elif comp == "affiliate":
                    amount = None
                    code = f"{cr.display_name.split()[0].upper()}{int(rng.choice([10, 15, 20]))}"
                elif comp == "equity":
                    amount = float(round(rng.uniform(2_000, 10_000), -2))
                else:
                    amount = float(round(rng.uniform(30, 1_500), 2))
                deals.append(
                    {
                        "deal_id": did,
                        "campaign_id": cid,
                        "creator_id": cr.creator_id,
                        "compensation": comp,
                        "amount": amount,
                        "currency": brand.currency,
                        "affiliate_code": code,
                        "signed_on": start + timedelta(days=first - int(rng.integers(3, 21))),
                    }
                )
                for _ in range(int(rng.integers(1, 4))):
                    status = DISCLOSURE[int(rng.choice(3, p=[0.6, 0.2, 0.2]))]
                    tag: str | None = None
                    paid = False
                    if status == "disclosed":
                        style = int(rng.integers(0, 3))
                        tag = (
                            None if style == 2 else ("#ad" if rng.random() < 0.65 else "#sponsored")
                        )
                        paid = style >= 1
                    elif status == "buried":
                        tag = "#ad"
                    sponsored.append(
                        Sponsored(
                            deal_id=did,
                            campaign_id=cid,
                            brand=brand,
                            account=cr.accounts[int(rng.integers(0, len(cr.accounts)))],
                            day=int(rng.integers(first, first + length)),
                            status=status,
                            tag=tag,
                            paid_partnership=paid,
                            affiliate_code=code,
                        )
                    )
    for _ in range(2):  # open briefs without a campaign yet
        brand = brands[int(rng.integers(0, len(brands)))]
        briefs.append(
            _brief(
                len(briefs),
                brand,
                None,
                "awareness",
                ["18-24", "25-34", "35-44"],
                float(round(rng.uniform(10_000, 50_000), -2)),
                rng,
            )
        )
    return campaigns, briefs, deals, sponsored


def _brief(
    i: int,
    brand: Brand,
    campaign_id: str | None,
    goal: str,
    bands: list[str],
    budget: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    others = [c for c in COUNTRIES if c != brand.country]
    extra = [others[int(k)] for k in rng.choice(len(others), size=2, replace=False)]
    platforms = ["instagram", "tiktok", "youtube"]
    n_plat = int(rng.integers(1, 4))
    return {
        "brief_id": f"brief-{i + 1:03d}",
        "brand_id": brand.brand_id,
        "campaign_id": campaign_id,
        "goal": goal,
        "topics": list(brand.niches),
        "audience_countries": [brand.country, *extra[: int(rng.integers(0, 3))]],
        "audience_age_bands": bands,
        "platforms": sorted(rng.choice(platforms, size=n_plat, replace=False).tolist()),
        "budget": budget,
        "currency": brand.currency,
        "category": brand.category,
    }


def tracking_events(
    posts: dict[str, dict[str, Any]],
    sponsored: list[Sponsored],
    creators: list[Creator],
    deals: list[dict[str, Any]],
    campaigns: list[dict[str, Any]],
    days: int,
    start: date,
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], list[OrderSeed]]:
    """Daily impressions, views, link clicks and carts per sponsored post; conversions.

    Sign-ups and installs are events here; purchases are returned as order seeds
    (drawing the same random numbers an event would, so the rest of a seed's
    world is unchanged) and become orders in :mod:`trustreach.synth._campaign_data`.
    """
    events: list[dict[str, Any]] = []
    orders: list[OrderSeed] = []
    decay = np.array([0.55, 0.2, 0.1, 0.06, 0.04, 0.03, 0.02])

    def emit(cid: str, day: int, kind: str, qty: int, **extra: Any) -> None:
        if qty < 1:
            return
        when = _at(start, day, int(rng.integers(0, 24)), int(rng.integers(0, 60)))
        events.append(
            {
                "event_id": f"evt-{len(events) + 1:07d}",
                "campaign_id": cid,
                "occurred_at": when + timedelta(seconds=int(rng.integers(0, 60))),
                "event_type": kind,
                "quantity": qty,
                **extra,
            }
        )

    for sp in sponsored:
        post = posts[sp.post_id]
        acc = sp.account
        cr_id = creators[acc.creator].creator_id
        reach = post["views"] or int(acc.organic[sp.day] * rng.uniform(0.25, 0.6))
        authentic = 1.0 - acc.true_fake_share
        ctr = rng.uniform(0.004, 0.015) * authentic
        conv_kind = {"finance": "signup", "crypto": "signup", "gaming": "install"}.get(
            sp.brand.category, "purchase"
        )
        span = min(len(decay), days - sp.day)
        weights = decay[:span] / decay[:span].sum()
        ids = {"post_id": sp.post_id, "creator_id": cr_id}
        for k in range(span):
            d = sp.day + k
            impressions = int(reach * weights[k] * rng.uniform(1.1, 1.6))
            emit(sp.campaign_id, d, "impression", impressions, **ids)
            if post["views"] is not None:
                emit(sp.campaign_id, d, "view", int(post["views"] * weights[k]), **ids)
            clicks = int(rng.poisson(impressions * ctr))
            emit(sp.campaign_id, d, "click", clicks, **ids, link_id=post_link_id(sp.post_id))
            if conv_kind == "purchase":
                carts = int(rng.poisson(clicks * rng.uniform(0.06, 0.14)))
                emit(sp.campaign_id, d, "add_to_cart", carts, **ids)
            for _ in range(int(rng.poisson(clicks * rng.uniform(0.015, 0.04)))):
                value = (
                    round(float(rng.lognormal(math.log(45), 0.5)), 2)
                    if conv_kind == "purchase"
                    else None
                )
                if value is not None:
                    for high in (24, 60, 60):  # the draws of emit(): hour, minute, second
                        rng.integers(0, high)
                    orders.append(OrderSeed(sp, cr_id, d, value))
                    continue
                emit(
                    sp.campaign_id,
                    d,
                    conv_kind,
                    1,
                    value=value,
                    currency=sp.brand.currency if value is not None else None,
                    **ids,
                )
    by_campaign = {c["campaign_id"]: c for c in campaigns}
    for deal in deals:  # link-in-bio clicks for affiliate deals, not tied to a post
        if deal["compensation"] != "affiliate":
            continue
        camp = by_campaign[deal["campaign_id"]]
        first = (camp["starts_on"] - start).days
        last = (camp["ends_on"] - start).days
        for d in range(first, last + 1):
            if rng.random() < 0.5:
                emit(
                    deal["campaign_id"],
                    d,
                    "click",
                    int(rng.poisson(15)) + 1,
                    creator_id=deal["creator_id"],
                    link_id=bio_link_id(deal["deal_id"]),
                )
    return events, orders


def consent_records(
    creators: list[Creator], days: int, start: date, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Consent grants at onboarding and a few later withdrawals.

    Returns the records and the withdrawals (for the ground truth).
    """
    rows: list[dict[str, Any]] = []
    withdrawn: list[dict[str, Any]] = []
    n_withdraw = max(1, round(0.1 * len(creators))) if len(creators) >= 5 else 0
    leaving = set(rng.choice(len(creators), size=n_withdraw, replace=False).tolist())
    sources = ("creator_portal", "onboarding_form", "agency_contract")
    for cr in creators:
        onboard = -int(rng.integers(10, 300))
        src = sources[int(rng.integers(0, 3))]
        purposes = ["profiling", "audience_analysis"]
        for purpose, p in (("contact", 0.6), ("declared_attributes", 0.3), ("marketing", 0.4)):
            if rng.random() < p:
                purposes.append(purpose)
        signed = _at(start, onboard, int(rng.integers(8, 20)), int(rng.integers(0, 50)))
        for k, purpose in enumerate(purposes):
            when = signed + timedelta(seconds=int(rng.integers(5, 40)) * (k + 1))
            rows.append(_consent(len(rows), cr, purpose, True, when, src))
        if cr.index in leaving:
            purpose = purposes[int(rng.integers(0, len(purposes)))]
            day = int(rng.integers(days // 3, days))
            when = _at(start, day, int(rng.integers(8, 22)), int(rng.integers(0, 60)))
            rows.append(_consent(len(rows), cr, purpose, False, when, "creator_portal"))
            withdrawn.append(
                {"creator_id": cr.creator_id, "purpose": purpose, "withdrawn_on": when.date()}
            )
    return rows, withdrawn


def _consent(
    i: int, cr: Creator, purpose: str, granted: bool, when: datetime, source: str
) -> dict[str, Any]:
    return {
        "consent_id": f"consent-{i + 1:05d}",
        "creator_id": cr.creator_id,
        "purpose": purpose,
        "granted": granted,
        "recorded_at": when,
        "source": source,
    }
