"""An incident closed with the cause phishing or human error suggests a training to the coordinators; the
reminders job tells organisations below the threshold once in 30 days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kommcert.awareness import profiles, reminders, suggestions
from kommcert.awareness.models import AwarenessProfile, AwarenessSuggestion
from kommcert.incidents import service as incident_service
from kommcert.incidents.models import Category, Phase, Severity
from kommcert.incidents.schemas import IncidentCreate
from kommcert.notifications.models import Notification
from kommcert.sharing.tlp import TLP
from tests.personas import Personas


def _incident(p: Personas, category: Category):  # noqa: ANN202
    return incident_service.report_incident(p.db, actor=p.actor("gemeinde_a1_member"), incident_in=IncidentCreate(
        title="Zugangsdaten abgegriffen", category=category, severity=Severity.medium, tlp=TLP.amber_strict,
        reporter_name="Gerda", callback_phone="0170 1", answers={"systems": "Mail", "observed": "Anruf"}),
        max_bytes=10_000)


def _close(p: Personas, incident, cause: str = "") -> None:  # noqa: ANN001
    cert = p.actor("land_cert_analyst")
    for phase in (Phase.triage, Phase.containment, Phase.eradication, Phase.recovery, Phase.lessons):
        incident.phase = phase
    p.db.flush()
    incident_service.change_phase(p.db, actor=cert, incident_id=incident.id, phase=Phase.closed, cause=cause)


def test_a_phishing_incident_closed_suggests_a_training(personas: Personas) -> None:
    p = personas
    incident = _incident(p, Category.phishing)
    _close(p, incident)
    found = p.db.scalar(select(AwarenessSuggestion))
    assert found is not None and (found.cause, found.owner_org_id) == ("phishing", p.orgs["gemeinde_a1"].id)
    told = set(p.db.scalars(select(Notification.user_id).where(Notification.event == suggestions.EVENT)))
    assert told == {p.users["kreis_a_admin"].id}  # the Kreis's admin (the personas' Kommunal-CERT has no users)
    assert [s.id for s in suggestions.for_org(p.db, p.actor("kreis_a_admin"), p.orgs["gemeinde_a1"].id)] == [found.id]
    assert suggestions.for_org(p.db, p.actor("kreis_b_admin"), p.orgs["gemeinde_a1"].id) == []


def test_a_human_error_given_when_closing_counts_too_and_others_do_not(personas: Personas) -> None:
    p = personas
    _close(p, _incident(p, Category.malware), cause="technical")
    assert p.db.scalar(select(AwarenessSuggestion)) is None
    _close(p, _incident(p, Category.malware), cause="human_error")
    assert p.db.scalar(select(AwarenessSuggestion.cause)) == "human_error"


def test_reminders_below_the_threshold_once_in_30_days(personas: Personas) -> None:
    p = personas
    profiles.set_headcount(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=p.orgs["gemeinde_a1"].id,
                           counts={"beschaeftigte": 10})
    assert reminders.send_reminders(p.db) == {"reminded": 1}
    told = list(p.db.scalars(select(Notification.user_id).where(Notification.event == reminders.EVENT)))
    assert told == [p.users["gemeinde_a1_admin"].id]
    assert reminders.send_reminders(p.db) == {"reminded": 0}
    profile = p.db.scalar(select(AwarenessProfile))
    profile.reminded_at -= timedelta(days=31)
    p.db.flush()
    assert reminders.send_reminders(p.db) == {"reminded": 1}


def test_closing_with_a_cause_over_the_api_and_the_case_page(client, personas: Personas, login) -> None:  # noqa: ANN001
    p = personas
    incident = _incident(p, Category.malware)
    incident.phase = Phase.lessons
    p.db.flush()
    login("land_cert_analyst")
    assert 'name="cause"' in client.get(f"/incidents/{incident.id}").text
    wrong = client.post(f"/api/v1/incidents/{incident.id}/phase", json={"phase": "closed", "cause": "weather"},
                        headers=p.auth("land_cert_analyst"))
    assert wrong.status_code == 422 and p.db.scalar(select(AwarenessSuggestion)) is None
    done = client.post(f"/api/v1/incidents/{incident.id}/phase", json={"phase": "closed", "cause": "human_error"},
                       headers=p.auth("land_cert_analyst"))
    assert done.status_code == 200, done.text
    assert p.db.scalar(select(AwarenessSuggestion.cause)) == "human_error"
