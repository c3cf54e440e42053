"""The disclosure rules engine: one failing and one passing case per rule id, and the
placement, wording and AI logic on small hand-written captions (pure; no store)."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustreach.core import ConfigurationError
from trustreach.ethics.disclosure import (
    Connection,
    PostFacts,
    check_post,
    load_rulebook,
    obligations,
    parse_jurisdictions,
    rulebook,
    rules,
)
from trustreach.ethics.disclosure._rules import parse_rulebook

DEAL = (Connection("deal", "deal d-1: gift"),)
BODY = "Loving my new serum from @glowlab, my skin has never felt better"
TAGS = " ".join(f"#tag{i}" for i in range(7))


def post(caption: str, **kw: object) -> PostFacts:
    base: dict[str, object] = {
        "post_id": "p-1",
        "caption": caption,
        "platform": "instagram",
        "media_type": "image",
        "connections": DEAL,
        "brand_names": ("Glow Lab", "glowlab"),
    }
    base.update(kw)
    return PostFacts(**base)  # type: ignore[arg-type]


# rule id -> (a post that fails it, its status; a post that passes it)
CASES: dict[str, tuple[PostFacts, str, PostFacts]] = {
    "D1-US": (post(BODY), "non_compliant", post("#ad " + BODY)),
    "D2-US": (
        post("#spon " + BODY),
        "non_compliant",
        post("Paid partnership with @glowlab. " + BODY),
    ),
    "D3-US": (post(BODY + "\n.\n.\n.\n" + TAGS + " #ad"), "non_compliant", post("Ad: " + BODY)),
    "D4-US": (
        post("#ad " + BODY, media_type="reel", disclosure_in_video=False, spoken_disclosure=False),
        "non_compliant",
        post("#ad " + BODY, media_type="reel", spoken_disclosure=True),
    ),
    "D10-US": (
        post("Partnered with @glowlab on this one", paid_partnership=True),
        "needs_review",
        post("#ad Partnered with @glowlab on this one", paid_partnership=True),
    ),
    "D1-UK": (post(BODY), "non_compliant", post("Ad | " + BODY)),
    "D7-UK": (post("#collab " + BODY), "non_compliant", post("#advert " + BODY)),
    "D3-UK": (post(BODY + " " * 80 + "#ad"), "non_compliant", post("#ad " + BODY)),
    "D4-UK": (
        post("Ad " + BODY, media_type="story", disclosure_in_video=False),
        "non_compliant",
        post("Ad " + BODY, media_type="story", disclosure_in_video=True),
    ),
    "D10-UK": (
        post(BODY, paid_partnership=True),
        "needs_review",
        post("Ad " + BODY, paid_partnership=True),
    ),
    "D1-EU": (post(BODY), "non_compliant", post("Werbung: " + BODY)),
    "D8-EU": (post("sp " + BODY), "non_compliant", post("#anzeige " + BODY)),
    "D3-EU": (post(BODY + "\n\n" + TAGS + " #werbung"), "non_compliant", post("#werbung " + BODY)),
    "D4-EU": (
        post("#ad " + BODY, media_type="video", disclosure_in_video=False),
        "non_compliant",
        post("#ad " + BODY, media_type="video", disclosure_in_video=True),
    ),
    "D10-EU": (
        post(BODY, paid_partnership=True),
        "needs_review",
        post("#ad " + BODY, paid_partnership=True),
    ),
    "AI1-EU": (
        post("Morning light", connections=(), virtual_creator=True),
        "needs_review",
        post("#virtualinfluencer Morning light", connections=(), virtual_creator=True),
    ),
    "AI2-EU": (
        post("#AI Morning light", connections=(), ai_generated=True, media_manifest="none"),
        "needs_review",
        post("#AI Morning light", connections=(), ai_generated=True, media_manifest="ai"),
    ),
    "AI3-EU": (
        post("Morning light in Lisbon", connections=(), ai_altered=True),
        "non_compliant",
        post("AI-altered: morning light in Lisbon", connections=(), ai_altered=True),
    ),
}


def _status(facts: PostFacts, rule_id: str) -> list[str]:
    jurisdiction = rule_id.rsplit("-", 1)[1].lower()
    v = check_post(facts, [jurisdiction])
    return [f.status for f in v.findings if f.rule_id == rule_id]


def test_every_rule_has_a_case() -> None:
    assert sorted(CASES) == sorted(r.rule_id for r in rules())


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule(rule_id: str) -> None:
    bad, status, good = CASES[rule_id]
    assert status in _status(bad, rule_id)
    got = _status(good, rule_id)
    assert got and set(got) == {"compliant"}, got
    jurisdiction = rule_id.rsplit("-", 1)[1].lower()
    assert check_post(good, [jurisdiction]).status == "compliant"


def test_evidence_span_and_fix_point_at_the_caption() -> None:
    caption = BODY + "\n.\n.\n.\n" + TAGS + " #ad"
    v = check_post(post(caption), ["us"])
    (f,) = [f for f in v.findings if f.rule_id == "D3-US"]
    assert f.span is not None and caption[f.span[0] : f.span[1]] == "#ad" == f.evidence
    assert f.fix is not None and "start of the caption" in f.fix
    (missing,) = check_post(post(BODY), ["us"]).findings
    assert missing.span is None and missing.fix and "'Ad'" in missing.fix
    assert "d-1" in missing.message


def test_truncation_point_per_platform() -> None:
    caption = "x" * 110 + " #ad " + BODY
    assert check_post(post(caption, platform="instagram"), ["us"]).status == "compliant"
    assert check_post(post(caption, platform="tiktok"), ["us"]).status == "non_compliant"


def test_first_or_second_tag_of_the_block_is_visible() -> None:
    assert check_post(post("Nice day\n#ad #tag1 #tag2"), ["us"]).status == "compliant"
    assert check_post(post("Nice day\n#tag1 #ad #tag2"), ["us"]).status == "compliant"
    assert check_post(post("Nice day\n#tag1 #tag2 #ad"), ["us"]).status == "non_compliant"


def test_brand_patterns_and_lone_words() -> None:
    assert check_post(post("#GlowLabPartner " + BODY), ["us"]).status == "compliant"
    assert (
        check_post(post("Thanks @glowlab for the free serum! " + BODY), ["us"]).status
        == "compliant"
    )
    for vague in ("#partner", "thanks", "#ambassador", "collab", "sp"):
        v = check_post(post(f"{vague} {BODY}"), ["us"])
        assert v.status == "non_compliant", vague
        assert v.findings[-1].rule_id == "D2-US" and v.findings[-1].evidence == vague
    # 'ad' inside words is not a disclosure
    assert check_post(post("Adorable ad-free morning, read my headline"), ["us"]).status == (
        "non_compliant"
    )


def test_uk_weak_wording_goes_to_review_not_non_compliant() -> None:
    v = check_post(post("#sponsored " + BODY), ["uk"])
    assert v.status == "needs_review"
    assert [f.rule_id for f in v.findings if f.status == "needs_review"] == ["D7-UK"]
    assert check_post(post("#sponsored " + BODY), ["us"]).status == "compliant"


def test_no_connection_is_not_applicable() -> None:
    v = check_post(post(BODY, connections=()))
    assert v.status == "not_applicable" and v.findings == []
    flag = check_post(post(BODY, connections=(), paid_partnership=True), ["us"])
    assert flag.status == "needs_review"  # the flag itself is a material connection


def test_video_disclosure_rescues_a_caption_without_one() -> None:
    v = check_post(post(BODY, media_type="reel", spoken_disclosure=True), ["us"])
    assert v.status == "needs_review"
    assert {f.rule_id: f.status for f in v.findings}["D4-US"] == "compliant"


def test_ai_manifest_disagreeing_with_the_declaration() -> None:
    v = check_post(post("Sunset", connections=(), media_manifest="ai"), ["eu"])
    statuses = {f.rule_id: f.status for f in v.findings}
    assert statuses == {"AI3-EU": "non_compliant", "AI2-EU": "needs_review"}
    assert check_post(post("Sunset", connections=(), media_manifest="none"), ["eu"]).findings == []


def test_jurisdictions_are_validated() -> None:
    assert parse_jurisdictions(["GB", "eu"]) == ("uk", "eu")
    with pytest.raises(ConfigurationError, match="jurisdiction 'fr' is not known; allowed: us"):
        parse_jurisdictions(["fr"])
    with pytest.raises(ConfigurationError, match="at least one"):
        parse_jurisdictions([])


def test_obligations_name_rule_and_source() -> None:
    uk = obligations(["uk"])
    assert [o.rule_id for o in uk] == ["D1-UK", "D7-UK", "D3-UK", "D4-UK", "D10-UK"]
    assert all(o.source and o.text for o in uk)
    assert {o.jurisdiction for o in obligations()} == {"us", "uk", "eu"}


def test_rulebook_refuses_bad_data() -> None:
    book = rulebook()
    assert book.truncation_point("instagram") == 125
    assert book.truncation_point("mastodon") == book.truncation["default"]
    rule = {
        "id": "X1-US",
        "jurisdiction": "us",
        "check": "trigger",
        "title": "t",
        "text": "t",
        "source": "s",
    }
    good: dict[str, object] = {
        "version": "t",
        "platforms": {"default": 100},
        "wording": {"us": {}},
        "rule": [rule],
    }
    assert parse_rulebook(good).rules[0].rule_id == "X1-US"
    with pytest.raises(ConfigurationError, match="check 'vibes' not one of"):
        parse_rulebook({**good, "rule": [{**rule, "check": "vibes"}]})
    with pytest.raises(ConfigurationError, match="appears twice"):
        parse_rulebook({**good, "rule": [rule, rule]})
    raw = tomllib.loads(
        resources.files("trustreach.ethics.disclosure").joinpath("rules.toml").read_text()
    )
    assert {r["id"] for r in raw["rule"]} == {r.rule_id for r in book.rules}


def test_status_is_the_worst_finding() -> None:
    facts = post("#ad " + BODY, media_type="reel", disclosure_in_video=False)
    v = check_post(facts, ["us"])
    assert v.status == "non_compliant"
    assert check_post(replace(facts, disclosure_in_video=True), ["us"]).status == "compliant"


def test_docs_list_every_rule_with_its_source() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "disclosure.md").read_text("utf-8")
    for r in rules():
        row = next((line for line in docs.splitlines() if line.startswith(f"| {r.rule_id} |")), "")
        assert row, f"{r.rule_id} is not in docs/disclosure.md's rules table"
        assert r.source.replace("|", "/") in row, r.rule_id


@settings(max_examples=150, deadline=None)
@given(
    body=st.lists(
        st.sampled_from([*"abc #@.\n", "sp", "ad", "#ad", "collab", "🙂", "Paid partnership"])
    ).map("".join),
    platform=st.sampled_from(["instagram", "tiktok", "youtube", None]),
    flag=st.booleans(),
)
def test_any_caption_spans_quote_it_and_a_leading_ad_discloses(
    body: str, platform: str | None, flag: bool
) -> None:
    facts = post(body, platform=platform, paid_partnership=flag)
    for f in check_post(facts).findings:
        if f.span is not None:
            assert body[f.span[0] : f.span[1]] == f.evidence
        assert f.status == "compliant" or f.fix
    assert check_post(replace(facts, caption="Ad " + body), ["us", "uk"]).status == "compliant"


def test_a_reviewed_copy_of_the_rules_can_be_loaded(tmp_path: Path) -> None:
    shipped = resources.files("trustreach.ethics.disclosure").joinpath("rules.toml").read_text()
    custom = tmp_path / "rules.toml"
    custom.write_text(
        shipped.replace('version = "', 'version = "custom-').replace(
            "instagram = 125", "instagram = 20"
        )
    )
    book = load_rulebook(custom)
    assert book.version.startswith("custom-") and book.truncation_point("instagram") == 20
    late = post("x" * 30 + " #ad " + BODY)
    assert check_post(late, ["us"]).status == "compliant"
    assert check_post(late, ["us"], book=book).status == "non_compliant"
    with pytest.raises(ConfigurationError, match=r"rules.*gone.toml: cannot be read"):
        load_rulebook(tmp_path / "gone.toml")
    (tmp_path / "bad.toml").write_text("version = ")
    with pytest.raises(ConfigurationError, match=r"bad.toml: not valid TOML"):
        load_rulebook(tmp_path / "bad.toml")
    (tmp_path / "nodefault.toml").write_text(shipped.replace("default = 125", ""))
    with pytest.raises(ConfigurationError, match="needs a 'default' truncation point"):
        load_rulebook(tmp_path / "nodefault.toml")
    (tmp_path / "nowords.toml").write_text(shipped.replace("[wording.uk]", "[wording.xx]"))
    with pytest.raises(ConfigurationError, match=r"rule D1-UK: no \[wording.uk\] table"):
        load_rulebook(tmp_path / "nowords.toml")
