"""The interchange format: one pydantic model per entity ("kind").

These models are the published contract (``trustreach schema`` writes their
JSON Schemas to ``docs/schema/``). A file holds records of one kind; its name
(``<kind>.jsonl``, ``<kind>.csv`` or ``<kind>.parquet``) tells which.

Fields that identify third parties (followers, commenters) are accepted here
and never stored as given: the importer turns ids into keyed pseudonyms and
usernames into two counts, then discards them.
"""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from trustreach.ingest._fields import DateRange

# the vocabularies live apart (no pydantic) and are re-exported here
from trustreach.ingest._vocab import AGE_BANDS as AGE_BANDS
from trustreach.ingest._vocab import CURRENCIES as CURRENCIES
from trustreach.ingest._vocab import GENDERS as GENDERS
from trustreach.ingest._vocab import RESTRICTED_CATEGORIES as RESTRICTED_CATEGORIES
from trustreach.ingest._vocab import BrandCategory as BrandCategory
from trustreach.ingest._vocab import CampaignGoal as CampaignGoal
from trustreach.ingest._vocab import Compensation as Compensation
from trustreach.ingest._vocab import ConsentPurpose as ConsentPurpose
from trustreach.ingest._vocab import DeclaredAttribute as DeclaredAttribute
from trustreach.ingest._vocab import EventType as EventType
from trustreach.ingest._vocab import MediaType as MediaType
from trustreach.ingest._vocab import MetricSource as MetricSource
from trustreach.ingest._vocab import Platform as Platform

# ---------------------------------------------------------------- numeric ranges
# One source of truth for every numeric field (docs/interchange.md explains them).
#: Counts (followers, likes, views, ...): far above any platform's count (the most
#: viewed videos have ~1.6e10 views) and below 2**53, so exact as a 64-bit float too.
COUNT_MAX = 10**12
#: Text lengths (names, bios) in characters.
LENGTH_MAX = 100_000
#: Events in one tracking record; the store keeps it in a 32-bit integer.
QUANTITY_MAX = 10**9
#: Money (fees, budgets, amounts, event values) in any currency: at most 10**13
#: units, so cents stay exact in the stored 64-bit float.
MONEY_MAX = 10**13
#: Dates and date-times: none before this day ...
EARLIEST = date(2000, 1, 1)
#: ... and none later than this many days after the import for things that happened
#: (posts, snapshots, follows, events, consent): clock skew and time zones, no more.
OBSERVED_DAYS_AHEAD = 2
#: Planned dates (a campaign's start and end) may lie up to ten years ahead.
PLANNED_DAYS_AHEAD = 3653

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_NUMBER_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _refuse(reason: str) -> PydanticCustomError:
    return PydanticCustomError("value_refused", reason)


def _whole_number(value: Any) -> Any:
    """An integer field's input, exactly: no booleans, fractions, non-finite numbers."""
    if isinstance(value, bool):
        raise _refuse("true/false is not a number")
    if isinstance(value, float | Decimal):
        if not math.isfinite(value):
            raise _refuse("not a finite number")
        if value != int(value):
            raise _refuse("has a fractional part")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if not _INTEGER_TEXT.fullmatch(text):
            raise _refuse("not a whole number written in digits")
        return int(text)
    return value


def exact_float(value: Any) -> Any:
    """A money field's input: finite, and exactly what a 64-bit float holds back.

    >>> exact_float("0.1"), exact_float(2)
    (0.1, 2)
    """
    if isinstance(value, bool):
        raise _refuse("true/false is not a number")
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER_TEXT.fullmatch(text):
            raise _refuse("not a number written in digits")
        value = Decimal(text)
    if isinstance(value, Decimal):
        try:
            number = float(value)
            same = math.isfinite(number) and Decimal(repr(number)) == value
        except (InvalidOperation, OverflowError):
            same = False
        if not same:
            raise _refuse("cannot be stored exactly (more digits than a 64-bit float holds)")
        return number
    if isinstance(value, float) and not math.isfinite(value):
        raise _refuse("not a finite number")
    return value


def _no_number(value: Any) -> Any:
    """Dates are text (or native dates): a number is not read as a Unix time."""
    if isinstance(value, bool | int | float | Decimal):
        raise _refuse("a number is not a date; write it as ISO 8601 text")
    return value


def _in_range(ahead: int) -> Any:
    def check(value: date) -> date:
        now = datetime.now(UTC)
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
            low = datetime(EARLIEST.year, EARLIEST.month, EARLIEST.day, tzinfo=UTC)
            if not low <= moment <= now + timedelta(days=ahead):
                raise _refuse("outside the plausible range")
        elif not EARLIEST <= value <= now.date() + timedelta(days=ahead):
            raise _refuse("outside the plausible range")
        return value

    return AfterValidator(check)


def _dates(ahead: int, words: str) -> str:
    return f"{words} from {EARLIEST.isoformat()} to {ahead} days after the import"


_DAY = "a date (YYYY-MM-DD)"
_MOMENT = "a date-time (ISO 8601, e.g. 2024-05-01T18:30:00Z)"

Count = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=COUNT_MAX)]
Length = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=LENGTH_MAX)]
Quantity = Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=QUANTITY_MAX)]
Money = Annotated[
    float, BeforeValidator(exact_float), Field(ge=0, le=MONEY_MAX, allow_inf_nan=False)
]
Share = Annotated[float, BeforeValidator(exact_float), Field(ge=0, le=1, allow_inf_nan=False)]
ObservedDay = Annotated[
    date,
    BeforeValidator(_no_number),
    _in_range(OBSERVED_DAYS_AHEAD),
    DateRange(EARLIEST, OBSERVED_DAYS_AHEAD),
    Field(description=_dates(OBSERVED_DAYS_AHEAD, _DAY)),
]
PlannedDay = Annotated[
    date,
    BeforeValidator(_no_number),
    _in_range(PLANNED_DAYS_AHEAD),
    DateRange(EARLIEST, PLANNED_DAYS_AHEAD),
    Field(description=_dates(PLANNED_DAYS_AHEAD, _DAY)),
]
Moment = Annotated[
    datetime,
    BeforeValidator(_no_number),
    _in_range(OBSERVED_DAYS_AHEAD),
    DateRange(EARLIEST, OBSERVED_DAYS_AHEAD),
    Field(description=_dates(OBSERVED_DAYS_AHEAD, _MOMENT)),
]
# An id: text (never a number), no surrounding space, no control character.
Key = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="an id: text without control characters, tabs or line breaks,",
        pattern=r"^[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f])?$",
    ),
]

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


def _country(value: str) -> str:
    if not _COUNTRY.match(value):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as 'US' or 'DE'")
    return value


def _currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(
            "must be an ISO 4217 currency code in capitals such as 'USD' or 'EUR' "
            "(the list of circulating currencies: see docs/interchange.md)"
        )
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


def _clean_text(value: Any) -> Any:
    """Refuse control characters (tab and line breaks aside) in any text, at any depth."""
    if isinstance(value, str):
        found = _CONTROL.search(value)
        if found:
            raise ValueError(
                f"contains the control character {found.group()!r} at position {found.start()}"
                "; text may hold tabs and line breaks but no other control character"
            )
    elif isinstance(value, list):
        for item in value:
            _clean_text(item)
    elif isinstance(value, dict):
        for key in value:
            _clean_text(key)
    return value


def _needs_currency(data: Any, amount: str, currency: str = "currency") -> Any:
    """An amount without its currency is refused: a missing currency is not taken as USD."""
    if isinstance(data, dict) and data.get(amount) is not None and data.get(currency) is None:
        raise ValueError(
            f"{amount} needs its currency: give {currency} (an ISO 4217 code such as USD); "
            "a missing currency is not taken as USD"
        )
    return data


class Record(BaseModel):
    """Base of every interchange record: unknown fields are refused, not dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _clean_text(value)


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
    virtual: bool = Field(
        default=False,
        description="a virtual (computer-generated, non-human) creator; its posts must say so "
        "(rule AI1-EU, docs/disclosure.md)",
    )


class CreatorAccountRecord(Record):
    """One of a creator's accounts on a platform."""

    account_id: Key
    creator_id: Key
    platform: Platform
    handle: Annotated[str, Field(min_length=1, max_length=100)]
    followers_count: Count | None = None
    following_count: Count | None = None
    posts_count: Count | None = None
    verified: bool = False
    rate_per_post: Money | None = Field(
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
    captured_on: ObservedDay
    followers_count: Count
    following_count: Count | None = None
    age_bands: Annotated[dict[str, Share] | None, _shares(AGE_BANDS, "age_bands")] = None
    genders: Annotated[dict[str, Share] | None, _shares(GENDERS, "genders")] = None
    countries: Annotated[dict[str, Share] | None, _shares(None, "countries")] = None


class FollowerAccountRecord(Record):
    """A follower or commenter account: a third party who never signed up.

    Only ``account_id`` is required. ``account_id`` is stored as a keyed pseudonym;
    ``username`` is used only to derive ``username_length`` and
    ``username_digit_count`` and is then discarded.
    """

    account_id: Key
    username: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    username_length: Length | None = None
    username_digit_count: Length | None = None
    full_name_length: Length | None = None
    biography_length: Length | None = None
    posts_count: Count | None = None
    followers_count: Count | None = None
    following_count: Count | None = None
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
    followed_on: ObservedDay | None = None


class PostRecord(Record):
    """A creator's post with its public metrics."""

    post_id: Key
    account_id: Key
    posted_at: Moment
    media_type: MediaType
    caption: Annotated[str, Field(max_length=10_000)] | None = None
    hashtags: list[Annotated[str, Field(min_length=1, max_length=140)]] | None = None
    likes: Count = 0
    comments: Count = 0
    views: Count | None = None
    shares: Count | None = None
    saves: Count | None = None
    paid_partnership: bool = False
    campaign_id: Key | None = None
    disclosure_in_video: bool | None = Field(
        default=None,
        description="whether the video, reel or story itself shows the disclosure on screen "
        "(empty: not known)",
    )
    spoken_disclosure: bool | None = Field(
        default=None,
        description="whether the disclosure is said aloud in the video (empty: not known)",
    )
    ai_generated: bool = Field(
        default=False, description="the creator declares the content was generated by AI"
    )
    ai_altered: bool = Field(
        default=False,
        description="the creator declares the content was altered by AI beyond ordinary edits",
    )


_COUNTS = ("views", "reach", "impressions", "likes", "comments", "shares", "saves", "link_clicks")


class PostMetricRecord(Record):
    """A post's metrics as observed at one moment: cumulative counts since it was posted.

    Several snapshots of one post (different ``observed_at``) make its history. ``source``
    says whose figures they are: ``insights`` (first-party, authorised by the creator)
    or ``public`` (public counts; reach and impressions are not public, so a ``public``
    snapshot cannot carry them). A count that was not observed is left empty, never 0.
    """

    post_id: Key
    observed_at: Moment
    views: Count | None = None
    reach: Count | None = None
    impressions: Count | None = None
    likes: Count | None = None
    comments: Count | None = None
    shares: Count | None = None
    saves: Count | None = None
    link_clicks: Count | None = None
    source: MetricSource = MetricSource.public

    @model_validator(mode="after")
    def _consistent(self) -> PostMetricRecord:
        if all(getattr(self, name) is None for name in _COUNTS):
            raise ValueError(f"a snapshot needs at least one count: {', '.join(_COUNTS)}")
        if self.source == MetricSource.public:
            private = [n for n in ("reach", "impressions") if getattr(self, n) is not None]
            if private:
                raise ValueError(
                    f"{' and '.join(private)} are first-party figures: give source "
                    "'insights' (the creator authorised them) or leave them empty"
                )
        return self


class CommentRecord(Record):
    """A comment on a post. The author is a third party: stored as a pseudonym, and
    @mentions in the text are masked as ``@user`` at import."""

    comment_id: Key
    post_id: Key
    author_id: Key
    posted_at: Moment
    text: Annotated[str, Field(max_length=5_000)]
    likes: Count = 0


class CampaignRecord(Record):
    """A brand's campaign."""

    campaign_id: Key
    brand_id: Key
    name: Annotated[str, Field(min_length=1, max_length=200)]
    goal: CampaignGoal = CampaignGoal.awareness
    starts_on: PlannedDay
    ends_on: PlannedDay
    budget: Money | None = None
    currency: Currency = "USD"

    @model_validator(mode="before")
    @classmethod
    def _amount_has_currency(cls, data: Any) -> Any:
        return _needs_currency(data, "budget")

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
    budget: Money | None = None
    currency: Currency = "USD"
    category: BrandCategory = BrandCategory.general

    @model_validator(mode="before")
    @classmethod
    def _amount_has_currency(cls, data: Any) -> Any:
        return _needs_currency(data, "budget")

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
    amount: Money | None = None
    currency: Currency = "USD"
    affiliate_code: Annotated[str, Field(max_length=100)] | None = None
    signed_on: ObservedDay | None = None

    @model_validator(mode="before")
    @classmethod
    def _amount_has_currency(cls, data: Any) -> Any:
        return _needs_currency(data, "amount")


class TrackedLinkRecord(Record):
    """A tracked link (a UTM or affiliate link) handed to a creator for a campaign.

    Events naming ``link_id`` (a click, or an order whose visitor clicked it) are
    touches of this creator (and post, when given).
    """

    link_id: Key
    campaign_id: Key
    creator_id: Key
    post_id: Key | None = None
    url: Annotated[str, Field(min_length=1, max_length=2_000)] | None = None


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _pseudonymous(value: str) -> str:
    """A touch key is a pseudonym: an e-mail or IP address is refused, not stored."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        raise ValueError(
            "looks like an IP address; touch_key must be a pseudonymous visitor key "
            "(e.g. a random cookie id), never an IP address"
        )
    if _EMAIL.fullmatch(value):
        raise ValueError(
            "looks like an e-mail address; touch_key must be a pseudonymous visitor key "
            "(e.g. a random cookie id), never an e-mail address"
        )
    return value


TouchKey = Annotated[
    Key,
    AfterValidator(_pseudonymous),
    Field(
        description="a pseudonymous visitor key (an id, e.g. a random cookie id), "
        "never an e-mail or IP address,"
    ),
]


class TrackingEventRecord(Record):
    """One campaign tracking event; ``event_id`` makes re-delivery idempotent.

    An order (``event_type`` purchase) names the shop's ``order_id``: several events
    naming one order count once. ``promo_code`` is the code typed at checkout,
    ``link_id`` a tracked link (``tracked_links``) and ``touch_key`` a pseudonymous
    visitor key that joins a visitor's clicks to their order.
    """

    event_id: Key
    campaign_id: Key
    occurred_at: Moment
    event_type: EventType
    post_id: Key | None = None
    creator_id: Key | None = None
    quantity: Quantity = 1
    value: Money | None = None
    currency: Currency | None = None
    order_id: Key | None = None
    promo_code: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    link_id: Key | None = None
    touch_key: TouchKey | None = None

    @model_validator(mode="before")
    @classmethod
    def _amount_has_currency(cls, data: Any) -> Any:
        return _needs_currency(data, "value")


class ConsentRecord(Record):
    """A creator granting or withdrawing consent for a purpose (append-only ledger)."""

    consent_id: Key
    creator_id: Key
    purpose: ConsentPurpose
    granted: bool
    recorded_at: Moment
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
    declared_at: Moment
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
    "post_metrics": PostMetricRecord,
    "tracked_links": TrackedLinkRecord,
    "comments": CommentRecord,
    "tracking_events": TrackingEventRecord,
    "consent_records": ConsentRecord,
    "declared_attributes": DeclaredAttributeRecord,
}
