"""Awareness in the demo Land: a catalogue, events before and after today, registrations, attendance,
headcounts, readiness and one imported GoPhish campaign — all through the service functions, all relative to
the clock, so the demo looks alive whenever it is loaded.

The service refuses to plan an event in the past; past events are planned ahead and then moved back, as if
time had passed (the way the demo incident's history is dated).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import Role
from kommcert.awareness import attendance, catalogue, phishing, profiles, readiness
from kommcert.db import utcnow
from kommcert.orgs.models import Organization

KLEINMUSTERDORF, MUSTERHAUSEN, SEEDORF, UFERBACH = "991015001001", "991015001002", "991025004004", "991025004005"
HEADCOUNTS = {
    KLEINMUSTERDORF: {"fuehrung": 3, "beschaeftigte": 18, "it_admin": 1, "rat": 12, "azubi": 2},
    MUSTERHAUSEN: {"fuehrung": 4, "beschaeftigte": 25, "it_admin": 2, "rat": 16},
    SEEDORF: {"fuehrung": 2, "beschaeftigte": 11, "rat": 10},
    "99101": {"fuehrung": 20, "beschaeftigte": 240, "it_admin": 12, "azubi": 15},
}


def _writer(db: Session, orgs: dict[str, Organization], users: dict[str, Any], key: str) -> Any:  # noqa: ANN401
    """A writer of the organisation: its demo login, else the office account the warning service created."""
    org = orgs[key]
    user = next((u for u in users.values() if u.org_id == org.id), None)
    if user is None:
        user = accounts_service.get_user_by_email(db, f"it@{key}.musterland.example") or accounts_service.create_user(
            db, actor=None, org=org, email=f"it@{key}.musterland.example", name=f"IT {org.name}", role=Role.member,
            password=None)
    return accounts_service.actor_for(db, user)


def _campaign_csv() -> bytes:
    """A GoPhish results export of made-up recipients: only its sums are kept."""
    groups = {"Bürgerbüro": ["Clicked Link"] * 3 + ["Email Opened"] * 4 + ["Email Sent"] * 2,
              "Bauamt": ["Submitted Data"] + ["Clicked Link"] * 2 + ["Email Opened"] * 3 + ["Email Sent"],
              "Kasse": ["Clicked Link", "Email Opened", "Email Sent", "Email Sent"]}
    lines = ["id,email,first_name,last_name,position,status,ip,latitude,longitude,send_date,reported,modified_date"]
    sent = (utcnow() - timedelta(days=21)).strftime("%Y-%m-%dT08:00:00Z")
    n = 0
    for position, statuses in groups.items():
        for status in statuses:
            n += 1
            lines.append(f"r{n},person{n}@kleinmusterdorf.example,Vorname,Nachname,{position},{status},,0,0,{sent},"
                         f"{'true' if n % 4 == 0 else 'false'},{sent}")
    return ("\n".join(lines) + "\n").encode()


def load(db: Session, orgs: dict[str, Organization], users: dict[str, Any]) -> None:
    kreis = accounts_service.actor_for(db, users["it@beispielkreis.example"])
    cert = accounts_service.actor_for(db, users["analyst@kcert.musterland.example"])
    phishing_topic = catalogue.create_topic(db, actor=cert, topic_in=catalogue.TopicIn(
        title="Phishing erkennen und melden", format="praesenz", target_groups=["beschaeftigte", "fuehrung", "azubi"],
        duration_minutes=90,
        description="Gefälschte Absender, Anhänge und Links erkennen; verdächtige E-Mails melden."))
    catalogue.create_topic(db, actor=cert, topic_in=catalogue.TopicIn(
        title="Sicher arbeiten im Homeoffice", format="elearning", target_groups=["beschaeftigte", "rat"],
        duration_minutes=45))
    tabletop = catalogue.create_topic(db, actor=cert, topic_in=catalogue.TopicIn(
        title="Planspiel Ransomware in der Verwaltung", format="planspiel", target_groups=["fuehrung", "it_admin"],
        duration_minutes=240))
    writers = {key: _writer(db, orgs, users, key) for key in HEADCOUNTS}
    for key, counts in HEADCOUNTS.items():
        profiles.set_headcount(db, actor=writers[key], org_id=orgs[key].id, counts=counts)
    now = utcnow()

    def event(actor: Any, topic: Any, days: float, **kw: Any) -> Any:  # noqa: ANN401
        return catalogue.create_event(db, actor=actor, event_in=catalogue.EventIn(
            title=kw.pop("title", topic.title), format=topic.format, target_groups=list(topic.target_groups),
            starts_at=now + timedelta(days=days), topic_id=topic.id, **kw))

    past = event(kreis, phishing_topic, 1, capacity=40, place="Kreisverwaltung, Sitzungssaal")
    exercise = event(cert, tabletop, 1, capacity=12, place="Landes-CERT, Übungsraum")
    for org_key, counts in ((KLEINMUSTERDORF, {"beschaeftigte": 8, "fuehrung": 2}),
                            (MUSTERHAUSEN, {"beschaeftigte": 10, "azubi": 0, "fuehrung": 1})):
        attendance.register(db, actor=writers[org_key], event_id=past.id, org_id=orgs[org_key].id, counts=counts)
    attendance.register(db, actor=writers[KLEINMUSTERDORF], event_id=exercise.id, org_id=orgs[KLEINMUSTERDORF].id,
                        counts={"fuehrung": 1, "it_admin": 1})
    for e, days_ago in ((past, 40), (exercise, 75)):  # as if these had taken place
        e.starts_at = now - timedelta(days=days_ago)
        e.ends_at = e.starts_at + timedelta(hours=2 if e is past else 4)
    db.flush()
    attendance.record_attendance(db, actor=kreis, event_id=past.id, org_id=orgs[KLEINMUSTERDORF].id,
                                 counts={"beschaeftigte": 7, "fuehrung": 2})
    attendance.record_attendance(db, actor=kreis, event_id=past.id, org_id=orgs[MUSTERHAUSEN].id,
                                 counts={"beschaeftigte": 9, "fuehrung": 1})
    attendance.record_attendance(db, actor=cert, event_id=exercise.id, org_id=orgs[KLEINMUSTERDORF].id,
                                 counts={"fuehrung": 1, "it_admin": 1})
    upcoming = event(kreis, phishing_topic, 12, capacity=30, place="Kreisverwaltung, Sitzungssaal",
                     title="Phishing erkennen und melden (zweiter Termin)")
    event(cert, tabletop, 30, capacity=12, place="Landes-CERT, Übungsraum")
    catalogue.create_event(db, actor=cert, event_in=catalogue.EventIn(
        title="Sicher arbeiten im Homeoffice (Online-Sprechstunde)", format="online",
        target_groups=["beschaeftigte", "rat"], starts_at=now + timedelta(days=5, hours=2), capacity=100,
        link="https://lernen.musterland.example/homeoffice"))
    attendance.register(db, actor=writers[SEEDORF], event_id=upcoming.id, org_id=orgs[SEEDORF].id,
                        counts={"beschaeftigte": 6})
    attendance.register(db, actor=writers[KLEINMUSTERDORF], event_id=upcoming.id, org_id=orgs[KLEINMUSTERDORF].id,
                        counts={"beschaeftigte": 5, "azubi": 2})
    today = now.date()
    readiness.set_readiness(db, actor=writers[KLEINMUSTERDORF], org_id=orgs[KLEINMUSTERDORF].id,
                            readiness_in=readiness.ReadinessIn(
                                card_posted_on=today - timedelta(days=200),
                                contacts_reviewed_on=today - timedelta(days=30), wiba_done=11,
                                restore_test_on=today - timedelta(days=420)))
    readiness.set_readiness(db, actor=writers[SEEDORF], org_id=orgs[SEEDORF].id, readiness_in=readiness.ReadinessIn(
        card_posted_on=today - timedelta(days=10), wiba_done=19, restore_test_on=today - timedelta(days=60)))
    phishing.import_campaign(db, actor=kreis, org_id=orgs[KLEINMUSTERDORF].id, data=_campaign_csv(),
                             name="Rechnungs-Phishing (Übung des Beispielkreises)")
