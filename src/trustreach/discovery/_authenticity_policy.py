"""Audience risk on every shortlist row, and the brief's authenticity policy.

Every ranked creator carries an :class:`AudienceRisk`: Audience Quality
(0-100), the share of sampled followers that look inauthentic with its 95%
interval, and the engagement-fraud signals the latest audience audit raised,
or "not audited". The ranking never hides it.

A brief's ``authenticity`` section (:class:`AuthenticityPolicy`) says what
happens to risky creators *before* anyone is ranked:

- ``min_audience_quality`` (default 50): Audience Quality under it triggers
  ``low_quality`` (default ``review``);
- a *strong* fraud signal, one the audit raised with a strength of at least
  ``min_signal_strength`` (default 0.5), triggers ``fraud_signals`` (default
  ``review``);
- no audit at all triggers ``not_audited`` (default ``show``: ranked, and the
  row says "not audited").

Each action is ``review`` (held for human review, off the ranked list),
``exclude`` (excluded by a rule) or ``show`` (ranked, the risk shown on the
row). Held and excluded creators become findings of the rule
:data:`AUTHENTICITY_RULE_ID`, listed with the restricted-category findings,
each with its reason and numbers, the same way a person reviews those.
Signals describe evidence in an audit, never a verdict about a person.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from trustreach.core import closest_id
from trustreach.discovery._brief import AuthenticityPolicy, RiskAction
from trustreach.discovery._index import FRAUD_SIGNALS, CreatorIndex
from trustreach.discovery._rules import AppliedRule, Finding

AUTHENTICITY_RULE_ID = "brief-authenticity"
"""Rule id of findings made by the brief's authenticity policy."""

SIGNAL_LABELS = {
    "follower_spike": "follower spike",
    "engagement_outlier": "engagement far above peers",
    "like_comment_ratio": "unusual likes per comment",
    "engagement_pod": "engagement pod",
    "bot_comments": "bot-like comments",
}
"""Plain words for each fraud signal (describing evidence, not people)."""


@dataclass(frozen=True)
class AudienceRisk:
    """What the latest audience audit says about one creator (None: not audited).

    ``signals`` lists the raised engagement-fraud signals with their strength
    (0-1), strongest first.
    """

    audited: bool
    quality: float | None = None
    fake_share: float | None = None
    fake_low: float | None = None
    fake_high: float | None = None
    signals: tuple[tuple[str, float], ...] = ()

    def short(self) -> str:
        """One line for a table cell.

        >>> AudienceRisk(False).short()
        'not audited'
        >>> AudienceRisk(True, 40.4, 0.22, 0.21, 0.23, (("bot_comments", 1.0),)).short()
        'AQ 40 · fake 22.0% (21.0%–23.0%) · bot-like comments'
        """
        if not self.audited:
            return "not audited"
        parts = [f"AQ {self.quality:.0f}" if self.quality is not None else "AQ –"]
        if self.fake_share is not None:
            parts.append(f"fake {_pct(self.fake_share)}{self._interval()}")
        parts.append(", ".join(SIGNAL_LABELS[k] for k, _ in self.signals) or "no signals raised")
        return " · ".join(parts)

    def sentence(self) -> str:
        """A sentence for the explanation of a row."""
        if not self.audited:
            return "Audience not audited: no Audience Quality, fake-follower share or signals."
        quality = "unknown" if self.quality is None else f"{self.quality:.0f}"
        text = f"Audience audit: Audience Quality {quality}"
        if self.fake_share is not None:
            text += f", {_pct(self.fake_share)} of sampled followers look inauthentic"
            text += f" (95% interval {self._interval(bare=True)})"
        raised = ", ".join(f"{SIGNAL_LABELS[k]} (strength {s:.2f})" for k, s in self.signals)
        return text + (f"; signals raised: {raised}." if raised else "; no fraud signal raised.")

    def _interval(self, *, bare: bool = False) -> str:
        if self.fake_low is None or self.fake_high is None:
            return "" if not bare else "not given"
        text = f"{_pct(self.fake_low)}–{_pct(self.fake_high)}"
        return text if bare else f" ({text})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "audited": self.audited,
            "audience_quality": self.quality,
            "fake_share": self.fake_share,
            "fake_share_low_95": self.fake_low,
            "fake_share_high_95": self.fake_high,
            "signals_raised": [{"kind": k, "strength": s} for k, s in self.signals],
            "summary": self.short(),
        }


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _number(value: float) -> float | None:
    return round(float(value), 4) if math.isfinite(value) else None


def audience_risk(index: CreatorIndex, row: int) -> AudienceRisk:
    """The :class:`AudienceRisk` of the creator at index row ``row``."""
    quality, fake = float(index.quality[row]), float(index.fake_share[row])
    strengths = np.asarray(index.signals[row], dtype=np.float64)
    if not (math.isfinite(quality) or math.isfinite(fake) or np.isfinite(strengths).any()):
        return AudienceRisk(False)
    raised = sorted(
        (
            (kind, round(float(s), 4))
            for kind, s in zip(FRAUD_SIGNALS, strengths, strict=True)
            if math.isfinite(s) and s > 0
        ),
        key=lambda item: -item[1],
    )
    return AudienceRisk(
        True,
        _number(quality),
        _number(fake),
        _number(float(index.fake_low[row])),
        _number(float(index.fake_high[row])),
        tuple(raised),
    )


def screen_authenticity(
    index: CreatorIndex,
    rows: npt.NDArray[np.intp],
    policy: AuthenticityPolicy,
) -> tuple[list[Finding], list[Finding], npt.NDArray[np.bool_]]:
    """Apply ``policy`` to the creators at index ``rows`` (one row per creator).

    Returns the findings of creators to exclude, those of creators to hold for
    review (rule :data:`AUTHENTICITY_RULE_ID`), and a mask over ``rows`` of every
    creator set aside either way. A creator that triggers both an ``exclude``
    and a ``review`` action is excluded.
    """
    excluded: list[Finding] = []
    review: list[Finding] = []
    # vectorised first (pools reach millions): only creators the policy acts on are visited
    quality = index.quality[rows]
    strongest = index.signals[rows].max(axis=1)  # NaN for a creator never audited
    with np.errstate(invalid="ignore"):
        audited = np.isfinite(quality) | np.isfinite(index.fake_share[rows])
        audited |= np.isfinite(strongest)
        acted = np.zeros(rows.size, dtype=bool)
        if policy.not_audited is not RiskAction.show:
            acted |= ~audited
        if policy.low_quality is not RiskAction.show:
            acted |= quality < policy.min_audience_quality
        if policy.fraud_signals is not RiskAction.show:
            acted |= (strongest > 0) & (strongest >= policy.min_signal_strength)
    held = np.zeros(rows.size, dtype=bool)  # set only where a finding says why
    for j in np.flatnonzero(acted).tolist():
        row = int(rows[j])
        risk = audience_risk(index, row)
        triggered: list[tuple[RiskAction, str]] = []
        numbers: dict[str, float | int | None] = {}
        if not risk.audited:
            if policy.not_audited is not RiskAction.show:
                triggered.append((policy.not_audited, "the audience has not been audited yet"))
        else:
            numbers = {
                "audience_quality": risk.quality,
                "min_audience_quality": policy.min_audience_quality,
                "fake_share": risk.fake_share,
                "fake_share_low_95": risk.fake_low,
                "fake_share_high_95": risk.fake_high,
            }
            if (
                risk.quality is not None
                and risk.quality < policy.min_audience_quality
                and policy.low_quality is not RiskAction.show
            ):
                triggered.append(
                    (
                        policy.low_quality,
                        f"Audience Quality {risk.quality:.1f} is under the brief's minimum of "
                        f"{policy.min_audience_quality:g}",
                    )
                )
            strong = [(k, s) for k, s in risk.signals if s >= policy.min_signal_strength]
            for kind, strength in risk.signals:
                numbers[f"signal_{kind}"] = strength
            if strong and policy.fraud_signals is not RiskAction.show:
                numbers["min_signal_strength"] = policy.min_signal_strength
                listed = ", ".join(f"{SIGNAL_LABELS[k]} (strength {s:.2f})" for k, s in strong)
                triggered.append(
                    (
                        policy.fraud_signals,
                        f"the latest audience audit raised {listed}, at or above the "
                        f"strength of {policy.min_signal_strength:g} counted as strong",
                    )
                )
        if not triggered:
            continue
        action = (
            RiskAction.exclude
            if any(a is RiskAction.exclude for a, _ in triggered)
            else RiskAction.review
        )
        reasons = "; ".join(text for _, text in triggered)
        reason = reasons[0].upper() + reasons[1:] + "."
        if risk.audited and risk.fake_share is not None:
            reason += (
                f" {_pct(risk.fake_share)} of sampled followers look inauthentic "
                f"(95% interval {risk._interval(bare=True)})."
            )
        if action is RiskAction.review:
            reason += " A person should read the audience audit before any placement."
        finding = Finding(str(index.creator_id[row]), AUTHENTICITY_RULE_ID, reason, numbers)
        (excluded if action is RiskAction.exclude else review).append(finding)
        held[j] = True
    return excluded, review, held


def describe_policy(policy: AuthenticityPolicy) -> AppliedRule:
    """The policy as an applied rule (for the list of rules checked)."""
    return AppliedRule(
        AUTHENTICITY_RULE_ID,
        "Audience authenticity",
        f"The brief's authenticity policy: Audience Quality under "
        f"{policy.min_audience_quality:g} → {policy.low_quality.value}; a fraud signal raised "
        f"with strength ≥ {policy.min_signal_strength:g} → {policy.fraud_signals.value}; "
        f"not audited → {policy.not_audited.value}.",
    )


def unknown_creator_ids(index: CreatorIndex, ids: Iterable[str]) -> list[str]:
    """The ids in ``ids`` that name no creator in ``index`` (in the order given)."""
    keys = index.creator_keys()
    out = []
    for creator_id in ids:
        at = int(np.searchsorted(keys, creator_id))
        if at >= keys.size or keys[at] != creator_id:
            out.append(creator_id)
    return out


def unknown_ids_message(field: str, unknown: Sequence[str], index: CreatorIndex) -> str:
    """An error line naming ``field``, the unknown ids and the closest known ids."""
    keys = [str(k) for k in index.creator_keys()]
    hints = []
    for creator_id in unknown:
        close = closest_id(creator_id, keys)
        if close:
            hints.append(f"{creator_id!r} → did you mean {close[0]!r}?")
    example = ", ".join(keys[:3])
    text = (
        f"{field}: no creator with id {', '.join(repr(i) for i in unknown)} in this workspace"
        f" ({len(keys)} creators, ids like {example})"
    )
    return text + (f"; {'; '.join(hints)}" if hints else "")
