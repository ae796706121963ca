"""Incident pages: the report form, my incidents, the CERT's queue and the case page per role;
another Kreis gets 404 on the case page and on every form; bad input writes nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from kommcert.config import load_settings
from kommcert.db import utcnow
from kommcert.files import Upload
from kommcert.incidents import service
from kommcert.incidents.models import (
    Incident,
    IncidentAttachment,
    IncidentEvent,
    IncidentEvidence,
    IncidentObservable,
    IncidentParticipant,
    IncidentTask,
    Phase,
)
from kommcert.incidents.schemas import TaskCreate
from kommcert.orgs.models import ContactRole, OrgContact
from tests.conftest import SECRET
from tests.incidents.conftest import report
from tests.personas import csrf_from

MAX_BYTES = 4096


@pytest.fixture
def settings(database_url, tmp_path):  # noqa: ANN001, ANN201
    """The suite's settings with a small file limit, so "too large" needs no megabytes."""
    return load_settings(env="test", secret_key=SECRET, database_url=database_url, secure_cookies=False,
                         base_url="http://testserver", feed_state_seconds=0, job_runner="inline",
                         upload_dir=str(tmp_path / "uploads"), max_attachment_bytes=MAX_BYTES)


def _counts(db) -> tuple[int, ...]:  # noqa: ANN001
    return tuple(db.scalar(select(func.count(m.id))) for m in (
        Incident, IncidentEvent, IncidentTask, IncidentObservable, IncidentEvidence, IncidentParticipant,
        IncidentAttachment))


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category": "ransomware", "reporter_name": "Frau Beispiel, Hauptamt", "callback_phone": "+49 6131 000000",
        "answers.systems": "Fileserver, alle Arbeitsplätze", "answers.observed": "Dateien verschlüsselt",
        "answers.location": "Rathaus, Serverraum", "answers.actions_taken": "Netzwerkkabel gezogen",
        "ransom_note": "ja", "data_exfiltrated": "nein", "citizen_services_down": "ja",
        "personal_data_affected": "ja", "bsig_answer": "nein", "land_rules_in_scope": "nein", "severity": "high",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _post_report(client, **overrides: object):  # noqa: ANN001, ANN202
    page = client.get("/incidents/new")
    files = overrides.pop("files", None)
    return client.post("/incidents", data={"csrf_token": csrf_from(page.text), **_form(**overrides)},
                       files=files, follow_redirects=False)


def _csrf(client, incident_id: int) -> str:  # noqa: ANN001
    return csrf_from(client.get(f"/incidents/{incident_id}").text)


def _post(client, path: str, incident_id: int, **data: object):  # noqa: ANN001, ANN202
    return client.post(path, data={"csrf_token": _csrf(client, incident_id), **data}, follow_redirects=False)


# ---------------------------------------------------------------- the report form

def test_a_gemeinde_reports_ransomware_through_the_form(client, db, personas, login, settings) -> None:  # noqa: ANN001
    db.add(OrgContact(org_id=personas.orgs["gemeinde_a1"].id, role=ContactRole.it_leitung, name="Herr IT",
                      phone_out_of_band="+49 170 1234567"))
    db.flush()
    login("gemeinde_a1_member")
    page = client.get("/incidents/new")
    assert page.status_code == 200
    assert 'value="+49 170 1234567"' in page.text  # the out-of-band number, prefilled
    assert "Wie haben Sie den Notfall bemerkt?" in page.text  # the Notfallkarte's wording
    assert 'name="on_behalf_of"' not in page.text  # only the CERT hotline reports for others
    since = (utcnow() - timedelta(hours=3)).astimezone(settings.tz).replace(second=0, microsecond=0)

    response = _post_report(client, since=since.strftime("%Y-%m-%dT%H:%M"),
                            files=[("files", ("erpresserschreiben.txt", b"Your files are encrypted", "text/plain"))])

    assert response.status_code == 303, response.text
    incident_id = int(response.headers["location"].rsplit("/", 1)[1])
    incident = db.get(Incident, incident_id)
    assert incident.owner_org_id == personas.orgs["gemeinde_a1"].id and not incident.on_behalf
    assert incident.category == "ransomware" and incident.severity == "high" and incident.phase == Phase.reported
    assert incident.ransom_note and incident.citizen_services_down and incident.personal_data_affected
    assert not incident.data_exfiltrated and not incident.bsig_answer
    assert incident.answers["observed"] == "Dateien verschlüsselt"
    assert incident.answers["location"] == "Rathaus, Serverraum"
    assert incident.first_known_at == since  # local form time, stored as that instant
    [attachment] = db.scalars(select(IncidentAttachment).where(IncidentAttachment.incident_id == incident_id)).all()
    assert attachment.filename == "erpresserschreiben.txt"

    case = client.get(f"/incidents/{incident_id}")
    assert case.status_code == 200
    assert "Dateien verschlüsselt" in case.text and "erpresserschreiben.txt" in case.text
    assert "Vorfall gemeldet" in case.text  # the timeline's first entry
    assert f'href="/incidents/{incident_id}/report.pdf"' in case.text


@pytest.mark.parametrize(("overrides", "message"), [
    ({"answers.observed": ""}, "Bitte beantworten: „Wie haben Sie den Notfall bemerkt? Was haben Sie beobachtet?“"),
    ({"answers.systems": "  "}, "Bitte beantworten: „Welches IT-System ist betroffen?“"),
    ({"reporter_name": ""}, "Bitte beantworten: „Wer meldet? (Name, Erreichbarkeit)“"),
    ({"category": None}, "Bitte wählen: Was für ein Vorfall ist es?"),
    ({"category": "erdbeben"}, "Bitte wählen: Was für ein Vorfall ist es?"),
    ({"since": "gestern"}, "Seit wann: bitte Datum und Uhrzeit angeben"),
    ({"since": (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}, "liegt in der Zukunft"),
])
def test_missing_or_bad_answers_keep_the_form_and_write_nothing(client, db, personas, login, overrides,  # noqa: ANN001
                                                                message) -> None:
    login("gemeinde_a1_member")
    before = _counts(db)
    response = _post_report(client, **overrides)
    assert response.status_code in (400, 422)
    assert message in response.text.replace("&#34;", '"')
    assert 'role="alert"' in response.text
    assert "Rathaus, Serverraum" in response.text  # the answers given are kept
    assert _counts(db) == before


def test_a_file_over_the_limit_is_refused_with_nothing_written(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    before = _counts(db)
    response = _post_report(client, files=[("files", ("screenshot.png", b"x" * (MAX_BYTES + 1), "image/png"))])
    assert response.status_code == 413
    assert 'role="alert"' in response.text and "Frau Beispiel" in response.text
    assert _counts(db) == before


def test_the_hotline_reports_on_behalf_of_a_municipality(client, db, personas, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get("/incidents/new")
    assert 'name="on_behalf_of"' in page.text and "Gemeinde A1" in page.text
    response = _post_report(client, on_behalf_of=str(personas.orgs["gemeinde_a1"].id),
                            reporter_name="Bürgermeister Muster (Anruf)")
    assert response.status_code == 303, response.text
    incident = db.get(Incident, int(response.headers["location"].rsplit("/", 1)[1]))
    assert incident.owner_org_id == personas.orgs["gemeinde_a1"].id and incident.on_behalf
    assert incident.filed_by_org_id == personas.orgs["land_cert"].id

    login("gemeinde_a1_member")
    case = client.get(f"/incidents/{incident.id}")
    assert case.status_code == 200 and 'id="on-behalf"' in case.text and "Landes-CERT" in case.text


def test_a_gemeinde_cannot_report_for_another_organisation(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    before = _counts(db)
    response = _post_report(client, on_behalf_of=str(personas.orgs["gemeinde_b1"].id))
    assert response.status_code == 403 and "Nur die Hotline eines CERT" in response.text
    assert _counts(db) == before


def test_the_form_is_in_english_too(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/incidents/new?lang=en")
    assert "<h1>Report an incident</h1>" in page.text and "Is there a ransom demand (ransom note)?" in page.text


# ---------------------------------------------------------------- lists and start pages

def test_my_incidents_lists_open_ones_first_for_those_who_see_them(client, db, personas, login) -> None:  # noqa: ANN001
    closed = report(personas, title="Alter Phishing-Fall", category="phishing")
    closed.phase = Phase.closed
    incident = report(personas, title="Verschlüsselung im Rathaus")
    db.flush()
    for who in ("gemeinde_a1_member", "kreis_a_admin", "land_cert_analyst"):
        login(who)
        page = client.get("/incidents")
        assert page.status_code == 200
        assert page.text.index("Verschlüsselung im Rathaus") < page.text.index("Alter Phishing-Fall"), who
        home = client.get("/")
        assert f'href="/incidents/{incident.id}"' in home.text, who  # the Kreis sees its municipality's
        assert f'href="/incidents/{closed.id}"' not in home.text, who  # open ones only
    for who in ("gemeinde_b1_member", "kreis_b_admin", "provider_x"):
        login(who)
        assert "Verschlüsselung im Rathaus" not in client.get("/incidents").text, who
        assert "Verschlüsselung im Rathaus" not in client.get("/").text, who


def test_the_municipal_start_page_offers_the_report_and_the_cert_its_queue(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    home = client.get("/")
    assert 'href="/incidents/new"' in home.text and 'href="/incidents"' in home.text  # also in the navigation
    login("land_cert_analyst")
    assert 'href="/incidents/queue"' in client.get("/").text


def test_the_queue_is_for_the_certs_new_and_unassigned_first(client, db, personas, login) -> None:  # noqa: ANN001
    triaged = report(personas, title="Schon in Triage", severity="critical")
    triaged.phase = Phase.triage
    newest = report(personas, who="gemeinde_b1_member", title="Neu aus Kreis B", severity="low")
    db.flush()
    login("land_cert_analyst")
    page = client.get("/incidents/queue")
    assert page.status_code == 200
    assert page.text.index("Neu aus Kreis B") < page.text.index("Schon in Triage")
    assert "Gemeinde B1" in page.text and "Übernehmen" in page.text

    response = client.post(f"/incidents/{newest.id}/claim", data={"csrf_token": csrf_from(page.text),
                                                                  "back": "queue"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/incidents/queue"
    db.refresh(newest)
    assert newest.assignee_id == personas.users["land_cert_analyst"].id
    assert "land_cert_analyst" in client.get("/incidents/queue").text

    for who in ("gemeinde_a1_member", "kreis_a_admin"):
        login(who)
        assert client.get("/incidents/queue").status_code == 403, who


# ---------------------------------------------------------------- the case page per role

def _forms(html: str) -> set[str]:
    return {m.split("/")[-1] for m in re.findall(r'<form[^>]*action="(/incidents/\d+/[a-z]+)"', html)}


def test_each_role_sees_the_forms_it_may_use(client, db, personas, login, incident) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    cert = client.get(f"/incidents/{incident.id}")
    assert cert.status_code == 200
    assert _forms(cert.text) >= {"phase", "claim", "assign", "classification", "duplicate", "notes", "tasks",
                                 "observables", "evidence", "participants", "attachments"}
    assert 'value="triage"' in cert.text and 'value="containment"' not in cert.text  # allowed transitions only

    login("gemeinde_a1_member")
    owner = client.get(f"/incidents/{incident.id}")
    assert _forms(owner.text) == {"notes", "tasks", "observables", "evidence", "participants", "attachments"}

    login("kreis_a_admin")  # sees the incident, is kept informed, writes nothing
    kreis = client.get(f"/incidents/{incident.id}")
    assert kreis.status_code == 200 and "Fileserver" in kreis.text
    assert _forms(kreis.text) == set()


def test_the_cert_works_the_case_through_the_forms(client, db, personas, login, incident) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    i = incident.id
    assert _post(client, f"/incidents/{i}/claim", i).status_code == 303
    assert _post(client, f"/incidents/{i}/phase", i, phase="triage", note="Rückruf erfolgt").status_code == 303
    assert _post(client, f"/incidents/{i}/classification", i, severity="critical",
                 category="ransomware").status_code == 303
    assert _post(client, f"/incidents/{i}/notes", i, body="Backups offline vorhanden").status_code == 303
    assert _post(client, f"/incidents/{i}/tasks", i, title="Firewall-Logs sichern", due_at="").status_code == 303
    task = db.scalar(select(IncidentTask).where(IncidentTask.incident_id == i))
    assert _post(client, f"/incidents/{i}/tasks/{task.id}", i, done="ja").status_code == 303
    assert _post(client, f"/incidents/{i}/observables", i, type="ip", value="203.0.113[.]7",
                 description="C2", share="ja").status_code == 303
    assert _post(client, f"/incidents/{i}/observables", i, type="domain", value="evil.example").status_code == 303
    obs = db.scalar(select(IncidentObservable).where(IncidentObservable.value == "evil.example"))
    assert _post(client, f"/incidents/{i}/observables/{obs.id}/share", i, share="ja").status_code == 303
    assert _post(client, f"/incidents/{i}/evidence", i, description="Image Fileserver", location="Tresor CERT",
                 sha256="a" * 64, handed_from="IT Gemeinde", handed_to="CERT", handed_at="").status_code == 303
    assert _post(client, f"/incidents/{i}/participants", i, org_id=str(personas.orgs["provider_x"].id),
                 role="provider").status_code == 303
    upload = client.post(f"/incidents/{i}/attachments", data={"csrf_token": _csrf(client, i)},
                         files=[("files", ("log.txt", b"log", "text/plain"))], follow_redirects=False)
    assert upload.status_code == 303

    db.expire_all()
    assert incident.phase == Phase.triage and incident.severity == "critical"
    assert incident.assignee_id == personas.users["land_cert_analyst"].id
    assert task.done
    assert [o.share for o in db.scalars(select(IncidentObservable).where(IncidentObservable.incident_id == i)
                                        .order_by(IncidentObservable.id))] == [True, True]
    page = client.get(f"/incidents/{i}").text
    for text in ("Backups offline vorhanden", "Rückruf erfolgt", "gemeldet → Triage", "mittel → kritisch",
                 "203.0.113.7", "Tresor CERT", "Dienstleister X", "log.txt", "Firewall-Logs sichern"):
        assert text in page, text
    attachment = db.scalar(select(IncidentAttachment).where(IncidentAttachment.incident_id == i))
    download = client.get(f"/incidents/{i}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.content == b"log"
    assert download.headers["content-disposition"].startswith("attachment")

    participant = db.scalar(select(IncidentParticipant).where(IncidentParticipant.incident_id == i))
    assert _post(client, f"/incidents/{i}/participants/{participant.id}/delete", i).status_code == 303
    assert _post(client, f"/incidents/{i}/observables/{obs.id}/delete", i).status_code == 303
    db.expire_all()
    assert db.scalar(select(IncidentObservable.id).where(IncidentObservable.value == "evil.example")) is None
    assert db.scalar(select(IncidentParticipant.id).where(IncidentParticipant.incident_id == i)) is None


@pytest.mark.parametrize(("path", "data", "status", "message"), [
    ("phase", {"phase": "triage"}, 403, "Sie dürfen den Vorfall nicht von „gemeldet“ zu „Triage“ bewegen."),
    ("phase", {"phase": "kaputt"}, 422, "Bitte eine Phase wählen."),
    ("classification", {"severity": "critical", "category": "ransomware"}, 403,
     "Schweregrad und Kategorie setzt das CERT."),
    ("claim", {}, 403, "Nur ein CERT kann einen Vorfall übernehmen."),
    ("observables", {"type": "ip", "value": "999.1.1.1"}, 422, "999.1.1.1"),
    ("observables", {"type": "ip", "value": "203.0.113.9", "share": "ja"}, 403,
     "Nur das CERT gibt Beobachtungen zum Teilen frei."),
    ("observables", {"type": "hash", "value": "abc"}, 422, "kein MD5-, SHA-1- oder SHA-256-Hash"),
    ("evidence", {"description": "Platte", "location": "Schrank", "sha256": "xyz"}, 422,
     "Der SHA-256-Wert muss aus 64 Hexadezimalzeichen bestehen."),
    ("evidence", {"description": "", "location": "Schrank"}, 422, "Bitte angeben, was es ist und wo es liegt"),
    ("notes", {"body": "   "}, 422, "Bitte einen Text schreiben."),
    ("tasks", {"title": ""}, 422, "Bitte eine Aufgabe"),
    ("tasks", {"title": "Logs", "due_at": "morgen"}, 422, "Fällig: bitte Datum und Uhrzeit angeben"),
    ("participants", {"org_id": "x", "role": "support"}, 422, "Bitte eine Organisation wählen."),
    ("attachments", {}, 422, "Bitte eine Datei wählen."),
])
def test_a_refused_write_shows_a_german_message_and_writes_nothing(client, db, personas, login, incident, path,  # noqa: ANN001
                                                                   data, status, message) -> None:
    login("gemeinde_a1_member")
    before = _counts(db)
    response = _post(client, f"/incidents/{incident.id}/{path}", incident.id, **data)
    assert response.status_code == status, response.text[:500]
    assert message in response.text and 'role="alert"' in response.text
    assert _counts(db) == before
    db.refresh(incident)
    assert incident.phase == Phase.reported and incident.assignee_id is None


# ---------------------------------------------------------------- another Kreis, CSRF, login

def _write_paths(incident_id: int, part_id: int) -> list[str]:
    base = f"/incidents/{incident_id}"
    return [f"{base}/{p}" for p in ("phase", "classification", "claim", "assign", "duplicate", "notes", "tasks",
                                    "observables", "evidence", "participants", "attachments")] + [
        f"{base}/tasks/{part_id}", f"{base}/observables/{part_id}/share", f"{base}/observables/{part_id}/delete",
        f"{base}/participants/{part_id}/delete"]


@pytest.mark.parametrize("outsider", ["gemeinde_b1_member", "kreis_b_admin", "provider_x"])
def test_another_kreis_gets_404_on_the_case_and_every_form(client, db, personas, login, incident,  # noqa: ANN001
                                                           outsider) -> None:
    task = service.add_task(db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id,
                            task_in=TaskCreate(title="Logs sichern"))
    attachment = service.add_attachments(db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id,
                                         uploads=[Upload("a.txt", "text/plain", b"a")], max_bytes=MAX_BYTES)[0]
    login(outsider)
    before = _counts(db)
    assert client.get(f"/incidents/{incident.id}").status_code == 404
    assert client.get(f"/incidents/{incident.id}/attachments/{attachment.id}").status_code == 404
    token = csrf_from(client.get("/incidents").text)
    data = {"csrf_token": token, "phase": "triage", "severity": "low", "category": "other", "body": "x",
            "title": "x", "type": "ip", "value": "203.0.113.1", "description": "x", "location": "x",
            "org_id": str(personas.orgs["provider_x"].id),
            "role": "support", "duplicate_of_id": str(incident.id), "done": "ja", "share": "ja",
            "assignee_id": ""}
    for path in _write_paths(incident.id, task.id):
        response = client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 404, (path, response.status_code)
        assert "Logs sichern" not in response.text
    assert _counts(db) == before


def test_every_form_needs_the_csrf_token(client, db, personas, login, incident) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    before = _counts(db)
    assert client.post("/incidents", data=_form(), follow_redirects=False).status_code == 403
    for path in _write_paths(incident.id, 1):
        assert client.post(path, data={"phase": "triage", "body": "x"}, follow_redirects=False).status_code == 403
    assert _counts(db) == before


def test_anonymous_visitors_are_sent_to_login(client, incident) -> None:  # noqa: ANN001
    for path in ("/incidents", "/incidents/new", "/incidents/queue", f"/incidents/{incident.id}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path


def test_the_cert_assigns_and_merges_a_duplicate(client, db, personas, login, incident) -> None:  # noqa: ANN001
    second = report(personas, title="Noch einmal dasselbe")
    login("land_cert_admin")
    analyst = personas.users["land_cert_analyst"]
    page = client.get(f"/incidents/{incident.id}")
    assert f'<option value="{analyst.id}"' in page.text  # the CERTs' people to assign to
    assert 'value="duplicate"' not in page.text  # a duplicate is merged, not a phase button
    assigned = _post(client, f"/incidents/{incident.id}/assign", incident.id, assignee_id=str(analyst.id))
    assert assigned.status_code == 303
    assert _post(client, f"/incidents/{second.id}/duplicate", second.id,
                 duplicate_of_id=f"#{incident.id}").status_code == 303
    db.expire_all()
    assert incident.assignee_id == analyst.id
    assert second.phase == Phase.duplicate and second.duplicate_of_id == incident.id
    page = client.get(f"/incidents/{second.id}").text
    assert f'href="/incidents/{incident.id}"' in page and "Duplikat" in page
    refused = _post(client, f"/incidents/{incident.id}/duplicate", incident.id, duplicate_of_id="abc")
    assert refused.status_code == 422 and "Bitte die Nummer des ursprünglichen Vorfalls angeben." in refused.text


def test_the_queue_shows_the_deadline_state(client, db, personas, login) -> None:  # noqa: ANN001
    incident = report(personas, personal_data_affected=True,
                      first_known_at=utcnow() - timedelta(days=5))  # Art. 33 GDPR: 72 h, long past
    login("land_cert_analyst")
    page = client.get("/incidents/queue").text
    row = page[page.index(f'id="incident-{incident.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Fristen" in page and "überfällig" in row
