"""Import use-case: validate everything, write all-or-nothing, audit it."""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, select

from trustreach.core import (
    ImportValidationError,
    RecordError,
    Settings,
    get_settings,
)
from trustreach.ethics.audit import digest_file
from trustreach.ethics.privacy import Pseudonymizer, load_or_create_key
from trustreach.ingest import TransformContext, interchange_files
from trustreach.services._audit_guard import (
    audited_transaction,
    confirm_anchor,
    record_audit,
)
from trustreach.services._context import check_workspace, ensure_workspace, store
from trustreach.services._erasure_bar import SKIP_REASON, ErasureBar
from trustreach.services._live import invalidate as invalidate_campaigns
from trustreach.services._live import touch as touch_campaigns
from trustreach.services._prepare import PreparedSource
from trustreach.services._retention_gate import ImportGate
from trustreach.services._rules import ConsentLedger, DealGate, SnapshotGate
from trustreach.store import bulk_upsert, count_rows, metadata

Progress = Callable[[str, int], None]

# (column in the table row, kind it refers to, whether a null is allowed)
REFERENCES: dict[str, list[tuple[str, str]]] = {
    "creator_accounts": [("creator_id", "creators")],
    "audience_snapshots": [("account_id", "creator_accounts")],
    "follows": [("creator_account_id", "creator_accounts"), ("follower_key", "follower_accounts")],
    "campaigns": [("brand_id", "brands")],
    "briefs": [("brand_id", "brands"), ("campaign_id", "campaigns")],
    "deals": [("campaign_id", "campaigns"), ("creator_id", "creators")],
    "posts": [("account_id", "creator_accounts"), ("campaign_id", "campaigns")],
    "post_metrics": [("post_id", "posts")],
    "tracked_links": [
        ("campaign_id", "campaigns"),
        ("creator_id", "creators"),
        ("post_id", "posts"),
    ],
    "comments": [("post_id", "posts")],
    "tracking_events": [
        ("campaign_id", "campaigns"),
        ("post_id", "posts"),
        ("creator_id", "creators"),
    ],
    "consent_records": [("creator_id", "creators")],
    "declared_attributes": [("creator_id", "creators"), ("consent_id", "consent_records")],
}
# Public names of pseudonymised reference columns, for error messages.
_FIELD_NAMES = {("follows", "follower_key"): "follower_account_id"}


@dataclass
class KindReport:
    """What one file of the import did."""

    kind: str
    file: str
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped_expired: int = 0  # records whose retention ran out before: not brought back
    skipped_erased: int = 0  # records of a person erased at their request: not brought back


@dataclass
class ImportReport:
    """The outcome of a committed import."""

    workspace: str
    kinds: list[KindReport] = field(default_factory=list)
    audit_seq: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Records read across all files."""
        return sum(k.rows for k in self.kinds)


def import_files(path: Path) -> list[tuple[str, str, Path]]:
    """The (kind, format, file) triples an import of ``path`` covers, in import order.

    Only regular files (or links to them) are read: see
    :func:`trustreach.ingest.interchange_files` for the rule.
    """
    return interchange_files(path)


class _Writer:
    """Writes batches on a second thread while the next batch is read and validated.

    Only this thread touches the connection while it runs; :meth:`close` waits
    for it and re-raises any error it met, so nothing is silently dropped.
    """

    def __init__(self, connection: Connection, table: Table) -> None:
        # sqlite3 re-takes the GIL for every row it binds: hand it back quickly
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self.switch_interval, 0.0002))
        self.connection, self.table = connection, table
        self.written = 0
        self.error: BaseException | None = None
        self.queue: queue.Queue[tuple[Any, list[str] | None] | None] = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, name="trustreach-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    data, columns = item  # frames come unique by key and sorted (prepare_batch)
                    counts = bulk_upsert(
                        self.connection, self.table, data, columns=columns, presorted=True
                    )
                    self.written += counts.written
                except BaseException as exc:  # re-raised by close() in the caller's thread
                    self.error = exc

    def submit(self, data: Any, columns: list[str] | None) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((data, columns))

    def close(self) -> int:
        self.queue.put(None)
        self.thread.join()
        sys.setswitchinterval(self.switch_interval)
        if self.error is not None:
            raise self.error
        return self.written


class _Importer:
    def __init__(self, connection: Connection, ctx: TransformContext, settings: Settings) -> None:
        self.connection = connection
        self.ctx = ctx
        self.settings = settings
        self.errors: list[RecordError] = []
        self.error_count = 0
        self.known: dict[str, set[str]] = {}
        self.wanted: set[str] = set()
        self.present: set[str] = set()
        self.consents: ConsentLedger | None = None
        self.deal_gate: DealGate | None = None
        self.snapshot_gate: SnapshotGate | None = None
        self.retention = ImportGate.load(connection, ctx.workspace)
        self.erased = ErasureBar.load(connection, ctx.workspace, ctx.pseudonymizer)

    @property
    def failed(self) -> bool:
        return self.error_count > 0

    def add_errors(self, errors: list[RecordError]) -> None:
        self.error_count += len(errors)
        room = self.settings.max_reported_errors - len(self.errors)
        self.errors.extend(errors[: max(room, 0)])

    def known_keys(self, kind: str) -> set[str]:
        if kind not in self.known:
            table = metadata.tables[kind]
            key = table.primary_key.columns.values()[-1]
            rows = self.connection.execute(
                select(key).where(table.c.workspace == self.ctx.workspace)
            )
            self.known[kind] = {r[0] for r in rows}
        return self.known[kind]

    def check_refs(self, kind: str, file: str, rows: list[int], data: Any) -> list[bool]:
        """Mark rows whose references resolve; report the others."""
        ok = [True] * len(rows)
        for column, target in REFERENCES.get(kind, []):
            known = self.known_keys(target)
            values = data[column].to_list() if isinstance(data, pl.DataFrame) else data[column]
            name = _FIELD_NAMES.get((kind, column), column)
            bad: list[RecordError] = []
            for i, value in enumerate(values):
                if value is not None and value not in known:
                    ok[i] = False
                    shown = None if name != column else repr(value)
                    bad.append(
                        RecordError(
                            file,
                            rows[i],
                            name,
                            shown,
                            f"refers to a {target} record that is neither in the database "
                            "nor in this import",
                        )
                    )
            self.add_errors(bad)
        return ok

    def check_rules(
        self, kind: str, file: str, rows: list[int], data: Any, ok: list[bool]
    ) -> list[bool]:
        """Rules beyond references: consent behind declarations, approval behind deals."""
        if kind == "consent_records" and self.consents is not None:
            self.consents.add(data, ok)
        elif kind == "declared_attributes" and self.consents is not None:
            errors = self.consents.check(file, rows, data, ok)
            self.add_errors(errors)
        elif kind == "deals" and self.deal_gate is not None:
            errors = self.deal_gate.check(file, rows, data, ok)
            self.add_errors(errors)
        elif kind == "post_metrics" and self.snapshot_gate is not None:
            self.add_errors(self.snapshot_gate.check(file, rows, data, ok))
        return ok

    def run_file(
        self, kind: str, path: Path, source: PreparedSource, progress: Progress | None
    ) -> KindReport:
        table: Table = metadata.tables[kind]
        report = KindReport(kind=kind, file=str(path))
        before = count_rows(self.connection, table, self.ctx.workspace)
        for _, target in REFERENCES.get(kind, []):
            self.known_keys(target)  # load before the writer owns the connection
        if kind in ("consent_records", "declared_attributes") and (
            "declared_attributes" in self.present
        ):
            self.consents = self.consents or ConsentLedger.load(self.connection, self.ctx.workspace)
        if kind == "deals":
            self.deal_gate = DealGate.load(self.connection, self.ctx.workspace)
        if kind == "post_metrics":
            self.snapshot_gate = SnapshotGate.load(self.connection, self.ctx.workspace)
        key_column = table.primary_key.columns.values()[-1].name
        self.retention.prepare(self.connection, kind)  # tombstones of this kind, if any
        writer = _Writer(self.connection, table)
        try:
            self._submit(kind, path, source, report, key_column, writer, progress)
        finally:
            written = writer.close()
        if not self.failed:
            after = count_rows(self.connection, table, self.ctx.workspace)
            report.new = after - before
            report.changed = written - report.new
            report.unchanged = (
                report.rows - written - report.skipped_expired - report.skipped_erased
            )
        return report

    def _submit(
        self,
        kind: str,
        path: Path,
        source: PreparedSource,
        report: KindReport,
        key_column: str,
        writer: _Writer,
        progress: Progress | None,
    ) -> None:
        for item in source:
            report.rows += item.read
            self.add_errors(item.errors)
            # records of a person erased at their request stay out (services._erasure_bar)
            data, rows, erased = self.erased.admit(item.data, item.columns, item.rows)
            report.skipped_erased += erased
            # records whose retention ran out are not brought back (services._retention)
            data, rows, skipped = self.retention.admit(kind, data, item.columns, rows)
            report.skipped_expired += skipped
            skipped += erased
            data, columns = self.retention.stamp(kind, data, item.columns)
            view = _column_view(data, columns)
            refs = self.check_refs(kind, str(path), rows, view)
            refs = self.check_rules(kind, str(path), rows, view, refs)
            if kind in self.wanted:
                keys = (
                    data[key_column].to_list()
                    if columns is None
                    else [r[columns.index(key_column)] for r in data]
                )
                self.known_keys(kind).update(k for k, good in zip(keys, refs, strict=True) if good)
            if not self.failed and (rows or not skipped):
                writer.submit(data, columns)
            if progress is not None:
                progress(kind, item.read)


def _column_view(data: Any, columns: list[str] | None) -> Any:
    if columns is None:
        return data
    return {name: [row[i] for row in data] for i, name in enumerate(columns)}


def import_path(
    path: Path,
    *,
    workspace: str = "default",
    actor: str = "cli",
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one interchange file or a directory of them, all-or-nothing.

    Every record is validated; when any record of any file is invalid, or refers
    to something that exists neither in the database nor in the import, nothing
    is written and :class:`~trustreach.core.ImportValidationError` lists the
    problems. Re-importing the same data changes nothing (upsert by natural key).
    A committed import appends one audit record with a digest of its input.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    files = import_files(path)
    started = time.perf_counter()
    key = load_or_create_key(settings.resolved_key_file())
    ctx = TransformContext(workspace=workspace, pseudonymizer=Pseudonymizer(key))
    report = ImportReport(workspace=workspace)
    with contextlib.ExitStack() as stack:
        # Large files' worker processes and the input digest start first, so they
        # run while the store is opened and earlier files are written.
        sources = []
        for kind, fmt, file in files:
            source = PreparedSource(
                file,
                fmt,
                kind,
                ctx,
                batch_rows=settings.import_batch_rows,
                cap=settings.max_reported_errors,
                max_record_bytes=settings.max_record_bytes,
                refuse_empty=not path.is_dir(),  # in a directory, an empty kind file is 0 rows
            )
            stack.callback(source.close)
            sources.append(source)
        digest = stack.enter_context(ThreadPoolExecutor(1)).submit(
            digest_file, path, [file for _, _, file in files]
        )
        engine = stack.enter_context(store(settings, create=True))
        with audited_transaction(settings, engine) as connection:
            ensure_workspace(connection, workspace)
            importer = _Importer(connection, ctx, settings)
            present = {kind for kind, _, _ in files}
            importer.present = present
            importer.wanted = {
                target
                for kind in present
                for _, target in REFERENCES.get(kind, [])
                if target in present
            }
            for (kind, _, file), source in zip(files, sources, strict=True):
                report.kinds.append(importer.run_file(kind, file, source, progress))
            if importer.failed:
                raise ImportValidationError(
                    importer.errors, truncated=importer.error_count > len(importer.errors)
                )
            if report.rows == 0:  # a directory of empty files: nothing to import, no audit
                why = "no file holds a record: nothing to import"
                raise ImportValidationError([RecordError(str(path), 0, None, None, why)])
            if "tracking_events" in present:  # campaign aggregates: rebuilt on next read
                invalidate_campaigns(connection, workspace)
            else:  # other figures of the campaigns may have changed: their live pages ask
                touch_campaigns(connection, workspace)
            entry = record_audit(
                settings,
                connection,
                actor=actor,
                action="import",
                workspace=workspace,
                subject=str(path),
                input_digest=digest.result(),
                details={
                    "files": {k.kind: Path(k.file).name for k in report.kinds},
                    "rows": {k.kind: k.rows for k in report.kinds},
                    "new": {k.kind: k.new for k in report.kinds},
                    "changed": {k.kind: k.changed for k in report.kinds},
                    **(
                        {"skipped_expired": {k.kind: k.skipped_expired for k in report.kinds}}
                        if any(k.skipped_expired for k in report.kinds)
                        else {}
                    ),
                    **(
                        {
                            "skipped_erased": {k.kind: k.skipped_erased for k in report.kinds},
                            "skipped_erased_reason": SKIP_REASON,
                        }
                        if any(k.skipped_erased for k in report.kinds)
                        else {}
                    ),
                },
            )
        report.audit_seq = entry.seq
        confirm_anchor(settings, entry.head)
    report.seconds = time.perf_counter() - started
    return report
