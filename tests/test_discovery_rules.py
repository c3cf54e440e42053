"""Restricted-category rules: known answers at and around each threshold, missing data,
targeting refusals, and screening that accounts for every creator."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from trustreach.discovery import (
    BRIEF_EXCLUSION_RULE_ID,
    DEFAULT_RULES,
    AudienceRule,
    Brief,
    BriefError,
    CreatorAudience,
    ProductCategory,
    TargetingRefused,
    check_brief_targeting,
    get_rule,
    load_brief,
    rules_for,
    screen_creators,
    share_at_least_age,
    share_under_age,
)
from trustreach.ingest import AudienceSnapshotRecord

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "trustreach" / "discovery"


def _brief(category: str, **changes: Any) -> Brief:
    data: dict[str, Any] = {
        "brief_id": "b1",
        "brand": "Brand",
        "objective": "awareness",
        "platforms": ["instagram"],
        "topics": ["t"],
        "category": category,
        "budget": {"amount": 1000, "currency": "USD"},
        "content_language": "en",
    }
    data.update(changes)
    return Brief.model_validate(data)


def _rule(rule_id: str) -> AudienceRule:
    rule = get_rule(rule_id)
    assert isinstance(rule, AudienceRule)
    return rule


def _status(rule_id: str, bands: dict[str, float] | None, followers: int | None = None) -> str:
    audience = CreatorAudience("c", followers=followers, age_bands=bands)
    return _rule(rule_id).evaluate(audience).status


# ----------------------------------------------------------------------------- shares


def test_share_bounds_for_21_plus() -> None:
    share = share_at_least_age(21, {"13-17": 0.2, "18-24": 0.1, "25-34": 0.5, "65+": 0.2})
    assert share.lower == pytest.approx(0.7)
    assert share.upper == pytest.approx(0.8)
    assert share.point == pytest.approx(0.7 + 0.1 * 4 / 7)
    assert share.straddling == ("18-24",)
    assert share.unreported == 0


def test_partial_breakdown_widens_both_ways() -> None:
    share = share_at_least_age(21, {"18-24": 0.1, "25-34": 0.6})
    assert share.unreported == pytest.approx(0.3)
    assert share.lower == pytest.approx(0.6)
    assert share.upper == pytest.approx(1.0)
    assert share.point == pytest.approx((0.6 + 0.1 * 4 / 7) / 0.7)


def test_under_16_and_under_18() -> None:
    bands = {"13-17": 0.5, "18-24": 0.5}
    under16 = share_under_age(16, bands)
    assert (under16.lower, under16.upper) == (0.0, 0.5)
    assert under16.point == pytest.approx(0.3)
    under18 = share_under_age(18, bands)
    assert under18.lower == under18.point == under18.upper == 0.5
    assert under18.straddling == ()


def test_share_refuses_ages_outside_the_bands_and_empty_data() -> None:
    with pytest.raises(ValueError, match="between 13 and 65"):
        share_under_age(70, {"65+": 1.0})
    with pytest.raises(ValueError, match="no age shares"):
        share_under_age(18, {})


def test_creator_audience_validates_shares() -> None:
    with pytest.raises(ValueError, match="'16-20' is not allowed"):
        CreatorAudience("c", age_bands={"16-20": 0.5})
    with pytest.raises(ValueError, match="between 0 and 1"):
        CreatorAudience("c", age_bands={"18-24": 1.5})
    with pytest.raises(ValueError, match="add up to over 1"):
        CreatorAudience("c", age_bands={"18-24": 0.6, "25-34": 0.6})
    with pytest.raises(ValueError, match="followers must be"):
        CreatorAudience("c", followers=-1)


def test_creator_audience_from_snapshot() -> None:
    snapshot = AudienceSnapshotRecord(
        account_id="a1",
        captured_on=date(2025, 1, 1),
        followers_count=1200,
        age_bands={"18-24": 0.5, "25-34": 0.5},
        countries={"US": 1.0},
    )
    audience = CreatorAudience.from_snapshot("c1", snapshot)
    assert audience.followers == 1200
    assert audience.country_shares == {"US": 1.0}
    assert _rule("us-alcohol-beer-73.6").evaluate(audience).status == "review"


# ----------------------------------------------------------------------------- alcohol


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        ({"18-24": 0.26, "25-34": 0.74}, "pass"),
        ({"18-24": 0.264, "25-34": 0.5, "35-44": 0.236}, "pass"),  # exactly 73.6%
        ({"13-17": 0.30, "18-24": 0.10, "25-34": 0.60}, "exclude"),
        ({"13-17": 0.20, "18-24": 0.10, "25-34": 0.70}, "review"),
        ({"13-17": 0.265, "18-24": 0.0, "25-34": 0.735}, "exclude"),  # just under
        ({"13-17": 0.264, "25-34": 0.736}, "pass"),
        ({"18-24": 0.10, "25-34": 0.60}, "review"),  # partial breakdown: unknown remainder
    ],
)
def test_beer_threshold(bands: dict[str, float], expected: str) -> None:
    assert _status("us-alcohol-beer-73.6", bands) == expected


def test_spirits_wine_threshold_is_stricter() -> None:
    bands = {"13-17": 0.263, "25-34": 0.737}
    assert _status("us-alcohol-beer-73.6", bands) == "pass"
    assert _status("us-alcohol-spirits-wine-73.8", bands) == "exclude"
    assert _status("us-alcohol-spirits-wine-73.8", {"13-17": 0.262, "25-34": 0.738}) == "pass"
    assert get_rule("us-alcohol-spirits-wine-73.8").applies_to("alcohol")
    assert not get_rule("us-alcohol-beer-73.6").applies_to("wine")


def test_alcohol_review_reason_quotes_both_bounds() -> None:
    audience = CreatorAudience("c", age_bands={"13-17": 0.2, "18-24": 0.1, "25-34": 0.7})
    outcome = _rule("us-alcohol-beer-73.6").evaluate(audience)
    assert outcome.status == "review"
    assert "70.0%" in outcome.reason and "80.0%" in outcome.reason
    assert "75.7%" in outcome.reason and "73.6%" in outcome.reason
    assert outcome.numbers["share_lower"] == pytest.approx(0.7)
    assert outcome.numbers["share_upper"] == pytest.approx(0.8)
    assert outcome.numbers["threshold"] == 0.736


@pytest.mark.parametrize("rule_id", [r.id for r in DEFAULT_RULES if isinstance(r, AudienceRule)])
@pytest.mark.parametrize("bands", [None, {}, {"18-24": 0.0}])
def test_missing_age_data_is_reviewed_never_passed(
    rule_id: str, bands: dict[str, float] | None
) -> None:
    outcome = _rule(rule_id).evaluate(CreatorAudience("c", followers=10, age_bands=bands))
    assert outcome.status == "review"
    assert "No platform-reported age breakdown" in outcome.reason


# ----------------------------------------------------------------------------- HFSS


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        ({"13-17": 0.10, "18-24": 0.90}, "pass"),
        ({"13-17": 0.25, "25-34": 0.75}, "pass"),  # exactly 25% at most
        ({"13-17": 0.26, "25-34": 0.74}, "review"),  # 0–26%, about 15.6%
        ({"13-17": 0.60, "25-34": 0.40}, "review"),  # 0–60%, about 36%: bands cannot settle it
        ({"13-17": 0.10, "25-34": 0.80}, "pass"),  # 10% unreported: at most 20%
        ({"13-17": 0.10, "25-34": 0.70}, "review"),  # 20% unreported: up to 30%
        ({"25-34": 0.80}, "pass"),  # 20% unreported, at most 20%
    ],
)
def test_hfss_under_16(bands: dict[str, float], expected: str) -> None:
    assert _status("uk-hfss-under16-25", bands) == expected


def test_hfss_review_reason_has_the_point_estimate() -> None:
    audience = CreatorAudience("c", age_bands={"13-17": 0.60, "25-34": 0.40})
    outcome = _rule("uk-hfss-under16-25").evaluate(audience)
    assert "36.0%" in outcome.reason and "25.0%" in outcome.reason
    assert outcome.numbers["share_point"] == pytest.approx(0.36)


# ----------------------------------------------------------------------------- gambling


@pytest.mark.parametrize(
    ("bands", "followers", "expected"),
    [
        ({"13-17": 0.10, "18-24": 0.90}, 1_000_000, "exclude"),  # 100,000 by count
        ({"13-17": 0.0999, "18-24": 0.9001}, 1_000_000, "pass"),  # 99,900
        ({"13-17": 0.26, "18-24": 0.74}, 10_000, "exclude"),  # by share
        ({"13-17": 0.25, "18-24": 0.75}, 10_000, "pass"),  # exactly 25%: not above
        ({"13-17": 0.05, "18-24": 0.95}, None, "review"),  # count unknown
        ({"13-17": 0.30, "18-24": 0.70}, None, "exclude"),  # share alone settles it
        ({"18-24": 1.0}, None, "pass"),  # no under-18s at all
        ({"13-17": 0.20, "18-24": 0.70}, 10_000, "review"),  # 10% unreported: 20–30%
        ({"13-17": 0.05, "18-24": 0.90}, 1_500_000, "review"),  # 75,000–150,000 followers
    ],
)
def test_gambling_under_18(bands: dict[str, float], followers: int | None, expected: str) -> None:
    assert _status("uk-gambling-under18", bands, followers) == expected


def test_gambling_reason_gives_count_and_share() -> None:
    audience = CreatorAudience("c", followers=1_000_000, age_bands={"13-17": 0.3, "25-34": 0.7})
    outcome = _rule("uk-gambling-under18").evaluate(audience)
    assert outcome.status == "exclude"
    assert "30.0%" in outcome.reason and "300,000" in outcome.reason
    assert outcome.numbers["minors_lower"] == 300_000


# ----------------------------------------------------------------------------- targeting


@pytest.mark.parametrize("category", ["housing", "employment", "credit"])
@pytest.mark.parametrize(
    ("audience", "fields"),
    [
        ({"age_bands": ["25-34"]}, ["audience.age_bands"]),
        ({"genders": ["female"]}, ["audience.genders"]),
        ({"age_bands": ["25-34"], "genders": ["male"]}, ["audience.age_bands", "audience.genders"]),
    ],
)
def test_special_ad_categories_refuse_age_and_gender_targets(
    category: str, audience: dict[str, list[str]], fields: list[str]
) -> None:
    brief = _brief(category, audience=audience)
    with pytest.raises(TargetingRefused, match="may not target by") as info:
        check_brief_targeting(brief)
    assert isinstance(info.value, BriefError)
    assert [e.split(":")[0] for e in info.value.errors] == fields
    assert info.value.rule_ids == ["special-ad-category-targeting"]
    assert all("fair-housing" in e and category in e for e in info.value.errors)


@pytest.mark.parametrize("category", ["housing", "employment", "credit"])
def test_special_ad_categories_allow_country_and_interest_targets(category: str) -> None:
    brief = _brief(category, audience={"countries": ["US"], "interests": ["saving"]})
    check_brief_targeting(brief)
    screening = screen_creators(brief, [CreatorAudience("c")])
    assert screening.eligible == ("c",)
    assert [r.rule_id for r in screening.rules_applied] == ["special-ad-category-targeting"]


def test_age_targets_are_fine_outside_special_categories() -> None:
    check_brief_targeting(_brief("beauty", audience={"age_bands": ["13-17"], "genders": ["male"]}))


@pytest.mark.parametrize("category", ["beer", "alcohol", "gambling", "hfss_food", "cannabis"])
def test_restricted_products_may_not_target_under_18s(category: str) -> None:
    with pytest.raises(TargetingRefused, match="13-17 band") as info:
        check_brief_targeting(_brief(category, audience={"age_bands": ["13-17", "25-34"]}))
    assert info.value.rule_ids == ["restricted-category-minor-targeting"]
    check_brief_targeting(_brief(category, audience={"age_bands": ["25-34"]}))


def test_example_credit_brief_is_refused() -> None:
    brief = load_brief(ROOT / "examples" / "briefs" / "credit_card_age_targeted.yaml")
    with pytest.raises(TargetingRefused, match="credit briefs may not target by age"):
        check_brief_targeting(brief)
    for name in ("skincare_awareness.yaml", "craft_beer.yaml"):
        check_brief_targeting(load_brief(ROOT / "examples" / "briefs" / name))


# ----------------------------------------------------------------------------- screening


def _audiences() -> list[CreatorAudience]:
    return [
        CreatorAudience("pass", followers=50_000, age_bands={"18-24": 0.2, "25-34": 0.8}),
        CreatorAudience(
            "young", followers=50_000, age_bands={"13-17": 0.3, "18-24": 0.1, "25-34": 0.6}
        ),
        CreatorAudience(
            "unclear", followers=50_000, age_bands={"13-17": 0.2, "18-24": 0.1, "25-34": 0.7}
        ),
        CreatorAudience("no-data", followers=50_000),
        CreatorAudience("named", followers=50_000, age_bands={"25-34": 1.0}),
        CreatorAudience("named-young", age_bands={"13-17": 0.5, "25-34": 0.5}),
    ]


def test_screen_creators_partitions_the_input_exactly() -> None:
    brief = _brief("beer", exclusions={"creator_ids": ["named", "named-young"]})
    audiences = _audiences()
    screening = screen_creators(brief, audiences)
    eligible, excluded, review = (
        set(screening.eligible),
        set(screening.excluded_ids),
        set(screening.review_ids),
    )
    assert eligible | excluded | review == {a.creator_id for a in audiences}
    assert not (eligible & excluded or eligible & review or excluded & review)
    assert screening.eligible == ("pass",)
    assert screening.excluded_ids == ("young", "named", "named-young")
    assert screening.review_ids == ("unclear", "no-data")
    by_creator = {}
    for finding in screening.excluded:
        by_creator.setdefault(finding.creator_id, []).append(finding.rule_id)
    assert by_creator["young"] == ["us-alcohol-beer-73.6"]
    assert by_creator["named"] == [BRIEF_EXCLUSION_RULE_ID]
    assert by_creator["named-young"] == [BRIEF_EXCLUSION_RULE_ID, "us-alcohol-beer-73.6"]
    young = next(f for f in screening.excluded if f.creator_id == "young")
    assert young.numbers["share_upper"] == pytest.approx(0.7)
    assert "70.0%" in young.reason
    ids = [r.rule_id for r in screening.rules_applied]
    assert ids == ["us-alcohol-beer-73.6", "restricted-category-minor-targeting", "brief-exclusion"]
    assert all(r.source for r in screening.rules_applied)
    assert len(screening.outcomes) == len(audiences) + 2


def test_screen_creators_without_rules_keeps_everyone_eligible() -> None:
    screening = screen_creators(_brief("beauty"), _audiences())
    assert screening.eligible == tuple(a.creator_id for a in _audiences())
    assert screening.excluded == screening.review == screening.rules_applied == ()


def test_screen_creators_refuses_a_refused_brief_and_duplicates() -> None:
    with pytest.raises(TargetingRefused):
        screen_creators(_brief("credit", audience={"genders": ["female"]}), _audiences())
    with pytest.raises(ValueError, match="'a' is listed more than once"):
        screen_creators(_brief("beer"), [CreatorAudience("a"), CreatorAudience("a")])


def test_screen_creators_accepts_a_rule_selection() -> None:
    brief = _brief("beer")
    screening = screen_creators(brief, _audiences(), rules=())
    assert len(screening.eligible) == len(_audiences())


# ----------------------------------------------------------------------------- registry


def test_rule_ids_are_unique_and_every_rule_is_documented() -> None:
    ids = [r.id for r in DEFAULT_RULES]
    assert len(ids) == len(set(ids))
    docs = (ROOT / "docs" / "briefs.md").read_text(encoding="utf-8")
    for rule in DEFAULT_RULES:
        assert f"`{rule.id}`" in docs
        assert rule.title and rule.source and rule.categories
    assert f"`{BRIEF_EXCLUSION_RULE_ID}`" in docs


def test_rules_for_and_get_rule() -> None:
    assert [r.id for r in rules_for(ProductCategory.gambling)] == [
        "uk-gambling-under18",
        "restricted-category-minor-targeting",
    ]
    assert rules_for("travel") == ()
    with pytest.raises(KeyError, match=r"no rule 'nope'; rules: us-alcohol-beer-73\.6"):
        get_rule("nope")


def test_package_is_pure() -> None:
    forbidden = ("trustreach.store", "trustreach.services", "sqlalchemy")
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
