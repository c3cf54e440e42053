"""Data-subject rights: the request log, a creator's own data, objection, rectification,
erasure, and access for followers and commenters.

Who may do what: an admin acts on anyone's request (a follower or commenter never
signs up, so an admin acts for them on a verified request); an auditor reads the
request log; a creator's login logs requests about themselves, reads and downloads
everything held about them, and objects to profiling. Rectification and erasure
are applied by an admin (the creator asks through a logged request). A creator's
login reaching another creator's id answers 404, like an id that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from trustreach.api._auth import CurrentActor, own_creator, self_or_admin, settings_of
from trustreach.api._idempotency import Idempotency
from trustreach.api._routes import _problems
from trustreach.core import Actor, NotFoundError, PermissionDenied, Role, require_role
from trustreach.services import _erasure, _rights

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 422, 500), tags=["rights"])

_ID = {"min_length": 1, "max_length": 200}
CreatorId = Annotated[str, Path(**_ID, description="The creator's id.")]
RequestId = Annotated[str, Path(min_length=1, max_length=32, description="The request (rr-…).")]
Ident = Annotated[str, Field(min_length=1, max_length=200)]
Note = Annotated[str, Field(min_length=1, max_length=2000)]


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]}, extra="forbid")


class RightsRequestOut(BaseModel):
    """A logged request. A follower's or commenter's subject is their keyed pseudonym."""

    request_id: str
    subject_kind: str
    subject_ref: str
    right: str
    regime: str
    received_at: datetime
    deadline: datetime = Field(description="GDPR one month (+2 if extended), CCPA 45 days (+45).")
    status: str
    overdue: bool
    outcome: str | None
    handled_by: str
    updated_at: datetime


class RightsRequestList(BaseModel):
    """Requests by deadline, soonest first."""

    items: list[RightsRequestOut]


class NewRightsRequest(BaseModel):
    """Log a request: a creator's id, or the platform id a follower or commenter gave."""

    model_config = _example({"subject_kind": "creator", "subject": "c1", "right": "export"})
    subject_kind: Literal["creator", "follower", "commenter"]
    subject: Ident = Field(description="Creator id, or the person's platform id (never stored).")
    right: Literal["access", "export", "rectification", "erasure", "objection"]
    regime: Literal["gdpr", "ccpa"] = "gdpr"
    received_at: datetime | None = Field(None, description="When it arrived (default: now).")
    note: Note | None = None


class RequestUpdate(BaseModel):
    """Progress or outcome; refusing and extending need the reasons."""

    model_config = _example({"status": "completed", "outcome": "export sent by e-mail"})
    status: Literal["in_progress", "extended", "completed", "refused"]
    outcome: Note | None = None


class Answering(BaseModel):
    """The logged request a change answers (it is then completed)."""

    model_config = _example({"request_id": "rr-0123456789ab"})
    request_id: Annotated[str, Field(min_length=1, max_length=32)] | None = None


class Rectify(Answering):
    """Fields of the creator's own record to correct (niches comma-separated)."""

    model_config = _example({"fields": {"country": "GB"}})
    fields: dict[Literal["display_name", "country", "language", "niches"], Note]


class Erase(Answering):
    """Erase a creator; ``keep_deals`` keeps a pseudonymous bookkeeping record of contracts."""

    model_config = _example({"keep_deals": True})
    keep_deals: bool = True


class ThirdPartyAccessRequest(Answering):
    """A follower's or commenter's platform id, checked by the admin against proof."""

    model_config = _example({"platform": "instagram", "handle": "f_1001"})
    platform: Annotated[str, Field(min_length=1, max_length=20)]
    handle: Ident


class ObjectionOut(BaseModel):
    """A recorded objection to profiling."""

    creator_id: str
    objected_at: datetime
    already: bool
    index_rows_removed: int
    audit_seq: int


class RectificationOut(BaseModel):
    """Field names changed (the values are in the record itself)."""

    creator_id: str
    changed: list[str]
    audit_seq: int | None


class ErasureReceipt(BaseModel):
    """What was removed, unlinked and kept, and why."""

    subject_ref: str
    removed: dict[str, int]
    unlinked: dict[str, int]
    kept: list[str]
    index_rows_removed: int
    residue: list[dict[str, Any]]
    audit_seq: int


def _out(r: _rights.RightsRequest) -> RightsRequestOut:
    return RightsRequestOut(
        request_id=r.request_id,
        subject_kind=r.subject_kind,
        subject_ref=r.subject_ref,
        right=r.right,
        regime=r.regime,
        received_at=r.received_at,
        deadline=r.deadline,
        status=r.status,
        overdue=r.overdue(),
        outcome=r.outcome,
        handled_by=r.handled_by,
        updated_at=r.updated_at,
    )


def _own_request(actor: Actor, r: _rights.RightsRequest) -> None:
    """A creator's login sees only requests about themselves (others: not found)."""
    if actor.role is Role.creator and (
        r.subject_kind != "creator" or r.subject_ref != actor.creator_id
    ):
        raise NotFoundError(f"rights request {r.request_id!r} not found")


@router.get("/rights/requests", response_model=RightsRequestList)
def list_requests(
    request: Request,
    actor: CurrentActor,
    status: Annotated[
        Literal["open", "received", "in_progress", "extended", "completed", "refused"] | None,
        Query(description="Only this status; open: received, in progress or extended."),
    ] = None,
    overdue: Annotated[bool, Query(description="Only open requests past due.")] = False,
) -> RightsRequestList:
    """The workspace's rights requests by deadline (admin, auditor; a creator: their own)."""
    require_role(actor, Role.auditor, Role.creator)
    found = _rights.list_requests(
        workspace=actor.workspace,
        status=status,
        overdue=overdue,
        subject=actor.creator_id if actor.role is Role.creator else None,
        settings=settings_of(request),
    )
    if actor.role is Role.creator and actor.creator_id is None:
        found = []
    return RightsRequestList(items=[_out(r) for r in found])


@router.get("/rights/requests/{request_id}", response_model=RightsRequestOut,
            responses=_problems(404))  # fmt: skip
def get_request(request: Request, actor: CurrentActor, request_id: RequestId) -> RightsRequestOut:
    """One request (admin, auditor; a creator: their own)."""
    require_role(actor, Role.auditor, Role.creator)
    found = _rights.get_request(
        request_id, workspace=actor.workspace, settings=settings_of(request)
    )
    _own_request(actor, found)
    return _out(found)


@router.post("/rights/requests", status_code=201, response_model=RightsRequestOut,
             responses=_problems(404, 409))  # fmt: skip
def log_request(
    request: Request, actor: CurrentActor, body: NewRightsRequest, idem: Idempotency
) -> Any:
    """Log a request with its legal deadline (admin; a creator: about themselves only)."""
    require_role(actor, Role.creator)
    if actor.role is Role.creator:
        if body.subject_kind != "creator":
            raise PermissionDenied("a creator's login logs requests about themselves only")
        own_creator(actor, body.subject)

    def work() -> RightsRequestOut:
        return _out(
            _rights.log_request(
                body.subject_kind,
                body.subject,
                body.right,
                regime=body.regime,
                received_at=body.received_at,
                note=body.note,
                workspace=actor.workspace,
                actor=actor.audit_name,
                settings=settings_of(request),
            )
        )

    return idem.run(actor, work, status_code=201)


@router.post("/rights/requests/{request_id}/status", response_model=RightsRequestOut,
             responses=_problems(404, 409))  # fmt: skip
def update_request(
    request: Request,
    actor: CurrentActor,
    request_id: RequestId,
    body: RequestUpdate,
    idem: Idempotency,
) -> Any:
    """Record progress or the outcome of a request (admin)."""
    require_role(actor)

    def work() -> RightsRequestOut:
        return _out(
            _rights.update_request(
                request_id,
                body.status,
                outcome=body.outcome,
                workspace=actor.workspace,
                actor=actor.audit_name,
                settings=settings_of(request),
            )
        )

    return idem.run(actor, work, status_code=200)


@router.get("/creators/{creator_id}/data", responses=_problems(404))
def creator_data(request: Request, actor: CurrentActor, creator_id: CreatorId) -> dict[str, Any]:
    """Everything held about the creator, with each part's purpose, legal basis and
    retention (GDPR Art. 15 and 20; the creator themselves, admin). Audit-logged."""
    self_or_admin(actor, creator_id)
    return _rights.creator_export(
        creator_id, workspace=actor.workspace, actor=actor.audit_name, settings=settings_of(request)
    )


@router.post("/creators/{creator_id}/objection", response_model=ObjectionOut,
             responses=_problems(404, 409))  # fmt: skip
def object_to_profiling(
    request: Request, actor: CurrentActor, creator_id: CreatorId, body: Answering, idem: Idempotency
) -> Any:
    """Object to profiling (Art. 21; the creator themselves, admin): no discovery ranking
    and no new audit from then on."""
    self_or_admin(actor, creator_id)

    def work() -> ObjectionOut:
        done = _rights.object_to_profiling(
            creator_id,
            workspace=actor.workspace,
            request_id=body.request_id,
            actor=actor.audit_name,
            settings=settings_of(request),
        )
        return ObjectionOut(
            creator_id=done.creator_id,
            objected_at=done.objected_at,
            already=done.already,
            index_rows_removed=done.index_rows_removed,
            audit_seq=done.audit_seq,
        )

    return idem.run(actor, work, status_code=200)


@router.post("/creators/{creator_id}/rectification", response_model=RectificationOut,
             responses=_problems(404, 409))  # fmt: skip
def rectify(
    request: Request, actor: CurrentActor, creator_id: CreatorId, body: Rectify, idem: Idempotency
) -> Any:
    """Correct fields of the creator's own record (Art. 16; admin, on the creator's request)."""
    require_role(actor)

    def work() -> RectificationOut:
        done = _rights.rectify_creator(
            creator_id,
            {str(k): v for k, v in body.fields.items()},
            workspace=actor.workspace,
            request_id=body.request_id,
            actor=actor.audit_name,
            settings=settings_of(request),
        )
        return RectificationOut(
            creator_id=done.creator_id, changed=done.changed, audit_seq=done.audit_seq
        )

    return idem.run(actor, work, status_code=200)


@router.post("/creators/{creator_id}/erasure", response_model=ErasureReceipt,
             responses=_problems(404, 409))  # fmt: skip
def erase_creator(
    request: Request, actor: CurrentActor, creator_id: CreatorId, body: Erase, idem: Idempotency
) -> Any:
    """Erase the creator and everything derived from them (Art. 17; admin); the receipt
    says what was removed, what was kept and why."""
    require_role(actor)

    def work() -> ErasureReceipt:
        done = _erasure.erase_creator(
            creator_id,
            workspace=actor.workspace,
            request_id=body.request_id,
            keep_deals=body.keep_deals,
            actor=actor.audit_name,
            settings=settings_of(request),
        )
        return ErasureReceipt(
            subject_ref=done.subject_ref,
            removed=done.removed,
            unlinked=done.unlinked,
            kept=done.kept,
            index_rows_removed=done.index_rows_removed,
            residue=[vars(r) for r in done.residue],
            audit_seq=done.audit_seq,
        )

    return idem.run(actor, work, status_code=200)


@router.post("/rights/third-party-access", responses=_problems(404, 409))
def third_party_access(
    request: Request, actor: CurrentActor, body: ThirdPartyAccessRequest, idem: Idempotency
) -> Any:
    """What is held about a follower or commenter under the pseudonym of the platform id
    they proved is theirs (Art. 15; admin acting on a verified request). The handle is
    never stored or logged."""
    require_role(actor)

    def work() -> dict[str, Any]:
        return _rights.third_party_access(
            body.handle,
            platform=body.platform,
            workspace=actor.workspace,
            request_id=body.request_id,
            actor=actor.audit_name,
            settings=settings_of(request),
        )

    return idem.run(actor, work, status_code=200)
