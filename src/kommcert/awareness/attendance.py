"""Registration and attendance: counts per organisation and target group, parts of their event.

An organisation's writers register their own people; the organiser's writers (and the CERTs') record who
attended, per organisation and target group, after the event has begun. Names are optional and only
accepted where the organiser switched them on for the event (data minimisation). Every form is all or
nothing: above capacity, above the organisation's stated headcount, a group the event is not for — one
German message and nothing written.

Who reads them: the organiser (it runs the event) and whoever may see the organisation's awareness facts
(``access.sees_org``: the organisation, the organisations above it, the CERTs). Everyone else sees only the
event's places taken in total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.awareness import access, catalogue, profiles
from kommcert.awareness.models import (
    TARGET_GROUP_LABELS_DE,
    AwarenessAttendance,
    AwarenessEvent,
    AwarenessRegistration,
)
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.orgs.models import Organization
from kommcert.sharing.actor import Actor

MAX_NAMES_CHARS = 20_000


def _counts(event: AwarenessEvent, counts: Mapping[str, int]) -> dict[str, int]:
    """The counts of the form: target groups of the event only, whole numbers from 0."""
    cleaned: dict[str, int] = {}
    for group, value in counts.items():
        if group not in event.target_groups:
            label = TARGET_GROUP_LABELS_DE.get(group, group)  # type: ignore[call-overload]
            raise InvalidInput(f"Dieser Termin ist nicht für die Zielgruppe „{label}“.",
                               f"This event is not for the target group '{group}'.")
        if not isinstance(value, int) or value < 0:
            raise InvalidInput("Anzahl: bitte eine ganze Zahl ab 0 angeben.",
                               "Count: please give a whole number from 0.")
        cleaned[group] = value
    return cleaned


def _org(db: Session, org_id: int) -> Organization:
    org = db.get(Organization, org_id)
    if org is None:
        raise NotFound()
    return org


def register(db: Session, *, actor: Actor, event_id: int, org_id: int, counts: Mapping[str, int]) -> dict[str, int]:
    """Set the organisation's registrations for the event (a group set to 0 is removed)."""
    event = catalogue.get_event(db, actor, event_id)
    _org(db, org_id)
    if not (actor.can_write and actor.org_id == org_id):
        raise PermissionDenied("Anmelden kann nur die Organisation selbst.", "Only the organisation itself registers.")
    if event.cancelled_at is not None:
        raise InvalidInput("Dieser Termin ist abgesagt.", "This event is cancelled.")
    if event.starts_at <= utcnow():
        raise InvalidInput("Die Anmeldung ist geschlossen: der Termin hat begonnen.",
                           "Registration is closed: the event has begun.")
    wanted = _counts(event, counts)
    others = int(db.scalar(select(func.coalesce(func.sum(AwarenessRegistration.count), 0)).where(
        AwarenessRegistration.event_id == event.id, AwarenessRegistration.org_id != org_id)) or 0)
    if others + sum(wanted.values()) > event.capacity:
        free = max(event.capacity - others, 0)
        raise InvalidInput(f"Nicht genug freie Plätze: noch {free} von {event.capacity} frei.",
                           f"Not enough free places: {free} of {event.capacity} left.")
    _check_headcount(db, org_id, wanted)
    before = _total(db, AwarenessRegistration, event.id, org_id)
    db.execute(delete(AwarenessRegistration).where(AwarenessRegistration.event_id == event.id,
                                                   AwarenessRegistration.org_id == org_id))
    db.add_all([AwarenessRegistration(event_id=event.id, org_id=org_id, target_group=g, count=n,
                                      updated_by_id=actor.user_id) for g, n in wanted.items() if n > 0])
    db.flush()
    audit_service.record(db, AuditEvent(events.AWARENESS_REGISTRATION_CHANGED, actor_user_id=actor.user_id,
                                        org_id=org_id, object_type="awareness_event", object_id=event.id,
                                        detail={"from": before, "to": sum(wanted.values())}))
    return {g: n for g, n in wanted.items() if n > 0}


def _total(db: Session, model: type[AwarenessRegistration] | type[AwarenessAttendance], event_id: int,
           org_id: int) -> int:
    """The organisation's total for the event before a change: the audit entry says from what to what."""
    return int(db.scalar(select(func.coalesce(func.sum(model.count), 0)).where(
        model.event_id == event_id, model.org_id == org_id)) or 0)


def _check_headcount(db: Session, org_id: int, counts: Mapping[str, int]) -> None:
    heads = profiles.headcounts(db, org_id)
    for group, n in counts.items():
        if group in heads and n > heads[group]:
            label = TARGET_GROUP_LABELS_DE.get(group, group)  # type: ignore[call-overload]
            raise InvalidInput(f"{label}: {n} ist mehr als die angegebene Personalzahl ({heads[group]}).",
                               f"{group}: {n} is more than the stated headcount ({heads[group]}).")


def record_attendance(db: Session, *, actor: Actor, event_id: int, org_id: int, counts: Mapping[str, int],
                      names: Mapping[str, str] | None = None) -> dict[str, int]:
    """Set how many of the organisation attended, per target group (replaces earlier counts for it)."""
    event = catalogue.get_event(db, actor, event_id)
    _org(db, org_id)
    if not access.may_manage_event(db, actor, event):
        raise PermissionDenied("Die Teilnahme tragen die Veranstalter ein.", "Attendance is recorded by the organiser.")
    if event.cancelled_at is not None:
        raise InvalidInput("Dieser Termin ist abgesagt.", "This event is cancelled.")
    if event.starts_at > utcnow():
        raise InvalidInput("Die Teilnahme wird erst ab Beginn des Termins eingetragen.",
                           "Attendance is recorded once the event has begun.")
    wanted = _counts(event, counts)
    names = {g: (t or "").strip() for g, t in (names or {}).items() if (t or "").strip()}
    if names and not event.record_names:
        raise InvalidInput("Namen werden für diesen Termin nicht erfasst (nur Anzahlen; Datensparsamkeit).",
                           "Names are not recorded for this event (counts only; data minimisation).")
    for group, text in names.items():
        if group not in wanted or "\x00" in text or len(text) > MAX_NAMES_CHARS:
            raise InvalidInput("Namen: höchstens 20.000 Zeichen, nur für eingetragene Zielgruppen.",
                               "Names: at most 20,000 characters, only for groups with a count.")
    others = int(db.scalar(select(func.coalesce(func.sum(AwarenessAttendance.count), 0)).where(
        AwarenessAttendance.event_id == event.id, AwarenessAttendance.org_id != org_id)) or 0)
    if others + sum(wanted.values()) > event.capacity:
        raise InvalidInput(f"Mehr Teilnehmende als Plätze: {others + sum(wanted.values())} bei {event.capacity} "
                           "Plätzen.", f"More participants than places: {others + sum(wanted.values())} for "
                           f"{event.capacity} places.")
    _check_headcount(db, org_id, wanted)
    before = _total(db, AwarenessAttendance, event.id, org_id)
    db.execute(delete(AwarenessAttendance).where(AwarenessAttendance.event_id == event.id,
                                                 AwarenessAttendance.org_id == org_id))
    db.add_all([AwarenessAttendance(event_id=event.id, org_id=org_id, target_group=g, count=n,
                                    names=names.get(g, ""), recorded_by_id=actor.user_id)
                for g, n in wanted.items() if n > 0])
    db.flush()
    # Totals and whether names were given — never the names themselves.
    audit_service.record(db, AuditEvent(events.AWARENESS_ATTENDANCE_RECORDED, actor_user_id=actor.user_id,
                                        org_id=org_id, object_type="awareness_event", object_id=event.id,
                                        detail={"from": before, "to": sum(wanted.values()),
                                                "names_recorded": bool(names)}))
    return {g: n for g, n in wanted.items() if n > 0}


@dataclass
class OrgLine:
    org_id: int
    org_name: str
    registered: dict[str, int]
    attended: dict[str, int]
    names: dict[str, str]

    @property
    def registered_total(self) -> int:
        return sum(self.registered.values())

    @property
    def attended_total(self) -> int:
        return sum(self.attended.values())


@dataclass
class EventView:
    event: AwarenessEvent
    organiser: Organization
    registered: int
    attended: int
    lines: list[OrgLine]  # the organisations the actor may see
    may_manage: bool
    may_register: bool
    own: OrgLine | None

    @property
    def free(self) -> int:
        return max(self.event.capacity - self.registered, 0)

    @property
    def has_begun(self) -> bool:
        return self.event.starts_at <= utcnow()


def event_view(db: Session, actor: Actor, event_id: int) -> EventView:
    """One event with the registrations and attendance the actor may see."""
    event = catalogue.get_event(db, actor, event_id)
    manage = access.may_manage_event(db, actor, event)
    per: dict[int, OrgLine] = {}
    names = dict(db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(
        select(AwarenessRegistration.org_id).where(AwarenessRegistration.event_id == event.id).union(
            select(AwarenessAttendance.org_id).where(AwarenessAttendance.event_id == event.id))))).all())
    readable = {o for o in names if manage or access.sees_org(db, actor, o)}
    for r in db.scalars(select(AwarenessRegistration).where(AwarenessRegistration.event_id == event.id)):
        if r.org_id in readable:
            line = per.setdefault(r.org_id, OrgLine(r.org_id, names[r.org_id], {}, {}, {}))
            line.registered[r.target_group] = r.count
    for a in db.scalars(select(AwarenessAttendance).where(AwarenessAttendance.event_id == event.id)):
        if a.org_id in readable:
            line = per.setdefault(a.org_id, OrgLine(a.org_id, names[a.org_id], {}, {}, {}))
            line.attended[a.target_group] = a.count
            if a.names:
                line.names[a.target_group] = a.names
    attended = int(db.scalar(select(func.coalesce(func.sum(AwarenessAttendance.count), 0)).where(
        AwarenessAttendance.event_id == event.id)) or 0)
    own = per.get(actor.org_id) if actor.org_id is not None else None
    return EventView(event=event, organiser=_org(db, event.owner_org_id),
                     registered=catalogue.registered_total(db, event.id), attended=attended,
                     lines=sorted(per.values(), key=lambda line: line.org_name.lower()), may_manage=manage,
                     may_register=actor.can_write and actor.org_id is not None and event.cancelled_at is None
                     and event.starts_at > utcnow(), own=own)
