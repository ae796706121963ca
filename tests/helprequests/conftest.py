"""Help requests: Gemeinde A1's ransomware incident, Kreis A's contingent (100 hours this year),
Dienstleister X in the registry with a framework contract valid today, and a MIRT with its user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from kommcert.accounts.models import Role, User
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import ContingentUnit, FrameworkContract
from kommcert.contracts.schemas import ContractIn, RateIn
from kommcert.db import utcnow
from kommcert.helprequests import service
from kommcert.helprequests.models import HelpRequest
from kommcert.helprequests.schemas import AcceptIn, HelpRequestIn, TeamMemberIn
from kommcert.incidents.models import Incident
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgKind
from kommcert.providers.models import ProviderPerson, ProviderProfile
from tests.incidents.conftest import report
from tests.personas import Personas, password_hash

ON_CALL = "+49 6131 999000"


@dataclass
class Chain:
    p: Personas
    incident: Incident
    contract: FrameworkContract
    person: ProviderPerson

    def actor(self, name: str):  # noqa: ANN201
        return self.p.actor(name)

    def request(self, who: str = "gemeinde_a1_admin", estimate: str = "40", **kw: object) -> HelpRequest:
        data: dict[str, object] = {"skills": ["incident_lead", "host_forensics"], "urgency": "critical",
                                   "mode": "on_site", "description": "Alles verschlüsselt.",
                                   "estimate": estimate, "cost_accepted": True}
        data.update(kw)
        return service.request_help(self.p.db, actor=self.actor(who), incident_id=self.incident.id,
                                    request_in=HelpRequestIn.model_validate(data))

    def to_assigned(self, assignee: str = "provider_x", **kw: object) -> HelpRequest:
        hr = self.request(**kw)
        service.approve(self.p.db, actor=self.actor("land_cert_analyst"), help_request_id=hr.id)
        return service.assign(self.p.db, actor=self.actor("land_cert_analyst"), help_request_id=hr.id,
                              assignee_org_id=self.p.orgs[assignee].id)

    def accept_in(self) -> AcceptIn:
        return AcceptIn(team=[TeamMemberIn(person_id=self.person.id, role="Incident Lead"),
                              TeamMemberIn(name="Frau Forensik", role="forensiker")],
                        planned_arrival_at=utcnow() + timedelta(hours=3))


def add_mirt(p: Personas) -> None:
    p.orgs["mirt"] = orgs_service.create_org(p.db, key="mirt", kind=OrgKind.mirt, name="MIRT Testland",
                                             parent=p.orgs["land"])
    p.db.add(ProviderProfile(org_id=p.orgs["mirt"].id, skills=["incident_lead"], on_call_phone="+49 6131 111"))
    user = User(org=p.orgs["mirt"], email="mirt_member@example.test", name="mirt_member", role=Role.member,
                password_hash=password_hash())
    p.db.add(user)
    p.users["mirt_member"] = user
    p.db.flush()


@pytest.fixture
def chain(personas: Personas) -> Chain:
    p = personas
    db = p.db
    add_mirt(p)
    profile = ProviderProfile(org_id=p.orgs["provider_x"].id, skills=["incident_lead", "host_forensics"],
                              on_call_phone=ON_CALL, qualifications=["BSI-qualifizierter APT-Response-Dienstleister"])
    db.add(profile)
    db.flush()
    person = ProviderPerson(provider_org_id=profile.org_id, name="Herr Leitung", skills=["incident_lead"])
    db.add(person)
    today = utcnow().date()
    contract = contracts_service.create_contract(db, actor=None, contract_in=ContractIn(
        title="Rahmenvertrag IR", provider_org_key="provider_x", valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=365),
        rates=[RateIn(role="Incident Lead", hourly_rate=Decimal("180.00")),
               RateIn(role="Forensiker", hourly_rate=Decimal("150.00"))]))
    contracts_service.set_contingent(db, actor=None, org_key="kreis_a", year=utcnow().year,
                                     unit=ContingentUnit.hours,
                                     amount="100")
    db.flush()
    return Chain(p, report(p), contract, person)
