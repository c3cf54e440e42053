"""Use-cases: each function combines domain code, the store and the audit log.

Adapters (CLI, API) call exactly one of these per command or route.
"""

from typing import TYPE_CHECKING

from trustreach.core._lazy import lazy_exports

if TYPE_CHECKING:
    from trustreach.services._audit import (
        AuditVerdict,
        Checkpoint,
        Recovery,
        export_checkpoint,
        inspect_audit_log,
        list_audit,
        read_checkpoint,
        recover_audit_log,
        verify_audit_log,
    )
    from trustreach.services._authenticity import (
        audit_creator,
        audit_workspace,
        train_authenticity_model,
    )
    from trustreach.services._context import check_workspace, open_store
    from trustreach.services._conversation import (
        AnalysisReport,
        ConversationSummary,
        RetentionReport,
        analyze_comments,
        conversation_summary,
        correct_label,
        enforce_retention,
        export_corrections,
    )
    from trustreach.services._creators import resolve_creator
    from trustreach.services._deals import Deal, create_deal
    from trustreach.services._discovery import (
        Discovery,
        IndexSummary,
        build_discovery_index,
        discover,
        load_discovery_index,
    )
    from trustreach.services._disputes import (
        Dispute,
        file_dispute,
        latest_audit_evidence,
        list_disputes,
        resolve_dispute,
    )
    from trustreach.services._import import ImportReport, KindReport, import_files, import_path
    from trustreach.services._nlp import AnalyzeReport, analyze_file
    from trustreach.services._privacy import (
        ConsentWithdrawal,
        ErasureReport,
        declared_attributes,
        erase_third_party,
        record_of_processing,
        withdraw_consent,
    )
    from trustreach.services._schema import schema_documents, write_schemas
    from trustreach.services._scoring import ScoreReport, score_accounts_dask, score_accounts_file
    from trustreach.services._shortlist import (
        ApprovalRequired,
        Decision,
        ProposedEntry,
        Shortlist,
        ShortlistEntry,
        add_override,
        decide,
        get_shortlist,
        list_shortlists,
        propose_shortlist,
    )
    from trustreach.services._summary import (
        CampaignLine,
        CreatorLine,
        WorkspaceSummary,
        summarize_workspace,
    )
    from trustreach.services._synth import synthesize_world
else:  # imported on first use (PEP 562): keeps `import trustreach.services` cheap
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "_audit": (
                "AuditVerdict",
                "Checkpoint",
                "Recovery",
                "export_checkpoint",
                "inspect_audit_log",
                "list_audit",
                "read_checkpoint",
                "recover_audit_log",
                "verify_audit_log",
            ),
            "_authenticity": (
                "audit_creator",
                "audit_workspace",
                "train_authenticity_model",
            ),
            "_context": (
                "check_workspace",
                "open_store",
            ),
            "_conversation": (
                "AnalysisReport",
                "ConversationSummary",
                "RetentionReport",
                "analyze_comments",
                "conversation_summary",
                "correct_label",
                "enforce_retention",
                "export_corrections",
            ),
            "_discovery": (
                "Discovery",
                "IndexSummary",
                "build_discovery_index",
                "discover",
                "load_discovery_index",
            ),
            "_disputes": (
                "Dispute",
                "file_dispute",
                "latest_audit_evidence",
                "list_disputes",
                "resolve_dispute",
            ),
            "_import": (
                "ImportReport",
                "KindReport",
                "import_files",
                "import_path",
            ),
            "_nlp": (
                "AnalyzeReport",
                "analyze_file",
            ),
            "_privacy": (
                "ConsentWithdrawal",
                "ErasureReport",
                "declared_attributes",
                "erase_third_party",
                "record_of_processing",
                "withdraw_consent",
            ),
            "_schema": (
                "schema_documents",
                "write_schemas",
            ),
            "_scoring": (
                "ScoreReport",
                "score_accounts_dask",
                "score_accounts_file",
            ),
            "_creators": ("resolve_creator",),
            "_deals": (
                "Deal",
                "create_deal",
            ),
            "_shortlist": (
                "ApprovalRequired",
                "Decision",
                "ProposedEntry",
                "Shortlist",
                "ShortlistEntry",
                "add_override",
                "decide",
                "get_shortlist",
                "list_shortlists",
                "propose_shortlist",
            ),
            "_summary": (
                "CampaignLine",
                "CreatorLine",
                "WorkspaceSummary",
                "summarize_workspace",
            ),
            "_synth": ("synthesize_world",),
        },
    )

__all__ = [
    "AnalysisReport",
    "AnalyzeReport",
    "ApprovalRequired",
    "AuditVerdict",
    "CampaignLine",
    "Checkpoint",
    "ConsentWithdrawal",
    "ConversationSummary",
    "CreatorLine",
    "Deal",
    "Decision",
    "Discovery",
    "Dispute",
    "ErasureReport",
    "ImportReport",
    "IndexSummary",
    "KindReport",
    "ProposedEntry",
    "Recovery",
    "RetentionReport",
    "ScoreReport",
    "Shortlist",
    "ShortlistEntry",
    "WorkspaceSummary",
    "add_override",
    "analyze_comments",
    "analyze_file",
    "audit_creator",
    "audit_workspace",
    "build_discovery_index",
    "check_workspace",
    "conversation_summary",
    "correct_label",
    "create_deal",
    "decide",
    "declared_attributes",
    "discover",
    "enforce_retention",
    "erase_third_party",
    "export_checkpoint",
    "export_corrections",
    "file_dispute",
    "get_shortlist",
    "import_files",
    "import_path",
    "inspect_audit_log",
    "latest_audit_evidence",
    "list_audit",
    "list_disputes",
    "list_shortlists",
    "load_discovery_index",
    "open_store",
    "propose_shortlist",
    "read_checkpoint",
    "record_of_processing",
    "recover_audit_log",
    "resolve_creator",
    "resolve_dispute",
    "schema_documents",
    "score_accounts_dask",
    "score_accounts_file",
    "summarize_workspace",
    "synthesize_world",
    "train_authenticity_model",
    "verify_audit_log",
    "withdraw_consent",
    "write_schemas",
]
