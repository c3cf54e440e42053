"""Discovery use-cases: build the creator index, rank for a brief, propose a shortlist.

The index is built from the store (accounts, latest audience snapshots, recent
posts, latest audits, declared rates) and kept as files under the data
directory. It is rebuilt automatically when anything it reads has changed
since it was built: imports and audience audits are the only writers of what
it reads, each appends to the audit log, and the index remembers the last
such record. (Declared attributes are read fresh for every ranking.)
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, func, select

from trustreach.core import ConfigurationError, NotFoundError, Settings, get_settings
from trustreach.discovery import Brief, PerformanceModel
from trustreach.discovery._fx import FxRates, load_fx_rates
from trustreach.discovery._index import (
    FRAUD_SIGNALS,
    CreatorIndex,
    CreatorIndexError,
    shares_matrix,
)
from trustreach.discovery._performance import MODEL_NAME, MODEL_VERSION
from trustreach.discovery._rank import query_from_brief, query_like, rank_creators
from trustreach.discovery._ranking import FairSpec, Query, Ranking
from trustreach.discovery._summary import exposure_line, fair_effect
from trustreach.ethics.privacy import suppress_shares
from trustreach.ingest._schema import AGE_BANDS, GENDERS, DeclaredAttribute
from trustreach.services._context import check_workspace, read_frame, require_workspace, store
from trustreach.services._creators import resolve_creator
from trustreach.services._objections import objecting
from trustreach.services._shortlist import ProposedEntry, declared_attributes, propose_shortlist
from trustreach.store._tables import (
    audience_snapshots,
    audit_log,
    creator_accounts,
    creator_audits,
    creators,
    posts,
)

RECENT_POSTS = 30
"""Posts per account whose captions and hashtags make its topic embedding."""
TOP_TERMS = 3
INDEXED_ACTIONS = ("import", "audit_creator", "erase_creator", "profiling_objection")
"""Audit-log actions that change what the index reads (accounts, snapshots, posts, audits)."""
DECLARED_ATTRIBUTES = tuple(a.value for a in DeclaredAttribute)


@dataclass(frozen=True)
class IndexSummary:
    """What :func:`build_discovery_index` built."""

    folder: Path
    accounts: int
    creators: int
    with_audience: int
    with_text: int
    audited: int
    with_rate: int
    with_prediction: int
    source_seq: int
    seconds: float


def index_folder(settings: Settings, workspace: str) -> Path:
    """Where a workspace's creator index lives (one per database and workspace)."""
    url = settings.resolved_database_url()
    tag = hashlib.sha256(url.encode()).hexdigest()[:12]
    return settings.data_dir / "index" / tag / workspace


def _source_seq(connection: Connection, workspace: str) -> int:
    """Sequence number of the last audit-log record that changed indexed data."""
    query = select(func.max(audit_log.c.seq)).where(
        audit_log.c.workspace == workspace, audit_log.c.action.in_(INDEXED_ACTIONS)
    )
    value = connection.execute(query).scalar()
    return int(value or 0)


def _embedder() -> Any:
    from trustreach.nlp import TextEmbedder

    return TextEmbedder.load()


def _latest(frame: pl.DataFrame, key: str, order: str) -> pl.DataFrame:
    return frame.sort([key, order]).group_by(key, maintain_order=True).last()


def _shares(value: Any) -> dict[str, float] | None:
    """A JSON share mapping as read back (structs fill absent keys with None)."""
    if not value:
        return None
    return {str(k): float(v) for k, v in value.items() if v is not None}


def _shown(
    shares: dict[str, float] | None, audience: Any, minimum: int
) -> tuple[dict[str, float] | None, list[str]]:
    """The shares that may be shown of a snapshot, and the buckets hidden (rule T5).

    Without an audience size no bucket's people are known: nothing is shown.
    """
    if not shares:
        return shares, []
    if audience is None:
        return None, list(shares)
    kept = suppress_shares(shares, audience=float(audience), minimum=minimum)
    if kept.withheld:
        return None, list(shares)
    return {b: shares[b] for b in kept.shown}, list(kept.hidden)


def _has(table: Any, *names: str) -> bool:
    return all(name in table.c for name in names)


def _load_frames(connection: Connection, workspace: str) -> dict[str, pl.DataFrame]:
    rate_columns = (
        [creator_accounts.c.rate_per_post, creator_accounts.c.rate_currency]
        if _has(creator_accounts, "rate_per_post", "rate_currency")
        else []
    )
    accounts = read_frame(
        connection,
        select(
            creator_accounts.c.account_id,
            creator_accounts.c.creator_id,
            creator_accounts.c.platform,
            creator_accounts.c.followers_count,
            creators.c.display_name,
            creators.c.language,
            *rate_columns,
        )
        .join(
            creators,
            (creators.c.workspace == creator_accounts.c.workspace)
            & (creators.c.creator_id == creator_accounts.c.creator_id),
        )
        .where(creator_accounts.c.workspace == workspace)
        .order_by(creator_accounts.c.creator_id, creator_accounts.c.account_id),
    )
    snapshots = read_frame(
        connection,
        select(
            audience_snapshots.c.account_id,
            audience_snapshots.c.captured_on,
            audience_snapshots.c.followers_count,
            audience_snapshots.c.age_bands,
            audience_snapshots.c.genders,
            audience_snapshots.c.countries,
        ).where(audience_snapshots.c.workspace == workspace),
    )
    post_rows = read_frame(
        connection,
        select(
            posts.c.post_id,
            posts.c.account_id,
            posts.c.posted_at,
            posts.c.media_type,
            posts.c.likes,
            posts.c.comments,
            posts.c.views,
            posts.c.shares,
            posts.c.caption,
            posts.c.hashtags,
        ).where(posts.c.workspace == workspace),
    )
    audits = read_frame(
        connection,
        select(
            creator_audits.c.creator_id,
            creator_audits.c.audit_seq,
            creator_audits.c.model_name,
            creator_audits.c.model_version,
            creator_audits.c.quality_score,
            creator_audits.c.result,
        ).where(creator_audits.c.workspace == workspace),
    )
    return {"accounts": accounts, "snapshots": snapshots, "posts": post_rows, "audits": audits}


def _post_text(caption: str | None, hashtags: list[str] | None) -> str:
    tags = " ".join(f"#{t}" for t in hashtags or [])
    return f"{caption or ''} {tags}".strip()


def _topics(
    accounts: pl.DataFrame, post_rows: pl.DataFrame, embedder: Any
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], list[str]]:
    """Mean embedding of each account's recent posts, and its most used hashtags."""
    n = accounts.height
    dim = int(embedder.dim)
    topics = np.zeros((n, dim), dtype=np.float32)
    terms = [""] * n
    if post_rows.height == 0:
        return topics, terms
    recent = (
        post_rows.sort(["account_id", "posted_at"], descending=[False, True])
        .group_by("account_id", maintain_order=True)
        .head(RECENT_POSTS)
    )
    row_of = {a: i for i, a in enumerate(accounts["account_id"].to_list())}
    texts: list[str] = []
    owners: list[int] = []
    tags: dict[int, Counter[str]] = {}
    for account_id, caption, hashtags in recent.select(
        "account_id", "caption", "hashtags"
    ).iter_rows():
        row = row_of.get(account_id)
        if row is None:
            continue
        text = _post_text(caption, hashtags)
        if text:
            texts.append(text)
            owners.append(row)
        tags.setdefault(row, Counter()).update(f"#{t.lower()}" for t in hashtags or [])
    if texts:
        vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
        np.add.at(topics, np.asarray(owners), vectors)
        norms = np.linalg.norm(topics, axis=1, keepdims=True)
        np.divide(topics, norms, out=topics, where=norms > 0)
    for row, counter in tags.items():
        terms[row] = ", ".join(t for t, _ in counter.most_common(TOP_TERMS))
    return topics, terms


def _predictions(accounts: pl.DataFrame, post_rows: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    model = PerformanceModel()
    frame = accounts.select("account_id", "platform", "followers_count")
    with_posts = post_rows.filter(pl.col("account_id").is_in(frame["account_id"].implode()))
    if with_posts.height == 0:
        empty = frame.select("account_id").with_columns(
            *(pl.lit(None, dtype=pl.Float64).alias(c) for c in _PREDICTED)
        )
        return empty, "none (no posts)"
    model.fit(with_posts.drop("caption", "hashtags"), frame)
    predicted = model.predict(frame)
    # accounts with no post of their own get only the peer prior: not a prediction of them
    own = set(with_posts["account_id"].unique().to_list())
    mask = pl.col("account_id").is_in(list(own))
    predicted = predicted.with_columns(
        *(pl.when(mask).then(pl.col(c)).otherwise(None).alias(c) for c in _PREDICTED)
    )
    return predicted, f"{MODEL_NAME}@{MODEL_VERSION}"


_PREDICTED = (
    "expected_engagements",
    "engagements_low",
    "engagements_high",
    "expected_reach",
    "reach_low",
    "reach_high",
)


def _audit_columns(accounts: pl.DataFrame, audits: pl.DataFrame) -> dict[str, np.ndarray[Any, Any]]:
    """The latest audit of each account's creator: fake-looking share with its interval,
    Audience Quality, and the strength of each fraud signal it raised (0 if not raised)."""
    n = accounts.height
    out = {k: np.full(n, np.nan) for k in ("fake_share", "fake_low", "fake_high", "quality")}
    out["signals"] = np.full((n, len(FRAUD_SIGNALS)), np.nan, dtype=np.float32)
    if audits.height == 0:
        return out
    latest = _latest(audits, "creator_id", "audit_seq")
    by_creator: dict[str, tuple[tuple[float, float, float, float], list[float]]] = {}
    for creator_id, quality, result in latest.select(
        "creator_id", "quality_score", "result"
    ).iter_rows():
        evidence = json.loads(result)
        share = evidence.get("fake_share") or {}
        raised = [0.0] * len(FRAUD_SIGNALS)
        for signal in evidence.get("signals") or []:
            kind = signal.get("kind")
            if signal.get("raised") and kind in FRAUD_SIGNALS:
                at = FRAUD_SIGNALS.index(kind)
                raised[at] = max(raised[at], float(signal.get("strength") or 0.0))
        # the share shown must be the one its interval describes: audits that record a
        # field profile give the corrected estimate's interval; older ones a Wilson
        # interval on the flagged share
        shown = share.get("estimate") if "field_profile" in share else share.get("flagged_share")
        by_creator[creator_id] = (
            (
                np.nan if shown is None else shown,
                share.get("low", np.nan),
                share.get("high", np.nan),
                quality,
            ),
            raised,
        )
    for i, creator_id in enumerate(accounts["creator_id"].to_list()):
        found = by_creator.get(creator_id)
        if found is not None:
            values, raised = found
            for key, value in zip(
                ("fake_share", "fake_low", "fake_high", "quality"), values, strict=True
            ):
                out[key][i] = np.nan if value is None else float(value)
            out["signals"][i] = raised
    return out


def build_discovery_index(
    *,
    workspace: str = "default",
    settings: Settings | None = None,
    embedder: Any = None,
) -> IndexSummary:
    """Build (or rebuild) the workspace's creator index from the store."""
    started = datetime.now(UTC)
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    with store(settings) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        frames = _load_frames(connection, workspace)
        source_seq = _source_seq(connection, workspace)
        objected = sorted(objecting(connection, workspace))  # GDPR Art. 21: never indexed
    frames["accounts"] = frames["accounts"].filter(~pl.col("creator_id").is_in(objected))
    accounts = frames["accounts"]
    if accounts.height == 0:
        raise NotFoundError(
            f"workspace {workspace!r} has no creator accounts to index; import some first"
        )
    embedder = embedder or _embedder()
    snapshots = (
        _latest(frames["snapshots"], "account_id", "captured_on")
        if frames["snapshots"].height
        else None
    )
    # small groups stay hidden (ethics rule T5): only buckets of at least
    # min_bucket_size people, and no complement that would reveal a hidden one, reach
    # the index, so nothing ranked, explained or shown from it can reveal them
    snap_by_account: dict[str, tuple[Any, Any, Any]] = {}
    hidden_by_account: dict[str, tuple[list[str], list[str], list[str]]] = {}
    if snapshots is not None:
        for account_id, audience, *dims in snapshots.select(
            "account_id", "followers_count", "age_bands", "genders", "countries"
        ).iter_rows():
            kept = [_shown(_shares(d), audience, settings.min_bucket_size) for d in dims]
            snap_by_account[account_id] = (kept[0][0], kept[1][0], kept[2][0])
            hidden_by_account[account_id] = (kept[0][1], kept[1][1], kept[2][1])
    account_ids = accounts["account_id"].to_list()
    snaps = [snap_by_account.get(a, (None, None, None)) for a in account_ids]
    country_totals: Counter[str] = Counter()
    for _, _, countries in snaps:
        country_totals.update(countries or {})
    countries = tuple(sorted(country_totals))
    topics, terms = _topics(accounts, frames["posts"], embedder)
    predicted, performance_version = _predictions(accounts, frames["posts"])
    predicted = accounts.select("account_id").join(predicted, on="account_id", how="left")
    audits = _audit_columns(accounts, frames["audits"])
    has_rates = "rate_per_post" in accounts.columns
    rate = (
        accounts["rate_per_post"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        if has_rates
        else np.full(accounts.height, np.nan)
    )
    rate_currency = (
        accounts["rate_currency"].fill_null("").to_numpy().astype(object)
        if has_rates
        else np.full(accounts.height, "", dtype=object)
    )
    authenticity_versions = (
        sorted(
            {
                f"{n}@{v}"
                for n, v in frames["audits"].select("model_name", "model_version").iter_rows()
                if n
            }
        )
        if frames["audits"].height
        else []
    )

    def column(name: str) -> np.ndarray[Any, Any]:
        return predicted[name].cast(pl.Float64).fill_null(np.nan).to_numpy().copy()

    age = shares_matrix([s[0] for s in snaps], AGE_BANDS)
    gender = shares_matrix([s[1] for s in snaps], GENDERS)
    country = shares_matrix([s[2] for s in snaps], countries)
    for row, account_id in enumerate(account_ids):
        hidden = hidden_by_account.get(account_id)
        if hidden is None:
            continue
        for matrix, labels, keys in zip(
            (age, gender, country), (AGE_BANDS, GENDERS, countries), hidden, strict=True
        ):
            for key in keys:  # hidden is not "0%": NaN, so rules count it as unreported
                if key in labels:
                    matrix[row, labels.index(key)] = np.nan
    index = CreatorIndex(
        creator_id=accounts["creator_id"].to_numpy().astype(object),
        account_id=np.asarray(account_ids, dtype=object),
        display_name=accounts["display_name"].to_numpy().astype(object),
        platform=accounts["platform"].to_numpy().astype(object),
        language=accounts["language"].fill_null("").to_numpy().astype(object),
        followers=accounts["followers_count"].cast(pl.Float64).fill_null(np.nan).to_numpy().copy(),
        age=age,
        gender=gender,
        countries=countries,
        country=country,
        topics=topics,
        top_terms=np.asarray(terms, dtype=object),
        engagements=column("expected_engagements"),
        engagements_low=column("engagements_low"),
        engagements_high=column("engagements_high"),
        reach=column("expected_reach"),
        reach_low=column("reach_low"),
        reach_high=column("reach_high"),
        rate=rate,
        rate_currency=rate_currency,
        meta={
            "workspace": workspace,
            "built_at": started.isoformat(),
            "source_seq": source_seq,
            "min_bucket_size": settings.min_bucket_size,
            "model_versions": {
                "text_embedding": embedder.version,
                "performance": performance_version,
                **(
                    {"authenticity": ", ".join(authenticity_versions)}
                    if authenticity_versions
                    else {}
                ),
            },
        },
        **audits,
    )
    folder = index_folder(settings, workspace)
    index.save(folder)
    return IndexSummary(
        folder=folder,
        accounts=len(index),
        creators=int(index.segments().size),
        with_audience=int((~np.isnan(index.age).all(axis=1)).sum()),
        with_text=int(np.any(topics != 0, axis=1).sum()),
        audited=int(np.isfinite(index.fake_share).sum()),
        with_rate=int(np.isfinite(index.rate).sum()),
        with_prediction=int(np.isfinite(index.engagements).sum()),
        source_seq=source_seq,
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )


def load_discovery_index(
    *, workspace: str = "default", settings: Settings | None = None, refresh: bool = False
) -> CreatorIndex:
    """The workspace's creator index, rebuilt first when missing or out of date."""
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    folder = index_folder(settings, workspace)
    if not refresh and CreatorIndex.exists(folder):
        try:
            index: CreatorIndex | None = CreatorIndex.load(folder)
        except CreatorIndexError:  # an older format or an incomplete generation: rebuild
            index = None
        if index is not None:
            with store(settings) as engine, engine.connect() as connection:
                current = _source_seq(connection, workspace)
            if (
                index.meta.get("source_seq") == current
                and index.meta.get("min_bucket_size") == settings.min_bucket_size
            ):
                return index
    build_discovery_index(workspace=workspace, settings=settings)
    return CreatorIndex.load(folder)


def review_record(ranking: Ranking) -> dict[str, Any]:
    """What a person deciding on the shortlist needs to see, kept with the proposal.

    The reason and numbers of every creator set aside (held for review or
    excluded by a rule), the audience risk of every ranked creator, the exposure
    audit by each declared attribute and fair mode's effect, in the wording of
    the console and HTML reports.
    """
    document = ranking.to_dict()
    effect = fair_effect(ranking)
    return {
        "findings": {"review": document["review"], "excluded": document["excluded"]},
        "risk": {row["creator_id"]: row["authenticity"] for row in document["shortlist"]},
        "exposure_audit": {
            attribute: exposure_line(attribute, audit)
            for attribute, audit in sorted(ranking.exposure.items())
        },
        "fair_effect": effect.sentence() if effect else None,
        "eligible": ranking.eligible,
        "out_of_scope": dict(ranking.out_of_scope),
        "notes": list(ranking.notes),
    }


@dataclass(frozen=True)
class Discovery:
    """A ranking and the shortlist proposal it was stored as (None when not proposed)."""

    ranking: Ranking
    shortlist_id: str | None


def _declared_groups(workspace: str, settings: Settings) -> dict[str, dict[str, str]]:
    """``{attribute: {creator_id: value}}`` of attributes declared with consent in force."""
    groups: dict[str, dict[str, str]] = {}
    for creator_id, attributes in declared_attributes(
        workspace=workspace, settings=settings
    ).items():
        for attribute, value in attributes.items():
            groups.setdefault(attribute, {})[creator_id] = value
    return groups


def discover(
    brief: Brief | None = None,
    *,
    like: str | None = None,
    top_n: int | None = None,
    fair: str | None = None,
    propose: bool = True,
    created_by: str = "trustreach",
    workspace: str = "default",
    settings: Settings | None = None,
    fx_rates: str | Path | FxRates | None = None,
) -> Discovery:
    """Rank creators for a brief (or like a creator) and propose the shortlist.

    The proposal is stored for human approval (``trustreach shortlist``) and
    written to the audit log with the model versions used; nothing is
    approved automatically. ``fx_rates`` is an exchange-rate table (or a CSV,
    YAML or JSON file of one) for fees declared in another currency than the
    budget's; by default the shipped reference snapshot is used.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    if brief is None and like is None:
        raise ConfigurationError("discover needs a brief, --like CREATOR, or both")
    fx = load_fx_rates(fx_rates) if isinstance(fx_rates, str | Path) else fx_rates
    if like is not None:  # a creator_id, a unique display name or a handle
        try:
            like = resolve_creator(like, workspace=workspace, settings=settings)
        except (NotFoundError, ConfigurationError) as exc:
            raise type(exc)(f"--like: {exc}") from exc
    index = load_discovery_index(workspace=workspace, settings=settings)
    embedder = _embedder()
    query: Query = (
        query_like(index, like, brief=brief, embedding_version=embedder.version)
        if like is not None
        else query_from_brief(brief, embedder)  # type: ignore[arg-type]
    )
    groups = _declared_groups(workspace, settings)
    fair_spec = (
        FairSpec.parse(
            fair,
            attributes=DECLARED_ATTRIBUTES,
            values={attribute: set(by.values()) for attribute, by in groups.items()},
        )
        if fair
        else None
    )
    n = top_n or (brief.top_n if brief else 10)
    ranking = rank_creators(index, query, top_n=n, groups=groups, fair=fair_spec, fx_rates=fx)
    shortlist_id: str | None = None
    if propose:
        described = query.describe()
        digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()
        proposal = propose_shortlist(
            brief_id=brief.brief_id if brief else f"like:{like}",
            campaign_id=brief.campaign_id if brief else None,
            brief_digest=digest,
            entries=[
                ProposedEntry(
                    creator_id=row.creator_id,
                    rank=row.rank,
                    score=row.score,
                    components={c.name: c.to_dict() for c in row.components},
                    explanation=row.explanation,
                )
                for row in ranking.shortlist
            ],
            model_versions=ranking.model_versions,
            brand=brief.brand if brief else None,
            parameters={
                "query": described,
                "top_n": n,
                "fair": fair_spec.__dict__ if fair_spec else None,
                "excluded": [f.creator_id for f in ranking.excluded],
                "review": [f.creator_id for f in ranking.review],
                **review_record(ranking),
            },
            created_by=created_by,
            workspace=workspace,
            settings=settings,
        )
        shortlist_id = proposal.shortlist_id
    return Discovery(ranking, shortlist_id)
