"""Pacing and forecast of a campaign from the store, and the targets a person sets.

:func:`campaign_forecast` reads one campaign (its posts' reach snapshots, its
attributed orders, its deals) and projects reach, conversions and spend to its
end with 80% intervals (:func:`trustreach.campaigns.forecast_campaign`; the model
is in docs/campaigns.md). Campaigns carry a goal kind and a budget, not a numeric
goal: :func:`set_campaign_target` records a reach or conversions target (audited).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, insert, select

from trustreach.campaigns import DealCode, TrackedLink, attribute_orders
from trustreach.campaigns._forecast import Forecast, PostSeries, forecast_campaign
from trustreach.core import ConfigurationError, Settings, get_settings
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._campaigns import _campaign, _fx, _utc
from trustreach.services._context import check_workspace, kept_engine, require_workspace, store
from trustreach.services._live import read_events
from trustreach.store._tables import (
    campaign_targets,
    creator_accounts,
    deals,
    post_metrics,
    posts,
    tracked_links,
)

TARGET_METRICS = ("reach", "conversions")


def read_targets(c: Connection, workspace: str, campaign_id: str) -> dict[str, float]:
    """The campaign's targets by metric (none set: empty)."""
    t = campaign_targets.c
    return {
        str(r.metric): float(r.target)
        for r in c.execute(
            select(t.metric, t.target).where(t.workspace == workspace, t.campaign_id == campaign_id)
        )
    }


def read_forecast(
    c: Connection, workspace: str, campaign_id: str, *, as_of: datetime | None = None
) -> tuple[Forecast, float | None]:
    """The forecast on an open connection, and the contracted spend (None: not convertible)."""
    info = _campaign(c, workspace, campaign_id)
    as_of = _utc(as_of) if as_of is not None else datetime.now(UTC)
    post_rows = list(
        c.execute(
            select(posts.c.post_id, posts.c.posted_at, creator_accounts.c.creator_id)
            .join(
                creator_accounts,
                and_(
                    creator_accounts.c.workspace == posts.c.workspace,
                    creator_accounts.c.account_id == posts.c.account_id,
                ),
            )
            .where(posts.c.workspace == workspace, posts.c.campaign_id == campaign_id)
        )
    )
    series: dict[str, list[tuple[datetime, int]]] = {}
    if post_rows:
        m = post_metrics.c
        for r in c.execute(
            select(m.post_id, m.observed_at, m.reach).where(
                m.workspace == workspace,
                m.post_id.in_([p.post_id for p in post_rows]),
                m.reach.is_not(None),
            )
        ):
            series.setdefault(r.post_id, []).append((_utc(r.observed_at), int(r.reach)))
    posted = {p.post_id: _utc(p.posted_at) for p in post_rows}
    reach = [
        PostSeries(pid, posted[pid], tuple(sorted(pts))) for pid, pts in sorted(series.items())
    ]
    deal_rows = list(
        c.execute(
            select(deals).where(deals.c.workspace == workspace, deals.c.campaign_id == campaign_id)
        ).mappings()
    )
    links = [
        TrackedLink(r.link_id, r.creator_id, r.post_id)
        for r in c.execute(
            select(tracked_links).where(
                tracked_links.c.workspace == workspace, tracked_links.c.campaign_id == campaign_id
            )
        )
    ]
    codes = [
        DealCode(d["creator_id"], d["affiliate_code"]) for d in deal_rows if d["affiliate_code"]
    ]
    orders = attribute_orders(read_events(c, workspace, campaign_id), codes, links)
    conversions = [o.occurred_at for o in orders if o.creator_id is not None]
    fx, _ = _fx(info.currency, {str(d["currency"]) for d in deal_rows})
    committed: float | None = 0.0
    so_far: float | None = 0.0
    first_post: dict[str, datetime] = {}
    for p in post_rows:
        at = _utc(p.posted_at)
        if p.creator_id not in first_post or at < first_post[p.creator_id]:
            first_post[p.creator_id] = at
    for d in deal_rows:
        if d["amount"] is None:
            continue
        factor = 1.0 if d["currency"] == info.currency else fx.get(str(d["currency"]))
        if factor is None:
            committed = so_far = None
            break
        amount = float(d["amount"]) * factor
        assert committed is not None and so_far is not None
        committed += amount
        started = first_post.get(str(d["creator_id"]))
        if started is not None and started <= as_of:
            so_far += amount
    forecast = forecast_campaign(
        campaign_id,
        starts_on=info.starts_on,
        ends_on=info.ends_on,
        as_of=as_of,
        reach=reach,
        conversions=conversions,
        posts=list(posted.values()),
        spend_committed=None if committed is None else round(committed, 2),
        spend_so_far=None if so_far is None else round(so_far, 2),
        budget=info.budget,
        currency=info.currency,
        targets=read_targets(c, workspace, campaign_id),
    )
    return forecast, committed


def campaign_forecast(
    campaign_id: str,
    *,
    as_of: datetime | None = None,
    workspace: str = "default",
    settings: Settings | None = None,
) -> Forecast:
    """Reach, conversions and spend projected to the campaign's end, with 80% intervals.

    ``as_of`` (default: now) is the moment the forecast stands at: only the
    snapshots observed and the orders placed by then count (a past moment replays
    what was known then). :class:`~trustreach.core.NotFoundError` for a campaign
    the workspace does not hold.
    """
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with kept_engine(settings).connect() as c:
        require_workspace(c, workspace, settings)
        return read_forecast(c, workspace, campaign_id, as_of=as_of)[0]


def set_campaign_target(
    campaign_id: str,
    metric: str,
    target: float | None,
    *,
    actor: str,
    workspace: str = "default",
    settings: Settings | None = None,
) -> dict[str, float]:
    """Set (or with ``target`` None, remove) the campaign's ``metric`` target; audited.

    ``metric`` is ``reach`` or ``conversions``; a target is a positive number.
    Returns the campaign's targets after the change.
    """
    if metric not in TARGET_METRICS:
        raise ConfigurationError(
            f"metric {metric!r} not allowed; allowed: {', '.join(TARGET_METRICS)}"
        )
    if target is not None and not (math.isfinite(target) and target > 0):
        raise ConfigurationError(f"target {target!r} not allowed; allowed: a positive number")
    if not actor.strip():
        raise ConfigurationError("actor must not be empty")
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    t = campaign_targets.c
    with store(settings) as engine:
        with audited_transaction(settings, engine) as c:
            require_workspace(c, workspace, settings)
            _campaign(c, workspace, campaign_id)
            c.execute(
                delete(campaign_targets).where(
                    t.workspace == workspace, t.campaign_id == campaign_id, t.metric == metric
                )
            )
            if target is not None:
                c.execute(
                    insert(campaign_targets).values(
                        workspace=workspace,
                        campaign_id=campaign_id,
                        metric=metric,
                        target=float(target),
                        set_by=actor,
                        set_at=datetime.now(UTC),
                    )
                )
            entry = record_audit(
                settings,
                c,
                actor=actor,
                action="campaign_target_set" if target is not None else "campaign_target_removed",
                workspace=workspace,
                subject=f"campaign:{campaign_id}",
                details={"metric": metric, "target": target},
            )
            targets = read_targets(c, workspace, campaign_id)
        confirm_anchor(settings, entry.head)
    return targets


__all__ = [
    "TARGET_METRICS",
    "campaign_forecast",
    "read_forecast",
    "read_targets",
    "set_campaign_target",
]
