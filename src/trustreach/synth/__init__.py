"""A deterministic synthetic demo world with documented, injected fraud.

``trustreach.synth`` invents a small influencer-marketing world — creators on
Instagram, TikTok and YouTube, their follower samples, follower histories,
posts, comments, brands, campaigns, deals, tracking events, consent, declared
rates and attributes creators declared with consent — and
writes it in the interchange format of :mod:`trustreach.ingest._schema`, one
file per kind, plus a ``ground_truth.json`` that says exactly what was hidden
in it: which creators received bought-follower bursts, engagement pods, bot
comment bursts or inflated likes (and when, on which posts), the true fake
share of each audience, the best posting hours per niche, the disclosure
status of every sponsored post and the sentiment of every comment. It exists
so that demos, tests and benchmarks can run, and detectors can be checked
against a known answer, without any real person's data.

Follower features are sampled from parameters fitted to the InstaFake dataset
(``follower_params.json``, built by ``scripts/fit_follower_params.py``; only
fitted quantiles, rates and a copula correlation ship, never records).

The same ``seed`` always gives byte-identical files. Encodings: JSONL uses
native lists and objects; **CSV** joins list fields with ``;`` and writes dict
fields (audience shares) as JSON object strings; **Parquet** uses native
lists and writes dict fields as JSON object strings.

The world carries one deliberate, documented bias: creators who declare gender
``woman`` get follower counts scaled by 0.6 (``exposure_gap`` in the ground
truth), mirroring exposure gaps industry reports describe, so fairness tooling
has a known gap to measure and close.

Labels in the ground truth describe injected evidence, not people.
"""

from trustreach.synth._followers import (
    FOLLOWER_FIELDS,
    FORMATS,
    generate_follower_accounts,
    sample_follower_features,
)
from trustreach.synth._io import KIND_FIELDS, LIST_SEPARATOR
from trustreach.synth._population import FRAUD_TYPES
from trustreach.synth._world import END_DATE, KIND_ORDER, WorldSummary, generate_world

__all__ = [
    "END_DATE",
    "FOLLOWER_FIELDS",
    "FORMATS",
    "FRAUD_TYPES",
    "KIND_FIELDS",
    "KIND_ORDER",
    "LIST_SEPARATOR",
    "WorldSummary",
    "generate_follower_accounts",
    "generate_world",
    "sample_follower_features",
]
