"""Check posts against the disclosure rules (use-case: store + rules + audit).

Reads the posts (caption, media type, the paid-partnership flag, video and AI
metadata), their creators' accounts, and the ledger's material connections: a deal
of the post's creator in the post's campaign (its compensation and affiliate code),
or the campaign itself when the ledger has no deal for that creator. Every check is
one audit record (counts, the rules version and a digest of what was checked).
Findings are evidence for a person to review, never a verdict about a creator.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from trustreach.core import (
    Actor,
    ConfigurationError,
    NotFoundError,
    Role,
    Settings,
    get_settings,
)
from trustreach.ethics.disclosure import (
    Connection as MaterialConnection,
)
from trustreach.ethics.disclosure import (
    Finding,
    ManifestFinding,
    PostFacts,
    PostVerdict,
    RuleBook,
    Status,
    check_post,
    generated_by,
    parse_jurisdictions,
    rules_version,
)
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import (
    readable_workspace,
    require_workspace,
    store,
)
from trustreach.store._tables import brands, campaigns, creator_accounts, creators, deals, posts

AUDIT_ACTION = "disclosure.check"
STATUSES: tuple[Status, ...] = ("non_compliant", "needs_review", "compliant", "not_applicable")
MAX_POST_IDS = 1000


@dataclass(frozen=True)
class DisclosureReport:
    """The result of one check: every post's verdict and the counts by status."""

    workspace: str
    campaign_id: str | None
    checked_at: datetime
    rules_version: str
    jurisdictions: tuple[str, ...]
    verdicts: list[PostVerdict]
    counts: dict[str, int] = field(default_factory=dict)
    audit_seq: int | None = None


def _facts(
    c: Connection,
    workspace: str,
    *,
    campaign_id: str | None,
    post_ids: Sequence[str] | None,
    creator_id: str | None,
    media: Mapping[str, ManifestFinding],
) -> list[PostFacts]:
    query = (
        select(
            posts.c.post_id,
            posts.c.caption,
            posts.c.media_type,
            posts.c.paid_partnership,
            posts.c.campaign_id,
            posts.c.disclosure_in_video,
            posts.c.spoken_disclosure,
            posts.c.ai_generated,
            posts.c.ai_altered,
            creator_accounts.c.platform,
            creator_accounts.c.creator_id,
            creators.c.virtual,
        )
        .join(
            creator_accounts,
            (creator_accounts.c.workspace == posts.c.workspace)
            & (creator_accounts.c.account_id == posts.c.account_id),
        )
        .join(
            creators,
            (creators.c.workspace == creator_accounts.c.workspace)
            & (creators.c.creator_id == creator_accounts.c.creator_id),
        )
        .where(posts.c.workspace == workspace)
        .order_by(posts.c.post_id)
    )
    if campaign_id is not None:
        query = query.where(posts.c.campaign_id == campaign_id)
    if post_ids is not None:
        query = query.where(posts.c.post_id.in_(list(post_ids)))
    if creator_id is not None:
        query = query.where(creator_accounts.c.creator_id == creator_id)
    rows = c.execute(query).all()
    ledger: dict[tuple[str, str], list[Any]] = {}
    for d in c.execute(
        select(
            deals.c.deal_id,
            deals.c.campaign_id,
            deals.c.creator_id,
            deals.c.compensation,
            deals.c.affiliate_code,
        ).where(deals.c.workspace == workspace)
    ):
        ledger.setdefault((d.campaign_id, d.creator_id), []).append(d)
    brand_of = {
        r.campaign_id: r.name
        for r in c.execute(
            select(campaigns.c.campaign_id, brands.c.name)
            .join(
                brands,
                (brands.c.workspace == campaigns.c.workspace)
                & (brands.c.brand_id == campaigns.c.brand_id),
            )
            .where(campaigns.c.workspace == workspace)
        )
    }
    out = []
    for r in rows:
        links: list[MaterialConnection] = []
        if r.campaign_id is not None:
            found = ledger.get((r.campaign_id, r.creator_id), [])
            for d in found:
                links.append(MaterialConnection("deal", f"deal {d.deal_id}: {d.compensation}"))
                if d.affiliate_code:
                    links.append(
                        MaterialConnection("affiliate_code", f"affiliate code of {d.deal_id}")
                    )
            if not found:
                links.append(MaterialConnection("campaign", f"campaign {r.campaign_id}"))
        name = brand_of.get(r.campaign_id) if r.campaign_id is not None else None
        out.append(
            PostFacts(
                post_id=r.post_id,
                caption=r.caption,
                platform=r.platform,
                media_type=r.media_type,
                paid_partnership=bool(r.paid_partnership),
                connections=tuple(links),
                brand_names=(name,) if name else (),
                disclosure_in_video=r.disclosure_in_video,
                spoken_disclosure=r.spoken_disclosure,
                ai_generated=bool(r.ai_generated),
                ai_altered=bool(r.ai_altered),
                virtual_creator=bool(r.virtual),
                media_manifest=media.get(r.post_id),
                creator_id=r.creator_id,
                campaign_id=r.campaign_id,
            )
        )
    return out


def _digest(facts: list[PostFacts], jurisdictions: tuple[str, ...], version: str) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([version, list(jurisdictions)]).encode())
    for f in facts:
        h.update(
            json.dumps(
                [
                    f.post_id,
                    f.caption,
                    f.media_type,
                    f.paid_partnership,
                    [c.detail for c in f.connections],
                    f.disclosure_in_video,
                    f.spoken_disclosure,
                    f.ai_generated,
                    f.ai_altered,
                    f.virtual_creator,
                    f.media_manifest,
                ],
                ensure_ascii=False,
            ).encode()
        )
    return h.hexdigest()


def check_posts(
    *,
    actor: Actor,
    workspace: str | None = None,
    campaign_id: str | None = None,
    post_ids: Sequence[str] | None = None,
    jurisdictions: Sequence[str] | None = None,
    media: Mapping[str, ManifestFinding] | None = None,
    book: RuleBook | None = None,
    possible_promotion: bool = False,
    settings: Settings | None = None,
) -> DisclosureReport:
    """Check posts of a workspace against the disclosure rules and log the check.

    Parameters
    ----------
    actor
        Who asks: analyst, approver, auditor or admin; a creator's login checks only
        their own posts (another creator's post answers "not found").
    workspace
        The actor's workspace (default); another answers "not found".
    campaign_id, post_ids
        Which posts: a campaign's, the named ones (at most :data:`MAX_POST_IDS`),
        both (the named posts of the campaign), or none (every post).
    jurisdictions
        ``us``, ``uk``, ``eu`` (default: all three: a post is judged by every market's
        rules it may reach).
    media
        ``post_id -> what its media file's C2PA manifest says`` (``check_media``).
    book
        Rules to use instead of the shipped ones (``load_rulebook(path)``: a reviewed
        copy of ``rules.toml``, e.g. other truncation points); its version is logged.
    possible_promotion
        Also read the captions of posts with no material connection in the ledger with
        the caption model (``nlp._promo``): one the model finds promotional goes to
        review as "possible undisclosed promotion" (:data:`PROMOTION_RULE`), with its
        probability and the cues found. Evidence for a person, never a verdict.

    Raises
    ------
    NotFoundError
        The campaign or a post is not in the workspace (or not the creator's own).
    ConfigurationError
        An unknown jurisdiction, or too many post ids.
    """
    settings = settings or get_settings()
    ws = readable_workspace(actor, workspace)
    wanted = parse_jurisdictions(jurisdictions)
    ids = None if post_ids is None else list(dict.fromkeys(post_ids))
    if ids is not None and len(ids) > MAX_POST_IDS:
        raise ConfigurationError(
            f"post_ids: at most {MAX_POST_IDS} posts per check, got {len(ids)}"
        )
    own = actor.creator_id if actor.role is Role.creator else None
    with store(settings) as engine:
        with engine.connect() as c:
            require_workspace(c, ws, settings)
            if campaign_id is not None:
                hit = c.execute(
                    select(campaigns.c.campaign_id).where(
                        campaigns.c.workspace == ws, campaigns.c.campaign_id == campaign_id
                    )
                ).first()
                if hit is None:
                    raise NotFoundError(f"campaign {campaign_id!r} not found in workspace {ws!r}")
            facts = _facts(
                c, ws, campaign_id=campaign_id, post_ids=ids, creator_id=own, media=media or {}
            )
        if ids is not None:
            missing = sorted(set(ids) - {f.post_id for f in facts})
            if missing:
                where = f" in campaign {campaign_id!r}" if campaign_id else ""
                raise NotFoundError(
                    f"post {', '.join(map(repr, missing[:5]))} not found{where} in workspace {ws!r}"
                )
        verdicts = [check_post(f, wanted, book=book) for f in facts]
        if possible_promotion:
            verdicts = _possible_promotion(verdicts, facts)
        counts = Counter(v.status for v in verdicts)
        by_status: dict[str, int] = {s: counts.get(s, 0) for s in STATUSES}
        checked_at = datetime.now(UTC)
        version = book.version if book is not None else rules_version()
        with audited_transaction(settings, engine) as c:
            entry = record_audit(
                settings,
                c,
                actor=actor.audit_name,
                action=AUDIT_ACTION,
                subject=f"campaign {campaign_id}" if campaign_id else "posts",
                workspace=ws,
                input_digest=_digest(facts, wanted, version),
                model_name="trustreach.disclosure_rules",
                model_version=version,
                details={
                    "posts": len(verdicts),
                    "counts": by_status,
                    "jurisdictions": list(wanted),
                    "post_ids": None if ids is None else len(ids),
                    "non_compliant": [v.post_id for v in verdicts if v.status == "non_compliant"][
                        :50
                    ],
                },
            )
        confirm_anchor(settings, entry.head)
    return DisclosureReport(
        workspace=ws,
        campaign_id=campaign_id,
        checked_at=checked_at,
        rules_version=version,
        jurisdictions=wanted,
        verdicts=verdicts,
        counts=by_status,
        audit_seq=entry.seq,
    )


PROMOTION_RULE = "PROMO-CAPTION"
"""The finding of a caption the caption model reads as promotion, with no connection."""


def _possible_promotion(verdicts: list[PostVerdict], facts: Sequence[Any]) -> list[PostVerdict]:
    """Posts no rule applies to (no deal, gift, code or label) whose caption reads as
    promotion: to review, with the model's probability and the cues it found."""
    from trustreach.nlp._promo import caption_cues, load_promo_model

    captions = {f.post_id: f.caption for f in facts}
    open_ = [v for v in verdicts if v.status == "not_applicable" and captions.get(v.post_id)]
    if not open_:
        return verdicts
    model = load_promo_model()
    texts = [str(captions[v.post_id]) for v in open_]
    flagged = {
        v.post_id: float(p)
        for v, p in zip(open_, model.predict_proba(texts), strict=True)
        if p >= model.threshold
    }
    out = []
    for v in verdicts:
        p = flagged.get(v.post_id)
        if p is None:
            out.append(v)
            continue
        cues = [c.words for c in caption_cues(str(captions[v.post_id]))]
        finding = Finding(
            rule_id=PROMOTION_RULE,
            jurisdiction="all",
            status="needs_review",
            message=f"possible undisclosed promotion: the caption model reads this caption as "
            f"promotional (probability {p:.2f}, threshold {model.threshold:.2f}) and the "
            "ledger shows no deal, gift, code or paid-partnership label",
            source=f"caption model {model.version} (docs/models/promo_caption.md)",
            evidence="; ".join(cues) or None,
            fix="if there is a material connection, record it and disclose it in the "
            "caption; if there is none, note that the post was reviewed",
        )
        out.append(replace(v, status="needs_review", findings=[*v.findings, finding]))
    return out


def report_dict(report: DisclosureReport) -> dict[str, Any]:
    """The report as JSON-ready data (CLI ``--format json`` and the API)."""
    return {
        "workspace": report.workspace,
        "campaign_id": report.campaign_id,
        "checked_at": report.checked_at.isoformat(),
        "rules_version": report.rules_version,
        "jurisdictions": list(report.jurisdictions),
        "counts": report.counts,
        "audit_seq": report.audit_seq,
        "generated_by": generated_by(f"disclosure rules {report.rules_version}"),
        "note": "evidence for a person to review, not legal advice",
        "verdicts": [
            {
                "post_id": v.post_id,
                "creator_id": v.creator_id,
                "campaign_id": v.campaign_id,
                "status": v.status,
                "findings": [
                    {
                        "rule_id": f.rule_id,
                        "jurisdiction": f.jurisdiction,
                        "status": f.status,
                        "message": f.message,
                        "source": f.source,
                        "evidence": f.evidence,
                        "span": list(f.span) if f.span else None,
                        "fix": f.fix,
                    }
                    for f in v.findings
                ],
            }
            for v in report.verdicts
        ],
    }
