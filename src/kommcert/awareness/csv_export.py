"""CSV export of every awareness table, built from the same reads as the pages (so from exactly what the
reader may see), ``;``-separated, local times with offset, every cell formula-safe
(``kommcert.spreadsheet``), logged as an export. Phishing groups below six recipients never appear
(they are not stored, and ``phishing.list_campaigns`` leaves out any that are); attendance names never
leave as CSV."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert import timefmt
from kommcert.audit import export as audit_export
from kommcert.awareness import access, catalogue, coverage, phishing, readiness
from kommcert.awareness.models import (
    FORMAT_LABELS_DE,
    TARGET_GROUP_LABELS_DE,
    AwarenessAttendance,
    AwarenessEvent,
    AwarenessRegistration,
    Format,
    TargetGroup,
)
from kommcert.errors import NotFound
from kommcert.orgs.models import Organization
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.spreadsheet import csv_text

TABLES = ("termine", "teilnahme", "abdeckung", "abdeckung-gebiete", "phishing", "bereitschaft")
Gettext = Callable[..., str]


def _events(db: Session, actor: Actor, _: Gettext, tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    rows = catalogue.list_events(db, actor, limit=100_000)
    return ([_("Nr."), _("Titel"), _("Format"), _("Beginn"), _("Ende"), _("Ort"), _("Link"), _("Veranstalter"),
             _("Plätze"), _("Angemeldet"), _("Abgesagt")],
            [[r.event.id, r.event.title, _(FORMAT_LABELS_DE[Format(r.event.format)]),
              timefmt.spreadsheet_time(r.event.starts_at, tz), timefmt.spreadsheet_time(r.event.ends_at, tz),
              r.event.place, r.event.link, r.organiser, r.event.capacity, r.registered,
              _("ja") if r.event.cancelled_at else _("nein")] for r in rows])


def _attendance(db: Session, actor: Actor, _: Gettext, tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    """Registered and attended per event, organisation and group: for the organiser's own events and the
    organisations whose facts the reader may see. Names are never exported."""
    if not actor.is_authenticated:
        raise NotFound()
    seen = access.visible_org_ids(db, actor) | ({actor.org_id} if actor.org_id is not None else set())
    events = {e.id: e for e in db.scalars(policy.visible(select(AwarenessEvent), AwarenessEvent, actor))}
    organised = {i for i, e in events.items() if e.owner_org_id == actor.org_id or (actor.is_cert and actor.can_write)}
    cells: dict[tuple[int, int, str], list[int]] = {}
    for model, slot in ((AwarenessRegistration, 0), (AwarenessAttendance, 1)):
        for event_id, org_id, group, count in db.execute(select(model.event_id, model.org_id, model.target_group,
                                                                model.count)):
            if event_id in events and (event_id in organised or org_id in seen):
                cells.setdefault((event_id, org_id, group), [0, 0])[slot] = count
    names = dict(db.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_({k[1] for k in cells}))).all())
    order = sorted(cells, key=lambda k: (events[k[0]].starts_at, names[k[1]].lower(), k[2]))
    return ([_("Termin"), _("Titel"), _("Beginn"), _("Organisation"), _("Zielgruppe"), _("Angemeldet"),
             _("Teilgenommen")],
            [[e, events[e].title, timefmt.spreadsheet_time(events[e].starts_at, tz), names[o],
              _(TARGET_GROUP_LABELS_DE[TargetGroup(g)]), *cells[(e, o, g)]] for e, o, g in order])


def _percent(value: int | None) -> object:
    return "" if value is None else value


def _coverage(db: Session, actor: Actor, _: Gettext, tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    view = coverage.coverage(db, actor)
    groups = list(TargetGroup)
    header = [_("Organisation"), _("Kreis"), _("Stand"), _("Personal"), _("Geschult (12 Monate)"), _("Anteil in %"),
              *[_("{group}: Anteil in %", group=_(TARGET_GROUP_LABELS_DE[g])) for g in groups],
              _("Letzte Schulung")]
    return header, [[o.name, o.kreis_name, _(coverage.STATUS_LABELS_DE[o.status]), o.total_headcount, o.total_trained,
                     _percent(o.share), *[_percent(o.group_share(g.value)) for g in groups],
                     timefmt.spreadsheet_time(o.last_training, tz) if o.last_training else ""] for o in view.orgs]


def _areas(db: Session, actor: Actor, _: Gettext, tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    view = coverage.coverage(db, actor)
    areas = view.kreise + ([view.land] if view.land else [])
    return ([_("Gebiet"), _("Organisationen"), _("mit Personalzahl"), _("überfällig"), _("Personal"),
             _("Geschult (12 Monate)"), _("Anteil in %")],
            [[_(a.name) if a.area_id is None else a.name, a.organisations, a.with_headcount, a.overdue, a.headcount,
              a.trained, _percent(a.share)] for a in areas])


def _phishing(db: Session, actor: Actor, _: Gettext, tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    rows: list[list[Any]] = []
    for v in phishing.list_campaigns(db, actor, limit=100_000):
        c = v.campaign
        first = [v.org_name, v.kreis_name, c.name, c.sent_on.isoformat() if c.sent_on else ""]
        rows.append([*first, _("alle"), *[getattr(c, k) for k in phishing.FIELDS]])
        rows += [[*first, _(g.label) if g.merged else g.label, *[getattr(g, k) for k in phishing.FIELDS]]
                 for g in v.groups]
    return ([_("Organisation"), _("Kreis"), _("Kampagne"), _("Versandt am"), _("Gruppe"), _("Empfänger"),
             _("Versandt"), _("Geöffnet"), _("Geklickt"), _("Daten eingegeben"), _("Gemeldet")], rows)


def _readiness(db: Session, actor: Actor, _: Gettext, tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    rows, _areas_ = readiness.overview(db, actor)

    def day(value: Any) -> str:
        return value.isoformat() if value else ""

    return ([_("Organisation"), _("Kreis"), _("IT-Notfallkarte ausgehängt am"), _("Kontakte geprüft am"),
             _("WiBA-Checklisten"), _("Wiederherstellung getestet am"), _("Letzte Übung"), _("Erfüllt")],
            [[r.name, r.kreis_name, day(r.card_posted_on), day(r.contacts_reviewed_on),
              f"{r.wiba_done}/{readiness.WIBA_TOTAL}", day(r.restore_test_on), day(r.exercise_on),
              f"{r.done}/{len(readiness.ITEMS)}"] for r in rows])


BUILDERS = {"termine": _events, "teilnahme": _attendance, "abdeckung": _coverage, "abdeckung-gebiete": _areas,
            "phishing": _phishing, "bereitschaft": _readiness}


def export(db: Session, *, actor: Actor, table: str, gettext: Gettext, tz: ZoneInfo, ip: str | None = None,
           via: str = "http") -> str:
    """One table as CSV text, logged as an export."""
    if table not in BUILDERS:
        raise NotFound("Diese Tabelle gibt es nicht.", "No such table.")
    header, rows = BUILDERS[table](db, actor, gettext, tz)
    audit_export.record_export(db, actor=actor, what=f"awareness {table}", ip=ip, via=via,
                               detail={"rows": len(rows), "format": "csv"})
    return csv_text(header, rows)
