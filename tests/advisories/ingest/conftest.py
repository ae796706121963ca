"""A CSAF source of the Landes-CERT, and helpers for reading what the ingest stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.advisories.models import Advisory, CsafSource
from tests.personas import Personas


@pytest.fixture
def source(db: Session, personas: Personas) -> CsafSource:
    found = CsafSource(name="Beispiel PSIRT", url="http://127.0.0.1:1/.well-known/csaf/provider-metadata.json",
                       kind="provider", owner_org_id=personas.orgs["land_cert"].id, require_signature=False,
                       default_audience=[{"org_id": personas.orgs["kreis_a"].id, "subtree": True}])
    db.add(found)
    db.flush()
    return found


def advisory_named(db: Session, tracking_id: str) -> Advisory:
    found = db.scalar(select(Advisory).where(Advisory.tracking_id == tracking_id))
    assert found is not None
    return found
