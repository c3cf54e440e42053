"""Shift-robust validation of the hate-speech models: topic groups, reweighting, thresholds.

HatEval (the hate task's data) was collected by keyword and hashtag: tweets
about immigrants (``#buildthatwall``, "migrants", "illegals") and about women
(slurs such as "bitch", ``#womensuck``). In the training split the label leans
hard on the keyword (``#buildthatwall`` is hate in 100 % of rows, "bitch" in
79 %, "refugee" in 28 %), so a model can score well on rows drawn at random
from the same collection by learning the keyword, and then fail on a later
sample whose keyword-label mix differs: models tuned on HatEval's dev split
fall to about 0.5 macro-F1 on its later test sample.

This module holds the pieces of a validation protocol that sees that failure
coming, used by ``scripts/train_text_models.py``,
``scripts/train_accurate_safety.py`` and ``scripts/eval_hate_shift.py``:

- :func:`topic_groups` puts each text in a collection-keyword group and a
  target (women, immigrants, none) with a fixed, documented lexicon
  (:data:`HATE_TOPICS`);
- :func:`grouped_folds` keeps every group whole within one fold, so a fold's
  model has never seen the keyword it is scored on;
- :func:`group_balance_weights` reweights rows so that every group has the same
  share of positives: under those weights the keyword says nothing about the
  label, which is the shift a later sample brings;
- :func:`robust_threshold` picks the flag threshold whose worst macro-F1 over
  several such base rates is highest, instead of the one that is best at the
  training split's own mix.

Model card: ``docs/models/brand_safety.md`` ("Shift").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

__all__ = [
    "BASE_RATES",
    "HATE_TOPICS",
    "ROBUST_THRESHOLD_RULE",
    "group_balance_weights",
    "grouped_folds",
    "robust_threshold",
    "topic_groups",
    "weighted_macro_f1",
]

#: Collection-keyword groups: (target, group, pattern), case-insensitive. A text
#: belongs to the first group whose pattern it matches, else to ``("none", "none")``.
#: Hashtags and named hate campaigns come first, then target nouns and slurs.
HATE_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("women", "misogyny-hashtag", r"#(?:womensuck|yesallmen|notallmen|metoo|mentoo|feminazi\w*)"),
    ("immigrants", "wall", r"#build(?:that|the)wall|\bwall\b|\bborders?\b"),
    (
        "immigrants",
        "deport",
        r"#sendthemback|#?deport\w*|#stoptheinvasion|\binva(?:sion|ders?)\b|#refugeesnotwelcome",
    ),
    (
        "immigrants",
        "illegal",
        r"\billegals?\b|\baliens?\b|#illegal\w*|#noamnesty|#nodaca|#enddaca|\bdaca\b|\bamnesty\b",
    ),
    ("immigrants", "refugee", r"refugee|rapefugee|asylum"),
    ("immigrants", "migrant", r"migra"),
    ("women", "bitch", r"\bb[i!1]tch\w*|\bbiatch"),
    ("women", "hoe", r"\bhoes?\b|\bthots?\b"),
    ("women", "whore", r"\bwhores?\b|\bsluts?\b|\bskanks?\b"),
    ("women", "cunt", r"\bcunts?\b"),
    ("women", "women", r"\bwom[ae]n\b|\bgirls?\b|\bfeminis\w*|\bwife\b|\bladies\b"),
    ("immigrants", "politics", r"#maga|#trump|#kag|#americafirst|#walkaway|\btrump\b"),
)
_TOPICS = tuple((target, group, re.compile(p, re.IGNORECASE)) for target, group, p in HATE_TOPICS)

#: Base rates of the positive class a robust threshold must hold up under.
BASE_RATES: tuple[float, ...] = (0.2, 0.35, 0.5)

#: How :func:`robust_threshold` chose a shipped threshold, as recorded in artefacts.
ROBUST_THRESHOLD_RULE = (
    f"best worst-case macro-F1 over base rates {list(BASE_RATES)}, every collection-keyword "
    "group balanced (trustreach.nlp._shift.robust_threshold)"
)

#: Thresholds searched (0.05 to 0.95 by 0.01), as in the other flag thresholds.
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)

FloatVector = npt.NDArray[np.float64]
IntVector = npt.NDArray[np.int64]
StrVector = npt.NDArray[np.str_]


def topic_groups(texts: Sequence[str]) -> tuple[StrVector, StrVector]:
    """Each text's target and collection-keyword group (:data:`HATE_TOPICS`).

    Examples
    --------
    >>> targets, groups = topic_groups(["#BuildThatWall now", "what a lovely day"])
    >>> targets.tolist(), groups.tolist()
    (['immigrants', 'none'], ['wall', 'none'])
    """
    targets, groups = [], []
    for text in texts:
        found = next(((t, g) for t, g, rx in _TOPICS if rx.search(text)), ("none", "none"))
        targets.append(found[0])
        groups.append(found[1])
    return np.asarray(targets, dtype=str), np.asarray(groups, dtype=str)


def group_balance_weights(
    y: npt.ArrayLike, groups: npt.ArrayLike, base_rate: float = 0.5
) -> FloatVector:
    """Row weights under which every group's share of positives is ``base_rate``.

    Each group keeps its total weight (its row count); within it, positives and
    negatives are scaled to ``base_rate`` and ``1 - base_rate`` of it. A group
    with only one class keeps weight 1 per row (nothing to rebalance).

    Raises
    ------
    ValueError
        If ``base_rate`` is not strictly between 0 and 1, or the lengths differ.
    """
    if not 0.0 < base_rate < 1.0:
        raise ValueError(f"base_rate must be between 0 and 1 (exclusive), not {base_rate}")
    labels = np.asarray(y).astype(int)
    names = np.asarray(groups)
    if labels.shape != names.shape:
        raise ValueError(f"y and groups differ in length: {labels.size} != {names.size}")
    weights = np.ones(labels.size, dtype=np.float64)
    for name in np.unique(names):
        rows = names == name
        share = labels[rows].mean()
        if 0.0 < share < 1.0:
            weights[rows & (labels == 1)] = base_rate / share
            weights[rows & (labels == 0)] = (1.0 - base_rate) / (1.0 - share)
    return weights


def grouped_folds(
    y: npt.ArrayLike, groups: npt.ArrayLike, n_splits: int = 5, seed: int = 0
) -> list[tuple[IntVector, IntVector]]:
    """``(fit_rows, held_rows)`` folds that never split a group, classes stratified."""
    labels = np.asarray(y).astype(int)
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [
        (np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
        for a, b in folds.split(np.zeros((labels.size, 1)), labels, np.asarray(groups))
    ]


def weighted_macro_f1(
    y: npt.ArrayLike, pred: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> float:
    """Macro-F1 over both classes, rows weighted (``None``: unweighted)."""
    return float(
        f1_score(
            np.asarray(y).astype(int),
            np.asarray(pred).astype(int),
            average="macro",
            labels=[0, 1],
            sample_weight=None if weights is None else np.asarray(weights, dtype=np.float64),
            zero_division=0,
        )
    )


def robust_threshold(
    y: npt.ArrayLike,
    p: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    base_rates: Sequence[float] = BASE_RATES,
) -> tuple[float, float]:
    """The flag threshold with the best worst-case macro-F1 over base rates.

    For each base rate ``r`` in ``base_rates``, rows are weighted by
    :func:`group_balance_weights` (every group at share ``r``; one group if
    ``groups`` is None, i.e. a plain change of base rate); a threshold's score
    is its lowest weighted macro-F1 over those rates. The grid is 0.05-0.95 by
    0.01; the lowest threshold wins ties.

    Returns
    -------
    (threshold, worst-case macro-F1 at it)

    Raises
    ------
    ValueError
        If ``base_rates`` is empty or holds a rate outside (0, 1).
    """
    if not base_rates:
        raise ValueError("base_rates must not be empty")
    labels = np.asarray(y).astype(int)
    probs = np.asarray(p, dtype=np.float64)
    names = np.zeros(labels.size, dtype=int) if groups is None else np.asarray(groups)
    scenarios = [group_balance_weights(labels, names, r) for r in base_rates]
    worst = np.array(
        [min(weighted_macro_f1(labels, probs >= t, w) for w in scenarios) for t in THRESHOLD_GRID]
    )
    best = int(np.argmax(worst))
    return float(THRESHOLD_GRID[best]), float(worst[best])
