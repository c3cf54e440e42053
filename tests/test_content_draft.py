"""Draft check: format effects, the manipulation rules, the service, the CLI and the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import select
from tests._api import A, Tenants, client, seed
from tests._main import run_main
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.content import (
    check_manipulation,
    format_effects,
    length_bucket,
    load_manipulation_rules,
    manipulation_rules,
)
from trustreach.core import Actor, ConfigurationError, NotFoundError, Role, Settings
from trustreach.services._content_data import AccountRef, posts_frame, resolve_account
from trustreach.services._content_draft import (
    check_draft,
    draft_frame,
    minors_findings,
    parse_draft,
    read_draft,
)
from trustreach.services._objections import ProfilingObjected
from trustreach.services._rights import object_to_profiling
from trustreach.store import audit_log
from trustreach.synth import generate_world

WS = "drafts"
ANALYST = Actor("user", "ana@acme.test", Role.analyst, WS)

# ------------------------------------------------------------------ manipulation rules

# rule id -> (captions it must flag, near misses it must not flag)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "BAIT-PRIZE": (
        [
            "Like and share to win this kit!",
            "Comment YES to win",
            "Follow + tag 2 friends to enter",
        ],
        ["We won an award for this serum", "Share your routine with us"],
    ),
    "BAIT-TAG": (
        ["Tag 3 friends who need this", "tag a friend who loves coffee", "Tag your bestie"],
        ["Tag us in your photos", "Tagged @glow in the second slide"],
    ),
    "BAIT-COMMENT": (
        [
            "Comment YES if you agree",
            "Comment 'LINK' for the routine",
            "drop a 🔥 if you want part 2",
        ],
        ["Comment below with your questions", "Let me know in the comments what you think"],
    ),
    "BAIT-REACT": (
        [
            "Like if you love Mondays",
            "✨ Double tap if this is you",
            "Smash that like if it helped",
        ],
        ["I like it if the serum is cold", "Would you like it if I made part 2?"],
    ),
    "BAIT-SHARE": (
        ["Share this with 5 friends", "Share if you agree", "Repost this to all your friends"],
        ["Share your routine with us", "Thanks for sharing your tips"],
    ),
    "BAIT-VOTE": (
        [
            "❤️ for the red one, 😂 for the blue one",
            "Like for A, comment for B",
            "Vote with your likes",
        ],
        ["Red or blue? Tell me why", "I voted for the red one, comment your pick"],
    ),
    "URGENCY-UNDATED": (
        [
            "Only today: 30% off",
            "Last chance! Grab it now",
            "Hurry, offer ends soon",
            "Sale ends tonight",
        ],
        [
            "Last chance to see our summer show — ends 30 June",
            "Summer sale: 20% off until 30 June. Last chance!",
            "Today only, 5 May: 30% off",
            "Offer ends 2026-07-01 at 23:59 BST",
            "The last time I had the chance to see it was in 2019",
        ],
    ),
    "SCARCITY-STOCK": (
        ["Only 3 left!", "Almost sold out", "Selling fast 🔥", "Low stock on the rose shade"],
        [
            "Only 3 ingredients in this mask",
            "It sold out last year, now it is back",
            "3 left turns",
        ],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_rule_flags_its_examples_and_not_its_near_misses(rule_id: str) -> None:
    hits, misses = CASES[rule_id]
    for caption in hits:
        found = [f for f in check_manipulation(caption) if f.rule_id == rule_id]
        assert found, f"{rule_id} should flag {caption!r}"
        for f in found:
            assert caption[f.span[0] : f.span[1]] == f.evidence and f.evidence.strip()
            assert f.policies and all(p.source for p in f.policies) and "person decides" in f.fix
    for caption in misses:
        assert not [f for f in check_manipulation(caption) if f.rule_id == rule_id], caption


def test_every_shipped_rule_is_tested_and_cites_its_sources() -> None:
    book = manipulation_rules()
    assert {d.rule_id for d in book.detectors} == set(CASES)
    kinds = {d.kind for d in book.detectors}
    assert kinds == {"engagement_bait", "false_urgency", "fake_scarcity"}
    urgency = next(d for d in book.detectors if d.rule_id == "URGENCY-UNDATED")
    assert "eu-ucpd-annex-i-7" in {p.policy_id for p in urgency.policies}
    assert "Annex I point 7" in book.policies["eu-ucpd-annex-i-7"].source


def test_an_undated_urgency_is_flagged_and_the_same_claim_with_its_date_is_not() -> None:
    undated = check_manipulation("Last chance to see our summer show!")
    assert [f.rule_id for f in undated] == ["URGENCY-UNDATED"]
    assert check_manipulation("Last chance to see our summer show — ends 30 June") == ()
    assert check_manipulation("Last chance to see our summer show. See you soon") != ()


def test_a_reviewed_rules_file_is_read_and_bad_ones_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "rules.toml"
    good.write_text(
        'version = "t1"\n[[policy]]\nid = "p"\ntitle = "P"\ntext = "t"\nsource = "s"\n'
        '[[rule]]\nid = "X-1"\nkind = "engagement_bait"\ndetector = "phrase"\ntitle = "x"\n'
        'patterns = [\'\\bbuy my course\\b\']\npolicies = ["p"]\nmessage = "m"\nfix = "f"\n'
    )
    book = load_manipulation_rules(good)
    assert [f.rule_id for f in book.check("Buy my course today")] == ["X-1"]
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace('detector = "phrase"', 'detector = "magic"'))
    with pytest.raises(ConfigurationError, match="detector 'magic' not allowed; allowed: phrase"):
        load_manipulation_rules(bad)
    with pytest.raises(ConfigurationError, match="not known; allowed"):
        manipulation_rules().select(["BAIT-NOPE"])


# ------------------------------------------------------------------ format effects

START = datetime(2026, 1, 5, tzinfo=UTC)
TRUE_REEL = 1.3  # hidden effect of a reel against an image


def _frame(posts: dict[str, int], seed: int = 4) -> pl.DataFrame:
    """Posts whose engagement is x1.3 for reels, with account levels and trends."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, (account, n) in enumerate(posts.items()):
        level = 6.0 + k * 0.4
        for i in range(n):
            reel = bool(rng.random() < 0.5)
            y = level + 0.002 * i + (np.log(TRUE_REEL) if reel else 0.0) + rng.normal(0, 0.3)
            rows.append(
                {
                    "account_id": account,
                    "posted_at": START + timedelta(days=i, hours=int(rng.integers(0, 24))),
                    "media_type": "reel" if reel else "image",
                    "caption": "x" * int(rng.integers(10, 200)) + " #skincare",
                    "engagements": int(np.expm1(y)),
                }
            )
    return pl.DataFrame(rows)


def test_format_effects_recover_a_planted_media_effect_and_shrink_thin_accounts() -> None:
    posts = {"thin": 6, "rich": 200, **{f"peer{k}": 80 for k in range(8)}}
    frame = _frame(posts)
    rich = format_effects(frame, "rich").effect("media_type", "reel")
    thin = format_effects(frame, "thin").effect("media_type", "reel")
    assert rich is not None and thin is not None
    assert rich.low < TRUE_REEL < rich.high and rich.reference == "image"
    assert abs(np.log(rich.multiplier / TRUE_REEL)) < 0.1
    assert thin.prior_weight > rich.prior_weight and thin.low < TRUE_REEL < thin.high
    assert rich.account_posts + thin.account_posts > 0 and "peer accounts" in rich.reason
    new = format_effects(frame, "nobody").effect("media_type", "reel")
    assert new is not None and new.prior_weight == 1.0 and new.account_posts == 0
    with pytest.raises(ValueError, match="coverage"):
        format_effects(frame, "rich", coverage=1.5)


def test_caption_length_counts_the_text_without_hashtags() -> None:
    assert length_bucket("Short one " + " ".join(f"#tag{i}" for i in range(40))) == (
        "under 50 characters"
    )
    assert length_bucket("x" * 130) == "125-299 characters"


# ------------------------------------------------------------------ minors


def _account(followers: int = 200_000) -> AccountRef:
    return AccountRef("acc", "cr", "instagram", "h", ("food",), followers)


def test_restricted_categories_use_discoverys_rules_on_the_audience_ages() -> None:
    teens = {"13-17": 0.35, "18-24": 0.35, "25-34": 0.30}
    beer = {m.rule_id: m for m in minors_findings("beer", _account(), teens)}
    assert beer["us-alcohol-beer-73.6"].status == "exclude"
    assert beer["us-alcohol-beer-73.6"].numbers["share_13_17"] == 0.35
    tobacco = minors_findings("tobacco_nicotine", _account(), teens)
    assert [(m.rule_id, m.status) for m in tobacco] == [
        ("restricted-category-minor-targeting", "exclude")
    ]
    assert "person decides" in tobacco[0].reason
    unknown = minors_findings("gambling", _account(), None)
    assert unknown and all(m.status == "review" for m in unknown)
    adults = minors_findings("tobacco_nicotine", _account(), {"25-34": 1.0})
    assert [m.status for m in adults] == ["pass"]
    assert minors_findings("beauty", _account(), teens) == ()


# ------------------------------------------------------------------ drafts from files


def test_read_draft_names_the_bad_field_and_the_allowed_values(tmp_path: Path) -> None:
    ok = {
        "account": "@ana",
        "caption": "Hi",
        "media_type": "reel",
        "planned_at": "2026-12-08T18:00",
    }
    draft = parse_draft(ok)
    assert draft.planned_at == datetime(2026, 12, 8, 18, tzinfo=UTC)
    for bad, message in (
        ({**ok, "colour": "red"}, "'colour' not allowed; allowed: account, caption"),
        ({**ok, "media_type": "gif"}, "'media_type' = 'gif' not allowed; allowed: image"),
        ({**ok, "planned_at": "next tuesday"}, "'planned_at' = 'next tuesday' is not an ISO"),
        ({**ok, "category": "fireworks"}, "'category' = 'fireworks' not allowed; allowed:"),
        ({**ok, "jurisdictions": ["fr"]}, "jurisdiction 'fr' is not known; allowed: us, uk, eu"),
        ({"caption": "Hi", "media_type": "reel"}, "'account' is required"),
        ({**ok, "sponsored": "yes"}, "'sponsored' must be true or false"),
    ):
        with pytest.raises(ConfigurationError, match=message):
            parse_draft(bad)
    path = tmp_path / "d.json"
    path.write_text("{not json")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        read_draft(path)


# ------------------------------------------------------------------ the service on a store


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=5, creators=10, followers_per_creator=20, days=120)
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    services.import_path(out, workspace=WS, settings=settings)
    return settings


def _busiest(settings: Settings) -> tuple[str, str]:
    with services.open_store(settings).connect() as c:
        frame = posts_frame(c, WS, platform="instagram")
    top = frame.group_by("account_id", "creator_id").len().sort("len", descending=True).row(0)
    return str(top[0]), str(top[1])


def test_draft_frame_marks_the_niche_peers(imported: Settings) -> None:
    with services.open_store(imported).connect() as c:
        every = posts_frame(
            c, WS, platform="instagram", columns=("post_id", "account_id", "niches")
        )
        account = resolve_account(c, WS, str(every["account_id"][0]))
        marked = draft_frame(c, WS, account)
    assert marked.select(every.columns).equals(every)
    niches = sorted(n.lower() for n in account.niches)
    shares = pl.col("niches").list.eval(pl.element().str.to_lowercase().is_in(niches)).list.any()
    near = every.filter(shares | (pl.col("account_id") == account.account_id))
    assert set(marked.filter(pl.col("niche_peer"))["post_id"]) == set(near["post_id"])
    assert 0 < near.height < every.height  # some peers are in another niche


CAPTION = "New night serum ✨ Comment GLOW and I'll send the link! Only 5 left, hurry."


def test_check_draft_predicts_with_evidence_and_writes_one_audit_record(
    imported: Settings,
) -> None:
    account, _ = _busiest(imported)
    draft = parse_draft(
        {
            "account": account,
            "caption": CAPTION,
            "media_type": "reel",
            "planned_at": "2026-12-08T18:00:00Z",
        }
    )
    result = check_draft(draft, actor=ANALYST, settings=imported)
    data = result.to_dict()
    json.dumps(data)
    p = data["prediction"]
    assert p["engagements_low"] <= p["expected_engagements"] <= p["engagements_high"]
    assert p["coverage"] == 0.8 and p["account_posts"] > 0 and "other accounts" in p["reason"]
    assert p["expected_views"] is not None  # instagram reports views for reels
    assert (
        data["generated_by"].startswith("trustreach ")
        and "manipulation rules" in (data["generated_by"])
    )
    assert "person decides" in data["note"] and data["disclosure"] is None
    assert {f["rule_id"] for f in data["manipulation"]} == {
        "BAIT-COMMENT",
        "SCARCITY-STOCK",
        "URGENCY-UNDATED",
    }
    assert data["format_effects"]["account_posts"] > 0 and data["flagged"] == 3
    for e in data["format_effects"]["effects"]:
        assert e["low"] <= e["multiplier"] <= e["high"] and e["reason"]
    with services.open_store(imported).connect() as c:
        entries = c.execute(select(audit_log).where(audit_log.c.seq >= result.audit_seq)).all()
    assert len(entries) == 1
    entry = entries[0]._mapping
    assert entry["action"] == "content.check_draft" and entry["input_digest"] == draft.digest()
    details = (
        entry["details"] if isinstance(entry["details"], dict) else json.loads(entry["details"])
    )
    assert details["manipulation"] == 3 and "GLOW" not in json.dumps(details)
    image = check_draft(
        parse_draft({"account": account, "caption": "Morning light", "media_type": "image"}),
        actor=ANALYST,
        settings=imported,
    )
    assert image.prediction is not None and image.prediction.expected_views is None
    assert image.manipulation == () and image.prediction.views_unavailable_reason


def test_a_sponsored_draft_gets_the_disclosure_check(imported: Settings) -> None:
    account, _ = _busiest(imported)
    base = {
        "account": account,
        "media_type": "reel",
        "sponsored": True,
        "brand": "Dewdrop",
        "jurisdictions": ["us"],
    }
    hidden = check_draft(
        parse_draft({**base, "caption": "Loving this serum"}), actor=ANALYST, settings=imported
    )
    assert hidden.disclosure is not None and hidden.disclosure.status == "non_compliant"
    assert "D1-US" in {f.rule_id for f in hidden.disclosure.findings}
    shown = check_draft(
        parse_draft({**base, "caption": "#ad Loving this serum"}), actor=ANALYST, settings=imported
    )
    assert shown.disclosure is not None and shown.disclosure.status != "non_compliant"
    tagged = check_draft(
        parse_draft({**base, "caption": "Loving this serum", "hashtags": [*"abcd", "ad"]}),
        actor=ANALYST,
        settings=imported,
    )  # "#ad" only late in the hashtag block after the caption: found, not where it counts
    assert tagged.disclosure is not None
    rules = {f.rule_id: f.status for f in tagged.disclosure.findings}
    assert rules.get("D3-US") == "non_compliant" and rules.get("D1-US") == "compliant"
    beer = check_draft(
        parse_draft({**base, "caption": "#ad Cheers", "category": "beer"}),
        actor=ANALYST,
        settings=imported,
    )
    assert "us-alcohol-beer-73.6" in {m.rule_id for m in beer.minors}


def test_check_draft_checks_roles_accounts_and_objections(imported: Settings) -> None:
    account, creator = _busiest(imported)
    draft = parse_draft({"account": account, "caption": "Hi", "media_type": "reel"})
    mine = Actor("user", "me@c.test", Role.creator, WS, creator_id=creator)
    assert check_draft(draft, actor=mine, settings=imported).account_id == account
    other = Actor("user", "x@c.test", Role.creator, WS, creator_id="cr-9999")
    with pytest.raises(NotFoundError, match="not found"):
        check_draft(draft, actor=other, settings=imported)
    with pytest.raises(NotFoundError, match="did you mean"):
        wrong = parse_draft({"account": account + "x", "caption": "Hi", "media_type": "reel"})
        check_draft(wrong, actor=ANALYST, settings=imported)
    with pytest.raises(NotFoundError, match="workspace"):
        check_draft(draft, actor=ANALYST, workspace="elsewhere", settings=imported)
    object_to_profiling(creator, workspace=WS, settings=imported)
    with pytest.raises(ProfilingObjected, match="objected"):
        check_draft(draft, actor=ANALYST, settings=imported)
    assert check_draft(draft, actor=mine, settings=imported).account_id == account


def test_cli_check_draft_table_and_json(
    imported: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    account, _ = _busiest(imported)
    monkeypatch.setenv("TRUSTREACH_DATA_DIR", str(imported.data_dir))
    file = tmp_path / "draft.json"
    file.write_text(json.dumps({"account": account, "caption": CAPTION, "media_type": "reel"}))
    runner = CliRunner()
    out = runner.invoke(
        app, ["content", "check-draft", str(file), "--format", "json", "--workspace", WS]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["prediction"]["expected_engagements"] > 0 and data["manipulation"]
    table = runner.invoke(app, ["content", "check-draft", str(file), "--workspace", WS])
    assert table.exit_code == 0, table.output
    assert "BAIT-COMMENT" in table.output and "80% interval" in table.output
    assert "Machine-generated" in table.output and "person decides" in table.output
    file.write_text(json.dumps({"account": account, "caption": "x", "media_type": "gif"}))
    code, _, err = run_main("content", "check-draft", str(file), "--workspace", WS)
    assert code != 0 and "media_type" in err and "allowed" in err and "Traceback" not in err


def test_the_example_draft_file_is_valid() -> None:
    example = Path(__file__).parents[1] / "examples" / "drafts" / "skincare-reel.json"
    draft = read_draft(example)
    assert draft.sponsored and {f.rule_id for f in check_manipulation(draft.caption)}


# ------------------------------------------------------------------ the API route


@pytest.fixture
def tenants(tmp_path: Path, sqlite_settings: Settings) -> Tenants:
    return seed(tmp_path, sqlite_settings)


def test_api_check_draft_roles_and_tenancy(tenants: Tenants) -> None:
    api = client(tenants.settings)
    body = {"account": "ig_c1", "caption": "Tag 3 friends!", "media_type": "reel"}
    r = api.post("/api/v1/content/check-draft", json=body, headers=tenants.auth(Role.auditor))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["account_id"] == "ig_c1" and data["workspace"] == A
    assert data["generated_by"].startswith("trustreach")
    assert [m["rule_id"] for m in data["manipulation"]] == ["BAIT-TAG"]
    other = api.post(
        "/api/v1/content/check-draft",
        json={**body, "account": "gx-ig_c1"},
        headers=tenants.auth(Role.analyst),
    )
    assert other.status_code == 404
    for bad in ({**body, "media_type": "gif"}, {**body, "colour": "red"}):
        r = api.post("/api/v1/content/check-draft", json=bad, headers=tenants.auth(Role.admin))
        assert r.status_code == 422, r.text
    from trustreach.api._auth import current_actor

    services.create_user(
        "max@creators.test", workspace=A, role=Role.creator, password="a long passphrase 1",
        creator_id="c2", by=services.cli_actor(A), settings=tenants.settings,
    )  # fmt: skip
    c2 = services.authenticate_user(
        "max@creators.test", "a long passphrase 1", settings=tenants.settings
    )
    api.app.dependency_overrides[current_actor] = lambda: c2
    as_c2: dict[str, str] = {}
    own = api.post(
        "/api/v1/content/check-draft",
        json={**body, "account": "tt_c2", "media_type": "video"},
        headers=as_c2,
    )
    assert own.status_code == 200, own.text
    assert api.post("/api/v1/content/check-draft", json=body, headers=as_c2).status_code == 404
