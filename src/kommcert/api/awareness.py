"""Awareness under /api/v1/awareness: catalogue, events (GREEN), registration, attendance, coverage, readiness,
phishing aggregates (AMBER+STRICT, ``upward``), iCalendar, certificates and CSV exports. Every read goes
through ``kommcert.awareness`` and so through the sharing policy: what the caller may not see is 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from kommcert import i18n
from kommcert.api.auth import UserActor, WriterActor
from kommcert.awareness import (
    attendance,
    catalogue,
    certificates,
    coverage,
    csv_export,
    ical,
    phishing,
    profiles,
    readiness,
)
from kommcert.awareness.schemas import (
    AreaCoverageRead,
    AttendanceIn,
    CampaignRead,
    CoverageRead,
    EventDetail,
    EventIn,
    EventRead,
    HeadcountIn,
    OrgCoverageRead,
    OrgLineRead,
    PhishingGroupRead,
    ReadinessIn,
    ReadinessRead,
    RegistrationIn,
    TopicIn,
    TopicRead,
)
from kommcert.db import utcnow
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.errors import NotFound
from kommcert.sharing.actor import Actor
from kommcert.validation import Id

router = APIRouter(prefix="/awareness", tags=["awareness"])


def _own(actor: Actor) -> int:
    if actor.org_id is None:
        raise NotFound()
    return actor.org_id


def _event(row: catalogue.EventRow) -> EventRead:
    e = row.event
    return EventRead(id=e.id, title=e.title, format=e.format, target_groups=list(e.target_groups),
                     starts_at=e.starts_at, ends_at=e.ends_at, place=e.place, link=e.link, capacity=e.capacity,
                     registered=row.registered, organiser_org_id=e.owner_org_id, organiser=row.organiser,
                     record_names=e.record_names, cancelled=e.cancelled_at is not None)


def _detail(view: attendance.EventView) -> EventDetail:
    base = _event(catalogue.EventRow(view.event, view.organiser.name, view.registered))
    return EventDetail(**base.model_dump(), attended=view.attended, may_manage=view.may_manage,
                       lines=[OrgLineRead(org_id=ln.org_id, org_name=ln.org_name, registered=ln.registered,
                                          attended=ln.attended) for ln in view.lines])


@router.get("/topics", response_model=list[TopicRead])
def topics(db: DbSession, actor: UserActor) -> list[TopicRead]:
    """The training catalogue."""
    return [TopicRead.model_validate(t, from_attributes=True) for t in catalogue.list_topics(db, actor)]


@router.post("/topics", response_model=TopicRead, status_code=201)
def create_topic(topic_in: TopicIn, db: DbSession, actor: WriterActor) -> TopicRead:
    """A catalogue entry (the Land, the CERTs and the Kreise)."""
    topic = catalogue.create_topic(db, actor=actor, topic_in=catalogue.TopicIn(
        title=topic_in.title, format=topic_in.format.value, target_groups=[g.value for g in topic_in.target_groups],
        description=topic_in.description, duration_minutes=topic_in.duration_minutes))
    return TopicRead.model_validate(topic, from_attributes=True)


@router.get("/events", response_model=list[EventRead])
def events(db: DbSession, actor: UserActor) -> list[EventRead]:
    """The calendar (TLP:GREEN): every event, soonest first, with the places taken."""
    return [_event(r) for r in catalogue.list_events(db, actor)]


@router.post("/events", response_model=EventDetail, status_code=201)
def create_event(event_in: EventIn, db: DbSession, actor: WriterActor) -> EventDetail:
    """Plan an event of your organisation (not in the past; a place for Präsenz, a link for Online)."""
    event = catalogue.create_event(db, actor=actor, event_in=catalogue.EventIn(
        title=event_in.title, format=event_in.format.value, target_groups=[g.value for g in event_in.target_groups],
        starts_at=event_in.starts_at, ends_at=event_in.ends_at, capacity=event_in.capacity, place=event_in.place,
        link=event_in.link, description=event_in.description, topic_id=event_in.topic_id,
        record_names=event_in.record_names))
    return _detail(attendance.event_view(db, actor, event.id))


@router.get("/events.ics")
def events_ics(request: Request, db: DbSession, actor: UserActor, settings: SettingsDep) -> Response:
    """The calendar as iCalendar."""
    rows = catalogue.list_events(db, actor)
    text = ical.calendar([(r.event, r.organiser) for r in rows], base_url=settings.base_url or str(request.base_url),
                         now=utcnow())
    return Response(text, media_type="text/calendar; charset=utf-8")


@router.get("/events/{event_id}", response_model=EventDetail)
def event(event_id: Id, db: DbSession, actor: UserActor) -> EventDetail:
    """One event with the registrations and attendance you may see (the organiser sees all of its event)."""
    return _detail(attendance.event_view(db, actor, event_id))


@router.post("/events/{event_id}/cancel", response_model=EventDetail)
def cancel(event_id: Id, db: DbSession, actor: WriterActor) -> EventDetail:
    catalogue.cancel_event(db, actor=actor, event_id=event_id)
    return _detail(attendance.event_view(db, actor, event_id))


@router.put("/events/{event_id}/registration", response_model=EventDetail)
def register(event_id: Id, registration: RegistrationIn, db: DbSession, actor: WriterActor) -> EventDetail:
    """Your organisation's registrations per target group (replaces the earlier ones)."""
    attendance.register(db, actor=actor, event_id=event_id, org_id=_own(actor),
                        counts={g.value: n for g, n in registration.counts.items()})
    return _detail(attendance.event_view(db, actor, event_id))


@router.put("/events/{event_id}/attendance", response_model=EventDetail)
def record_attendance(event_id: Id, attendance_in: AttendanceIn, db: DbSession, actor: WriterActor) -> EventDetail:
    """Attendance of one organisation per target group (the organiser, after the start)."""
    attendance.record_attendance(db, actor=actor, event_id=event_id, org_id=attendance_in.org_id,
                                 counts={g.value: n for g, n in attendance_in.counts.items()},
                                 names={g.value: t for g, t in attendance_in.names.items()})
    return _detail(attendance.event_view(db, actor, event_id))


@router.get("/events/{event_id}/certificate.pdf")
def certificate(event_id: Id, request: Request, db: DbSession, actor: UserActor, settings: SettingsDep,
                org_id: Id | None = None) -> Response:
    """Certificate of participation of an organisation (default: yours)."""
    cert = certificates.pdf(db, actor=actor, event_id=event_id, org_id=org_id or _own(actor), settings=settings,
                            lang=settings.default_locale, ip=client_ip(request))
    return Response(cert.data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{cert.filename}"'})


def _org_coverage(o: coverage.OrgCoverage) -> OrgCoverageRead:
    return OrgCoverageRead(org_id=o.org_id, name=o.name, kreis=o.kreis_name, status=o.status, headcount=o.headcount,
                           trained=o.trained, share=o.share, last_training=o.last_training)


def _area(a: coverage.AreaCoverage) -> AreaCoverageRead:
    return AreaCoverageRead(area_id=a.area_id, name=a.name, organisations=a.organisations,
                            with_headcount=a.with_headcount, overdue=a.overdue, headcount=a.headcount,
                            trained=a.trained, share=a.share)


@router.get("/coverage", response_model=CoverageRead)
def coverage_all(db: DbSession, actor: UserActor) -> CoverageRead:
    """Share trained in the last 12 months per organisation you may see, per Kreis and for the Land."""
    view = coverage.coverage(db, actor)
    return CoverageRead(since=view.since, threshold=coverage.THRESHOLD,
                        organisations=[_org_coverage(o) for o in view.orgs], kreise=[_area(a) for a in view.kreise],
                        land=_area(view.land) if view.land else None)


@router.get("/coverage/{org_id}", response_model=OrgCoverageRead)
def coverage_one(org_id: Id, db: DbSession, actor: UserActor) -> OrgCoverageRead:
    return _org_coverage(coverage.org_coverage(db, actor, org_id))


@router.put("/coverage/{org_id}/headcount", response_model=OrgCoverageRead)
def headcount(org_id: Id, headcount_in: HeadcountIn, db: DbSession, actor: WriterActor) -> OrgCoverageRead:
    """Your organisation's headcount per target group (null or missing: no such group)."""
    profiles.set_headcount(db, actor=actor, org_id=org_id,
                           counts={g.value: n for g, n in headcount_in.counts.items()})
    return _org_coverage(coverage.org_coverage(db, actor, org_id))


def _readiness(r: readiness.Readiness) -> ReadinessRead:
    return ReadinessRead(org_id=r.org_id, name=r.name, kreis=r.kreis_name, card_posted_on=r.card_posted_on,
                         contacts_reviewed_on=r.contacts_reviewed_on, wiba_done=r.wiba_done,
                         restore_test_on=r.restore_test_on, exercise_on=r.exercise_on, checks=r.checks)


@router.get("/readiness", response_model=list[ReadinessRead])
def readiness_all(db: DbSession, actor: UserActor) -> list[ReadinessRead]:
    rows, _areas = readiness.overview(db, actor)
    return [_readiness(r) for r in rows]


@router.get("/readiness/{org_id}", response_model=ReadinessRead)
def readiness_one(org_id: Id, db: DbSession, actor: UserActor) -> ReadinessRead:
    return _readiness(readiness.get_readiness(db, actor, org_id))


@router.put("/readiness/{org_id}", response_model=ReadinessRead)
def readiness_set(org_id: Id, readiness_in: ReadinessIn, db: DbSession, actor: WriterActor) -> ReadinessRead:
    return _readiness(readiness.set_readiness(db, actor=actor, org_id=org_id, readiness_in=readiness.ReadinessIn(
        **readiness_in.model_dump())))


def _campaign(v: phishing.CampaignView) -> CampaignRead:
    c = v.campaign
    return CampaignRead(id=c.id, org_id=c.owner_org_id, org_name=v.org_name, name=c.name, source=c.source,
                        sent_on=c.sent_on, recipients=c.recipients, sent=c.sent, opened=c.opened, clicked=c.clicked,
                        submitted=c.submitted, reported=c.reported, merged_groups=c.merged_groups,
                        groups=[PhishingGroupRead.model_validate(g, from_attributes=True) for g in v.groups])


@router.get("/phishing", response_model=list[CampaignRead])
def campaigns(db: DbSession, actor: UserActor) -> list[CampaignRead]:
    """Phishing campaign sums you may see; groups of five or fewer never appear."""
    return [_campaign(v) for v in phishing.list_campaigns(db, actor)]


@router.post("/phishing/import", response_model=CampaignRead, status_code=201)
async def import_campaign(db: DbSession, actor: WriterActor, file: Annotated[UploadFile, File()],
                          org_id: Annotated[Id | None, Form()] = None,
                          name: Annotated[str, Form(max_length=200)] = "") -> CampaignRead:
    """A GoPhish results file (CSV export or API JSON); only sums per group of six or more are kept."""
    data = await file.read()
    campaign = phishing.import_campaign(db, actor=actor, org_id=org_id or _own(actor), data=data, name=name)
    return _campaign(phishing.get_campaign(db, actor, campaign.id))


@router.get("/phishing/{campaign_id}", response_model=CampaignRead)
def campaign(campaign_id: Id, db: DbSession, actor: UserActor) -> CampaignRead:
    return _campaign(phishing.get_campaign(db, actor, campaign_id))


@router.get("/export/{table}.csv")
def export_csv(table: str, request: Request, db: DbSession, actor: UserActor, settings: SettingsDep) -> Response:
    """One table as CSV (formula-safe): termine, teilnahme, abdeckung, abdeckung-gebiete, phishing, bereitschaft."""
    text = csv_export.export(db, actor=actor, table=table, gettext=i18n.gettext_for(settings.default_locale),
                             tz=settings.tz, ip=client_ip(request))
    return Response(text, media_type="text/csv; charset=utf-8")
