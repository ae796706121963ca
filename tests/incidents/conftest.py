"""Incidents: a ransomware report of Gemeinde A1 (Kreis A) to work on; Gemeinde B1 is in Kreis B."""

from __future__ import annotations

import pytest

from kommcert.incidents import service
from kommcert.incidents.models import Category, Incident
from kommcert.incidents.schemas import IncidentCreate
from tests.personas import Personas

MAX_BYTES = 1024 * 1024


def report_in(**overrides: object) -> IncidentCreate:
    data: dict[str, object] = {
        "category": Category.ransomware, "reporter_name": "Frau Beispiel, Hauptamt",
        "callback_phone": "+49 6131 000000",
        "answers": {"systems": "Fileserver, alle Arbeitsplätze",
                    "observed": "Dateien verschlüsselt, Erpresserschreiben"},
        "ransom_note": True,
    }
    data.update(overrides)
    return IncidentCreate.model_validate(data)


def report(personas: Personas, who: str = "gemeinde_a1_member", **overrides: object) -> Incident:
    return service.report_incident(personas.db, actor=personas.actor(who), incident_in=report_in(**overrides),
                                   max_bytes=MAX_BYTES)


@pytest.fixture
def incident(personas: Personas) -> Incident:
    return report(personas)
