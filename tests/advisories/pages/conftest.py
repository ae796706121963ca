"""Helpers for the pages of sources, quarantine and upload: a logged-in CERT analyst with the CSRF
token of her session, a stored source and quarantine entries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kommcert.advisories.models import CsafSource, QuarantinedDocument
from tests.personas import Personas, csrf_from


@pytest.fixture
def analyst(client: TestClient, login: Callable[[str], TestClient]) -> str:
    """Log in as the Landes-CERT's analyst; the CSRF token of the session."""
    login("land_cert_analyst")
    return csrf_from(client.get("/advisories/import").text)


@pytest.fixture
def source(db: Session, personas: Personas) -> CsafSource:
    found = CsafSource(name="Beispiel PSIRT", url="https://psirt.example.de/.well-known/csaf/provider-metadata.json",
                       kind="provider", owner_org_id=personas.orgs["land_cert"].id, require_signature=True,
                       default_audience=[{"org_id": personas.orgs["kreis_a"].id, "subtree": True}])
    db.add(found)
    db.flush()
    return found


@pytest.fixture
def quarantined(db: Session, source: CsafSource) -> QuarantinedDocument:
    row = QuarantinedDocument(source_id=source.id, url="https://psirt.example.de/2026/ex-2026-0009.json",
                              sha256="0" * 64, size=24, publisher_namespace="https://psirt.example.de",
                              tracking_id="EX-2026-0009", reasons=["Prüfsumme stimmt nicht (SHA-256)"],
                              content=b'{"document": "<script>"}')
    db.add(row)
    db.flush()
    return row
