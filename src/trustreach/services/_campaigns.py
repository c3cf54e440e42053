"""Campaign KPIs from the store: attribution, figures with formulas, and the report.

:func:`campaign_kpis` reads one campaign of a workspace (its deals, its posts and
their metric snapshots, the creators' organic posts in the campaign window, its
tracking events and tracked links), attributes its orders
(:func:`trustreach.campaigns.attribute_orders`) and computes the KPIs
(:func:`trustreach.campaigns.campaign_kpis`). Amounts in another currency than
the campaign's are converted with the shipped reference exchange rates
(:func:`trustreach.discovery.reference_fx_rates`), or reported null with the
reason. Another workspace's campaign is "not found", like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from trustreach.campaigns import (
    BREAKDOWNS,
    DEFAULT_WINDOW_DAYS,
    EMV_CURRENCY,
    CampaignFacts,
    DealCode,
    DealFacts,
    KpiReport,
    OrderTotals,
    PostFacts,
    Snapshot,
    TrackedLink,
    attribute_orders,
    resolve_clicks,
)
from trustreach.campaigns import campaign_kpis as compute_kpis
from trustreach.campaigns._kpis import EXACT_RESAMPLE_LIMIT
from trustreach.core import ConfigurationError, NotFoundError, Settings, closest_id, get_settings
from trustreach.services._context import (
    check_workspace,
    display_names,
    kept_engine,
    require_workspace,
    store,
)
from trustreach.services._live import read_aggregates, read_events
from trustreach.services._live import version as live_version
from trustreach.store._tables import (
    campaigns,
    creator_accounts,
    deals,
    post_metrics,
    posts,
    tracked_links,
)


@dataclass(frozen=True)
class CampaignInfo:
    """One campaign of a workspace, as listed."""

    campaign_id: str
    name: str
    brand_id: str
    goal: str
    starts_on: date
    ends_on: date
    budget: float | None
    currency: str


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def list_campaigns(
    *, workspace: str = "default", settings: Settings | None = None
) -> list[CampaignInfo]:
    """The workspace's campaigns, latest start first."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as c:
        require_workspace(c, workspace, settings)
        rows = c.execute(
            select(campaigns)
            .where(campaigns.c.workspace == workspace)
            .order_by(campaigns.c.starts_on.desc(), campaigns.c.campaign_id)
        ).mappings()
        return [_info(r) for r in rows]


def _info(r: Any) -> CampaignInfo:
    return CampaignInfo(
        r["campaign_id"],
        r["name"],
        r["brand_id"],
        r["goal"],
        r["starts_on"],
        r["ends_on"],
        r["budget"],
        r["currency"],
    )


def _campaign(c: Connection, workspace: str, campaign_id: str) -> CampaignInfo:
    if "\x00" in campaign_id:  # no id holds one (and PostgreSQL refuses it in a query)
        raise NotFoundError(f"campaign {campaign_id!r} not found in workspace {workspace!r}")
    row = (
        c.execute(
            select(campaigns).where(
                campaigns.c.workspace == workspace, campaigns.c.campaign_id == campaign_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        known = list(
            c.execute(
                select(campaigns.c.campaign_id).where(campaigns.c.workspace == workspace)
            ).scalars()
        )
        near = closest_id(campaign_id, known)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise NotFoundError(f"campaign {campaign_id!r} not found in workspace {workspace!r}{hint}")
    return _info(row)


def _posts(c: Connection, workspace: str, info: CampaignInfo, creators: set[str]) -> list[Any]:
    """The campaign's posts, and the organic posts of its creators in its window."""
    start = datetime.combine(info.starts_on, datetime.min.time(), UTC)
    end = datetime.combine(info.ends_on, datetime.max.time(), UTC)
    organic = and_(
        creator_accounts.c.creator_id.in_(sorted(creators)),
        posts.c.campaign_id.is_(None),
        posts.c.paid_partnership.is_(False),
        posts.c.posted_at >= start,
        posts.c.posted_at <= end,
    )
    return list(
        c.execute(
            select(
                posts.c.post_id,
                posts.c.posted_at,
                posts.c.likes,
                posts.c.comments,
                posts.c.views,
                posts.c.shares,
                posts.c.saves,
                posts.c.campaign_id,
                creator_accounts.c.creator_id,
                creator_accounts.c.followers_count,
            )
            .join(
                creator_accounts,
                and_(
                    creator_accounts.c.workspace == posts.c.workspace,
                    creator_accounts.c.account_id == posts.c.account_id,
                ),
            )
            .where(
                posts.c.workspace == workspace,
                or_(posts.c.campaign_id == info.campaign_id, organic),
            )
            .order_by(posts.c.post_id)
        )
    )


def _snapshots(c: Connection, workspace: str, post_ids: list[str]) -> dict[str, list[Snapshot]]:
    out: dict[str, list[Snapshot]] = {}
    if not post_ids:
        return out
    for r in c.execute(
        select(post_metrics).where(
            post_metrics.c.workspace == workspace, post_metrics.c.post_id.in_(post_ids)
        )
    ).mappings():
        out.setdefault(r["post_id"], []).append(
            Snapshot(
                _utc(r["observed_at"]),
                r["source"],
                r["views"],
                r["reach"],
                r["impressions"],
                r["likes"],
                r["comments"],
                r["shares"],
                r["saves"],
                r["link_clicks"],
            )
        )
    return out


def _fx(campaign_currency: str, currencies: set[str]) -> tuple[dict[str, float], str]:
    """Factors into the campaign currency for ``currencies``, from the shipped reference table."""
    others = sorted(c for c in currencies if c and c != campaign_currency)
    if not others:
        return {}, ""
    from trustreach.discovery import reference_fx_rates

    table = reference_fx_rates()
    factors: dict[str, float] = {}
    described = []
    for code in others:
        found = table.conversion(code, campaign_currency)
        if found is not None:
            factors[code] = found.factor
            described.append(found.describe())
    return factors, "; ".join(described) or "no exchange rate known for " + ", ".join(others)


def read_campaign_kpis(
    c: Connection,
    workspace: str,
    campaign_id: str,
    *,
    by: str | None = None,
    emv: bool = False,
    window_days: float = DEFAULT_WINDOW_DAYS,
    aggregates: bool = True,
) -> KpiReport:
    """:func:`campaign_kpis` on an open connection (for the API's and the page's reads).

    Orders and clicks come from the incremental aggregates (:mod:`._live`) for the
    default window; ``aggregates=False`` (or another window) reads every event instead.
    """
    if by is not None and by not in BREAKDOWNS:
        raise ConfigurationError(f"by {by!r} not allowed; allowed: {', '.join(BREAKDOWNS)}")
    info = _campaign(c, workspace, campaign_id)
    deal_rows = list(
        c.execute(
            select(deals).where(deals.c.workspace == workspace, deals.c.campaign_id == campaign_id)
        ).mappings()
    )
    link_rows = list(
        c.execute(
            select(tracked_links).where(
                tracked_links.c.workspace == workspace, tracked_links.c.campaign_id == campaign_id
            )
        ).mappings()
    )
    creators = {str(d["creator_id"]) for d in deal_rows} | {str(r["creator_id"]) for r in link_rows}
    creators |= set(  # a creator with a campaign post but no deal or link yet
        c.execute(
            select(creator_accounts.c.creator_id)
            .join(
                posts,
                and_(
                    posts.c.workspace == creator_accounts.c.workspace,
                    posts.c.account_id == creator_accounts.c.account_id,
                ),
            )
            .where(posts.c.workspace == workspace, posts.c.campaign_id == campaign_id)
            .distinct()
        ).scalars()
    )
    post_rows = _posts(c, workspace, info, creators)
    snaps = _snapshots(c, workspace, [r.post_id for r in post_rows if r.campaign_id == campaign_id])
    facts = [
        PostFacts(
            r.post_id,
            r.creator_id,
            _utc(r.posted_at),
            r.followers_count,
            r.likes,
            r.comments,
            r.views,
            r.shares,
            r.saves,
            in_campaign=r.campaign_id == campaign_id,
            snapshots=tuple(snaps.get(r.post_id, ())),
        )
        for r in post_rows
    ]
    links = [TrackedLink(r["link_id"], r["creator_id"], r["post_id"]) for r in link_rows]
    codes = [
        DealCode(d["creator_id"], d["affiliate_code"]) for d in deal_rows if d["affiliate_code"]
    ]
    totals: list[OrderTotals] | None = None
    if aggregates and window_days == DEFAULT_WINDOW_DAYS:  # kept as events arrive: _live.py
        orders, clicks, totals = read_aggregates(
            c, workspace, campaign_id, codes, links, details=False,
            summed_above=EXACT_RESAMPLE_LIMIT if by is None else None,  # a big campaign's row
        )  # fmt: skip
    else:
        events = read_events(c, workspace, campaign_id)
        orders = attribute_orders(events, codes, links, window_days=window_days)
        clicks = resolve_clicks(events, links)
    currencies = {str(d["currency"]) for d in deal_rows} | {
        str(o.currency) for o in (*orders, *(totals or ())) if o.currency
    }
    if emv:
        currencies.add(EMV_CURRENCY)
    fx, fx_note = _fx(info.currency, currencies)
    names = display_names(
        c,
        workspace,
        {p.creator_id for p in facts} | creators | {o.creator_id for o in orders if o.creator_id},
    )
    return compute_kpis(
        CampaignFacts(
            info.campaign_id, info.name, info.currency, info.budget, info.starts_on, info.ends_on
        ),
        [DealFacts(d["deal_id"], d["creator_id"], d["amount"], d["currency"]) for d in deal_rows],
        facts,
        orders,
        clicks,
        by=by,
        emv=emv,
        fx=fx,
        fx_note=fx_note,
        names=names,
        totals=totals or (),
    )


def campaign_kpis(
    campaign_id: str,
    *,
    by: str | None = None,
    emv: bool = False,
    window_days: float = DEFAULT_WINDOW_DAYS,
    workspace: str = "default",
    settings: Settings | None = None,
) -> KpiReport:
    """The KPIs of a campaign of ``workspace``, with one row per creator, post or day by ``by``.

    Orders are attributed by a deal's promo code, else the last click on a tracked
    link within ``window_days`` (default 30). EMV is computed only with ``emv``
    and is labelled "not revenue". :class:`~trustreach.core.NotFoundError` for a
    campaign the workspace does not hold; :class:`~trustreach.core.ConfigurationError`
    for a ``by`` other than ``creator``, ``post`` or ``day``.
    """
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    if not window_days > 0:
        raise ConfigurationError(
            f"window_days {window_days!r} not allowed; allowed: a positive number of days"
        )
    with kept_engine(settings).connect() as c:  # pooled: a KPI read is frequent and short
        require_workspace(c, workspace, settings)
        return read_campaign_kpis(
            c, workspace, campaign_id, by=by, emv=emv, window_days=window_days
        )


def campaign_version(
    campaign_id: str,
    *,
    workspace: str = "default",
    check: bool = True,
    settings: Settings | None = None,
) -> int | None:
    """A number that changes whenever the campaign's event figures change (None before its
    first KPI read builds them): cheap to poll, for the live campaign page.

    With ``check`` a campaign the workspace does not hold is
    :class:`~trustreach.core.NotFoundError`; without it, one primary-key read.
    """
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with kept_engine(settings).connect() as c:
        if check:
            require_workspace(c, workspace, settings)
            _campaign(c, workspace, campaign_id)
        return live_version(c, workspace, campaign_id)


def campaign_report_html(
    campaign_id: str,
    *,
    emv: bool = False,
    workspace: str = "default",
    settings: Settings | None = None,
) -> str:
    """The campaign's KPI report as one self-contained HTML page (per creator and per day).

    Print it with :func:`~trustreach.services.html_to_pdf` for the PDF.
    """
    from trustreach.campaigns import render_kpis_html

    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as c:
        require_workspace(c, workspace, settings)
        by_creator = read_campaign_kpis(c, workspace, campaign_id, by="creator", emv=emv)
        by_day = read_campaign_kpis(c, workspace, campaign_id, by="day", emv=emv)
    return render_kpis_html(by_creator, by_day, generated_at=datetime.now(UTC))


__all__ = [
    "CampaignInfo",
    "campaign_kpis",
    "campaign_report_html",
    "campaign_version",
    "list_campaigns",
    "read_campaign_kpis",
]
