"""Exposure and impact audit of a ranked shortlist, group by group.

For each declared group the audit reports who was in the pool, who reached
the top-k, the selection rate and its *impact ratio* against the group
selected most often (the four-fifths guideline of the US Uniform Guidelines on
Employee Selection, and the selection-rate method of NYC Local Law 144), the
group's share of the attention a ranked list gets (exposure), and, with
scores, LL144's scoring-rate method.

Groups are what candidates declared. A candidate without a declared group is
counted on an ``"undeclared"`` line of its own; no group is ever inferred.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

UNDECLARED = "undeclared"
FOUR_FIFTHS = 0.8

Metric = Literal["selection_rate", "scoring_rate", "exposure_ratio"]
_METRICS: tuple[str, ...] = ("selection_rate", "scoring_rate", "exposure_ratio")


def attention(rank: int) -> float:
    """Share of attention a list gives to rank ``rank`` (from 1): ``1 / log2(1 + rank)``.

    Examples
    --------
    >>> attention(1), attention(3)
    (1.0, 0.5)
    """
    return 1.0 / math.log2(1 + rank)


@dataclass(frozen=True, slots=True)
class GroupExposure:
    """What the audit measured for one group.

    Attributes
    ----------
    group : str
        The declared group, or ``"undeclared"``.
    declared : bool
        False for the line of candidates who declared no group.
    pool_count, selected_count : int
        Candidates of the group in the pool, and in the top-k.
    selection_rate : float
        ``selected_count / pool_count``.
    impact_ratio : float or None
        Selection rate divided by the reference group's (the highest among
        the summarised groups); None when nobody in the reference group was
        selected.
    below_four_fifths : bool
        ``impact_ratio < 0.8``: flagged for review.
    small_group : bool
        Fewer than ``min_group_size`` candidates in the pool: reported, but
        left out of the summary.
    pool_share : float
        The group's share of the pool.
    exposure : float
        Sum of ``1 / log2(1 + rank)`` over the group's candidates in the top-k.
    exposure_share : float
        The group's share of the top-k's total exposure (shares sum to 1).
    exposure_ratio : float
        ``exposure_share / pool_share``: 1 means attention in proportion to
        the group's presence in the pool.
    scoring_rate : float or None
        With scores: share of the group scoring above the pool's median score
        (NYC Local Law 144's scoring rate).
    scoring_impact_ratio : float or None
        Scoring rate divided by the reference group's.
    scoring_below_four_fifths : bool
        ``scoring_impact_ratio < 0.8``.
    """

    group: str
    declared: bool
    pool_count: int
    selected_count: int
    selection_rate: float
    impact_ratio: float | None
    below_four_fifths: bool
    small_group: bool
    pool_share: float
    exposure: float
    exposure_share: float
    exposure_ratio: float
    scoring_rate: float | None
    scoring_impact_ratio: float | None
    scoring_below_four_fifths: bool


@dataclass(frozen=True, slots=True)
class ExposureOverall:
    """The audit's figures for the whole pool.

    Attributes
    ----------
    pool_count : int
        Candidates considered.
    k : int
        Length of the audited top-k.
    selection_rate : float
        ``k / pool_count``.
    undeclared_count : int
        Candidates in the pool with no declared group.
    total_exposure : float
        Sum of ``1 / log2(1 + rank)`` over ranks 1..k.
    median_score : float or None
        Median score of the pool, when scores were given.
    scoring_rate : float or None
        Share of the pool scoring above that median.
    reference_group, scoring_reference_group : str or None
        The groups impact ratios are measured against.
    """

    pool_count: int
    k: int
    selection_rate: float
    undeclared_count: int
    total_exposure: float
    median_score: float | None
    scoring_rate: float | None
    reference_group: str | None
    scoring_reference_group: str | None


@dataclass(frozen=True, slots=True)
class ExposureAudit:
    """Result of :func:`exposure_audit`.

    Attributes
    ----------
    by_group : tuple of GroupExposure
        One row per declared group (sorted by name), then ``"undeclared"``.
    overall : ExposureOverall
        Figures for the whole pool.
    min_impact_ratio : float or None
        Lowest selection impact ratio among *summarised* groups: declared and
        with at least ``min_group_size`` candidates. None when fewer than two
        such groups exist or nobody in the reference group was selected.
    min_impact_group : str or None
        The group with that ratio.
    min_scoring_impact_ratio : float or None
        Same for the scoring-rate method (with scores only).
    four_fifths_ok : bool or None
        True when every impact ratio measured among summarised groups
        (selection, and scoring when scores were given) is at least 0.8;
        None when that could not be assessed.
    min_group_size : int
        Groups smaller than this are flagged ``small_group``.
    notes : tuple of str
        Plain sentences saying what was measured and what was left out.
    min_scoring_impact_group : str or None
        The group with the lowest scoring impact ratio.
    """

    by_group: tuple[GroupExposure, ...]
    overall: ExposureOverall
    min_impact_ratio: float | None
    min_impact_group: str | None
    min_scoring_impact_ratio: float | None
    four_fifths_ok: bool | None
    min_group_size: int
    notes: tuple[str, ...]
    min_scoring_impact_group: str | None = None

    @property
    def four_fifths_flagged_by(self) -> tuple[str, ...]:
        """The metrics whose lowest impact ratio is below four-fifths (0.8):
        ``"selection_rate"`` and/or ``"scoring_rate"``; empty when none is."""
        return tuple(
            metric
            for metric, _, value, _ in self._measured()
            if value is not None and value < FOUR_FIFTHS
        )

    def _measured(self) -> list[tuple[str, str, float | None, str | None]]:
        out = [
            (
                "selection_rate",
                "selection-rate impact ratio",
                self.min_impact_ratio,
                self.min_impact_group,
            )
        ]
        if self.min_scoring_impact_ratio is not None:
            out.append(
                (
                    "scoring_rate",
                    "scoring-rate impact ratio",
                    self.min_scoring_impact_ratio,
                    self.min_scoring_impact_group,
                )
            )
        return out

    def four_fifths_summary(self) -> str:
        """One sentence naming each impact-ratio metric, its lowest value and group, and
        which of them is below four-fifths (the metric behind any flag is always shown).

        Examples
        --------
        >>> pool = [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)]
        >>> groups = {c: c[0].upper() for c in pool}
        >>> audit = exposure_audit(["a0", "a1", "b0", "a2", "a3", "b1"], groups, pool=pool)
        >>> audit.four_fifths_summary()
        'below four-fifths (0.8): lowest selection-rate impact ratio 0.50 (B)'
        """
        if self.four_fifths_ok is None or self.min_impact_ratio is None:
            return "impact ratios not compared with four-fifths (0.8): too little declared data"

        def said(name: str, value: float | None, group: str | None) -> str:
            return f"lowest {name} {value or 0.0:.2f} ({group})"

        measured = self._measured()
        below = [said(n, v, g) for _, n, v, g in measured if v is not None and v < FOUR_FIFTHS]
        above = [said(n, v, g) for _, n, v, g in measured if v is not None and v >= FOUR_FIFTHS]
        if not below:
            return "at or above four-fifths (0.8): " + ", ".join(above)
        text = "below four-fifths (0.8): " + ", ".join(below)
        return text + (f"; at or above it: {', '.join(above)}" if above else "")

    def supported_impact_ratio(self, name: str) -> float | None:
        """Group ``name``'s selection-rate impact ratio, or None where the audit
        compared none: too little declared data (:meth:`four_fifths_summary` says
        so), a small group, the undeclared line, or a group not in the audit.

        Examples
        --------
        >>> pool = [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)] + ["c0"]
        >>> groups = {c: c[0].upper() for c in pool}
        >>> audit = exposure_audit(["a0", "a1", "b0", "c0"], groups, pool=pool)
        >>> audit.supported_impact_ratio("B"), audit.supported_impact_ratio("C")
        (0.5, None)
        """
        if self.four_fifths_ok is None or self.min_impact_ratio is None:
            return None
        row = next((r for r in self.by_group if r.group == name), None)
        if row is None or not row.declared or row.small_group:
            return None
        return row.impact_ratio

    def group(self, name: str) -> GroupExposure:
        """The row for group ``name`` (``"undeclared"`` for the undeclared line)."""
        for row in self.by_group:
            if row.group == name:
                return row
        known = ", ".join(repr(r.group) for r in self.by_group)
        raise KeyError(f"no group {name!r} in this audit; groups are {known}")

    def _summarised(self, metric: Metric) -> list[float]:
        if metric not in _METRICS:
            raise ValueError(f"metric must be one of {', '.join(_METRICS)}; got {metric!r}")
        values: list[float] = []
        for row in self.by_group:
            value = getattr(row, metric)
            if row.declared and not row.small_group and value is not None:
                values.append(float(value))
        return values

    def difference(self, metric: Metric = "selection_rate") -> float | None:
        """Largest minus smallest ``metric`` among summarised groups (None if fewer than two).

        ``metric`` is ``"selection_rate"``, ``"scoring_rate"`` or ``"exposure_ratio"``.
        """
        values = self._summarised(metric)
        return max(values) - min(values) if len(values) >= 2 else None

    def ratio(self, metric: Metric = "selection_rate") -> float | None:
        """Smallest over largest ``metric`` among summarised groups.

        None if fewer than two groups are summarised or the largest is 0. For
        ``"selection_rate"`` this equals :attr:`min_impact_ratio`.
        """
        values = self._summarised(metric)
        if len(values) < 2 or max(values) == 0:
            return None
        return min(values) / max(values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return {
            "by_group": [asdict(row) for row in self.by_group],
            "overall": asdict(self.overall),
            "min_impact_ratio": self.min_impact_ratio,
            "min_impact_group": self.min_impact_group,
            "min_scoring_impact_ratio": self.min_scoring_impact_ratio,
            "min_scoring_impact_group": self.min_scoring_impact_group,
            "four_fifths_ok": self.four_fifths_ok,
            "four_fifths_flagged_by": list(self.four_fifths_flagged_by),
            "four_fifths_summary": self.four_fifths_summary(),
            "min_group_size": self.min_group_size,
            "notes": list(self.notes),
        }


def _unique(name: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{name} lists {item!r} more than once; ids must be unique")
        seen.add(item)


def _preview(items: Sequence[str]) -> str:
    shown = ", ".join(repr(i) for i in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _reference(rates: Mapping[str, float | None], summarised: Sequence[str]) -> str | None:
    # Highest rate; ties go to the first name in order, so the choice is reproducible.
    best_group: str | None = None
    best_rate = -math.inf
    for group in summarised:
        rate = rates[group]
        if rate is not None and rate > best_rate:
            best_group, best_rate = group, rate
    return best_group


def _ratio(value: float | None, best: float | None) -> float | None:
    if value is None or best is None or best == 0:
        return None
    return value / best


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def exposure_audit(
    ranked_ids: Sequence[str],
    groups: Mapping[str, str | None],
    *,
    pool: Sequence[str],
    k: int | None = None,
    scores: Mapping[str, float] | None = None,
    min_group_size: int = 5,
) -> ExposureAudit:
    """Measure selection, impact ratios and exposure by group for a ranked shortlist.

    Parameters
    ----------
    ranked_ids : sequence of str
        The shortlist, best first. Every id must be in ``pool``.
    groups : mapping of str to str or None
        Declared group of each candidate. A missing id or None means the
        candidate declared none: they are counted on an ``"undeclared"`` line,
        never assigned a group. ``"undeclared"`` is reserved and cannot be a
        declared group. Ids not in ``pool`` are ignored.
    pool : sequence of str
        Every candidate considered, selected or not.
    k : int, optional
        Audit the top ``k`` of ``ranked_ids`` (default: all of it).
    scores : mapping of str to float, optional
        A score for every candidate in ``pool``; adds NYC Local Law 144's
        scoring-rate method (share of a group scoring above the pool median).
    min_group_size : int, default 5
        Groups with fewer candidates in the pool are flagged ``small_group``
        and left out of the summary figures.

    Returns
    -------
    ExposureAudit

    Raises
    ------
    ValueError
        On duplicate ids, ranked ids outside the pool, ``k`` outside
        ``1..len(ranked_ids)``, ``min_group_size < 1``, missing or non-finite
        scores, or a declared group named ``"undeclared"`` or empty.

    Examples
    --------
    >>> pool = [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)]
    >>> groups = {c: c[0].upper() for c in pool}
    >>> audit = exposure_audit(["a0", "a1", "b0", "a2", "a3", "b1"], groups, pool=pool)
    >>> [(r.group, r.selection_rate, r.impact_ratio) for r in audit.by_group]
    [('A', 0.4, 1.0), ('B', 0.2, 0.5)]
    >>> audit.four_fifths_ok
    False
    """
    if not pool:
        raise ValueError("pool is empty; it must list every candidate considered")
    _unique("pool", pool)
    _unique("ranked_ids", ranked_ids)
    if not ranked_ids:
        raise ValueError("ranked_ids is empty; there is no shortlist to audit")
    in_pool = set(pool)
    outside = [c for c in ranked_ids if c not in in_pool]
    if outside:
        raise ValueError(f"ranked_ids must all be in pool; not in pool: {_preview(outside)}")
    if k is None:
        k = len(ranked_ids)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(ranked_ids):
        raise ValueError(f"k must be an integer between 1 and {len(ranked_ids)}, got {k!r}")
    if (
        isinstance(min_group_size, bool)
        or not isinstance(min_group_size, int)
        or min_group_size < 1
    ):
        raise ValueError(f"min_group_size must be an integer >= 1, got {min_group_size!r}")

    label: dict[str, str] = {}
    for candidate in pool:
        declared = groups.get(candidate)
        if declared is None:
            label[candidate] = UNDECLARED
            continue
        if not isinstance(declared, str) or not declared or declared == UNDECLARED:
            raise ValueError(
                f"group of {candidate!r} must be a non-empty string other than "
                f"{UNDECLARED!r} (use None for no declared group), got {declared!r}"
            )
        label[candidate] = declared

    pool_scores: dict[str, float] | None = None
    median: float | None = None
    if scores is not None:
        missing = [c for c in pool if c not in scores]
        if missing:
            raise ValueError(
                f"scores must cover every candidate in pool; missing {_preview(missing)}"
            )
        pool_scores = {c: float(scores[c]) for c in pool}
        bad = [c for c, s in pool_scores.items() if not math.isfinite(s)]
        if bad:
            raise ValueError(f"scores must be finite numbers; not finite for {_preview(bad)}")
        median = float(statistics.median(pool_scores.values()))

    selected = list(ranked_ids[:k])
    names = sorted({g for g in label.values() if g != UNDECLARED})
    if UNDECLARED in label.values():
        names.append(UNDECLARED)

    pool_count = dict.fromkeys(names, 0)
    above = dict.fromkeys(names, 0)
    for candidate in pool:
        pool_count[label[candidate]] += 1
        if pool_scores is not None and median is not None and pool_scores[candidate] > median:
            above[label[candidate]] += 1
    selected_count = dict.fromkeys(names, 0)
    exposure = dict.fromkeys(names, 0.0)
    for rank, candidate in enumerate(selected, start=1):
        selected_count[label[candidate]] += 1
        exposure[label[candidate]] += attention(rank)

    return _summarise(
        names,
        pool_count,
        above if pool_scores is not None else None,
        selected_count,
        exposure,
        pool_size=len(pool),
        k=k,
        median=median,
        min_group_size=min_group_size,
    )


def _summarise(
    names: list[str],
    pool_count: dict[str, int],
    above: dict[str, int] | None,
    selected_count: dict[str, int],
    exposure: dict[str, float],
    *,
    pool_size: int,
    k: int,
    median: float | None,
    min_group_size: int,
) -> ExposureAudit:
    """Rates, ratios and notes from per-group counts (shared by both entry points)."""
    total_exposure = math.fsum(attention(r) for r in range(1, k + 1))
    has_scores = above is not None
    selection_rate: dict[str, float | None] = {g: selected_count[g] / pool_count[g] for g in names}
    scoring_rate: dict[str, float | None] = {
        g: (above[g] / pool_count[g] if above is not None else None) for g in names
    }
    declared_names = [g for g in names if g != UNDECLARED]
    summarised = [g for g in declared_names if pool_count[g] >= min_group_size]
    small = [g for g in declared_names if pool_count[g] < min_group_size]
    basis = summarised or declared_names
    reference = _reference(selection_rate, basis)
    scoring_reference = _reference(scoring_rate, basis) if has_scores else None
    best = selection_rate[reference] if reference is not None else None
    best_scoring = scoring_rate[scoring_reference] if scoring_reference is not None else None

    rows: list[GroupExposure] = []
    for g in names:
        impact = _ratio(selection_rate[g], best)
        scoring_impact = _ratio(scoring_rate[g], best_scoring)
        share = pool_count[g] / pool_size
        exposure_share = exposure[g] / total_exposure
        rows.append(
            GroupExposure(
                group=g,
                declared=g != UNDECLARED,
                pool_count=pool_count[g],
                selected_count=selected_count[g],
                selection_rate=selected_count[g] / pool_count[g],
                impact_ratio=impact,
                below_four_fifths=impact is not None and impact < FOUR_FIFTHS,
                small_group=g != UNDECLARED and pool_count[g] < min_group_size,
                pool_share=share,
                exposure=exposure[g],
                exposure_share=exposure_share,
                exposure_ratio=exposure_share / share,
                scoring_rate=scoring_rate[g],
                scoring_impact_ratio=scoring_impact,
                scoring_below_four_fifths=scoring_impact is not None
                and scoring_impact < FOUR_FIFTHS,
            )
        )

    in_summary = [r for r in rows if r.group in summarised]
    min_impact: float | None = None
    min_group: str | None = None
    min_scoring: float | None = None
    min_scoring_group: str | None = None
    assessable = len(in_summary) >= 2 and best is not None and best > 0
    if assessable:
        worst = min(in_summary, key=lambda r: r.impact_ratio or 0.0)
        min_impact, min_group = worst.impact_ratio, worst.group
    scoring_assessable = (
        has_scores and len(in_summary) >= 2 and best_scoring is not None and best_scoring > 0
    )
    if scoring_assessable:
        worst_scoring = min(in_summary, key=lambda r: r.scoring_impact_ratio or 0.0)
        min_scoring = worst_scoring.scoring_impact_ratio or 0.0
        min_scoring_group = worst_scoring.group
    four_fifths_ok: bool | None = None
    if assessable and (not has_scores or scoring_assessable):
        four_fifths_ok = (min_impact or 0.0) >= FOUR_FIFTHS and (
            min_scoring is None or min_scoring >= FOUR_FIFTHS
        )

    undeclared_count = pool_count.get(UNDECLARED, 0)
    overall = ExposureOverall(
        pool_count=pool_size,
        k=k,
        selection_rate=k / pool_size,
        undeclared_count=undeclared_count,
        total_exposure=total_exposure,
        median_score=median,
        scoring_rate=(sum(above.values()) / pool_size if above is not None else None),
        reference_group=reference,
        scoring_reference_group=scoring_reference,
    )

    notes = [
        f"Selection rate is the share of each group's candidates in the pool of {pool_size} "
        f"who were placed in the top {k}.",
        "Exposure weights rank r by 1/log2(1 + r), a common model of how attention falls "
        "off down a ranked list; a group's exposure ratio is its share of that attention "
        "divided by its share of the pool.",
    ]
    if reference is not None:
        notes.append(
            f"Impact ratios compare each group's selection rate with that of {reference!r}, "
            "the group selected most often among the groups compared."
        )
    if has_scores and median is not None:
        notes.append(
            f"Scoring rate (NYC Local Law 144 method) is the share of each group scoring above "
            f"the pool's median score of {median:g}."
        )
    if small:
        notes.append(
            f"Groups with fewer than {min_group_size} candidates in the pool "
            f"({', '.join(small)}) are reported but left out of the lowest-impact-ratio "
            "summary, because their rates rest on too few people."
        )
    if undeclared_count:
        notes.append(
            f"{undeclared_count} candidate(s) declared no group; they are reported on their "
            f"own line ({UNDECLARED!r}), no group is inferred for them, and they are left "
            "out of the summary."
        )
    if four_fifths_ok is None:
        if len(in_summary) < 2:
            notes.append(
                f"Fewer than two declared groups have at least {min_group_size} candidates, "
                "so impact ratios could not be compared against the four-fifths guideline."
            )
        else:
            notes.append(
                "Nobody in the most-selected comparison group was selected or scored above "
                "the median, so impact ratios could not be assessed."
            )
    else:
        detail = (
            f"the lowest selection-rate impact ratio is {_fmt(min_impact or 0.0)} ({min_group})"
        )
        if min_scoring is not None:
            detail += (
                f" and the lowest scoring-rate impact ratio is {_fmt(min_scoring)} "
                f"({min_scoring_group})"
            )
        if four_fifths_ok:
            notes.append(f"All impact ratios measured are at least 0.8: {detail}.")
        else:
            notes.append(
                f"Below the four-fifths (0.8) guideline: {detail}. This flags a difference in "
                "outcomes for review; it is not a finding about why it arose."
            )

    return ExposureAudit(
        by_group=tuple(rows),
        overall=overall,
        min_impact_ratio=min_impact,
        min_impact_group=min_group,
        min_scoring_impact_ratio=min_scoring,
        four_fifths_ok=four_fifths_ok,
        min_group_size=min_group_size,
        notes=tuple(notes),
        min_scoring_impact_group=min_scoring_group,
    )


def exposure_audit_arrays(
    codes: npt.NDArray[np.integer[Any]],
    names: Sequence[str],
    selected: npt.NDArray[np.integer[Any]],
    *,
    scores: npt.NDArray[np.floating[Any]] | None = None,
    min_group_size: int = 5,
) -> ExposureAudit:
    """:func:`exposure_audit` for large pools, from arrays (same result, vectorised).

    Parameters
    ----------
    codes : integer array, one per candidate in the pool
        Index into ``names`` of each candidate's declared group, or -1 when the
        candidate declared none.
    names : sequence of str
        The declared groups.
    selected : integer array
        Pool positions of the shortlist, best first (unique).
    scores : float array, optional
        One finite score per pool candidate (adds the scoring-rate method).

    Examples
    --------
    >>> import numpy as np
    >>> audit = exposure_audit_arrays(
    ...     np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), ["A", "B"], np.array([0, 1, 5, 2, 3, 6])
    ... )
    >>> [(r.group, r.selection_rate, r.impact_ratio) for r in audit.by_group]
    [('A', 0.8, 1.0), ('B', 0.4, 0.5)]
    """
    codes = np.asarray(codes)
    selected = np.asarray(selected)
    n = codes.size
    if n == 0:
        raise ValueError("pool is empty; it must list every candidate considered")
    if selected.size == 0:
        raise ValueError("selected is empty; there is no shortlist to audit")
    if np.unique(selected).size != selected.size or selected.min() < 0 or selected.max() >= n:
        raise ValueError("selected must hold unique positions within the pool")
    if codes.min() < -1 or codes.max() >= len(names):
        raise ValueError("codes must be -1 (undeclared) or an index into names")
    if UNDECLARED in names or len(set(names)) != len(names) or not all(names):
        raise ValueError(f"names must be unique, non-empty and not {UNDECLARED!r}")
    k = int(selected.size)
    labels = [*names, UNDECLARED]
    shifted = np.where(codes < 0, len(names), codes)
    counts = np.bincount(shifted, minlength=len(labels))
    chosen = shifted[selected]
    picked = np.bincount(chosen, minlength=len(labels))
    gains = 1.0 / np.log2(np.arange(2, k + 2))
    weights = np.bincount(chosen, weights=gains, minlength=len(labels))
    above: dict[str, int] | None = None
    median: float | None = None
    if scores is not None:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.shape != (n,) or not np.isfinite(scores).all():
            raise ValueError("scores must be one finite number per pool candidate")
        median = float(np.median(scores))
        over = np.bincount(shifted[scores > median], minlength=len(labels))
        above = {}
    present = [i for i, c in enumerate(counts) if c > 0 and labels[i] != UNDECLARED]
    order = sorted(present, key=lambda i: labels[i]) + ([len(names)] if counts[-1] else [])
    keep = [labels[i] for i in order]
    if above is not None:
        above = {labels[i]: int(over[i]) for i in order}
    return _summarise(
        keep,
        {labels[i]: int(counts[i]) for i in order},
        above,
        {labels[i]: int(picked[i]) for i in order},
        {labels[i]: float(weights[i]) for i in order},
        pool_size=n,
        k=k,
        median=median,
        min_group_size=min_group_size,
    )
