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
