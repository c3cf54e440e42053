"""``trustreach demo``: the whole product on a synthetic world; with --serve, the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import (
    Workspace,
    WorldFormat,
    _named,
    _progress,
    app,
    console,
    import_,
    summary,
    synth,
)
from trustreach.cli._campaign_alerts import demo_alerts
from trustreach.cli._demo_content import demo_content
from trustreach.cli._demo_replay import REPLAY_SECONDS, ReplayPlan, hold_back, start_replay
from trustreach.cli._paths import Force, check_output
from trustreach.core import ConfigurationError, plural, write_text_atomically

if TYPE_CHECKING:
    from trustreach.audience import CreatorAudit


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the demo world.")] = Path(
        "demo-world"
    ),
    seed: Annotated[int, typer.Option(help="Random seed of the demo world.")] = 7,
    briefs: Annotated[
        Path, typer.Option(help="Folder of example briefs to run against the demo world.")
    ] = Path("examples/briefs"),
    drafts: Annotated[
        Path, typer.Option(help="Folder of example draft posts (JSON) to check.")
    ] = Path("examples/drafts"),
    workspace: Workspace = "demo",
    force: Force = False,
    serve_after: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="Then serve the API and the dashboard on 127.0.0.1 with one demo login per "
            "role, until Ctrl-C (what `make demo` does; `make demo SERVE=0` does not).",
        ),
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for --serve.")] = 8000,
) -> None:
    """Generate the demo world, import it, summarise it, audit every creator's audience,
    run the example briefs (shortlist reports, a restricted category, a refusal), summarise
    the conversation and show content guidance for two creators with the example draft's check;
    with --serve, then serve the dashboard with demo logins while the later events of
    one campaign are replayed into it (its page updates live)."""
    check_output(out, "--out", force=force, folder=True)
    if serve_after:
        _check_port_free(port)  # before minutes of work, not after
    synth(
        out=out,
        seed=seed,
        creators=80,
        followers_per_creator=2000,
        days=180,
        fmt=WorldFormat.jsonl,
        force=True,  # checked above
    )
    # served: one campaign's later events are held back, then replayed into the server
    plan = hold_back(out) if serve_after else None
    import_(path=out, workspace=workspace)
    summary(workspace=workspace)
    reports = out / "reports"
    with _progress("creators") as bar:
        task = bar.add_task("auditing audiences", total=None)
        audits = services.audit_workspace(
            workspace=workspace,
            report_dir=reports,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            on_skip=lambda skipped: console.print(f"not audited: {skipped}"),
        )
    _print_audit_table(audits)
    console.print(f"HTML audit reports: {reports}/<creator_id>.html")
    _demo_discovery(briefs, reports, workspace)
    _demo_conversation(workspace)
    demo_content(drafts, workspace)
    demo_alerts(workspace, skip=plan.campaign_id if plan else None)
    head = services.verify_audit_log()
    console.print(f"Audit log verified: {plural(head.seq if head else 0, 'record')}, chain intact.")
    if serve_after:
        _serve_demo(workspace, port, plan)


def _check_port_free(port: int) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise ConfigurationError(
                f"--port {port}: 127.0.0.1:{port} is already in use; choose another with "
                "--port (make demo PORT=N), or skip serving with --no-serve (make demo SERVE=0)"
            ) from None


def _serve_demo(workspace: str, port: int, plan: ReplayPlan | None = None) -> None:
    from trustreach.cli._serve import serve  # the serve command, run here after the demo
    from trustreach.core import Role

    table = Table(title=f"Demo logins for workspace {workspace!r} (new passwords each run)")
    for col in ("role", "e-mail", "password"):
        table.add_column(col)
    for email, role, password in services.ensure_demo_logins(workspace):
        table.add_row(role, email, password)
    console.print(table)
    console.print(
        f"Dashboard: http://127.0.0.1:{port}/  ·  API: http://127.0.0.1:{port}/api/v1 "
        "(keys: `trustreach keys create`)  ·  Ctrl-C stops serving"
    )
    if plan is not None:
        key, _ = services.create_key(
            workspace=workspace,
            role=Role.analyst,
            label="demo replay",
            expires_days=1,
            by=services.cli_actor(workspace),
        )
        page = f"http://127.0.0.1:{port}/campaigns/{plan.campaign_id}"
        console.print(
            f"Live campaign: log in, open {page} and watch its conversions and revenue "
            f"change: {plural(plan.events, 'later event')} of campaign {plan.campaign_id} are "
            "replayed through POST /api/v1/events, faster than real time (about "
            f"{REPLAY_SECONDS:.0f} s)."
        )
        start_replay(
            plan, f"http://127.0.0.1:{port}", key, console.print, _alert_check(plan, workspace)
        )
    serve(host="127.0.0.1", port=port)


def _alert_check(plan: ReplayPlan, workspace: str) -> Callable[[datetime], None]:
    """The campaign's alert rules at the campaign time the replay reached (no webhook)."""
    from trustreach.services import _alerts

    def check(at: datetime) -> None:
        _alerts.check_alerts(
            plan.campaign_id, as_of=at, actor="demo replay", workspace=workspace, deliver=False
        )

    return check


DEMO_BRIEFS = (
    ("skincare_awareness.yaml", None),
    ("skincare_awareness.yaml", "gender=woman:auto:0.1"),
    ("craft_beer.yaml", None),
    ("sports_betting_uk.yaml", None),
    ("credit_card_age_targeted.yaml", None),
)


def _demo_discovery(briefs: Path, reports: Path, workspace: str) -> None:
    from trustreach.cli._discover import print_ranking
    from trustreach.discovery import TargetingRefused, load_brief, render_shortlist_html

    if not briefs.is_dir():
        console.print(f"No example briefs at {briefs}: discovery part of the demo skipped.")
        return
    for name, fair in DEMO_BRIEFS:
        brief = load_brief(briefs / name)
        try:
            result = services.discover(
                brief, top_n=10, fair=fair, workspace=workspace, created_by="demo"
            )
        except TargetingRefused as exc:
            console.print(f"[bold]{name}[/bold] refused, as it should be: {exc}")
            continue
        ranking = result.ranking
        suffix = "-fair" if fair else ""
        target = reports / f"shortlist-{brief.brief_id}{suffix}.html"
        write_text_atomically(
            target, render_shortlist_html(ranking, shortlist_id=result.shortlist_id)
        )
        if name == DEMO_BRIEFS[0][0]:  # the skincare brief in full: audience risk, who is held
            console.print(f"[bold]{name}[/bold]{' with ' + fair if fair else ''}:")
            print_ranking(ranking, explain=False)
        top = ", ".join(_named(r.display_name, r.creator_id) for r in ranking.shortlist[:3])
        console.print(
            f"[bold]{name}[/bold]{' with ' + fair if fair else ''}: {ranking.eligible} eligible, "
            f"{len(ranking.excluded)} excluded by a rule, {len(ranking.review)} held for review; "
            f"top: {top}. Proposal {result.shortlist_id} awaits approval. Report: {target}"
        )


def _demo_conversation(workspace: str, *, creators: int = 3) -> None:
    from trustreach.cli._conversation import print_summary

    with _progress("comments") as bar:
        task = bar.add_task("labelling comments (fast sentiment, accurate safety)", total=None)
        report = services.analyze_comments(
            workspace=workspace,
            tier="fast",
            actor="demo",
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    console.print(f"Labelled {plural(report.labelled, 'comment')} with {report.model}.")
    summary = services.summarize_workspace(workspace=workspace)
    busiest = sorted(summary.creators, key=lambda c: -c.posts)[:creators]
    for line in busiest:
        print_summary(
            services.conversation_summary("creator", line.creator_id, workspace=workspace)
        )
    for campaign in [c for c in summary.campaigns if c.sponsored_posts][:creators]:
        print_summary(
            services.conversation_summary("campaign", campaign.campaign_id, workspace=workspace)
        )


def _print_audit_table(audits: list[CreatorAudit]) -> None:
    table = Table(title="Audience audits (signals describe evidence, not verdicts)")
    for col in (
        "creator",
        "quality",
        "fake-looking followers, corrected (95% CI, n)",
        "signals raised",
    ):
        table.add_column(col, overflow="fold")
    for audit in audits:
        fs = audit.fake_share
        share = (
            "–"
            if fs is None
            else f"{fs.estimate:.1%} ({fs.low:.1%}–{fs.high:.1%}, n={fs.sample_size:,})"
        )
        raised = ", ".join(s.kind.replace("_", " ") for s in audit.signals if s.raised) or "none"
        table.add_row(
            _named(audit.display_name, audit.creator_id),
            f"{audit.quality.score:.0f}",
            share,
            raised,
        )
    console.print(table)
