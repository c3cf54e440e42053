"""Check a draft post before it goes out (use-case: store + models + rules + audit).

:func:`read_draft` reads a draft from a JSON file; :func:`check_draft` gives it:

- **predicted engagement** (and views where the platform reports them) with an 80%
  interval, from discovery's :class:`~trustreach.discovery.PerformanceModel` fitted
  on the posts of the account's platform (its prior is by platform and followers; a
  niche's few accounts give too few posts to calibrate the interval: it came out
  too wide), for the draft's media type and planned time;
- **format effects** (:func:`trustreach.content.format_effects`): media type and
  caption length against the account's usual ones, within account, shrunk to its
  niche peers (same platform, a niche in common);
- the **manipulation check** of the caption (engagement bait, false urgency, fake
  scarcity: :func:`trustreach.content.check_manipulation`);
- the **disclosure check** when the draft is sponsored (the disclosure rules'
  :func:`~trustreach.ethics.disclosure.check_post`);
- **restricted categories and minors**: a draft in a category discovery's rules
  restrict is read against the account's reported age breakdown with those rules
  (:func:`trustreach.discovery.rules_for`); no second rule set.

Every check is one audit record (a digest of the draft, counts; never the
caption). Findings are evidence for a person; a person decides what to post.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, select

from trustreach.content import (
    FORMAT_METHOD_VERSION as METHOD_VERSION,
)
from trustreach.content import (
    FormatEffect,
    FormatEffects,
    ManipulationFinding,
    check_manipulation,
    format_effects,
    length_bucket,
    manipulation_rules,
)
from trustreach.core import (
    Actor,
    ConfigurationError,
    Settings,
    get_settings,
)
from trustreach.discovery import PerformanceModel, ProductCategory
from trustreach.discovery._performance import MODEL_NAME, MODEL_VERSION
from trustreach.discovery._rules import (
    AudienceRule,
    CreatorAudience,
    MinorTargetingRule,
    rules_for,
    share_under_age,
)
from trustreach.ethics.disclosure import (
    Connection as MaterialConnection,
)
from trustreach.ethics.disclosure import (
    PostFacts,
    PostVerdict,
    check_post,
    generated_by,
    parse_jurisdictions,
    rules_version,
)
from trustreach.ingest._vocab import MediaType
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._content_data import AccountRef, as_utc, own_account, posts_frame
from trustreach.services._context import (
    readable_workspace,
    require_workspace,
    store,
    store_identity,
)
from trustreach.services._objections import objecting, require_not_objecting
from trustreach.store._tables import audience_snapshots, creator_accounts, posts

AUDIT_ACTION = "content.check_draft"
COVERAGE = 0.8
MEDIA_TYPES = tuple(m.value for m in MediaType)
FIELDS = (
    "account",
    "caption",
    "media_type",
    "planned_at",
    "hashtags",
    "sponsored",
    "brand",
    "category",
    "jurisdictions",
)
NOTE = "evidence for a person to review, not legal advice; a person decides what to post"
MAX_CAPTION = 10_000


@dataclass(frozen=True)
class Draft:
    """A post not yet published: what :func:`check_draft` reads.

    ``hashtags`` (lower case, without ``#``) are read as a block after the caption
    by the disclosure check, where a reader sees them; ``planned_at`` is UTC (None:
    the account's usual times); ``category`` a
    :class:`~trustreach.discovery.ProductCategory` value (what the post promotes);
    ``jurisdictions`` the disclosure jurisdictions (None: us, uk and eu).
    """

    account: str
    caption: str
    media_type: str
    planned_at: datetime | None = None
    hashtags: tuple[str, ...] = ()
    sponsored: bool = False
    brand: str | None = None
    category: str | None = None
    jurisdictions: tuple[str, ...] | None = None

    def digest(self) -> str:
        """SHA-256 of the draft's fields in canonical JSON (what the audit log keeps)."""
        data = {
            "account": self.account,
            "caption": self.caption,
            "media_type": self.media_type,
            "planned_at": None if self.planned_at is None else self.planned_at.isoformat(),
            "hashtags": list(self.hashtags),
            "sponsored": self.sponsored,
            "brand": self.brand,
            "category": self.category,
            "jurisdictions": None if self.jurisdictions is None else list(self.jurisdictions),
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _string(data: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise ConfigurationError(f"draft field {name!r} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"draft field {name!r} must be a non-empty string")
    return value


def parse_draft(data: Mapping[str, Any]) -> Draft:
    """A :class:`Draft` from parsed JSON; errors name the field and the allowed values.

    >>> parse_draft({"account": "@ana", "caption": "Hi", "media_type": "reel"}).media_type
    'reel'
    >>> parse_draft({"account": "@ana", "caption": "Hi", "media_type": "gif"})
    Traceback (most recent call last):
    ...
    trustreach.core._exceptions.ConfigurationError: draft field 'media_type' = 'gif' not ...
    """
    if not isinstance(data, Mapping):
        raise ConfigurationError(
            "a draft must be a JSON object with the fields " + ", ".join(FIELDS)
        )
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ConfigurationError(
            f"draft field {unknown[0]!r} not allowed; allowed: {', '.join(FIELDS)}"
        )
    account = _string(data, "account", required=True)
    caption = data.get("caption")
    if not isinstance(caption, str):
        raise ConfigurationError("draft field 'caption' is required and must be a string")
    if len(caption) > MAX_CAPTION:
        raise ConfigurationError(f"draft field 'caption' is over {MAX_CAPTION:,} characters")
    media = _string(data, "media_type", required=True)
    if media not in MEDIA_TYPES:
        raise ConfigurationError(
            f"draft field 'media_type' = {media!r} not allowed; allowed: {', '.join(MEDIA_TYPES)}"
        )
    planned = _string(data, "planned_at", required=False)
    planned_at = None
    if planned is not None:
        try:
            planned_at = datetime.fromisoformat(planned.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError(
                f"draft field 'planned_at' = {planned!r} is not an ISO-8601 date-time "
                "(e.g. 2026-12-07T18:00:00+00:00)"
            ) from None
        planned_at = as_utc(planned_at)
    tags = data.get("hashtags")
    if tags is not None and (
        not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags)
    ):
        raise ConfigurationError("draft field 'hashtags' must be a list of non-empty strings")
    sponsored = data.get("sponsored", False)
    if not isinstance(sponsored, bool):
        raise ConfigurationError("draft field 'sponsored' must be true or false")
    brand = _string(data, "brand", required=False)
    category = _string(data, "category", required=False)
    allowed = [c.value for c in ProductCategory]
    if category is not None and category not in allowed:
        raise ConfigurationError(
            f"draft field 'category' = {category!r} not allowed; allowed: {', '.join(allowed)}"
        )
    places = data.get("jurisdictions")
    jurisdictions = None
    if places is not None:
        if not isinstance(places, list) or not all(isinstance(p, str) for p in places):
            raise ConfigurationError("draft field 'jurisdictions' must be a list: us, uk, eu")
        jurisdictions = tuple(parse_jurisdictions(places))
    return Draft(
        account=str(account),
        caption=caption,
        media_type=str(media),
        planned_at=planned_at,
        hashtags=tuple(t.strip().lstrip("#").lower() for t in (tags or [])),
        sponsored=sponsored,
        brand=brand,
        category=category,
        jurisdictions=jurisdictions,
    )


def read_draft(path: str | Path) -> Draft:
    """The draft in the JSON file at ``path`` (see :func:`parse_draft` for the fields)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"draft {p}: cannot be read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"draft {p}: not valid JSON ({exc})") from None
    return parse_draft(data)


@dataclass(frozen=True)
class Prediction:
    """Predicted engagements (and views) of the draft with an interval, and the evidence."""

    expected_engagements: float
    engagements_low: float
    engagements_high: float
    expected_views: float | None
    views_low: float | None
    views_high: float | None
    views_unavailable_reason: str | None
    coverage: float
    account_posts: int
    prior_weight: float
    peer_accounts: int
    peer_posts: int
    model: str
    reason: str


@dataclass(frozen=True)
class MinorsFinding:
    """A restricted-category rule of discovery read against the account's audience.

    ``status``: ``pass``, ``exclude`` (the numbers break the rule: do not post this
    there) or ``review`` (the numbers cannot settle it; a person decides).
    """

    rule_id: str
    title: str
    source: str
    status: str
    reason: str
    numbers: dict[str, Any]


@dataclass(frozen=True)
class DraftCheck:
    """Everything :func:`check_draft` found about one draft."""

    workspace: str
    account_id: str
    handle: str
    platform: str
    media_type: str
    planned_at: datetime | None
    checked_at: datetime
    prediction: Prediction | None
    format: FormatEffects
    manipulation: tuple[ManipulationFinding, ...]
    disclosure: PostVerdict | None
    minors: tuple[MinorsFinding, ...]
    category: str | None
    manipulation_version: str
    disclosure_version: str
    caption_length: str = ""
    audit_seq: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def draft_effects(self) -> tuple[FormatEffect, ...]:
        """The format effects of this draft's own media type and caption length."""
        return tuple(
            e
            for e in (
                self.format.effect("media_type", self.media_type),
                self.format.effect("caption_length", self.caption_length),
            )
            if e is not None
        )

    @property
    def flagged(self) -> int:
        """Findings a person should look at before posting."""
        disclosure = 0
        if self.disclosure is not None:
            disclosure = sum(
                f.status in ("non_compliant", "needs_review") for f in self.disclosure.findings
            )
        return len(self.manipulation) + disclosure + sum(m.status != "pass" for m in self.minors)

    @property
    def models(self) -> str:
        """The models and rules behind the check, with their versions."""
        return (
            f"{MODEL_NAME} {MODEL_VERSION}; format effects {METHOD_VERSION}; "
            f"manipulation rules {self.manipulation_version}; "
            f"disclosure rules {self.disclosure_version}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with ``generated_by`` and the note that a person decides."""
        p = self.prediction
        return {
            "workspace": self.workspace,
            "account_id": self.account_id,
            "handle": self.handle,
            "platform": self.platform,
            "media_type": self.media_type,
            "caption_length": self.caption_length,
            "planned_at": None if self.planned_at is None else self.planned_at.isoformat(),
            "category": self.category,
            "checked_at": self.checked_at.isoformat(),
            "generated_by": generated_by(self.models),
            "note": NOTE,
            "flagged": self.flagged,
            "prediction": None if p is None else _rounded(p.__dict__),
            "draft_effects": [e.to_dict() for e in self.draft_effects],
            "format_effects": self.format.to_dict(),
            "manipulation": [f.to_dict() for f in self.manipulation],
            "disclosure": None if self.disclosure is None else _verdict(self.disclosure),
            "minors": [m.__dict__ for m in self.minors],
            "notes": list(self.notes),
            "audit_seq": self.audit_seq,
        }


def _rounded(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in data.items()}


def _verdict(v: PostVerdict) -> dict[str, Any]:
    return {
        "status": v.status,
        "findings": [
            {
                "rule_id": f.rule_id,
                "jurisdiction": f.jurisdiction,
                "status": f.status,
                "message": f.message,
                "source": f.source,
                "evidence": f.evidence,
                "span": None if f.span is None else list(f.span),
                "fix": f.fix,
            }
            for f in v.findings
        ],
    }


# ------------------------------------------------------------------ reading


DRAFT_COLUMNS = (
    "post_id",
    "account_id",
    "platform",
    "niches",
    "followers_count",
    "posted_at",
    "media_type",
    "caption",
    "likes",
    "comments",
    "views",
    "shares",
    "engagements",
)
"""The columns of :func:`~trustreach.services._content_data.posts_frame` the draft check
reads (``followers_count``, each account's current followers, is what the performance
model takes)."""


def draft_frame(connection: Connection, workspace: str, account: AccountRef) -> pl.DataFrame:
    """Posts of the account's platform (objecting creators left out except the account's
    own), each marked ``niche_peer`` when its account is the advised one or shares a niche
    with it (every account is a peer of an account without niches)."""
    niches = {n.strip().lower() for n in account.niches}
    frame = posts_frame(
        connection,
        workspace,
        columns=DRAFT_COLUMNS,
        platform=account.platform,
        keep_creator=account.creator_id,
    )
    shared = (
        pl.col("niches")
        .list.eval(pl.element().str.strip_chars().str.to_lowercase().is_in(sorted(niches)))
        .list.any()
    )
    near = pl.col("account_id") == account.account_id
    return frame.with_columns((near | shared if niches else pl.lit(True)).alias("niche_peer"))


def _age_bands(c: Connection, ws: str, account_id: str) -> dict[str, float] | None:
    row = c.execute(
        select(audience_snapshots.c.age_bands)
        .where(
            audience_snapshots.c.workspace == ws,
            audience_snapshots.c.account_id == account_id,
            audience_snapshots.c.age_bands.is_not(None),
        )
        .order_by(audience_snapshots.c.captured_on.desc())
        .limit(1)
    ).scalar()
    return None if not row else {str(k): float(v) for k, v in dict(row).items()}


@dataclass(frozen=True)
class _Fitted:
    model: PerformanceModel | None
    posts: pl.DataFrame
    effects: FormatEffects


_CACHE: dict[tuple[Any, ...], _Fitted] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 32


def _fitted(settings: Settings, c: Connection, ws: str, account: AccountRef) -> _Fitted:
    """The performance model fitted on the platform's posts, the account's format effects
    from its niche peers' posts, kept while the workspace's posts, accounts and objections
    are unchanged (the posts' count and latest time, the accounts' count and followers,
    the objecting creators key the cache; 32 accounts are kept per process)."""
    stamp = (
        *c.execute(
            select(func.count(), func.max(posts.c.posted_at)).where(posts.c.workspace == ws)
        ).one(),
        *c.execute(
            select(func.count(), func.sum(creator_accounts.c.followers_count)).where(
                creator_accounts.c.workspace == ws
            )
        ).one(),
    )
    barred = tuple(sorted(objecting(c, ws)))
    key = (store_identity(settings), ws, account.account_id, stamp, barred)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    frame = draft_frame(c, ws, account)
    accounts = (
        frame.group_by("account_id")
        .agg(pl.col("platform").first(), pl.col("followers_count").first())
        .sort("account_id")
    )
    model = None
    if not frame.is_empty():
        model = PerformanceModel(coverage=COVERAGE).fit(frame, accounts)
    near = frame.filter(pl.col("niche_peer"))
    effects = format_effects(near, account.account_id, coverage=COVERAGE)
    fitted = _Fitted(model, frame, effects)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = fitted
    return fitted


def _prediction(fitted: _Fitted, account: AccountRef, draft: Draft) -> Prediction | None:
    if fitted.model is None:
        return None
    row = pl.DataFrame(
        {
            "account_id": [account.account_id],
            "platform": [account.platform],
            "followers_count": [account.followers_count or None],
        },
        schema={"account_id": pl.String, "platform": pl.String, "followers_count": pl.Int64},
    )
    out = fitted.model.predict(row, media_type=draft.media_type, posted_at=draft.planned_at).row(
        0, named=True
    )
    peers = fitted.posts.filter(pl.col("account_id") != account.account_id)
    used = int(out["posts_used"])
    when = "at the planned time" if draft.planned_at else "at the account's usual times"
    reason = (
        f"A {draft.media_type} {when}: about {out['expected_engagements']:,.0f} engagements "
        f"(likes + comments + shares), {COVERAGE:.0%} interval {out['engagements_low']:,.0f} "
        f"to {out['engagements_high']:,.0f}, from {used} of the account's recent posts and "
        f"{peers.height} posts of {peers['account_id'].n_unique()} other accounts on "
        f"{account.platform}; {float(out['prior_weight']):.0%} of the account's level comes "
        "from its peers (same platform, similar follower count)."
    )
    if out["expected_reach"] is not None:
        reason += (
            f" Views: about {out['expected_reach']:,.0f} ({out['reach_low']:,.0f} to "
            f"{out['reach_high']:,.0f})."
        )
    elif out["reach_unavailable_reason"]:
        reason += f" No views prediction: {out['reach_unavailable_reason']}."
    return Prediction(
        expected_engagements=float(out["expected_engagements"]),
        engagements_low=float(out["engagements_low"]),
        engagements_high=float(out["engagements_high"]),
        expected_views=out["expected_reach"],
        views_low=out["reach_low"],
        views_high=out["reach_high"],
        views_unavailable_reason=out["reach_unavailable_reason"],
        coverage=COVERAGE,
        account_posts=used,
        prior_weight=float(out["prior_weight"]),
        peer_accounts=peers["account_id"].n_unique(),
        peer_posts=peers.height,
        model=f"{MODEL_NAME} {MODEL_VERSION}",
        reason=reason,
    )


def minors_findings(
    category: str, account: AccountRef, age_bands: Mapping[str, float] | None
) -> tuple[MinorsFinding, ...]:
    """Discovery's rules for ``category`` read against the account's reported ages.

    Audience rules (shares by age, e.g. UK HFSS under 16, US alcohol 21+) give their
    own pass, exclude or review. A category whose only rule is that restricted
    products may not be directed at under-18s (tobacco, cannabis) has no share
    threshold in discovery's rules, so any reported 13-17 audience goes to review
    with its numbers. Missing age data is never taken as compliance: review.
    """
    rules = rules_for(category)
    audience = CreatorAudience(
        account.creator_id, followers=account.followers_count or None, age_bands=age_bands
    )
    teens = None if not age_bands else float(age_bands.get("13-17", 0.0))
    out: list[MinorsFinding] = []
    audience_rules = [r for r in rules if isinstance(r, AudienceRule)]
    for audience_rule in audience_rules:
        outcome = audience_rule.evaluate(audience)
        out.append(
            MinorsFinding(
                audience_rule.id,
                audience_rule.title,
                audience_rule.source,
                outcome.status,
                outcome.reason,
                {**dict(outcome.numbers), "share_13_17": teens},
            )
        )
    for rule in rules:
        if not isinstance(rule, MinorTargetingRule) or audience_rules:
            continue
        numbers: dict[str, Any]
        if not audience.has_age_data:
            status = "review"
            reason = (
                f"A {category} draft, and this audience has no reported age breakdown, so its "
                "under-18 share cannot be checked; missing data is not taken as compliance."
            )
            numbers = {"share_13_17": None}
        else:
            assert age_bands is not None
            share = share_under_age(18, age_bands)
            numbers = {
                "share_13_17": teens,
                "share_lower": share.lower,
                "share_upper": share.upper,
                "followers": audience.followers,
            }
            if share.upper <= 0:
                status = "pass"
                reason = "No under-18 audience is reported for this account."
            else:
                status = "review" if share.lower <= 0 else "exclude"
                reason = (
                    f"{category} may not be directed at under-18s and "
                    f"{share.lower:.1%} to {share.upper:.1%} of this audience is under 18 "
                    "(13-17 band as the platform reports it); discovery's rule sets no share "
                    "threshold for this category, so a person decides whether to post it here."
                )
        out.append(MinorsFinding(rule.id, rule.title, rule.source, status, reason, numbers))
    return tuple(out)


def _disclosure(draft: Draft, account: AccountRef) -> PostVerdict | None:
    if not draft.sponsored:
        return None
    detail = f"sponsored draft for {draft.brand}" if draft.brand else "sponsored draft"
    caption = draft.caption
    if draft.hashtags:  # as a reader sees them: after the caption
        caption += "\n\n" + " ".join(f"#{t}" for t in draft.hashtags)
    facts = PostFacts(
        post_id="draft",
        caption=caption,
        platform=account.platform,
        media_type=draft.media_type,
        connections=(MaterialConnection("deal", detail),),
        brand_names=(draft.brand,) if draft.brand else (),
        creator_id=account.creator_id,
    )
    return check_post(facts, draft.jurisdictions)


def check_draft(
    draft: Draft,
    *,
    actor: Actor,
    workspace: str | None = None,
    settings: Settings | None = None,
) -> DraftCheck:
    """Check a draft post: predicted engagement, format, manipulation, disclosure, minors.

    Parameters
    ----------
    draft
        The draft (:func:`read_draft` or :func:`parse_draft`).
    actor
        Who asks: analyst, approver, auditor or admin; a creator's login only for
        their own accounts (another creator's account answers "not found").
    workspace
        The actor's workspace (default); another answers "not found".

    Raises
    ------
    NotFoundError
        The account is not in the workspace (or not the creator's own).
    ProfilingObjected
        The account's creator objected to profiling (GDPR Art. 21) and the actor is
        not that creator.
    ConfigurationError
        An ambiguous account reference.
    """
    settings = settings or get_settings()
    ws = readable_workspace(actor, workspace)
    with store(settings) as engine:
        with engine.connect() as c:
            require_workspace(c, ws, settings)
            account = own_account(c, ws, actor, draft.account)
            if actor.creator_id != account.creator_id:
                require_not_objecting(c, ws, account.creator_id)
            fitted = _fitted(settings, c, ws, account)
            bands = _age_bands(c, ws, account.account_id) if draft.category else None
        prediction = _prediction(fitted, account, draft)
        effects = fitted.effects
        book = manipulation_rules()
        manipulation = check_manipulation(draft.caption, rules=book)
        disclosure = _disclosure(draft, account)
        minors = () if draft.category is None else minors_findings(draft.category, account, bands)
        notes = []
        if prediction is None:
            notes.append("No posts on this platform to learn from: no engagement prediction.")
        checked_at = datetime.now(UTC)
        result = DraftCheck(
            workspace=ws,
            account_id=account.account_id,
            handle=account.handle,
            platform=account.platform,
            media_type=draft.media_type,
            planned_at=draft.planned_at,
            checked_at=checked_at,
            prediction=prediction,
            format=effects,
            manipulation=manipulation,
            disclosure=disclosure,
            minors=minors,
            category=draft.category,
            manipulation_version=book.version,
            disclosure_version=rules_version(),
            notes=tuple(notes),
            caption_length=length_bucket(draft.caption),
        )
        with audited_transaction(settings, engine) as c:
            entry = record_audit(
                settings,
                c,
                actor=actor.audit_name,
                action=AUDIT_ACTION,
                subject=f"account {account.account_id}",
                workspace=ws,
                input_digest=draft.digest(),
                model_name=MODEL_NAME,
                model_version=MODEL_VERSION,
                details={
                    "media_type": draft.media_type,
                    "sponsored": draft.sponsored,
                    "category": draft.category,
                    "manipulation": len(manipulation),
                    "manipulation_rules": sorted({f.rule_id for f in manipulation}),
                    "disclosure": None if disclosure is None else disclosure.status,
                    "minors": {m.rule_id: m.status for m in minors},
                    "peer_posts": effects.peer_posts,
                    "manipulation_version": book.version,
                },
            )
        confirm_anchor(settings, entry.head)
    return DraftCheck(**{**result.__dict__, "audit_seq": entry.seq})
