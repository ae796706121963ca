"""Who is told about an incident, against a real SMTP server on loopback: the CERT on call about a new
incident at or above the alert severity, the reporting municipality about every phase change, the
assignee and the participants' writers about the work on the case — one mail each per change, never the
person who made it, nobody who may not see the incident (checked again when the mail goes out), the
daily digest for whoever chose it, and nothing at all from a change that was rolled back."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import select

from kommcert.accounts.models import Role, User
from kommcert.incidents import notifications as incident_notifications
from kommcert.incidents import service
from kommcert.incidents.models import EventKind, IncidentEvent, ParticipantRole, Phase, Severity
from kommcert.incidents.schemas import TaskCreate
from kommcert.jobs import schedule
from kommcert.jobs import worker as jobs_worker
from kommcert.jobs.models import Job
from kommcert.notifications import service as notifications_service
from kommcert.notifications.models import Notification, NotificationState
from tests.incidents.conftest import MAX_BYTES, report, report_in
from tests.mail.conftest import ca, plain_smtp, read_settings  # noqa: F401 - fixtures
from tests.personas import Personas, password_hash

CERT = "land_cert_analyst"
GEMEINDE = ("gemeinde_a1_member", "gemeinde_a1_admin")
SECRET_ANSWER = "Fileserver, alle Arbeitsplätze"
SECRET_NOTE = "Das Backup liegt im Keller des Bürgermeisters."


@pytest.fixture
def cfg(settings, plain_smtp):  # noqa: ANN001, ANN201, F811
    return read_settings(settings, plain_smtp, smtp_security="none", base_url="https://kommcert.example")


@pytest.fixture
def team(personas: Personas) -> Personas:
    """The personas plus an analyst of the Kommunal-CERT, a reader of the Landes-CERT (no alerts for
    readers) and a member of Dienstleister X's staff for participation."""
    for name, org, role in (("kommunal_cert_analyst", "kommunal_cert", Role.analyst),
                            ("land_cert_reader", "land_cert", Role.reader)):
        user = User(org=personas.orgs[org], email=f"{name}@example.test", name=name, role=role,
                    password_hash=password_hash())
        personas.db.add(user)
        personas.users[name] = user
    personas.db.flush()
    return personas


@pytest.fixture
def sent(session_factory, cfg, plain_smtp):  # noqa: ANN001, ANN201, F811
    """``sent()`` runs the worker and answers the messages of this run (one recipient each, checked)."""

    def run() -> list[email.message.EmailMessage]:
        before = len(plain_smtp.inbox.envelopes)
        jobs_worker.run(session_factory, cfg, burst=True)
        new = plain_smtp.inbox.envelopes[before:]
        assert all(len(e.rcpt_tos) == 1 for e in new)
        messages = [email.message_from_bytes(e.original_content, policy=policy.default) for e in new]
        for message in messages:
            assert "," not in message["To"] and message["Cc"] is None and message["Bcc"] is None
        return messages

    return run


def _to(messages: list[email.message.EmailMessage]) -> list[str]:
    return sorted(m["To"] for m in messages)


def _emails(p: Personas, *names: str) -> list[str]:
    return sorted(p.users[n].email for n in names)


def test_a_new_ransomware_incident_alerts_each_cert_analyst_once(team, sent) -> None:  # noqa: ANN001
    incident = report(team, severity=Severity.high)
    team.db.commit()
    messages = sent()
    # The analysts and admins of both CERTs, once each; not the reporter, not the CERT's reader,
    # nobody of the Kreis or of the other Kreis.
    assert _to(messages) == _emails(team, "land_cert_analyst", "land_cert_admin", "kommunal_cert_analyst")
    for message in messages:
        assert message["Subject"] == "[kommcert] Neuer Vorfall: Ransomware – Gemeinde A1 (hoch)"
        text = message.get_content()
        assert f"https://kommcert.example/incidents/{incident.id}" in text
        assert "Gemeinde A1 hat einen Vorfall gemeldet." in text and "Phase: gemeldet" in text
        assert SECRET_ANSWER not in text and incident.callback_phone not in text
    # The same timeline entry announced again tells nobody a second time.
    event = team.db.scalar(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id,
                                                       IncidentEvent.kind == EventKind.reported))
    assert incident_notifications.announce(team.db, incident, event) == []


def test_below_the_alert_severity_nobody_is_alerted(team, sent, monkeypatch) -> None:  # noqa: ANN001
    report(team, severity=Severity.low)
    team.db.commit()
    assert sent() == []
    monkeypatch.setenv(incident_notifications.ALERT_SEVERITY_ENV, "critical")
    report(team, severity=Severity.high)
    team.db.commit()
    assert sent() == []
    report(team, severity=Severity.critical)
    team.db.commit()
    assert len(sent()) == 3
    monkeypatch.setenv(incident_notifications.ALERT_SEVERITY_ENV, "low")
    report(team, severity=Severity.low)
    team.db.commit()
    assert len(sent()) == 3


def test_the_municipality_hears_of_every_phase_change_and_the_actor_of_none(team, sent) -> None:  # noqa: ANN001
    incident = report(team, severity=Severity.high)
    team.db.commit()
    sent()
    cert = team.actor(CERT)
    service.claim(team.db, actor=cert, incident_id=incident.id)
    team.db.commit()
    assert sent() == []  # the CERT took it itself: nobody else needs to know
    service.change_phase(team.db, actor=cert, incident_id=incident.id, phase=Phase.triage)
    team.db.commit()
    triage = sent()
    assert _to(triage) == _emails(team, *GEMEINDE)
    assert {m["Subject"] for m in triage} == {"[kommcert] Vorfall jetzt „Triage“: Ransomware – Gemeinde A1 (hoch)"}
    assert "Neue Phase: Triage (vorher: gemeldet)." in triage[0].get_content()
    assert f"Von: {CERT} (Landes-CERT)" in triage[0].get_content()
    service.change_phase(team.db, actor=cert, incident_id=incident.id, phase=Phase.containment)
    team.db.commit()
    assert _to(sent()) == _emails(team, *GEMEINDE)
    # The municipality moves it on itself: its other writer and the assignee hear of it, the actor not.
    service.change_phase(team.db, actor=team.actor("gemeinde_a1_admin"), incident_id=incident.id,
                         phase=Phase.eradication)
    team.db.commit()
    assert _to(sent()) == _emails(team, "gemeinde_a1_member", CERT)
    stored = team.db.scalars(select(Notification).where(Notification.subject_type == "incident")).all()
    assert all(n.user_id != team.users["gemeinde_b1_member"].id and n.user_id != team.users["kreis_b_admin"].id
               for n in stored)


def test_the_municipality_hears_that_its_indicators_now_protect_everyone(team, sent) -> None:  # noqa: ANN001
    from kommcert.incidents import publish
    from kommcert.incidents.models import ObservableType
    from kommcert.incidents.schemas import ObservableCreate

    incident = report(team, severity=Severity.high)
    cert = team.actor(CERT)
    service.claim(team.db, actor=cert, incident_id=incident.id)
    service.add_observable(team.db, actor=cert, incident_id=incident.id, observable_in=ObservableCreate(
        type=ObservableType.domain, value="c2.ransom-notify.example", share=True))
    team.db.commit()
    sent()
    publish.publish_observables(team.db, actor=cert, incident_id=incident.id)
    team.db.commit()
    told = sent()
    assert _to(told) == _emails(team, *GEMEINDE)  # not the CERT analyst who published, nobody in Kreis B
    assert "Indikatoren aus diesem Vorfall (Anzahl: 1)" in told[0].get_content()
    assert "c2.ransom-notify.example" not in told[0].get_content()


def test_a_reporting_hotline_and_a_reassignment(team, sent) -> None:  # noqa: ANN001
    incident = report(team, CERT, severity=Severity.critical, on_behalf_of_org_id=team.orgs["gemeinde_a1"].id)
    team.db.commit()
    alerted = sent()
    assert _to(alerted) == _emails(team, "land_cert_admin", "kommunal_cert_analyst")
    assert "Landes-CERT hat für Gemeinde A1 einen Vorfall gemeldet." in alerted[0].get_content()
    admin = team.actor("land_cert_admin")
    service.assign(team.db, actor=admin, incident_id=incident.id, assignee_id=team.users[CERT].id)
    team.db.commit()
    (mine,) = sent()
    assert mine["To"] == team.users[CERT].email
    assert "Die Bearbeitung des Vorfalls liegt jetzt bei Ihnen." in mine.get_content()
    # Handed on: the new and the previous assignee are told.
    service.assign(team.db, actor=admin, incident_id=incident.id,
                   assignee_id=team.users["kommunal_cert_analyst"].id)
    team.db.commit()
    assert _to(sent()) == _emails(team, CERT, "kommunal_cert_analyst")


def test_participants_are_told_while_they_take_part(team, sent) -> None:  # noqa: ANN001
    incident = report(team, severity=Severity.high)
    cert = team.actor(CERT)
    service.claim(team.db, actor=cert, incident_id=incident.id)
    team.db.commit()
    sent()
    participant = service.add_participant(team.db, actor=cert, incident_id=incident.id,
                                          org_id=team.orgs["provider_x"].id, role=ParticipantRole.support)
    team.db.commit()
    (joined,) = sent()
    assert joined["To"] == team.users["provider_x"].email
    assert "Ihre Organisation ist jetzt an diesem Vorfall beteiligt (unterstützt)." in joined.get_content()

    service.add_note(team.db, actor=team.actor("gemeinde_a1_member"), incident_id=incident.id, body=SECRET_NOTE)
    team.db.commit()
    noted = sent()
    assert _to(noted) == _emails(team, CERT, "provider_x")
    assert all(SECRET_NOTE not in m.get_content() and "Bürgermeister" not in m.get_content() for m in noted)

    # A note queued for the participant, then the participant leaves before the mail goes out: skipped.
    service.classify(team.db, actor=cert, incident_id=incident.id, severity=Severity.critical)
    service.remove_participant(team.db, actor=cert, incident_id=incident.id, participant_id=participant.id)
    team.db.commit()
    assert sent() == []  # the assignee made both changes; the participant lost access
    left = team.db.scalar(select(Notification).where(Notification.user_id == team.users["provider_x"].id)
                          .order_by(Notification.id.desc()))
    team.db.refresh(left)
    assert left.event == "incident.severity_changed" and left.state == NotificationState.skipped
    # After leaving, the organisation is not even asked.
    service.change_phase(team.db, actor=cert, incident_id=incident.id, phase=Phase.triage)
    team.db.commit()
    assert _to(sent()) == _emails(team, *GEMEINDE)


def test_a_task_for_someone_tells_that_person(team, sent) -> None:  # noqa: ANN001
    incident = report(team, severity=Severity.low)
    team.db.commit()
    due = datetime.now(UTC) + timedelta(days=2)
    service.add_task(team.db, actor=team.actor(CERT), incident_id=incident.id,
                     task_in=TaskCreate(title="Firewall-Protokolle sichern", due_at=due,
                                        assignee_id=team.users["gemeinde_a1_admin"].id))
    team.db.commit()
    (message,) = sent()
    assert message["To"] == team.users["gemeinde_a1_admin"].email
    assert message["Subject"] == "[kommcert] Vorfall: neue Aufgabe: Ransomware – Gemeinde A1 (niedrig)"
    text = message.get_content()
    assert "Eine neue Aufgabe ist für Sie. Fällig:" in text and "Firewall-Protokolle" not in text


def test_digest_users_get_it_in_their_digest(team, sent, cfg) -> None:  # noqa: ANN001
    notifications_service.set_mode(team.db, actor=team.actor("gemeinde_a1_admin"), mode="digest")
    incident = report(team, severity=Severity.high)
    cert = team.actor(CERT)
    service.change_phase(team.db, actor=cert, incident_id=incident.id, phase=Phase.triage)
    service.change_phase(team.db, actor=cert, incident_id=incident.id, phase=Phase.containment)
    team.db.commit()
    immediate = sent()
    assert team.users["gemeinde_a1_admin"].email not in _to(immediate)
    assert _to(immediate).count(team.users["gemeinde_a1_member"].email) == 2
    tick = datetime.now(UTC) + timedelta(days=1)
    schedule.enqueue_due(team.db, cfg, now=tick, names=["notification-digest"])
    team.db.commit()
    (digest,) = sent()
    assert digest["To"] == team.users["gemeinde_a1_admin"].email
    assert digest["Subject"] == "kommcert: Zusammenfassung (2 Neuigkeiten)"
    text = digest.get_content()
    assert "[kommcert] Vorfall jetzt „Triage“: Ransomware – Gemeinde A1 (hoch)" in text
    assert "[kommcert] Vorfall jetzt „Eindämmung“: Ransomware – Gemeinde A1 (hoch)" in text
    assert f"https://kommcert.example/incidents/{incident.id}" in text


def test_it_writes_in_the_recipients_language(team, sent) -> None:  # noqa: ANN001
    team.users["kommunal_cert_analyst"].locale = "en"
    team.db.flush()
    report(team, severity=Severity.high)
    team.db.commit()
    subjects = {m["To"]: m["Subject"] for m in sent()}
    assert subjects[team.users["kommunal_cert_analyst"].email] == (
        "[kommcert] New incident: Ransomware – Gemeinde A1 (high)")
    assert subjects[team.users["land_cert_admin"].email] == "[kommcert] Neuer Vorfall: Ransomware – Gemeinde A1 (hoch)"


def test_a_rolled_back_change_tells_nobody(team, session_factory) -> None:  # noqa: ANN001
    with session_factory() as s:
        reporter = s.get(User, team.users["gemeinde_a1_member"].id)
        from kommcert.accounts import service as accounts_service

        service.report_incident(s, actor=accounts_service.actor_for(s, reporter),
                                incident_in=report_in(severity=Severity.critical), max_bytes=MAX_BYTES)
        assert s.scalars(select(Notification)).all() != []  # queued in the transaction …
        s.rollback()
    assert team.db.scalars(select(Notification)).all() == []  # … and gone with it
    assert team.db.scalars(select(Job).where(Job.kind == "notifications.send")).all() == []


def test_a_history_written_silently_tells_nobody(team, sent) -> None:  # noqa: ANN001
    with incident_notifications.silenced():
        incident = report(team, severity=Severity.critical)
        service.change_phase(team.db, actor=team.actor(CERT), incident_id=incident.id, phase=Phase.triage)
    team.db.commit()
    assert sent() == []
    assert team.db.scalars(select(Notification)).all() == []
    service.change_phase(team.db, actor=team.actor(CERT), incident_id=incident.id, phase=Phase.containment)
    team.db.commit()
    assert _to(sent()) == _emails(team, *GEMEINDE)  # afterwards, changes are news again


@pytest.mark.parametrize(("kind", "told"), [
    (EventKind.reported, {"on_call"}),
    (EventKind.assigned, {"case_team"}),
    (EventKind.phase_changed, {"case_team", "municipality"}),
    (EventKind.marked_duplicate, {"case_team", "municipality"}),
    (EventKind.participant_added, {"case_team"}),
    (EventKind.task_added, {"case_team"}),
    (EventKind.severity_changed, {"case_team"}),
    (EventKind.note, {"case_team"}),
    (EventKind.observables_published, {"case_team", "municipality"}),
    (EventKind.observable_added, set()),
    (EventKind.task_done, set()),
    (EventKind.deadline_done, set()),
])
def test_the_table_of_who_is_told(kind: EventKind, told: set[str]) -> None:
    assert {str(a) for a in incident_notifications.WHO_IS_TOLD.get(kind, frozenset())} == told


def test_the_alert_severity_defaults_to_medium(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv(incident_notifications.ALERT_SEVERITY_ENV, raising=False)
    assert incident_notifications.alert_severity() == Severity.medium
    monkeypatch.setenv(incident_notifications.ALERT_SEVERITY_ENV, "nonsense")
    assert incident_notifications.alert_severity() == Severity.medium
    from kommcert.config import SettingsError, load_settings

    with pytest.raises(SettingsError, match="incident_alert_severity"):
        load_settings(env="dev", incident_alert_severity="nonsense")
