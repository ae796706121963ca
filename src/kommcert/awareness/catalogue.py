"""The training catalogue (topics) and the event calendar.

Events are ``Shared`` rows, TLP:GREEN, owned by the organiser: every member sees the calendar through
``policy.visible`` and one event through ``get_or_404``. Organisers (``access.ORGANISER_KINDS``) plan
them; an event cannot start in the past, and a Präsenz event needs a place, an online one a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.awareness import access
from kommcert.awareness.models import (
    AwarenessEvent,
    AwarenessRegistration,
    AwarenessTopic,
    Format,
    TargetGroup,
)
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.orgs.models import Organization
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import get_or_404
from kommcert.sharing.tlp import TLP

MAX_CAPACITY = 10_000
MAX_DURATION = timedelta(days=31)
# A form takes a minute to fill in: "now" typed into the form is not "in the past".
PAST_SLACK = timedelta(minutes=5)


@dataclass
class TopicIn:
    title: str
    format: str
    target_groups: list[str]
    description: str = ""
    duration_minutes: int | None = None


@dataclass
class EventIn:
    title: str
    format: str
    target_groups: list[str]
    starts_at: datetime
    capacity: int
    ends_at: datetime | None = None
    place: str = ""
    link: str = ""
    description: str = ""
    topic_id: int | None = None
    record_names: bool = False


def _text(value: str, limit: int, de: str, en: str, *, required: bool = False) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise InvalidInput(f"{de}: enthält ein NUL-Zeichen.", f"{en}: contains NUL.")
    if required and not text:
        raise InvalidInput(f"{de} fehlt.", f"{en} is missing.")
    if len(text) > limit:
        raise InvalidInput(f"{de}: höchstens {limit} Zeichen.", f"{en}: at most {limit} characters.")
    return text


def check_format(value: str) -> str:
    try:
        return Format(value).value
    except ValueError:
        raise InvalidInput("Format: Präsenz, Online, E-Learning oder Planspiel.",
                           "Format: in person, online, e-learning or tabletop exercise.") from None


def check_groups(values: list[str]) -> list[str]:
    try:
        groups = sorted({TargetGroup(v).value for v in values}, key=[g.value for g in TargetGroup].index)
    except ValueError:
        raise InvalidInput("Unbekannte Zielgruppe.", "Unknown target group.") from None
    if not groups:
        raise InvalidInput("Bitte mindestens eine Zielgruppe wählen.", "Please choose at least one target group.")
    return groups


def _link(value: str) -> str:
    link = _text(value, 1000, "Link", "Link")
    if link:
        parts = urlsplit(link)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise InvalidInput("Link: bitte eine Adresse mit https:// angeben.",
                               "Link: please give an address starting with https://.")
    return link


# ---------------------------------------------------------------- topics

def list_topics(db: Session, actor: Actor) -> list[AwarenessTopic]:
    if not actor.is_authenticated:
        raise NotFound()
    return list(db.scalars(select(AwarenessTopic).order_by(func.lower(AwarenessTopic.title), AwarenessTopic.id)))


def create_topic(db: Session, *, actor: Actor, topic_in: TopicIn) -> AwarenessTopic:
    if not access.may_organise(actor):
        raise PermissionDenied("Schulungen planen das Land, die CERTs und die Kreise.",
                               "Trainings are planned by the Land, the CERTs and the Kreise.")
    duration = topic_in.duration_minutes
    if duration is not None and not 1 <= duration <= 60 * 24 * 31:
        raise InvalidInput("Dauer: 1 Minute bis 31 Tage.", "Duration: 1 minute to 31 days.")
    topic = AwarenessTopic(title=_text(topic_in.title, 300, "Titel", "Title", required=True),
                           description=_text(topic_in.description, 20_000, "Beschreibung", "Description"),
                           format=check_format(topic_in.format), target_groups=check_groups(topic_in.target_groups),
                           duration_minutes=duration, org_id=actor.org_id)
    db.add(topic)
    db.flush()
    audit_service.record(db, AuditEvent(events.AWARENESS_TOPIC_CREATED, actor_user_id=actor.user_id,
                                        org_id=actor.org_id, object_type="awareness_topic", object_id=topic.id,
                                        detail={"format": topic.format}))
    return topic


def get_topic(db: Session, topic_id: int) -> AwarenessTopic:
    topic = db.get(AwarenessTopic, topic_id)
    if topic is None:
        raise NotFound("Dieses Thema gibt es nicht.", "No such topic.")
    return topic


# ---------------------------------------------------------------- events

def create_event(db: Session, *, actor: Actor, event_in: EventIn) -> AwarenessEvent:
    """Plan an event; the organiser is the actor's organisation. Nothing is written on a refusal."""
    if not access.may_organise(actor):
        raise PermissionDenied("Schulungen planen das Land, die CERTs und die Kreise.",
                               "Trainings are planned by the Land, the CERTs and the Kreise.")
    topic = get_topic(db, event_in.topic_id) if event_in.topic_id else None
    title = _text(event_in.title or (topic.title if topic else ""), 300, "Titel", "Title", required=True)
    fmt = check_format(event_in.format)
    starts = event_in.starts_at
    if starts.tzinfo is None:
        raise InvalidInput("Beginn: Zeitzone fehlt.", "Start: time zone missing.")
    if starts < utcnow() - PAST_SLACK:
        raise InvalidInput("Der Beginn liegt in der Vergangenheit: ein neuer Termin muss in der Zukunft liegen.",
                           "The start is in the past: a new event must lie in the future.")
    ends = event_in.ends_at or starts + timedelta(minutes=(topic.duration_minutes if topic and
                                                           topic.duration_minutes else 90))
    if ends <= starts or ends - starts > MAX_DURATION:
        raise InvalidInput("Das Ende muss nach dem Beginn liegen (höchstens 31 Tage).",
                           "The end must lie after the start (at most 31 days).")
    if not 1 <= event_in.capacity <= MAX_CAPACITY:
        raise InvalidInput(f"Plätze: 1 bis {MAX_CAPACITY:,}.".replace(",", "."),
                           f"Places: 1 to {MAX_CAPACITY:,}.")
    place = _text(event_in.place, 300, "Ort", "Place")
    link = _link(event_in.link)
    if fmt == Format.praesenz and not place:
        raise InvalidInput("Für eine Präsenzschulung bitte den Ort angeben.", "Please give the place of an in-person "
                           "training.")
    if fmt in (Format.online, Format.elearning) and not link:
        raise InvalidInput("Für eine Online-Schulung oder ein E-Learning bitte den Link angeben.",
                           "Please give the link of an online training or e-learning.")
    if fmt == Format.planspiel and not (place or link):
        raise InvalidInput("Für ein Planspiel bitte Ort oder Link angeben.", "Please give a place or link for a "
                           "tabletop exercise.")
    event = AwarenessEvent(
        owner_org_id=actor.org_id, created_by_id=actor.user_id, tlp=TLP.green, upward=False,
        topic_id=topic.id if topic else None, title=title, format=fmt,
        description=_text(event_in.description or (topic.description if topic else ""), 20_000, "Beschreibung",
                          "Description"),
        target_groups=check_groups(event_in.target_groups), starts_at=starts, ends_at=ends, place=place, link=link,
        capacity=event_in.capacity, record_names=bool(event_in.record_names))
    db.add(event)
    db.flush()
    # Settings only: the title, place and link stay on the event (a link may carry an access code).
    audit_service.record(db, AuditEvent(events.AWARENESS_EVENT_PLANNED, actor_user_id=actor.user_id,
                                        org_id=event.owner_org_id, object_type="awareness_event", object_id=event.id,
                                        detail={"format": event.format, "capacity": event.capacity,
                                                "names_recorded": event.record_names}))
    return event


def get_event(db: Session, actor: Actor, event_id: int) -> AwarenessEvent:
    return get_or_404(db, AwarenessEvent, event_id, actor)


def cancel_event(db: Session, *, actor: Actor, event_id: int) -> AwarenessEvent:
    event = get_event(db, actor, event_id)
    if not access.may_manage_event(db, actor, event):
        raise PermissionDenied("Nur die Veranstalter sagen einen Termin ab.", "Only the organiser cancels an event.")
    if event.cancelled_at is None:
        event.cancelled_at = utcnow()
        db.flush()
        audit_service.record(db, AuditEvent(events.AWARENESS_EVENT_CANCELLED, actor_user_id=actor.user_id,
                                            org_id=event.owner_org_id, object_type="awareness_event",
                                            object_id=event.id))
    return event


@dataclass
class EventRow:
    event: AwarenessEvent
    organiser: str
    registered: int

    @property
    def free(self) -> int:
        return max(self.event.capacity - self.registered, 0)


def list_events(db: Session, actor: Actor, *, since: datetime | None = None, until: datetime | None = None,
                limit: int = 500) -> list[EventRow]:
    """The calendar: events the actor may see (GREEN: every member), soonest first, with places taken."""
    if not actor.is_authenticated:
        raise NotFound()
    taken = (select(AwarenessRegistration.event_id, func.sum(AwarenessRegistration.count).label("n"))
             .group_by(AwarenessRegistration.event_id).subquery())
    stmt = (select(AwarenessEvent, Organization.name, func.coalesce(taken.c.n, 0))
            .join(Organization, Organization.id == AwarenessEvent.owner_org_id)
            .outerjoin(taken, taken.c.event_id == AwarenessEvent.id))
    if since is not None:
        stmt = stmt.where(AwarenessEvent.ends_at >= since)
    if until is not None:
        stmt = stmt.where(AwarenessEvent.starts_at < until)
    stmt = policy.visible(stmt, AwarenessEvent, actor).order_by(AwarenessEvent.starts_at, AwarenessEvent.id)
    stmt = stmt.limit(limit)
    return [EventRow(e, name, int(n)) for e, name, n in db.execute(stmt)]


def registered_total(db: Session, event_id: int) -> int:
    return int(db.scalar(select(func.coalesce(func.sum(AwarenessRegistration.count), 0)).where(
        AwarenessRegistration.event_id == event_id)) or 0)
