"""A deployment of Dienstleister X for Gemeinde A1's ransomware incident, paid from Kreis A's contingent.

Built directly (help request in state ``deployed`` with a reservation, the provider a participant of the
incident, the deployment row) so these tests do not depend on the help request workflow.
Dienstleister Y also takes part in the incident (so it sees the incident) but not in the deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from kommcert.accounts.models import Role, User
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import ContingentUnit
from kommcert.contracts.schemas import ContractIn, RateIn
from kommcert.db import utcnow
from kommcert.deployments import service
from kommcert.deployments.models import Deployment
from kommcert.deployments.schemas import MemberIn
from kommcert.helprequests.models import HelpMode, HelpRequest, HelpState, Urgency
from kommcert.incidents import service as incident_service
from kommcert.incidents.models import Incident, ParticipantRole
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgKind
from kommcert.providers.models import ProviderPerson, ProviderProfile
from tests.incidents.conftest import report
from tests.personas import Personas, password_hash

LEAD, FORENSIC = "Incident Lead", "Forensiker"
RESERVED = Decimal("5000.00")


@dataclass
class World:
    personas: Personas
    incident: Incident
    help_request: HelpRequest
    deployment: Deployment
    contingent_id: int

    @property
    def db(self):  # noqa: ANN201
        return self.personas.db

    def actor(self, name: str):  # noqa: ANN201
        return self.personas.actor(name)


def add_user(personas: Personas, name: str, org_key: str, role: Role = Role.member) -> None:
    user = User(org=personas.orgs[org_key], email=f"{name}@example.test", name=name, role=role,
                password_hash=password_hash())
    personas.db.add(user)
    personas.users[name] = user
    personas.db.flush()


def make_world(personas: Personas, *, unit: ContingentUnit = ContingentUnit.euros, amount: str = "50000",
               contract: bool = True) -> World:
    db = personas.db
    today = service.today()
    cert, keeper = personas.actor("land_cert_analyst"), personas.actor("land_cert_admin")
    for key, kind, name in (("provider_y", OrgKind.dienstleister, "Dienstleister Y"),
                            ("mirt", OrgKind.mirt, "MIRT")):
        if key not in personas.orgs:
            personas.orgs[key] = orgs_service.create_org(db, key=key, kind=kind, name=name,
                                                         parent=personas.orgs["land"])
    if "provider_y_member" not in personas.users:
        add_user(personas, "provider_y_member", "provider_y")
        add_user(personas, "mirt_member", "mirt")
        add_user(personas, "provider_x_reader", "provider_x", Role.reader)
        db.add(ProviderProfile(org_id=personas.orgs["provider_x"].id, qualifications=["Vorfallsbearbeitung"]))
        db.add(ProviderPerson(provider_org_id=personas.orgs["provider_x"].id, name="Erika Forensik"))
        db.flush()
    contract_id = None
    if contract:
        contract_id = contracts_service.create_contract(db, actor=keeper, contract_in=ContractIn(
            title="Rahmenvertrag IR", provider_org_key="provider_x", valid_from=today - timedelta(days=60),
            valid_until=today + timedelta(days=365), rates=[
                RateIn(role=LEAD, hourly_rate=Decimal("150.00"), daily_flat_rate=Decimal("1100.00"),
                       travel_flat_rate=Decimal("85.50")),
                RateIn(role=FORENSIC, hourly_rate=Decimal("133.33"), daily_flat_rate=Decimal("1000.00"),
                       travel_flat_rate=Decimal("85.50"))])).id
    contingent = contracts_service.set_contingent(db, actor=keeper, org_key="kreis_a", year=today.year, unit=unit,
                                                  amount=amount)
    incident = report(personas)
    reserve = RESERVED if unit == ContingentUnit.euros else Decimal("40.00")
    contracts_service.reserve(db, actor=cert, contingent_id=contingent.id, amount=reserve, reference="Hilfe 1")
    help_request = HelpRequest(
        incident_id=incident.id, org_id=personas.orgs["gemeinde_a1"].id, state=HelpState.deployed,
        skills=["incident_lead"], urgency=Urgency.high, mode=HelpMode.on_site, estimate=reserve,
        contingent_id=contingent.id, reserved=reserve, assignee_org_id=personas.orgs["provider_x"].id,
        contract_id=contract_id)
    db.add(help_request)
    db.flush()
    for key in ("provider_x", "provider_y"):
        incident_service.add_participant(db, actor=cert, incident_id=incident.id, org_id=personas.orgs[key].id,
                                         role=ParticipantRole.provider)
    deployment = Deployment(help_request_id=help_request.id, incident_id=incident.id,
                            provider_org_id=personas.orgs["provider_x"].id, org_id=personas.orgs["gemeinde_a1"].id,
                            contract_id=contract_id, created_at=utcnow() - timedelta(days=3))
    db.add(deployment)
    db.flush()
    return World(personas, incident, help_request, deployment, contingent.id)


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


@pytest.fixture
def staffed(world: World) -> World:
    """The world with a team of two: the lead and a forensic examiner from the registry."""
    provider = world.actor("provider_x")
    service.add_member(world.db, actor=provider, deployment_id=world.deployment.id,
                       member_in=MemberIn(name="Max Leiter", role=LEAD))
    person = world.db.query(ProviderPerson).filter_by(name="Erika Forensik").one()
    service.add_member(world.db, actor=provider, deployment_id=world.deployment.id,
                       member_in=MemberIn(person_id=person.id, role=FORENSIC))
    return world
