"""``trustreach disclosure …``: check posts against the disclosure rules; classify captions.

``check`` and ``rules`` call one library function each
(:func:`trustreach.services._disclosure.check_posts`,
:func:`trustreach.ethics.disclosure.rules`); ``check-media`` reads C2PA manifests
(:func:`trustreach.ethics.disclosure.read_manifest`). Errors are printed by
:func:`trustreach.cli._app.main`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustreach.cli._app import Workspace, app, console
from trustreach.cli._formats import FormatOpt, OutputFormat

disclosure_app = typer.Typer(
    help="Disclosure of sponsorship and AI: check posts, classify captions.",
    no_args_is_help=True,
)
app.add_typer(disclosure_app, name="disclosure")

NOTE = "evidence for a person to review, not legal advice."


JurisdictionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--jurisdiction",
        "-j",
        help="us, uk or eu (repeat for several; default: all three).",
    ),
]


@disclosure_app.command("check")
def check(
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Check this campaign's posts.")
    ] = None,
    post: Annotated[
        list[str] | None, typer.Option("--post", help="Check this post (repeat for several).")
    ] = None,
    jurisdiction: JurisdictionOpt = None,
    media: Annotated[
        list[str] | None,
        typer.Option(
            "--media",
            help="POST_ID=FILE: read FILE's C2PA manifest for that post (rule AI2-EU); repeat.",
        ),
    ] = None,
    rules_file: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="A reviewed copy of the rules (TOML like ethics/disclosure/rules.toml) to use.",
        ),
    ] = None,
    possible_promotion: Annotated[
        bool,
        typer.Option(
            "--possible-promotion",
            help="Also send to review posts with no deal, gift, code or label whose caption "
            "the caption model reads as promotion ('possible undisclosed promotion').",
        ),
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
    workspace: Workspace = "default",
) -> None:
    """Check posts against the disclosure rules: status, rule, evidence and a fix per post."""
    from trustreach import services
    from trustreach.core import ConfigurationError
    from trustreach.ethics.disclosure import (
        Finding,
        ManifestFinding,
        load_rulebook,
        machine_generated_note,
        read_manifest,
    )
    from trustreach.services._disclosure import check_posts, report_dict

    manifests: dict[str, ManifestFinding] = {}
    for item in media or []:
        post_id, sep, path = item.partition("=")
        if not sep or not post_id or not path:
            raise ConfigurationError(f"--media {item!r} not allowed; allowed: POST_ID=FILE")
        manifests[post_id] = read_manifest(path).finding
    report = check_posts(
        actor=services.cli_actor(workspace),
        workspace=workspace,
        campaign_id=campaign,
        post_ids=post,
        jurisdictions=jurisdiction,
        media=manifests,
        book=None if rules_file is None else load_rulebook(rules_file),
        possible_promotion=possible_promotion,
    )
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(report_dict(report), indent=2, ensure_ascii=False))
        return
    scope = f"campaign {campaign}" if campaign else f"workspace {report.workspace}"
    counts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in report.counts.items())
    console.print(
        f"[bold]Disclosure check of {scope}[/bold] ({', '.join(report.jurisdictions)}; "
        f"rules {report.rules_version}): {counts}."
    )
    table = Table(title="Posts that need attention")
    for col in ("post", "status", "rules", "what was found", "evidence", "suggested fix"):
        table.add_column(col, overflow="fold")
    for v in report.verdicts:
        # one row per finding, the jurisdictions' same finding on one row (D10-US, D10-UK, ...)
        rows: dict[tuple[str, str, tuple[int, int] | None], list[Finding]] = {}
        for f in v.findings:
            if f.status in ("non_compliant", "needs_review"):
                rows.setdefault((f.status, f.message, f.span), []).append(f)
        for (status, message, span), same in rows.items():
            first = same[0]
            table.add_row(
                v.post_id,
                status.replace("_", " "),
                ", ".join(f.rule_id for f in same),
                message,
                "" if span is None else f"{first.evidence!r} at {span[0]}-{span[1]}",
                first.fix or "",
            )
    if table.row_count:
        console.print(table)
    else:
        console.print("No post needs attention.")
    note = machine_generated_note(NOTE, f"disclosure rules {report.rules_version}")
    console.print(f"[dim]{note} Audit record {report.audit_seq}.[/dim]")


@disclosure_app.command("rules")
def rules_(
    jurisdiction: JurisdictionOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List the disclosure rules with their ids, plain words and sources."""
    from trustreach.ethics.disclosure import rules, rules_version

    found = rules(jurisdiction)
    if fmt is OutputFormat.json:
        data = {
            "rules_version": rules_version(),
            "rules": [
                {
                    "rule_id": r.rule_id,
                    "jurisdiction": r.jurisdiction,
                    "check": r.check,
                    "title": r.title,
                    "text": r.text,
                    "source": r.source,
                    "fix": r.fix,
                }
                for r in found
            ],
        }
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Disclosure rules {rules_version()} (not legal advice)")
    for col in ("id", "jurisdiction", "rule", "source"):
        table.add_column(col, overflow="fold")
    for r in found:
        table.add_row(r.rule_id, r.jurisdiction.upper(), f"{r.title}: {r.text}", r.source)
    console.print(table)


@disclosure_app.command("check-media")
def check_media(
    files: Annotated[
        list[Path],
        typer.Argument(help="Image, video or audio files to read C2PA manifests from."),
    ],
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Read the C2PA manifests (content credentials) of media files: AI-made or not."""
    from trustreach.ethics.disclosure import read_manifest

    found = [read_manifest(path) for path in files]
    if fmt is OutputFormat.json:
        typer.echo(json.dumps([m.to_dict() for m in found], indent=2, ensure_ascii=False))
        return
    table = Table(title="C2PA manifests")
    for col in ("file", "manifest", "AI-made", "claim generator", "what was found"):
        table.add_column(col, overflow="fold")
    for m in found:
        table.add_row(
            str(m.path),
            m.finding,
            "yes" if m.finding == "ai" else "",
            m.claim_generator or "",
            m.message,
        )
    console.print(table)
