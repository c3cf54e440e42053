"""The operational store: tables, engines, migrations and bulk upserts.

SQLite (WAL) is the embedded default; PostgreSQL is used when
``TRUSTREACH_DATABASE_URL`` points at one. The schema is created and upgraded by
Alembic migrations (:func:`upgrade`). Every change is made in a
:func:`write_transaction`: writers take turns across processes and wait up to
``TRUSTREACH_BUSY_TIMEOUT_S`` for each other.
"""

from typing import TYPE_CHECKING

from trustreach.core._lazy import lazy_exports

if TYPE_CHECKING:
    from trustreach.store._bulk import UpsertCounts, bulk_upsert, count_rows, dedupe_sorted
    from trustreach.store._engine import create_store_engine, upgrade
    from trustreach.store._tables import (
        PersonalData,
        ProcessingEntry,
        audit_log,
        metadata,
        processing_register,
    )
    from trustreach.store._writers import busy_error, write_transaction
else:  # imported on first use (PEP 562): keeps `import trustreach.store` cheap
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "_bulk": (
                "UpsertCounts",
                "bulk_upsert",
                "count_rows",
                "dedupe_sorted",
            ),
            "_engine": (
                "create_store_engine",
                "upgrade",
            ),
            "_tables": (
                "PersonalData",
                "ProcessingEntry",
                "audit_log",
                "metadata",
                "processing_register",
            ),
            "_writers": ("busy_error", "write_transaction"),
        },
    )

__all__ = [
    "PersonalData",
    "ProcessingEntry",
    "UpsertCounts",
    "audit_log",
    "bulk_upsert",
    "busy_error",
    "count_rows",
    "create_store_engine",
    "dedupe_sorted",
    "metadata",
    "processing_register",
    "upgrade",
    "write_transaction",
]
