"""The interchange format: one pydantic model per entity ("kind").

These models are the published contract (``trustreach schema`` writes their
JSON Schemas to ``docs/schema/``). A file holds records of one kind; its name
(``<kind>.jsonl``, ``<kind>.csv`` or ``<kind>.parquet``) tells which.

Fields that identify third parties (followers, commenters) are accepted here
and never stored as given: the importer turns ids into keyed pseudonyms and
usernames into two counts, then discards them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

# the vocabularies live apart (no pydantic) and are re-exported here
from trustreach.ingest._vocab import AGE_BANDS as AGE_BANDS
from trustreach.ingest._vocab import GENDERS as GENDERS
from trustreach.ingest._vocab import RESTRICTED_CATEGORIES as RESTRICTED_CATEGORIES
from trustreach.ingest._vocab import BrandCategory as BrandCategory
from trustreach.ingest._vocab import CampaignGoal as CampaignGoal
from trustreach.ingest._vocab import Compensation as Compensation
from trustreach.ingest._vocab import ConsentPurpose as ConsentPurpose
from trustreach.ingest._vocab import DeclaredAttribute as DeclaredAttribute
from trustreach.ingest._vocab import EventType as EventType
from trustreach.ingest._vocab import MediaType as MediaType
from trustreach.ingest._vocab import Platform as Platform

NonNegInt = Annotated[int, Field(ge=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Key = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


def _country(value: str) -> str:
    if not _COUNTRY.match(value):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as 'US' or 'DE'")
    return value


def _currency(value: str) -> str:
    if not _CURRENCY.match(value):
        raise ValueError("must be an ISO 4217 currency code such as 'USD' or 'EUR'")
    return value


def _language(value: str) -> str:
    if not _LANGUAGE.match(value):
        raise ValueError("must be an ISO 639-1 language code such as 'en' or 'es'")
    return value


Country = Annotated[
    str, AfterValidator(_country), Field(description="an ISO 3166-1 alpha-2 code such as US")
]
Currency = Annotated[
    str, AfterValidator(_currency), Field(description="an ISO 4217 code such as USD")
]
Language = Annotated[
    str, AfterValidator(_language), Field(description="an ISO 639-1 code such as en")
]


class Record(BaseModel):
    """Base of every interchange record: unknown fields are refused, not dropped."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class BrandRecord(Record):
    """A brand a workspace (agency or in-house team) runs campaigns for."""

    brand_id: Key
    name: Annotated[str, Field(min_length=1, max_length=200)]
    category: BrandCategory = BrandCategory.general
    country: Country | None = None


class CreatorRecord(Record):
    """A creator (influencer). Creators are users of the product, not third parties."""

    creator_id: Key
    display_name: Annotated[str, Field(min_length=1, max_length=200)]
    niches: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(default_factory=list)
    country: Country | None = None
    language: Language | None = None


class CreatorAccountRecord(Record):
    """One of a creator's accounts on a platform."""

    account_id: Key
    creator_id: Key
    platform: Platform
    handle: Annotated[str, Field(min_length=1, max_length=100)]
    followers_count: NonNegInt | None = None
    following_count: NonNegInt | None = None
    posts_count: NonNegInt | None = None
    verified: bool = False
    rate_per_post: NonNegFloat | None = Field(
        default=None,
        description="the creator's declared fee for one sponsored post on this account",
    )
    rate_currency: Currency | None = None

    @model_validator(mode="after")
    def _rate_with_currency(self) -> CreatorAccountRecord:
        if (self.rate_per_post is None) != (self.rate_currency is None):
            raise ValueError("rate_per_post and rate_currency go together: give both or neither")
        return self


def _shares(allowed: tuple[str, ...] | None, name: str) -> Any:
    def check(value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        for key, share in value.items():
            if allowed is not None and key not in allowed:
                raise ValueError(
                    f"{name} key {key!r} is not allowed; allowed: {', '.join(allowed)}"
                )
            if allowed is None and not _COUNTRY.match(key):
                raise ValueError(f"{name} key {key!r} must be an ISO 3166-1 alpha-2 code")
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name}[{key!r}] = {share} must be a share between 0 and 1")
        if sum(value.values()) > 1.0001:
            raise ValueError(f"{name} shares add up to more than 1")
        return value

    return AfterValidator(check)


class AudienceSnapshotRecord(Record):
    """Platform-reported audience aggregates for one account on one day.

    A row with only ``followers_count`` is one point of the follower history.
    Breakdowns are shares (0–1) as the platform reports them; trustreach never
    infers them from followers' names, faces or text.
    """

    account_id: Key
    captured_on: date
    followers_count: NonNegInt
    following_count: NonNegInt | None = None
    age_bands: Annotated[dict[str, float] | None, _shares(AGE_BANDS, "age_bands")] = None
    genders: Annotated[dict[str, float] | None, _shares(GENDERS, "genders")] = None
    countries: Annotated[dict[str, float] | None, _shares(None, "countries")] = None


class FollowerAccountRecord(Record):
    """A follower or commenter account: a third party who never signed up.

    Only ``account_id`` is required. ``account_id`` is stored as a keyed pseudonym;
    ``username`` is used only to derive ``username_length`` and
    ``username_digit_count`` and is then discarded.
    """

    account_id: Key
    username: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    username_length: NonNegInt | None = None
    username_digit_count: NonNegInt | None = None
    full_name_length: NonNegInt | None = None
    biography_length: NonNegInt | None = None
    posts_count: NonNegInt | None = None
    followers_count: NonNegInt | None = None
    following_count: NonNegInt | None = None
    has_profile_pic: bool | None = None
    is_private: bool | None = None
    has_external_url: bool | None = None

    @model_validator(mode="after")
    def _digits_within_length(self) -> FollowerAccountRecord:
        if self.username is not None:
            derived = {
                "username_length": len(self.username),
                "username_digit_count": sum(ch.isdigit() for ch in self.username),
            }
            for name, value in derived.items():
                given = getattr(self, name)
                if given is not None and given != value:
                    raise ValueError(
                        f"{name} {given} does not match the username given in the same record"
                    )
        if (
            self.username_length is not None
            and self.username_digit_count is not None
            and self.username_digit_count > self.username_length
        ):
            raise ValueError("username_digit_count cannot exceed username_length")
        return self


class FollowRecord(Record):
    """A follower account following a creator account."""

    creator_account_id: Key
    follower_account_id: Key
    followed_on: date | None = None


class PostRecord(Record):
    """A creator's post with its public metrics."""

    post_id: Key
    account_id: Key
    posted_at: datetime
    media_type: MediaType
    caption: Annotated[str, Field(max_length=10_000)] | None = None
    hashtags: list[Annotated[str, Field(min_length=1, max_length=140)]] | None = None
    likes: NonNegInt = 0
    comments: NonNegInt = 0
    views: NonNegInt | None = None
    shares: NonNegInt | None = None
    saves: NonNegInt | None = None
    paid_partnership: bool = False
    campaign_id: Key | None = None


class CommentRecord(Record):
    """A comment on a post. The author is a third party: stored as a pseudonym, and
    @mentions in the text are masked as ``@user`` at import."""

    comment_id: Key
    post_id: Key
    author_id: Key
    posted_at: datetime
    text: Annotated[str, Field(max_length=5_000)]
    likes: NonNegInt = 0


class CampaignRecord(Record):
    """A brand's campaign."""

    campaign_id: Key
    brand_id: Key
    name: Annotated[str, Field(min_length=1, max_length=200)]
    goal: CampaignGoal = CampaignGoal.awareness
    starts_on: date
    ends_on: date
    budget: NonNegFloat | None = None
    currency: Currency = "USD"

    @model_validator(mode="after")
    def _ordered(self) -> CampaignRecord:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on must be on or after starts_on")
        return self


class BriefRecord(Record):
    """What a brand is looking for: the input of discovery."""

    brief_id: Key
    brand_id: Key
    campaign_id: Key | None = None
    goal: CampaignGoal = CampaignGoal.awareness
    topics: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(default_factory=list)
    audience_countries: list[Country] = Field(default_factory=list)
    audience_age_bands: list[str] = Field(default_factory=list)
    platforms: list[Platform] = Field(default_factory=list)
    budget: NonNegFloat | None = None
    currency: Currency = "USD"
    category: BrandCategory = BrandCategory.general

    @model_validator(mode="after")
    def _bands(self) -> BriefRecord:
        bad = [b for b in self.audience_age_bands if b not in AGE_BANDS]
        if bad:
            raise ValueError(
                f"audience_age_bands {bad} not allowed; allowed: {', '.join(AGE_BANDS)}"
            )
        return self


class DealRecord(Record):
    """What a creator receives from a brand for a campaign (a material connection)."""

    deal_id: Key
    campaign_id: Key
    creator_id: Key
    compensation: Compensation
    amount: NonNegFloat | None = None
    currency: Currency = "USD"
    affiliate_code: Annotated[str, Field(max_length=100)] | None = None
    signed_on: date | None = None


class TrackingEventRecord(Record):
    """One campaign tracking event; ``event_id`` makes re-delivery idempotent."""

    event_id: Key
    campaign_id: Key
    occurred_at: datetime
    event_type: EventType
    post_id: Key | None = None
    creator_id: Key | None = None
    quantity: Annotated[int, Field(ge=1)] = 1
    value: NonNegFloat | None = None
    currency: Currency | None = None


class ConsentRecord(Record):
    """A creator granting or withdrawing consent for a purpose (append-only ledger)."""

    consent_id: Key
    creator_id: Key
    purpose: ConsentPurpose
    granted: bool
    recorded_at: datetime
    source: Annotated[str, Field(min_length=1, max_length=200)] = "import"


class DeclaredAttributeRecord(Record):
    """An attribute a creator declared about themselves (special-category data).

    ``consent_id`` must name a consent record of the same creator with purpose
    ``declared_attributes`` and ``granted`` true. Used only for fairness audits
    of rankings, never to rank; hidden from every read once the creator's latest
    ``declared_attributes`` consent is a withdrawal. Nothing is ever inferred.
    """

    declaration_id: Key
    creator_id: Key
    attribute: DeclaredAttribute
    value: Annotated[str, Field(min_length=1, max_length=60)]
    declared_at: datetime
    consent_id: Key


# Import order: a kind may refer only to kinds before it.
KINDS: dict[str, type[Record]] = {
    "brands": BrandRecord,
    "creators": CreatorRecord,
    "creator_accounts": CreatorAccountRecord,
    "audience_snapshots": AudienceSnapshotRecord,
    "follower_accounts": FollowerAccountRecord,
    "follows": FollowRecord,
    "campaigns": CampaignRecord,
    "briefs": BriefRecord,
    "deals": DealRecord,
    "posts": PostRecord,
    "comments": CommentRecord,
    "tracking_events": TrackingEventRecord,
    "consent_records": ConsentRecord,
    "declared_attributes": DeclaredAttributeRecord,
}
