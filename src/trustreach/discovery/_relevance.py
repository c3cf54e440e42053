"""The topic gate: a brief with topics shortlists only creators whose content is on topic.

Topic fit enters the rank score as one weighted component among five, so on
its own it can be outweighed: a large, well-targeted music creator used to
rank in a skincare top 10 with topic fit 0.00. Relevance is a precondition of
a topical shortlist, not something reach can buy, so before anyone is ranked
the accounts whose measured topic fit is below the **gate** are set aside as
out of scope (counted, with the gate, in the ranking's ``out_of_scope``):

    gate = max(MIN_TOPIC_FIT, TOPIC_GATE_SHARE × the best topic fit among the candidates)

The relative part adapts to how well the brief's wording matches anyone's
content (a brief whose topics nobody covers still gets a shortlist of the
closest creators); the absolute floor keeps near-zero fits out even then.
The gate applies only when the query has topics and their weight is above 0:
a brief that sets ``weights: {topic_fit: 0}`` says topics do not matter.
Accounts without captions (topic fit not measured) are not gated: missing
data is counted at the candidates' median and said, as for every component.

Fair mode re-ranks among the creators that passed the gate, so it promotes
the best-qualified members of a group, never an off-topic one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MIN_TOPIC_FIT = 0.10
"""Topic fit below which an account is never on topic (cosine ≈ 0.20 to the brief's topics)."""
TOPIC_GATE_SHARE = 0.5
"""Share of the best candidate's topic fit that an account needs to be on topic."""

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TopicGate:
    """The topic fit an account needs to be shortlisted for a topical query."""

    threshold: float
    best: float
    share: float = TOPIC_GATE_SHARE
    floor: float = MIN_TOPIC_FIT

    def off_topic(self, topic_fit: FloatArray) -> BoolArray:
        """True for accounts whose measured topic fit is below the gate (NaN: not gated)."""
        with np.errstate(invalid="ignore"):
            return np.asarray(np.isfinite(topic_fit) & (topic_fit < self.threshold))

    def reason(self, topics: str = "the brief's topics") -> str:
        """The out-of-scope reason, with the numbers; ``topics`` names what the
        query's topics came from."""
        return (
            f"content far from {topics} (topic fit under {self.threshold:.2f}: "
            f"{self.share:.0%} of the best candidate's {self.best:.2f}, at least {self.floor:.2f})"
        )


def topic_gate(
    topic_fit: FloatArray,
    topic_weight: float,
    *,
    share: float = TOPIC_GATE_SHARE,
    floor: float = MIN_TOPIC_FIT,
) -> TopicGate | None:
    """The gate for these candidates' topic fits, or None when topics do not matter.

    None when ``topic_weight`` is 0 (the query says topics do not matter) or no
    candidate's topic fit could be measured.

    >>> gate = topic_gate(np.array([0.8, 0.5, 0.3, 0.02]), 0.25)
    >>> gate.threshold, gate.off_topic(np.array([0.8, 0.5, 0.3, np.nan])).tolist()
    (0.4, [False, False, True, False])
    >>> topic_gate(np.array([0.8, 0.02]), 0.0) is None
    True
    >>> topic_gate(np.array([0.12, 0.01]), 0.25).threshold  # nobody is close: the floor holds
    0.1
    """
    if not (topic_weight > 0 and topic_fit.size):
        return None
    measured = topic_fit[np.isfinite(topic_fit)]
    if not measured.size:
        return None
    best = float(measured.max())
    threshold = max(floor, share * best)
    return TopicGate(round(threshold, 4), round(best, 4), share, floor)


def creators_off_topic(
    in_scope: BoolArray, off_topic: BoolArray, starts: npt.NDArray[np.intp]
) -> int:
    """Creators with an account in scope but none on topic (rows grouped by creator)."""
    if not in_scope.size:
        return 0
    had = np.logical_or.reduceat(in_scope, starts)
    kept = np.logical_or.reduceat(in_scope & ~off_topic, starts)
    return int((had & ~kept).sum())


__all__ = ["MIN_TOPIC_FIT", "TOPIC_GATE_SHARE", "TopicGate", "creators_off_topic", "topic_gate"]
