"""The demo's content guidance step: two creators' best times, hashtags and rising topics,
and the check of the example draft (``examples/drafts/``), one short table each."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from trustreach import services
from trustreach.cli._app import _named, console
from trustreach.core import Actor, ConfigurationError, NotFoundError

WINDOWS = 2
TAGS = 5
TOPICS = 3


def demo_content(drafts: Path, workspace: str) -> None:
    """Content guidance for the example draft's account and the largest account of another
    niche; then the check of each example draft (engagement bait and the rest flagged)."""
    from trustreach.ethics.disclosure import machine_generated_note
    from trustreach.services import _content_data, _listing

    actor = services.cli_actor(workspace)
    paths = sorted(drafts.glob("*.json")) if drafts.is_dir() else []
    examples = [(p, services.read_draft(p)) for p in paths]
    chosen: list[str] = []
    creators: set[str] = set()
    niches: set[str] = set()
    with services.open_store().connect() as c:
        for _, draft in examples[:1]:
            try:
                ref = _content_data.resolve_account(c, workspace, draft.account)
            except NotFoundError:
                console.print(f"The example draft's account {draft.account} is not in the world.")
                examples = []
            else:
                chosen.append(ref.account_id)
                creators.add(ref.creator_id)
                niches |= set(ref.niches)
    records = []
    after: str | None = None
    while True:  # the workspace's creators with their accounts (cached reads, no post scan)
        page = _listing.page_creators(workspace=workspace, limit=_listing.MAX_PAGE, after=after)
        records += page.items
        if page.next_after is None:
            break
        after = page.next_after
    accounts = [(a, r) for r in records if r.niches for a in r.accounts]
    for a, r in sorted(accounts, key=lambda ar: (-(ar[0].followers_count or 0), ar[0].account_id)):
        if len(chosen) >= 2:
            break
        if r.creator_id not in creators and not set(r.niches) & niches:
            chosen.append(a.account_id)
            creators.add(r.creator_id)
            niches |= set(r.niches)
    for account in chosen:
        _print_guidance(account, workspace, actor)
    for path, draft in examples:
        _print_draft(path, services.check_draft(draft, actor=actor, workspace=workspace))
    console.print(
        machine_generated_note(
            "windows, tags, topics and findings from past posts and the rules; each line "
            "above names its evidence (posts observed, interval), and a person decides."
        )
    )


def _print_guidance(account: str, workspace: str, actor: Actor) -> None:
    times = services.best_times(account, actor=actor, workspace=workspace, top=WINDOWS)
    tags = services.suggest_hashtags(actor=actor, account=account, workspace=workspace, top=TAGS)
    name = _named(f"@{times.handle} on {times.platform}", account)
    table = Table(title=f"Content guidance for {name}", show_header=True)
    table.add_column("what", no_wrap=True)
    table.add_column("suggestion (evidence)", overflow="fold")
    for w in times.advice.windows:
        table.add_row(
            "best time",
            f"{w.local}: {w.lift:+.0%} (90% interval {w.lift_low:+.0%} to {w.lift_high:+.0%}; "
            f"{w.own_posts} own / {w.peer_posts} peer posts)",
        )
    if not times.advice.windows:
        table.add_row("best time", "no posts to learn from")
    shown = ", ".join(
        f"#{s.tag} {s.reach_lift:+.0%} ({s.lift_low:+.0%} to {s.lift_high:+.0%}, "
        f"{s.posts_with} posts)"
        for s in tags.suggestions
    )
    table.add_row("hashtags", shown or "none with enough evidence")
    try:
        trends = services.rising_topics(actor=actor, account=account, workspace=workspace)
    except ConfigurationError as exc:  # a creator who declares no niche: say why, go on
        table.add_row("rising", str(exc))
    else:
        topics = sorted(trends.topics, key=lambda nt: nt[1].q_value)[:TOPICS]
        scanned = ", ".join(n.niche for n in trends.niches)
        table.add_row(
            "rising",
            "; ".join(
                f"{t.label} in {niche} x{t.growth:.1f} (95% from x{t.growth_low:.1f}; "
                f"{t.recent_posts} posts by {t.creators} creators since {t.onset})"
                for niche, t in topics
            )
            or f"nothing rising against its own baseline in {scanned}",
        )
    console.print(table)


def _print_draft(path: Path, check: services.DraftCheck) -> None:
    table = Table(title=f"Draft check of {path} (@{check.handle} on {check.platform})")
    table.add_column("check", no_wrap=True)
    table.add_column("finding (evidence)", overflow="fold")
    p = check.prediction
    if p is not None:
        table.add_row(
            "engagement",
            f"about {p.expected_engagements:,.0f} ({p.coverage:.0%} interval "
            f"{p.engagements_low:,.0f} to {p.engagements_high:,.0f}; {p.account_posts} own and "
            f"{p.peer_posts:,} peer posts)",
        )
    for e in check.draft_effects:
        table.add_row(
            e.dimension.replace("_", " "),
            f"{e.level} x{e.multiplier:.2f} against {e.reference} "
            f"({e.low:.2f} to {e.high:.2f}; {e.account_posts} own posts)",
        )
    for f in check.manipulation:
        table.add_row(f.kind.replace("_", " "), f"{f.title}: “{f.evidence}”. {f.fix}")
    if check.disclosure is not None:
        said: dict[str, list[str]] = {}
        for x in check.disclosure.findings:
            if x.status in ("non_compliant", "needs_review"):
                said.setdefault(x.message.rstrip("."), []).append(x.rule_id)
        table.add_row(
            "disclosure",
            check.disclosure.status.replace("_", " ")
            + "".join(f"; {m} ({', '.join(ids)})" for m, ids in said.items()),
        )
    for m in check.minors:
        table.add_row("minors", f"{m.status}: {m.title}. {m.reason}")
    console.print(table)
    console.print(f"{check.flagged} finding(s) for a person to look at before posting.")
