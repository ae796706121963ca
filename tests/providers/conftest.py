from __future__ import annotations

import pytest

from kommcert.accounts.models import Role, User
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgKind
from kommcert.providers import service as providers_service
from kommcert.providers.models import Skill
from kommcert.providers.schemas import PersonIn, ProviderIn
from tests.personas import Personas, password_hash


@pytest.fixture
def registry(db, personas: Personas) -> Personas:  # noqa: ANN001
    """Dienstleister X with a profile and two people, an MIRT org, and an admin of the provider."""
    personas.orgs["mirt"] = orgs_service.create_org(db, key="mirt", kind=OrgKind.mirt, name="MIRT Testland",
                                                    parent=personas.orgs["land"])
    admin = User(org=personas.orgs["provider_x"], email="provider_x_admin@example.test", name="provider_x_admin",
                 role=Role.admin, password_hash=password_hash())
    db.add(admin)
    personas.users["provider_x_admin"] = admin
    db.flush()
    providers_service.update_provider(db, actor=personas.actor("land_cert_admin"),
                                      org_id=personas.orgs["provider_x"].id, data=ProviderIn(
        qualifications=["BSI-qualifizierter APT-Response-Dienstleister", "Vorfallsbearbeitung"],
        skills=[Skill.incident_lead, Skill.host_forensics], region_ids=[personas.orgs["kreis_a"].id],
        on_call_phone="0800 111222",
        people=[PersonIn(name="Frieda Forensik", email="frieda@x.example", phone="0171 5550001",
                         skills=[Skill.host_forensics], user_id=personas.users["provider_x"].id),
                PersonIn(name="Leo Leitung", phone="0171 5550002", skills=[Skill.incident_lead])]))
    return personas
