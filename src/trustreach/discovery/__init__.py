"""Discovery: a brief in, restricted-category gates applied to creators' audiences.

- A :class:`Brief` (loaded with :func:`load_brief` from YAML or JSON, format in
  ``docs/briefs.md``) says what a brand is looking for: the objective, the
  platforms, an :class:`AudienceTarget`, topics in free text, a
  :class:`ProductCategory`, a :class:`Budget`, the content language and
  :class:`Exclusions`. Invalid briefs raise :class:`BriefError`, one line per
  field-level problem.
- The audience target is matched against creators' *platform-reported*
  audience aggregates; nothing here infers anyone's age or gender.
- Restricted-category rules (:data:`DEFAULT_RULES`), each with an id and a
  source: US alcohol codes (share of the audience aged 21+), UK HFSS (share
  under 16), UK gambling (under-18 appeal by share or count), and targeting
  limits on briefs (no age or gender targeting for housing, employment and
  credit; no under-18 targeting for restricted products).
  :func:`check_brief_targeting` refuses a brief with :class:`TargetingRefused`;
  :func:`screen_creators` sorts creators into eligible, excluded and held for
  review, each finding with its rule id, reason and numbers. Missing age data
  is sent for review, never taken as compliance.
- :class:`PerformanceModel` predicts engagements and reach of a creator's next
  post with an 80% prediction interval (split-conformal), and :func:`backtest`
  measures the interval's coverage on held-back posts.

Everything here is pure: typed records in, results out.
"""

from trustreach.discovery._brief import (
    BRIEF_EXTENSIONS,
    CATEGORY_PARENTS,
    SPECIAL_AD_CATEGORIES,
    AudienceTarget,
    Brief,
    BriefError,
    Budget,
    Exclusions,
    Objective,
    ProductCategory,
    brief_json_schema,
    load_brief,
    parse_brief,
)
from trustreach.discovery._performance import BacktestReport, PerformanceModel, backtest
from trustreach.discovery._rules import (
    BRIEF_EXCLUSION_RULE_ID,
    DEFAULT_RULES,
    AgeShare,
    AppliedRule,
    AudienceRule,
    BriefRule,
    CreatorAudience,
    DemographicTargetingRule,
    Finding,
    MaximumAgeShareRule,
    MinimumAgeShareRule,
    MinorAppealRule,
    MinorTargetingRule,
    Rule,
    RuleOutcome,
    Screening,
    TargetingRefused,
    check_brief_targeting,
    get_rule,
    rules_for,
    screen_creators,
    share_at_least_age,
    share_under_age,
)

__all__ = [
    "BRIEF_EXCLUSION_RULE_ID",
    "BRIEF_EXTENSIONS",
    "CATEGORY_PARENTS",
    "DEFAULT_RULES",
    "SPECIAL_AD_CATEGORIES",
    "AgeShare",
    "AppliedRule",
    "AudienceRule",
    "AudienceTarget",
    "BacktestReport",
    "Brief",
    "BriefError",
    "BriefRule",
    "Budget",
    "CreatorAudience",
    "DemographicTargetingRule",
    "Exclusions",
    "Finding",
    "MaximumAgeShareRule",
    "MinimumAgeShareRule",
    "MinorAppealRule",
    "MinorTargetingRule",
    "Objective",
    "PerformanceModel",
    "ProductCategory",
    "Rule",
    "RuleOutcome",
    "Screening",
    "TargetingRefused",
    "backtest",
    "brief_json_schema",
    "check_brief_targeting",
    "get_rule",
    "load_brief",
    "parse_brief",
    "rules_for",
    "screen_creators",
    "share_at_least_age",
    "share_under_age",
]
