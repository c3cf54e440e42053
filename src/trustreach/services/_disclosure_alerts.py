"""The campaign alert rule ``disclosure``: a campaign post that fails a disclosure rule.

:func:`disclosure_findings` runs inside :func:`trustreach.services._alerts.find` on
its open transaction: it reads the campaign's posts published by ``as_of`` with
their material connections (the same reads as
:func:`trustreach.services._disclosure.check_posts`), checks each with the rules
engine (:func:`trustreach.ethics.disclosure.check_post`) in the campaign's
jurisdictions (:func:`trustreach.services._compliance.campaign_jurisdictions`) and
returns one finding per post whose status is in
:data:`trustreach.campaigns._alerts.DISCLOSURE_ALERT_STATUSES` (``non_compliant``:
a rule is not met). A post that needs review only (for example the platform's
paid-partnership label with no words in the caption, or a word regulators advise
against) is listed in the compliance report, not alerted. The finding is evidence
for a person, worded as such; fixing the caption resolves the alert on the next
check.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from trustreach.campaigns._alerts import DISCLOSURE_ALERT_STATUSES, Finding
from trustreach.ethics.disclosure import PostVerdict, check_post, rules_version
from trustreach.services import _disclosure
from trustreach.services._compliance import campaign_jurisdictions
from trustreach.store._tables import posts

RULE = "disclosure"


def _summary(v: PostVerdict) -> str:
    failing = [f for f in v.findings if f.status in DISCLOSURE_ALERT_STATUSES]
    ids = ", ".join(dict.fromkeys(f.rule_id for f in failing))
    first = failing[0].message.rstrip(".") if failing else "a disclosure rule is not met"
    return (
        f"post {v.post_id} may not disclose the material connection as the rules require: "
        f"{first} ({ids}); evidence for a person to review, not a verdict"
    )


def _evidence(v: PostVerdict, jurisdictions: tuple[str, ...]) -> dict[str, object]:
    return {
        "post_id": v.post_id,
        "status": v.status,
        "rules_version": rules_version(),
        "jurisdictions": list(jurisdictions),
        "rule_ids": sorted(
            {f.rule_id for f in v.findings if f.status in DISCLOSURE_ALERT_STATUSES}
        ),
        "findings": [
            {
                "rule_id": f.rule_id,
                "jurisdiction": f.jurisdiction,
                "status": f.status,
                "message": f.message,
                "evidence": f.evidence,
                "span": list(f.span) if f.span is not None else None,
                "fix": f.fix,
            }
            for f in v.findings
            if f.status in ("non_compliant", "needs_review")
        ],
    }


def disclosure_findings(
    c: Connection, workspace: str, campaign_id: str, as_of: datetime
) -> list[Finding]:
    """A ``disclosure`` finding per campaign post published by ``as_of`` that fails a
    disclosure rule (see the module docstring), subject ``post:<post_id>``."""
    where = campaign_jurisdictions(c, workspace, campaign_id)
    published = set(
        c.execute(
            select(posts.c.post_id).where(
                posts.c.workspace == workspace,
                posts.c.campaign_id == campaign_id,
                posts.c.posted_at <= as_of,
            )
        ).scalars()
    )
    if not published:
        return []
    facts = _disclosure._facts(
        c, workspace, campaign_id=campaign_id, post_ids=None, creator_id=None, media={}
    )
    out = []
    for f in facts:
        if f.post_id not in published:
            continue
        v = check_post(f, where.codes)
        if v.status not in DISCLOSURE_ALERT_STATUSES:
            continue
        out.append(
            Finding(
                RULE,
                f"post:{v.post_id}",
                _summary(v),
                _evidence(v, where.codes),
                v.creator_id,
            )
        )
    return out


__all__ = ["RULE", "disclosure_findings"]
