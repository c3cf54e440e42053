"""Disclosure obligations at the deal gate: recorded with the deal, accepted by the creator.

When a deal is made (:func:`~trustreach.services.create_deal`) the disclosure
obligations of the campaign's jurisdictions are recorded with it, worded as the
rules engine (:mod:`trustreach.ethics.disclosure`) words them, with their rule ids,
sources and the rules' version. The creator accepts them from their own login
(:func:`accept_obligations`, audited with their name and the time) and sees them
(:func:`creator_deals`); the brand sees whether they are accepted
(:func:`deal_obligations`). A deal imported from a file rather than made through the
gate has none until a person records them (:func:`record_deal_obligations`).

The jurisdictions come from an explicit choice, else from the campaign: the brand's
country and the audience countries of the campaign's briefs, each mapped by
:func:`country_jurisdiction` (US: ``us``; GB: ``uk``; an EU or EEA country: ``eu``).
When none of them maps, every jurisdiction applies (the strictest reading), and the
record says so (``derived_from``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from trustreach.core import (
    Actor,
    ConfigurationError,
    NotFoundError,
    PermissionDenied,
    Role,
    Settings,
    get_settings,
    require_role,
)
from trustreach.ethics.disclosure import (
    JURISDICTIONS,
    obligations,
    parse_jurisdictions,
    rules,
)
from trustreach.ethics.disclosure import rules_version as current_rules_version
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._context import (
    check_workspace,
    require_creator,
    require_workspace,
    store,
)
from trustreach.store._tables import brands, briefs, campaigns, deal_obligations, deals
from trustreach.store._times import as_utc

EU_EEA = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
})  # fmt: skip
"""Countries where the EU consumer rules apply (the 27 members and the EEA's three)."""

STATES = ("accepted", "awaiting acceptance", "none recorded")
"""A deal's obligations: accepted by the creator, recorded and waiting, or none recorded."""


def country_jurisdiction(country: str | None) -> str | None:
    """The jurisdiction of an ISO 3166 country code, or None when trustreach has no rules for it.

    >>> [country_jurisdiction(c) for c in ("US", "gb", "UK", "FR", "NO", "CA", None)]
    ['us', 'uk', 'uk', 'eu', 'eu', None, None]
    """
    code = (country or "").strip().upper()
    if code == "US":
        return "us"
    if code in ("GB", "UK"):
        return "uk"
    if code in EU_EEA:
        return "eu"
    return None


@dataclass(frozen=True)
class Jurisdictions:
    """The jurisdictions that apply and, in words, where they came from."""

    codes: tuple[str, ...]
    derived_from: str


def campaign_jurisdictions(
    c: Connection, workspace: str, campaign_id: str, given: Sequence[str] | None = None
) -> Jurisdictions:
    """``given`` (validated), else the campaign brand's country and its briefs' audience
    countries mapped to jurisdictions; every jurisdiction when none maps."""
    if given is not None:
        codes = parse_jurisdictions(given)
        return Jurisdictions(codes, "given: " + ", ".join(codes))
    row = c.execute(
        select(brands.c.brand_id, brands.c.country)
        .join(
            campaigns,
            (campaigns.c.workspace == brands.c.workspace)
            & (campaigns.c.brand_id == brands.c.brand_id),
        )
        .where(campaigns.c.workspace == workspace, campaigns.c.campaign_id == campaign_id)
    ).first()
    if row is None:
        raise NotFoundError(f"campaign {campaign_id!r} not found in workspace {workspace!r}")
    countries: list[str] = []
    if row.country:
        countries.append(str(row.country).upper())
    for audience in c.execute(
        select(briefs.c.audience_countries).where(
            briefs.c.workspace == workspace, briefs.c.campaign_id == campaign_id
        )
    ).scalars():
        countries += [str(x).upper() for x in (audience or [])]
    found = {j for j in map(country_jurisdiction, countries) if j is not None}
    seen = ", ".join(dict.fromkeys(countries)) or "none recorded"
    if not found:
        return Jurisdictions(
            JURISDICTIONS,
            f"no country of the brand or the campaign's briefs ({seen}) has rules here: "
            "every jurisdiction applies",
        )
    codes = tuple(j for j in JURISDICTIONS if j in found)
    return Jurisdictions(codes, f"the brand's and the campaign's audience countries: {seen}")


@dataclass(frozen=True)
class ObligationLine:
    """One obligation as recorded with a deal."""

    rule_id: str
    jurisdiction: str
    text: str
    source: str


@dataclass(frozen=True)
class DealObligations:
    """A deal's disclosure obligations and whether the creator accepted them."""

    deal_id: str
    campaign_id: str
    campaign_name: str
    brand: str
    creator_id: str
    compensation: str
    signed_on: date | None
    status: str
    """One of :data:`STATES`."""
    jurisdictions: tuple[str, ...] = ()
    derived_from: str | None = None
    rules_version: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    obligations: list[ObligationLine] = field(default_factory=list)
    changed: bool = False
    """True when the call that returned this changed the store."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates and times in ISO 8601)."""
        out: dict[str, Any] = {}
        for name, value in vars(self).items():
            if name == "obligations":
                out[name] = [vars(o) for o in value]
            elif isinstance(value, date | datetime):
                out[name] = value.isoformat()
            elif isinstance(value, tuple):
                out[name] = list(value)
            else:
                out[name] = value
        return out


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return as_utc(moment)


def record_obligations(
    c: Connection,
    *,
    workspace: str,
    deal_id: str,
    creator_id: str,
    campaign_id: str,
    jurisdictions: Sequence[str] | None,
    recorded_by: str,
) -> tuple[Jurisdictions, list[ObligationLine], str]:
    """Write the deal's obligations on an open (audited) transaction; the caller audits.

    Returns the jurisdictions, the obligations written and the rules' version.
    """
    where = campaign_jurisdictions(c, workspace, campaign_id, jurisdictions)
    version = current_rules_version()
    lines = [
        ObligationLine(o.rule_id, o.jurisdiction, o.text, o.source)
        for o in obligations(where.codes)
    ]
    now = datetime.now(UTC)
    c.execute(
        insert(deal_obligations),
        [
            {
                "workspace": workspace,
                "deal_id": deal_id,
                "jurisdiction": o.jurisdiction,
                "rule_id": o.rule_id,
                "creator_id": creator_id,
                "campaign_id": campaign_id,
                "text": o.text,
                "source": o.source,
                "rules_version": version,
                "derived_from": where.derived_from[:300],
                "recorded_by": recorded_by,
                "recorded_at": now,
            }
            for o in lines
        ],
    )
    return where, lines, version


def _deal_row(c: Connection, workspace: str, deal_id: str) -> Any:
    row = c.execute(
        select(
            deals.c.deal_id,
            deals.c.campaign_id,
            deals.c.creator_id,
            deals.c.compensation,
            deals.c.signed_on,
            campaigns.c.name.label("campaign_name"),
            brands.c.name.label("brand_name"),
        )
        .join(
            campaigns,
            (campaigns.c.workspace == deals.c.workspace)
            & (campaigns.c.campaign_id == deals.c.campaign_id),
        )
        .join(
            brands,
            (brands.c.workspace == campaigns.c.workspace)
            & (brands.c.brand_id == campaigns.c.brand_id),
        )
        .where(deals.c.workspace == workspace, deals.c.deal_id == deal_id)
    ).first()
    if row is None:
        raise NotFoundError(f"deal {deal_id!r} not found in workspace {workspace!r}")
    return row


def read_deal_obligations(c: Connection, workspace: str, deal_id: str) -> DealObligations:
    """The deal and its obligations as stored (not found: :class:`NotFoundError`)."""
    d = _deal_row(c, workspace, deal_id)
    rows = list(
        c.execute(
            select(deal_obligations)
            .where(
                deal_obligations.c.workspace == workspace,
                deal_obligations.c.deal_id == deal_id,
            )
            .order_by(deal_obligations.c.jurisdiction, deal_obligations.c.rule_id)
        )
    )
    base: dict[str, Any] = {
        "deal_id": d.deal_id,
        "campaign_id": d.campaign_id,
        "campaign_name": d.campaign_name,
        "brand": d.brand_name,
        "creator_id": d.creator_id,
        "compensation": d.compensation,
        "signed_on": d.signed_on,
    }
    if not rows:
        return DealObligations(**base, status="none recorded")
    order = {j: i for i, j in enumerate(JURISDICTIONS)}
    listed = {r.rule_id: i for i, r in enumerate(rules())}  # the rules' own order
    rows.sort(
        key=lambda r: (
            order.get(r.jurisdiction, 9),
            listed.get(r.rule_id, len(listed)),
            _rule_number(r.rule_id),
            r.rule_id,
        )
    )
    first = rows[0]
    accepted = all(r.accepted_at is not None for r in rows)
    return DealObligations(
        **base,
        status="accepted" if accepted else "awaiting acceptance",
        jurisdictions=tuple(dict.fromkeys(r.jurisdiction for r in rows)),
        derived_from=first.derived_from,
        rules_version=first.rules_version,
        recorded_by=first.recorded_by,
        recorded_at=_utc(first.recorded_at),
        accepted_by=first.accepted_by if accepted else None,
        accepted_at=_utc(first.accepted_at) if accepted else None,
        obligations=[ObligationLine(r.rule_id, r.jurisdiction, r.text, r.source) for r in rows],
    )


def _rule_number(rule_id: str) -> int:
    """``D10-US`` -> 10 (so D2 sorts before D10); rules without a number last."""
    digits = "".join(ch for ch in rule_id.split("-")[0] if ch.isdigit())
    return int(digits) if digits else 999


def _readable_by(actor: Actor, creator_id: str) -> None:
    """Readers see every deal; a creator's login only their own (another's: not found)."""
    require_role(actor, Role.analyst, Role.approver, Role.auditor, Role.creator)
    if actor.role is Role.creator and actor.creator_id != creator_id:
        raise NotFoundError("deal not found")


def deal_obligations_of(
    deal_id: str, *, actor: Actor, settings: Settings | None = None
) -> DealObligations:
    """A deal's obligations and their standing (readers; a creator's login: their own deal)."""
    settings = settings or get_settings()
    workspace = check_workspace(actor.workspace)
    with store(settings) as engine, engine.connect() as c:
        require_workspace(c, workspace, settings)
        try:
            found = read_deal_obligations(c, workspace, deal_id)
        except NotFoundError:
            raise NotFoundError(f"deal {deal_id!r} not found in workspace {workspace!r}") from None
    try:
        _readable_by(actor, found.creator_id)
    except NotFoundError:
        raise NotFoundError(f"deal {deal_id!r} not found in workspace {workspace!r}") from None
    return found


def creator_deals(
    creator_id: str, *, actor: Actor, settings: Settings | None = None
) -> list[DealObligations]:
    """The creator's deals, newest signed first, each with its obligations and standing.

    Readers may list any creator's; a creator's login only their own (another's: not found).
    """
    _readable_by(actor, creator_id)
    settings = settings or get_settings()
    workspace = check_workspace(actor.workspace)
    with store(settings) as engine, engine.connect() as c:
        require_workspace(c, workspace, settings)
        require_creator(c, workspace, creator_id)
        ids = list(
            c.execute(
                select(deals.c.deal_id)
                .where(deals.c.workspace == workspace, deals.c.creator_id == creator_id)
                .order_by(deals.c.signed_on.desc(), deals.c.deal_id)
            ).scalars()
        )
        return [read_deal_obligations(c, workspace, d) for d in ids]


def campaign_deals(c: Connection, workspace: str, campaign_id: str) -> list[DealObligations]:
    """Every deal of the campaign with its obligations (on an open connection)."""
    ids = c.execute(
        select(deals.c.deal_id)
        .where(deals.c.workspace == workspace, deals.c.campaign_id == campaign_id)
        .order_by(deals.c.creator_id, deals.c.deal_id)
    ).scalars()
    return [read_deal_obligations(c, workspace, d) for d in list(ids)]


def record_deal_obligations(
    deal_id: str,
    *,
    actor: Actor,
    jurisdictions: Sequence[str] | None = None,
    settings: Settings | None = None,
) -> DealObligations:
    """Record the obligations of a deal that has none (one imported from a file).

    Approver, admin. A deal that already has obligations is left as it is when the
    jurisdictions asked for are the same (or none is given: ``changed`` False), and
    refused when they differ (recorded obligations are a record of what the creator
    was asked to accept: they are not rewritten). Audit-logged.
    """
    require_role(actor, Role.approver)
    settings = settings or get_settings()
    workspace = check_workspace(actor.workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as c:
            require_workspace(c, workspace, settings)
            current = read_deal_obligations(c, workspace, deal_id)
            if current.status != "none recorded":
                wanted = None if jurisdictions is None else parse_jurisdictions(jurisdictions)
                if wanted is None or set(wanted) == set(current.jurisdictions):
                    return current
                raise ConfigurationError(
                    f"jurisdictions {', '.join(wanted)} not allowed: deal {deal_id!r} already "
                    f"records its obligations for {', '.join(current.jurisdictions)} "
                    f"({current.status}); recorded obligations are not rewritten"
                )
            where, lines, version = record_obligations(
                c,
                workspace=workspace,
                deal_id=deal_id,
                creator_id=current.creator_id,
                campaign_id=current.campaign_id,
                jurisdictions=jurisdictions,
                recorded_by=actor.audit_name,
            )
            entry = record_audit(
                settings,
                c,
                actor=actor.audit_name,
                action="deal_obligations_recorded",
                workspace=workspace,
                subject=f"creator:{current.creator_id}",
                details={
                    "deal_id": deal_id,
                    "campaign_id": current.campaign_id,
                    "jurisdictions": list(where.codes),
                    "derived_from": where.derived_from,
                    "rules_version": version,
                    "rule_ids": [o.rule_id for o in lines],
                },
            )
            done = read_deal_obligations(c, workspace, deal_id)
        confirm_anchor(settings, entry.head)
    return _changed(done)


def _changed(d: DealObligations) -> DealObligations:
    return DealObligations(**{**vars(d), "changed": True})


def accept_obligations(
    deal_id: str,
    *,
    actor: Actor,
    rules_version: str | None = None,
    settings: Settings | None = None,
) -> DealObligations:
    """The creator accepts their deal's disclosure obligations (a creator's login only).

    Only the deal's own creator accepts (another creator's deal is not found; other
    roles are refused: nobody accepts on a creator's behalf). ``rules_version``, when
    given, must be the version of the obligations the creator was shown, so that
    nobody accepts wording they did not see. Accepting again changes nothing
    (``changed`` False). Audit-logged with the creator login's name and the time.
    """
    if actor.role is not Role.creator:
        raise PermissionDenied(
            f"role {actor.role.value!r} may not do this; allowed: creator (a deal's "
            "obligations are accepted by its creator's own login)"
        )
    settings = settings or get_settings()
    workspace = check_workspace(actor.workspace)
    missing = NotFoundError(f"deal {deal_id!r} not found in workspace {workspace!r}")
    with store(settings) as engine:
        with audited_transaction(settings, engine) as c:
            require_workspace(c, workspace, settings)
            try:
                current = read_deal_obligations(c, workspace, deal_id)
            except NotFoundError:
                raise missing from None
            if current.creator_id != actor.creator_id:
                raise missing
            if current.status == "none recorded":
                raise ConfigurationError(
                    f"deal {deal_id!r} has no disclosure obligations recorded yet, so there "
                    "is nothing to accept; the brand records them (`trustreach deal "
                    "obligations DEAL --record`)"
                )
            if rules_version is not None and rules_version != current.rules_version:
                raise ConfigurationError(
                    f"rules_version {rules_version!r} not allowed: the deal's obligations are "
                    f"worded by rules version {current.rules_version!r}; reload them and accept "
                    "the wording shown"
                )
            if current.status == "accepted":
                return current
            now = datetime.now(UTC)
            c.execute(
                update(deal_obligations)
                .where(
                    deal_obligations.c.workspace == workspace,
                    deal_obligations.c.deal_id == deal_id,
                )
                .values(accepted_by=actor.audit_name, accepted_at=now)
            )
            entry = record_audit(
                settings,
                c,
                actor=actor.audit_name,
                action="deal_obligations_accepted",
                workspace=workspace,
                subject=f"creator:{current.creator_id}",
                details={
                    "deal_id": deal_id,
                    "campaign_id": current.campaign_id,
                    "jurisdictions": list(current.jurisdictions),
                    "rules_version": current.rules_version,
                    "rule_ids": [o.rule_id for o in current.obligations],
                    "accepted_at": now.isoformat(),
                },
            )
            done = read_deal_obligations(c, workspace, deal_id)
        confirm_anchor(settings, entry.head)
    return _changed(done)


__all__ = [
    "EU_EEA",
    "STATES",
    "DealObligations",
    "Jurisdictions",
    "ObligationLine",
    "accept_obligations",
    "campaign_deals",
    "campaign_jurisdictions",
    "country_jurisdiction",
    "creator_deals",
    "deal_obligations_of",
    "read_deal_obligations",
    "record_deal_obligations",
    "record_obligations",
]
