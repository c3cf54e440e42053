"""Conversation intelligence in the product: label comments, keep daily aggregates,
let people correct labels, and let raw comment text expire.

- :func:`analyze_comments` labels every comment not labelled yet (sentiment,
  offensive language, hate speech, language) and refreshes the daily
  aggregates of the posts it touched.
- :func:`conversation_summary` reads the aggregates for a creator, a campaign
  or a post: the sentiment distribution and the unsafe share with Wilson
  intervals, the daily trend, and themes of what is still retained.
- :func:`correct_label` records a person's correction (append-only,
  audit-logged); aggregates count the corrected label from then on.
  :func:`export_corrections` writes them out as extra training data.
- :func:`enforce_retention` deletes comment text (and author pseudonyms and
  per-comment labels) older than ``comment_text_retention_days``; the daily
  aggregates remain.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, and_, delete, func, insert, select, tuple_, update

from trustreach.core import (
    ConfigurationError,
    NotFoundError,
    Settings,
    check_output_file,
    get_settings,
    replaced_atomically,
)
from trustreach.ethics.disclosure import generated_by
from trustreach.services._audit_guard import (
    audited_transaction,
    confirm_anchor,
    record_audit,
)
from trustreach.services._context import check_workspace, read_frame, store
from trustreach.store._tables import (
    campaigns,
    comment_labels,
    comments,
    conversation_daily,
    creator_accounts,
    creators,
    label_corrections,
    posts,
)

SENTIMENTS = ("negative", "neutral", "positive")
FIELDS = {"sentiment": SENTIMENTS, "offensive": ("true", "false"), "hate": ("true", "false")}
BATCH = 5_000
_Z = 1.959963984540054

Analyzer = Callable[[Sequence[str]], tuple[pl.DataFrame, str]]
"""Texts in; one row per text with the ``nlp analyze`` columns, and the model versions, out."""


def text_analyzer(tier: str, safety: str = "accurate") -> Analyzer:
    """The shipped models (sentiment ``tier``, brand-safety ``safety``) as an :data:`Analyzer`."""
    from trustreach.nlp import analyze_texts, model_versions

    version = model_versions(tier, safety)

    def run(texts: Sequence[str]) -> tuple[pl.DataFrame, str]:
        return analyze_texts(texts, tier=tier, safety=safety).to_frame(), version

    return run


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson interval of a share ``k / n`` (0, 1 when ``n`` is 0).

    >>> [round(x, 3) for x in wilson(5, 10)]
    [0.237, 0.763]
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + _Z**2 / (2 * n)) / (1 + _Z**2 / n)
    half = _Z * math.sqrt(p * (1 - p) / n + _Z**2 / (4 * n**2)) / (1 + _Z**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class AnalysisReport:
    """What :func:`analyze_comments` did."""

    workspace: str
    labelled: int
    posts: int
    days: int
    model: str
    audit_seq: int | None


def _recompute_daily(
    connection: Connection, workspace: str, keys: set[tuple[str, date]], model: str
) -> None:
    """Rebuild the daily aggregates of the given (post, day) keys from their labels.

    A key whose comment text expired (``text_expired_at`` set by
    :func:`enforce_retention`) is left as it is: its labels are gone, so
    comments imported again for that day would rebuild it from a part.
    """
    if not keys:
        return
    now = datetime.now(UTC)
    key_list = sorted(keys)
    for start in range(0, len(key_list), 500):
        expired = {
            (post_id, day)
            for post_id, day in connection.execute(
                select(conversation_daily.c.post_id, conversation_daily.c.day).where(
                    conversation_daily.c.workspace == workspace,
                    conversation_daily.c.text_expired_at.is_not(None),
                    tuple_(conversation_daily.c.post_id, conversation_daily.c.day).in_(
                        key_list[start : start + 500]
                    ),
                )
            )
        }
        chunk = [key for key in key_list[start : start + 500] if key not in expired]
        if not chunk:
            continue
        rows = read_frame(
            connection,
            select(
                comment_labels.c.post_id,
                comment_labels.c.day,
                comment_labels.c.sentiment,
                comment_labels.c.sentiment_score,
                comment_labels.c.offensive,
                comment_labels.c.hate,
                comment_labels.c.flags,
                comment_labels.c.corrected,
            ).where(
                comment_labels.c.workspace == workspace,
                tuple_(comment_labels.c.post_id, comment_labels.c.day).in_(chunk),
            ),
        )
        connection.execute(
            delete(conversation_daily).where(
                conversation_daily.c.workspace == workspace,
                tuple_(conversation_daily.c.post_id, conversation_daily.c.day).in_(chunk),
            )
        )
        if rows.height == 0:
            continue
        daily = rows.group_by("post_id", "day").agg(
            pl.len().alias("comments"),
            pl.col("sentiment").is_not_null().sum().alias("scored"),
            *((pl.col("sentiment") == s).fill_null(False).sum().alias(s) for s in SENTIMENTS),
            pl.col("sentiment_score").fill_null(0.0).sum().alias("score_sum"),
            pl.col("offensive").fill_null(False).sum().alias("offensive"),
            pl.col("hate").fill_null(False).sum().alias("hate"),
            (pl.col("offensive").fill_null(False) | pl.col("hate").fill_null(False))
            .sum()
            .alias("unsafe"),
            pl.col("flags")
            .str.contains("unsupported_language")
            .sum()
            .alias("unsupported_language"),
            pl.col("flags").str.contains("no_text").sum().alias("no_text"),
            pl.col("corrected").sum().alias("corrected"),
        )
        connection.execute(
            insert(conversation_daily),
            [
                {**r, "workspace": workspace, "model": model, "updated_at": now}
                for r in daily.to_dicts()
            ],
        )


def analyze_comments(
    *,
    workspace: str = "default",
    tier: str = "fast",
    safety: str = "accurate",
    actor: str = "cli",
    settings: Settings | None = None,
    analyzer: Analyzer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AnalysisReport:
    """Label every comment of the workspace that has no label yet; refresh aggregates.

    ``tier`` picks the sentiment model (fast, accurate, lexicon) and
    ``safety`` the brand-safety models (accurate, fast); a tier not allowed
    raises :class:`~trustreach.core.ConfigurationError` naming the allowed ones.
    Idempotent: a second run labels nothing and changes nothing. Corrected
    labels are never overwritten.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    analyzer = analyzer or text_analyzer(tier, safety)
    model = tier
    with store(settings) as engine:
        with engine.connect() as connection:
            todo = read_frame(
                connection,
                select(
                    comments.c.comment_id, comments.c.post_id, comments.c.posted_at, comments.c.text
                )
                .outerjoin(
                    comment_labels,
                    and_(
                        comment_labels.c.workspace == comments.c.workspace,
                        comment_labels.c.comment_id == comments.c.comment_id,
                    ),
                )
                .where(comments.c.workspace == workspace, comment_labels.c.comment_id.is_(None))
                .order_by(comments.c.comment_id),
            )
        if todo.height == 0:
            return AnalysisReport(workspace, 0, 0, 0, tier, None)
        keys: set[tuple[str, date]] = set()
        now = datetime.now(UTC)
        with audited_transaction(settings, engine) as connection:
            for start in range(0, todo.height, BATCH):
                chunk = todo.slice(start, BATCH)
                labels, model = analyzer(chunk["text"].to_list())
                if labels.height != chunk.height:
                    raise ConfigurationError(
                        f"the {tier} analyzer returned {labels.height} rows "
                        f"for {chunk.height} texts"
                    )
                records = []
                for (comment_id, post_id, posted_at), label in zip(
                    chunk.select("comment_id", "post_id", "posted_at").iter_rows(),
                    labels.iter_rows(named=True),
                    strict=True,
                ):
                    day = posted_at.date()
                    keys.add((post_id, day))
                    records.append(
                        _label_row(workspace, comment_id, post_id, day, label, model, now)
                    )
                connection.execute(insert(comment_labels), records)
                if progress is not None:
                    progress(min(start + BATCH, todo.height), todo.height)
            _recompute_daily(connection, workspace, keys, model)
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="analyze_comments",
                workspace=workspace,
                subject=f"workspace:{workspace}",
                model_name=f"nlp-{tier}",
                model_version=model[:50],
                details={
                    "tier": tier,
                    "safety": safety,
                    "labelled": todo.height,
                    "posts": len({k[0] for k in keys}),
                    "model": model,
                },
            )
        confirm_anchor(settings, entry.head)
        return AnalysisReport(
            workspace, todo.height, len({k[0] for k in keys}), len(keys), model, entry.seq
        )


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _label_row(
    workspace: str,
    comment_id: str,
    post_id: str,
    day: date,
    label: dict[str, Any],
    model: str,
    now: datetime,
) -> dict[str, Any]:
    sentiment = label.get("sentiment") or None
    flags = label.get("flags") or ""
    return {
        "workspace": workspace,
        "comment_id": comment_id,
        "post_id": post_id,
        "day": day,
        "language": str(label.get("language") or "und")[:12],
        "sentiment": sentiment,
        "p_negative": _finite(label.get("p_negative")),
        "p_neutral": _finite(label.get("p_neutral")),
        "p_positive": _finite(label.get("p_positive")),
        "sentiment_score": _finite(label.get("sentiment_score")),
        "offensive_probability": _finite(label.get("offensive_probability")),
        "offensive": None if label.get("offensive") is None else bool(label["offensive"]),
        "hate_probability": _finite(label.get("hate_probability")),
        "hate": None if label.get("hate") is None else bool(label["hate"]),
        "flags": str(flags)[:200],
        "model": model[:200],
        "corrected": False,
        "analysed_at": now,
    }


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Share:
    """A count out of a total with its 95% Wilson interval."""

    count: int
    total: int
    share: float | None
    low: float
    high: float

    @classmethod
    def of(cls, count: int, total: int) -> Share:
        low, high = wilson(count, total)
        return cls(count, total, count / total if total else None, low, high)


@dataclass(frozen=True)
class ConversationSummary:
    """The conversation around a creator, a campaign or a post."""

    scope: str
    scope_id: str
    comments: int
    scored: int
    sentiment: dict[str, Share]
    mean_score: float | None
    unsafe: Share
    offensive: Share
    hate: Share
    unsupported_language: int
    no_text: int
    corrected: int
    daily: list[dict[str, Any]]
    trend_per_week: float | None
    themes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    retained_comments: int = 0
    notes: tuple[str, ...] = ()
    language_uncertain: int = 0
    #: the machine-generated marker: trustreach's version and the models that labelled
    generated_by: str = ""


def _post_ids(connection: Connection, workspace: str, scope: str, scope_id: str) -> list[str]:
    if scope == "post":
        query = select(posts.c.post_id).where(
            posts.c.workspace == workspace, posts.c.post_id == scope_id
        )
    elif scope == "campaign":
        query = select(posts.c.post_id).where(
            posts.c.workspace == workspace, posts.c.campaign_id == scope_id
        )
    elif scope == "creator":
        query = (
            select(posts.c.post_id)
            .join(
                creator_accounts,
                and_(
                    creator_accounts.c.workspace == posts.c.workspace,
                    creator_accounts.c.account_id == posts.c.account_id,
                ),
            )
            .where(posts.c.workspace == workspace, creator_accounts.c.creator_id == scope_id)
        )
    else:
        raise ConfigurationError(f"scope {scope!r} not allowed; allowed: creator, campaign, post")
    return [r[0] for r in connection.execute(query)]


def _no_posts(connection: Connection, workspace: str, scope: str, scope_id: str) -> str:
    """'not found' for an id the workspace does not have; 'has no posts' for one it has."""
    table, column = {
        "creator": (creators, creators.c.creator_id),
        "campaign": (campaigns, campaigns.c.campaign_id),
        "post": (posts, posts.c.post_id),
    }.get(scope, (None, None))
    if table is not None and column is not None:
        found = connection.execute(
            select(column).where(table.c.workspace == workspace, column == scope_id)
        ).first()
        if found is None:
            return f"{scope} {scope_id!r} not found in workspace {workspace!r}"
    return f"{scope} {scope_id!r} has no posts in workspace {workspace!r}"


def conversation_summary(
    scope: str,
    scope_id: str,
    *,
    workspace: str = "default",
    themes: bool = True,
    settings: Settings | None = None,
) -> ConversationSummary:
    """Aggregates of the comments on a creator's posts, a campaign's posts, or one post."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine, engine.connect() as connection:
        post_ids = _post_ids(connection, workspace, scope, scope_id)
        if not post_ids:
            raise NotFoundError(_no_posts(connection, workspace, scope, scope_id))
        daily = read_frame(
            connection,
            select(conversation_daily).where(
                conversation_daily.c.workspace == workspace,
                conversation_daily.c.post_id.in_(post_ids),
            ),
        )
        retained = (
            read_frame(
                connection,
                select(
                    comments.c.text,
                    comments.c.author_key,
                    comment_labels.c.sentiment,
                )
                .join(
                    comment_labels,
                    and_(
                        comment_labels.c.workspace == comments.c.workspace,
                        comment_labels.c.comment_id == comments.c.comment_id,
                    ),
                )
                .where(comments.c.workspace == workspace, comments.c.post_id.in_(post_ids)),
            )
            if themes
            else pl.DataFrame()
        )
        uncertain = int(
            connection.execute(
                select(func.count()).where(
                    comment_labels.c.workspace == workspace,
                    comment_labels.c.post_id.in_(post_ids),
                    comment_labels.c.flags.contains("language_uncertain"),
                )
            ).scalar_one()
        )
    return _summarise(scope, scope_id, daily, retained, language_uncertain=uncertain)


def _summarise(
    scope: str,
    scope_id: str,
    daily: pl.DataFrame,
    retained: pl.DataFrame,
    *,
    language_uncertain: int = 0,
) -> ConversationSummary:
    def total(column: str) -> int:
        return int(daily[column].sum()) if daily.height else 0

    comments_n, scored = total("comments"), total("scored")
    notes: list[str] = []
    by_day: list[dict[str, Any]] = []
    trend: float | None = None
    if daily.height:
        per_day = (
            daily.group_by("day")
            .agg(
                pl.col("comments").sum(),
                pl.col("scored").sum(),
                pl.col("score_sum").sum(),
                pl.col("negative").sum(),
                pl.col("positive").sum(),
                pl.col("unsafe").sum(),
            )
            .sort("day")
        )
        for row in per_day.iter_rows(named=True):
            n = row["scored"]
            by_day.append(
                {
                    "day": row["day"].isoformat(),
                    "comments": row["comments"],
                    "mean_score": row["score_sum"] / n if n else None,
                    "negative_share": row["negative"] / n if n else None,
                    "unsafe_share": row["unsafe"] / n if n else None,
                }
            )
        points = [
            (date.fromisoformat(d["day"]).toordinal(), d["mean_score"], d["comments"])
            for d in by_day
            if d["mean_score"] is not None
        ]
        if len(points) >= 3:
            x = np.array([p[0] for p in points], dtype=float)
            y = np.array([p[1] for p in points], dtype=float)
            w = np.array([p[2] for p in points], dtype=float)
            slope = np.polyfit(x, y, 1, w=np.sqrt(w))[0]
            trend = float(slope * 7)
        else:
            notes.append("Fewer than three days with scored comments: no trend is given.")
    if comments_n and total("unsupported_language"):
        notes.append(
            f"{total('unsupported_language')} comment(s) are in languages the models were not "
            "trained for: counted, not scored."
        )
    if language_uncertain:
        notes.append(
            f"{language_uncertain} scored comment(s) are too short or emoji-only to place in a "
            "language, or English-like but not placed with confidence: scored as English, "
            "flagged language_uncertain."
        )
    theme_lists: dict[str, list[dict[str, Any]]] = {}
    if retained.height:
        from trustreach.nlp import themes as find_themes

        found = find_themes(
            retained["text"].to_list(),
            [s or "neutral" for s in retained["sentiment"].to_list()],
            authors=retained["author_key"].to_list(),
        )
        theme_lists = {
            "positive": [asdict(t) for t in found.positive],
            "negative": [asdict(t) for t in found.negative],
        }
    elif comments_n:
        notes.append("No comment text is retained any more: themes cannot be shown, only counts.")
    return ConversationSummary(
        scope=scope,
        scope_id=scope_id,
        comments=comments_n,
        scored=scored,
        sentiment={s: Share.of(total(s), scored) for s in SENTIMENTS},
        mean_score=total("score_sum") / scored if scored else None,
        unsafe=Share.of(total("unsafe"), scored),
        offensive=Share.of(total("offensive"), scored),
        hate=Share.of(total("hate"), scored),
        unsupported_language=total("unsupported_language"),
        no_text=total("no_text"),
        corrected=total("corrected"),
        daily=by_day,
        trend_per_week=trend,
        themes=theme_lists,
        retained_comments=retained.height,
        notes=tuple(notes),
        language_uncertain=language_uncertain,
        generated_by=_generated_by(daily),
    )


def _generated_by(daily: pl.DataFrame) -> str:
    """``trustreach <version> (conversation models: …)``: the models whose labels were summed."""
    models = (
        sorted({str(m) for m in daily["model"].to_list() if m})
        if daily.height and "model" in daily.columns
        else []
    )
    return generated_by("conversation models: " + ", ".join(models) if models else "conversation")


# --------------------------------------------------------------------------- corrections


def correct_label(
    comment_id: str,
    field_name: str,
    value: str,
    *,
    corrected_by: str,
    reason: str,
    workspace: str = "default",
    settings: Settings | None = None,
) -> int:
    """Record a person's correction of one label; returns its audit record number.

    ``field_name`` is ``sentiment`` (negative, neutral, positive), ``offensive``
    or ``hate`` (true, false). The machine's value is kept in the correction
    record; aggregates count the corrected value from now on.
    """
    allowed = FIELDS.get(field_name)
    if allowed is None:
        raise ConfigurationError(f"field {field_name!r} not allowed; allowed: {', '.join(FIELDS)}")
    value = value.strip().lower()
    if value not in allowed:
        raise ConfigurationError(
            f"{field_name} value {value!r} not allowed; allowed: {', '.join(allowed)}"
        )
    corrected_by, reason = corrected_by.strip(), reason.strip()
    if not corrected_by or not reason:
        raise ConfigurationError("a correction needs a named person (--by) and a reason (--reason)")
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with audited_transaction(settings, engine) as connection:
            label = connection.execute(
                select(comment_labels).where(
                    comment_labels.c.workspace == workspace,
                    comment_labels.c.comment_id == comment_id,
                )
            ).first()
            if label is None:
                raise NotFoundError(
                    f"comment {comment_id!r} has no label in workspace {workspace!r} "
                    "(not analysed yet, or its text has expired)"
                )
            old = getattr(label, field_name)
            old_text = None if old is None else str(old).lower()
            new: Any = value if field_name == "sentiment" else value == "true"
            changes: dict[str, Any] = {field_name: new, "corrected": True}
            if field_name == "sentiment":
                changes["sentiment_score"] = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[
                    value
                ]
            now = datetime.now(UTC)
            entry = record_audit(
                settings,
                connection,
                actor=corrected_by,
                action="label_corrected",
                workspace=workspace,
                subject=f"comment:{comment_id}",
                details={"field": field_name, "from": old_text, "to": value, "reason": reason},
                now=now,
            )
            connection.execute(
                update(comment_labels)
                .where(
                    comment_labels.c.workspace == workspace,
                    comment_labels.c.comment_id == comment_id,
                )
                .values(**changes)
            )
            connection.execute(
                insert(label_corrections).values(
                    workspace=workspace,
                    comment_id=comment_id,
                    field=field_name,
                    old_value=old_text,
                    new_value=value,
                    corrected_by=corrected_by,
                    reason=reason,
                    corrected_at=now,
                    audit_seq=entry.seq,
                )
            )
            _recompute_daily(connection, workspace, {(label.post_id, label.day)}, label.model)
        confirm_anchor(settings, entry.head)
        return entry.seq


def export_corrections(
    output: Path, *, workspace: str = "default", settings: Settings | None = None
) -> int:
    """Write corrected labels with their text (where still retained) as training data CSV.

    Columns: ``comment_id``, ``field``, ``label``, ``machine_label``, ``text``.
    Only the latest correction per comment and field is written; corrections
    whose text has expired are left out (the count is returned). ``output`` is
    checked first and written atomically (a symbolic link there is replaced).
    """
    check_output_file(output, option="output", overwrite=True)
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine, engine.connect() as connection:
        rows = read_frame(
            connection,
            select(
                label_corrections.c.correction_id,
                label_corrections.c.comment_id,
                label_corrections.c.field,
                label_corrections.c.new_value,
                label_corrections.c.old_value,
                comments.c.text,
            )
            .join(
                comments,
                and_(
                    comments.c.workspace == label_corrections.c.workspace,
                    comments.c.comment_id == label_corrections.c.comment_id,
                ),
            )
            .where(label_corrections.c.workspace == workspace)
            .order_by(label_corrections.c.correction_id),
        )
    latest = (
        rows.group_by("comment_id", "field", maintain_order=True).last() if rows.height else rows
    )
    with replaced_atomically(output) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["comment_id", "field", "label", "machine_label", "text"])
        for r in latest.iter_rows(named=True) if latest.height else []:
            writer.writerow(
                [r["comment_id"], r["field"], r["new_value"], r["old_value"], r["text"]]
            )
    return latest.height


# --------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class RetentionReport:
    """What :func:`enforce_retention` deleted."""

    workspace: str
    cutoff: datetime
    comments_deleted: int
    labels_deleted: int
    audit_seq: int | None


def enforce_retention(
    *,
    workspace: str = "default",
    as_of: datetime | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> RetentionReport:
    """Delete comment text older than the retention period; aggregates remain.

    A comment posted before ``as_of − comment_text_retention_days`` loses its
    row (text and author pseudonym) and its per-comment label; the daily
    aggregates already counted it and are kept. The comments' part of
    :func:`trustreach.services._retention.enforce_retention`, which enforces
    every table's retention.
    """
    from trustreach.services._retention import enforce_retention as enforce_tables

    run = enforce_tables(
        workspace=workspace,
        as_of=as_of,
        actor=actor,
        settings=settings,
        tables=("comments", "comment_labels"),
    )
    text, labels = run.table("comments"), run.table("comment_labels")
    assert text.cutoff is not None
    return RetentionReport(run.workspace, text.cutoff, text.removed, labels.removed, run.audit_seq)
