"""The plain-language explanation of each ranked row: one sentence per strong, weak
or unmeasured component, with the numbers behind it (fees with the exchange rate and
date used)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from trustreach.core import plural
from trustreach.discovery._fx import FxRates
from trustreach.discovery._index import CreatorIndex
from trustreach.discovery._ranking import (
    COMPONENTS,
    LABELS,
    Component,
    FloatArray,
    Query,
    RankedCreator,
    _Parts,
)

# --------------------------------------------------------------------------- explanations


def _pct(share: float) -> str:
    return f"{share:.0%}"


def _count(value: float) -> str:
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def _explain(
    index: CreatorIndex,
    row: int,
    p: int,
    parts: _Parts,
    used: Mapping[str, FloatArray],
    weights: Mapping[str, float],
    medians: Mapping[str, float | None],
    query: Query,
    *,
    rank: int,
    score_rank: int,
    eligible: int,
    protected: bool | None,
) -> RankedCreator:
    components: list[Component] = []
    for name in COMPONENTS:
        raw = float(parts.values[name][p])
        measured = math.isfinite(raw)
        value = float(used[name][p])
        detail, numbers = _detail(name, index, row, p, parts, query, measured, medians.get(name))
        components.append(
            Component(
                name=name,
                score=round(raw, 4) if measured else None,
                used=round(value, 4),
                weight=round(weights[name], 4),
                contribution=round(weights[name] * value, 4),
                detail=detail,
                numbers=numbers,
            )
        )
    score = sum(c.weight * c.used for c in components)
    weighted = [c for c in components if c.weight > 0]
    strong = sorted((c for c in weighted if not c.imputed), key=lambda c: -c.contribution)[:2]
    weak = min((c for c in weighted if not c.imputed), key=lambda c: c.used, default=None)
    sentences = [
        f"Ranked {rank} of {plural(eligible, 'eligible creator')} with a score of {score:.2f}."
    ]
    if rank != score_rank:
        sentences.append(
            f"Fair mode moved this creator from {score_rank} by score alone to {rank}."
        )
    if strong:
        sentences.append(
            "Strongest: "
            + "; ".join(f"{LABELS[c.name]} {c.used:.2f} ({c.detail})" for c in strong)
            + "."
        )
    if weak is not None and weak not in strong and weak.used < 0.5:
        sentences.append(f"Held back by {LABELS[weak.name]} {weak.used:.2f} ({weak.detail}).")
    missing = [c for c in weighted if c.imputed]
    if missing:
        sentences.append(
            "Not measured, counted at the candidates' median: "
            + "; ".join(f"{LABELS[c.name]} ({c.detail})" for c in missing)
            + "."
        )
    cost = next(c for c in components if c.name == "cost")
    said = {c.name for c in (*strong, *missing)} | ({weak.name} if weak else set())
    if cost.numbers.get("fx_date") is not None and "cost" not in said:
        sentences.append(f"Cost: {cost.detail}.")
    return RankedCreator(
        rank=rank,
        score_rank=score_rank,
        creator_id=str(index.creator_id[row]),
        account_id=str(index.account_id[row]),
        display_name=str(index.display_name[row]),
        platform=str(index.platform[row]),
        score=round(score, 4),
        components=tuple(components),
        explanation=" ".join(sentences),
        protected=protected,
    )


def _detail(
    name: str,
    index: CreatorIndex,
    row: int,
    p: int,
    parts: _Parts,
    query: Query,
    measured: bool,
    median: float | None,
) -> tuple[str, dict[str, float | str | None]]:
    numbers: dict[str, float | str | None] = {}
    if name == "audience_fit":
        shares: dict[str, float] = {}
        for dim, values in parts.dims.items():
            v = float(values[p])
            numbers[dim] = round(v, 4) if math.isfinite(v) else None
            if math.isfinite(v):
                shares[dim] = v
        if not parts.dims:
            return "the query sets no audience target", numbers
        if not measured:
            return "the platform reported no audience breakdown for this account", numbers
        if query.kind == "like":
            bits = [f"{dim} mix {_pct(v)} alike" for dim, v in shares.items()]
            return "reported audience " + ", ".join(bits), numbers
        target = {
            "age": "target age bands",
            "gender": "target genders",
            "country": "target countries",
        }
        bits = [f"{_pct(v)} in the {target[dim]}" for dim, v in shares.items()]
        return "reported audience " + ", ".join(bits), numbers
    if name == "topic_fit":
        terms = str(index.top_terms[row])
        if not measured:
            return "no recent captions or hashtags to compare", {"top_terms": terms}
        label = query.topic_labels[int(parts.topic_best[p])]
        cosine = float(parts.topic_cosine[p])
        numbers = {"best_topic": label, "similarity": round(cosine, 4), "top_terms": terms}
        text = f"content closest to '{label}', similarity {cosine:.2f}"
        return (text + (f"; often uses {terms}" if terms else "")), numbers
    if name == "authentic_reach":
        followers = float(index.followers[row])
        fake = float(index.fake_share[row])
        numbers = {
            "followers": followers if math.isfinite(followers) else None,
            "fake_share": fake if math.isfinite(fake) else None,
            "fake_share_used": float(parts.fake_used[p]),
            "authentic_followers": float(parts.authentic[p])
            if math.isfinite(parts.authentic[p])
            else None,
            "quality": float(index.quality[row]) if math.isfinite(index.quality[row]) else None,
        }
        if not math.isfinite(followers):
            return "follower count not reported", numbers
        if math.isfinite(fake):
            low, high = float(index.fake_low[row]), float(index.fake_high[row])
            return (
                f"{_count(parts.authentic[p])} of {_count(followers)} followers after the "
                f"{_pct(fake)} that look inauthentic in the latest audit "
                f"(95% CI {_pct(low)}–{_pct(high)})"
            ), numbers
        return (
            f"{_count(followers)} followers; not audited yet, so the candidates' median "
            f"inauthentic-looking share ({_pct(float(parts.fake_used[p]))}) is assumed"
        ), numbers
    if name == "performance":
        metric = parts.perf_metric
        value = float(parts.perf[p])
        low = float((index.reach_low if metric == "reach" else index.engagements_low)[row])
        high = float((index.reach_high if metric == "reach" else index.engagements_high)[row])
        numbers = {
            "metric": metric,
            "expected": value if math.isfinite(value) else None,
            "low_80": low if math.isfinite(low) else None,
            "high_80": high if math.isfinite(high) else None,
        }
        if not measured:
            return f"no post history with {metric} to predict from", numbers
        return (
            f"about {_count(value)} {metric} per post expected "
            f"(80% interval {_count(low)}–{_count(high)})",
            numbers,
        )
    # cost
    rate = float(index.rate[row])
    currency = str(index.rate_currency[row])
    cost = float(parts.cost_value[p])
    numbers = {
        "rate": rate if math.isfinite(rate) else None,
        "currency": currency or None,
        "metric": parts.cost_metric,
        "value": cost if math.isfinite(cost) else None,
    }
    if not math.isfinite(rate):
        return "no declared rate", numbers
    budget_currency = query.currency or currency
    fee = f"{rate:,.0f} {currency} per post"
    if currency != budget_currency:
        conversion = parts.fx.conversion(currency, budget_currency) if parts.fx else None
        if conversion is None:
            origin = parts.fx.describe() if parts.fx else "no exchange-rate table"
            return (
                f"rate declared in {currency}; no exchange rate to {budget_currency} in the "
                f"table ({origin}), so not measured",
                numbers,
            )
        numbers.update(
            fx_rate=round(conversion.factor, 6),
            fx_date=conversion.on.isoformat(),
            fx_source=conversion.source,
            rate_converted=round(rate * conversion.factor, 2),
        )
        fee = (
            f"{rate:,.0f} {currency} per post = {rate * conversion.factor:,.0f} {budget_currency} "
            f"at {conversion.describe()}"
        )
    if not measured:
        return f"{fee}, but no prediction to divide it by", numbers
    return f"{fee}, {cost:,.2f} {budget_currency} {parts.cost_metric}", numbers


def _conversion_text(fx: FxRates, source: str, target: str | None) -> str:
    found = fx.conversion(source, target) if target else None
    return found.describe() if found else "no rate"
