"""Awareness pages ("Sensibilisierung"): the event calendar with registration, planning an event, the
attendance form, coverage per organisation / Kreis / Land with SVG charts, phishing aggregates with the
GoPhish import, readiness, iCalendar, certificates and a CSV export of every table.

Every page reads through ``kommcert.awareness`` (the sharing policy: invisible → 404); a refused form shows
the page again with the German message and writes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from kommcert import i18n
from kommcert.awareness import (
    access,
    attendance,
    catalogue,
    certificates,
    coverage,
    csv_export,
    ical,
    phishing,
    profiles,
    readiness,
    suggestions,
)
from kommcert.awareness.models import (
    CAUSE_LABELS_DE,
    FORMAT_LABELS_DE,
    TARGET_GROUP_LABELS_DE,
    Format,
    TargetGroup,
)
from kommcert.db import utcnow
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.errors import DomainError, InvalidInput, NotFound
from kommcert.orgs.models import Organization
from kommcert.sharing.actor import Actor
from kommcert.validation import Id, parse_id
from kommcert.web import charts, forms
from kommcert.web.auth import PageActor
from kommcert.web.templating import locale_of, render

router = APIRouter()
LABELS = {"groups": TARGET_GROUP_LABELS_DE, "formats": FORMAT_LABELS_DE, "causes": CAUSE_LABELS_DE,
          "status_labels": coverage.STATUS_LABELS_DE, "items": readiness.ITEM_LABELS_DE,
          "wiba_total": readiness.WIBA_TOTAL, "threshold": coverage.THRESHOLD, "min_group": 6}


def _count(form: FormData, key: str) -> int | None:
    text = str(form.get(key, "")).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("Anzahl: bitte eine ganze Zahl angeben.", "Count: please give a whole number.") from None


def _counts(form: FormData, prefix: str) -> dict[str, int]:
    return {g.value: n for g in TargetGroup if (n := _count(form, f"{prefix}{g.value}")) is not None}


def _day(form: FormData, key: str, de: str, en: str) -> date | None:
    text = str(form.get(key, "")).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{de}: bitte ein Datum angeben.", f"{en}: please give a date.") from None


# ---------------------------------------------------------------- calendar and events

def _calendar(request: Request, db: Session, actor: Actor, status_code: int = 200, **ctx: Any) -> Response:
    now = utcnow()
    rows = catalogue.list_events(db, actor, since=now - timedelta(days=90))
    return render(request, "awareness/index.html", {
        "upcoming": [r for r in rows if r.event.ends_at >= now],
        "past": [r for r in rows if r.event.ends_at < now][::-1],
        "may_organise": access.may_organise(actor), "topics": catalogue.list_topics(db, actor),
        "values": ctx.pop("values", {}), "tables": csv_export.TABLES, **LABELS, **ctx}, status_code=status_code)


@router.get("/awareness")
def calendar_page(request: Request, db: DbSession, actor: PageActor) -> Response:
    return _calendar(request, db, actor)


@router.post("/awareness/events")
async def create_event(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, ""))[:20_000] for k in ("title", "format", "starts_at", "ends_at", "place", "link",
                                                           "capacity", "description", "topic_id")}
    values["groups"] = [str(g) for g in form.getlist("groups")]
    values["record_names"] = bool(form.get("record_names"))
    try:
        starts = forms.local_time(values["starts_at"], settings.tz, "Beginn", "Start")
        if starts is None:
            raise InvalidInput("Beginn fehlt.", "Start is missing.")
        try:
            capacity = int(values["capacity"].strip() or "0")
        except ValueError:
            raise InvalidInput("Plätze: bitte eine ganze Zahl angeben.",
                               "Places: please give a whole number.") from None
        event = catalogue.create_event(db, actor=actor, event_in=catalogue.EventIn(
            title=values["title"], format=values["format"], target_groups=values["groups"], starts_at=starts,
            ends_at=forms.local_time(values["ends_at"], settings.tz, "Ende", "End"), capacity=capacity,
            place=values["place"], link=values["link"], description=values["description"],
            topic_id=parse_id(values["topic_id"]) if values["topic_id"].strip() else None,
            record_names=values["record_names"]))
    except DomainError as exc:
        return _calendar(request, db, actor, exc.status_code, error=exc, values=values)
    return RedirectResponse(f"/awareness/events/{event.id}", status_code=303)


@router.post("/awareness/topics")
async def create_topic(request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, ""))[:20_000] for k in ("topic_title", "topic_format", "topic_description",
                                                           "topic_duration")}
    try:
        duration = _count(form, "topic_duration")
        catalogue.create_topic(db, actor=actor, topic_in=catalogue.TopicIn(
            title=values["topic_title"], format=values["topic_format"],
            target_groups=[str(g) for g in form.getlist("topic_groups")], description=values["topic_description"],
            duration_minutes=duration))
    except DomainError as exc:
        return _calendar(request, db, actor, exc.status_code, topic_error=exc, values=values)
    return RedirectResponse("/awareness#katalog", status_code=303)


def _organisations(db: Session) -> list[Organization]:
    kinds = [k.value for k in access.COVERED_KINDS]
    return list(db.scalars(select(Organization).where(Organization.kind.in_(kinds)).order_by(Organization.name)))


def _event_page(request: Request, db: Session, actor: Actor, event_id: int, status_code: int = 200,
                **ctx: Any) -> Response:
    view = attendance.event_view(db, actor, event_id)
    return render(request, "awareness/event.html", {
        "view": view, "event": view.event, "orgs": _organisations(db) if view.may_manage else [],
        "heads": profiles.headcounts(db, actor.org_id) if actor.org_id else {}, **LABELS, **ctx},
        status_code=status_code)


@router.get("/awareness/events/{event_id}")
def event_page(event_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _event_page(request, db, actor, event_id)


@router.post("/awareness/events/{event_id}/register")
async def register(event_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    try:
        if actor.org_id is None:
            raise NotFound()
        attendance.register(db, actor=actor, event_id=event_id, org_id=actor.org_id, counts=_counts(form, "reg_"))
    except DomainError as exc:
        return _event_page(request, db, actor, event_id, exc.status_code, register_error=exc)
    return RedirectResponse(f"/awareness/events/{event_id}#anmeldung", status_code=303)


@router.post("/awareness/events/{event_id}/attendance")
async def record_attendance(event_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    try:
        org_id = parse_id(str(form.get("org", "")))
        if org_id is None:
            raise InvalidInput("Bitte die Organisation wählen.", "Please choose the organisation.")
        names = {g.value: str(form.get(f"names_{g.value}", ""))[:30_000] for g in TargetGroup}
        attendance.record_attendance(db, actor=actor, event_id=event_id, org_id=org_id, counts=_counts(form, "att_"),
                                     names=names)
    except DomainError as exc:
        return _event_page(request, db, actor, event_id, exc.status_code, attendance_error=exc)
    return RedirectResponse(f"/awareness/events/{event_id}#teilnahme", status_code=303)


@router.post("/awareness/events/{event_id}/cancel")
def cancel(event_id: Id, db: DbSession, actor: PageActor) -> Response:
    catalogue.cancel_event(db, actor=actor, event_id=event_id)
    return RedirectResponse(f"/awareness/events/{event_id}", status_code=303)


def _ics(db: Session, actor: Actor, rows: list[catalogue.EventRow], request: Request, settings: Any,
         filename: str) -> Response:
    base = settings.base_url or str(request.base_url)
    text = ical.calendar([(r.event, r.organiser) for r in rows], base_url=base, now=utcnow())
    return Response(text, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/awareness/calendar.ics")
def calendar_ics(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    rows = catalogue.list_events(db, actor, since=utcnow() - timedelta(days=90))
    return _ics(db, actor, rows, request, settings, "schulungen.ics")


@router.get("/awareness/events/{event_id}/event.ics")
def event_ics(event_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    event = catalogue.get_event(db, actor, event_id)
    organiser = db.get(Organization, event.owner_org_id)
    rows = [catalogue.EventRow(event, organiser.name if organiser else "", 0)]
    return _ics(db, actor, rows, request, settings, f"schulung-{event.id}.ics")


@router.get("/awareness/events/{event_id}/certificate.pdf")
def certificate(event_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep,
                org: Id | None = None) -> Response:
    org_id = org or actor.org_id
    if org_id is None:
        raise NotFound()
    cert = certificates.pdf(db, actor=actor, event_id=event_id, org_id=org_id, settings=settings,
                            lang=locale_of(request), ip=client_ip(request))
    return Response(cert.data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{cert.filename}"'})


# ---------------------------------------------------------------- coverage

def _coverage_charts(view: coverage.CoverageView, _: Any) -> dict[str, Any]:
    areas = view.kreise + ([view.land] if view.land else [])
    area_svg = charts.bar_chart(
        [charts.Bar(_(a.name) if a.area_id is None else a.name, a.share or 0) for a in areas],
        ident="abdeckung-gebiete",
        title=_("Anteil geschult je Gebiet (in %)"),
        description=_("Anteil der Beschäftigten, die in den letzten 12 Monaten geschult wurden, je Kreis und für "
                      "das Land; die Zahlen stehen in der Tabelle darunter.")) if areas else None
    orgs = [o for o in view.orgs if o.share is not None]
    org_svg = charts.bar_chart(
        [charts.Bar(o.name, o.share or 0, f"/awareness/coverage/{o.org_id}") for o in orgs],
        ident="abdeckung-organisationen", title=_("Anteil geschult je Organisation (in %)"),
        description=_("Je Organisation mit Personalzahl der Anteil, der in den letzten 12 Monaten geschult wurde; "
                      "die Zahlen stehen in der Tabelle darunter.")) if orgs else None
    return {"area_svg": area_svg, "org_svg": org_svg}


@router.get("/awareness/coverage")
def coverage_page(request: Request, db: DbSession, actor: PageActor) -> Response:
    view = coverage.coverage(db, actor)
    _ = i18n.gettext_for(locale_of(request))
    return render(request, "awareness/coverage.html", {"view": view, **_coverage_charts(view, _), **LABELS})


def _org_page(request: Request, db: Session, actor: Actor, org_id: int, status_code: int = 200,
              **ctx: Any) -> Response:
    row = coverage.org_coverage(db, actor, org_id)
    _ = i18n.gettext_for(locale_of(request))
    groups = [g for g in TargetGroup if g.value in row.headcount]
    svg = charts.bar_chart([charts.Bar(_(TARGET_GROUP_LABELS_DE[g]), row.group_share(g.value) or 0) for g in groups],
                           ident="abdeckung-gruppen", title=_("Anteil geschult je Zielgruppe (in %)"),
                           description=_("Je Zielgruppe der Anteil, der in den letzten 12 Monaten geschult wurde; die "
                                         "Zahlen stehen in der Tabelle darunter.")) if groups else None
    return render(request, "awareness/org.html", {
        "row": row, "svg": svg, "ready": readiness.get_readiness(db, actor, org_id),
        "campaigns": phishing.list_campaigns(db, actor, org_id=org_id),
        "suggested": suggestions.for_org(db, actor, org_id), "may_edit": access.may_write_org(db, actor, org_id),
        "card_url": f"/orgs/{org_id}/notfallkarte", **LABELS, **ctx}, status_code=status_code)


@router.get("/awareness/coverage/{org_id}")
def org_page(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _org_page(request, db, actor, org_id)


@router.get("/awareness/mine")
def own_page(actor: PageActor) -> Response:
    if actor.org_id is None:
        raise NotFound()
    return RedirectResponse(f"/awareness/coverage/{actor.org_id}", status_code=303)


@router.post("/awareness/coverage/{org_id}/headcount")
async def headcount(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    try:
        counts: dict[str, int | None] = {g.value: _count(form, f"head_{g.value}") for g in TargetGroup}
        profiles.set_headcount(db, actor=actor, org_id=org_id, counts=counts)
    except DomainError as exc:
        return _org_page(request, db, actor, org_id, exc.status_code, head_error=exc)
    return RedirectResponse(f"/awareness/coverage/{org_id}#personal", status_code=303)


@router.post("/awareness/coverage/{org_id}/readiness")
async def readiness_save(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    try:
        state = readiness.ReadinessIn(
            card_posted_on=_day(form, "card_posted_on", "IT-Notfallkarte", "Emergency card"),
            contacts_reviewed_on=_day(form, "contacts_reviewed_on", "Kontakte geprüft", "Contacts reviewed"),
            wiba_done=_count(form, "wiba_done") or 0,
            restore_test_on=_day(form, "restore_test_on", "Wiederherstellungstest", "Restore test"),
            exercise_on=_day(form, "exercise_on", "Übung", "Exercise"))
        readiness.set_readiness(db, actor=actor, org_id=org_id, readiness_in=state)
    except DomainError as exc:
        return _org_page(request, db, actor, org_id, exc.status_code, ready_error=exc)
    return RedirectResponse(f"/awareness/coverage/{org_id}#bereitschaft", status_code=303)


@router.post("/awareness/suggestions/{suggestion_id}/dismiss")
def dismiss(suggestion_id: Id, db: DbSession, actor: PageActor) -> Response:
    s = suggestions.dismiss(db, actor=actor, suggestion_id=suggestion_id)
    return RedirectResponse(f"/awareness/coverage/{s.owner_org_id}", status_code=303)


# ---------------------------------------------------------------- phishing and readiness

def _phishing_page(request: Request, db: Session, actor: Actor, status_code: int = 200, **ctx: Any) -> Response:
    views = phishing.list_campaigns(db, actor)
    return render(request, "awareness/phishing.html", {
        "campaigns": views, "areas": phishing.by_kreis(db, actor, views), "rate": phishing.rate,
        "may_import": actor.can_write and actor.org_id is not None, **LABELS, **ctx}, status_code=status_code)


@router.get("/awareness/phishing")
def phishing_page(request: Request, db: DbSession, actor: PageActor) -> Response:
    return _phishing_page(request, db, actor)


@router.post("/awareness/phishing/import")
async def phishing_import(request: Request, db: DbSession, actor: PageActor) -> Response:
    try:
        try:
            form = await request.form(max_files=1, max_fields=10)
        except HTTPException as exc:
            raise InvalidInput(f"Das Formular ist zu groß oder beschädigt ({exc.detail}).",
                               f"The form is too large or damaged ({exc.detail}).") from None
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("Bitte eine GoPhish-Ergebnisdatei wählen.", "Please choose a GoPhish results file.")
        data = await upload.read()  # in memory only: the file lists people and never touches the disk
        org_id = parse_id(str(form.get("org", "")).strip()) if str(form.get("org", "")).strip() else actor.org_id
        if org_id is None:
            raise NotFound()
        campaign = phishing.import_campaign(db, actor=actor, org_id=org_id, data=data,
                                            name=str(form.get("name", ""))[:300], filename="")
    except DomainError as exc:
        return _phishing_page(request, db, actor, exc.status_code, error=exc)
    return RedirectResponse(f"/awareness/phishing#kampagne-{campaign.id}", status_code=303)


@router.get("/awareness/readiness")
def readiness_page(request: Request, db: DbSession, actor: PageActor) -> Response:
    rows, areas = readiness.overview(db, actor)
    _ = i18n.gettext_for(locale_of(request))
    svg = charts.bar_chart(
        [charts.Bar(_(a.name) if a.name == "Land" else a.name,
                    round(sum(a.met.values()) * 100 / (a.organisations * len(readiness.ITEMS)))) for a in areas],
        ident="bereitschaft-gebiete", title=_("Erfüllte Punkte der Checkliste je Gebiet (in %)"),
        description=_("Je Kreis und für das Land der Anteil der erfüllten Punkte über alle Organisationen; die "
                      "Zahlen stehen in der Tabelle darunter.")) if areas else None
    return render(request, "awareness/readiness.html", {"rows": rows, "areas": areas, "svg": svg, **LABELS})


@router.get("/awareness/export/{table}.csv")
def export_csv(table: str, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    text = csv_export.export(db, actor=actor, table=table, gettext=i18n.gettext_for(locale_of(request)),
                             tz=settings.tz, ip=client_ip(request))
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="sensibilisierung-{table}.csv"'})


__all__ = ["router", "Format"]
