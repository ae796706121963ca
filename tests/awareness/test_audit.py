"""Every awareness write leaves a Protokoll entry (action, organisation, object), and no entry's detail holds a
name, an address, a group label or a title: the log is read by more people than the facts."""

from __future__ import annotations

import json

from sqlalchemy import select

from kommcert.audit import events, presentation
from kommcert.audit.models import AuditEntry
from kommcert.audit.schemas import AuditRead
from kommcert.awareness import attendance, catalogue, phishing, profiles, readiness, suggestions
from kommcert.awareness.catalogue import TopicIn
from kommcert.awareness.models import AwarenessSuggestion
from kommcert.incidents.models import Category
from tests.awareness.conftest import begun, gophish_csv, plan
from tests.awareness.test_suggestions_reminders import _close, _incident
from tests.personas import Personas

AWARENESS = (events.AWARENESS_TOPIC_CREATED, events.AWARENESS_EVENT_PLANNED, events.AWARENESS_EVENT_CANCELLED,
             events.AWARENESS_REGISTRATION_CHANGED, events.AWARENESS_ATTENDANCE_RECORDED,
             events.AWARENESS_HEADCOUNT_SET, events.AWARENESS_READINESS_UPDATED, events.PHISHING_CAMPAIGN_IMPORTED,
             events.AWARENESS_SUGGESTION_DISMISSED)


def _entries(p: Personas) -> list[AuditEntry]:
    p.db.flush()
    return list(p.db.scalars(select(AuditEntry).where(AuditEntry.action.in_(AWARENESS)).order_by(AuditEntry.id)))


def test_every_awareness_write_is_in_the_protokoll_without_names(personas: Personas) -> None:
    p = personas
    a1, kreis_a = p.orgs["gemeinde_a1"].id, p.orgs["kreis_a"].id
    topic = catalogue.create_topic(p.db, actor=p.actor("kreis_a_admin"), topic_in=TopicIn(
        title="Phishing für Erika Musterfrau", format="online", target_groups=["beschaeftigte"]))
    profiles.set_headcount(p.db, actor=p.actor("gemeinde_a1_member"), org_id=a1,
                           counts={"beschaeftigte": 20, "fuehrung": 3})
    today = readiness._today()
    readiness.set_readiness(p.db, actor=p.actor("gemeinde_a1_member"), org_id=a1,
                            readiness_in=readiness.ReadinessIn(card_posted_on=today, wiba_done=4))
    event = plan(p, record_names=True, title="Schulung mit Erika Musterfrau")
    attendance.register(p.db, actor=p.actor("gemeinde_a1_member"), event_id=event.id, org_id=a1,
                        counts={"beschaeftigte": 5})
    begun(p, event)
    attendance.record_attendance(p.db, actor=p.actor("kreis_a_admin"), event_id=event.id, org_id=a1,
                                 counts={"beschaeftigte": 4}, names={"beschaeftigte": "Max Mustermann, Erika Beispiel"})
    cancelled = plan(p, days=14)
    catalogue.cancel_event(p.db, actor=p.actor("kreis_a_admin"), event_id=cancelled.id)
    catalogue.cancel_event(p.db, actor=p.actor("kreis_a_admin"), event_id=cancelled.id)  # again: nothing new
    groups = {"Bauamt": [("Clicked Link", False)] * 7, "Personalrat": [("Email Opened", True)] * 2}
    campaign = phishing.import_campaign(p.db, actor=p.actor("kreis_a_admin"), org_id=a1, data=gophish_csv(groups),
                                        name="Test bei Erika Musterfrau")
    _close(p, _incident(p, Category.phishing))
    suggestion = p.db.scalar(select(AwarenessSuggestion))
    assert suggestion is not None
    suggestions.dismiss(p.db, actor=p.actor("kreis_a_admin"), suggestion_id=suggestion.id)
    suggestions.dismiss(p.db, actor=p.actor("kreis_a_admin"), suggestion_id=suggestion.id)  # again: nothing new

    entries = _entries(p)
    profile_id = profiles.readable(p.db, p.actor("gemeinde_a1_member"), a1)[1].id  # type: ignore[union-attr]
    assert [(e.action, e.org_id, e.object_type, e.object_id) for e in entries] == [
        (events.AWARENESS_TOPIC_CREATED, kreis_a, "awareness_topic", str(topic.id)),
        (events.AWARENESS_HEADCOUNT_SET, a1, "awareness_profile", str(profile_id)),
        (events.AWARENESS_READINESS_UPDATED, a1, "awareness_profile", str(profile_id)),
        (events.AWARENESS_EVENT_PLANNED, kreis_a, "awareness_event", str(event.id)),
        (events.AWARENESS_REGISTRATION_CHANGED, a1, "awareness_event", str(event.id)),
        (events.AWARENESS_ATTENDANCE_RECORDED, a1, "awareness_event", str(event.id)),
        (events.AWARENESS_EVENT_PLANNED, kreis_a, "awareness_event", str(cancelled.id)),
        (events.AWARENESS_EVENT_CANCELLED, kreis_a, "awareness_event", str(cancelled.id)),
        (events.PHISHING_CAMPAIGN_IMPORTED, a1, "phishing_campaign", str(campaign.id)),
        (events.AWARENESS_SUGGESTION_DISMISSED, a1, "awareness_suggestion", str(suggestion.id)),
    ]
    assert all(e.actor_user_id is not None for e in entries)
    by_action = {e.action: e.detail for e in entries}
    assert by_action[events.AWARENESS_HEADCOUNT_SET] == {"from": 0, "to": 23}
    assert by_action[events.AWARENESS_READINESS_UPDATED] == {"items": ["card", "wiba"]}
    assert by_action[events.AWARENESS_REGISTRATION_CHANGED] == {"from": 0, "to": 5}
    assert by_action[events.AWARENESS_ATTENDANCE_RECORDED] == {"from": 0, "to": 4, "names_recorded": True}
    assert by_action[events.AWARENESS_SUGGESTION_DISMISSED] == {"cause": "phishing"}
    imported = by_action[events.PHISHING_CAMPAIGN_IMPORTED]  # Personalrat (2) is merged, and Bauamt with it
    assert (imported["recipients"], imported["clicked"], imported["groups"], imported["merged"]) == (9, 7, 0, 2)

    blob = json.dumps([e.detail for e in entries], ensure_ascii=False)
    for leak in ("Erika", "Musterfrau", "Mustermann", "Beispiel", "@gemeinde.example", "Vorname", "Nachname",
                 "Personalrat", "Kreishaus", "lernen.example.test", "Zugangsdaten", "Gerda"):
        assert leak not in blob, leak


def test_the_protokoll_names_awareness_entries_in_german(personas: Personas) -> None:
    p = personas
    a1 = p.orgs["gemeinde_a1"].id
    profiles.set_headcount(p.db, actor=p.actor("gemeinde_a1_member"), org_id=a1, counts={"beschaeftigte": 12})
    event = plan(p, days=3)
    attendance.register(p.db, actor=p.actor("gemeinde_a1_member"), event_id=event.id, org_id=a1,
                        counts={"beschaeftigte": 2})
    entries = [AuditRead.model_validate(e) for e in _entries(p)]
    rows = presentation.present(p.db, actor=p.actor("kreis_a_admin"), entries=entries)
    assert [r.label for r in rows] == ["Personalzahl für die Sensibilisierung angegeben", "Schulungstermin geplant",
                                       "Anmeldung zu einem Schulungstermin geändert"]
    assert rows[1].object is not None and rows[1].object.text == f"Schulungstermin {event.id}"
    assert ("Plätze", [presentation.Link("30")]) in rows[1].details
    assert ("nachher", [presentation.Link("2")]) in rows[2].details
