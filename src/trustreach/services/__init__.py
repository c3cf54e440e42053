"""Use-cases: each function combines domain code, the store and the audit log.

Adapters (CLI, API) call exactly one of these per command or route.
"""

from trustreach.services._audit import list_audit, verify_audit_log
from trustreach.services._context import check_workspace, open_store
from trustreach.services._import import ImportReport, KindReport, import_files, import_path
from trustreach.services._privacy import ErasureReport, erase_third_party, record_of_processing
from trustreach.services._schema import schema_documents, write_schemas
from trustreach.services._summary import (
    CampaignLine,
    CreatorLine,
    WorkspaceSummary,
    summarize_workspace,
)
from trustreach.services._synth import synthesize_world

__all__ = [
    "CampaignLine",
    "CreatorLine",
    "ErasureReport",
    "ImportReport",
    "KindReport",
    "WorkspaceSummary",
    "check_workspace",
    "erase_third_party",
    "import_files",
    "import_path",
    "list_audit",
    "open_store",
    "record_of_processing",
    "schema_documents",
    "summarize_workspace",
    "synthesize_world",
    "verify_audit_log",
    "write_schemas",
]
