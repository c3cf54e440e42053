"""Audience authenticity: calibrated, explained, contestable fake-follower and fraud signals.

- An account-level model (:class:`FakeAccountClassifier`, LightGBM with a
  calibration map, shipped as :func:`load_authenticity_model`) gives each
  follower account a calibrated probability of showing signs of being fake,
  from whichever follower-account fields are present, and per-feature
  contributions in plain words for the accounts that are shown.
- Creator-level signals (:func:`follower_spikes`, :func:`engagement_outliers`,
  :func:`like_comment_ratio`, :func:`engagement_pods`, :func:`bot_comments`)
  each return a :class:`Signal` with a strength and one sentence of evidence.
- :func:`audience_quality` combines them into a 0–100 score of named,
  weighted components; :func:`render_audit_html` writes the report.

Everything here is pure: frames in, results out. Words describe evidence
("signs of purchased followers in March"), never verdicts about people.
"""

from typing import TYPE_CHECKING

from trustreach.core._lazy import lazy_exports

if TYPE_CHECKING:
    from trustreach.audience._artefact import AuthenticityModel, load_authenticity_model
    from trustreach.audience._comments import bot_comments, engagement_pods
    from trustreach.audience._engagement import (
        engagement_outliers,
        follower_band,
        like_comment_ratio,
        peer_bands,
    )
    from trustreach.audience._explain import flag_reasons
    from trustreach.audience._features import (
        FEATURES,
        REQUIRED_FIELDS,
        account_features,
        describe_contribution,
        sufficient_data,
    )
    from trustreach.audience._model import FakeAccountClassifier
    from trustreach.audience._prevalence import Prevalence, ValidatedRates, estimate_prevalence
    from trustreach.audience._report import render_audit_html
    from trustreach.audience._scoring import (
        EXPLAIN_CHOICES,
        score_frame,
        score_partition,
        validated_accounts,
    )
    from trustreach.audience._signals import audience_quality, strongest_signal, wilson_interval
    from trustreach.audience._spikes import follower_spikes
    from trustreach.audience._training import train_authenticity
    from trustreach.audience._types import (
        AccountExplanation,
        AudienceQuality,
        CreatorAudit,
        DisputeView,
        FakeShare,
        QualityComponent,
        Signal,
        Spike,
    )
else:  # imported on first use (PEP 562): `trustreach discover BRIEF` refuses a bad brief
    # without loading LightGBM or scikit-learn
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "_artefact": (
                "AuthenticityModel",
                "load_authenticity_model",
            ),
            "_comments": (
                "bot_comments",
                "engagement_pods",
            ),
            "_engagement": (
                "engagement_outliers",
                "follower_band",
                "like_comment_ratio",
                "peer_bands",
            ),
            "_explain": ("flag_reasons",),
            "_features": (
                "FEATURES",
                "REQUIRED_FIELDS",
                "account_features",
                "describe_contribution",
                "sufficient_data",
            ),
            "_model": ("FakeAccountClassifier",),
            "_prevalence": (
                "Prevalence",
                "ValidatedRates",
                "estimate_prevalence",
            ),
            "_report": ("render_audit_html",),
            "_scoring": (
                "EXPLAIN_CHOICES",
                "score_frame",
                "score_partition",
                "validated_accounts",
            ),
            "_signals": (
                "audience_quality",
                "strongest_signal",
                "wilson_interval",
            ),
            "_spikes": ("follower_spikes",),
            "_training": ("train_authenticity",),
            "_types": (
                "AccountExplanation",
                "AudienceQuality",
                "CreatorAudit",
                "DisputeView",
                "FakeShare",
                "QualityComponent",
                "Signal",
                "Spike",
            ),
        },
    )

__all__ = [
    "EXPLAIN_CHOICES",
    "FEATURES",
    "REQUIRED_FIELDS",
    "AccountExplanation",
    "AudienceQuality",
    "AuthenticityModel",
    "CreatorAudit",
    "DisputeView",
    "FakeAccountClassifier",
    "FakeShare",
    "Prevalence",
    "QualityComponent",
    "Signal",
    "Spike",
    "ValidatedRates",
    "account_features",
    "audience_quality",
    "bot_comments",
    "describe_contribution",
    "engagement_outliers",
    "engagement_pods",
    "estimate_prevalence",
    "flag_reasons",
    "follower_band",
    "follower_spikes",
    "like_comment_ratio",
    "load_authenticity_model",
    "peer_bands",
    "render_audit_html",
    "score_frame",
    "score_partition",
    "strongest_signal",
    "sufficient_data",
    "train_authenticity",
    "validated_accounts",
    "wilson_interval",
]
