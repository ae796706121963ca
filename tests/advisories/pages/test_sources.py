"""The sources page: the table with the health columns, adding a source (with the hint when its host
is not allowed), details, edit, enable/disable and "Jetzt abrufen" against a loopback provider."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.advisories.models import CsafSource
from kommcert.audit import events
from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from tests.advisories.ingest.docs import advisory
from tests.advisories.ingest.provider import serve
from tests.personas import Personas

FORM = {"name": "CERT-Bund", "kind": "provider", "url": "https://wid.cert-bund.de/.well-known/csaf/provider-metadata.json",
        "interval_minutes": "30", "require_signature": "1", "key_fingerprints": "", "public_keys": "",
        "audience_orgs": "kreis_a", "audience_orgs_strict": "", "audience_users": ""}


def _actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_table_shows_health_and_marks_a_failed_pull_red(client: TestClient, analyst: str, db: Session,
                                                            source: CsafSource) -> None:
    source.last_pull_at = utcnow()
    source.last_counts = {"new": 3, "quarantined": 1}
    source.last_error = "https://psirt.example.de/index.txt: HTML statt JSON\nzweite Zeile"
    db.flush()
    page = client.get("/advisories/sources").text
    assert "Beispiel PSIRT" in page and "neu: 3, Quarantäne: 1" in page
    assert '<span class="error" title="https://psirt.example.de/index.txt: HTML statt JSON' in page
    assert "zweite Zeile</span>" not in page  # one line in the table, all of it on the detail page
    assert 'href="/advisories/quarantine"' in page and 'href="/advisories/drafts"' in page


def test_adding_a_source_with_a_disallowed_host_shows_the_hint(client: TestClient, analyst: str, db: Session,
                                                               personas: Personas) -> None:
    response = client.post("/advisories/sources", data={**FORM, "csrf_token": analyst}, follow_redirects=False)
    assert response.status_code == 303
    created = db.scalar(select(CsafSource).where(CsafSource.name == "CERT-Bund"))
    assert created is not None and response.headers["location"] == f"/advisories/sources/{created.id}"
    assert (created.interval_minutes, created.require_signature, created.owner_org_id) == (
        30, True, personas.orgs["land_cert"].id)
    assert created.default_audience == [{"org_id": personas.orgs["kreis_a"].id, "subtree": True}]
    page = client.get(response.headers["location"]).text
    assert 'id="host-hint"' in page and "KOMMCERT_OUTBOUND_HOSTS" in page
    assert "Host nicht in KOMMCERT_OUTBOUND_HOSTS" in client.get("/advisories/sources").text
    assert events.CSAF_SOURCE_CREATED in _actions(db)


def test_an_allowed_host_shows_no_hint(client: TestClient, analyst: str, settings, source: CsafSource,  # noqa: ANN001
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "outbound_hosts", "psirt.example.de")
    assert 'id="host-hint"' not in client.get(f"/advisories/sources/{source.id}").text


@pytest.mark.parametrize(("change", "message"), [
    ({"url": "file:///etc/passwd"}, "Adresse muss mit https://"), ({"interval_minutes": "5"}, "Abrufintervall"),
    ({"interval_minutes": "viel"}, "ganze Zahl"), ({"audience_orgs": "gibt_es_nicht"}, "Unbekannte Organisation"),
    ({"key_fingerprints": "xyz"}, "Fingerabdruck"), ({"public_keys": "kein Schlüssel"}, ""),
    ({"kind": "ftp"}, "Bitte Name, Art")])
def test_bad_values_show_the_form_again_and_store_nothing(client: TestClient, analyst: str, db: Session,
                                                          change: dict, message: str) -> None:
    response = client.post("/advisories/sources", data={**FORM, **change, "csrf_token": analyst})
    assert response.status_code == 422
    assert '<p class="error" role="alert">' in response.text and message in response.text
    assert 'value="CERT-Bund"' in response.text  # what was typed is kept
    assert db.scalar(select(CsafSource.id)) is None


def test_editing_keeps_the_cursor_when_the_address_is_unchanged(client: TestClient, analyst: str, db: Session,
                                                                source: CsafSource, personas: Personas) -> None:
    cursor = {"changes": (utcnow() - timedelta(days=3)).isoformat().replace("+00:00", "Z")}
    source.cursor = dict(cursor)
    db.flush()
    form = client.get(f"/advisories/sources/{source.id}").text
    assert "kreis_a</textarea>" in form  # the audience by organisation key
    response = client.post(f"/advisories/sources/{source.id}", follow_redirects=False, data={
        "csrf_token": analyst, "name": "Beispiel PSIRT (neu)", "kind": "provider", "url": source.url,
        "interval_minutes": "120", "require_signature": "1", "key_fingerprints": "", "public_keys": "",
        "audience_orgs": "kreis_a", "audience_orgs_strict": "gemeinde_b1", "audience_users": "", "enabled": "1"})
    assert response.status_code == 303
    db.expire_all()
    changed = db.get(CsafSource, source.id)
    assert (changed.name, changed.interval_minutes, changed.cursor) == (
        "Beispiel PSIRT (neu)", 120, cursor)
    assert changed.default_audience[-1] == {"org_id": personas.orgs["gemeinde_b1"].id, "subtree": False}
    assert "gemeinde_b1</textarea>" in client.get(f"/advisories/sources/{source.id}").text
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == events.CSAF_SOURCE_CHANGED))
    assert entry is not None and "url" not in entry.detail["fields"] and "name" in entry.detail["fields"]


def test_disable_and_enable(client: TestClient, analyst: str, db: Session, source: CsafSource) -> None:
    client.post(f"/advisories/sources/{source.id}/enabled", data={"csrf_token": analyst, "enabled": "0"})
    db.expire_all()
    assert db.get(CsafSource, source.id).enabled is False
    assert ">Aktivieren</button>" in client.get(f"/advisories/sources/{source.id}").text
    client.post(f"/advisories/sources/{source.id}/enabled", data={"csrf_token": analyst, "enabled": "1"})
    db.expire_all()
    assert db.get(CsafSource, source.id).enabled is True


def test_pull_now_shows_counts_and_errors(client: TestClient, analyst: str, db: Session, settings,  # noqa: ANN001
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          personas: Personas) -> None:
    monkeypatch.setattr(settings, "outbound_hosts", "127.0.0.1")
    with serve(tmp_path / "www") as provider:
        provider.write_metadata()
        provider.publish(advisory("PAGE-1"))
        path = provider.publish(advisory("PAGE-2"))
        provider.tamper(path)
        created = CsafSource(name="Loopback", url=provider.metadata_url, kind="provider",
                             owner_org_id=personas.orgs["land_cert"].id)
        db.add(created)
        db.flush()
        page = client.post(f"/advisories/sources/{created.id}/pull", data={"csrf_token": analyst})
        assert page.status_code == 200
        assert 'id="pull-result"' in page.text and "neu: 1, Quarantäne: 1" in page.text
        assert "Prüfsumme stimmt nicht" in page.text  # the source's recent quarantine
        provider.html.add("changes.csv")
        provider.html.add("index.txt")
        again = client.post(f"/advisories/sources/{created.id}/pull", data={"csrf_token": analyst}).text
        assert '<ul class="error">' in again
    db.expire_all()
    assert db.get(CsafSource, created.id).last_error  # the failed second pull, shown red in the table
    assert events.CSAF_SOURCE_PULLED in _actions(db)


def test_english_via_lang(client: TestClient, analyst: str, source: CsafSource) -> None:
    page = client.get("/advisories/sources?lang=en").text
    assert "<h1>CSAF sources</h1>" in page and "Add a source" in page and "Quelle hinzufügen" not in page
    assert "Pull now" in client.get(f"/advisories/sources/{source.id}?lang=en").text
