"""Result types of the audience-authenticity capability (shared by signals, audit, report).

Language rule: every ``evidence`` sentence describes what was measured
("a jump of 18% in 2 days on 2025-03-04"), never a verdict about a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class FakeShare:
    """Estimated share of follower accounts showing signs of being fake.

    ``estimate`` is the share corrected for the model's validated sensitivity and
    specificity (Rogan–Gladen), each of the creator's accounts weighted by its
    followers; ``low``/``high`` is the 95% interval *of that estimate*, carrying the
    sampling error and the uncertainty of the model's own error rates
    (:func:`trustreach.audience.estimate_prevalence`). ``flagged_share`` is the plain
    (follower-weighted) share above the operating threshold, before correction.
    ``sample_size`` accounts were scored out of ``population`` followers;
    ``insufficient_data`` sampled accounts lacked a required field and were left
    out. ``field_profile`` says whose validated rates were used (``"full"`` or
    ``"minimal"`` fields).
    """

    estimate: float
    flagged_share: float
    low: float
    high: float
    sample_size: int
    population: int | None
    model_name: str
    model_version: str
    insufficient_data: int = 0
    field_profile: str = "full"


@dataclass(frozen=True)
class Spike:
    """A sudden rise in the follower history."""

    start: date
    end: date
    gain: int
    relative_gain: float
    robust_z: float


@dataclass(frozen=True)
class Signal:
    """One engagement-fraud signal for one creator.

    ``kind`` is one of ``follower_spike``, ``engagement_outlier``,
    ``like_comment_ratio``, ``engagement_pod``, ``bot_comments``.
    ``strength`` is in [0, 1] (0: nothing unusual; 1: as strong as the signal gets).
    ``details["measured"] is False`` when there was too little data to judge.
    """

    kind: str
    raised: bool
    strength: float
    evidence: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class QualityComponent:
    """One named part of the Audience Quality score."""

    name: str
    value: float  # 0-100, higher is better
    weight: float  # weights of all components add up to 1
    evidence: str


@dataclass(frozen=True)
class AudienceQuality:
    """Audience Quality score 0-100 built from named, weighted components."""

    score: float
    components: tuple[QualityComponent, ...]


@dataclass(frozen=True)
class AccountExplanation:
    """One shown follower account with its strongest contributing signals."""

    account_key: str  # the pseudonym, never a raw handle
    fake_probability: float
    top_signals: tuple[str, ...]


@dataclass(frozen=True)
class DisputeView:
    """A creator's dispute as shown in a report."""

    dispute_id: int
    status: str  # open, upheld, rejected
    reason: str
    decision: str | None
    filed_at: str
    resolved_at: str | None


@dataclass(frozen=True)
class CreatorAudit:
    """Everything an audit report shows about one creator."""

    workspace: str
    creator_id: str
    display_name: str
    generated_at: str
    fake_share: FakeShare | None
    signals: tuple[Signal, ...]
    spikes: tuple[Spike, ...]
    quality: AudienceQuality
    follower_history: tuple[tuple[date, int], ...]
    fake_probabilities: tuple[float, ...]  # of the scored sample, for the histogram
    engagement_rate: float | None
    peer_band: str
    peer_engagement_rate: float | None
    top_accounts: tuple[AccountExplanation, ...]
    disputes: tuple[DisputeView, ...] = ()
    audit_seq: int | None = None
    #: why flagged follower accounts were flagged: (plain words, share of flagged accounts)
    flag_reasons: tuple[tuple[str, float], ...] = ()
    #: sampled follower accounts not scored: a required field missing (REQUIRED_FIELDS)
    insufficient_data: int = 0
