"""Import a stream of indicator records into reports, in batches, inside the caller's transaction.

Readers (STIX, MISP, CSV, free text) yield records; this module groups them into reports by TLP,
normalised values become one :class:`Indicator` each (insert-or-ignore, then one SELECT per batch),
and every report gets a :class:`Provenance`. Nothing is committed here: on a reject without
``skip_invalid`` the caller rolls back and nothing stays behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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
from kommcert.indicators.models import Indicator, Provenance
from kommcert.indicators.types import IndicatorType
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP

BATCH = 5000
INDICATOR_COLUMNS = ("uuid", "type", "value", "warninglist", "warninglist_override", "review_state", "created_at",
                     "updated_at")
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
        self.seen: set[tuple[int, str, str]] = set()
        self.match = warninglists.matcher(db)
        self.now = utcnow()
        self.is_pg = db.get_bind().dialect.name == "postgresql"
        if self.is_pg:
            # The tables grow inside this one transaction, where the planner's statistics still
            # describe them as small: without this it scans a million rows for every id lookup.
            db.execute(text("SET LOCAL enable_seqscan = off"))
        self.next_analyze = BATCH
        if options.report_id is not None:
            from kommcert.reports import service as reports_service

            report = reports_service.get_report(db, actor=actor, report_id=options.report_id)
            if report.owner_org_id != actor.org_id:
                raise PermissionDenied("Nur Meldungen der eigenen Organisation können ergänzt werden.",
                                       "Only reports of your own organisation can be extended.")
            self.reports[TLP(report.tlp)] = report
            # Records that name no TLP of their own belong to the report they are added to.
            self.options.tlp = TLP(report.tlp)
        # Only an existing report can already hold a value; reports made by this import start empty.
        self.extends_existing = options.report_id is not None

    def report_for(self, tlp: TLP) -> Report:
        report = self.reports.get(tlp)
        if report is None:
            from kommcert.reports import service as reports_service

            title = self.options.title or self.group.title or f"Import {self.options.source}"
            if self.reports:
                title = f"{title} ({tlp.label})"
            report = reports_service.create_report(self.db, actor=self.actor, report_in=ReportCreate(
                title=title[:300], summary=self.options.summary or (self.group.summary or ""), tlp=tlp,
                audience_orgs=list(self.options.audience.orgs),
                audience_orgs_strict=list(self.options.audience.orgs_without_subtree),
                audience_users=list(self.options.audience.users)))
            self.reports[tlp] = report
            self.result.reports.append(report.id)
        return report

    def reject(self, item: Reject) -> None:
        if not self.options.skip_invalid:
            raise InvalidInput(item.de, item.en)
        if len(self.result.rejects) < MAX_REJECTS_LISTED:
            self.result.rejects.append(item)

    def run(self, items: Iterable[IndicatorRecord | Reject | GroupInfo]) -> ImportResult:
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
        return self.result

    def _ids(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        return indicator_ids(self.db, keys)

    def flush(self, batch: list[IndicatorRecord]) -> None:
        keys = {(r.type.value, r.value) for r in batch}
        ids = self._ids(keys)
        missing = keys - ids.keys()
        if missing:
            rows = []
            for kind, value in missing:
                hit = self.match.match(IndicatorType(kind), value)
                self.result.warninglisted += hit is not None
                rows.append((uuid.uuid4(), kind, value, hit, False, "none", self.now, self.now))
            # Another import may add the same value at the same moment: the database decides.
            bulk.insert_rows(self.db, Indicator.__table__, INDICATOR_COLUMNS, rows,
                             ignore_conflicts_on=("type", "value"))
            self.result.new_indicators += len(rows)
            ids.update(self._ids(missing))
        provenances: list[tuple] = []
        for rec in batch:
            tlp = rec.tlp or self.group.tlp or self.options.tlp
            report = self.report_for(TLP(tlp))
            key = (report.id, rec.type.value, rec.value)
            if key in self.seen:
                self.result.duplicates += 1
                continue
            self.seen.add(key)
            valid_from = rec.valid_from or self.now
            valid_until = rec.valid_until or valid_from + timedelta(
                days=self.options.lifetimes.get(rec.type.value, 90))
            provenances.append((
                report.id, ids[(rec.type.value, rec.value)], valid_from, valid_until, rec.confidence, rec.block,
                rec.comment[:2000] if rec.comment else None, (self.group.source or self.options.source)[:200],
                rec.source_ref or None, "\n".join(rec.tags)[:4000], self.now,
            ))
        if self.is_pg and self.result.new_indicators >= self.next_analyze:
            # Let the planner see how big the tables became (ANALYZE sees this transaction's rows),
            # so the (type, value) lookups use both index columns. Doubling keeps this O(log n).
            self.db.execute(text("ANALYZE indicators"))
            self.db.execute(text("ANALYZE provenances"))
            self.next_analyze *= 2
        if provenances:
            fresh = self._new_pairs(provenances)
            self.result.duplicates += len(provenances) - len(fresh)
            bulk.insert_rows(self.db, Provenance.__table__, PROVENANCE_COLUMNS, fresh)
            self.result.imported += len(fresh)

    def _new_pairs(self, provenances: list[tuple]) -> list[tuple]:
        """A value re-imported into a report that already carries it changes nothing."""
        if not self.extends_existing:
            return provenances
        ids = list({p[1] for p in provenances})
        existing: set[tuple[int, int]] = set()
        for start in range(0, len(ids), 1000):
            existing |= set(self.db.execute(select(Provenance.report_id, Provenance.indicator_id).where(
                Provenance.indicator_id.in_(ids[start:start + 1000]),
                Provenance.report_id.in_([r.id for r in self.reports.values()]))).all())
        return [p for p in provenances if (p[0], p[1]) not in existing]


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
