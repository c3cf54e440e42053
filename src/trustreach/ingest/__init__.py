"""Ingest: the interchange format, streaming readers, validation and minimisation.

A file holds records of one *kind* (``brands``, ``creators``, ``follower_accounts``,
…), named ``<kind>.jsonl``, ``<kind>.csv`` or ``<kind>.parquet``. The models in
this package are the published contract (JSON Schemas in ``docs/schema``).

The functions here are pure: raw bytes in, validated and minimised rows out.
Writing them is the job of :mod:`trustreach.services`.
"""

from typing import TYPE_CHECKING

from trustreach.core._lazy import lazy_exports

if TYPE_CHECKING:
    from trustreach.ingest._fields import FieldSpec, field_specs
    from trustreach.ingest._inputs import interchange_files
    from trustreach.ingest._readers import (
        DEFAULT_MAX_RECORD_BYTES,
        FORMATS,
        RawBatch,
        check_regular,
        detect_kind,
        open_regular,
        read_batches,
    )
    from trustreach.ingest._reference import format_reference
    from trustreach.ingest._schema import (
        KINDS,
        AudienceSnapshotRecord,
        BrandRecord,
        BriefRecord,
        CampaignRecord,
        CommentRecord,
        ConsentRecord,
        CreatorAccountRecord,
        CreatorRecord,
        DealRecord,
        DeclaredAttributeRecord,
        FollowerAccountRecord,
        FollowRecord,
        PostMetricRecord,
        PostRecord,
        Record,
        TrackedLinkRecord,
        TrackingEventRecord,
    )
    from trustreach.ingest._transform import (
        TABLE_COLUMNS,
        TransformContext,
        frame_to_table,
        hashtags_from_caption,
        rows_from_models,
    )
    from trustreach.ingest._validate import COLUMN_KINDS, ValidBatch, validate_batch
    from trustreach.ingest._vocab import (
        AGE_BANDS,
        CURRENCIES,
        GENDERS,
        RESTRICTED_CATEGORIES,
        BrandCategory,
        CampaignGoal,
        Compensation,
        ConsentPurpose,
        DeclaredAttribute,
        EventType,
        MediaType,
        MetricSource,
        Platform,
    )
else:  # imported on first use (PEP 562): keeps `import trustreach.ingest` cheap
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "_fields": (
                "FieldSpec",
                "field_specs",
            ),
            "_inputs": ("interchange_files",),
            "_readers": (
                "DEFAULT_MAX_RECORD_BYTES",
                "FORMATS",
                "RawBatch",
                "check_regular",
                "detect_kind",
                "open_regular",
                "read_batches",
            ),
            "_reference": ("format_reference",),
            "_schema": (
                "KINDS",
                "AudienceSnapshotRecord",
                "BrandRecord",
                "BriefRecord",
                "CampaignRecord",
                "CommentRecord",
                "ConsentRecord",
                "CreatorAccountRecord",
                "CreatorRecord",
                "DealRecord",
                "DeclaredAttributeRecord",
                "FollowerAccountRecord",
                "FollowRecord",
                "PostMetricRecord",
                "PostRecord",
                "Record",
                "TrackedLinkRecord",
                "TrackingEventRecord",
            ),
            "_vocab": (
                "AGE_BANDS",
                "CURRENCIES",
                "GENDERS",
                "RESTRICTED_CATEGORIES",
                "BrandCategory",
                "CampaignGoal",
                "Compensation",
                "ConsentPurpose",
                "DeclaredAttribute",
                "EventType",
                "MediaType",
                "MetricSource",
                "Platform",
            ),
            "_transform": (
                "TABLE_COLUMNS",
                "TransformContext",
                "frame_to_table",
                "hashtags_from_caption",
                "rows_from_models",
            ),
            "_validate": (
                "COLUMN_KINDS",
                "ValidBatch",
                "validate_batch",
            ),
        },
    )

__all__ = [
    "AGE_BANDS",
    "COLUMN_KINDS",
    "CURRENCIES",
    "DEFAULT_MAX_RECORD_BYTES",
    "FORMATS",
    "GENDERS",
    "KINDS",
    "RESTRICTED_CATEGORIES",
    "TABLE_COLUMNS",
    "AudienceSnapshotRecord",
    "BrandCategory",
    "BrandRecord",
    "BriefRecord",
    "CampaignGoal",
    "CampaignRecord",
    "CommentRecord",
    "Compensation",
    "ConsentPurpose",
    "ConsentRecord",
    "CreatorAccountRecord",
    "CreatorRecord",
    "DealRecord",
    "DeclaredAttribute",
    "DeclaredAttributeRecord",
    "EventType",
    "FieldSpec",
    "FollowRecord",
    "FollowerAccountRecord",
    "MediaType",
    "MetricSource",
    "Platform",
    "PostMetricRecord",
    "PostRecord",
    "RawBatch",
    "Record",
    "TrackedLinkRecord",
    "TrackingEventRecord",
    "TransformContext",
    "ValidBatch",
    "check_regular",
    "detect_kind",
    "field_specs",
    "format_reference",
    "frame_to_table",
    "hashtags_from_caption",
    "interchange_files",
    "open_regular",
    "read_batches",
    "rows_from_models",
    "validate_batch",
]
