"""``trustreach privacy withdraw-consent``: record a creator's withdrawal of consent."""

from __future__ import annotations

from typing import Annotated

import typer

from trustreach import services
from trustreach.cli._app import CREATOR_HELP, Workspace, console, privacy_app
from trustreach.ingest import ConsentPurpose


@privacy_app.command("withdraw-consent")
def privacy_withdraw_consent(
    creator: Annotated[str, typer.Argument(help=CREATOR_HELP)],
    purpose: Annotated[ConsentPurpose, typer.Option(help="The purpose consent is withdrawn for.")],
    source: Annotated[
        str, typer.Option(help="Who or what recorded the withdrawal (e.g. 'email 2026-11-26').")
    ] = "cli",
    workspace: Workspace = "default",
) -> None:
    """Record a withdrawal of consent; for declared_attributes, delete the declarations too."""
    creator = services.resolve_creator(creator, workspace=workspace)
    w = services.withdraw_consent(
        creator, purpose=purpose.value, source=source, workspace=workspace
    )
    deleted = (
        f"; {w.attributes_deleted} declared attribute(s) deleted"
        if w.purpose == ConsentPurpose.declared_attributes.value
        else ""
    )
    console.print(
        f"Consent for {w.purpose} withdrawn by {w.creator_id} (record {w.consent_id}){deleted}; "
        f"audit record #{w.audit_seq}"
    )
