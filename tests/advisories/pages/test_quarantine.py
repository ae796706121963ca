"""The quarantine page: entries with source or uploader and their reasons, the filter by source,
dismissing an entry, and the kept bytes as a sandboxed download."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.advisories.models import CsafSource, QuarantinedDocument
from kommcert.audit import events
from kommcert.audit.models import AuditEntry
from tests.personas import Personas


def _upload_row(db: Session, personas: Personas) -> QuarantinedDocument:
    row = QuarantinedDocument(url="kaputt.json", size=6, reasons=["Kein gültiges JSON (Zeile 1)"],
                              uploaded_by_id=personas.users["land_cert_admin"].id, content=b"<html>")
    db.add(row)
    db.flush()
    return row


def test_it_lists_entries_with_reasons_and_filters_by_source(client: TestClient, analyst: str, db: Session,
                                                              personas: Personas, source: CsafSource,
                                                              quarantined: QuarantinedDocument) -> None:
    upload = _upload_row(db, personas)
    page = client.get("/advisories/quarantine").text
    assert f'id="quarantine-{quarantined.id}"' in page and f'id="quarantine-{upload.id}"' in page
    assert "<li>Prüfsumme stimmt nicht (SHA-256)</li>" in page and "EX-2026-0009" in page
    assert personas.users["land_cert_admin"].email in page  # the uploader instead of a source
    only = client.get(f"/advisories/quarantine?source={source.id}").text
    assert f'id="quarantine-{quarantined.id}"' in only and f'id="quarantine-{upload.id}"' not in only


def test_dismiss_hides_the_entry_and_is_audited(client: TestClient, analyst: str, db: Session, source: CsafSource,
                                                quarantined: QuarantinedDocument) -> None:
    response = client.post(f"/advisories/quarantine/{quarantined.id}/dismiss", follow_redirects=False,
                           data={"csrf_token": analyst, "next": f"/advisories/quarantine?source={source.id}"})
    assert response.status_code == 303 and response.headers["location"] == f"/advisories/quarantine?source={source.id}"
    db.expire_all()
    assert db.get(QuarantinedDocument, quarantined.id).dismissed_at is not None
    assert f'id="quarantine-{quarantined.id}"' not in client.get("/advisories/quarantine").text
    shown = client.get("/advisories/quarantine?dismissed=1").text
    assert f'id="quarantine-{quarantined.id}"' in shown and "verworfen" in shown
    assert db.scalar(select(AuditEntry.object_id).where(
        AuditEntry.action == events.CSAF_QUARANTINE_DISMISSED)) == str(quarantined.id)


def test_dismiss_goes_back_only_to_own_pages(client: TestClient, analyst: str,
                                             quarantined: QuarantinedDocument) -> None:
    response = client.post(f"/advisories/quarantine/{quarantined.id}/dismiss", follow_redirects=False,
                           data={"csrf_token": analyst, "next": "https://evil.example/"})
    assert response.headers["location"] == "/advisories/quarantine"


def test_the_kept_bytes_download_sandboxed(client: TestClient, analyst: str,
                                           quarantined: QuarantinedDocument) -> None:
    response = client.get(f"/advisories/quarantine/{quarantined.id}/download")
    assert response.status_code == 200 and response.content == b'{"document": "<script>"}'
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith(
        f'attachment; filename="quarantaene-{quarantined.id}-ex-2026-0009.json"')
    assert "sandbox" in response.headers["content-security-policy"]


def test_an_entry_without_kept_bytes_answers_404(client: TestClient, analyst: str, db: Session,
                                                 quarantined: QuarantinedDocument) -> None:
    quarantined.content = None
    db.flush()
    response = client.get(f"/advisories/quarantine/{quarantined.id}/download")
    assert response.status_code == 404 and "nicht aufbewahrt" in response.text


def test_english_via_lang(client: TestClient, analyst: str, quarantined: QuarantinedDocument) -> None:
    page = client.get("/advisories/quarantine?lang=en").text
    assert "<h1>Quarantine</h1>" in page and "Dismiss" in page and "Verwerfen" not in page
