"""The help chain's use cases: each edge, who may take it, bad input writes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kommcert.audit.models import AuditEntry
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import Contingent, ContingentEntry
from kommcert.db import utcnow
from kommcert.deployments.models import Deployment
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kommcert.helprequests import service
from kommcert.helprequests.models import HelpRequest, HelpState
from kommcert.helprequests.schemas import AcceptIn, HelpRequestIn, TeamMemberIn
from kommcert.incidents import service as incidents_service
from kommcert.incidents.models import EventKind, IncidentEvent, IncidentParticipant, ParticipantRole
from tests.helprequests.conftest import Chain
from tests.incidents.conftest import report

CERT = "land_cert_analyst"


def _count(db, model) -> int:  # noqa: ANN001
    return db.scalar(select(func.count()).select_from(model))


def _left(chain: Chain) -> Decimal:
    contingent = chain.p.db.scalar(select(Contingent).where(Contingent.org_id == chain.p.orgs["kreis_a"].id))
    return contracts_service.balance(chain.p.db, contingent).left


def test_the_whole_chain(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.request()
    assert (hr.state, hr.cost_accepted_by_id, hr.org_id) == (HelpState.requested,
                                                             chain.p.users["gemeinde_a1_admin"].id,
                                                             chain.p.orgs["gemeinde_a1"].id)
    assert hr.cost_accepted_at is not None
    service.approve(db, actor=chain.actor(CERT), help_request_id=hr.id)
    assert hr.state == HelpState.approved and hr.reserved == Decimal("40.00")
    assert _left(chain) == Decimal("60.00")
    service.assign(db, actor=chain.actor(CERT), help_request_id=hr.id, assignee_org_id=chain.p.orgs["provider_x"].id)
    assert (hr.state, hr.contract_id) == (HelpState.assigned, chain.contract.id)
    participant = db.scalar(select(IncidentParticipant).where(
        IncidentParticipant.incident_id == chain.incident.id,
        IncidentParticipant.org_id == chain.p.orgs["provider_x"].id))
    assert participant is not None and participant.role == ParticipantRole.provider
    service.accept(db, actor=chain.actor("provider_x"), help_request_id=hr.id, accept_in=chain.accept_in())
    assert hr.state == HelpState.accepted and hr.planned_arrival_at is not None
    deployment = service.deploy(db, actor=chain.actor("provider_x"), help_request_id=hr.id)
    assert hr.state == HelpState.deployed
    assert (deployment.incident_id, deployment.provider_org_id, deployment.org_id, deployment.contract_id) == (
        chain.incident.id, chain.p.orgs["provider_x"].id, chain.p.orgs["gemeinde_a1"].id, chain.contract.id)
    assert [(m.name, m.role, m.person_id) for m in deployment.members] == [
        ("Herr Leitung", "Incident Lead", chain.person.id), ("Frau Forensik", "Forensiker", None)]
    kinds = list(db.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == chain.incident.id,
                                                             IncidentEvent.kind.like("help_%"))
                            .order_by(IncidentEvent.id)))
    assert kinds == [EventKind.help_requested, EventKind.help_approved, EventKind.help_assigned,
                     EventKind.help_accepted, EventKind.help_deployed]
    audited = list(db.scalars(select(AuditEntry.detail).where(AuditEntry.object_type == "help_request",
                                                            AuditEntry.object_id == str(hr.id))
                              .order_by(AuditEntry.id)))
    assert [d["to"] for d in audited] == ["requested", "approved", "assigned", "accepted", "deployed"]


def test_request_without_cost_acceptance_writes_nothing(chain: Chain) -> None:
    db = chain.p.db
    before = (_count(db, HelpRequest), _count(db, IncidentEvent))
    with pytest.raises(InvalidInput) as exc:
        chain.request(cost_accepted=False)
    assert "Kostenübernahme" in exc.value.de
    # A member without the right may not accept costs, even when ticking the box.
    with pytest.raises(PermissionDenied) as denied:
        chain.request(who="gemeinde_a1_member")
    assert "Kostenübernahme" in denied.value.de
    for bad in ({"skills": []}, {"estimate": "0"}, {"estimate": "-3"}, {"estimate": "1.001"}):
        with pytest.raises(InvalidInput):
            chain.request(**bad)
    assert (_count(db, HelpRequest), _count(db, IncidentEvent)) == before


def test_the_right_to_accept_costs(chain: Chain) -> None:
    chain.p.users["gemeinde_a1_member"].may_accept_costs = True
    chain.p.db.flush()
    assert chain.request(who="gemeinde_a1_member").state == HelpState.requested


def test_who_may_request(chain: Chain) -> None:
    for who in ("kreis_a_admin", "land_cert_admin"):  # sees it, but is not the affected organisation
        with pytest.raises(PermissionDenied):
            chain.request(who=who)
    with pytest.raises(NotFound):  # another Kreis does not see the incident
        chain.request(who="gemeinde_b1_member")


def test_approval_beyond_the_contingent_is_refused_and_writes_nothing(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.request(estimate="100.01")
    entries = _count(db, ContingentEntry)
    with pytest.raises(Conflict) as exc:
        service.approve(db, actor=chain.actor(CERT), help_request_id=hr.id)
    assert "reicht nicht" in exc.value.de
    assert _count(db, ContingentEntry) == entries
    db.refresh(hr)
    assert hr.state == HelpState.requested and hr.reserved is None


def test_approval_without_a_contingent(chain: Chain) -> None:
    db = chain.p.db
    incident = report(chain.p, "gemeinde_b1_member")
    chain.p.users["gemeinde_b1_member"].may_accept_costs = True
    db.flush()
    hr = service.request_help(db, actor=chain.actor("gemeinde_b1_member"), incident_id=incident.id,
                              request_in=HelpRequestIn(skills=["recovery"], estimate=Decimal("5"), cost_accepted=True))
    with pytest.raises(Conflict) as exc:
        service.approve(db, actor=chain.actor(CERT), help_request_id=hr.id)
    assert exc.value.de.startswith("Kein Kontingent für Gemeinde B1")


def test_only_the_cert_approves_declines_assigns(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.request()
    for who in ("gemeinde_a1_admin", "kreis_a_admin"):
        with pytest.raises(PermissionDenied):
            service.approve(db, actor=chain.actor(who), help_request_id=hr.id)
    with pytest.raises(NotFound):  # the provider sees nothing not assigned to it
        service.approve(db, actor=chain.actor("provider_x"), help_request_id=hr.id)
    with pytest.raises(NotFound):
        service.approve(db, actor=chain.actor("gemeinde_b1_member"), help_request_id=hr.id)
    with pytest.raises(InvalidInput):  # a reason is required
        service.decline(db, actor=chain.actor(CERT), help_request_id=hr.id, reason=" ")
    service.decline(db, actor=chain.actor(CERT), help_request_id=hr.id, reason="Kein Bedarf.")
    assert (hr.state, hr.decision_note) == (HelpState.declined, "Kein Bedarf.")
    with pytest.raises(InvalidInput):
        service.approve(db, actor=chain.actor(CERT), help_request_id=hr.id)


def test_withdraw_releases_the_reservation(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.request()
    service.approve(db, actor=chain.actor(CERT), help_request_id=hr.id)
    assert _left(chain) == Decimal("60.00")
    service.withdraw(db, actor=chain.actor("gemeinde_a1_member"), help_request_id=hr.id, reason="Selbst gelöst")
    assert hr.state == HelpState.withdrawn and _left(chain) == Decimal("100.00")
    with pytest.raises(InvalidInput):
        service.withdraw(db, actor=chain.actor(CERT), help_request_id=hr.id)


def test_assign_checks_the_assignee(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.request()
    service.approve(db, actor=chain.actor(CERT), help_request_id=hr.id)
    for org in ("gemeinde_b1", "land_cert"):
        with pytest.raises(InvalidInput):
            service.assign(db, actor=chain.actor(CERT), help_request_id=hr.id, assignee_org_id=chain.p.orgs[org].id)
    chain.contract.valid_until = chain.contract.valid_from  # expired a month ago
    db.flush()
    with pytest.raises(Conflict) as exc:
        service.assign(db, actor=chain.actor(CERT), help_request_id=hr.id,
                       assignee_org_id=chain.p.orgs["provider_x"].id)
    assert "Rahmenvertrag" in exc.value.de
    # The MIRT needs no contract of its own.
    service.assign(db, actor=chain.actor(CERT), help_request_id=hr.id, assignee_org_id=chain.p.orgs["mirt"].id)
    assert hr.state == HelpState.assigned and hr.contract_id is None


def test_a_provider_acting_on_what_is_not_assigned_to_it(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.to_assigned("mirt")
    events = _count(db, IncidentEvent)
    with pytest.raises(NotFound):
        service.accept(db, actor=chain.actor("provider_x"), help_request_id=hr.id, accept_in=chain.accept_in())
    with pytest.raises(NotFound):
        service.deploy(db, actor=chain.actor("provider_x"), help_request_id=hr.id)
    assert _count(db, IncidentEvent) == events and hr.state == HelpState.assigned
    # The municipality cannot accept for the provider.
    with pytest.raises(PermissionDenied):
        service.accept(db, actor=chain.actor("gemeinde_a1_admin"), help_request_id=hr.id,
                       accept_in=chain.accept_in())


def test_accept_checks_the_team(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.to_assigned()
    bad = [AcceptIn(team=[]), AcceptIn(team=[TeamMemberIn(name="X", role="Hausmeister")]),
           AcceptIn(team=[TeamMemberIn(person_id=999999, role="Forensiker")]),
           AcceptIn(team=[TeamMemberIn(name=" ", role="Forensiker")])]
    for accept_in in bad:
        with pytest.raises(InvalidInput):
            service.accept(db, actor=chain.actor("provider_x"), help_request_id=hr.id, accept_in=accept_in)
    assert hr.state == HelpState.assigned


def test_return_leaves_the_incident(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.to_assigned()
    provider = chain.actor("provider_x")
    assert incidents_service.get_incident(db, actor=provider, incident_id=chain.incident.id)
    service.give_back(db, actor=provider, help_request_id=hr.id, reason="Kein Team frei")
    assert (hr.state, hr.assignee_org_id) == (HelpState.approved, None)
    assert hr.reserved == Decimal("40.00")
    with pytest.raises(NotFound):
        incidents_service.get_incident(db, actor=provider, incident_id=chain.incident.id)


def test_deploy_refuses_a_future_arrival(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.to_assigned()
    service.accept(db, actor=chain.actor("provider_x"), help_request_id=hr.id, accept_in=chain.accept_in())
    with pytest.raises(InvalidInput):
        service.deploy(db, actor=chain.actor(CERT), help_request_id=hr.id, arrived_at=utcnow() + timedelta(hours=2))
    assert _count(db, Deployment) == 0
    service.deploy(db, actor=chain.actor(CERT), help_request_id=hr.id)
    assert hr.state == HelpState.deployed


def test_lists_per_actor(chain: Chain) -> None:
    db = chain.p.db
    mine = chain.to_assigned()
    other = chain.to_assigned("mirt")
    third = chain.request()

    def ids(who: str) -> set[int]:
        return {r.id for r in service.list_requests(db, actor=chain.actor(who))}

    assert ids(CERT) == ids("gemeinde_a1_member") == ids("kreis_a_admin") == {mine.id, other.id, third.id}
    assert ids("provider_x") == {mine.id}
    assert ids("mirt_member") == {other.id}
    assert ids("gemeinde_b1_member") == ids("kreis_b_admin") == set()
    assert service.view(db, chain.actor("provider_x"), mine).left is None
    assert service.view(db, chain.actor("provider_x"), mine).unit is None
    assert service.view(db, chain.actor(CERT), third).left == Decimal("20.00")
    assert [r.id for r in service.list_requests(db, actor=chain.actor(CERT), state=HelpState.requested)] == [third.id]
