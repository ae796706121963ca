"""The demo Land's help chain: the registry, the framework contracts, this year's contingents and, on the
Oberbeispiel ransomware incident, an approved request with the MIRT on site for two days — all dated
relative to load time, seen by the right people only, and loading it mails nobody."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import time_machine
from sqlalchemy import func, select

from kommcert import demo
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import User
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import FrameworkContract
from kommcert.db import utcnow
from kommcert.deployments import service as deployments_service
from kommcert.deployments.models import DeploymentState, EntryState
from kommcert.helprequests import service as help_service
from kommcert.helprequests.models import HelpState
from kommcert.incidents.models import Incident
from kommcert.notifications.models import Notification
from kommcert.orgs.models import Organization
from kommcert.providers.models import ProviderProfile


def _actor(db, email: str):  # noqa: ANN001, ANN202
    return accounts_service.actor_for(db, db.scalar(select(User).where(User.email == email)))


def test_the_demo_has_helpers_contracts_contingents_and_a_deployment(db) -> None:  # noqa: ANN001
    demo.load(db)
    now = utcnow()
    assert db.scalar(select(func.count()).select_from(ProviderProfile)) == 2
    for contract in db.scalars(select(FrameworkContract)):
        assert contract.valid_from <= now.date() <= contract.valid_until and contract.rates
    incident = db.scalars(select(Incident)).one()
    cert = _actor(db, "analystin@lcert.musterland.example")
    [request] = help_service.list_requests(db, actor=cert, incident_id=incident.id)
    assert request.state == HelpState.deployed and request.cost_accepted_by_id is not None
    kreis = db.scalar(select(Organization).where(Organization.key == "99101"))
    contingent = contracts_service.contingent_for(db, org_id=incident.owner_org_id, year=now.year)
    assert contingent is not None and contingent.org_id == kreis.id and request.contingent_id == contingent.id
    balance = contracts_service.balance(db, contingent)
    assert balance.reserved == Decimal("6000.00") and balance.used == 0
    [deployment] = deployments_service.list_deployments(db, actor=cert)
    detail = deployments_service.detail(db, actor=cert, deployment_id=deployment.id)
    assert deployment.state == DeploymentState.active and len(deployment.members) == 2
    assert len(detail.status_reports) == 2 and {r.day for r in detail.status_reports} == {
        now.date() - timedelta(days=1), now.date()}
    states = sorted(e.state for e in detail.time_entries)
    assert states == [EntryState.confirmed] * 2 + [EntryState.open] * 2
    assert deployment.arrived_at < now and request.requested_at < request.approved_at < request.accepted_at < now
    assert db.scalar(select(func.count()).select_from(Notification)) == 0  # nobody was told


def test_who_sees_the_demo_deployment(db) -> None:  # noqa: ANN001
    demo.load(db)
    incident = db.scalars(select(Incident)).one()
    seen = {email: len(help_service.list_requests(db, actor=_actor(db, email), incident_id=incident.id))
            for email in ("team@mirt.musterland.example", "einsatz@sicherit.example", "it@beispielkreis.example",
                          "buero@kleinmusterdorf.example", "buero@seedorf.example")}
    # The MIRT (assigned) and the Kreis see it; the certified provider, Kleinmusterdorf next door and
    # Seedorf in another Kreis do not.
    assert seen == {"team@mirt.musterland.example": 1, "einsatz@sicherit.example": 0,
                    "it@beispielkreis.example": 1, "buero@kleinmusterdorf.example": 0, "buero@seedorf.example": 0}
    assert deployments_service.list_deployments(db, actor=_actor(db, "einsatz@sicherit.example")) == []


def test_the_demo_help_chain_loads_on_any_day(db) -> None:  # noqa: ANN001
    # New Year's morning (contracts, contingents of the new year, yesterday in last year) and a year ahead.
    for moment in (utcnow().replace(month=1, day=1, hour=0, minute=30), utcnow() + timedelta(days=365)):
        with time_machine.travel(moment, tick=False):
            demo.load(db)
            cert = _actor(db, "analystin@lcert.musterland.example")
            [request] = help_service.list_requests(db, actor=cert)
            assert request.state == HelpState.deployed
        db.rollback()
