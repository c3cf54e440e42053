"""Campaign alerts: run the rules, keep one alert per finding, deliver it, let a person act.

:func:`check_alerts` runs the rules of :mod:`trustreach.campaigns._alerts` on a
campaign's stored figures. A finding becomes an alert once: while an alert for the
same campaign, rule and subject is not resolved, seeing it again only moves its
``last_seen`` and refreshes its evidence. An alert no rule finds any more is
resolved. Every raised or resolved alert is written to the audit log, and a new
one is delivered to the workspace's webhook (:func:`set_alert_webhook`): a JSON
body signed with HMAC-SHA256 (header ``X-Trustreach-Signature: sha256=<hex>``),
retried with exponential backoff a bounded number of times, each attempt kept in
``alert_deliveries``. A named person acknowledges or snoozes an alert
(:func:`acknowledge_alert`, :func:`snooze_alert`), audited.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, and_, case, func, insert, or_, select, update

from trustreach.campaigns._alerts import (
    CommentDay,
    Finding,
    MetricPoint,
    comment_shares_rising,
    engagement_anomalies,
    off_pace,
    over_budget,
)
from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.services._audit_guard import audited_transaction, confirm_anchor, record_audit
from trustreach.services._campaigns import _campaign, _utc
from trustreach.services._context import check_workspace, require_workspace, store
from trustreach.services._disclosure_alerts import disclosure_findings
from trustreach.services._pacing import read_forecast
from trustreach.services._secrets import fingerprint, read_secret, secret_path, write_secret
from trustreach.store import write_transaction
from trustreach.store._tables import (
    alert_deliveries,
    alert_webhooks,
    alerts,
    comment_labels,
    creator_accounts,
    post_metrics,
    posts,
)

log = logging.getLogger(__name__)

STATUSES = ("open", "acknowledged", "snoozed", "resolved")
#: Delivery attempts per alert (the first and its retries).
MAX_ATTEMPTS = 4
#: Wait before the first retry (seconds); doubled before each next one.
BACKOFF_S = 1.0
#: Seconds to wait for the receiver's answer.
DELIVERY_TIMEOUT_S = 5.0
SIGNATURE_HEADER = "X-Trustreach-Signature"
MAX_SNOOZE_HOURS = 24 * 30
_MAX_NOTE = 2000


@dataclass(frozen=True)
class Alert:
    """One alert as stored."""

    alert_id: int
    workspace: str
    campaign_id: str
    rule: str
    subject: str
    creator_id: str | None
    summary: str
    first_seen: datetime
    last_seen: datetime
    status: str
    snoozed_until: datetime | None
    acted_by: str | None
    acted_at: datetime | None
    note: str | None
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        return out


def _alert(r: Any) -> Alert:
    m = r._mapping
    evidence = m["evidence"]
    if isinstance(evidence, str):
        evidence = json.loads(evidence)
    return Alert(
        m["alert_id"],
        m["workspace"],
        m["campaign_id"],
        m["rule"],
        m["subject"],
        m["creator_id"],
        m["summary"],
        _utc(m["first_seen"]),
        _utc(m["last_seen"]),
        m["status"],
        None if m["snoozed_until"] is None else _utc(m["snoozed_until"]),
        m["acted_by"],
        None if m["acted_at"] is None else _utc(m["acted_at"]),
        m["note"],
        dict(evidence),
    )


# ------------------------------------------------------------------------- rules


def _anomaly_findings(
    c: Connection, workspace: str, campaign_id: str, as_of: datetime
) -> list[Finding]:
    rows = list(
        c.execute(
            select(
                post_metrics.c.post_id,
                post_metrics.c.observed_at,
                post_metrics.c.reach,
                post_metrics.c.likes,
                post_metrics.c.views,
                creator_accounts.c.creator_id,
            )
            .join(
                posts,
                and_(
                    posts.c.workspace == post_metrics.c.workspace,
                    posts.c.post_id == post_metrics.c.post_id,
                ),
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
                posts.c.campaign_id == campaign_id,
                post_metrics.c.observed_at <= as_of,
            )
        )
    )
    by_post: dict[str, list[MetricPoint]] = {}
    creator: dict[str, str] = {}
    for r in rows:
        by_post.setdefault(r.post_id, []).append(
            MetricPoint(_utc(r.observed_at), r.reach, r.likes, r.views)
        )
        creator[r.post_id] = r.creator_id
    out: list[Finding] = []
    for post_id in sorted(by_post):
        out += engagement_anomalies(post_id, creator[post_id], by_post[post_id])
    return out


def _comment_findings(
    c: Connection, workspace: str, campaign_id: str, today: date
) -> list[Finding]:
    lab = comment_labels.c
    negative = func.sum(case((lab.sentiment == "negative", 1), else_=0))
    unsafe = func.sum(case((or_(lab.offensive.is_(True), lab.hate.is_(True)), 1), else_=0))
    rows = c.execute(
        select(lab.day, func.count(), negative, unsafe)
        .join(posts, and_(posts.c.workspace == lab.workspace, posts.c.post_id == lab.post_id))
        .where(lab.workspace == workspace, posts.c.campaign_id == campaign_id, lab.day <= today)
        .group_by(lab.day)
    ).all()
    days = [CommentDay(r[0], int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows]
    return comment_shares_rising(campaign_id, days, today)


def find(
    c: Connection, workspace: str, campaign_id: str, *, as_of: datetime | None = None
) -> list[Finding]:
    """Every rule's findings for the campaign on an open connection, from what ``as_of``
    (default now) knew: snapshots observed, orders placed and comments made by then."""
    forecast, committed = read_forecast(c, workspace, campaign_id, as_of=as_of)
    info = _campaign(c, workspace, campaign_id)
    found = off_pace(forecast)
    found += over_budget(campaign_id, committed, info.budget, info.currency)
    found += _anomaly_findings(c, workspace, campaign_id, forecast.as_of)
    found += _comment_findings(c, workspace, campaign_id, forecast.as_of.date())
    found += disclosure_findings(c, workspace, campaign_id, forecast.as_of)
    return found


# --------------------------------------------------------------------- the store


@dataclass(frozen=True)
class CheckResult:
    """What a check did: alerts raised, seen again, resolved, and deliveries."""

    raised: list[Alert]
    seen_again: list[Alert]
    resolved: list[Alert]
    delivered: int = 0
    undelivered: int = 0


def check_alerts(
    campaign_id: str,
    *,
    as_of: datetime | None = None,
    actor: str = "trustreach",
    workspace: str = "default",
    deliver: bool = True,
    settings: Settings | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CheckResult:
    """Run the rules on the campaign now; raise, refresh and resolve its alerts.

    New alerts (and snoozed ones whose snooze ended and that are found again) are
    delivered to the workspace's webhook when one is set and ``deliver`` is true.
    """
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    now = datetime.now(UTC)
    raised: list[Alert] = []
    again: list[Alert] = []
    gone: list[Alert] = []
    to_deliver: list[Alert] = []
    with store(settings) as engine:
        with audited_transaction(settings, engine) as c:
            require_workspace(c, workspace, settings)
            findings = find(c, workspace, campaign_id, as_of=as_of)
            a = alerts.c
            live = {
                (r.rule, r.subject): r
                for r in c.execute(
                    select(alerts).where(
                        a.workspace == workspace,
                        a.campaign_id == campaign_id,
                        a.status != "resolved",
                    )
                )
            }
            head = None
            for f in findings:
                row = live.pop((f.rule, f.subject), None)
                if row is None:
                    new_id = c.execute(
                        insert(alerts)
                        .values(
                            workspace=workspace,
                            campaign_id=campaign_id,
                            rule=f.rule,
                            subject=f.subject,
                            creator_id=f.creator_id,
                            summary=f.summary,
                            first_seen=now,
                            last_seen=now,
                            status="open",
                            evidence=dict(f.evidence),
                        )
                        .returning(a.alert_id)
                    ).scalar_one()
                    head = record_audit(
                        settings, c, actor=actor, action="alert_raised", workspace=workspace,
                        subject=f.subject,
                        details={"alert_id": new_id, "campaign_id": campaign_id, "rule": f.rule,
                                 "summary": f.summary},
                    ).head  # fmt: skip
                    alert = _get(c, workspace, new_id)
                    raised.append(alert)
                    to_deliver.append(alert)
                    continue
                values: dict[str, Any] = {
                    "last_seen": now,
                    "summary": f.summary,
                    "evidence": dict(f.evidence),
                }
                woke = (
                    row.status == "snoozed"
                    and row.snoozed_until is not None
                    and _utc(row.snoozed_until) <= now
                )
                if woke:
                    values.update(status="open", snoozed_until=None)
                c.execute(update(alerts).where(a.alert_id == row.alert_id).values(**values))
                alert = _get(c, workspace, row.alert_id)
                again.append(alert)
                if woke:
                    to_deliver.append(alert)
            for row in live.values():
                c.execute(
                    update(alerts)
                    .where(a.alert_id == row.alert_id)
                    .values(status="resolved", last_seen=now)
                )
                head = record_audit(
                    settings, c, actor=actor, action="alert_resolved", workspace=workspace,
                    subject=row.subject,
                    details={"alert_id": row.alert_id, "campaign_id": campaign_id,
                             "rule": row.rule, "reason": "the rule no longer finds it"},
                ).head  # fmt: skip
                gone.append(_get(c, workspace, row.alert_id))
        if head is not None:
            confirm_anchor(settings, head)
        delivered = undelivered = 0
        if deliver and to_deliver:
            hook = _webhook(engine, settings, workspace)
            if hook is not None:
                for alert in to_deliver:
                    ok = _deliver(engine, hook, alert, sleep=sleep)
                    delivered += ok
                    undelivered += not ok
    return CheckResult(raised, again, gone, delivered, undelivered)


def _get(c: Connection, workspace: str, alert_id: int) -> Alert:
    row = c.execute(
        select(alerts).where(alerts.c.workspace == workspace, alerts.c.alert_id == alert_id)
    ).first()
    if row is None:
        raise NotFoundError(f"alert {alert_id} not found in workspace {workspace!r}")
    return _alert(row)


def list_alerts(
    campaign_id: str,
    *,
    status: str | None = None,
    workspace: str = "default",
    settings: Settings | None = None,
) -> list[Alert]:
    """The campaign's alerts, the latest seen first (``status`` filters)."""
    if status is not None and status not in STATUSES:
        raise ConfigurationError(f"status {status!r} not allowed; allowed: {', '.join(STATUSES)}")
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings) as engine, engine.connect() as c:
        require_workspace(c, workspace, settings)
        _campaign(c, workspace, campaign_id)
        q = select(alerts).where(
            alerts.c.workspace == workspace, alerts.c.campaign_id == campaign_id
        )
        if status is not None:
            q = q.where(alerts.c.status == status)
        rows = c.execute(q.order_by(alerts.c.last_seen.desc(), alerts.c.alert_id.desc()))
        return [_alert(r) for r in rows]


def get_alert(
    alert_id: int, *, workspace: str = "default", settings: Settings | None = None
) -> Alert:
    """One alert of the workspace (another workspace's is not found)."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings) as engine, engine.connect() as c:
        require_workspace(c, workspace, settings)
        return _get(c, workspace, alert_id)


def _text(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > _MAX_NOTE:
        raise ConfigurationError(f"{name} is {len(value)} characters; at most {_MAX_NOTE} allowed")
    return value or None


def _act(
    alert_id: int,
    *,
    status: str,
    actor: str,
    note: str | None,
    snoozed_until: datetime | None,
    workspace: str,
    settings: Settings | None,
) -> Alert:
    if not actor or not actor.strip():
        raise ConfigurationError("actor must not be empty: a named person acts on an alert")
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    note = _text(note, "note")
    with store(settings) as engine:
        with audited_transaction(settings, engine) as c:
            require_workspace(c, workspace, settings)
            current = _get(c, workspace, alert_id)
            if current.status == "resolved":
                raise ConfigurationError(
                    f"alert {alert_id} is resolved; allowed: acting on an open, acknowledged "
                    "or snoozed alert"
                )
            now = datetime.now(UTC)
            c.execute(
                update(alerts)
                .where(alerts.c.workspace == workspace, alerts.c.alert_id == alert_id)
                .values(
                    status=status,
                    snoozed_until=snoozed_until,
                    acted_by=actor,
                    acted_at=now,
                    note=note,
                )
            )
            entry = record_audit(
                settings,
                c,
                actor=actor,
                action=f"alert_{status}",
                workspace=workspace,
                subject=current.subject,
                details={
                    "alert_id": alert_id,
                    "campaign_id": current.campaign_id,
                    "rule": current.rule,
                    "note": note,
                    "snoozed_until": None if snoozed_until is None else snoozed_until.isoformat(),
                },
            )
            updated = _get(c, workspace, alert_id)
        confirm_anchor(settings, entry.head)
    return updated


def acknowledge_alert(
    alert_id: int,
    *,
    actor: str,
    note: str | None = None,
    workspace: str = "default",
    settings: Settings | None = None,
) -> Alert:
    """``actor`` has seen the alert and takes it from here (audited)."""
    return _act(
        alert_id, status="acknowledged", actor=actor, note=note, snoozed_until=None,
        workspace=workspace, settings=settings,
    )  # fmt: skip


def snooze_alert(
    alert_id: int,
    *,
    actor: str,
    hours: float,
    note: str | None = None,
    workspace: str = "default",
    settings: Settings | None = None,
) -> Alert:
    """Quiet the alert for ``hours`` (at most 30 days); found again after that, it reopens."""
    if not (0 < hours <= MAX_SNOOZE_HOURS):
        raise ConfigurationError(
            f"hours {hours!r} not allowed; allowed: more than 0 and at most {MAX_SNOOZE_HOURS}"
        )
    until = datetime.now(UTC) + timedelta(hours=hours)
    return _act(
        alert_id, status="snoozed", actor=actor, note=note, snoozed_until=until,
        workspace=workspace, settings=settings,
    )  # fmt: skip


# ----------------------------------------------------------------------- webhook


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str


def set_alert_webhook(
    url: str,
    *,
    actor: str,
    secret: str | None = None,
    workspace: str = "default",
    settings: Settings | None = None,
) -> str:
    """Set the workspace's alert webhook (http or https URL); returns its signing secret.

    A new random secret is made when none is given. It is kept outside the database
    (a 0600 file, :mod:`trustreach.services._secrets`); the table and the audit record
    hold its fingerprint, never the secret.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"url {url!r} not allowed; allowed: an http:// or https:// URL")
    secret = secret or secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise ConfigurationError("secret is too short; allowed: at least 16 characters")
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings) as engine:
        with audited_transaction(settings, engine) as c:
            require_workspace(c, workspace, settings)
            c.execute(alert_webhooks.delete().where(alert_webhooks.c.workspace == workspace))
            c.execute(
                insert(alert_webhooks).values(
                    workspace=workspace, url=url, secret_fingerprint=fingerprint(secret),
                    set_by=actor, set_at=datetime.now(UTC),
                )
            )  # fmt: skip
            entry = record_audit(
                settings, c, actor=actor, action="alert_webhook_set", workspace=workspace,
                subject=f"workspace:{workspace}",
                details={"url": url, "fingerprint": fingerprint(secret)},
            )  # fmt: skip
            # in the transaction: a failed write of the secret leaves the old webhook
            write_secret(secret_path(settings, workspace, "alerts"), secret)
        confirm_anchor(settings, entry.head)
    return secret


@dataclass(frozen=True)
class WebhookInfo:
    """The workspace's alert webhook as shown: never its secret, only its fingerprint."""

    url: str
    secret_fingerprint: str | None
    set_by: str
    set_at: datetime
    secret_kept_here: bool


def alert_webhook(
    *, workspace: str = "default", settings: Settings | None = None
) -> WebhookInfo | None:
    """The workspace's alert webhook (None when none is set)."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings, create=False) as engine, engine.connect() as c:
        require_workspace(c, workspace, settings)
        row = c.execute(
            select(alert_webhooks).where(alert_webhooks.c.workspace == workspace)
        ).first()
    if row is None:
        return None
    secret = read_secret(settings, workspace, "alerts")
    kept = secret is not None and fingerprint(secret) == row.secret_fingerprint
    return WebhookInfo(row.url, row.secret_fingerprint, row.set_by, _utc(row.set_at), kept)


def _webhook(engine: Any, settings: Settings, workspace: str) -> Webhook | None:
    with engine.connect() as c:
        row = c.execute(
            select(alert_webhooks.c.url, alert_webhooks.c.secret_fingerprint).where(
                alert_webhooks.c.workspace == workspace
            )
        ).first()
    if row is None:
        return None
    secret = read_secret(settings, workspace, "alerts")
    if secret is None or fingerprint(secret) != row.secret_fingerprint:
        log.warning(
            "workspace %s: the alert webhook's secret is not kept on this host (or is not "
            "the one set); alerts are not delivered until it is set again",
            workspace,
        )
        return None
    return Webhook(row.url, secret)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _deliver(engine: Any, hook: Webhook, alert: Alert, *, sleep: Callable[[float], None]) -> bool:
    import httpx

    body = json.dumps(
        {"type": "campaign_alert", "alert": alert.to_dict()}, sort_keys=True, default=str
    ).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(hook.secret, body),
        "X-Trustreach-Delivery": f"alert-{alert.alert_id}-{alert.last_seen.isoformat()}",
    }
    wait = BACKOFF_S
    for attempt in range(1, MAX_ATTEMPTS + 1):
        status: int | None = None
        error: str | None = None
        try:
            answer = httpx.post(hook.url, content=body, headers=headers, timeout=DELIVERY_TIMEOUT_S)
            status = answer.status_code
            ok = 200 <= status < 300
            if not ok:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            ok = False
            error = f"{type(exc).__name__}: {exc}"[:500]
        with write_transaction(engine) as c:
            c.execute(
                insert(alert_deliveries).values(
                    workspace=alert.workspace, alert_id=alert.alert_id, attempt=attempt,
                    attempted_at=datetime.now(UTC), url=hook.url, status_code=status,
                    delivered=ok, error=error,
                )
            )  # fmt: skip
        if ok:
            return True
        if status is not None and 400 <= status < 500 and status not in (408, 429):
            return False  # the receiver refuses it: retrying will not help
        if attempt < MAX_ATTEMPTS:
            sleep(wait)
            wait *= 2
    return False


def alert_deliveries_of(
    alert_id: int, *, workspace: str = "default", settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The delivery attempts of an alert, in order."""
    workspace = check_workspace(workspace)
    settings = settings or get_settings()
    with store(settings) as engine, engine.connect() as c:
        d = alert_deliveries.c
        return [
            dict(r._mapping)
            for r in c.execute(
                select(alert_deliveries)
                .where(d.workspace == workspace, d.alert_id == alert_id)
                .order_by(d.attempt)
            )
        ]


__all__ = [
    "BACKOFF_S",
    "MAX_ATTEMPTS",
    "SIGNATURE_HEADER",
    "STATUSES",
    "Alert",
    "CheckResult",
    "acknowledge_alert",
    "alert_deliveries_of",
    "check_alerts",
    "find",
    "get_alert",
    "list_alerts",
    "set_alert_webhook",
    "sign",
    "snooze_alert",
]
