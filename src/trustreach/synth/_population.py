"""Creators, their accounts, follower histories, follower samples and audience mixes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from trustreach.synth._lexicon import (
    AGE_ORDER,
    COUNTRIES,
    FIRST_NAMES,
    GENDER_ORDER,
    HANDLE_WORDS,
    LAST_NAMES,
    NICHES,
    Niche,
)
from trustreach.synth._params import BoolArray, FloatArray, IntArray

PLATFORMS = ("instagram", "tiktok", "youtube")
FRAUD_TYPES = ("bought_followers", "engagement_pod", "bot_comments", "inflated_engagement")
_AGE_TILT = {
    "instagram": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    "tiktok": (1.6, 1.25, 1.0, 0.85, 0.7, 0.6, 0.5),
    "youtube": (1.1, 1.1, 1.0, 1.0, 0.95, 0.9, 0.9),
}


@dataclass
class Burst:
    """A purchased-follower burst on one account."""

    start_day: int
    duration: int
    share_of_followers: float
    added_followers: int = 0
    retained_at_end: int = 0


@dataclass
class Account:
    """A creator account and its hidden state."""

    index: int
    account_id: str
    creator: int
    platform: str
    handle: str
    followers: int
    following: int
    verified: bool
    organic: FloatArray  # organic followers per day (absolute)
    counts: IntArray  # reported followers per day
    burst_curve: FloatArray  # followers from bursts per day (absolute)
    bursts: list[Burst]
    spikes: list[dict[str, Any]]
    baseline_fake: float
    true_fake_share: float = 0.0
    follower_rows: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    posts_before: int = 0


@dataclass
class Creator:
    """A creator and the hidden traits that shape their content."""

    index: int
    creator_id: str
    display_name: str
    niche: Niche
    niches: list[str]
    country: str
    language: str
    quality: float
    comment_ratio: float
    negativity: float
    habit_hours: tuple[int, int]
    fraud: list[str] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    declared: dict[str, str] = field(default_factory=dict)  # declared with consent
    exposure: float = 1.0  # follower multiplier: the documented exposure gap


@dataclass
class FollowerPool:
    """The world's follower rows before features are drawn."""

    owner: list[IntArray] = field(default_factory=list)
    is_fake: list[BoolArray] = field(default_factory=list)
    fake_like: list[BoolArray] = field(default_factory=list)
    followed_on: list[IntArray] = field(default_factory=list)
    size: int = 0

    def add(
        self, owner: IntArray, is_fake: BoolArray, fake_like: BoolArray, day: IntArray
    ) -> IntArray:
        """Append rows; return their indices."""
        rows = np.arange(self.size, self.size + owner.size, dtype=np.int64)
        self.owner.append(owner)
        self.is_fake.append(is_fake)
        self.fake_like.append(fake_like)
        self.followed_on.append(day)
        self.size += owner.size
        return rows


def assign_fraud(creators: list[Creator], rng: np.random.Generator) -> None:
    """Pick ~25% of creators and give each fraud type to at least 3 when there are >= 20."""
    c = len(creators)
    n_fraud = max(5, math.ceil(0.25 * c)) if c >= 20 else round(0.25 * c)
    if n_fraud == 0:  # a world of 1-2 creators stays clean
        return
    chosen = sorted(rng.choice(c, size=n_fraud, replace=False).tolist())
    per_type = min(n_fraud, max(3 if c >= 20 else 1, round(0.45 * n_fraud)))
    for kind in FRAUD_TYPES:
        if kind == "engagement_pod" and n_fraud < 2:
            continue
        k = max(per_type, 2) if kind == "engagement_pod" else per_type
        for i in rng.choice(chosen, size=min(k, n_fraud), replace=False).tolist():
            creators[int(i)].fraud.append(kind)
    for i in chosen:
        if not creators[i].fraud:
            creators[i].fraud.append(FRAUD_TYPES[int(rng.integers(0, len(FRAUD_TYPES)))])
    for cr in creators:
        cr.fraud.sort(key=FRAUD_TYPES.index)


def make_creators(n: int, rng: np.random.Generator) -> list[Creator]:
    """Invent ``n`` creators across niches, countries and languages."""
    codes = list(COUNTRIES)
    weights = np.array([COUNTRIES[k][2] for k in codes])
    weights /= weights.sum()
    niche_order = rng.permutation(len(NICHES))
    out: list[Creator] = []
    for i in range(n):
        niche = NICHES[int(niche_order[i % len(NICHES)])]
        niches = [niche.name]
        if rng.random() < 0.35:
            other = NICHES[int(rng.integers(0, len(NICHES)))].name
            if other != niche.name:
                niches.append(other)
        country = codes[int(rng.choice(len(codes), p=weights))]
        first = FIRST_NAMES[int(rng.integers(0, len(FIRST_NAMES)))]
        last = LAST_NAMES[int(rng.integers(0, len(LAST_NAMES)))]
        styles = (f"{first} {last}", f"{first} | {niche.name.title()}", f"{first} {last[0]}.")
        display = styles[int(rng.choice(3, p=[0.6, 0.25, 0.15]))]
        h1 = int(rng.integers(7, 23))
        out.append(
            Creator(
                index=i,
                creator_id=f"cr-{i + 1:04d}",
                display_name=display,
                niche=niche,
                niches=niches,
                country=country,
                language=COUNTRIES[country][0],
                quality=float(rng.lognormal(0.0, 0.25)),
                comment_ratio=float(rng.lognormal(math.log(0.02), 0.35)),
                negativity=float(rng.uniform(0.6, 1.6)),
                habit_hours=(h1, int((h1 + rng.integers(3, 9)) % 24)),
            )
        )
    return out


def _handle(cr: Creator, platform: str, taken: set[str], rng: np.random.Generator) -> str:
    first = cr.display_name.split()[0].lower()
    word = HANDLE_WORDS[cr.niche.name][int(rng.integers(0, 4))]
    base = (f"{first}{word}", f"{first}.{word}", f"{word}with{first}", f"the{first}{word}")
    handle = base[int(rng.integers(0, 4))]
    while f"{platform}:{handle}" in taken:
        handle = f"{handle}{int(rng.integers(1, 99))}"
    taken.add(f"{platform}:{handle}")
    return handle


def _history(
    followers: int,
    days: int,
    start: date,
    bursts: list[Burst],
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, IntArray, list[dict[str, Any]]]:
    """Daily organic and burst follower curves ending at ``followers``."""
    t = np.arange(days)
    dow = (start.weekday() + t) % 7
    mu = rng.uniform(0.0002, 0.0028) if rng.random() > 0.12 else rng.uniform(-0.0008, 0.0)
    season = 1.0 + 0.35 * np.cos(2 * np.pi * (dow - 5.5) / 7.0)
    inc = mu * season + rng.normal(0.0, 0.0003 + 0.3 * abs(mu), days)
    spikes: list[dict[str, Any]] = []
    if days >= 40 and rng.random() < 0.25:  # organic viral moment: a confounder, not fraud
        ts = int(rng.integers(10, days - 10))
        size = float(rng.uniform(0.01, 0.04))
        for k, w in enumerate((0.45, 0.3, 0.15, 0.1)):
            inc[ts + k] += size * w
        spikes.append({"day": ts, "share_of_followers": round(size, 4)})
    inc[0] = 0.0
    organic = np.exp(np.cumsum(inc))
    burst_curve = np.zeros(days)
    parts = []
    for b in bursts:
        ramp = np.clip((t - b.start_day + 1) / b.duration, 0.0, 1.0)
        end = b.start_day + b.duration - 1
        r_inf, tau = rng.uniform(0.7, 0.9), rng.uniform(10.0, 30.0)
        keep = np.where(t > end, r_inf + (1 - r_inf) * np.exp(-(t - end) / tau), 1.0)
        curve = b.share_of_followers * organic[b.start_day] * ramp * keep
        parts.append(curve)
        burst_curve += curve
    scale = followers / (organic[-1] + burst_curve[-1])
    for b, curve in zip(bursts, parts, strict=True):
        b.added_followers = round(float(curve.max() * scale))
        b.retained_at_end = round(float(curve[-1] * scale))
    counts = np.rint((organic + burst_curve) * scale).astype(np.int64)
    return organic * scale, burst_curve * scale, counts, spikes


def _bursts(days: int, rng: np.random.Generator) -> list[Burst]:
    lo, hi = max(5, days // 8), days - 8
    if hi <= lo:
        lo = hi = max(1, days // 2)
    n = 2 if days >= 90 and rng.random() < 0.4 else 1
    mid = (lo + hi) // 2
    starts = (
        [int(rng.integers(lo, hi + 1))]
        if n == 1
        else [
            int(rng.integers(lo, max(lo + 1, mid - 5))),
            int(rng.integers(min(mid + 5, hi), hi + 1)),
        ]
    )
    return [
        Burst(s, int(rng.integers(1, 4)), round(float(rng.uniform(0.05, 0.30)), 4)) for s in starts
    ]


def make_accounts(
    creators: list[Creator], days: int, start: date, rng: np.random.Generator
) -> list[Account]:
    """Give each creator 1-2 platform accounts with a follower history."""
    accounts: list[Account] = []
    taken: set[str] = set()
    for cr in creators:
        main = float(np.clip(rng.lognormal(math.log(60_000), 1.5), 5_000, 6_000_000))
        p = np.array(cr.niche.platforms)
        plats = [PLATFORMS[int(rng.choice(3, p=p / p.sum()))]]
        if rng.random() < 0.4:
            rest = [k for k in range(3) if PLATFORMS[k] != plats[0]]
            w = p[rest] / p[rest].sum()
            plats.append(PLATFORMS[rest[int(rng.choice(len(rest), p=w))]])
        if "bot_comments" in cr.fraud:
            base_fake = float(rng.uniform(0.15, 0.30))
        else:
            base_fake = float(rng.uniform(0.03, 0.12))
        for j, plat in enumerate(plats):
            followers = main if j == 0 else main * float(rng.lognormal(-0.7, 0.8))
            if followers < 5_000:  # keep every account above 5k, without a visible floor
                followers = 5_000 * float(rng.uniform(1.0, 1.8))
            followers *= cr.exposure  # after the floor: same draws, smaller audience
            bursts = (
                _bursts(days, rng)
                if "bought_followers" in cr.fraud and (j == 0 or rng.random() < 0.5)
                else []
            )
            organic, burst_curve, counts, spikes = _history(
                int(followers), days, start, bursts, rng
            )
            tier = followers
            verified = bool(rng.random() < (0.8 if tier > 1e6 else 0.4 if tier > 2.5e5 else 0.05))
            suffix = {"instagram": "ig", "tiktok": "tt", "youtube": "yt"}[plat]
            acc = Account(
                index=len(accounts),
                account_id=f"acc-{cr.index + 1:04d}-{suffix}",
                creator=cr.index,
                platform=plat,
                handle=_handle(cr, plat, taken, rng),
                followers=int(counts[-1]),
                following=int(np.clip(rng.lognormal(math.log(600), 0.8), 50, 7_500)),
                verified=verified,
                organic=organic,
                counts=counts,
                burst_curve=burst_curve,
                bursts=bursts,
                spikes=spikes,
                baseline_fake=round(base_fake * float(rng.uniform(0.85, 1.15)), 4),
                posts_before=int(rng.integers(80, 1500)),
            )
            bought = float(burst_curve[-1])
            acc.true_fake_share = float((acc.baseline_fake * organic[-1] + bought) / acc.followers)
            cr.accounts.append(acc)
            accounts.append(acc)
    return accounts


def sample_followers(
    acc: Account, n: int, days: int, pool: FollowerPool, rng: np.random.Generator
) -> None:
    """Sample ``n`` of the account's followers (origin, truth, follow date) into ``pool``."""
    end_parts = [acc.organic[-1]]
    windows: list[tuple[int, int]] = []
    for b in acc.bursts:
        end_parts.append(float(b.retained_at_end))
        windows.append((b.start_day, b.duration))
    probs = np.array(end_parts) / sum(end_parts)
    origin = rng.choice(len(probs), size=n, p=probs)
    bought = origin > 0
    organic_fake = rng.random(n) < acc.baseline_fake
    is_fake = bought | organic_fake
    fake_like = np.where(bought, rng.random(n) < 0.85, organic_fake)
    # organic follow dates: in-window share follows the organic gains, the rest earlier
    gains = np.clip(np.diff(acc.organic), 0.0, None)
    in_share = float(np.clip((acc.organic[-1] - acc.organic[0]) / acc.organic[-1], 0.0, 1.0))
    day = -1 - np.minimum(rng.exponential(420.0, n), 2_900).astype(np.int64)
    if gains.sum() > 0 and in_share > 0:
        inside = rng.random(n) < in_share
        day = np.where(inside, 1 + rng.choice(days - 1, size=n, p=gains / gains.sum()), day)
    for k, (s, d) in enumerate(windows, start=1):
        hit = origin == k
        day = np.where(hit, s + rng.integers(0, d, n), day)
    owner = np.full(n, acc.index, dtype=np.int64)
    acc.follower_rows = pool.add(owner, is_fake, fake_like.astype(bool), day.astype(np.int64))


def _floor4(shares: FloatArray) -> list[float]:
    return [math.floor(float(s) * 10_000) / 10_000 for s in shares]


def audience_rows(
    creators: list[Creator], days: int, start: date, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Daily follower history plus weekly platform-reported breakdowns.

    Returns the rows and, per account, the 13-17 share of the last breakdown.
    """
    rows: list[dict[str, Any]] = []
    minors: dict[str, float] = {}
    codes = [c for c in COUNTRIES]
    for cr in creators:
        for acc in cr.accounts:
            ages = np.array(cr.niche.ages) * np.array(_AGE_TILT[acc.platform])
            ages = rng.dirichlet(ages / ages.sum() * 150)
            genders = rng.dirichlet(np.array(cr.niche.genders) * 200)
            home = float(rng.uniform(0.55, 0.8) if cr.country == "US" else rng.uniform(0.35, 0.7))
            others = [c for c in codes if c != cr.country]
            picks = rng.choice(len(others), size=4, replace=False)
            other_share = rng.dirichlet(np.full(4, 2.0)) * (1 - home) * rng.uniform(0.55, 0.85)
            ckeys = [cr.country, *[others[int(k)] for k in picks]]
            cbase = np.concatenate([[home], other_share])
            following = acc.following + np.cumsum(rng.integers(-2, 3, days))
            for t in range(days):
                row: dict[str, Any] = {
                    "account_id": acc.account_id,
                    "captured_on": start + timedelta(days=t),
                    "followers_count": int(acc.counts[t]),
                    "following_count": int(max(0, following[t])),
                }
                if (days - 1 - t) % 7 == 0:
                    a = rng.dirichlet(ages * 3000)
                    g = rng.dirichlet(genders * 3000 + 1e-3)
                    bought = acc.burst_curve[t] / max(acc.counts[t], 1)
                    g[3] += 0.7 * bought  # purchased accounts rarely report a gender
                    g = g / g.sum()
                    cs = rng.dirichlet(cbase / cbase.sum() * 2000) * cbase.sum()
                    row["age_bands"] = dict(zip(AGE_ORDER, _floor4(a), strict=True))
                    row["genders"] = dict(zip(GENDER_ORDER, _floor4(g), strict=True))
                    row["countries"] = dict(zip(ckeys, _floor4(cs), strict=True))
                    minors[acc.account_id] = round(float(a[0]), 4)
                rows.append(row)
    return rows, minors
