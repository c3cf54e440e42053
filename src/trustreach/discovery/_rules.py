"""Restricted-category rules: audience gates on creators, targeting limits on briefs.

Each rule is a small frozen dataclass: an ``id``, a ``title``, a ``source`` that
names the code or law it follows, the categories it applies to, and its
thresholds as data. :data:`DEFAULT_RULES` collects them; callers may pass their
own selection.

*Audience rules* look at a creator's platform-reported age breakdown and return
a :class:`RuleOutcome` whose ``status`` is ``"pass"``, ``"exclude"`` or
``"review"`` and whose ``reason`` gives the numbers. The age bands reported by
platforms (13-17, 18-24, 25-34, …) do not split at 16 or 21, so each share is
computed as an interval: a band wholly on one side of the age counts in full, a
band that straddles it counts anywhere from none to all of it, and any share the
platform did not report (breakdowns that add up to less than 100%) may fall
either side. A rule passes only when the whole interval meets it, excludes only
when the whole interval fails it, and otherwise asks a person to review, quoting
both ends and a point estimate that spreads the straddling band evenly over its
ages. Missing age data is never taken as compliance: it is sent for review.

*Brief rules* refuse targeting a category may not use (age or gender targets on
housing, employment and credit briefs; under-18 targets on restricted products),
raising :class:`TargetingRefused` with an explanation.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from trustreach.discovery._brief import (
    SPECIAL_AD_CATEGORIES,
    Brief,
    BriefError,
    ProductCategory,
)
from trustreach.ingest._schema import AGE_BANDS, AudienceSnapshotRecord

Status = Literal["pass", "exclude", "review"]
Number = float | int | None

_EPS = 1e-9
_ROUND = 6


def _band_ages(band: str) -> tuple[int, int | None]:
    match = re.fullmatch(r"(\d+)-(\d+)", band)
    if match:
        return int(match[1]), int(match[2])
    match = re.fullmatch(r"(\d+)\+", band)
    if match:
        return int(match[1]), None
    raise ValueError(f"age band {band!r} is not of the form '13-17' or '65+'")  # pragma: no cover


_BAND_AGES = {band: _band_ages(band) for band in AGE_BANDS}
_MIN_AGE = min(lo for lo, _ in _BAND_AGES.values())
_MAX_AGE = max(lo for lo, _ in _BAND_AGES.values())


# --------------------------------------------------------------------------- audiences


@dataclass(frozen=True)
class CreatorAudience:
    """A creator's platform-reported audience aggregates, as the rules read them.

    Parameters
    ----------
    creator_id : str
        The creator the audience belongs to.
    followers : int or None
        Follower count, when known.
    age_bands : mapping of str to float, or None
        Shares (0–1) of the audience in each reported age band (keys from
        ``AGE_BANDS``). Shares may add up to less than 1 when the platform
        reports a partial breakdown; the remainder is treated as unknown.
    country_shares : mapping of str to float, or None
        Shares by ISO 3166-1 alpha-2 country, when reported.

    Examples
    --------
    >>> CreatorAudience("c1", followers=5000, age_bands={"18-24": 0.4}).has_age_data
    True
    >>> CreatorAudience("c2").has_age_data
    False
    """

    creator_id: str
    followers: int | None = None
    age_bands: Mapping[str, float] | None = None
    country_shares: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if self.followers is not None and self.followers < 0:
            raise ValueError(f"followers must be ≥ 0, got {self.followers}")
        for name, shares, allowed in (
            ("age_bands", self.age_bands, AGE_BANDS),
            ("country_shares", self.country_shares, None),
        ):
            if shares is None:
                continue
            for key, share in shares.items():
                if allowed is not None and key not in allowed:
                    raise ValueError(
                        f"{name} key {key!r} is not allowed; allowed: {', '.join(allowed)}"
                    )
                if not 0.0 <= share <= 1.0:
                    raise ValueError(f"{name}[{key!r}] = {share} must be a share between 0 and 1")
            if math.fsum(shares.values()) > 1.0001:
                raise ValueError(f"{name} shares of creator {self.creator_id!r} add up to over 1")

    @property
    def has_age_data(self) -> bool:
        """True when some share of the audience has a reported age band."""
        bands = self.age_bands
        return bands is not None and math.fsum(bands.values()) > 0

    @classmethod
    def from_snapshot(cls, creator_id: str, snapshot: AudienceSnapshotRecord) -> CreatorAudience:
        """Build from an ingest :class:`~trustreach.ingest.AudienceSnapshotRecord`."""
        return cls(
            creator_id=creator_id,
            followers=snapshot.followers_count,
            age_bands=snapshot.age_bands,
            country_shares=snapshot.countries,
        )


@dataclass(frozen=True)
class AgeShare:
    """What the reported age bands say about the share of an audience on one side of an age.

    Attributes
    ----------
    lower, upper : float
        The share can be no less than ``lower`` and no more than ``upper``: bands
        that straddle the age and the unreported remainder may fall either side.
    point : float
        Estimate that spreads each straddling band evenly over its ages and the
        unreported remainder like the reported part.
    unreported : float
        The share the platform's breakdown does not cover.
    straddling : tuple of str
        Bands that contain the age, so split unknowably.
    """

    lower: float
    point: float
    upper: float
    unreported: float
    straddling: tuple[str, ...]


def _split(age: int, age_bands: Mapping[str, float], *, below: bool) -> AgeShare:
    if not _MIN_AGE <= age <= _MAX_AGE:
        raise ValueError(f"age must be between {_MIN_AGE} and {_MAX_AGE}, got {age}")
    reported = math.fsum(age_bands.values())
    if reported <= 0:
        raise ValueError("no age shares reported")
    inside: list[float] = []
    straddle: list[tuple[str, float, float]] = []  # band, share, fraction on our side
    for band, share in age_bands.items():
        lo, hi = _BAND_AGES[band]
        if hi is not None and hi < age:
            side_below = True
        elif lo >= age:
            side_below = False
        else:
            assert hi is not None  # ages above the open band are refused above
            fraction_below = (age - lo) / (hi - lo + 1)
            straddle.append((band, share, fraction_below if below else 1 - fraction_below))
            continue
        if side_below == below:
            inside.append(share)
    unreported = max(0.0, 1.0 - reported)
    lower = math.fsum(inside)
    upper = min(1.0, math.fsum([lower, *(s for _, s, _ in straddle), unreported]))
    point = math.fsum([lower, *(s * f for _, s, f in straddle)]) / reported
    return AgeShare(
        lower=round(lower, _ROUND),
        point=round(min(1.0, point), _ROUND),
        upper=round(upper, _ROUND),
        unreported=round(unreported, _ROUND),
        straddling=tuple(band for band, share, _ in straddle if share > 0),
    )


def share_under_age(age: int, age_bands: Mapping[str, float]) -> AgeShare:
    """Bounds on the share of an audience younger than ``age``.

    Examples
    --------
    Under 16 from a complete breakdown: the 13-17 band may hold anything from
    none to all of the under-16s (3 of its 5 ages if spread evenly).

    >>> s = share_under_age(16, {"13-17": 0.30, "18-24": 0.30, "25-34": 0.40})
    >>> s.lower, round(s.point, 2), s.upper
    (0.0, 0.18, 0.3)
    """
    return _split(age, age_bands, below=True)


def share_at_least_age(age: int, age_bands: Mapping[str, float]) -> AgeShare:
    """Bounds on the share of an audience aged ``age`` or older.

    Examples
    --------
    Aged 21+: bands from 25-34 up count in full; 18-24 counts from none to all
    of it (4 of its 7 ages if spread evenly).

    >>> s = share_at_least_age(21, {"13-17": 0.2, "18-24": 0.1, "25-34": 0.7})
    >>> s.lower, round(s.point, 4), s.upper
    (0.7, 0.7571, 0.8)
    """
    return _split(age, age_bands, below=False)


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's finding about one creator's audience.

    ``status`` is ``"pass"`` (the reported numbers meet the rule), ``"exclude"``
    (they do not, so the creator is left out of this brief's shortlist) or
    ``"review"`` (the numbers cannot settle it; a person decides). ``reason``
    says why in plain words, with the numbers; ``numbers`` holds them.
    """

    rule_id: str
    creator_id: str
    status: Status
    reason: str
    numbers: Mapping[str, Number] = field(default_factory=dict)


class Finding(NamedTuple):
    """A creator set aside by a rule: who, which rule, why, and the numbers."""

    creator_id: str
    rule_id: str
    reason: str
    numbers: Mapping[str, Number]


class AppliedRule(NamedTuple):
    """A rule that was checked for a brief, with its source."""

    rule_id: str
    title: str
    source: str


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Base of every rule: an id, a title, a source and the categories it covers."""

    id: str
    title: str
    source: str
    categories: frozenset[ProductCategory]

    def applies_to(self, category: ProductCategory | str) -> bool:
        """Whether briefs in ``category`` are subject to this rule."""
        return ProductCategory(category) in self.categories

    def describe(self) -> AppliedRule:
        """The rule's id, title and source."""
        return AppliedRule(self.id, self.title, self.source)


@dataclass(frozen=True, kw_only=True)
class AudienceRule(Rule, ABC):
    """A rule read against each creator's reported audience."""

    @abstractmethod
    def evaluate(self, audience: CreatorAudience) -> RuleOutcome:
        """The rule's outcome for one creator's audience."""

    def _outcome(
        self, audience: CreatorAudience, status: Status, reason: str, numbers: dict[str, Number]
    ) -> RuleOutcome:
        return RuleOutcome(self.id, audience.creator_id, status, reason, numbers)

    def _missing(self, audience: CreatorAudience, what: str) -> RuleOutcome:
        return self._outcome(
            audience,
            "review",
            f"No platform-reported age breakdown for this audience, so {what} cannot be "
            "checked; a person should review it before any placement (missing data is not "
            "taken as compliance).",
            {"followers": audience.followers},
        )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pct(share: float) -> str:
    return f"{share:.1%}"


def _straddle_note(share: AgeShare) -> str:
    parts = []
    if share.straddling:
        parts.append(f"the {', '.join(share.straddling)} band cannot be split at that age")
    if share.unreported > 0:
        parts.append(f"{_pct(share.unreported)} of the audience has no reported age")
    return " and ".join(parts)


def _share_numbers(share: AgeShare, threshold: float, age: int) -> dict[str, Number]:
    return {
        "age": age,
        "threshold": threshold,
        "share_lower": share.lower,
        "share_point": share.point,
        "share_upper": share.upper,
        "share_unreported": share.unreported,
    }


@dataclass(frozen=True, kw_only=True)
class MinimumAgeShareRule(AudienceRule):
    """At least ``min_share`` of the audience must be aged ``age`` or older.

    Examples
    --------
    >>> rule = get_rule("us-alcohol-beer-73.6")
    >>> rule.evaluate(CreatorAudience("c1", age_bands={"18-24": 0.26, "25-34": 0.74})).status
    'pass'
    """

    age: int
    min_share: float
    authority: str

    def evaluate(self, audience: CreatorAudience) -> RuleOutcome:
        """Pass, exclude or review one creator's audience (see the module docstring)."""
        what = f"the share aged {self.age}+ (at least {_pct(self.min_share)} needed)"
        if not audience.has_age_data:
            return self._missing(audience, what)
        assert audience.age_bands is not None
        share = share_at_least_age(self.age, audience.age_bands)
        numbers = _share_numbers(share, self.min_share, self.age)
        need = f"the {_pct(self.min_share)} that {self.authority} asks for"
        if share.lower >= self.min_share - _EPS:
            reason = (
                f"At least {_pct(share.lower)} of the audience is aged {self.age}+ "
                f"(counting only bands wholly {self.age} or older), meeting {need}."
            )
            return self._outcome(audience, "pass", reason, numbers)
        if share.upper < self.min_share - _EPS:
            reason = (
                f"At most {_pct(share.upper)} of the audience can be aged {self.age}+ "
                f"(even counting every band that might be), below {need}."
            )
            return self._outcome(audience, "exclude", reason, numbers)
        reason = (
            f"Between {_pct(share.lower)} and {_pct(share.upper)} of the audience is aged "
            f"{self.age}+ (about {_pct(share.point)} if each band is spread evenly over its "
            f"ages), against {need}; {_straddle_note(share)}, so a person should check a "
            "finer breakdown."
        )
        return self._outcome(audience, "review", reason, numbers)


@dataclass(frozen=True, kw_only=True)
class MaximumAgeShareRule(AudienceRule):
    """No more than ``max_share`` of the audience may be younger than ``age``.

    Examples
    --------
    >>> rule = get_rule("uk-hfss-under16-25")
    >>> rule.evaluate(CreatorAudience("c1", age_bands={"13-17": 0.2, "25-34": 0.8})).status
    'pass'
    """

    age: int
    max_share: float
    authority: str

    def evaluate(self, audience: CreatorAudience) -> RuleOutcome:
        """Pass, exclude or review one creator's audience (see the module docstring)."""
        what = f"the share under {self.age} (at most {_pct(self.max_share)} allowed)"
        if not audience.has_age_data:
            return self._missing(audience, what)
        assert audience.age_bands is not None
        share = share_under_age(self.age, audience.age_bands)
        numbers = _share_numbers(share, self.max_share, self.age)
        limit = f"the {_pct(self.max_share)} that {self.authority} allows"
        if share.upper <= self.max_share + _EPS:
            reason = (
                f"At most {_pct(share.upper)} of the audience can be under {self.age} "
                f"(even counting every band that might be), within {limit}."
            )
            return self._outcome(audience, "pass", reason, numbers)
        if share.lower > self.max_share + _EPS:
            reason = (
                f"At least {_pct(share.lower)} of the audience is under {self.age}, above {limit}."
            )
            return self._outcome(audience, "exclude", reason, numbers)
        reason = (
            f"Between {_pct(share.lower)} and {_pct(share.upper)} of the audience may be under "
            f"{self.age} (about {_pct(share.point)} if each band is spread evenly over its "
            f"ages), against {limit}; {_straddle_note(share)}, so a person should check a "
            "finer breakdown."
        )
        return self._outcome(audience, "review", reason, numbers)


@dataclass(frozen=True, kw_only=True)
class MinorAppealRule(AudienceRule):
    """An audience with many under-``age`` followers, by share or by count, is left out.

    Excluded when the under-``age`` share is above ``max_share`` or the number of
    under-``age`` followers (share × followers) is at least ``max_followers``.

    Examples
    --------
    >>> rule = get_rule("uk-gambling-under18")
    >>> a = CreatorAudience("c1", followers=2_000_000, age_bands={"13-17": 0.06, "18-24": 0.94})
    >>> outcome = rule.evaluate(a)
    >>> outcome.status, outcome.numbers["minors_lower"]
    ('exclude', 120000)
    """

    age: int
    max_share: float
    max_followers: int
    authority: str

    def evaluate(self, audience: CreatorAudience) -> RuleOutcome:
        """Pass, exclude or review one creator's audience (see the module docstring)."""
        what = (
            f"the under-{self.age} audience (above {_pct(self.max_share)} or "
            f"{self.max_followers:,} followers is left out)"
        )
        if not audience.has_age_data:
            return self._missing(audience, what)
        assert audience.age_bands is not None
        share = share_under_age(self.age, audience.age_bands)
        followers = audience.followers
        low_n = None if followers is None else round(share.lower * followers)
        high_n = None if followers is None else round(share.upper * followers)
        if share.upper <= 0:
            high_n = 0
        numbers = _share_numbers(share, self.max_share, self.age)
        numbers |= {
            "followers": followers,
            "minors_lower": low_n,
            "minors_upper": high_n,
            "max_followers": self.max_followers,
        }
        by_share = share.lower > self.max_share + _EPS
        by_count = low_n is not None and low_n >= self.max_followers
        if by_share or by_count:
            evidence = []
            if by_share:
                evidence.append(
                    f"{_pct(share.lower)} of the audience is under {self.age}, above "
                    f"{_pct(self.max_share)}"
                )
            if by_count:
                evidence.append(
                    f"about {low_n:,} followers are under {self.age} ({_pct(share.lower)} of "
                    f"{followers:,}), at or above {self.max_followers:,}"
                )
            reason = (
                f"{_sentence('; '.join(evidence))}; this rule, following {self.authority}, "
                f"treats that as strong appeal to under-{self.age}s."
            )
            return self._outcome(audience, "exclude", reason, numbers)
        share_ok = share.upper <= self.max_share + _EPS
        count_ok = high_n is not None and high_n < self.max_followers
        if share_ok and count_ok:
            reason = (
                f"At most {_pct(share.upper)} of the audience (about {high_n:,} followers) can "
                f"be under {self.age}, within {_pct(self.max_share)} and below "
                f"{self.max_followers:,} followers ({self.authority})."
            )
            return self._outcome(audience, "pass", reason, numbers)
        doubts = []
        if not share_ok:
            doubts.append(
                f"between {_pct(share.lower)} and {_pct(share.upper)} of the audience may be "
                f"under {self.age} ({_straddle_note(share)})"
            )
        if high_n is None:
            doubts.append(f"the follower count is unknown, so the under-{self.age} count is too")
        elif not count_ok:
            doubts.append(f"between {low_n:,} and {high_n:,} followers may be under {self.age}")
        reason = (
            f"{_sentence('; '.join(doubts))}; against {_pct(self.max_share)} or "
            f"{self.max_followers:,} followers ({self.authority}), a person should review it."
        )
        return self._outcome(audience, "review", reason, numbers)


@dataclass(frozen=True, kw_only=True)
class BriefRule(Rule, ABC):
    """A rule read against the brief's own targeting."""

    @abstractmethod
    def check(self, brief: Brief) -> list[str]:
        """Problems with the brief's targeting, each starting with a field path."""


@dataclass(frozen=True, kw_only=True)
class DemographicTargetingRule(BriefRule):
    """Briefs in these categories may not target by age or by gender."""

    explanation: str

    def check(self, brief: Brief) -> list[str]:
        """One problem per age or gender target on a brief in one of the categories."""
        if not self.applies_to(brief.category):
            return []
        return [
            f"audience.{name}: {brief.category.value} briefs may not target by {what} "
            f"({self.explanation}); leave audience.{name} empty and target by country or "
            f"interests instead [rule {self.id}]"
            for name, what, values in (
                ("age_bands", "age", brief.audience.age_bands),
                ("genders", "gender", brief.audience.genders),
            )
            if values
        ]


@dataclass(frozen=True, kw_only=True)
class MinorTargetingRule(BriefRule):
    """Briefs for restricted products may not target the under-18 age band."""

    minor_bands: tuple[str, ...]

    def check(self, brief: Brief) -> list[str]:
        """One problem when the brief targets an under-18 band."""
        if not self.applies_to(brief.category):
            return []
        bands = [b for b in brief.audience.age_bands if b in self.minor_bands]
        if not bands:
            return []
        return [
            f"audience.age_bands: {brief.category.value} briefs may not target the "
            f"{', '.join(bands)} band (under-18s); remove it [rule {self.id}]"
        ]


class TargetingRefused(BriefError):
    """A brief asks for targeting its category may not use.

    ``errors`` explains each problem and ``rule_ids`` names the rules involved.
    """

    def __init__(self, errors: Sequence[str], *, rule_ids: Sequence[str]) -> None:
        self.rule_ids = list(rule_ids)
        super().__init__(errors)


# --------------------------------------------------------------------------- registry

_ALCOHOL = frozenset({ProductCategory.alcohol, ProductCategory.wine, ProductCategory.spirits})

DEFAULT_RULES: tuple[Rule, ...] = (
    MinimumAgeShareRule(
        id="us-alcohol-beer-73.6",
        title="Beer: at least 73.6% of the audience aged 21+",
        source=(
            "Beer Institute Advertising and Marketing Code (US), placement provision: beer "
            "advertising only where at least 73.6% of the audience is reasonably expected to "
            "be of legal drinking age (21+)."
        ),
        categories=frozenset({ProductCategory.beer}),
        age=21,
        min_share=0.736,
        authority="the Beer Institute code",
    ),
    MinimumAgeShareRule(
        id="us-alcohol-spirits-wine-73.8",
        title="Spirits and wine (and unspecified alcohol): at least 73.8% aged 21+",
        source=(
            "DISCUS Code of Responsible Practices for Beverage Alcohol Advertising and "
            "Marketing and the Wine Institute Code of Advertising Standards (US): at least "
            "73.8% of the audience reasonably expected to be of legal drinking age (21+)."
        ),
        categories=_ALCOHOL,
        age=21,
        min_share=0.738,
        authority="the DISCUS and Wine Institute codes",
    ),
    MaximumAgeShareRule(
        id="uk-hfss-under16-25",
        title="HFSS food and drink: at most 25% of the audience under 16",
        source=(
            "UK CAP Code rule 15.18: HFSS product advertising must not be directed at people "
            "under 16 through the selection of media, and no medium may be used where more "
            "than 25% of its audience is under 16."
        ),
        categories=frozenset({ProductCategory.hfss_food}),
        age=16,
        max_share=0.25,
        authority="UK CAP Code rule 15.18",
    ),
    MinorAppealRule(
        id="uk-gambling-under18",
        title="Gambling: no strong appeal to under-18s (25% share or 100,000 followers)",
        source=(
            "UK CAP Code section 16 (rules 16.3.12 and 16.3.13) and BCAP Code section 17, with "
            "CAP guidance on protecting under-18s: gambling ads must not be of strong appeal "
            "to under-18s or directed at them through the media chosen. The 25% share is "
            "CAP's audience-composition benchmark; the 100,000-follower count is trustreach's "
            "configured limit for a large absolute under-18 audience."
        ),
        categories=frozenset({ProductCategory.gambling}),
        age=18,
        max_share=0.25,
        max_followers=100_000,
        authority="UK CAP guidance on gambling advertising",
    ),
    DemographicTargetingRule(
        id="special-ad-category-targeting",
        title="Housing, employment and credit: no age or gender targeting",
        source=(
            "US Fair Housing Act, Title VII of the Civil Rights Act and the Age Discrimination "
            "in Employment Act, Equal Credit Opportunity Act; platform special-ad-category "
            "policies (e.g. Meta Special Ad Categories) that remove age and gender targeting."
        ),
        categories=SPECIAL_AD_CATEGORIES,
        explanation=(
            "US fair-housing, equal-employment and fair-lending law, and platform "
            "special-ad-category policies, forbid excluding people from these offers by age "
            "or gender"
        ),
    ),
    MinorTargetingRule(
        id="restricted-category-minor-targeting",
        title="Restricted products: no targeting of the 13-17 band",
        source=(
            "UK CAP Code sections 15 (HFSS), 16 (gambling), 18 (alcohol), 21 (tobacco) and 22 "
            "(e-cigarettes); US alcohol industry codes; cannabis advertising laws: restricted "
            "products may not be directed at minors."
        ),
        categories=frozenset(
            {
                *_ALCOHOL,
                ProductCategory.beer,
                ProductCategory.gambling,
                ProductCategory.tobacco_nicotine,
                ProductCategory.cannabis,
                ProductCategory.hfss_food,
            }
        ),
        minor_bands=("13-17",),
    ),
)
"""Every rule trustreach ships, switched on by default."""

BRIEF_EXCLUSION_RULE_ID = "brief-exclusion"
"""Rule id given to creators the brief itself lists under ``exclusions.creator_ids``."""


def get_rule(rule_id: str, rules: Sequence[Rule] = DEFAULT_RULES) -> Rule:
    """The rule with ``rule_id``.

    Raises
    ------
    KeyError
        Naming the ids that exist.
    """
    for rule in rules:
        if rule.id == rule_id:
            return rule
    raise KeyError(f"no rule {rule_id!r}; rules: {', '.join(r.id for r in rules)}")


def rules_for(
    category: ProductCategory | str, rules: Sequence[Rule] = DEFAULT_RULES
) -> tuple[Rule, ...]:
    """The rules that apply to briefs in ``category``, in registry order.

    Examples
    --------
    >>> [r.id for r in rules_for("beer")]
    ['us-alcohol-beer-73.6', 'restricted-category-minor-targeting']
    >>> rules_for("beauty")
    ()
    """
    return tuple(rule for rule in rules if rule.applies_to(category))


def check_brief_targeting(brief: Brief, *, rules: Sequence[Rule] = DEFAULT_RULES) -> None:
    """Refuse a brief whose targeting its category may not use.

    Raises
    ------
    TargetingRefused
        With one explanation per problem (e.g. an age or gender target on a
        credit brief) and the ids of the rules involved.

    Examples
    --------
    >>> from trustreach.discovery import Brief
    >>> brief = Brief(
    ...     brief_id="b", brand="Bank", objective="conversions", platforms=["instagram"],
    ...     topics=["budgeting"], category="credit", content_language="en",
    ...     budget={"amount": 1000, "currency": "USD"}, audience={"genders": ["female"]},
    ... )
    >>> check_brief_targeting(brief)
    Traceback (most recent call last):
    ...
    trustreach.discovery._rules.TargetingRefused: brief refused: audience.genders: credit ...
    """
    errors: list[str] = []
    rule_ids: list[str] = []
    for rule in rules_for(brief.category, rules):
        if isinstance(rule, BriefRule):
            problems = rule.check(brief)
            errors += problems
            if problems:
                rule_ids.append(rule.id)
    if errors:
        raise TargetingRefused(errors, rule_ids=rule_ids)


@dataclass(frozen=True)
class Screening:
    """Which creators a brief's category rules leave eligible, exclude, or send for review.

    Every screened creator is in exactly one of ``eligible``, ``excluded`` (by
    creator id) and ``review``. A creator excluded by several rules has one
    finding per rule; review findings are listed only for creators not excluded.
    ``outcomes`` keeps every rule outcome, passes included, for the audit log.
    """

    eligible: tuple[str, ...]
    excluded: tuple[Finding, ...]
    review: tuple[Finding, ...]
    rules_applied: tuple[AppliedRule, ...]
    outcomes: tuple[RuleOutcome, ...] = ()

    @property
    def excluded_ids(self) -> tuple[str, ...]:
        """Ids of excluded creators, in input order."""
        return tuple(dict.fromkeys(f.creator_id for f in self.excluded))

    @property
    def review_ids(self) -> tuple[str, ...]:
        """Ids of creators held for review, in input order."""
        return tuple(dict.fromkeys(f.creator_id for f in self.review))


def screen_creators(
    brief: Brief, audiences: Sequence[CreatorAudience], *, rules: Sequence[Rule] = DEFAULT_RULES
) -> Screening:
    """Apply a brief's category rules to each creator's reported audience.

    The brief's own targeting is checked first (:func:`check_brief_targeting`).
    Then every creator gets every applicable audience rule; the worst status
    wins (exclude, then review, then pass). Creators listed in the brief's
    ``exclusions.creator_ids`` are excluded with rule id ``brief-exclusion``.
    Nobody is dropped silently.

    Raises
    ------
    TargetingRefused
        When the brief's targeting is refused.
    ValueError
        When a creator id appears twice in ``audiences``.

    Examples
    --------
    >>> from trustreach.discovery import Brief
    >>> brief = Brief(
    ...     brief_id="b", brand="Brewery", objective="awareness", platforms=["instagram"],
    ...     topics=["craft beer"], category="beer", content_language="en",
    ...     budget={"amount": 1000, "currency": "USD"},
    ... )
    >>> screening = screen_creators(brief, [
    ...     CreatorAudience("a", age_bands={"18-24": 0.2, "25-34": 0.8}),
    ...     CreatorAudience("b", age_bands={"13-17": 0.3, "18-24": 0.1, "25-34": 0.6}),
    ...     CreatorAudience("c"),
    ... ])
    >>> screening.eligible, screening.excluded_ids, screening.review_ids
    (('a',), ('b',), ('c',))
    """
    check_brief_targeting(brief, rules=rules)
    seen: set[str] = set()
    for audience in audiences:
        if audience.creator_id in seen:
            raise ValueError(f"creator {audience.creator_id!r} is listed more than once")
        seen.add(audience.creator_id)

    applicable = rules_for(brief.category, rules)
    audience_rules = [r for r in applicable if isinstance(r, AudienceRule)]
    applied = [r.describe() for r in applicable]
    excluded_by_brief = set(brief.exclusions.creator_ids)
    if excluded_by_brief:
        applied.append(
            AppliedRule(
                BRIEF_EXCLUSION_RULE_ID,
                "Creators the brief excludes by id",
                "The brief's exclusions.creator_ids list.",
            )
        )

    eligible: list[str] = []
    excluded: list[Finding] = []
    review: list[Finding] = []
    outcomes: list[RuleOutcome] = []
    for audience in audiences:
        results = [rule.evaluate(audience) for rule in audience_rules]
        if audience.creator_id in excluded_by_brief:
            results.insert(
                0,
                RuleOutcome(
                    BRIEF_EXCLUSION_RULE_ID,
                    audience.creator_id,
                    "exclude",
                    "The brief lists this creator under exclusions.creator_ids.",
                ),
            )
        outcomes += results
        findings = {
            status: [
                Finding(o.creator_id, o.rule_id, o.reason, o.numbers)
                for o in results
                if o.status == status
            ]
            for status in ("exclude", "review")
        }
        if findings["exclude"]:
            excluded += findings["exclude"]
        elif findings["review"]:
            review += findings["review"]
        else:
            eligible.append(audience.creator_id)
    return Screening(
        eligible=tuple(eligible),
        excluded=tuple(excluded),
        review=tuple(review),
        rules_applied=tuple(applied),
        outcomes=tuple(outcomes),
    )
