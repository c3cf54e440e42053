"""The brief: what a brand asks discovery for, as a validated pydantic model.

A brief is a small YAML or JSON document (see ``docs/briefs.md``). Every field
is checked on load and every problem is reported with its path, the bad value
and what is allowed, so a marketer can fix the file in one pass.

The audience target is a target for matching creators' *platform-reported*
audience aggregates (shares of followers by age band, gender and country). It
never describes, and is never used to infer anything about, an individual.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from trustreach.core import StructuredFileError, TrustreachError, load_structured
from trustreach.ingest._schema import (
    AGE_BANDS,
    GENDERS,
    RESTRICTED_CATEGORIES,
    BrandCategory,
    Country,
    Currency,
    Key,
    Language,
    Money,
    Platform,
)

BRIEF_EXTENSIONS = (".yaml", ".yml", ".json")
"""File extensions :func:`load_brief` reads."""


class BriefError(TrustreachError, ValueError):
    """A brief was refused.

    Attributes
    ----------
    errors : list of str
        One line per problem, each starting with the field path, e.g.
        ``"audience.age_bands[1]: '16-20' not allowed; allowed: 13-17, 18-24, …"``.
    source : str or None
        The file the brief came from, when it came from a file.

    Examples
    --------
    >>> err = BriefError(["top_n: must be ≥ 1"], source="brief.yaml")
    >>> str(err)
    'brief brief.yaml refused: top_n: must be ≥ 1'
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, errors: Sequence[str], *, source: str | None = None) -> None:
        self.errors = list(errors)
        self.source = source
        head = "; ".join(self.errors[:3])
        more = f" (and {len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
        name = f"brief {source}" if source else "brief"
        super().__init__(f"{name} refused: {head}{more}")


class Objective(StrEnum):
    """What the campaign behind a brief is for."""

    awareness = "awareness"
    engagement = "engagement"
    conversions = "conversions"


class ProductCategory(StrEnum):
    """Product category of a brief.

    Every :class:`~trustreach.ingest.BrandCategory` value, plus subcategories the
    restricted-category rules need. :attr:`brand_category` maps each value back
    to the ingest category (``beer``, ``wine``, ``spirits`` → ``alcohol``;
    ``hfss_food`` → ``food_beverage``; ``credit`` → ``finance``; ``housing``,
    ``employment`` → ``general``).

    Examples
    --------
    >>> ProductCategory.beer.brand_category
    <BrandCategory.alcohol: 'alcohol'>
    >>> ProductCategory.beauty.is_restricted, ProductCategory.credit.is_restricted
    (False, True)
    """

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
    # Subcategories the rules need.
    beer = "beer"
    wine = "wine"
    spirits = "spirits"
    hfss_food = "hfss_food"
    housing = "housing"
    employment = "employment"
    credit = "credit"

    @property
    def brand_category(self) -> BrandCategory:
        """The ingest :class:`~trustreach.ingest.BrandCategory` this value belongs to."""
        parent = CATEGORY_PARENTS.get(self)
        return parent if parent is not None else BrandCategory(self.value)

    @property
    def is_restricted(self) -> bool:
        """Whether gates or targeting limits apply to briefs in this category."""
        return (
            self in SPECIAL_AD_CATEGORIES
            or self is ProductCategory.hfss_food
            or self.brand_category in RESTRICTED_CATEGORIES
        )


CATEGORY_PARENTS: dict[ProductCategory, BrandCategory] = {
    ProductCategory.beer: BrandCategory.alcohol,
    ProductCategory.wine: BrandCategory.alcohol,
    ProductCategory.spirits: BrandCategory.alcohol,
    ProductCategory.hfss_food: BrandCategory.food_beverage,
    ProductCategory.housing: BrandCategory.general,
    ProductCategory.employment: BrandCategory.general,
    ProductCategory.credit: BrandCategory.finance,
}
"""Subcategories that are not themselves ingest brand categories, and their parent."""

SPECIAL_AD_CATEGORIES = frozenset(
    {ProductCategory.housing, ProductCategory.employment, ProductCategory.credit}
)
"""Categories that may not be targeted by age or gender."""


def _allowed(choices: Iterable[str]) -> str:
    return ", ".join(choices)


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} not allowed; allowed: {_allowed(choices)}")
        return value

    return AfterValidator(check)


T = TypeVar("T")


def _unique(values: list[T]) -> list[T]:
    seen: set[T] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{str(value)!r} is listed more than once")
        seen.add(value)
    return values


AgeBand = Annotated[
    str,
    _one_of(AGE_BANDS),
    Field(json_schema_extra={"enum": list(AGE_BANDS)}, description="a reported age band"),
]
Gender = Annotated[
    str,
    _one_of(GENDERS),
    Field(json_schema_extra={"enum": list(GENDERS)}, description="a reported gender bucket"),
]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _as_text(value: Any) -> Any:
    """A whole number where free text is expected is that text (``topics: [2024]``); a
    fraction is refused, since its written form (``1.50``, ``1e3``) is already lost."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        raise ValueError(
            "expected text, not a number with a fraction; put it in quotes to keep it as written"
        )
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValueError("text may not hold control characters (tab, newline, NUL, …)")
    return value


def _as_id(value: Any) -> Any:
    """An id is text, never a number (as in the interchange format): ``brief_id: "2024"``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"an id is text, not a number; put it in quotes ({str(value)!r})")
    return _as_text(value)


def _as_number(value: Any) -> Any:
    """true/false is not a number (pydantic would read it as 1/0)."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    return value


AsText = BeforeValidator(_as_text)
AsNumber = BeforeValidator(_as_number)
Id = Annotated[Key, BeforeValidator(_as_id)]
Text = Annotated[str, AsText, Field(min_length=1, max_length=200)]
Word = Annotated[str, AsText, Field(min_length=1, max_length=60)]


class _BriefPart(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class AudienceTarget(_BriefPart):
    """Who the brand hopes a creator's audience is made of.

    Targets are matched against creators' platform-reported audience aggregates
    (shares by age band, gender and country), never against inferences about
    individual followers. Every list is optional; an empty list means "no
    preference".

    Examples
    --------
    >>> AudienceTarget(age_bands=["25-34"], countries=["GB"]).genders
    []
    """

    age_bands: Annotated[list[AgeBand], AfterValidator(_unique)] = Field(
        default_factory=list,
        description="reported age bands to favour: " + _allowed(AGE_BANDS),
    )
    genders: Annotated[list[Gender], AfterValidator(_unique)] = Field(
        default_factory=list,
        description="reported gender buckets to favour: " + _allowed(GENDERS),
    )
    countries: Annotated[list[Country], AfterValidator(_unique)] = Field(
        default_factory=list, description="ISO 3166-1 alpha-2 codes of audience countries"
    )
    interests: list[Word] = Field(
        default_factory=list, description="free-text audience interests, e.g. 'running'"
    )

    @property
    def is_empty(self) -> bool:
        """True when the target states no preference at all."""
        return not (self.age_bands or self.genders or self.countries or self.interests)


class Budget(_BriefPart):
    """The money available for creator fees, in one currency."""

    amount: Annotated[Money, AsNumber] = Field(description="a number from 0 to 10^13")
    currency: Currency = Field(description="an ISO 4217 code such as USD")


class Exclusions(_BriefPart):
    """What the brand does not want: named creators and topics to stay away from."""

    creator_ids: Annotated[list[Id], AfterValidator(_unique)] = Field(
        default_factory=list, description="creator ids never to shortlist"
    )
    topics: list[Text] = Field(
        default_factory=list, description="free-text topics whose creators to avoid"
    )


class Weights(_BriefPart):
    """Optional weights of the rank score's components (any subset; ≥ 0).

    Components left out keep the objective's default weight; all weights are
    then scaled to sum to 1 (see ``docs/discovery.md``).
    """

    audience_fit: Annotated[float, AsNumber] | None = Field(
        default=None, ge=0, description="a number ≥ 0"
    )
    topic_fit: Annotated[float, AsNumber] | None = Field(
        default=None, ge=0, description="a number ≥ 0"
    )
    authentic_reach: Annotated[float, AsNumber] | None = Field(
        default=None, ge=0, description="a number ≥ 0"
    )
    performance: Annotated[float, AsNumber] | None = Field(
        default=None, ge=0, description="a number ≥ 0"
    )
    cost: Annotated[float, AsNumber] | None = Field(default=None, ge=0, description="a number ≥ 0")


class RiskAction(StrEnum):
    """What the authenticity policy does with a creator that triggers it."""

    review = "review"
    exclude = "exclude"
    show = "show"


class AuthenticityPolicy(_BriefPart):
    """A brief's ``authenticity`` section: how audience risk affects the shortlist.

    Audience Quality under ``min_audience_quality`` gets the ``low_quality``
    action; a fraud signal the latest audit raised with a strength of at least
    ``min_signal_strength`` gets the ``fraud_signals`` action; a creator never
    audited gets ``not_audited`` (see ``docs/discovery.md``).

    Examples
    --------
    >>> policy = AuthenticityPolicy()
    >>> policy.min_audience_quality, policy.fraud_signals.value, policy.not_audited.value
    (50.0, 'review', 'show')
    """

    min_audience_quality: Annotated[float, AsNumber] = Field(
        default=50.0, ge=0, le=100, description="Audience Quality below this (0-100) is acted on"
    )
    low_quality: RiskAction = Field(
        default=RiskAction.review,
        description="what to do under min_audience_quality: review, exclude or show",
    )
    fraud_signals: RiskAction = Field(
        default=RiskAction.review,
        description="what to do with a strong raised fraud signal: review, exclude or show",
    )
    min_signal_strength: Annotated[float, AsNumber] = Field(
        default=0.5, ge=0, le=1, description="a raised signal at least this strong (0-1) counts"
    )
    not_audited: RiskAction = Field(
        default=RiskAction.show,
        description="what to do with a creator never audited: review, exclude or show",
    )


class Brief(_BriefPart):
    """A discovery brief: goal, audience, topics, category, budget and exclusions.

    Examples
    --------
    >>> brief = Brief(
    ...     brief_id="b1", brand="Glow Labs", objective="awareness",
    ...     platforms=["instagram"], topics=["skincare"], category="beauty",
    ...     budget={"amount": 5000, "currency": "GBP"}, content_language="en",
    ... )
    >>> brief.top_n, brief.audience.is_empty, brief.category.brand_category.value
    (20, True, 'beauty')
    """

    brief_id: Id = Field(description="your identifier for the brief")
    brand: Text = Field(description="the brand's id or name")
    campaign_id: Id | None = Field(
        default=None, description="the campaign the shortlist is for (deals need one)"
    )
    objective: Objective = Field(description="one of: " + _allowed(Objective))
    platforms: Annotated[list[Platform], AfterValidator(_unique)] = Field(
        min_length=1, description="at least one of: " + _allowed(Platform)
    )
    audience: AudienceTarget = Field(
        default_factory=AudienceTarget, description="optional audience target"
    )
    topics: list[Text] = Field(
        min_length=1, description="at least one free-text topic, e.g. 'vegan skincare'"
    )
    category: ProductCategory = Field(description="one of: " + _allowed(ProductCategory))
    budget: Budget
    content_language: Language = Field(description="an ISO 639-1 code such as en")
    exclusions: Exclusions = Field(default_factory=Exclusions)
    top_n: Annotated[int, AsNumber] = Field(
        default=20, ge=1, le=500, description="shortlist length, 1–500"
    )
    weights: Weights | None = Field(
        default=None, description="optional component weights (default: by objective)"
    )
    authenticity: AuthenticityPolicy = Field(
        default_factory=AuthenticityPolicy,
        description="what audience risk does to the shortlist (default: hold for review)",
    )


def brief_json_schema() -> dict[str, Any]:
    """The JSON Schema of a brief (draft 2020-12), for editors and API clients.

    Examples
    --------
    >>> schema = brief_json_schema()
    >>> schema["title"], "brief_id" in schema["required"]
    ('Brief', True)
    """
    schema = Brief.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def parse_brief(data: Any, *, source: str | None = None) -> Brief:
    """Validate already-parsed data (a mapping) as a :class:`Brief`.

    Raises
    ------
    BriefError
        With one line per problem, each naming the field path.

    Examples
    --------
    >>> parse_brief({"brief_id": "b1"})
    Traceback (most recent call last):
    ...
    trustreach.discovery._brief.BriefError: brief refused: brand: required; ...
    """
    if not isinstance(data, dict):
        got = "nothing (the brief is empty)" if data is None else _kind(data)
        raise BriefError(
            [
                f"(top level): expected a mapping of fields ({_allowed(Brief.model_fields)}), "
                f"got {got}"
            ],
            source=source,
        )
    try:
        return Brief.model_validate(data)
    except ValidationError as exc:
        raise BriefError([_describe(e) for e in exc.errors()], source=source) from None


def load_brief(path: Path | str) -> Brief:
    """Read and validate a brief from a ``.yaml``, ``.yml`` or ``.json`` file.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    BriefError
        When the extension is not one of :data:`BRIEF_EXTENSIONS`; the file is
        not a regular UTF-8 file within the size limit, not valid YAML/JSON, or
        breaks a limit of :mod:`trustreach.core._structured` (duplicate keys,
        YAML aliases, nesting, numbers that are not finite or exact); or any
        field is invalid (one line per problem). See docs/briefs.md, "Limits".
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in BRIEF_EXTENSIONS:
        raise BriefError(
            [
                f"(file): extension {path.suffix or '(none)'!r} is not supported; "
                f"allowed: {_allowed(BRIEF_EXTENSIONS)}"
            ],
            source=str(path),
        )
    try:
        data = load_structured(path, what="brief")
    except StructuredFileError as exc:
        raise BriefError([f"(file): {exc.problem}"], source=str(path)) from None
    return parse_brief(data, source=str(path))


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if _NAME.fullmatch(part) else repr(part)  # a key as typed, on one line
            text += f".{name}" if text else name
    return text or "(top level)"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_SUBMODELS: dict[str, type[BaseModel]] = {
    "audience": AudienceTarget,
    "budget": Budget,
    "exclusions": Exclusions,
    "authenticity": AuthenticityPolicy,
    "weights": Weights,
}


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = Brief
    if loc and isinstance(loc[0], str) and loc[0] in _SUBMODELS:
        model = _SUBMODELS[loc[0]]
    return list(model.model_fields)


def _describe(error: ErrorDetails) -> str:
    loc = tuple(error["loc"])
    where = _path(loc)
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx", {})
    if kind == "missing":
        return f"{where}: required; add it"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        known = _fields_at(loc[:-1])
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{where}: unknown field{hint}; allowed fields: {_allowed(known)}"
    if kind == "enum":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"{where}: {_short(value)} not allowed; allowed: {expected}"
    if kind == "too_short" and isinstance(value, list):
        return f"{where}: needs at least {ctx.get('min_length', 1)} item(s); got none"
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        if not isinstance(value, list | dict) and repr(value) not in message:
            message += f" (got {_short(value)})"
        return f"{where}: {message}"
    wanted = _EXPECTED.get(kind)
    if wanted is not None:
        if kind in ("model_type", "dict_type"):
            wanted += f" ({_allowed(_fields_at(loc))})"
        elif isinstance(value, int) and not isinstance(value, bool) and kind == "float_type":
            wanted += " within the range of a 64-bit float"
        return f"{where}: expected {wanted}, got {_kind(value)}"
    return f"{where}: {error['msg'][0].lower()}{error['msg'][1:]} (got {_short(value)})"


_EXPECTED = {
    "model_type": "a mapping of fields",
    "dict_type": "a mapping of fields",
    "list_type": "a list (e.g. [a, b])",
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number (not NaN or infinity)",
}
"""Pydantic's type errors in a brief's words: what the field takes."""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {_short(value)}"
    return f"text {_short(value)}" if isinstance(value, str) else _short(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
