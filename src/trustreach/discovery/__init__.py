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
- :class:`CreatorIndex` holds precomputed, columnar features of every
  account; :func:`rank_creators` ranks them for a :class:`Query` (from
  :func:`query_from_brief` or :func:`query_like`) into a :class:`Ranking`:
  five explained components, rule exclusions, an exposure audit by declared
  group and, with a :class:`FairSpec`, FA*IR re-ranking.
  :func:`render_shortlist_html` renders it. Every ranked row carries an
  :class:`AudienceRisk` (Audience Quality, fake-looking share with its
  interval, raised fraud signals, or "not audited"), and the brief's
  :class:`AuthenticityPolicy` holds risky creators for review (rule
  :data:`AUTHENTICITY_RULE_ID`) unless it says otherwise.
  Topical queries shortlist only creators past a topic gate (content far
  from the brief's topics is out of scope), and fees declared in another
  currency than the budget's are converted with a dated :class:`FxRates`
  table (:func:`reference_fx_rates`, the shipped ECB snapshot, or
  :func:`load_fx_rates` for a user's file).
- :class:`PerformanceModel` predicts engagements and reach of a creator's next
  post with an 80% prediction interval (split-conformal), and :func:`backtest`
  measures the interval's coverage on held-back posts.

Everything here is pure: typed records in, results out.
"""

from typing import TYPE_CHECKING

from trustreach.core._lazy import lazy_exports

if TYPE_CHECKING:
    from trustreach.discovery._authenticity_policy import (
        AUTHENTICITY_RULE_ID,
        AudienceRisk,
        audience_risk,
        screen_authenticity,
    )
    from trustreach.discovery._brief import (
        BRIEF_EXTENSIONS,
        CATEGORY_PARENTS,
        SPECIAL_AD_CATEGORIES,
        AudienceTarget,
        AuthenticityPolicy,
        Brief,
        BriefError,
        Budget,
        Exclusions,
        Objective,
        ProductCategory,
        RiskAction,
        Weights,
        brief_json_schema,
        load_brief,
        parse_brief,
    )
    from trustreach.discovery._fx import FxRates, FxRatesError, load_fx_rates, reference_fx_rates
    from trustreach.discovery._index import (
        FRAUD_SIGNALS,
        CreatorIndex,
        CreatorIndexError,
        synthetic_index,
    )
    from trustreach.discovery._performance import BacktestReport, PerformanceModel, backtest
    from trustreach.discovery._rank import (
        DEFAULT_WEIGHTS,
        query_from_brief,
        query_like,
        rank_creators,
        resolve_weights,
    )
    from trustreach.discovery._ranking import (
        COMPONENTS,
        LABELS,
        Component,
        Embedder,
        FairResult,
        FairSpec,
        Query,
        RankedCreator,
        Ranking,
    )
    from trustreach.discovery._report import render_shortlist_html
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
    from trustreach.discovery._summary import FairEffect, exposure_line, fair_effect
else:  # imported on first use (PEP 562): `trustreach discover BRIEF` refuses a bad brief
    # without loading LightGBM or scikit-learn
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "_authenticity_policy": (
                "AUTHENTICITY_RULE_ID",
                "AudienceRisk",
                "audience_risk",
                "screen_authenticity",
            ),
            "_brief": (
                "BRIEF_EXTENSIONS",
                "CATEGORY_PARENTS",
                "SPECIAL_AD_CATEGORIES",
                "AudienceTarget",
                "AuthenticityPolicy",
                "Brief",
                "BriefError",
                "Budget",
                "Exclusions",
                "Objective",
                "ProductCategory",
                "RiskAction",
                "Weights",
                "brief_json_schema",
                "load_brief",
                "parse_brief",
            ),
            "_fx": (
                "FxRates",
                "FxRatesError",
                "load_fx_rates",
                "reference_fx_rates",
            ),
            "_index": (
                "FRAUD_SIGNALS",
                "CreatorIndex",
                "CreatorIndexError",
                "synthetic_index",
            ),
            "_performance": (
                "BacktestReport",
                "PerformanceModel",
                "backtest",
            ),
            "_rank": (
                "DEFAULT_WEIGHTS",
                "query_from_brief",
                "query_like",
                "rank_creators",
                "resolve_weights",
            ),
            "_ranking": (
                "COMPONENTS",
                "LABELS",
                "Component",
                "Embedder",
                "FairResult",
                "FairSpec",
                "Query",
                "RankedCreator",
                "Ranking",
            ),
            "_report": ("render_shortlist_html",),
            "_rules": (
                "BRIEF_EXCLUSION_RULE_ID",
                "DEFAULT_RULES",
                "AgeShare",
                "AppliedRule",
                "AudienceRule",
                "BriefRule",
                "CreatorAudience",
                "DemographicTargetingRule",
                "Finding",
                "MaximumAgeShareRule",
                "MinimumAgeShareRule",
                "MinorAppealRule",
                "MinorTargetingRule",
                "Rule",
                "RuleOutcome",
                "Screening",
                "TargetingRefused",
                "check_brief_targeting",
                "get_rule",
                "rules_for",
                "screen_creators",
                "share_at_least_age",
                "share_under_age",
            ),
            "_summary": (
                "FairEffect",
                "exposure_line",
                "fair_effect",
            ),
        },
    )

__all__ = [
    "AUTHENTICITY_RULE_ID",
    "BRIEF_EXCLUSION_RULE_ID",
    "BRIEF_EXTENSIONS",
    "CATEGORY_PARENTS",
    "COMPONENTS",
    "DEFAULT_RULES",
    "DEFAULT_WEIGHTS",
    "FRAUD_SIGNALS",
    "LABELS",
    "SPECIAL_AD_CATEGORIES",
    "AgeShare",
    "AppliedRule",
    "AudienceRisk",
    "AudienceRule",
    "AudienceTarget",
    "AuthenticityPolicy",
    "BacktestReport",
    "Brief",
    "BriefError",
    "BriefRule",
    "Budget",
    "Component",
    "CreatorAudience",
    "CreatorIndex",
    "CreatorIndexError",
    "DemographicTargetingRule",
    "Embedder",
    "Exclusions",
    "FairEffect",
    "FairResult",
    "FairSpec",
    "Finding",
    "FxRates",
    "FxRatesError",
    "MaximumAgeShareRule",
    "MinimumAgeShareRule",
    "MinorAppealRule",
    "MinorTargetingRule",
    "Objective",
    "PerformanceModel",
    "ProductCategory",
    "Query",
    "RankedCreator",
    "Ranking",
    "RiskAction",
    "Rule",
    "RuleOutcome",
    "Screening",
    "TargetingRefused",
    "Weights",
    "audience_risk",
    "backtest",
    "brief_json_schema",
    "check_brief_targeting",
    "exposure_line",
    "fair_effect",
    "get_rule",
    "load_brief",
    "load_fx_rates",
    "parse_brief",
    "query_from_brief",
    "query_like",
    "rank_creators",
    "reference_fx_rates",
    "render_shortlist_html",
    "resolve_weights",
    "rules_for",
    "screen_authenticity",
    "screen_creators",
    "share_at_least_age",
    "share_under_age",
    "synthetic_index",
]
