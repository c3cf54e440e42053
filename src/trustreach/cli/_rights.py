"""``trustreach rights …``: data-subject requests (access, export, rectification, erasure,
objection) for creators, followers and commenters, each logged with its legal deadline.

Each command calls one function of :mod:`trustreach.services._rights` or
:mod:`trustreach.services._erasure`; the actor is the operating-system user, acting
as the workspace's admin. Errors are printed by :func:`trustreach.cli._app.main`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from trustreach import services
from trustreach.cli._app import CREATOR_HELP, Workspace, app, console
from trustreach.cli._paths import check_output
from trustreach.core import ConfigurationError, write_text_atomically

if TYPE_CHECKING:  # the services load the store: imported when a command runs
    from trustreach.services import _rights

rights_app = typer.Typer(
    help="Data-subject rights: requests with their legal deadlines.", no_args_is_help=True
)
app.add_typer(rights_app, name="rights")


class SubjectKind(StrEnum):
    creator = "creator"
    follower = "follower"
    commenter = "commenter"


class Right(StrEnum):
    access = "access"
    export = "export"
    rectification = "rectification"
    erasure = "erasure"
    objection = "objection"


class Regime(StrEnum):
    gdpr = "gdpr"
    ccpa = "ccpa"


class NewStatus(StrEnum):
    in_progress = "in_progress"
    extended = "extended"
    completed = "completed"
    refused = "refused"


CreatorArg = Annotated[str, typer.Argument(help=CREATOR_HELP)]
RequestOpt = Annotated[
    str | None,
    typer.Option("--request", help="The logged request (rr-…) this answers; it is completed."),
]
Output = Annotated[Path, typer.Option("--output", "-o", help="The JSON file to write.")]
Force = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]


def _actor(workspace: str) -> str:
    return services.cli_actor(workspace).audit_name


def _write_json(path: Path, document: Any) -> None:
    write_text_atomically(path, json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def _describe(r: _rights.RightsRequest) -> str:
    late = " [red]OVERDUE[/red]" if r.overdue() else ""
    return (
        f"{r.request_id}: {r.right} for {r.subject_kind} {r.subject_ref} ({r.regime.upper()}), "
        f"{r.status}; received {r.received_at:%Y-%m-%d}, due {r.deadline:%Y-%m-%d}{late}"
    )


@rights_app.command("request")
def rights_request(
    kind: Annotated[
        SubjectKind, typer.Argument(help="Whose request: creator, follower, commenter.")
    ],
    subject: Annotated[
        str,
        typer.Argument(
            help="A creator (id, name or handle), or the platform id a follower or commenter "
            "gave (turned into their pseudonym at once; never stored)."
        ),
    ],
    right: Annotated[Right, typer.Option(help="The right asked for.")],
    regime: Annotated[
        Regime, typer.Option(help="The law that sets the deadline: gdpr 1 month, ccpa 45 days.")
    ] = Regime.gdpr,
    received: Annotated[
        datetime | None,
        typer.Option("--received", help="When the request arrived (default: now), UTC."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="How it arrived, what was checked.")] = None,
    workspace: Workspace = "default",
) -> None:
    """Log a data-subject request with its legal deadline (GDPR Art. 12(3), CCPA 1798.130)."""
    from trustreach.services import _rights

    if kind is SubjectKind.creator:
        subject = services.resolve_creator(subject, workspace=workspace)
    logged = _rights.log_request(
        kind.value,
        subject,
        right.value,
        regime=regime.value,
        received_at=None if received is None else received.replace(tzinfo=received.tzinfo or UTC),
        note=note,
        workspace=workspace,
        actor=_actor(workspace),
    )
    console.print(f"Logged {_describe(logged)}")


@rights_app.command("list")
def rights_list(
    status: Annotated[
        str | None,
        typer.Option(
            help="Only this status: open, received, in_progress, extended, completed, refused."
        ),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open requests past due.")
    ] = False,
    workspace: Workspace = "default",
) -> None:
    """List requests by deadline, soonest first; overdue ones are marked."""
    from trustreach.services import _rights

    found = _rights.list_requests(workspace=workspace, status=status, overdue=overdue)
    if not found:
        console.print("No rights requests match.")
        return
    table = Table(title=f"Rights requests in {workspace}")
    for col in ("request", "right", "subject", "regime", "status", "received", "due", ""):
        table.add_column(col, overflow="fold")
    for r in found:
        table.add_row(
            r.request_id,
            r.right,
            f"{r.subject_kind} {r.subject_ref}",
            r.regime,
            r.status,
            f"{r.received_at:%Y-%m-%d}",
            f"{r.deadline:%Y-%m-%d}",
            "OVERDUE" if r.overdue() else "",
        )
    console.print(table)


@rights_app.command("show")
def rights_show(
    request_id: Annotated[str, typer.Argument(help="The request id (rr-…).")],
    workspace: Workspace = "default",
) -> None:
    """Show one request: subject, right, deadline, status, outcome and who handled it."""
    from trustreach.services import _rights

    r = _rights.get_request(request_id, workspace=workspace)
    console.print(_describe(r))
    console.print(f"Handled by {r.handled_by}; last change {r.updated_at:%Y-%m-%d %H:%M} UTC")
    if r.outcome:
        console.print(f"Outcome: {r.outcome}")


@rights_app.command("complete")
def rights_complete(
    request_id: Annotated[str, typer.Argument(help="The request id (rr-…).")],
    outcome: Annotated[
        str | None, typer.Option(help="What was done, or why refused or extended.")
    ] = None,
    status: Annotated[
        NewStatus,
        typer.Option(help="in_progress, extended (once, with reasons), completed, refused."),
    ] = NewStatus.completed,
    workspace: Workspace = "default",
) -> None:
    """Record a request's progress or outcome: completed, refused, extended or in progress."""
    from trustreach.services import _rights

    r = _rights.update_request(
        request_id, status.value, outcome=outcome, workspace=workspace, actor=_actor(workspace)
    )
    console.print(f"Updated {_describe(r)}")


@rights_app.command("export")
def rights_export(
    creator: CreatorArg,
    output: Output,
    request: RequestOpt = None,
    force: Force = False,
    workspace: Workspace = "default",
) -> None:
    """Write everything held about a creator as JSON, with each part's purpose and retention."""
    from trustreach.services import _rights

    creator_id = services.resolve_creator(creator, workspace=workspace)
    check_output(output, "--output", force=force)
    document = _rights.creator_export(
        creator_id, workspace=workspace, request_id=request, actor=_actor(workspace)
    )
    _write_json(output, document)
    rows = sum(len(p["rows"]) for p in document["parts"])
    console.print(
        f"Wrote {output}: {rows} row(s) in {len(document['parts'])} part(s) about {creator_id}. "
        "It holds personal data: hand it to the person and delete your copy."
    )


@rights_app.command("erase-creator")
def rights_erase_creator(
    creator: CreatorArg,
    request: RequestOpt = None,
    keep_deals: Annotated[
        bool,
        typer.Option(
            help="Keep a minimal, pseudonymous record of contracts for bookkeeping "
            "(Art. 17(3)(b)); --no-keep-deals deletes them too."
        ),
    ] = True,
    receipt: Annotated[
        Path | None, typer.Option(help="Also write the receipt as JSON to this file.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking.")] = False,
    workspace: Workspace = "default",
) -> None:
    """Erase a creator and everything derived from them; print what was removed and kept."""
    from trustreach.services import _erasure

    creator_id = services.resolve_creator(creator, workspace=workspace)
    if receipt is not None:
        check_output(receipt, "--receipt", force=False)
    if not yes and not typer.confirm(f"Erase creator {creator_id} and everything about them?"):
        raise typer.Exit(1)
    done = _erasure.erase_creator(
        creator_id,
        workspace=workspace,
        request_id=request,
        keep_deals=keep_deals,
        actor=_actor(workspace),
    )
    removed = ", ".join(f"{t}: {n}" for t, n in sorted(done.removed.items()))
    console.print(f"Erased creator {creator_id} (now {done.subject_ref}); removed {removed}")
    console.print(f"Discovery index rows removed: {done.index_rows_removed}")
    for line in done.kept:
        console.print(f"Kept: {line}")
    for r in done.residue:
        console.print(
            f"[yellow]Still mentioned[/yellow] in {r.table}.{r.column} ({r.rows} row(s)): "
            "other people's data; review by hand"
        )
    console.print(
        "Files written outside the store (exports, --report-dir reports) are not known to "
        f"trustreach: delete them too. Audit record #{done.audit_seq}"
    )
    if receipt is not None:
        _write_json(receipt, done.as_dict())


def _field(value: str) -> tuple[str, str]:
    from trustreach.services import _rights

    name, sep, new = value.partition("=")
    if not sep:
        raise ConfigurationError(
            f"--field {value!r} not allowed; give name=value with name one of "
            f"{', '.join(_rights.RECTIFIABLE)}"
        )
    return name.strip(), new


@rights_app.command("rectify")
def rights_rectify(
    creator: CreatorArg,
    field: Annotated[
        list[str],
        typer.Option(
            "--field",
            help="name=value, repeatable: display_name, country, language, niches (a,b).",
        ),
    ],
    request: RequestOpt = None,
    workspace: Workspace = "default",
) -> None:
    """Correct fields of a creator's own record (GDPR Art. 16); the audit log names the fields."""
    from trustreach.services import _rights

    creator_id = services.resolve_creator(creator, workspace=workspace)
    changes = dict(_field(f) for f in field)
    done = _rights.rectify_creator(
        creator_id, changes, workspace=workspace, request_id=request, actor=_actor(workspace)
    )
    if not done.changed:
        console.print("Nothing to correct: every field already holds that value.")
        return
    console.print(
        f"Corrected {', '.join(done.changed)} of {creator_id}; audit record #{done.audit_seq}"
    )


@rights_app.command("object")
def rights_object(
    creator: CreatorArg,
    request: RequestOpt = None,
    workspace: Workspace = "default",
) -> None:
    """Record a creator's objection to profiling: no discovery ranking, no new audit (Art. 21)."""
    from trustreach.services import _rights

    creator_id = services.resolve_creator(creator, workspace=workspace)
    done = _rights.object_to_profiling(
        creator_id, workspace=workspace, request_id=request, actor=_actor(workspace)
    )
    since = f"{done.objected_at:%Y-%m-%d %H:%M} UTC"
    word = "already recorded" if done.already else "recorded"
    console.print(
        f"Objection of {creator_id} {word} (since {since}); left out of discovery and new "
        f"audits ({done.index_rows_removed} index row(s) removed); audit record #{done.audit_seq}"
    )


@rights_app.command("access-follower")
def rights_access_follower(
    platform: Annotated[str, typer.Option(help="The platform the person named (e.g. instagram).")],
    handle: Annotated[
        str,
        typer.Option(help="The platform id the person proved is theirs (as imported)."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the answer as JSON here.")
    ] = None,
    request: RequestOpt = None,
    force: Force = False,
    workspace: Workspace = "default",
) -> None:
    """What is held about a follower or commenter, found by the pseudonym of their id."""
    from trustreach.services import _rights

    if output is not None:
        check_output(output, "--output", force=force)
    answer = _rights.third_party_access(
        handle, platform=platform, workspace=workspace, request_id=request, actor=_actor(workspace)
    )
    held = answer["held"]
    console.print(
        f"Pseudonym {answer['pseudonym']}: follower record {held['follower_accounts']}, "
        f"follows {held['follows']}, comments {held['comments']}"
    )
    if output is not None:
        _write_json(output, answer)
        console.print(f"Wrote {output}")
