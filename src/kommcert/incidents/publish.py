"""Closing the loop: an incident's observables become indicators of a community report, and the
time to protection is measured (incident reported → published → first feed download elsewhere).

The CERT publishes; the report is the CERT's own and names neither the affected organisation nor
anything written about the incident (the title says category and date, the body a fixed
sentence). Values go through the indicator import like any other import, in the caller's
transaction; what cannot be blocked (accounts, file names, a value that no longer normalises) is
named and left out. Publishing again adds the new values to the same report.

Every 200 feed answer calls :func:`note_feed_download` (through ``audit.export.record_export``):
while a publication has had no download yet, the first answer to another organisation that may
see its report sets ``first_download_at`` once.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from kommcert import timefmt
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound
from kommcert.incidents import service as incidents_service
from kommcert.incidents import workflow
from kommcert.incidents.models import CATEGORY_LABELS_DE, Category, EventKind, Incident, IncidentObservable
from kommcert.incidents.publication_models import IncidentPublication, PublishedObservable
from kommcert.incidents.workflow import Right
from kommcert.indicators import importing
from kommcert.indicators.feeds import FeedFormat
from kommcert.indicators.formats.records import IndicatorRecord, Reject, records_for
from kommcert.indicators.models import Indicator, Provenance
from kommcert.indicators.types import IndicatorType
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
from kommcert.reports import service as reports_service
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP

# AMBER goes to the whole Land (the root with its subtree): every municipality, not further.
ALLOWED_TLP = (TLP.clear, TLP.green, TLP.amber)
DEFAULT_TLP = TLP.green
SUMMARY_DE = ("Indikatoren, die das CERT bei der Bearbeitung eines gemeldeten Vorfalls festgestellt hat. "
              "Die betroffene Stelle wird nicht genannt. Bitte in Firewall, DNS und SIEM übernehmen.")
PROTECTION_DAYS = 90
# A publication nobody downloaded for this long (withdrawn, or AMBER nobody fetches) stops being looked for.
OPEN_DAYS = 30
FEED_EXPORTS = frozenset(f.value for f in FeedFormat)
MISP_EVENT = "misp-event "


@dataclass(frozen=True)
class Left:
    """An observable that was not published, and why (one line in each language)."""

    observable_id: int
    value: str
    de: str
    en: str


@dataclass
class PublishResult:
    incident: Incident
    publication: IncidentPublication
    report: Report
    published: list[IncidentObservable] = field(default_factory=list)
    skipped: list[Left] = field(default_factory=list)
    # Published, but on a warninglist: blocking feeds leave them out (value, list name).
    warninglisted: list[tuple[str, str]] = field(default_factory=list)
    new_report: bool = False


@dataclass(frozen=True)
class Protection:
    """The time to protection of one incident (None where it has not happened yet)."""

    reported_at: datetime
    published_at: datetime | None
    first_download_at: datetime | None
    report_id: int | None
    first_download_org_id: int | None

    @property
    def to_publication(self) -> timedelta | None:
        return None if self.published_at is None else self.published_at - self.reported_at

    @property
    def to_first_download(self) -> timedelta | None:
        return None if self.first_download_at is None else self.first_download_at - self.reported_at


# ---------------------------------------------------------------- publishing

def _check_tlp(tlp: TLP) -> None:
    if tlp == TLP.red:
        raise InvalidInput("TLP:RED ist für veröffentlichte Indikatoren nicht möglich: sie sollen alle Kommunen "
                           "schützen.", "TLP:RED is not possible for published indicators: they are to protect "
                           "every municipality.")
    if tlp not in ALLOWED_TLP:
        raise InvalidInput("Veröffentlicht wird als TLP:CLEAR, TLP:GREEN oder TLP:AMBER (an das ganze Land).",
                           "Publish as TLP:CLEAR, TLP:GREEN or TLP:AMBER (to the whole Land).")


def _title(incident: Incident, now: datetime) -> str:
    day = timefmt.format_date(now, timefmt.zone_from_environment())
    return f"Indikatoren aus einem Vorfall ({CATEGORY_LABELS_DE[Category(incident.category)]}), {day}"


def _check_title(db: Session, incident: Incident, title: str) -> str:
    """A title of the CERT's own must not name the affected organisation or the area above it."""
    title = title.strip()
    if not title or len(title) > 300:
        raise InvalidInput("Bitte einen Titel mit höchstens 300 Zeichen angeben.",
                           "Please give a title of at most 300 characters.")
    names = db.scalars(select(Organization.name).join(OrgAncestry, OrgAncestry.ancestor_id == Organization.id)
                       .where(OrgAncestry.org_id == incident.owner_org_id, Organization.parent_id.is_not(None)))
    folded = title.casefold()
    if any(name and name.casefold() in folded for name in names):
        raise InvalidInput("Der Titel nennt die betroffene Stelle; die Veröffentlichung bleibt anonym.",
                           "The title names the affected organisation; the publication stays anonymous.")
    return title


def _candidates(db: Session, incident: Incident, observable_ids: Sequence[int] | None) -> list[IncidentObservable]:
    """The observables to publish now: the given ones, else those marked "teilen"; not published before."""
    stmt = select(IncidentObservable).where(
        IncidentObservable.incident_id == incident.id,
        ~exists().where(PublishedObservable.observable_id == IncidentObservable.id)).order_by(IncidentObservable.id)
    if observable_ids is not None:
        wanted = set(observable_ids)
        found = set(db.scalars(select(IncidentObservable.id).where(IncidentObservable.incident_id == incident.id,
                                                                   IncidentObservable.id.in_(wanted))))
        if found != wanted:
            raise NotFound("Unbekannte Beobachtung bei diesem Vorfall.", "Unknown observable of this incident.")
        stmt = stmt.where(IncidentObservable.id.in_(wanted))
    else:
        stmt = stmt.where(IncidentObservable.share.is_(True))
    chosen = list(db.scalars(stmt))
    if not chosen:
        raise InvalidInput("Keine neuen Beobachtungen zum Veröffentlichen: bitte Beobachtungen mit „teilen“ markieren.",
                           "No new observables to publish: please mark observables to share.")
    return chosen


def _records(chosen: Iterable[IncidentObservable]) -> tuple[list[tuple[IncidentObservable, IndicatorRecord]],
                                                              list[Left]]:
    """Indicator records for the observables that can be blocked; the others named with the reason.
    No comment or description travels: the incident's texts stay with the incident."""
    ready, skipped = [], []
    for obs in chosen:
        if obs.indicator_type is None:
            skipped.append(Left(obs.id, obs.value, f"„{obs.value[:80]}“: Konten und Dateinamen lassen sich nicht "
                                "blockieren", f"'{obs.value[:80]}': accounts and file names cannot be blocked"))
            continue
        [made] = list(records_for([(IndicatorType(obs.indicator_type), obs.value)], where_de=f"„{obs.value[:80]}“",
                                  where_en=f"'{obs.value[:80]}'", block=True))
        if isinstance(made, Reject):
            skipped.append(Left(obs.id, obs.value, made.de, made.en))
        else:
            ready.append((obs, made))
    return ready, skipped


def _report(db: Session, *, actor: Actor, incident: Incident, publication: IncidentPublication | None,
            tlp: TLP | None, title: str | None, now: datetime) -> Report:
    if publication is not None:
        report = reports_service.get_report_to_extend(db, actor=actor, report_id=publication.report_id)
        if tlp is not None and tlp != TLP(report.tlp):
            raise InvalidInput(f"Die Indikatoren dieses Vorfalls sind schon als TLP:{TLP(report.tlp).label} "
                               "veröffentlicht; neue kommen in dieselbe Meldung.",
                               f"This incident's indicators are already published as TLP:{TLP(report.tlp).label}; "
                               "new ones go into the same report.")
        return report
    tlp = tlp or DEFAULT_TLP
    audience: list[int] = []
    if tlp == TLP.amber:
        roots = db.scalars(select(Organization.id).where(  # peer instances stand beside the tree
            Organization.parent_id.is_(None), Organization.kind != OrgKind.peer.value).limit(2)).all()
        if len(roots) != 1:
            raise InvalidInput("TLP:AMBER braucht ein Land als oberste Organisation.",
                               "TLP:AMBER needs one Land at the top of the organisation tree.")
        audience = list(roots)
    return reports_service.create_report(db, actor=actor, report_in=ReportCreate(
        title=_check_title(db, incident, title) if title else _title(incident, now), summary=SUMMARY_DE, tlp=tlp,
        audience_orgs=audience))


def _already_in(db: Session, report: Report, records: Iterable[IndicatorRecord]) -> set[tuple[str, str]]:
    """(type, value) of these records that the report carries already (an observable removed and added again)."""
    keys = {(str(r.type), r.value) for r in records}
    if not keys:
        return set()
    rows = db.execute(select(Indicator.type, Indicator.value).join(Provenance, Provenance.indicator_id == Indicator.id)
                      .where(Provenance.report_id == report.id,
                             Indicator.value.in_([value for _, value in keys])))
    return {(str(t), v) for t, v in rows} & keys


def publish_observables(db: Session, *, actor: Actor, incident_id: int, observable_ids: Sequence[int] | None = None,
                        tlp: TLP | None = None, title: str | None = None) -> PublishResult:
    """Publish the incident's observables marked "teilen" (or ``observable_ids``) as indicators of
    the CERT's community report for this incident, made on the first call (``tlp`` default GREEN)
    and extended on later ones. Nothing is written unless something can be published."""
    incident = incidents_service.get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.publish)
    if tlp is not None:
        _check_tlp(tlp)
    chosen = _candidates(db, incident, observable_ids)
    ready, skipped = _records(chosen)
    if not ready:
        raise InvalidInput("Keine der Beobachtungen lässt sich als Indikator veröffentlichen: "
                           + "; ".join(s.de for s in skipped[:5]),
                           "None of the observables can be published as an indicator: "
                           + "; ".join(s.en for s in skipped[:5]))
    now = utcnow()
    publication = db.scalar(select(IncidentPublication).where(IncidentPublication.incident_id == incident.id))
    report = _report(db, actor=actor, incident=incident, publication=publication, tlp=tlp, title=title, now=now)
    result = PublishResult(incident=incident, publication=publication, report=report,  # type: ignore[arg-type]
                           skipped=skipped,
                           new_report=publication is None)
    present = _already_in(db, report, (r for _, r in ready))
    to_import = [r for _, r in ready if (str(r.type), r.value) not in present]
    if to_import:
        imported = importing.import_records(db, actor=actor, items=to_import, options=importing.ImportOptions(
            tlp=TLP(report.tlp), source="incident", report_id=report.id, skip_invalid=True))
        result.warninglisted = list(imported.warninglist_hits)
    if publication is None:
        publication = IncidentPublication(incident_id=incident.id, report_id=report.id, published_by_id=actor.user_id,
                                          published_at=now, last_published_at=now)
        db.add(publication)
        db.flush()
        result.publication = publication
    publication.last_published_at = now
    report.updated_at = now
    for obs, rec in ready:
        db.add(PublishedObservable(observable_id=obs.id, publication_id=publication.id, report_id=report.id,
                                   indicator_type=str(rec.type), published_at=now))
        result.published.append(obs)
    db.flush()
    incidents_service._record(db, incident, EventKind.observables_published, actor, {
        "report_id": report.id, "tlp": str(report.tlp), "published": [o.id for o in result.published],
        "skipped": [s.observable_id for s in skipped]})
    return result


# ---------------------------------------------------------------- what the case page shows

@dataclass(frozen=True)
class Panel:
    incident: Incident
    may_publish: bool
    marked: list[IncidentObservable]  # marked "teilen", not yet published
    published: list[tuple[IncidentObservable, PublishedObservable]]
    report: Report | None
    protection: Protection


def protection(db: Session, incident: Incident) -> Protection:
    """Reported, published, first downloaded by another organisation (the caller fetched the incident)."""
    publication = db.scalar(select(IncidentPublication).where(IncidentPublication.incident_id == incident.id))
    if publication is None:
        return Protection(incident.reported_at, None, None, None, None)
    return Protection(incident.reported_at, publication.published_at, publication.first_download_at,
                      publication.report_id, publication.first_download_org_id)


def get_protection(db: Session, *, actor: Actor, incident_id: int) -> Protection:
    return protection(db, incidents_service.get_incident(db, actor=actor, incident_id=incident_id))


def panel(db: Session, *, actor: Actor, incident_id: int) -> Panel:
    """The publish part of the case page: what is marked, what went out, the report, the times."""
    incident = incidents_service.get_incident(db, actor=actor, incident_id=incident_id)
    published = [(o, p) for o, p in db.execute(
        select(IncidentObservable, PublishedObservable).join(
            PublishedObservable, PublishedObservable.observable_id == IncidentObservable.id)
        .where(IncidentObservable.incident_id == incident.id).order_by(IncidentObservable.id))]
    done = {o.id for o, _ in published}
    marked = [o for o in db.scalars(select(IncidentObservable).where(
        IncidentObservable.incident_id == incident.id, IncidentObservable.share.is_(True))
        .order_by(IncidentObservable.id)) if o.id not in done]
    shown = protection(db, incident)
    report = None
    if shown.report_id is not None:
        candidate = db.get(Report, shown.report_id)
        # The report is GREEN or CLEAR for nearly everyone; the link only for those who may open it.
        if candidate is not None and policy.can(db, actor, policy.VIEW, candidate):
            report = candidate
    return Panel(incident, workflow.has_right(db, actor, incident, Right.publish), marked, published, report, shown)


# ---------------------------------------------------------------- time to protection

def note_feed_download(db: Session, *, actor: Actor, what: str, types: Sequence[str] = ()) -> int:
    """A feed answered 200 to ``actor``: the open publications whose report was in it get their first
    download (once). Returns how many. One indexed query when none is open (the usual case)."""
    if actor.org_id is None or not (what in FEED_EXPORTS or what.startswith(MISP_EVENT)):
        return 0
    open_since = utcnow() - timedelta(days=OPEN_DAYS)
    waiting = select(IncidentPublication.id).where(IncidentPublication.first_download_at.is_(None),
                                                   IncidentPublication.published_at >= open_since).limit(1)
    if db.scalar(waiting) is None:
        return 0
    stmt = (select(IncidentPublication.id)
            .join(Report, Report.id == IncidentPublication.report_id)
            .join(Incident, Incident.id == IncidentPublication.incident_id)
            .where(IncidentPublication.first_download_at.is_(None), IncidentPublication.published_at >= open_since,
                   Report.withdrawn_at.is_(None),
                   Report.owner_org_id != actor.org_id, Incident.owner_org_id != actor.org_id))
    if what.startswith(MISP_EVENT):
        try:
            stmt = stmt.where(Report.uuid == uuid.UUID(what.removeprefix(MISP_EVENT)))
        except ValueError:
            return 0
    if types:
        stmt = stmt.where(exists().where(PublishedObservable.publication_id == IncidentPublication.id,
                                         PublishedObservable.indicator_type.in_(list(types))))
    ids = list(db.scalars(policy.visible(stmt, Report, actor)))
    if not ids:
        return 0
    result = db.execute(update(IncidentPublication).where(
        IncidentPublication.id.in_(ids), IncidentPublication.first_download_at.is_(None))
        .values(first_download_at=utcnow(), first_download_org_id=actor.org_id)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class ProtectionFigures:
    """Medians over the incidents the reader may see whose observables were published in the period."""

    days: int
    published: int
    downloaded: int
    median_to_publication: timedelta | None
    median_to_first_download: timedelta | None


def _median(spans: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=statistics.median(s.total_seconds() for s in spans)) if spans else None


def protection_figures(db: Session, *, actor: Actor, days: int = PROTECTION_DAYS,
                       now: datetime | None = None) -> ProtectionFigures:
    """For the Lagebild: the median time from the incident report to the publication and to the
    first download elsewhere, over the last ``days`` days, counting only incidents the reader may see."""
    since = (now or utcnow()) - timedelta(days=days)
    rows = db.execute(policy.visible(
        select(Incident.reported_at, IncidentPublication.published_at, IncidentPublication.first_download_at)
        .join(IncidentPublication, IncidentPublication.incident_id == Incident.id)
        .where(IncidentPublication.published_at >= since), Incident, actor)).all()
    to_pub = [published - reported for reported, published, _ in rows]
    to_dl = [first - reported for reported, _, first in rows if first is not None]
    return ProtectionFigures(days, len(rows), len(to_dl), _median(to_pub), _median(to_dl))
