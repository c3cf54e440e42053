"""Deals from a shortlist: only for an approved creator, and only for a campaign of
the shortlist's brand that runs on the day the deal is signed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Row, func, insert, select

from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.ethics.disclosure import parse_jurisdictions
from trustreach.ingest import DealRecord
from trustreach.services._audit_guard import (
    audited_transaction,
    confirm_anchor,
    record_audit,
)
from trustreach.services._compliance import read_deal_obligations, record_obligations
from trustreach.services._context import check_workspace, store
from trustreach.services._shortlist import ApprovalRequired, Shortlist, _person, load_shortlist
from trustreach.store._tables import brands, briefs, campaigns, deals


@dataclass(frozen=True)
class Deal:
    """A deal created from a shortlist (``created`` is False for an idempotent retry)."""

    deal_id: str
    workspace: str
    shortlist_id: str
    campaign_id: str
    creator_id: str
    compensation: str
    amount: float | None
    currency: str
    affiliate_code: str | None
    created: bool
    audit_seq: int | None
    signed_on: date | None = None
    currency_from: str = "given"
    """Where :attr:`currency` came from: ``given``, ``campaign`` or ``brief``."""
    jurisdictions: tuple[str, ...] = ()
    """The jurisdictions whose disclosure obligations are recorded with the deal."""
    obligations: tuple[str, ...] = ()
    """The rule ids of those obligations (the creator accepts them from their login)."""
    obligations_status: str = "none recorded"
    """``awaiting acceptance``, ``accepted`` or ``none recorded``."""


MONEY_COMPENSATION = frozenset({"fee"})
"""Compensation kinds paid in money: they need a positive ``amount``."""


def known_currencies() -> frozenset[str]:
    """ISO 4217 codes trustreach can value: those of the shipped exchange-rate snapshot
    (the ECB reference currencies and its base, EUR)."""
    from trustreach.discovery import reference_fx_rates

    return frozenset(reference_fx_rates().rates)


def _check_currency(code: str) -> str:
    known = known_currencies()
    if code not in known:
        raise ConfigurationError(
            f"currency {code!r} not allowed: give an ISO 4217 code of the shipped "
            "exchange-rate snapshot (trustreach/discovery/fx_rates.csv): "
            f"{', '.join(sorted(known))}"
        )
    return code


def _check_amount(compensation: str, amount: float | None) -> None:
    if compensation in MONEY_COMPENSATION and (amount is None or not amount > 0):
        got = "none given" if amount is None else f"got {amount!r}"
        raise ConfigurationError(
            f"amount is required for compensation {compensation!r}: a positive amount "
            f"({got}); give --amount / amount (compensation paid in money: "
            f"{', '.join(sorted(MONEY_COMPENSATION))})"
        )


def _default_currency(
    connection: Connection, workspace: str, shortlist: Shortlist, campaign_id: str
) -> tuple[str, str]:
    """The deal's currency when none is given: the campaign's, else the stored brief's
    budget currency; refused otherwise (never a silent default)."""
    found = connection.execute(
        select(campaigns.c.currency).where(
            campaigns.c.workspace == workspace, campaigns.c.campaign_id == campaign_id
        )
    ).scalar()
    if found:
        return str(found), "campaign"
    found = connection.execute(
        select(briefs.c.currency).where(
            briefs.c.workspace == workspace, briefs.c.brief_id == shortlist.brief_id
        )
    ).scalar()
    if found:
        return str(found), "brief"
    raise ConfigurationError(
        f"currency is required: neither campaign {campaign_id!r} nor brief "
        f"{shortlist.brief_id!r} records one in workspace {workspace!r}; give --currency / "
        "currency (an ISO 4217 code such as EUR)"
    )


def _deal_record(values: dict[str, Any]) -> DealRecord:
    try:
        return DealRecord.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'deal'}: {e['msg']} (got {e.get('input')!r})"
            for e in exc.errors(include_url=False)
        )
        raise ConfigurationError(f"deal refused: {problems}") from None


_COMPARED = ("campaign_id", "creator_id", "compensation", "amount", "currency", "affiliate_code")


@dataclass(frozen=True)
class _Brand:
    """The brand a shortlist is for: ``brand_id`` None when it is not in the workspace."""

    brand_id: str | None
    label: str


_NO_BRAND = "no brand"


def _shortlist_brand(connection: Connection, workspace: str, shortlist: Shortlist) -> _Brand:
    """The shortlist's brand: its campaign's, its stored brief's, or the brand the brief
    named (by id or name)."""
    if shortlist.campaign_id is not None:
        owner = connection.execute(
            select(campaigns.c.brand_id).where(
                campaigns.c.workspace == workspace,
                campaigns.c.campaign_id == shortlist.campaign_id,
            )
        ).scalar()
        if owner is not None:
            return _brand_by(connection, workspace, str(owner))
    owner = connection.execute(
        select(briefs.c.brand_id).where(
            briefs.c.workspace == workspace, briefs.c.brief_id == shortlist.brief_id
        )
    ).scalar()
    if owner is not None:
        return _brand_by(connection, workspace, str(owner))
    named = shortlist.parameters.get("brand")
    if isinstance(named, str) and named.strip():
        return _brand_by(connection, workspace, named.strip())
    return _Brand(None, _NO_BRAND)


def _brand_by(connection: Connection, workspace: str, ref: str) -> _Brand:
    row = connection.execute(
        select(brands.c.brand_id, brands.c.name).where(
            brands.c.workspace == workspace,
            (brands.c.brand_id == ref) | (func.lower(brands.c.name) == ref.lower()),
        )
    ).first()
    if row is None:
        return _Brand(None, f"brand {ref!r}")
    return _Brand(str(row.brand_id), f"brand {row.brand_id} ({row.name})")


def _span(row: Row[Any]) -> str:
    return f"{row.campaign_id} ({row.name}, {row.starts_on} to {row.ends_on})"


def _foreign_brand(
    connection: Connection, workspace: str, shortlist: Shortlist, brand: _Brand, lead: str
) -> ConfigurationError:
    """The refusal when the shortlist's brand is not a brand of the workspace: no campaign
    of it exists, so no deal is possible from this shortlist."""
    known = ", ".join(
        f"{r.brand_id} ({r.name})"
        for r in connection.execute(
            select(brands.c.brand_id, brands.c.name)
            .where(brands.c.workspace == workspace)
            .order_by(brands.c.brand_id)
        )
    )
    which = (
        f"is for {brand.label}, which is not a brand of workspace {workspace!r}, so no "
        "campaign of it exists there"
        if brand.label != _NO_BRAND
        else "names no brand (it ranks creators without a brief, or was proposed before "
        "shortlists kept their brief's brand)"
    )
    return ConfigurationError(
        f"{lead}: shortlist {shortlist.shortlist_id!r} "
        f"(brief {shortlist.brief_id!r}) {which}; no "
        f"deal is possible from this shortlist; brands there: {known or 'none'}; a deal "
        "must be for a campaign of the shortlist's brand: import the brand and its "
        "campaigns, or propose the shortlist again from a brief whose brand is imported"
    )


def _allowed_campaign(
    connection: Connection,
    workspace: str,
    shortlist: Shortlist,
    campaign_id: str,
    signed_on: date,
) -> None:
    """Refuse ``campaign_id`` unless it is the shortlist's brand's and runs on ``signed_on``;
    the message names the field and the campaigns that are allowed."""
    brand = _shortlist_brand(connection, workspace, shortlist)
    own = (
        list(
            connection.execute(
                select(campaigns)
                .where(campaigns.c.workspace == workspace, campaigns.c.brand_id == brand.brand_id)
                .order_by(campaigns.c.starts_on, campaigns.c.campaign_id)
            )
        )
        if brand.brand_id is not None
        else []
    )
    running = [c for c in own if c.starts_on <= signed_on <= c.ends_on]
    allowed = f"allowed (campaigns of {brand.label} running on {signed_on}): " + (
        ", ".join(_span(c) for c in running) if running else "none"
    )
    if own and not running:
        allowed += (
            f"; the brand's campaigns: {', '.join(_span(c) for c in own)} "
            "(give the signing date with signed_on / --signed-on)"
        )
    chosen = connection.execute(
        select(campaigns).where(
            campaigns.c.workspace == workspace, campaigns.c.campaign_id == campaign_id
        )
    ).first()
    if chosen is None:
        raise NotFoundError(
            f"campaign {campaign_id!r} not found in workspace {workspace!r}; {allowed}"
        )
    if brand.brand_id is None:
        raise _foreign_brand(
            connection, workspace, shortlist, brand, f"campaign_id {campaign_id!r} not allowed"
        )
    if chosen.brand_id != brand.brand_id:
        raise ConfigurationError(
            f"campaign_id {campaign_id!r} not allowed: it is a campaign of brand "
            f"{chosen.brand_id}, and shortlist {shortlist.shortlist_id!r} is for {brand.label}; "
            f"{allowed}"
        )
    if not chosen.starts_on <= signed_on <= chosen.ends_on:
        raise ConfigurationError(
            f"campaign_id {campaign_id!r} not allowed: it runs {chosen.starts_on} to "
            f"{chosen.ends_on}, which does not include the signing date {signed_on} "
            f"(signed_on); {allowed}"
        )


def create_deal(
    shortlist_id: str,
    creator_id: str,
    *,
    deal_id: str,
    compensation: str,
    amount: float | None = None,
    currency: str | None = None,
    campaign_id: str | None = None,
    affiliate_code: str | None = None,
    signed_on: date | None = None,
    jurisdictions: Sequence[str] | None = None,
    created_by: str,
    workspace: str = "default",
    settings: Settings | None = None,
) -> Deal:
    """Create a deal for a creator a named person approved on the shortlist.

    Raises :class:`ApprovalRequired` unless the creator's latest decision on the
    shortlist is ``approved``. The campaign is the shortlist's, or
    ``campaign_id`` when the shortlist has none; either way it must be a
    campaign of the shortlist's brand whose dates include ``signed_on`` (today,
    UTC, by default), or :class:`~trustreach.core.ConfigurationError` names the
    campaigns that are allowed (and says up front when the shortlist's brand is
    not in the workspace, so no deal is possible). A ``fee`` needs a positive
    ``amount``. ``currency`` must be a code of the shipped exchange-rate
    snapshot (:func:`known_currencies`); when not given it is the campaign's,
    else the stored brief's, else refused (``Deal.currency_from`` says which).
    Retrying with the same ``deal_id`` and the same values changes nothing;
    different values are refused. Audit-logged; the deal is stored as a
    material connection, and the disclosure obligations of ``jurisdictions``
    (default: the campaign's, see :mod:`trustreach.services._compliance`) are
    recorded with it for the creator to accept.
    """
    created_by = _person(created_by, "created_by")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    signed = signed_on or datetime.now(UTC).date()
    _check_amount(compensation, amount)
    if currency is not None:
        currency = _check_currency(currency)
    with store(settings, create=False) as engine:
        with audited_transaction(settings, engine) as connection:
            shortlist = load_shortlist(connection, workspace, shortlist_id)
            campaign = shortlist.campaign_id or campaign_id
            if campaign is None:
                brand = _shortlist_brand(connection, workspace, shortlist)
                if brand.brand_id is None:
                    raise _foreign_brand(
                        connection, workspace, shortlist, brand, f"no deal for {creator_id!r}"
                    )
                raise ConfigurationError(
                    f"campaign_id is required: shortlist {shortlist_id!r} is not for a campaign; "
                    f"give --campaign (a campaign of {brand.label} running on the signing date)"
                )
            if shortlist.campaign_id and campaign_id and campaign_id != shortlist.campaign_id:
                raise ConfigurationError(
                    f"campaign_id {campaign_id!r} not allowed: shortlist {shortlist_id!r} is for "
                    f"campaign {shortlist.campaign_id!r}"
                )
            status = shortlist.status_of(creator_id)
            if status != "approved":
                raise ApprovalRequired(
                    f"no deal for creator {creator_id!r}: their status on shortlist "
                    f"{shortlist_id!r} is {status}; a named person must approve them first "
                    f"(`trustreach shortlist approve {shortlist_id} {creator_id} --by NAME "
                    "--reason TEXT`)"
                )
            currency_from = "given"
            if currency is None:
                currency, currency_from = _default_currency(
                    connection, workspace, shortlist, campaign
                )
            record = _deal_record(
                {
                    "deal_id": deal_id,
                    "campaign_id": campaign,
                    "creator_id": creator_id,
                    "compensation": compensation,
                    "amount": amount,
                    "currency": currency,
                    "affiliate_code": affiliate_code,
                    "signed_on": signed,
                }
            )
            wanted = {k: getattr(record, k) for k in _COMPARED}
            wanted["compensation"] = record.compensation.value
            stored = connection.execute(
                select(deals).where(deals.c.workspace == workspace, deals.c.deal_id == deal_id)
            ).first()
            if stored is not None:
                differ = [
                    f"{k} (stored {getattr(stored, k)!r}, given {wanted[k]!r})"
                    for k in _COMPARED
                    if getattr(stored, k) != wanted[k]
                ]
                if differ:
                    raise ConfigurationError(
                        f"deal {deal_id!r} already exists with different values: "
                        f"{'; '.join(differ)}; use a new deal_id or the same values"
                    )
                kept = read_deal_obligations(connection, workspace, deal_id)
                if (
                    jurisdictions is not None
                    and kept.status != "none recorded"
                    and set(parse_jurisdictions(jurisdictions)) != set(kept.jurisdictions)
                ):
                    raise ConfigurationError(
                        f"deal {deal_id!r} already exists with disclosure obligations for "
                        f"{', '.join(kept.jurisdictions)}, not {', '.join(jurisdictions)} "
                        "(jurisdictions); use a new deal_id or the same values"
                    )
                return Deal(
                    deal_id,
                    workspace,
                    shortlist_id,
                    **wanted,
                    created=False,
                    audit_seq=None,
                    signed_on=stored.signed_on,
                    currency_from=currency_from,
                    jurisdictions=kept.jurisdictions,
                    obligations=tuple(o.rule_id for o in kept.obligations),
                    obligations_status=kept.status,
                )
            _allowed_campaign(connection, workspace, shortlist, campaign, signed)
            connection.execute(
                insert(deals).values(
                    workspace=workspace,
                    deal_id=deal_id,
                    signed_on=signed,
                    material_connection=True,
                    **wanted,
                )
            )
            where, duties, version = record_obligations(
                connection,
                workspace=workspace,
                deal_id=deal_id,
                creator_id=creator_id,
                campaign_id=campaign,
                jurisdictions=jurisdictions,
                recorded_by=created_by,
            )
            approval = [d for d in shortlist.decisions if d.creator_id == creator_id][-1]
            entry = record_audit(
                settings,
                connection,
                actor=created_by,
                action="deal_created",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                details={
                    "deal_id": deal_id,
                    "shortlist_id": shortlist_id,
                    "approved_by": approval.decided_by,
                    "approval_audit_seq": approval.audit_seq,
                    "signed_on": signed.isoformat(),
                    **wanted,
                    "obligations": {
                        "jurisdictions": list(where.codes),
                        "derived_from": where.derived_from,
                        "rules_version": version,
                        "rule_ids": [o.rule_id for o in duties],
                    },
                },
            )
        confirm_anchor(settings, entry.head)
        return Deal(
            deal_id,
            workspace,
            shortlist_id,
            **wanted,
            created=True,
            audit_seq=entry.seq,
            signed_on=signed,
            currency_from=currency_from,
            jurisdictions=where.codes,
            obligations=tuple(o.rule_id for o in duties),
            obligations_status="awaiting acceptance" if duties else "none recorded",
        )


__all__ = ["MONEY_COMPENSATION", "Deal", "create_deal", "known_currencies"]
