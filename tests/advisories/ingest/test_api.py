"""The API of sources, quarantine and imports: CERT analysts and administrators only."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import TokenScope
from kommcert.advisories.models import Advisory, CsafSource, QuarantinedDocument
from kommcert.sharing import policy
from tests.advisories.ingest.docs import advisory, data_file, raw
from tests.advisories.ingest.provider import serve
from tests.personas import Personas

NEW_SOURCE = {"name": "Beispiel PSIRT", "url": "https://psirt.example.de/.well-known/csaf/provider-metadata.json"}


def _files(*docs: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, content, "application/json")) for name, content in docs]


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/csaf-sources"), ("post", "/api/v1/csaf-sources"), ("get", "/api/v1/csaf-sources/1"),
    ("patch", "/api/v1/csaf-sources/1"), ("post", "/api/v1/csaf-sources/1/pull"), ("get", "/api/v1/csaf-quarantine"),
    ("post", "/api/v1/csaf-quarantine/1/dismiss"), ("post", "/api/v1/advisories/import")])
def test_it_requires_a_login(client: TestClient, method: str, path: str) -> None:
    # unsafe methods without a session are stopped by the CSRF check first (403), reads answer 401
    assert getattr(client, method)(path).status_code == (401 if method == "get" else 403)


@pytest.mark.parametrize("name", ["kreis_a_admin", "gemeinde_a1_admin", "provider_x"])
def test_other_organisations_neither_see_nor_change_sources(client: TestClient, personas: Personas, name: str) -> None:
    headers = personas.auth(name)
    assert client.get("/api/v1/csaf-sources", headers=headers).status_code == 403
    assert client.get("/api/v1/csaf-quarantine", headers=headers).status_code == 403
    assert client.post("/api/v1/csaf-sources", json=NEW_SOURCE, headers=headers).status_code == 403
    response = client.post("/api/v1/advisories/import", files=_files(("a.json", raw(advisory()))), headers=headers)
    assert response.status_code == 403


def test_a_read_only_token_reads_but_does_not_write(client: TestClient, personas: Personas) -> None:
    headers = personas.auth("land_cert_analyst", TokenScope.read)
    assert client.get("/api/v1/csaf-sources", headers=headers).status_code == 200
    assert client.post("/api/v1/csaf-sources", json=NEW_SOURCE, headers=headers).status_code == 403
    response = client.post("/api/v1/advisories/import", files=_files(("a.json", raw(advisory()))), headers=headers)
    assert response.status_code == 403


def test_an_analyst_creates_edits_and_lists_a_source(client: TestClient, personas: Personas) -> None:
    headers = personas.auth("land_cert_analyst")
    kreis_a = personas.orgs["kreis_a"].id
    created = client.post("/api/v1/csaf-sources", headers=headers, json={
        **NEW_SOURCE, "default_audience": [{"org_id": kreis_a}], "interval_minutes": 30})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["owner_org_id"], body["default_audience"], body["quarantined"]) == (
        personas.orgs["land_cert"].id, [{"org_id": kreis_a, "subtree": True}], 0)
    changed = client.patch(f"/api/v1/csaf-sources/{body['id']}", headers=headers, json={"enabled": False})
    assert changed.json()["enabled"] is False
    assert [s["name"] for s in client.get("/api/v1/csaf-sources", headers=headers).json()] == ["Beispiel PSIRT"]


@pytest.mark.parametrize("bad", [{"url": "file:///etc/passwd"}, {"kind": "domain", "url": "not a domain"},
                                 {"key_fingerprints": ["xyz"]}, {"public_keys": "garbage"},
                                 {"default_audience": [{"org_id": 999999}]}, {"interval_minutes": 1}])
def test_bad_source_values_are_refused(client: TestClient, personas: Personas, bad: dict) -> None:
    response = client.post("/api/v1/csaf-sources", headers=personas.auth("land_cert_admin"), json={**NEW_SOURCE, **bad})
    assert response.status_code == 422


def test_an_upload_answers_per_file_and_quarantines_the_invalid(client: TestClient, personas: Personas,
                                                                db: Session) -> None:
    headers = personas.auth("land_cert_analyst")
    response = client.post("/api/v1/advisories/import", headers=headers, data={"orgs": "kreis_b"}, files=_files(
        ("de.json", data_file("beispiel-de.json")), ("amber.json", raw(advisory("EX-AMB", tlp="AMBER"))),
        ("kaputt.json", b"<html>")))
    assert response.status_code == 200, response.text
    assert [(r["name"], r["status"]) for r in response.json()] == [
        ("de.json", "new"), ("amber.json", "new"), ("kaputt.json", "quarantined")]
    amber = db.scalar(select(Advisory).where(Advisory.tracking_id == "EX-AMB"))
    assert policy.can(db, personas.actor("gemeinde_b1_member"), policy.VIEW, amber)
    assert not policy.can(db, personas.actor("gemeinde_a1_member"), policy.VIEW, amber)
    quarantined = client.get("/api/v1/csaf-quarantine", headers=headers).json()
    assert [(q["name"], q["reasons"][0][:16]) for q in quarantined] == [("kaputt.json", "Kein gültiges JS")]
    dismissed = client.post(f"/api/v1/csaf-quarantine/{quarantined[0]['id']}/dismiss", headers=headers)
    assert dismissed.json()["dismissed_at"] is not None
    assert client.get("/api/v1/csaf-quarantine", headers=headers).json() == []


def test_an_upload_larger_than_the_cap_imports_nothing(client: TestClient, personas: Personas, db: Session,
                                                       settings) -> None:  # noqa: ANN001
    big = b" " * (settings.max_attachment_bytes + 1)
    response = client.post("/api/v1/advisories/import", headers=personas.auth("land_cert_analyst"),
                           files=_files(("ok.json", raw(advisory())), ("big.json", big)))
    assert response.status_code == 413
    assert db.scalar(select(Advisory.id)) is None and db.scalar(select(QuarantinedDocument.id)) is None


def test_pull_now_through_the_api(client: TestClient, personas: Personas, db: Session, settings, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(settings, "outbound_hosts", "127.0.0.1")
    with serve(tmp_path / "www") as provider:
        provider.write_metadata()
        provider.publish(advisory("API-1"))
        headers = personas.auth("land_cert_admin")
        created = client.post("/api/v1/csaf-sources", headers=headers, json={
            "name": "Loopback", "url": provider.metadata_url}).json()
        pulled = client.post(f"/api/v1/csaf-sources/{created['id']}/pull", headers=headers)
        assert pulled.json() == {"source_id": created["id"], "counts": {"new": 1}, "errors": []}
        health = client.get(f"/api/v1/csaf-sources/{created['id']}", headers=headers).json()
        assert health["last_error"] == "" and health["last_counts"] == {"new": 1}
        assert health["key_fingerprints"] == [provider.fingerprint()]
    assert db.get(CsafSource, created["id"]).public_keys
