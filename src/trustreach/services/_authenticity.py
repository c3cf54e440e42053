"""Creator audits: load a creator's data, score and explain it, store and log the result."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, insert, select

from trustreach.core import (
    ConfigurationError,
    NotFoundError,
    Settings,
    check_output_file,
    check_output_folder,
    get_settings,
    write_text_atomically,
)
from trustreach.ethics.audit import digest_json
from trustreach.ethics.disclosure import generated_by
from trustreach.ingest import TABLE_COLUMNS
from trustreach.services._audit_guard import (
    audited_transaction,
    confirm_anchor,
    record_audit,
)
from trustreach.services._context import (
    check_workspace,
    read_frame,
    require_creator,
    store,
)
from trustreach.services._objections import require_not_objecting
from trustreach.store._tables import (
    audience_snapshots,
    comments,
    creator_accounts,
    creator_audits,
    creators,
    disputes,
    follower_accounts,
    follows,
    posts,
)

if TYPE_CHECKING:  # the model stack (LightGBM, scikit-learn) loads only when used
    from trustreach.audience import AuthenticityModel, CreatorAudit

TOP_ACCOUNTS = 10
# what the importer keeps about a follower: every column but the keys
_FEATURE_COLUMNS = TABLE_COLUMNS["follower_accounts"][1:]


def _load(connection: Connection, workspace: str, creator_id: str) -> dict[str, Any]:
    creator = require_creator(connection, workspace, creator_id)
    accounts = read_frame(
        connection,
        select(
            creator_accounts.c.account_id,
            creator_accounts.c.creator_id,
            creator_accounts.c.followers_count,
        ).where(creator_accounts.c.workspace == workspace),
    )
    own_ids = accounts.filter(pl.col("creator_id") == creator_id)["account_id"].to_list()
    sample = read_frame(
        connection,
        select(
            follower_accounts.c.follower_key, *(follower_accounts.c[c] for c in _FEATURE_COLUMNS)
        )
        .distinct()
        .join(
            follows,
            (follows.c.workspace == follower_accounts.c.workspace)
            & (follows.c.follower_key == follower_accounts.c.follower_key),
        )
        .where(follows.c.workspace == workspace, follows.c.creator_account_id.in_(own_ids)),
    )
    memberships = read_frame(
        connection,
        select(follows.c.follower_key, follows.c.creator_account_id).where(
            follows.c.workspace == workspace, follows.c.creator_account_id.in_(own_ids)
        ),
    )
    history = read_frame(
        connection,
        select(
            audience_snapshots.c.account_id,
            audience_snapshots.c.captured_on,
            audience_snapshots.c.followers_count,
        )
        .where(audience_snapshots.c.workspace == workspace)
        .where(audience_snapshots.c.account_id.in_(own_ids))
        .order_by(audience_snapshots.c.captured_on),
    )
    all_posts = read_frame(
        connection,
        select(
            posts.c.post_id,
            posts.c.account_id,
            posts.c.posted_at,
            posts.c.likes,
            posts.c.comments,
            posts.c.views,
        ).where(posts.c.workspace == workspace),
    )
    own_posts = all_posts.filter(pl.col("account_id").is_in(own_ids))
    own_comments = read_frame(
        connection,
        select(comments.c.post_id, comments.c.author_key, comments.c.posted_at, comments.c.text)
        .where(comments.c.workspace == workspace)
        .where(comments.c.post_id.in_(own_posts["post_id"].to_list() or [""])),
    )
    dispute_rows = connection.execute(
        select(disputes)
        .where(disputes.c.workspace == workspace, disputes.c.creator_id == creator_id)
        .order_by(disputes.c.dispute_id)
    ).all()
    return {
        "creator": creator,
        "accounts": accounts,
        "own_ids": own_ids,
        "sample": sample,
        "memberships": memberships,
        "history": history,
        "all_posts": all_posts,
        "own_posts": own_posts,
        "comments": own_comments,
        "disputes": dispute_rows,
    }


def _assess(data: dict[str, Any], workspace: str) -> tuple[CreatorAudit, AuthenticityModel]:
    """Pure part: model scores, signals, quality (no database)."""
    from trustreach.audience import (
        AccountExplanation,
        CreatorAudit,
        DisputeView,
        audience_quality,
        bot_comments,
        engagement_outliers,
        engagement_pods,
        flag_reasons,
        follower_band,
        follower_spikes,
        like_comment_ratio,
        load_authenticity_model,
        peer_bands,
        strongest_signal,
    )

    model = load_authenticity_model()
    creator = data["creator"]
    accounts: pl.DataFrame = data["accounts"]
    own = accounts.filter(pl.col("creator_id") == creator.creator_id)
    population = int(own["followers_count"].fill_null(0).sum()) if own.height else 0
    sample: pl.DataFrame = data["sample"]
    fake_share = None
    probabilities = np.zeros(0)
    top: list[Any] = []
    reasons: tuple[tuple[str, float], ...] = ()
    insufficient = 0
    flagged = np.zeros(0, dtype=bool)
    if sample.height:
        scores = model.score(sample)
        scored = ~np.isnan(scores)
        insufficient = int((~scored).sum())
        sample = sample.filter(pl.Series(scored))
        probabilities = scores[scored]
        flagged = model.flag(probabilities)
    if sample.height:
        fake_share = _fake_share(data, own, sample, flagged, model, population, insufficient)
        reasons = flag_reasons(model, sample, flagged)
        order = np.argsort(-probabilities)[:TOP_ACCOUNTS].tolist()
        shown = sample[order]
        for key, p, words in zip(
            shown["follower_key"].to_list(),
            probabilities[order].tolist(),
            model.top_signals(shown),
            strict=True,
        ):
            top.append(AccountExplanation(key, float(p), tuple(words)))
    own_posts: pl.DataFrame = data["own_posts"]
    history: pl.DataFrame = data["history"]
    peers = peer_bands(data["all_posts"], accounts)
    spikes, spike_signals, outlier_signals, ratio_signals = [], [], [], []
    for account_id in data["own_ids"]:
        account_posts = own_posts.filter(pl.col("account_id") == account_id)
        account_history = history.filter(pl.col("account_id") == account_id)
        found, signal = follower_spikes(account_history, posts=account_posts)
        spikes += found
        spike_signals.append(signal)
        followers = int(
            own.filter(pl.col("account_id") == account_id)["followers_count"].fill_null(0).sum()
        )
        outlier_signals.append(
            engagement_outliers(account_posts, followers, peers, creator_id=creator.creator_id)
        )
        ratio_signals.append(like_comment_ratio(account_posts))
    signals = [
        strongest_signal(group)
        for group in (spike_signals, outlier_signals, ratio_signals)
        if group
    ]
    signals.append(engagement_pods(data["comments"], own_posts))
    signals.append(bot_comments(data["comments"]))
    try:
        quality = audience_quality(fake_share, signals)
    except ValueError:
        raise TooLittleToAudit(creator.creator_id) from None
    # the chart shows exactly what the engagement signal compared
    outlier = next((s for s in signals if s.kind == "engagement_outlier"), None)
    details = {} if outlier is None else outlier.details
    engagement_rate = _number(details.get("median_engagement_rate"))
    peer_rate = _number(details.get("peer_median"))
    band = str(details.get("peer_band") or follower_band(population))
    history_points: dict[Any, int] = {}
    for day, count in zip(
        history["captured_on"].to_list(), history["followers_count"].to_list(), strict=True
    ):
        history_points[day] = history_points.get(day, 0) + int(count)
    return CreatorAudit(
        workspace=workspace,
        creator_id=creator.creator_id,
        display_name=creator.display_name,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        fake_share=fake_share,
        signals=tuple(signals),
        spikes=tuple(sorted(spikes, key=lambda s: s.start)),
        quality=quality,
        follower_history=tuple(sorted(history_points.items())),
        fake_probabilities=tuple(float(p) for p in probabilities),
        engagement_rate=engagement_rate,
        peer_band=band,
        peer_engagement_rate=peer_rate,
        top_accounts=tuple(top),
        flag_reasons=reasons,
        insufficient_data=insufficient,
        disputes=tuple(
            DisputeView(
                dispute_id=d.dispute_id,
                status=d.status,
                reason=d.reason,
                decision=d.decision,
                filed_at=str(d.filed_at)[:19],
                resolved_at=None if d.resolved_at is None else str(d.resolved_at)[:19],
            )
            for d in data["disputes"]
        ),
    ), model


def _fake_share(
    data: dict[str, Any],
    own: pl.DataFrame,
    sample: pl.DataFrame,
    flagged: np.ndarray,
    model: AuthenticityModel,
    population: int,
    insufficient: int,
) -> Any:
    """Corrected fake-looking share of the scored sample, each own account a stratum
    weighted by its followers (every own account samples its own followers)."""
    from trustreach.audience import FakeShare, estimate_prevalence

    profile = model.field_profile(sample)
    keys = pl.DataFrame(
        {"follower_key": sample["follower_key"], "_flagged": pl.Series(flagged, dtype=pl.Boolean)}
    )
    members = data["memberships"].join(keys, on="follower_key", how="inner")
    strata = []
    for account_id, followers in own.select("account_id", "followers_count").iter_rows():
        inside = members.filter(pl.col("creator_account_id") == account_id)
        if inside.height:
            strata.append((float(followers or 0), int(inside["_flagged"].sum()), inside.height))
    if not strata:  # no follow rows: one stratum of the whole sample
        strata = [(1.0, int(flagged.sum()), int(flagged.size))]
    prevalence = estimate_prevalence(strata, model.rates(profile))
    return FakeShare(
        estimate=prevalence.estimate,
        flagged_share=prevalence.flagged_share,
        low=prevalence.low,
        high=prevalence.high,
        sample_size=sample.height,
        population=population or None,
        model_name=model.name,
        model_version=model.version,
        insufficient_data=insufficient,
        field_profile=profile,
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _evidence(audit: CreatorAudit) -> dict[str, Any]:
    """The stored, creator-visible evidence (no probabilities of individual accounts)."""
    record = asdict(audit)
    record.pop("fake_probabilities")
    record["follower_history"] = [(str(d), c) for d, c in audit.follower_history]
    return json.loads(json.dumps(record, default=str))  # type: ignore[no-any-return]


def audit_generated_by(evidence: Mapping[str, Any]) -> str:
    """The machine-generated marker of an audit's evidence: trustreach and the model used.

    >>> audit_generated_by({"fake_share": {"model_name": "fake_account", "model_version": "3"}})
    'trustreach 0.1.0 (audience audit, model fake_account 3)'
    >>> audit_generated_by({"fake_share": None})
    'trustreach 0.1.0 (audience audit)'
    """
    fake = evidence.get("fake_share") or {}
    name, version = fake.get("model_name"), fake.get("model_version")
    return generated_by(f"audience audit, model {name} {version}" if name else "audience audit")


def audit_json(audit: CreatorAudit) -> dict[str, Any]:
    """An audit as JSON, shaped like the API's answer: the stored evidence and its marker."""
    evidence = _evidence(audit)
    return {
        "creator_id": audit.creator_id,
        "audit_seq": audit.audit_seq,
        "generated_at": audit.generated_at,
        "generated_by": audit_generated_by(evidence),
        "evidence": evidence,
    }


class TooLittleToAudit(ConfigurationError):
    """A creator whose data measures nothing yet: no audit is made, nothing is recorded."""

    def __init__(self, creator_id: str) -> None:
        super().__init__(
            f"creator {creator_id!r} cannot be audited yet: there is too little data to "
            "measure anything (no follower sample could be scored, and every engagement "
            "signal needs more posts, comments or follower history); nothing was recorded"
        )
        self.creator_id = creator_id


def audit_creator(
    creator_id: str,
    *,
    workspace: str = "default",
    report_path: Path | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
) -> CreatorAudit:
    """Audit one creator's audience and store, log and optionally render the result.

    Returns a :class:`trustreach.audience.CreatorAudit` whose ``audit_seq`` is
    the audit-log record of this audit. The evidence is stored so the creator
    can see it and contest it (:func:`file_dispute`). ``report_path`` is checked
    before the audit (a writable folder, not a directory) and written atomically:
    a symbolic link there is replaced, never followed.
    """
    from trustreach.audience import render_audit_html

    if report_path is not None:
        check_output_file(report_path, option="report_path", overwrite=True)
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine:
        with engine.connect() as connection:
            data = _load(connection, workspace, creator_id)
            require_not_objecting(connection, workspace, creator_id)  # GDPR Art. 21
        audit, model = _assess(data, workspace)
        digest = digest_json(
            {
                "sample": data["sample"].sort("follower_key").rows(),
                "history": data["history"].rows(),
                "posts": data["own_posts"].sort("post_id").rows(),
                "comments": data["comments"].height,
            }
        )
        evidence = _evidence(audit)
        with audited_transaction(settings, engine) as connection:
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="audit_creator",
                workspace=workspace,
                subject=f"creator:{creator_id}",
                model_name=model.name,
                model_version=model.version,
                input_digest=digest,
                details={
                    "quality_score": round(audit.quality.score, 1),
                    "signals_raised": [s.kind for s in audit.signals if s.raised],
                    "fake_share": None
                    if audit.fake_share is None
                    else round(audit.fake_share.flagged_share, 4),
                },
            )
            connection.execute(
                insert(creator_audits).values(
                    workspace=workspace,
                    creator_id=creator_id,
                    audit_seq=entry.seq,
                    generated_at=datetime.now(UTC),
                    model_name=model.name,
                    model_version=model.version,
                    quality_score=float(audit.quality.score),
                    result=json.dumps(evidence, sort_keys=True),
                )
            )
        confirm_anchor(settings, entry.head)
    from dataclasses import replace

    audit = replace(audit, audit_seq=entry.seq)
    if report_path is not None:
        write_text_atomically(report_path, render_audit_html(audit, threshold=model.threshold))
    return audit


def audit_workspace(
    *,
    workspace: str = "default",
    report_dir: Path | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_skip: Callable[[TooLittleToAudit], None] | None = None,
) -> list[CreatorAudit]:
    """Audit every creator of a workspace (one audit-log record each); optionally
    write one HTML report per creator into ``report_dir`` (checked first).

    A creator whose data measures nothing yet (:class:`TooLittleToAudit`) is
    skipped, not audited, and handed to ``on_skip``; the others are audited.
    """
    if report_dir is not None:
        check_output_folder(report_dir, option="report_dir", overwrite=True)
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine, engine.connect() as connection:
        ids = list(
            connection.execute(
                select(creators.c.creator_id)
                .where(creators.c.workspace == workspace)
                .order_by(creators.c.creator_id)
            ).scalars()
        )
    audits = []
    for done, creator_id in enumerate(ids, start=1):
        report = None if report_dir is None else report_dir / f"{creator_id}.html"
        try:
            audits.append(
                audit_creator(
                    creator_id,
                    workspace=workspace,
                    report_path=report,
                    actor=actor,
                    settings=settings,
                )
            )
        except TooLittleToAudit as skipped:
            if on_skip is not None:
                on_skip(skipped)
        if progress is not None:
            progress(done, len(ids))
    return audits


def train_authenticity_model(
    data: Path, *, out_dir: Path | None = None, card_path: Path | None = None, seed: int = 0
) -> dict[str, Any]:
    """Reproducibly train the fake-account model (see the model card for what it reports)."""
    import trustreach.audience as audience
    from trustreach.audience import train_authenticity

    if not data.is_file():
        raise NotFoundError(f"{data}: no such file (expected InstaFake fake_accounts_train.jsonl)")
    target = out_dir or Path(audience.__file__).parent / "models"
    return train_authenticity(data, target, seed=seed, card_path=card_path)
