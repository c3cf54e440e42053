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
import importlib
import json
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from trustreach.core import NotFoundError, TrustreachError
from trustreach.ingest._schema import (
    AGE_BANDS,
    GENDERS,
    RESTRICTED_CATEGORIES,
    BrandCategory,
    Country,
    Currency,
    Key,
    Language,
    NonNegFloat,
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
Text = Annotated[str, Field(min_length=1, max_length=200)]
Word = Annotated[str, Field(min_length=1, max_length=60)]


class _BriefPart(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
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

    amount: NonNegFloat = Field(description="a number ≥ 0")
    currency: Currency = Field(description="an ISO 4217 code such as USD")


class Exclusions(_BriefPart):
    """What the brand does not want: named creators and topics to stay away from."""

    creator_ids: Annotated[list[Key], AfterValidator(_unique)] = Field(
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

    audience_fit: float | None = Field(default=None, ge=0, description="a number ≥ 0")
    topic_fit: float | None = Field(default=None, ge=0, description="a number ≥ 0")
    authentic_reach: float | None = Field(default=None, ge=0, description="a number ≥ 0")
    performance: float | None = Field(default=None, ge=0, description="a number ≥ 0")
    cost: float | None = Field(default=None, ge=0, description="a number ≥ 0")


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

    min_audience_quality: float = Field(
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
    min_signal_strength: float = Field(
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

    brief_id: Key = Field(description="your identifier for the brief")
    brand: Text = Field(description="the brand's id or name")
    campaign_id: Key | None = Field(
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
    top_n: int = Field(default=20, ge=1, le=500, description="shortlist length, 1–500")
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
        raise BriefError(
            [f"(top level): expected a mapping of fields, got {type(data).__name__}"],
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
        When the extension is not one of :data:`BRIEF_EXTENSIONS`, the file is
        not valid YAML/JSON, or any field is invalid (one line per problem).
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
    if not path.is_file():
        raise NotFoundError(f"brief file {path} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    data = _read_json(text, path) if suffix == ".json" else _read_yaml(text, path)
    return parse_brief(data, source=str(path))


def _read_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BriefError(
            [f"(file): not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"],
            source=str(path),
        ) from None


@cache
def _yaml_loader() -> Any:
    """A safe YAML loader that reads only true/false as booleans.

    YAML 1.1 reads ``NO`` (Norway), ``on`` and ``yes`` as booleans; in a brief
    they are country codes and words, so they stay text.
    """
    try:
        yaml = importlib.import_module("yaml")
    except ImportError:  # pragma: no cover - PyYAML comes with the dask extra
        return None
    loader: Any = type("BriefYamlLoader", (yaml.SafeLoader,), {})
    bool_tag = "tag:yaml.org,2002:bool"
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != bool_tag]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return loader


def _read_yaml(text: str, path: Path) -> Any:
    loader = _yaml_loader()
    if loader is None:  # pragma: no cover - depends on the environment
        raise BriefError(
            ["(file): reading YAML needs PyYAML (pip install pyyaml); JSON briefs need nothing"],
            source=str(path),
        )
    yaml = importlib.import_module("yaml")
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BriefError([f"(file): not valid YAML{where}: {problem}"], source=str(path)) from None


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


_SUBMODELS: dict[str, type[BaseModel]] = {
    "audience": AudienceTarget,
    "budget": Budget,
    "exclusions": Exclusions,
    "authenticity": AuthenticityPolicy,
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
    return f"{where}: {error['msg'][0].lower()}{error['msg'][1:]} (got {_short(value)})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
