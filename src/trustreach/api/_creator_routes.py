"""Disputes, conversation summaries and corrections, and privacy: routes about people's data.

A creator's login reaches only their own creator (any other id answers 404); who
acted is always the authenticated caller (``Actor.audit_name``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from trustreach import services
from trustreach.api import _write_models as w
from trustreach.api._auth import CurrentActor, own_creator, self_or_admin, settings_of
from trustreach.api._cursor import decode_cursor, encode_cursor
from trustreach.api._idempotency import Idempotency
from trustreach.api._routes import READERS, Cursor, Limit, _problems
from trustreach.api._shortlist_routes import invalid, located, plain
from trustreach.core import Actor, ConfigurationError, Role, require_role
from trustreach.services import Dispute, _api_reads

router = APIRouter(responses=_problems(401, 403, 422, 500))

_ID = {"min_length": 1, "max_length": 200}
CreatorId = Annotated[str, Path(**_ID, description="The creator's id.")]
DisputeId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The dispute's number.")]


# ------------------------------------------------------------------ disputes


def _dispute(d: Dispute) -> w.Dispute:
    return w.Dispute(
        dispute_id=d.dispute_id,
        creator_id=d.creator_id,
        display_name=d.display_name,
        audit_seq=d.audit_seq,
        filed_by=d.filed_by,
        reason=d.reason,
        status=d.status,
        filed_at=d.filed_at,
        reviewer=d.reviewer,
        decision=d.decision,
        resolved_at=d.resolved_at,
    )


def _read(request: Request, actor: Actor, dispute_id: int) -> w.Dispute:
    """The dispute as the listing shows it (times in UTC, the creator's display name)."""
    return _dispute(
        _api_reads.get_dispute(dispute_id, workspace=actor.workspace, settings=settings_of(request))
    )


def _after(cursor: str | None) -> int | None:
    try:
        after = decode_cursor("disputes", cursor)
        if after is not None and not (after.isascii() and after.isdigit()):
            raise ConfigurationError("cursor is not valid")
    except ConfigurationError as e:
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": str(e), "type": "value_error"}]
        ) from None
    return None if after is None else int(after)


@router.get("/disputes", response_model=w.DisputePage, tags=["disputes"])
def list_disputes(
    request: Request,
    actor: CurrentActor,
    status: Annotated[
        Literal["open", "upheld", "rejected", "all"],
        Query(description="Which disputes: `open` (the review queue, default) or all."),
    ] = "open",
    creator_id: Annotated[
        str | None, Query(**_ID, description="Only this creator's disputes.")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> w.DisputePage:
    """Disputes of your workspace, oldest first (analyst, approver, auditor, admin; a
    creator's login: only their own)."""
    require_role(actor, *READERS, Role.creator)
    if actor.role is Role.creator:
        if creator_id is not None and creator_id != actor.creator_id:
            return w.DisputePage(items=[], next_cursor=None)
        creator_id = actor.creator_id
    page = _api_reads.page_disputes(
        workspace=actor.workspace,
        status=None if status == "all" else status,
        creator_id=creator_id,
        limit=limit,
        after=_after(cursor),
        settings=settings_of(request),
    )
    return w.DisputePage(
        items=[_dispute(d) for d in page.items],
        next_cursor=encode_cursor("disputes", page.next_after),
    )


@router.get(
    "/disputes/{dispute_id}",
    response_model=w.Dispute,
    tags=["disputes"],
    responses=_problems(404),
)
def get_dispute(request: Request, actor: CurrentActor, dispute_id: DisputeId) -> w.Dispute:
    """One dispute (readers; a creator's login: only their own)."""
    require_role(actor, *READERS, Role.creator)
    found = _api_reads.get_dispute(
        dispute_id, workspace=actor.workspace, settings=settings_of(request)
    )
    own_creator(actor, found.creator_id)
    return _dispute(found)


@router.post(
    "/disputes",
    status_code=201,
    response_model=w.Dispute,
    tags=["disputes"],
    responses=_problems(404, 409),
)
def file_dispute(
    request: Request,
    response: Response,
    actor: CurrentActor,
    body: w.NewDispute,
    idem: Idempotency,
) -> Any:
    """Contest a creator's latest audit: the dispute joins the review queue.

    A creator files for themselves (`creator_id` defaults to, and may only be, their
    own); an admin may file for any creator of the workspace. `Location`: the dispute.
    """
    require_role(actor, Role.creator)
    creator_id = body.creator_id or actor.creator_id
    if creator_id is None:
        raise invalid("creator_id", "required: the creator whose audit is contested")
    own_creator(actor, creator_id)

    def work() -> w.Dispute:
        filed = services.file_dispute(
            creator_id,
            body.reason,
            filed_by=actor.audit_name,
            workspace=actor.workspace,
            settings=settings_of(request),
        )
        return _read(request, actor, filed.dispute_id)

    result = idem.run(actor, work, status_code=201)
    return located(result, response, lambda d: f"/api/v1/disputes/{d['dispute_id']}")


@router.post(
    "/disputes/{dispute_id}/resolution",
    status_code=201,
    response_model=w.Dispute,
    tags=["disputes"],
    responses=_problems(404, 409),
)
def resolve_dispute(
    request: Request,
    actor: CurrentActor,
    dispute_id: DisputeId,
    body: w.Resolution,
    idem: Idempotency,
) -> Any:
    """Decide an open dispute, `upheld` or `rejected`, with a note (approver, admin).

    The decision names you; an upheld dispute is shown beside the audit in every later
    report. A dispute already decided is refused (422).
    """
    require_role(actor, Role.approver)

    def work() -> w.Dispute:
        services.resolve_dispute(
            dispute_id,
            decision=body.decision,
            note=body.note,
            reviewer=actor.audit_name,
            workspace=actor.workspace,
            settings=settings_of(request),
        )
        return _read(request, actor, dispute_id)

    return idem.run(actor, work, status_code=201)


# ------------------------------------------------------------------ conversation


@router.get(
    "/conversation/summary",
    response_model=w.ConversationSummary,
    tags=["conversation"],
    responses=_problems(404),
)
def conversation_summary(
    request: Request,
    actor: CurrentActor,
    scope: Annotated[
        Literal["creator", "campaign", "post"], Query(description="What the id names.")
    ],
    id: Annotated[str, Query(**_ID, description="The creator's, campaign's or post's id.")],
) -> w.ConversationSummary:
    """Sentiment, safety and themes of the comments on a creator's or a campaign's posts,
    each share with its 95% interval (analyst, approver, auditor, admin). 404 when the id
    is not in your workspace or has no posts."""
    require_role(actor, *READERS)
    s = services.conversation_summary(
        scope, id, workspace=actor.workspace, settings=settings_of(request)
    )
    return w.ConversationSummary(
        **plain(
            {
                "scope": s.scope,
                "scope_id": s.scope_id,
                "comments": s.comments,
                "scored": s.scored,
                "sentiment": {k: vars(v) for k, v in s.sentiment.items()},
                "mean_score": s.mean_score,
                "unsafe": vars(s.unsafe),
                "offensive": vars(s.offensive),
                "hate": vars(s.hate),
                "unsupported_language": s.unsupported_language,
                "no_text": s.no_text,
                "corrected": s.corrected,
                "language_uncertain": s.language_uncertain,
                "daily": [_jsonable(d) for d in s.daily],
                "trend_per_week": s.trend_per_week,
                "themes": {k: [_jsonable(t) for t in v] for k, v in s.themes.items()},
                "retained_comments": s.retained_comments,
                "notes": list(s.notes),
                "generated_by": s.generated_by,
            }
        )
    )


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}


@router.post(
    "/conversation/corrections",
    status_code=201,
    response_model=w.Correction,
    tags=["conversation"],
    responses=_problems(404, 409),
)
def correct_label(
    request: Request, actor: CurrentActor, body: w.NewCorrection, idem: Idempotency
) -> Any:
    """Correct one machine label of a comment, with a reason (analyst, approver, admin).

    The machine's value is kept in the correction record; aggregates count yours from
    now on. `sentiment` takes negative, neutral or positive; `offensive` and `hate`
    take true or false.
    """
    require_role(actor, Role.analyst, Role.approver)
    allowed = (
        ("negative", "neutral", "positive") if body.field == "sentiment" else ("true", "false")
    )
    if body.value not in allowed:
        raise invalid("value", f"not allowed for {body.field}; allowed: {', '.join(allowed)}")

    def work() -> w.Correction:
        seq = services.correct_label(
            body.comment_id,
            body.field,
            body.value,
            corrected_by=actor.audit_name,
            reason=body.reason,
            workspace=actor.workspace,
            settings=settings_of(request),
        )
        return w.Correction(
            comment_id=body.comment_id,
            field=body.field,
            value=body.value,
            corrected_by=actor.audit_name,
            audit_seq=seq,
        )

    return idem.run(actor, work, status_code=201)


# ------------------------------------------------------------------ privacy


@router.get(
    "/privacy/record-of-processing",
    response_model=w.RecordOfProcessing,
    tags=["privacy"],
)
def record_of_processing(actor: CurrentActor) -> w.RecordOfProcessing:
    """Every table holding personal data: whose, why, on what basis, how long (GDPR Art. 30;
    auditor, admin)."""
    require_role(actor, Role.auditor)
    return w.RecordOfProcessing(
        items=[
            w.ProcessingLine(
                table=e.table,
                subject=e.declaration.subject,
                purpose=e.declaration.purpose,
                legal_basis=e.declaration.legal_basis,
                retention=e.retention,
                retention_days=e.declaration.retention_days,
                subject_columns=list(e.declaration.subject_columns),
            )
            for e in services.record_of_processing()
        ]
    )


@router.get(
    "/creators/{creator_id}/declared-attributes",
    response_model=w.DeclaredAttributes,
    tags=["privacy"],
    responses=_problems(404),
)
def declared_attributes(
    request: Request, actor: CurrentActor, creator_id: CreatorId
) -> w.DeclaredAttributes:
    """What the creator declared (shown only while consent is in force) and the latest
    consent per purpose (the creator themselves, admin)."""
    self_or_admin(actor, creator_id)
    view = _api_reads.creator_declared(
        creator_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return w.DeclaredAttributes(
        creator_id=view.creator_id,
        attributes=view.attributes,
        consent_in_force=view.consent_in_force,
        consent=[w.ConsentState(**vars(c)) for c in view.consent],
    )


@router.post(
    "/creators/{creator_id}/consent-withdrawals",
    status_code=201,
    response_model=w.Withdrawal,
    tags=["privacy"],
    responses=_problems(404, 409),
)
def withdraw_consent(
    request: Request,
    actor: CurrentActor,
    creator_id: CreatorId,
    body: w.NewWithdrawal,
    idem: Idempotency,
) -> Any:
    """Withdraw the creator's consent for one purpose (the creator themselves, admin).

    For `declared_attributes` the declared attributes are deleted at once and no
    ranking or audit reads them again. Recorded in the consent ledger and audit-logged.
    """
    self_or_admin(actor, creator_id)

    def work() -> w.Withdrawal:
        done = services.withdraw_consent(
            creator_id,
            purpose=body.purpose,
            source="api",
            actor=actor.audit_name,
            workspace=actor.workspace,
            settings=settings_of(request),
        )
        return w.Withdrawal(
            creator_id=done.creator_id,
            purpose=done.purpose,
            consent_id=done.consent_id,
            recorded_at=done.recorded_at,
            attributes_deleted=done.attributes_deleted,
            audit_seq=done.audit_seq,
        )

    return idem.run(actor, work, status_code=201)


@router.post(
    "/privacy/erasures", response_model=w.Erasure, tags=["privacy"], responses=_problems(409)
)
def erase_third_party(
    request: Request, actor: CurrentActor, body: w.NewErasure, idem: Idempotency
) -> Any:
    """Erase a follower or commenter by their platform id: their follows, follower record
    and comments (GDPR Art. 17; admin). Nothing held under the id: `audit_seq` null."""
    require_role(actor)

    def work() -> w.Erasure:
        report = services.erase_third_party(
            body.account_id,
            workspace=actor.workspace,
            actor=actor.audit_name,
            settings=settings_of(request),
        )
        return w.Erasure(
            subject_key=report.subject_key, removed=report.removed, audit_seq=report.audit_seq
        )

    return idem.run(actor, work, status_code=200)


@router.get(
    "/creators/{creator_id}/export",
    response_model=w.CreatorExport,
    tags=["privacy"],
    responses=_problems(404),
)
def export_creator(request: Request, actor: CurrentActor, creator_id: CreatorId) -> w.CreatorExport:
    """Everything your workspace holds about the creator, by table, as JSON (GDPR Art. 15
    and 20; the creator themselves, admin): the creator, accounts, audits with their
    evidence, shortlist entries and decisions, deals, disputes, declared attributes and
    consent records. The tables are those the record of processing declares, and the
    audience snapshots of the creator's accounts with groups under the minimum size
    hidden (``suppressed`` names each with the reason)."""
    self_or_admin(actor, creator_id)
    tables = _api_reads.export_creator(
        creator_id, workspace=actor.workspace, settings=settings_of(request)
    )
    return w.CreatorExport(creator_id=creator_id, exported_at=datetime.now(UTC), tables=tables)
