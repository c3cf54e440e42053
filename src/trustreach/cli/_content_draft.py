"""``trustreach content check-draft FILE``: a draft's check (see :mod:`trustreach.cli._content`).

Calls :func:`trustreach.services.check_draft` on the draft read by
:func:`~trustreach.services.read_draft`; errors are printed by
:func:`trustreach.cli._app.main`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustreach.cli._app import Workspace, console
from trustreach.cli._content import content_app
from trustreach.cli._formats import FormatOpt, OutputFormat


def _pct(multiplier: float) -> str:
    return f"{multiplier - 1:+.0%}"


@content_app.command("check-draft")
def check_draft(
    file: Annotated[
        Path,
        typer.Argument(
            help="The draft as JSON: account, caption, media_type, and optionally planned_at, "
            "hashtags, sponsored, brand, category, jurisdictions (docs/content.md).",
        ),
    ],
    fmt: FormatOpt = OutputFormat.table,
    workspace: Workspace = "default",
) -> None:
    """Check a draft post: predicted engagement with an 80% interval, format effects,
    engagement bait, false urgency and fake scarcity, disclosure, restricted categories."""
    from trustreach import services
    from trustreach.ethics.disclosure import machine_generated_note
    from trustreach.services._content_draft import NOTE

    draft = services.read_draft(file)
    result = services.check_draft(draft, actor=services.cli_actor(workspace), workspace=workspace)
    data = result.to_dict()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console.print(
        f"[bold]Draft check for @{result.handle} on {result.platform}[/bold] "
        f"({result.media_type}, caption {result.caption_length}): "
        f"{result.flagged} finding(s) for a person to look at."
    )
    p = result.prediction
    if p is not None:
        console.print(p.reason)
    for note in result.notes:
        console.print(note)
    effects = Table(title="Format effects (this draft's media type and caption length)")
    for col in ("format", "vs", "effect", "80% interval", "posts (account / peers)"):
        effects.add_column(col, overflow="fold")
    for e in result.draft_effects:
        effects.add_row(
            e.level,
            e.reference,
            _pct(e.multiplier),
            f"{_pct(e.low)} to {_pct(e.high)}",
            f"{e.account_posts} / {e.peer_posts}",
        )
    if effects.row_count:
        console.print(effects)
        for e in result.draft_effects:
            console.print(e.reason)
    else:
        refs = result.format.references
        console.print(
            f"The draft uses the account's usual format ({refs.get('media_type', '?')}, "
            f"{refs.get('caption_length', '?')}); no format effect to report."
        )
    findings = Table(title="Findings for a person to review")
    for col in ("check", "rule", "evidence", "what it risks", "suggested fix"):
        findings.add_column(col, overflow="fold")
    for f in result.manipulation:
        findings.add_row(
            f.kind.replace("_", " "),
            f.rule_id,
            f"{f.evidence!r} at {f.span[0]}-{f.span[1]}",
            f.message + " Policies: " + "; ".join(x.title for x in f.policies) + ".",
            f.fix,
        )
    if result.disclosure is not None:
        for d in result.disclosure.findings:
            if d.status in ("non_compliant", "needs_review"):
                findings.add_row(
                    f"disclosure ({d.status.replace('_', ' ')})",
                    d.rule_id,
                    "" if d.span is None else f"{d.evidence!r} at {d.span[0]}-{d.span[1]}",
                    d.message,
                    d.fix or "",
                )
    for m in result.minors:
        if m.status != "pass":
            findings.add_row(f"restricted category ({m.status})", m.rule_id, "", m.reason, m.title)
    if findings.row_count:
        console.print(findings)
    else:
        console.print("No engagement bait, urgency, scarcity, disclosure or minors finding.")
    note = machine_generated_note(NOTE + ".", result.models)
    console.print(f"[dim]{note} Audit record {result.audit_seq}.[/dim]")
