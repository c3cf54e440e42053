"""Typer application. Commands parse input, call one service, and render with Rich.

Errors are translated in one place (:func:`main`): every one prints a single
``error: …`` line on stderr (a refused input file first prints a table of its
problems) and exits with status 2, or 3 for a broken audit chain.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from trustreach import __version__, services
from trustreach.cli._formats import FormatOpt, OutputFormat
from trustreach.cli._paths import Force, check_output, replaced_note
from trustreach.core import (
    AuditChainError,
    ImportValidationError,
    TrustreachError,
    money,
    plural,
)

if TYPE_CHECKING:  # LightGBM loads only for the commands that need it
    from trustreach.audience import CreatorAudit

app = typer.Typer(
    name="trustreach",
    help="Ethical-AI influencer marketing: explained, auditable, contestable, private by design.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
privacy_app = typer.Typer(
    help="Record of processing and data-subject rights.", no_args_is_help=True
)
audience_app = typer.Typer(
    help="Audience authenticity: score follower accounts.", no_args_is_help=True
)
dispute_app = typer.Typer(
    help="Contest an audit: file, review and resolve disputes.", no_args_is_help=True
)
train_app = typer.Typer(help="Reproducible training of the shipped models.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(privacy_app, name="privacy")
app.add_typer(audience_app, name="audience")
app.add_typer(dispute_app, name="dispute")
app.add_typer(train_app, name="train")

console = Console()
err_console = Console(stderr=True)

Workspace = Annotated[
    str,
    typer.Option(
        "--workspace", "-w", help="Workspace (tenant) slug.", envvar="TRUSTREACH_WORKSPACE"
    ),
]


CREATOR_HELP = (
    "The creator: creator_id, display name or handle (an ambiguous name lists the candidates)."
)


class WorldFormat(StrEnum):
    """File formats ``synth`` can write."""

    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class Explain(StrEnum):
    """Which scored accounts get their top signals explained."""

    flagged = "flagged"
    all = "all"
    none = "none"


class DisputeStatus(StrEnum):
    """Dispute states to list; ``all`` lists every one."""

    open = "open"
    upheld = "upheld"
    rejected = "rejected"
    all = "all"


class DisputeDecision(StrEnum):
    """A reviewer's decision on a dispute."""

    upheld = "upheld"
    rejected = "rejected"


class Tier(StrEnum):
    """Sentiment tiers (``nlp analyze``, ``conversation analyze``)."""

    fast = "fast"
    accurate = "accurate"
    lexicon = "lexicon"


class Safety(StrEnum):
    """Brand-safety tiers, the default first."""

    accurate = "accurate"
    fast = "fast"


def _progress(unit: str = "rows") -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} " + unit),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


class _KindProgress:
    """One bar per kind; a kind's bar is completed when the next one starts."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def advance(self, kind: str, rows: int) -> None:
        if kind not in self.tasks:
            self.finish()
            self.tasks[kind] = self.bar.add_task(kind, total=None)
        self.bar.advance(self.tasks[kind], rows)

    def finish(self) -> None:
        for task in self.tasks.values():
            done = self.bar.tasks[task].completed
            self.bar.update(task, total=max(done, 1), completed=max(done, 1) if done else 0)


def _print_version(value: bool) -> None:
    if value:
        console.print(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the trustreach version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Ethical-AI influencer marketing: explained, auditable, contestable, private by design."""


@app.command("version")
def version() -> None:
    """Print the trustreach version."""
    console.print(__version__)


@app.command("import")
def import_(
    path: Annotated[
        Path, typer.Argument(help="A <kind>.jsonl|csv|parquet file or a directory of them.")
    ],
    workspace: Workspace = "default",
) -> None:
    """Validate every record, then write all-or-nothing in one transaction.

    Re-importing the same data changes nothing. Follower and commenter ids are
    stored only as keyed pseudonyms; usernames become two counts.
    """
    with _progress() as bar:
        kinds = _KindProgress(bar)
        report = services.import_path(path, workspace=workspace, progress=kinds.advance)
        kinds.finish()
    table = Table(title=f"Imported into workspace '{report.workspace}'")
    for col in ("kind", "rows", "new", "changed", "unchanged"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for k in report.kinds:
        table.add_row(k.kind, f"{k.rows:,}", f"{k.new:,}", f"{k.changed:,}", f"{k.unchanged:,}")
    console.print(table)
    expired = [k for k in report.kinds if k.skipped_expired]
    if expired:  # retention ran out for them earlier: an import does not bring them back
        skipped = ", ".join(f"{k.kind} {k.skipped_expired:,}" for k in expired)
        console.print(f"Skipped as expired (retention, see docs/retention.md): {skipped}")
    erased = [k for k in report.kinds if k.skipped_erased]
    if erased:  # a person erased at their request: an import does not bring them back
        skipped = ", ".join(f"{k.kind} {k.skipped_erased:,}" for k in erased)
        console.print(f"Skipped as erased at the subject's request (docs/rights.md): {skipped}")
    rate = report.rows / report.seconds if report.seconds else 0.0
    console.print(
        f"{plural(report.rows, 'record')} in {report.seconds:.1f} s ({rate:,.0f}/s); "
        f"audit record #{report.audit_seq}"
    )


@app.command("synth")
def synth(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory to write the world to.")
    ] = Path("demo-world"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    creators: Annotated[int, typer.Option(min=1, help="Number of creators.")] = 30,
    followers_per_creator: Annotated[
        int, typer.Option(min=1, help="Sampled follower accounts per creator account.")
    ] = 2000,
    days: Annotated[int, typer.Option(min=28, help="Days of history.")] = 180,
    fmt: Annotated[WorldFormat, typer.Option("--format", help="File format.")] = WorldFormat.jsonl,
    force: Force = False,
) -> None:
    """Write a synthetic demo world with injected fraud and a ground-truth file."""
    replaced = check_output(out, "--out", force=force, folder=True)
    with _progress("done") as bar:
        tasks: dict[str, TaskID] = {}

        def step(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(kind, total=total or None)
            bar.update(tasks[kind], completed=done)

        summary = services.synthesize_world(
            out,
            seed=seed,
            creators=creators,
            followers_per_creator=followers_per_creator,
            days=days,
            fmt=str(fmt),
            progress=step,
        )
    note = replaced_note(replaced, folder=True)
    table = Table(title=f"Synthetic world (seed {seed}) in {out}{note}")
    table.add_column("kind")
    table.add_column("records", justify="right")
    for kind, count in summary.counts.items():
        table.add_row(kind, f"{count:,}")
    console.print(table)


@app.command("summary")
def summary(workspace: Workspace = "default") -> None:
    """Summarise the creators, audiences and campaigns of a workspace."""
    s = services.summarize_workspace(workspace)
    counts = Table(title=f"Workspace '{s.workspace}'")
    counts.add_column("entity")
    counts.add_column("rows", justify="right")
    for name, n in s.counts.items():
        counts.add_row(name, f"{n:,}")
    console.print(counts)
    creators = Table(title="Creators")
    for col in (
        "id",
        "creator",
        "niches",
        "platforms",
        "followers",
        "posts",
        "sampled followers",
        "median ER",
    ):
        creators.add_column(
            col,
            justify="right"
            if col in ("followers", "posts", "sampled followers", "median ER")
            else "left",
        )
    for c in s.creators:
        er = "–" if c.median_engagement_rate is None else f"{c.median_engagement_rate:.2%}"
        creators.add_row(
            c.creator_id,
            c.display_name,
            ", ".join(c.niches),
            ", ".join(c.platforms),
            f"{c.followers:,}",
            f"{c.posts:,}",
            f"{c.sampled_followers:,}",
            er,
        )
    console.print(creators)
    campaigns = Table(title="Campaigns")
    for col in (
        "id",
        "campaign",
        "goal",
        "dates",
        "creators",
        "sponsored posts",
        "events",
        "revenue",
    ):
        campaigns.add_column(col, justify="right" if col == "revenue" else "left")
    for k in s.campaigns:
        revenue = " + ".join(money(v, cur) for cur, v in k.revenue_by_currency.items())
        campaigns.add_row(
            k.campaign_id,
            k.name,
            k.goal,
            f"{k.starts_on} → {k.ends_on}",
            str(k.creators),
            str(k.sponsored_posts),
            f"{k.events:,}",
            revenue or money(0.0, k.currency),
        )
    console.print(campaigns)


def _named(name: str | None, identifier: str) -> str:
    """``Name (id)``: names are not unique (two demo creators are "Kofi | Gaming")."""
    return f"{name} ({identifier})" if name else identifier


@app.command("schema")
def schema(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for the JSON Schema files.")
    ] = Path("docs/schema"),
    force: Force = False,
) -> None:
    """Write the JSON Schema of every interchange kind and a Markdown field reference."""
    check_output(out, "--out", force=force, folder=True)
    for path in services.write_schemas(out):
        console.print(f"wrote {path}")


@privacy_app.command("register")
def privacy_register() -> None:
    """List every table holding personal data: subject, purpose, legal basis, retention."""
    table = Table(title="Record of processing (GDPR Art. 30, personal-data tables)")
    for col in ("table", "subject", "purpose", "legal basis", "retention", "subject key"):
        table.add_column(col)
    for e in services.record_of_processing():
        d = e.declaration
        table.add_row(
            e.table, d.subject, d.purpose, d.legal_basis, e.retention, ", ".join(d.subject_columns)
        )
    console.print(table)


@privacy_app.command("erase-follower")
def privacy_erase_follower(
    account_id: Annotated[str, typer.Argument(help="The follower's or commenter's platform id.")],
    workspace: Workspace = "default",
) -> None:
    """Erase one follower or commenter (by platform id) and log the erasure."""
    report = services.erase_third_party(account_id, workspace=workspace)
    if report.nothing_to_do:
        console.print(
            f"Nothing to erase: no follower, follow or comment in workspace {workspace!r} is "
            f"keyed by that id (pseudonym {report.subject_key}); nothing written."
        )
        return
    removed = ", ".join(f"{t}: {n}" for t, n in report.removed.items())
    console.print(
        f"Erased subject {report.subject_key} ({removed}); audit record #{report.audit_seq}"
    )


@audience_app.command("score-accounts")
def audience_score_accounts(
    source: Annotated[
        Path,
        typer.Argument(
            help="A JSONL/CSV/Parquet file of follower accounts; with --dask a directory "
            "of Parquet partitions."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Output .csv or .parquet (a directory with --dask)."),
    ],
    explain: Annotated[
        Explain, typer.Option(help="Which rows get their top signals explained.")
    ] = Explain.flagged,
    dask: Annotated[
        bool, typer.Option("--dask", help="Score partitions on a Dask cluster.")
    ] = False,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address; default: start a LocalCluster.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="LocalCluster worker processes.")] = 2,
    force: Force = False,
) -> None:
    """Score follower accounts: calibrated fake probability, flag and top signals per account."""
    replaced = check_output(output, "--output", force=force, inputs={"SOURCE": source}, folder=dask)
    if dask:
        report = services.score_accounts_dask(
            source,
            output,
            scheduler=scheduler,
            workers=workers,
            explain="none" if explain is Explain.flagged else explain.value,
        )
    else:
        with _progress() as bar:
            task = bar.add_task("scoring", total=None)
            report = services.score_accounts_file(
                source, output, explain=explain.value, progress=lambda n: bar.advance(task, n)
            )
    rate = report.accounts / report.seconds if report.seconds else 0.0
    console.print(
        f"Scored {report.accounts:,} accounts with {report.model_name} {report.model_version}: "
        f"{report.flagged:,} show signs of being fake at the operating threshold"
        + (
            f"; {report.insufficient_data:,} not scored (too little data: posts, followers "
            "and following counts are needed)"
            if report.insufficient_data
            else ""
        )
        + f" ({rate:,.0f} accounts/s). Wrote {report.output}{replaced_note(replaced, folder=dask)}"
        f"; audit record #{report.audit_seq}."
    )


@app.command("audit-creator")
def audit_creator(
    creator: Annotated[str, typer.Argument(help=CREATOR_HELP)],
    workspace: Workspace = "default",
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write a self-contained HTML report here.")
    ] = None,
    force: Force = False,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Audit a creator's audience: fake-follower share, fraud signals, Audience Quality."""
    replaced = report is not None and check_output(report, "--report", force=force)
    creator = services.resolve_creator(creator, workspace=workspace)
    audit = services.audit_creator(creator, workspace=workspace, report_path=report)
    if fmt is OutputFormat.json:
        from trustreach.services._authenticity import audit_json

        typer.echo(json.dumps(audit_json(audit), indent=2, default=str))
        if report is not None:
            typer.echo(f"Report written to {report}{replaced_note(replaced)}", err=True)
        return
    _print_audit(audit)
    if report is not None:
        console.print(f"Report written to {report}{replaced_note(replaced)}")


def _print_audit(audit: CreatorAudit) -> None:
    console.print(
        f"[bold]{audit.display_name}[/bold] ({audit.creator_id}): Audience Quality "
        f"[bold]{audit.quality.score:.0f}[/bold]/100 · audit record #{audit.audit_seq}"
    )
    fs = audit.fake_share
    if fs is not None:
        console.print(
            f"Followers with signs of being fake: an estimated {fs.estimate:.1%} "
            f"(95% interval {fs.low:.1%}–{fs.high:.1%}, corrected for the model's validated "
            f"error rates; {fs.flagged_share:.1%} of {fs.sample_size:,} scored accounts flagged"
            + (f", of {fs.population:,} followers" if fs.population else "")
            + f"; model {fs.model_name} {fs.model_version})"
        )
    if audit.insufficient_data:
        console.print(
            f"{audit.insufficient_data:,} sampled follower accounts had too little data to "
            "score (posts, followers and following counts are needed) and are left out."
        )
    if audit.flag_reasons:
        reasons = "; ".join(f"{words} ({share:.0%})" for words, share in audit.flag_reasons)
        console.print(f"What raised the flagged accounts most: {reasons}")
    table = Table(title="Audience Quality components")
    for col in ("component", "value", "weight", "evidence"):
        table.add_column(col, overflow="fold")
    for c in audit.quality.components:
        table.add_row(c.name, f"{c.value:.0f}", f"{c.weight:.0%}", c.evidence)
    console.print(table)
    signals = Table(title="Signals")
    for col in ("signal", "raised", "strength", "evidence"):
        signals.add_column(col, overflow="fold")
    for s in audit.signals:
        signals.add_row(s.kind, "yes" if s.raised else "no", f"{s.strength:.2f}", s.evidence)
    console.print(signals)
    for d in audit.disputes:
        console.print(
            f"Dispute #{d.dispute_id} ({d.status}): {d.reason}"
            + (f" → {d.decision}" if d.decision else "")
        )


@dispute_app.command("file")
def dispute_file(
    creator: Annotated[str, typer.Argument(help=f"Whose audit is contested. {CREATOR_HELP}")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why the evidence is wrong or incomplete.")
    ],
    by: Annotated[
        str, typer.Option("--by", help="Who files it (the creator or a representative).")
    ] = "creator",
    workspace: Workspace = "default",
) -> None:
    """File a dispute against a creator's latest audit; it joins the review queue."""
    creator = services.resolve_creator(creator, workspace=workspace)
    d = services.file_dispute(creator, reason, workspace=workspace, filed_by=by)
    console.print(
        f"Dispute #{d.dispute_id} filed for {d.creator_id} (audit #{d.audit_seq}); "
        f"status {d.status}."
    )


@dispute_app.command("queue")
def dispute_queue(
    workspace: Workspace = "default",
    status: Annotated[
        DisputeStatus, typer.Option(help="Which disputes: open ones by default, or all.")
    ] = DisputeStatus.open,
) -> None:
    """Show disputes, oldest first (by default the open ones awaiting review)."""
    rows = services.list_disputes(
        workspace=workspace, status=None if status is DisputeStatus.all else status.value
    )
    table = Table(title=f"Disputes ({status})")
    for col in ("id", "creator", "audit", "filed by", "filed", "status", "reason", "decision"):
        table.add_column(col, overflow="fold")
    for d in rows:
        table.add_row(
            str(d.dispute_id), _named(d.display_name, d.creator_id), str(d.audit_seq or ""),
            d.filed_by,
            d.filed_at.strftime("%Y-%m-%d %H:%M"), d.status, d.reason, d.decision or "",
        )  # fmt: skip
    console.print(table)


@dispute_app.command("resolve")
def dispute_resolve(
    dispute_id: Annotated[int, typer.Argument(help="The dispute number.")],
    decision: Annotated[
        DisputeDecision, typer.Option(help="upheld (the evidence is set aside) or rejected.")
    ],
    note: Annotated[str, typer.Option(help="The reviewer's reasons, shown in later reports.")],
    reviewer: Annotated[str, typer.Option(help="Who decided (a person).")],
    workspace: Workspace = "default",
) -> None:
    """Record a reviewer's decision on an open dispute."""
    d = services.resolve_dispute(
        dispute_id, decision=decision.value, note=note, reviewer=reviewer, workspace=workspace
    )
    console.print(f"Dispute #{d.dispute_id} {d.status} by {d.reviewer}.")


@dispute_app.command("evidence")
def dispute_evidence(
    creator: Annotated[str, typer.Argument(help=CREATOR_HELP)],
    workspace: Workspace = "default",
) -> None:
    """Show the evidence of a creator's latest audit, as the creator may see it."""
    creator = services.resolve_creator(creator, workspace=workspace)
    console.print_json(json.dumps(services.latest_audit_evidence(creator, workspace=workspace)))


@train_app.command("authenticity")
def train_authenticity(
    data: Annotated[
        Path, typer.Option("--data", help="InstaFake JSONL (fake_accounts_train.jsonl).")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Artefact directory; default: the package's shipped models.")
    ] = None,
    card: Annotated[Path, typer.Option(help="Where to write the model card.")] = Path(
        "docs/models/fake_account.md"
    ),
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same model).")] = 0,
    force: Force = False,
) -> None:
    """Train the fake-account model reproducibly and write its artefact and model card.

    Both already exist by default (the shipped model and its card): replacing
    them needs ``--force``.
    """
    from importlib.util import find_spec

    spec = find_spec("trustreach.audience")  # without importing it (LightGBM)
    shipped = Path(next(iter(spec.submodule_search_locations or ()))) / "models" if spec else None
    check_output(card, "--card", force=force, inputs={"--data": data})
    target = out or shipped
    if target is not None:
        check_output(target, "--out", force=force, inputs={"--data": data}, folder=True)
    metrics = services.train_authenticity_model(data, out_dir=out, card_path=card, seed=seed)
    for name, value in metrics.items():
        console.print(f"{name}={value}")


EXIT_ERROR = 2
"""Exit status of every refused command: bad input, a missing thing, a refused rule."""
EXIT_AUDIT_BROKEN = 3
"""Exit status when the audit log's hash chain is broken (``audit verify``)."""


def fail(message: str, status: int = EXIT_ERROR) -> NoReturn:
    """Print ``error: MESSAGE`` on stderr (taken literally, never as Rich markup) and exit."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
    sys.exit(status)


def _refused_input(exc: ImportValidationError) -> NoReturn:
    table = Table(title=f"{exc.task.capitalize()} refused: {exc.outcome}", show_lines=False)
    for col in ("file", "row", "field", "value", "problem"):
        table.add_column(col, overflow="fold")
    for e in exc.errors:
        table.add_row(e.file, str(e.row or ""), e.field or "", e.value or "", e.message)
    err_console.print(table)
    more = " (more not shown)" if exc.truncated else ""
    fail(
        f"{exc.task} refused: {len(exc.errors)} problem(s){more}, in row order above; {exc.outcome}"
    )


def _without_flag_types(command: Any) -> None:
    """Flags take no value, so their help shows no type (Typer would print ``<bool>``)."""
    from typer._click.core import Context

    for param in [*command.params, command.get_help_option(Context(command))]:
        if param is not None and getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _without_flag_types(sub)


def main() -> None:
    """Entry point: run the app and translate every error into one ``error:`` line.

    This is the one place errors become messages and exit statuses: a
    :class:`~trustreach.core.TrustreachError` prints its message (a refused input
    file first prints a table of its problems) and exits with :data:`EXIT_ERROR`;
    a broken audit chain exits with :data:`EXIT_AUDIT_BROKEN`; usage errors
    (a missing or invalid option) name the option and the command's ``--help``.
    """
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    command = typer.main.get_command(app)
    _without_flag_types(command)
    try:
        command(standalone_mode=False)
    except ImportValidationError as exc:
        _refused_input(exc)
    except AuditChainError as exc:
        fail(str(exc), EXIT_AUDIT_BROKEN)
    except TrustreachError as exc:
        fail(str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        fail("aborted", 1)
    except NoArgsIsHelpError as exc:  # a command group run without a command: its help
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:  # missing or invalid arguments and options
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        fail(f"{exc.format_message()}{where}", exc.exit_code)
    except typer.TyperException as exc:
        fail(str(exc))
    except OSError as exc:  # a file the user named cannot be read or written
        fail(f"{exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}")
    except Exception as exc:
        from pydantic import ValidationError  # only when something failed: keeps start-up fast

        if not isinstance(exc, ValidationError):
            from trustreach.core import get_settings
            from trustreach.services._context import describe_store
            from trustreach.store import busy_error

            # a lock another writer held, wherever it was met: one line, not a traceback
            busy = busy_error(exc, where=describe_store(get_settings()))
            if busy is None:
                raise
            fail(str(busy))
        problems = "; ".join(
            f"TRUSTREACH_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        fail(f"in settings (TRUSTREACH_* environment): {problems}")
