"""Readiness: a short checklist per organisation that the Kreis and the Land see rolled up.

The items: the IT-Notfallkarte (the card kommcert prints, ``/orgs/{id}/notfallkarte``) posted, the emergency
contacts reviewed in the last 12 months, how many of the 19 checklists ("Prüfthemen") of the BSI's Weg in
die Basis-Absicherung (WiBA) are worked through, the last backup restore test and the last exercise (both
within 12 months). The last exercise is the later of the stated date and the organisation's attendance at a
Planspiel event. Kept on the organisation's ``AwarenessProfile`` (AMBER+STRICT, ``upward``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert import timefmt
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.awareness import access, coverage, profiles
from kommcert.awareness.models import AwarenessAttendance, AwarenessEvent, AwarenessProfile, Format
from kommcert.db import utcnow
from kommcert.errors import InvalidInput
from kommcert.orgs.models import Organization, OrgKind
from kommcert.sharing.actor import Actor

WIBA_TOTAL = 19
FRESH = timedelta(days=365)
ITEMS = ("card", "contacts", "wiba", "restore", "exercise")
ITEM_LABELS_DE = {
    "card": "IT-Notfallkarte ausgehängt",
    "contacts": "Notfallkontakte in den letzten 12 Monaten geprüft",
    "wiba": "WiBA-Checklisten abgearbeitet",
    "restore": "Wiederherstellung aus der Datensicherung in den letzten 12 Monaten getestet",
    "exercise": "Übung in den letzten 12 Monaten",
}


@dataclass
class ReadinessIn:
    card_posted_on: date | None = None
    contacts_reviewed_on: date | None = None
    wiba_done: int = 0
    restore_test_on: date | None = None
    exercise_on: date | None = None


@dataclass
class Readiness:
    org_id: int
    name: str
    kreis_name: str
    card_posted_on: date | None
    contacts_reviewed_on: date | None
    wiba_done: int
    restore_test_on: date | None
    exercise_on: date | None  # the later of the stated date and a Planspiel attended
    today: date

    def _fresh(self, day: date | None) -> bool:
        return day is not None and self.today - day <= FRESH

    @property
    def checks(self) -> dict[str, bool]:
        return {"card": self.card_posted_on is not None, "contacts": self._fresh(self.contacts_reviewed_on),
                "wiba": self.wiba_done >= WIBA_TOTAL, "restore": self._fresh(self.restore_test_on),
                "exercise": self._fresh(self.exercise_on)}

    @property
    def done(self) -> int:
        return sum(self.checks.values())


def _today() -> date:
    return utcnow().astimezone(timefmt.zone(timefmt.DEFAULT_ZONE)).date()


def _planspiel(db: Session, org_ids: set[int]) -> dict[int, date]:
    rows = db.execute(select(AwarenessAttendance.org_id, func.max(AwarenessEvent.starts_at)).join(
        AwarenessEvent, AwarenessEvent.id == AwarenessAttendance.event_id).where(
        AwarenessAttendance.org_id.in_(org_ids), AwarenessEvent.format == Format.planspiel.value,
        AwarenessEvent.cancelled_at.is_(None), AwarenessEvent.starts_at <= utcnow()).group_by(
        AwarenessAttendance.org_id))
    zone = timefmt.zone(timefmt.DEFAULT_ZONE)
    return {o: t.astimezone(zone).date() for o, t in rows if isinstance(t, datetime)}


def _rows(db: Session, org_ids: set[int]) -> list[Readiness]:
    if not org_ids:
        return []
    today = _today()
    kreise = coverage.kreis_map(db, org_ids)
    played = _planspiel(db, org_ids)
    stored = {p.owner_org_id: p for p in db.scalars(select(AwarenessProfile).where(
        AwarenessProfile.owner_org_id.in_(org_ids)))}
    rows = []
    for org_id, name in db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))):
        p = stored.get(org_id)
        exercise = max((d for d in (p.exercise_on if p else None, played.get(org_id)) if d is not None), default=None)
        rows.append(Readiness(org_id, name, kreise.get(org_id, (None, ""))[1], p.card_posted_on if p else None,
                              p.contacts_reviewed_on if p else None, p.wiba_done if p else 0,
                              p.restore_test_on if p else None, exercise, today))
    return sorted(rows, key=lambda r: (r.kreis_name.lower(), r.name.lower()))


def get_readiness(db: Session, actor: Actor, org_id: int) -> Readiness:
    """One organisation's checklist; 404 for whoever may not see its awareness facts."""
    profiles.readable(db, actor, org_id)
    return _rows(db, {org_id})[0]


def set_readiness(db: Session, *, actor: Actor, org_id: int, readiness_in: ReadinessIn) -> Readiness:
    """The organisation's own writers state their checklist (dates not in the future, WiBA 0 … 19)."""
    today = _today()
    for label, day in (("IT-Notfallkarte", readiness_in.card_posted_on),
                       ("Kontakte geprüft", readiness_in.contacts_reviewed_on),
                       ("Wiederherstellungstest", readiness_in.restore_test_on), ("Übung", readiness_in.exercise_on)):
        if day is not None and day > today:
            raise InvalidInput(f"{label}: das Datum liegt in der Zukunft.", f"{label}: the date lies in the future.")
    if not isinstance(readiness_in.wiba_done, int) or not 0 <= readiness_in.wiba_done <= WIBA_TOTAL:
        raise InvalidInput(f"WiBA-Checklisten: eine Zahl von 0 bis {WIBA_TOTAL}.",
                           f"WiBA checklists: a number from 0 to {WIBA_TOTAL}.")
    profile = profiles.writable(db, actor, org_id)
    fields = {"card": "card_posted_on", "contacts": "contacts_reviewed_on", "wiba": "wiba_done",
              "restore": "restore_test_on", "exercise": "exercise_on"}
    changed = [item for item, name in fields.items() if getattr(profile, name) != getattr(readiness_in, name)]
    profile.card_posted_on = readiness_in.card_posted_on
    profile.contacts_reviewed_on = readiness_in.contacts_reviewed_on
    profile.wiba_done = readiness_in.wiba_done
    profile.restore_test_on = readiness_in.restore_test_on
    profile.exercise_on = readiness_in.exercise_on
    profile.updated_at = utcnow()
    db.flush()
    audit_service.record(db, AuditEvent(events.AWARENESS_READINESS_UPDATED, actor_user_id=actor.user_id,
                                        org_id=org_id, object_type="awareness_profile", object_id=profile.id,
                                        detail={"items": changed}))
    return _rows(db, {org_id})[0]


@dataclass
class AreaReadiness:
    name: str
    organisations: int
    met: dict[str, int]  # item → organisations that meet it


def overview(db: Session, actor: Actor) -> tuple[list[Readiness], list[AreaReadiness]]:
    """Every organisation the reader may see, and per Kreis (and the Land) how many meet each item."""
    rows = _rows(db, access.visible_org_ids(db, actor))
    kreise = coverage.kreis_map(db, {r.org_id for r in rows})
    areas: dict[int, AreaReadiness] = {}
    for r in rows:
        kreis_id = kreise.get(r.org_id, (None, ""))[0]
        if kreis_id is None or not (actor.is_cert or access.is_above(db, actor, kreis_id)):
            continue
        area = areas.setdefault(kreis_id, AreaReadiness(r.kreis_name, 0, dict.fromkeys(ITEMS, 0)))
        area.organisations += 1
        for item, ok in r.checks.items():
            area.met[item] += ok
    out = sorted(areas.values(), key=lambda a: a.name.lower())
    if rows and (actor.is_cert or (actor.org_kind is not None and OrgKind(actor.org_kind) == OrgKind.land)):
        out.append(AreaReadiness("Land", len(rows), {i: sum(r.checks[i] for r in rows) for i in ITEMS}))
    return rows, out
