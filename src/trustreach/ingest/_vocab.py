"""The interchange format's vocabularies: plain enums and constants, no pydantic.

Kept apart from the models in :mod:`trustreach.ingest._schema` so the command line
can offer them as choices without building every model (``trustreach --help``
stays fast).
"""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    """Social platforms a creator account can live on."""

    instagram = "instagram"
    tiktok = "tiktok"
    youtube = "youtube"
    x = "x"
    twitch = "twitch"
    facebook = "facebook"


class MediaType(StrEnum):
    """What kind of post it is."""

    image = "image"
    carousel = "carousel"
    video = "video"
    reel = "reel"
    short = "short"
    story = "story"
    live = "live"
    text = "text"


class BrandCategory(StrEnum):
    """Product category; some are restricted (gates and extra disclosure rules apply)."""

    general = "general"
    beauty = "beauty"
    fashion = "fashion"
    food_beverage = "food_beverage"
    technology = "technology"
    travel = "travel"
    fitness = "fitness"
    gaming = "gaming"
    finance = "finance"
    alcohol = "alcohol"
    gambling = "gambling"
    tobacco_nicotine = "tobacco_nicotine"
    cannabis = "cannabis"
    crypto = "crypto"
    weight_loss = "weight_loss"
    pharma = "pharma"


RESTRICTED_CATEGORIES = frozenset(
    {
        BrandCategory.alcohol,
        BrandCategory.gambling,
        BrandCategory.tobacco_nicotine,
        BrandCategory.cannabis,
        BrandCategory.crypto,
        BrandCategory.weight_loss,
        BrandCategory.pharma,
    }
)


class CampaignGoal(StrEnum):
    """What a campaign or brief is for."""

    awareness = "awareness"
    engagement = "engagement"
    traffic = "traffic"
    conversions = "conversions"
    sales = "sales"


class Compensation(StrEnum):
    """What the creator receives. Every kind is a material connection that triggers a
    disclosure duty under the FTC Endorsement Guides, UK CAP code and EU UCPD."""

    fee = "fee"
    gift = "gift"
    affiliate = "affiliate"
    product_loan = "product_loan"
    discount = "discount"
    equity = "equity"


class EventType(StrEnum):
    """Campaign tracking events."""

    impression = "impression"
    view = "view"
    click = "click"
    add_to_cart = "add_to_cart"
    signup = "signup"
    install = "install"
    purchase = "purchase"


class MetricSource(StrEnum):
    """Whose figures a post metric snapshot holds.

    ``insights`` are first-party figures the creator authorised (the platform's own
    reach and impressions); ``public`` are counts anyone can see (no reach or
    impressions). The share of posts with ``insights`` is a KPI's coverage.
    """

    insights = "insights"
    public = "public"


class ConsentPurpose(StrEnum):
    """Purposes a data subject can consent to."""

    profiling = "profiling"
    audience_analysis = "audience_analysis"
    contact = "contact"
    declared_attributes = "declared_attributes"
    marketing = "marketing"


class DeclaredAttribute(StrEnum):
    """Attributes a creator may declare about themselves, with explicit consent.

    Used only to audit rankings for fairness; never a ranking input and never
    inferred.
    """

    gender = "gender"
    ethnicity = "ethnicity"
    disability = "disability"
    lgbtq_plus = "lgbtq_plus"


AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("female", "male", "other", "unknown")

# ISO 4217 codes of circulating currencies (the standard's current list, 2025 edition,
# plus codes withdrawn since 2020 that older records still carry: HRK, SLL, ZWL, CUC).
# Fund codes, precious metals and testing codes (XAU, XDR, XTS, XXX, ...) are not money
# a creator is paid in and are refused.
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD
    IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
    SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED
    VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()  # noqa: SIM905 - the list reads as the standard prints it
)
