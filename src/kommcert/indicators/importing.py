"""Import a stream of indicator records into reports, in batches, inside the caller's transaction.

Readers (STIX, MISP, CSV, free text) yield records; this module groups them into reports by TLP,
stages each batch, and lets the database add the new values as :class:`Indicator` rows and join the
batch to its :class:`Provenance` rows (see :meth:`_Importer.flush`). Nothing is committed here: on a reject without
``skip_invalid`` the caller rolls back and nothing stays behind.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kommcert import bulk
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.indicators import warninglists
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject
from kommcert.indicators.models import Indicator, ReviewState
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP

BATCH = 5000
PROVENANCE_COLUMNS = ("report_id", "indicator_id", "valid_from", "valid_until", "confidence", "block", "comment",
                      "source", "source_ref", "tags", "created_at")
MAX_REJECTS_LISTED = 1000


@dataclass
class ImportOptions:
    title: str | None = None
    summary: str = ""
    tlp: TLP = TLP.amber  # for records whose source names no TLP
    audience: Audience = field(default_factory=Audience)
    source: str = "import"
    skip_invalid: bool = False
    lifetimes: dict[str, int] = field(default_factory=dict)
    report_id: int | None = None  # add to an existing report of the actor's org


@dataclass
class ImportResult:
    imported: int = 0  # provenances written
    new_indicators: int = 0
    duplicates: int = 0  # the same value twice in one report
    warninglisted: int = 0
    rejects: list[Reject] = field(default_factory=list)
    reports: list[int] = field(default_factory=list)


class _Importer:
    def __init__(self, db: Session, actor: Actor, options: ImportOptions) -> None:
        if not actor.can_write or actor.org_id is None:
            raise PermissionDenied("Dieser Zugang darf nichts importieren.", "This credential may not import.")
        self.db, self.actor, self.options = db, actor, options
        self.result = ImportResult()
        self.group = GroupInfo()
        self.reports: dict[TLP, Report] = {}
        self.report_ids: dict[str, int] = {}  # by TLP value, for the per-record loop
        self.lifetimes: dict[str, timedelta] = {}
        self.seen: set[tuple[int, str, str]] = set()
        self.match = warninglists.matcher(db)
        self.now = utcnow()
        self.dialect = db.get_bind().dialect.name
        self.is_pg = self.dialect == "postgresql"
        if self.is_pg:
            # The tables grow inside this one transaction, where the planner's statistics still
            # describe them as small: without this it scans a million rows for every id lookup.
            db.execute(text("SET LOCAL enable_seqscan = off"))
            # Each batch joins a few thousand staged rows to the indicators: one index probe per row.
            # A hash join would read the whole index every batch (quadratic over an import), and
            # the seqscan penalty makes every plan look expensive enough to JIT-compile (~100 ms).
            db.execute(text("SET LOCAL enable_hashjoin = off"))
            db.execute(text("SET LOCAL enable_mergejoin = off"))
            db.execute(text("SET LOCAL jit = off"))
        self.next_analyze = BATCH
        self.staged_rows = 0
        if options.report_id is not None:
            from kommcert.reports import service as reports_service

            report = reports_service.get_report_to_extend(db, actor=actor, report_id=options.report_id)
            self.reports[TLP(report.tlp)] = report
            self.report_ids[report.tlp] = report.id
            # Records that name no TLP of their own belong to the report they are added to.
            self.options.tlp = TLP(report.tlp)
        # Only an existing report can already hold a value; reports made by this import start empty.
        self.extends_existing = options.report_id is not None
        self.sql = _stage_sql(self.dialect, extends_existing=self.extends_existing)
        STAGE.fill(db.connection(), STAGE.payload(self.dialect, []))  # created and empty; each batch empties it again
        # PostgreSQL works on one batch while Python prepares the next (the writer thread waits on
        # the socket, without the GIL). Only one thread uses the session at a time: the main thread
        # waits for the writer before it touches the database itself (a new report, the end).
        self.writer = ThreadPoolExecutor(max_workers=1) if self.is_pg else None
        self.pending: Future | None = None
        self.db_duplicates = 0

    def report_for(self, tlp: TLP) -> Report:
        report = self.reports.get(tlp)
        if report is None:
            from kommcert.reports import service as reports_service

            self._wait()  # the writer thread must be idle while this thread uses the session
            title = self.options.title or self.group.title or f"Import {self.options.source}"
            if self.reports:
                title = f"{title} ({tlp.label})"
            report = reports_service.create_report(self.db, actor=self.actor, report_in=ReportCreate(
                title=title[:300], summary=self.options.summary or (self.group.summary or ""), tlp=tlp,
                audience_orgs=list(self.options.audience.orgs),
                audience_orgs_strict=list(self.options.audience.orgs_without_subtree),
                audience_users=list(self.options.audience.users)))
            self.reports[tlp] = report
            self.report_ids[tlp.value] = report.id
            self.result.reports.append(report.id)
        return report

    def lifetime(self, kind: str) -> timedelta:
        span = self.lifetimes.get(kind)
        if span is None:
            span = self.lifetimes[kind] = timedelta(days=self.options.lifetimes.get(kind, 90))
        return span

    def reject(self, item: Reject) -> None:
        if not self.options.skip_invalid:
            raise InvalidInput(item.de, item.en)
        if len(self.result.rejects) < MAX_REJECTS_LISTED:
            self.result.rejects.append(item)

    def _wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()  # re-raises the writer's error here

    def run(self, items: Iterable[IndicatorRecord | Reject | GroupInfo]) -> ImportResult:
        try:
            self._run(items)
            self._wait()
        finally:
            if self.writer is not None:
                if self.pending is not None:
                    concurrent.futures.wait([self.pending])  # never leave it writing into a rollback
                self.writer.shutdown()
        self.result.duplicates += self.db_duplicates
        return self.result

    def _run(self, items: Iterable[IndicatorRecord | Reject | GroupInfo]) -> None:
        batch: list[IndicatorRecord] = []
        for item in items:
            if isinstance(item, IndicatorRecord):
                batch.append(item)
                if len(batch) >= BATCH:
                    self.flush(batch)
                    batch = []
            elif isinstance(item, Reject):
                self.reject(item)
            else:
                self.group.title = self.group.title or item.title
                self.group.summary = self.group.summary or item.summary
                self.group.tlp = self.group.tlp or item.tlp
                self.group.source = item.source or self.group.source
        if batch:
            self.flush(batch)

    def flush(self, batch: list[IndicatorRecord]) -> None:
        """Stage the batch, then let the database add the new values and join them to provenances:
        no ids travel to Python and back (that round trip was half of a PostgreSQL import).

        This thread does all the Python work (warninglists, encoding the rows for the driver); on
        PostgreSQL the writer thread then only sends two messages, while this one goes on."""
        staged: list[tuple] = []
        default_tlp = self.group.tlp or self.options.tlp
        source = (self.group.source or self.options.source)[:200]
        match = self.match.match
        for rec in batch:
            report_id = self.report_ids.get(rec.tlp or default_tlp) or self.report_for(
                TLP(rec.tlp or default_tlp)).id
            kind = rec.type.value
            key = (report_id, kind, rec.value)
            if key in self.seen:
                self.result.duplicates += 1
                continue
            self.seen.add(key)
            valid_from = rec.valid_from or self.now
            staged.append((
                kind, rec.value, match(rec.type, rec.value), report_id, valid_from,
                rec.valid_until or valid_from + self.lifetime(kind), rec.confidence, rec.block,
                rec.comment[:2000] if rec.comment else None, source, rec.source_ref or None,
                "\n".join(rec.tags)[:4000], self.now,
            ))
        if not staged:
            return
        payload = STAGE.payload(self.dialect, staged)
        script = [self.sql.new_indicators]
        self.staged_rows += len(staged)
        if self.is_pg and self.staged_rows >= self.next_analyze:
            # Let the planner see how big the tables became (ANALYZE sees this transaction's rows),
            # so the join uses the (type, value) index. Doubling keeps this O(log n).
            script += ["ANALYZE indicators", "ANALYZE provenances"]
            self.next_analyze *= 2
        script += [self.sql.provenances, STAGE.clear_sql(self.dialect)]
        if self.writer is None:
            self._write(payload, len(staged), script)
        else:
            self._wait()
            self.pending = self.writer.submit(self._write, payload, len(staged), script)

    def _write(self, payload: object, count: int, script: list[str]) -> None:
        conn = self.db.connection()
        STAGE.write(conn, payload)
        results = bulk.run_script(conn, script)
        added, flagged = self.sql.count_new(results[0])
        self.result.new_indicators += added
        self.result.warninglisted += flagged
        inserted = results[-2][0]
        self.db_duplicates += count - inserted
        self.result.imported += inserted


STAGE_COLUMNS = ("type", "value", "warninglist", "report_id", "valid_from", "valid_until", "confidence", "block",
                 "comment", "source", "source_ref", "tags", "created_at")
# Column types come from the real tables, on both stores.
STAGE = bulk.Stage("_kc_import_stage", (
    "SELECT i.type, i.value, i.warninglist, p.report_id, p.valid_from, p.valid_until, p.confidence, p.block, "
    "p.comment, p.source, p.source_ref, p.tags, p.created_at FROM indicators i, provenances p WHERE 1 = 0"),
    STAGE_COLUMNS)
# An RFC 4122 version-4 UUID as the 32 hex digits SQLAlchemy's Uuid type stores on SQLite.
_SQLITE_UUID4 = ("lower(hex(randomblob(6))) || '4' || substr(lower(hex(randomblob(2))), 2) || "
                 "substr('89ab', 1 + abs(random()) % 4, 1) || substr(lower(hex(randomblob(2))), 2) || "
                 "lower(hex(randomblob(6)))")


@dataclass(frozen=True)
class _StageSql:
    new_indicators: str
    provenances: str
    postgresql: bool

    def count_new(self, result: tuple[int, list[tuple]]) -> tuple[int, int]:
        """(values added, of which warninglisted) from the new_indicators statement's result."""
        rowcount, rows = result
        if self.postgresql:
            added, flagged = rows[0]
            return added, flagged
        return len(rows), sum(1 for (hit,) in rows if hit is not None)


def _stage_sql(dialect: str, *, extends_existing: bool) -> _StageSql:
    """Parameterless statements (they run as one script on PostgreSQL). The stage holds the import
    time in created_at and each value's warninglist, both the same for every row of a value. A value
    staged twice (for two reports) needs no DISTINCT: the second row meets the first in the unique
    index and ON CONFLICT skips it."""
    pg = dialect == "postgresql"
    uuid_expr = "gen_random_uuid()" if pg else _SQLITE_UUID4
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
    insert = (
        f"INSERT INTO indicators (uuid, type, value, warninglist, warninglist_override, review_state, "  # noqa: S608
        f"created_at, updated_at) SELECT {uuid_expr}, type, value, warninglist, FALSE, '{ReviewState.none.value}', "
        f"created_at, created_at FROM {STAGE.name} "
        f"WHERE 1 = 1 ON CONFLICT (type, value) DO NOTHING RETURNING warninglist")
    # PostgreSQL counts on the server; SQLite has no INSERT inside WITH and returns the rows.
    new_indicators = f"WITH added AS ({insert}) SELECT count(*), count(warninglist) FROM added" if pg else insert  # noqa: S608
    columns = ", ".join(PROVENANCE_COLUMNS)
    only_new = ("AND NOT EXISTS (SELECT 1 FROM provenances p WHERE p.report_id = s.report_id "
                "AND p.indicator_id = i.id)") if extends_existing else ""
    provenances = (
        f"INSERT INTO provenances ({columns}) SELECT s.report_id, i.id, s.valid_from, s.valid_until, "  # noqa: S608
        f"s.confidence, s.block, s.comment, s.source, s.source_ref, s.tags, s.created_at FROM {STAGE.name} s "
        f"JOIN indicators i ON i.type = s.type AND i.value = s.value WHERE 1 = 1 {only_new}")
    return _StageSql(new_indicators, provenances, pg)


def indicator_ids(db: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of known (type, value) pairs through the unique (type, value) index: one type and up to
    1000 values a query (row-value IN lists are slow on SQLite)."""
    by_type: dict[str, list[str]] = {}
    for kind, value in keys:
        by_type.setdefault(kind, []).append(value)
    found: dict[tuple[str, str], int] = {}
    for kind, values in by_type.items():
        for start in range(0, len(values), 1000):
            rows = db.execute(select(Indicator.id, Indicator.value)
                              .where(Indicator.type == kind, Indicator.value.in_(values[start:start + 1000])))
            found.update({(kind, v): i for i, v in rows})
    return found


def import_records(db: Session, *, actor: Actor, items: Iterable[IndicatorRecord | Reject | GroupInfo],
                   options: ImportOptions) -> ImportResult:
    result = _Importer(db, actor, options).run(items)
    if not result.reports and not result.imported:
        raise InvalidInput("Die Datei enthält keine Indikatoren.", "The file holds no indicators.")
    audit_service.record(db, AuditEvent(events.SHARED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="indicator_import", detail={
                                            "source": options.source[:200], "imported": result.imported,
                                            "new": result.new_indicators, "rejected": len(result.rejects),
                                            "reports": result.reports}))
    return result
