"""Discovery, shortlist decisions and overrides, and deals: routes that propose and decide.

Who acted is always the authenticated caller (``Actor.audit_name``), never a name
from the request; every id is looked up in the caller's workspace only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from trustreach import services
from trustreach.api import _models as m
from trustreach.api import _write_models as w
from trustreach.api._auth import CurrentActor, settings_of
from trustreach.api._idempotency import Idempotency
from trustreach.api._routes import READERS, _problems
from trustreach.core import ConfigurationError, NotFoundError, Role, require_role
from trustreach.services import _api_reads

router = APIRouter(responses=_problems(401, 403, 422, 500))

_ID = {"min_length": 1, "max_length": 200}
ShortlistId = Annotated[str, Path(**_ID, description="The shortlist's id.")]


def plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities as None (JSON has no such numbers).

    >>> plain({"a": [1.0, float("nan")]})
    {'a': [1.0, None]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def located(result: Any, response: Response, where: Callable[[dict[str, Any]], str]) -> Any:
    """Set ``Location`` on the answer (a model, or the Response an idempotent run gives)."""
    if isinstance(result, Response):
        result.headers["Location"] = where(json.loads(bytes(result.body)))
    else:
        response.headers["Location"] = where(result.model_dump(mode="json"))
    return result


def invalid(field: str, message: str) -> RequestValidationError:
    """A 422 naming ``body.<field>``."""
    return RequestValidationError(
        [{"loc": ("body", *field.split(".")), "msg": message, "type": "value_error"}]
    )


# ------------------------------------------------------------------ discovery


def _brief_errors(errors: list[str]) -> RequestValidationError:
    items = []
    for line in errors:
        path, _, message = line.partition(": ")
        if not message:
            path, message = "", line
        loc = ("body", "brief", path) if path and path != "(top level)" else ("body", "brief")
        items.append({"loc": loc, "msg": message, "type": "value_error"})
    return RequestValidationError(items)


def _discover(request: Request, actor: Any, body: w.DiscoveryRequest) -> w.DiscoveryResult:
    from trustreach.discovery import BriefError, parse_brief

    if body.brief is None and body.like is None:
        raise invalid("brief", "give a brief, `like` (a creator), or both")
    try:
        brief = parse_brief(body.brief) if body.brief is not None else None
    except BriefError as exc:
        raise _brief_errors(exc.errors) from None
    try:
        result = services.discover(
            brief,
            like=body.like,
            top_n=body.top_n,
            fair=body.fair,
            propose=True,
            created_by=actor.audit_name,
            workspace=actor.workspace,
            settings=settings_of(request),
        )
    except BriefError as exc:  # targeting the brief's category may not use
        raise _brief_errors(exc.errors) from None
    except (NotFoundError, ConfigurationError) as exc:
        text = str(exc)
        if text.startswith("--like"):
            raise invalid(
                "like", "no such creator in your workspace (id, name or handle)"
            ) from None
        if text.startswith("--fair"):
            raise invalid("fair", text.removeprefix("--fair").lstrip(" :")) from None
        raise
    document = plain(result.ranking.to_dict())
    return w.DiscoveryResult(
        shortlist_id=result.shortlist_id,
        eligible=document["eligible"],
        model_versions=document["model_versions"],
        weights=document["weights"],
        shortlist=document["shortlist"],
        review=document["review"],
        excluded=document["excluded"],
        exposure_audit=document["exposure_audit"],
        fair=document["fair"],
        out_of_scope=document["out_of_scope"],
        notes=document["notes"],
        query=document["query"],
    )


@router.post(
    "/discovery",
    status_code=201,
    response_model=w.DiscoveryResult,
    tags=["discovery"],
    responses=_problems(409),
)
def run_discovery(
    request: Request,
    response: Response,
    actor: CurrentActor,
    body: w.DiscoveryRequest,
    idem: Idempotency,
) -> Any:
    """Rank creators for a brief (or like a creator) and store the shortlist as a proposal.

    Analyst, admin. The answer explains every rank, lists creators held for review or
    excluded by a rule (with the numbers), and audits exposure by declared group. Nothing
    is approved: a person decides each creator (`POST /shortlists/{id}/decisions`). The
    brief is checked by the same rules as a brief file (docs/briefs.md); each problem
    names its field. The creator index is rebuilt first when an import or audit changed
    what it reads. `Location`: the stored shortlist.
    """
    require_role(actor, Role.analyst)
    result = idem.run(actor, lambda: _discover(request, actor, body), status_code=201)
    return located(result, response, lambda d: f"/api/v1/shortlists/{d['shortlist_id']}")


# ------------------------------------------------------------------ shortlists


@router.post(
    "/shortlists/{shortlist_id}/decisions",
    status_code=201,
    response_model=m.Decision,
    tags=["shortlists"],
    responses=_problems(404, 409),
)
def decide(
    request: Request,
    actor: CurrentActor,
    shortlist_id: ShortlistId,
    body: w.NewDecision,
    idem: Idempotency,
) -> Any:
    """Approve or reject one creator of the shortlist, with a reason (approver, admin).

    The decision names you (your key or login), is appended to the audit log, and
    the latest decision per creator counts; every one is kept.
    """
    require_role(actor, Role.approver)

    def work() -> m.Decision:
        shortlist = services.decide(
            shortlist_id,
            body.creator_id,
            body.decision,
            decided_by=actor.audit_name,
            reason=body.reason,
            workspace=actor.workspace,
            settings=settings_of(request),
        )
        return m.Decision(**vars(shortlist.decisions[-1]))

    return idem.run(actor, work, status_code=201)


@router.post(
    "/shortlists/{shortlist_id}/overrides",
    status_code=201,
    response_model=m.ShortlistEntry,
    tags=["shortlists"],
    responses=_problems(404, 409),
)
def add_override(
    request: Request,
    actor: CurrentActor,
    shortlist_id: ShortlistId,
    body: w.NewOverride,
    idem: Idempotency,
) -> Any:
    """Add a creator the ranking did not propose, with a reason (analyst, admin).

    Adding is proposing: the creator is `pending` and still needs a person's approval.
    A creator already on the shortlist is refused (422).
    """
    require_role(actor, Role.analyst)

    def work() -> m.ShortlistEntry:
        shortlist = services.add_override(
            shortlist_id,
            body.creator_id,
            added_by=actor.audit_name,
            reason=body.reason,
            workspace=actor.workspace,
            settings=settings_of(request),
        )
        entry = next(e for e in shortlist.entries if e.creator_id == body.creator_id)
        return m.ShortlistEntry(**{k: getattr(entry, k) for k in m.ShortlistEntry.model_fields})

    return idem.run(actor, work, status_code=201)


# ------------------------------------------------------------------ deals


def _create_deal(request: Request, actor: Any, body: w.NewDeal) -> w.CreatedDeal:
    try:
        deal = services.create_deal(
            body.shortlist_id,
            body.creator_id,
            deal_id=body.deal_id,
            compensation=body.compensation,
            amount=body.amount,
            currency=body.currency,
            campaign_id=body.campaign_id,
            affiliate_code=body.affiliate_code,
            signed_on=body.signed_on,
            jurisdictions=body.jurisdictions,
            created_by=actor.audit_name,
            workspace=actor.workspace,
            settings=settings_of(request),
        )
    except services.ApprovalRequired:
        raise HTTPException(
            409,
            f"no deal for creator {body.creator_id!r}: no person has approved them on "
            f"shortlist {body.shortlist_id!r}; approve first "
            f"(POST /api/v1/shortlists/{body.shortlist_id}/decisions)",
        ) from None
    return w.CreatedDeal(
        deal_id=deal.deal_id,
        shortlist_id=deal.shortlist_id,
        campaign_id=deal.campaign_id,
        creator_id=deal.creator_id,
        compensation=deal.compensation,
        amount=deal.amount,
        currency=deal.currency,
        affiliate_code=deal.affiliate_code,
        signed_on=deal.signed_on,
        material_connection=True,
        created=deal.created,
        audit_seq=deal.audit_seq,
        jurisdictions=list(deal.jurisdictions),
        obligations=list(deal.obligations),
        obligations_status=deal.obligations_status,
    )


@router.post(
    "/deals",
    status_code=201,
    response_model=w.CreatedDeal,
    tags=["deals"],
    responses=_problems(404, 409),
)
def create_deal(
    request: Request,
    response: Response,
    actor: CurrentActor,
    body: w.NewDeal,
    idem: Idempotency,
) -> Any:
    """Create a deal for a creator a person approved on the shortlist (approver, admin).

    Refused (409) unless the creator's latest decision on the shortlist is `approved`;
    the campaign must be the shortlist's brand's and run on `signed_on` (422 names the
    campaigns allowed). The disclosure obligations of `jurisdictions` (default: the
    campaign's) are recorded with the deal for the creator to accept. The same
    `deal_id` with the same values again changes nothing (`created: false`).
    `Location`: the deal.
    """
    require_role(actor, Role.approver)
    result = idem.run(actor, lambda: _create_deal(request, actor, body), status_code=201)
    return located(result, response, lambda d: f"/api/v1/deals/{d['deal_id']}")


@router.get(
    "/deals/{deal_id}",
    response_model=w.Deal,
    tags=["deals"],
    responses=_problems(404),
)
def get_deal(
    request: Request,
    actor: CurrentActor,
    deal_id: Annotated[str, Path(**_ID, description="The deal's id.")],
) -> w.Deal:
    """One deal of your workspace (analyst, approver, auditor, admin)."""
    require_role(actor, *READERS)
    deal = _api_reads.get_deal(deal_id, workspace=actor.workspace, settings=settings_of(request))
    return w.Deal(**vars(deal))
