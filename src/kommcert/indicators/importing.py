"""Import a stream of indicator records into reports, in batches, inside the caller's transaction.

Readers (STIX, MISP, CSV, free text) yield records; this module groups them into reports by TLP
(and by source group: each MISP event of a feed gets reports of its own), stages each batch, and
lets the database add the new values as :class:`Indicator` rows and join the batch to its
:class:`Provenance` rows (see :meth:`_Importer.flush`). Nothing is committed here: on a reject
without ``skip_invalid`` the caller rolls back and nothing stays behind. Skips (valid entries
with nothing to block) never fail an import; the result names them.
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
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject, Skip
from kommcert.indicators.models import ADDED_CLOCK, Indicator, ReviewState
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP

BATCH = 5000
PROVENANCE_COLUMNS = ("report_id", "indicator_id", "valid_from", "valid_until", "confidence", "block", "comment",
                      "source", "source_ref", "tags", "created_at", "added_at")
MAX_REJECTS_LISTED = 1000  # rejects and skips each: the counts go on, the lists stop
WARNINGLIST_HITS_LISTED = 20
SUMMARY_CHARS = 4000  # what an import writes into the body of a report it makes
NAMED_IN_ERROR = 5  # entries an "imports nothing" error names in its one line


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
    """``imported`` entries were taken over: ``new_indicators`` values the importer did not know
    (from no report they could see) plus ``known`` ones. ``duplicates`` were left out (the same value
    twice in one report), as were rejects and skips."""

    imported: int = 0  # provenances written
    new_indicators: int = 0
    duplicates: int = 0  # the same value twice in one report
    warninglisted: int = 0
    warninglist_hits: list[tuple[str, str]] = field(default_factory=list)  # (value, list), the first few
    rejects: list[Reject] = field(default_factory=list)
    reports: list[int] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)  # valid, but nothing to block: never an error
    skipped_count: int = 0
    rejected_count: int = 0

    @property
    def known(self) -> int:
        """Entries taken over whose value the importer could already see (in another report)."""
        return self.imported - self.new_indicators

    def counts(self, lang: str = "de") -> str:
        """ "3 übernommen: 2 neu, 1 bereits bekannt" – the parts always add up."""
        if lang == "de":
            text = f"{self.imported} übernommen: {self.new_indicators} neu, {self.known} bereits bekannt"
            if self.duplicates:
                text += f"; {self.duplicates} doppelt in der Datei, nicht übernommen"
            return text
        text = f"{self.imported} taken over: {self.new_indicators} new, {self.known} already known"
        if self.duplicates:
            text += f"; {self.duplicates} duplicated in the file, not taken over"
        return text


class _Importer:
    def __init__(self, db: Session, actor: Actor, options: ImportOptions) -> None:
        if not actor.can_write or actor.org_id is None:
            raise PermissionDenied("Dieser Zugang darf nichts importieren.", "This credential may not import.")
        self.db, self.actor, self.options = db, actor, options
        self.result = ImportResult()
        self.group = GroupInfo()
        self.reports: dict[TLP, Report] = {}  # of the current group
        self.report_ids: dict[str, int] = {}  # by TLP value, for the per-record loop
        self.target: Report | None = None  # the existing report this import extends
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
            # The trigram index on value (GIN, search) also answers "value = …", only through bitmap
            # scans: with stale statistics the planner took it for the per-row probe, and every probe
            # of an IP address rechecked thousands of rows sharing its trigrams (60,000 values into a
            # fresh demo Land: 170 s instead of 10 s). The unique (type, value) index is the one.
            db.execute(text("SET LOCAL enable_bitmapscan = off"))
            db.execute(text("SET LOCAL jit = off"))
        self.next_analyze = BATCH
        self.staged_rows = 0
        if options.report_id is not None:
            from kommcert.reports import service as reports_service

            report = reports_service.get_report_to_extend(db, actor=actor, report_id=options.report_id)
            self.target = report
            self.reports[TLP(report.tlp)] = report
            self.report_ids[report.tlp] = report.id
            # Records that name no TLP of their own belong to the report they are added to.
            self.options.tlp = TLP(report.tlp)
        # Only an existing report can already hold a value; reports made by this import start empty.
        self.extends_existing = options.report_id is not None
        self.sql = _stage_sql(self.dialect, extends_existing=self.extends_existing)
        STAGE.fill(db.connection(), STAGE.payload(self.dialect, []))  # created and empty; each batch empties it again
        # What the importer could see before: "new" counts values new *to them*. Counted against
        # every report, the answer would tell which values others hold in reports they may not see.
        from kommcert.sharing import policy

        bulk.stage_rows(db, KNOWN, [(rid,) for rid in db.scalars(policy.visible(select(Report.id), Report, actor))])
        # PostgreSQL works on one batch while Python prepares the next (the writer thread waits on
        # the socket, without the GIL). Only one thread uses the session at a time: the main thread
        # waits for the writer before it touches the database itself (a new report, the end).
        self.writer = ThreadPoolExecutor(max_workers=1) if self.is_pg else None
        self.pending: Future | None = None
        self.batch_values: list[int] = []  # distinct values of each staged batch, in order
        self.db_duplicates = 0
        # What the source says about the reports this import makes (their body, bounded).
        self.made: dict[int, Report] = {}
        self.notes: dict[int, dict[str, list[str]]] = {}  # report id -> comment -> values
        self.note_chars: dict[int, int] = {}

    def report_for(self, tlp: TLP) -> Report:
        report = self.reports.get(tlp)
        if report is None:
            from kommcert.reports import service as reports_service

            self._wait()  # the writer thread must be idle while this thread uses the session
            title = self.options.title or self.group.title or f"Import {self.options.source}"
            if self.group.starts_report and self.group.title and self.options.title:
                title = f"{self.options.title}: {self.group.title}"  # one report per event: keep the event's info
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
            if not self.options.summary:
                self.made[report.id] = report
                # The source's own name for it (a MISP event's info, a STIX report's name): the
                # title may be the import's own, or cut.
                if self.group.title:
                    self.note(report.id, self.group.title, None)
            KNOWN.write(self.db.connection(), KNOWN.payload(self.dialect, [(report.id,)]))
        return report

    def note(self, report_id: int, comment: str, value: str | None) -> None:
        """Remember what the source said about a value, for the body of a report this import makes."""
        used = self.note_chars.get(report_id, 0)
        notes = self.notes.setdefault(report_id, {})
        values = notes.get(comment)
        if values is None:
            if used > SUMMARY_CHARS:
                return
            values = notes[comment] = []
            self.note_chars[report_id] = used + len(comment) + 2
        if value is not None and len(values) < 5:
            values.append(value)
        elif value is not None:
            values.append("")  # counted, not shown

    def write_summaries(self) -> None:
        """Bodies for the reports this import made, from the source's texts: a STIX report's
        description, the indicators' names and descriptions, a CSV comment column, a MISP event's info
        and attribute comments. Each distinct text once, with up to five of its values."""
        for report_id, report in self.made.items():
            lines = []
            for comment, values in self.notes.get(report_id, {}).items():
                shown = [v for v in values if v]
                more = len(values) - len(shown)
                tail = f" ({', '.join(shown)}{f' +{more}' if more else ''})" if shown else ""
                lines.append(f"- {comment}{tail}")
            text = "\n\n".join(part for part in (report.summary, "\n".join(lines)) if part)
            if len(text) > SUMMARY_CHARS:
                text = text[:SUMMARY_CHARS].rsplit("\n", 1)[0] + "\n- …"
            report.summary = text
        if self.made:
            self.db.flush()

    def lifetime(self, kind: str) -> timedelta:
        span = self.lifetimes.get(kind)
        if span is None:
            span = self.lifetimes[kind] = timedelta(days=self.options.lifetimes.get(kind, 90))
        return span

    def reject(self, item: Reject) -> None:
        if not self.options.skip_invalid:
            raise InvalidInput(item.de, item.en)
        self.result.rejected_count += 1
        if len(self.result.rejects) < MAX_REJECTS_LISTED:
            self.result.rejects.append(item)

    def skip(self, item: Skip) -> None:
        self.result.skipped_count += 1
        if len(self.result.skipped) < MAX_REJECTS_LISTED:
            self.result.skipped.append(item)

    def start_group(self, item: GroupInfo) -> None:
        """A new source group (a MISP event): what follows gets reports of its own, under its own TLP
        (or the import's) and title. The caller has flushed the group before."""
        self._wait()
        self.group = GroupInfo(title=item.title, summary=item.summary, tlp=item.tlp, source=item.source,
                               starts_report=True)
        self.reports, self.report_ids = {}, {}
        if self.target is not None:  # records under the target's TLP still extend it
            self.reports[TLP(self.target.tlp)] = self.target
            self.report_ids[self.target.tlp] = self.target.id

    def _wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()  # re-raises the writer's error here

    def run(self, items: Iterable[IndicatorRecord | Reject | Skip | GroupInfo]) -> ImportResult:
        try:
            self._run(items)
            self._wait()
            self.write_summaries()
        finally:
            if self.writer is not None:
                if self.pending is not None:
                    concurrent.futures.wait([self.pending])  # never leave it writing into a rollback
                self.writer.shutdown()
        self.result.duplicates += self.db_duplicates
        return self.result

    def _run(self, items: Iterable[IndicatorRecord | Reject | Skip | GroupInfo]) -> None:
        batch: list[IndicatorRecord] = []
        for item in items:
            if isinstance(item, IndicatorRecord):
                batch.append(item)
                if len(batch) >= BATCH:
                    self.flush(batch)
                    batch = []
            elif isinstance(item, Reject):
                self.reject(item)
            elif isinstance(item, Skip):
                self.skip(item)
            elif item.starts_report:
                if batch:
                    self.flush(batch)
                    batch = []
                self.start_group(item)
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
        # Each row its own added_at (TAXII's date_added), one microsecond apart, strictly after every
        # time this process handed out before: ``added_after`` paging never stalls inside an import.
        added = bulk.stamps(self.dialect, ADDED_CLOCK.take(len(batch)), len(batch))
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
            hit = match(rec.type, rec.value)
            if hit is not None and len(self.result.warninglist_hits) < WARNINGLIST_HITS_LISTED:
                self.result.warninglist_hits.append((rec.value, hit))
            if rec.comment and report_id in self.made:
                self.note(report_id, rec.comment[:300], rec.value[:100])
            staged.append((
                kind, rec.value, hit, report_id, valid_from,
                rec.valid_until or valid_from + self.lifetime(kind), rec.confidence, rec.block,
                rec.comment[:2000] if rec.comment else None, source, rec.source_ref or None,
                "\n".join(rec.tags)[:4000], self.now, added[len(staged)],
            ))
        if not staged:
            return
        values = {(row[0], row[1]): row[2] for row in staged}
        self.result.warninglisted += sum(1 for hit in values.values() if hit is not None)
        self.batch_values.append(len(values))
        payload = STAGE.payload(self.dialect, staged)
        script = [KNOWN_SQL_PG if self.is_pg else KNOWN_SQL, self.sql.new_indicators]
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
        # Values the importer could not see before: new to the platform, or known only through
        # reports hidden from them (the second kind must look like the first).
        self.result.new_indicators += self.batch_values.pop(0) - results[0][1][0][0]
        inserted = results[-2][0]
        self.db_duplicates += count - inserted
        self.result.imported += inserted


STAGE_COLUMNS = ("type", "value", "warninglist", "report_id", "valid_from", "valid_until", "confidence", "block",
                 "comment", "source", "source_ref", "tags", "created_at", "added_at")
# Column types come from the real tables, on both stores.
STAGE = bulk.Stage("_kc_import_stage", (
    "SELECT i.type, i.value, i.warninglist, p.report_id, p.valid_from, p.valid_until, p.confidence, p.block, "
    "p.comment, p.source, p.source_ref, p.tags, p.created_at, p.added_at FROM indicators i, provenances p WHERE 1 = 0"),
    STAGE_COLUMNS)
# The reports the importer may see (and those this import makes): one id per row.
KNOWN = bulk.Stage("_kc_known_reports", "SELECT id FROM reports WHERE 1 = 0", ("id",))
KNOWN_SQL = (
    f"SELECT count(*) FROM (SELECT DISTINCT s.type, s.value FROM {STAGE.name} s "  # noqa: S608
    "JOIN indicators i ON i.type = s.type AND i.value = s.value WHERE EXISTS (SELECT 1 FROM provenances p "
    f"WHERE p.indicator_id = i.id AND p.report_id IN (SELECT id FROM {KNOWN.name}))) known")
# The same on PostgreSQL, one index probe per staged row: with enable_seqscan off the temporary
# tables' only scan carries the penalty, so the join above drove from a full index scan of the
# indicators and compared every staged row with each (27 s per batch at 20,000 indicators).
KNOWN_SQL_PG = (
    f"SELECT count(*) FROM (SELECT DISTINCT s.type, s.value FROM {STAGE.name} s CROSS JOIN LATERAL "  # noqa: S608
    "(SELECT 1 FROM indicators i JOIN provenances p ON p.indicator_id = i.id WHERE i.type = s.type "
    f"AND i.value = s.value AND p.report_id IN (SELECT id FROM {KNOWN.name}) LIMIT 1) hit) known")
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
        f"s.confidence, s.block, s.comment, s.source, s.source_ref, s.tags, s.created_at, s.added_at "
        f"FROM {STAGE.name} s "
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


def _named(items: list[Skip] | list[Reject], count: int, lang: str) -> str:
    shown = [item.de if lang == "de" else item.en for item in items[:NAMED_IN_ERROR]]
    if count > len(shown):
        shown.append(f"… und {count - len(shown)} weitere" if lang == "de" else f"… and {count - len(shown)} more")
    return "; ".join(shown)


def _nothing_imported(result: ImportResult) -> InvalidInput:
    """"The file holds no indicators", naming what was left out and why."""
    de, en = "Die Datei enthält keine Indikatoren.", "The file holds no indicators."
    if result.skipped_count:
        de = (f"Die Datei enthält keine blockierbaren Indikatoren; übersprungen ({result.skipped_count}): "
              f"{_named(result.skipped, result.skipped_count, 'de')}")
        en = (f"The file holds no blockable indicators; skipped ({result.skipped_count}): "
              f"{_named(result.skipped, result.skipped_count, 'en')}")
    if result.rejected_count:
        de += f" Fehlerhaft ({result.rejected_count}): {_named(result.rejects, result.rejected_count, 'de')}"
        en += f" Invalid ({result.rejected_count}): {_named(result.rejects, result.rejected_count, 'en')}"
    return InvalidInput(de, en)


def import_records(db: Session, *, actor: Actor, items: Iterable[IndicatorRecord | Reject | Skip | GroupInfo],
                   options: ImportOptions) -> ImportResult:
    result = _Importer(db, actor, options).run(items)
    if not result.reports and not result.imported:
        raise _nothing_imported(result)
    audit_service.record(db, AuditEvent(events.SHARED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="indicator_import", detail={
                                            "source": options.source[:200], "imported": result.imported,
                                            "new": result.new_indicators, "rejected": result.rejected_count,
                                            "skipped": result.skipped_count,
                                            "reports": result.reports}))
    return result
