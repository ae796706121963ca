"""The final report of an incident as PDF: the case with its timeline, deadlines, tasks, observables and
evidence, in the reader's language, TLP on every page; 404 for whoever may not see the incident."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from kommcert.incidents import deadline_service, final_report, service
from kommcert.incidents.models import Incident, Phase, Severity
from kommcert.incidents.schemas import EvidenceCreate, ObservableCreate, TaskCreate
from tests.incidents.conftest import report

NOTE = "Backups vom Freitag sind sauber, Wiederherstellung beginnt."


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def worked(personas) -> Incident:  # noqa: ANN001
    """Gemeinde A1's ransomware case after a day of work by the Landes-CERT."""
    db, cert = personas.db, personas.actor("land_cert_analyst")
    incident = report(personas, bsig_answer=True, personal_data_affected=True,
                      first_known_at=utcnow() - timedelta(hours=6))
    service.change_phase(db, actor=cert, incident_id=incident.id, phase=Phase.triage)
    service.classify(db, actor=cert, incident_id=incident.id, severity=Severity.high)
    service.claim(db, actor=cert, incident_id=incident.id)
    service.add_note(db, actor=cert, incident_id=incident.id, body=NOTE)
    service.add_task(db, actor=cert, incident_id=incident.id, task_in=TaskCreate(title="Firewall-Logs sichern"))
    service.add_observable(db, actor=cert, incident_id=incident.id,
                           observable_in=ObservableCreate(type="ip", value="203.0.113.66"))
    service.add_evidence(db, actor=cert, incident_id=incident.id,
                         evidence_in=EvidenceCreate(description="Image Fileserver", location="Tresor Landes-CERT",
                                                    handed_from="Herr Admin", handed_to="Frau Forensik"))
    deadline_service.set_done(db, actor=cert, incident_id=incident.id, key="bsig_early_warning")
    return incident


def test_the_pdf_holds_the_case_and_its_timeline(personas, settings, worked) -> None:  # noqa: ANN001
    made = final_report.pdf(personas.db, actor=personas.actor("kreis_a_admin"), incident_id=worked.id,
                            settings=settings)
    assert made.data.startswith(b"%PDF") and made.filename.startswith(f"vorfall-{worked.id}-")
    logged = personas.db.scalars(select(AuditEntry).where(AuditEntry.action == "exported",
                                                          AuditEntry.object_type == "incident")).all()
    assert [(e.object_id, e.actor_user_id, e.detail) for e in logged] == [
        (str(worked.id), personas.users["kreis_a_admin"].id, {"format": "pdf"})]
    text = _flat(_text(made.data))
    assert f"Abschlussbericht zum Vorfall {worked.id}" in text and "TLP:AMBER+STRICT" in text
    for entry in ("Vorfall gemeldet", "Phase geändert: gemeldet → Triage", "Schweregrad geändert: mittel → hoch",
                  "Bearbeitung zugewiesen: land_cert_analyst", "Frist erledigt: Frühe Erstmeldung an das BSI",
                  NOTE):
        assert entry in text, entry
    for part in ("Firewall-Logs sichern", "203.0.113.66", "Tresor Landes-CERT", "Herr Admin → Frau Forensik",
                 "Meldung mit erster Bewertung an das BSI", "Art. 33 DSGVO", "erledigt", "Gemeinde A1",
                 "Dateien verschlüsselt, Erpresserschreiben", "Seite 1 von"):
        assert part in text, part


def test_the_pdf_is_in_english_for_an_english_reader(personas, settings, worked) -> None:  # noqa: ANN001
    made = final_report.pdf(personas.db, actor=personas.actor("land_cert_admin"), incident_id=worked.id,
                            settings=settings, lang="en")
    text = _flat(_text(made.data))
    assert f"Final report on incident {worked.id}" in text and "Early warning to the BSI" in text
    assert "Page 1 of" in text and made.filename.startswith("incident-")


def test_the_web_and_api_routes_give_the_pdf_to_readers_and_404_to_another_kreis(client, login, personas,
                                                                                  worked) -> None:  # noqa: ANN001
    api = client.get(f"/api/v1/incidents/{worked.id}/report.pdf", headers=personas.auth("kreis_a_admin"))
    assert api.status_code == 200 and api.headers["content-type"] == "application/pdf"
    assert "attachment" in api.headers["content-disposition"]
    assert "Verlauf" in _text(api.content)
    english = client.get(f"/api/v1/incidents/{worked.id}/report.pdf?lang=en", headers=personas.auth("kreis_a_admin"))
    assert "Timeline" in _text(english.content)
    assert client.get(f"/api/v1/incidents/{worked.id}/report.pdf",
                      headers=personas.auth("gemeinde_b1_member")).status_code == 404
    assert client.get(f"/api/v1/incidents/{worked.id}/report.pdf").status_code == 401
    login("gemeinde_b1_member")
    assert client.get(f"/incidents/{worked.id}/report.pdf").status_code == 404
    login("gemeinde_a1_member")
    page = client.get(f"/incidents/{worked.id}/report.pdf")
    assert page.status_code == 200 and NOTE in _flat(_text(page.content))
