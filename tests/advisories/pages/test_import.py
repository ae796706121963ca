"""Uploading CSAF documents on the page: a result per file (new, updated, unchanged, older,
quarantined with its reasons), audiences for AMBER/RED, and bad uploads that import nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.advisories.models import Advisory, QuarantinedDocument
from kommcert.audit import events
from kommcert.audit.models import AuditEntry
from kommcert.sharing import policy
from tests.advisories.ingest.docs import advisory, raw
from tests.personas import Personas


def _files(*docs: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, content, "application/json")) for name, content in docs]


def _broken() -> bytes:
    doc = advisory("EX-BROKEN")
    del doc["document"]["title"]
    return raw(doc)


def test_it_answers_per_file_and_shows_quarantine_reasons(client: TestClient, analyst: str, db: Session,
                                                          personas: Personas) -> None:
    response = client.post("/advisories/import", data={"csrf_token": analyst, "orgs": "kreis_b"}, files=_files(
        ("neu.json", raw(advisory("EX-NEU"))), ("amber.json", raw(advisory("EX-AMB", tlp="AMBER"))),
        ("kaputt.json", b"<html>"), ("schema.json", _broken())))
    assert response.status_code == 200, response.text
    page = response.text
    assert page.count('class="import-new"') == 2 and page.count('class="import-quarantined"') == 2
    assert "Kein gültiges JSON" in page and "title" in page
    amber = db.scalar(select(Advisory).where(Advisory.tracking_id == "EX-AMB"))
    assert policy.can(db, personas.actor("gemeinde_b1_member"), policy.VIEW, amber)
    assert not policy.can(db, personas.actor("gemeinde_a1_member"), policy.VIEW, amber)
    assert len(db.scalars(select(QuarantinedDocument.id)).all()) == 2
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == events.CSAF_IMPORTED))
    assert entry is not None and entry.detail["counts"] == {"new": 2, "quarantined": 2}


def test_revisions_are_updated_unchanged_or_older(client: TestClient, analyst: str) -> None:
    first = raw(advisory("EX-REV", version="2"))
    client.post("/advisories/import", data={"csrf_token": analyst}, files=_files(("v2.json", first)))
    page = client.post("/advisories/import", data={"csrf_token": analyst}, files=_files(
        ("v2.json", first), ("v1.json", raw(advisory("EX-REV", version="1", days_ago=5))),
        ("v3.json", raw(advisory("EX-REV", version="3", days_ago=1))))).text
    for status, word in (("unchanged", "unverändert"), ("older", "älter"), ("updated", "aktualisiert")):
        assert f'class="import-{status}"' in page and word in page


def test_an_unknown_audience_imports_nothing(client: TestClient, analyst: str, db: Session) -> None:
    response = client.post("/advisories/import", data={"csrf_token": analyst, "orgs": "gibt_es_nicht"},
                           files=_files(("neu.json", raw(advisory()))))
    assert response.status_code == 422 and "Unbekannte Organisation" in response.text
    assert 'value="gibt_es_nicht"' in response.text
    assert db.scalar(select(Advisory.id)) is None


def test_an_oversize_file_imports_nothing(client: TestClient, analyst: str, db: Session, settings) -> None:  # noqa: ANN001
    big = b" " * (settings.max_attachment_bytes + 1)
    response = client.post("/advisories/import", data={"csrf_token": analyst},
                           files=_files(("ok.json", raw(advisory())), ("big.json", big)))
    assert response.status_code == 413 and "big.json: größer als" in response.text
    assert db.scalar(select(Advisory.id)) is None and db.scalar(select(QuarantinedDocument.id)) is None


def test_a_body_over_the_upload_limit_is_refused(client: TestClient, analyst: str, settings) -> None:  # noqa: ANN001
    huge = b" " * (settings.max_attachment_bytes + 2**20 + 1)
    response = client.post("/advisories/import", data={"csrf_token": analyst}, files=_files(("huge.json", huge)))
    assert response.status_code == 413


def test_no_file_is_a_clear_message(client: TestClient, analyst: str) -> None:
    response = client.post("/advisories/import", data={"csrf_token": analyst},
                           files=[("files", ("", b"", "application/octet-stream"))])
    assert response.status_code == 422 and "Keine Datei ausgewählt." in response.text


def test_english_via_lang(client: TestClient, analyst: str) -> None:
    page = client.get("/advisories/import?lang=en").text
    assert "<h1>Read in CSAF documents</h1>" in page and "Sources" in page and "Einlesen</button>" not in page
