"""Ingest: the interchange format, streaming readers, validation and minimisation.

A file holds records of one *kind* (``brands``, ``creators``, ``follower_accounts``,
…), named ``<kind>.jsonl``, ``<kind>.csv`` or ``<kind>.parquet``. The models in
this package are the published contract (JSON Schemas in ``docs/schema``).

The functions here are pure: raw bytes in, validated and minimised rows out.
Writing them is the job of :mod:`trustreach.services`.
"""

from trustreach.ingest._fields import FieldSpec, field_specs
from trustreach.ingest._readers import FORMATS, RawBatch, detect_kind, read_batches
from trustreach.ingest._reference import format_reference
from trustreach.ingest._schema import (
    AGE_BANDS,
    GENDERS,
    KINDS,
    RESTRICTED_CATEGORIES,
    AudienceSnapshotRecord,
    BrandCategory,
    BrandRecord,
    BriefRecord,
    CampaignGoal,
    CampaignRecord,
    CommentRecord,
    Compensation,
    ConsentPurpose,
    ConsentRecord,
    CreatorAccountRecord,
    CreatorRecord,
    DealRecord,
    DeclaredAttribute,
    DeclaredAttributeRecord,
    EventType,
    FollowerAccountRecord,
    FollowRecord,
    MediaType,
    Platform,
    PostRecord,
    Record,
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

__all__ = [
    "AGE_BANDS",
    "COLUMN_KINDS",
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
    "Platform",
    "PostRecord",
    "RawBatch",
    "Record",
    "TrackingEventRecord",
    "TransformContext",
    "ValidBatch",
    "detect_kind",
    "field_specs",
    "format_reference",
    "frame_to_table",
    "hashtags_from_caption",
    "read_batches",
    "rows_from_models",
    "validate_batch",
]
