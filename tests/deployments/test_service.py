"""The deployment from team to cost statement: reports, evidence, hand-over, hours, close and charge."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from kommcert.audit.models import AuditEntry
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import Contingent
from kommcert.deployments import service
from kommcert.deployments.checklist import DEFAULT_CHECKLIST
from kommcert.deployments.models import DeploymentState, EntryState, SignoffSide
from kommcert.deployments.schemas import HandoverItemUpdate, StatusReportIn, TimeEntryIn
from kommcert.errors import Conflict
from kommcert.helprequests.models import HelpState
from kommcert.incidents.models import IncidentEvidence
from kommcert.incidents.schemas import EvidenceCreate
from kommcert.notifications.models import Notification
from tests.deployments.conftest import FORENSIC, LEAD, World


def members(world: World) -> tuple[int, int]:
    lead, forensic = world.deployment.members
    return lead.id, forensic.id


def record(world: World, member_id: int, days_ago: int, role: str, hours: str, **kw: object):  # noqa: ANN201
    return service.record_time(world.db, actor=world.actor("provider_x"), deployment_id=world.deployment.id,
                               entry_in=TimeEntryIn(member_id=member_id, day=service.today() - timedelta(days_ago),
                                                    role=role, hours=Decimal(hours), **kw))


def finish_handover(world: World) -> None:
    db, d = world.db, world.deployment
    service.depart(db, actor=world.actor("provider_x"), deployment_id=d.id)
    for item in service.handover_items(db, d):
        service.update_handover_item(db, actor=world.actor("gemeinde_a1_member"), deployment_id=d.id,
                                     item_id=item.id, update=HandoverItemUpdate(done=True,
                                                                                confirmed_by="Herr Amtsleiter"))


def told(world: World, event: str) -> set[int]:
    return set(world.db.scalars(select(Notification.user_id).where(
        Notification.subject_type == "deployment", Notification.subject_id == world.deployment.id,
        Notification.event == event)))


def test_a_whole_deployment_closes_with_the_right_charge(staffed: World) -> None:
    db, d, p = staffed.db, staffed.deployment, staffed.personas
    lead, forensic = members(staffed)
    provider, town, cert = staffed.actor("provider_x"), staffed.actor("gemeinde_a1_member"), staffed.actor(
        "land_cert_analyst")
    today = service.today()
    report_ = service.report_status(db, actor=provider, deployment_id=d.id, report_in=StatusReportIn(
        day=today - timedelta(days=1), conditions="Domäne kompromittiert", actions="Netz getrennt", needs="USB"))
    again = service.report_status(db, actor=cert, deployment_id=d.id, report_in=StatusReportIn(
        day=today - timedelta(days=1), conditions="Domäne kompromittiert, 3 Server", actions="Images"))
    assert again.id == report_.id and again.conditions.endswith("3 Server") and again.needs == ""
    evidence = service.hand_over_evidence(db, actor=provider, deployment_id=d.id, evidence_in=EvidenceCreate(
        description="Image DC01", location="Tresor Kreis A", handed_from="Max Leiter", handed_to="Frau Kämmerer"))
    assert db.get(IncidentEvidence, evidence.id).incident_id == staffed.incident.id  # the chain of custody
    e1 = record(staffed, lead, 2, LEAD, "8")
    e2 = record(staffed, forensic, 2, FORENSIC, "7.75", travel=True)
    e3 = record(staffed, lead, 1, LEAD, "10", daily_flat=True)
    assert told(staffed, "deployment_entries_waiting") == {p.users["gemeinde_a1_member"].id,
                                                           p.users["gemeinde_a1_admin"].id}
    service.dispute_time(db, actor=town, deployment_id=d.id, entry_id=e2.id, reason="Anreise doppelt")
    assert e2.state == EntryState.disputed and told(staffed, "deployment_entry_disputed") == {
        p.users["provider_x"].id}
    from kommcert.deployments.schemas import TimeEntryUpdate

    service.correct_time(db, actor=provider, deployment_id=d.id, entry_id=e2.id,
                         update=TimeEntryUpdate(hours=Decimal("7.5")))
    assert (e2.state, e2.dispute_reason, e2.hours) == (EntryState.open, "", Decimal("7.50"))
    for entry in (e1, e2):
        service.confirm_time(db, actor=town, deployment_id=d.id, entry_id=entry.id)
    finish_handover(staffed)
    assert d.state == DeploymentState.handover
    assert len(service.handover_items(db, d)) == len(DEFAULT_CHECKLIST)
    assert p.users["land_cert_analyst"].id in told(staffed, "deployment_handover")
    service.sign_off(db, actor=town, deployment_id=d.id)
    service.sign_off(db, actor=cert, deployment_id=d.id)
    assert d.state == DeploymentState.handover  # e3 is still open
    with pytest.raises(Conflict) as refused:
        service.close_deployment(db, actor=cert, deployment_id=d.id)
    assert refused.value.de.startswith("Noch 1 Zeiteintrag")
    service.confirm_time(db, actor=town, deployment_id=d.id, entry_id=e3.id)  # the last one closes it
    assert d.state == DeploymentState.closed and staffed.help_request.state == HelpState.closed
    statement = service.cost_view(db, actor=town, deployment_id=d.id).statement
    # 8 h × 150 + 7.5 h × 133.33 (999.975 → 999.98) + travel 85.50 + daily flat 1100
    assert [line.amount for line in statement.lines] == [Decimal("1200.00"), Decimal("999.98"),
                                                          Decimal("85.50"), Decimal("1100.00")]
    assert statement.total == Decimal("3385.48") == statement.charged
    assert statement.hours_total == Decimal("25.50")
    balance = contracts_service.balance(db, db.get(Contingent, staffed.contingent_id))
    assert (balance.used, balance.reserved) == (Decimal("3385.48"), Decimal("0.00"))
    view = service.cost_view(db, actor=cert, deployment_id=d.id)
    assert view.contingent_before == Decimal("50000")  # the help's own reservation is not "spent" before
    assert view.contingent_after == Decimal("50000") - Decimal("3385.48")
    assert told(staffed, "deployment_closed") >= {p.users["provider_x"].id, p.users["gemeinde_a1_member"].id,
                                                   p.users["land_cert_analyst"].id}
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "deployment")))
    assert {"deployment_closed", "deployment_signed_off", "deployment_time_entry"} <= actions
    closed = db.scalars(select(AuditEntry).where(AuditEntry.action == "help_request_changed")).all()
    assert [(e.object_id, e.detail["to"]) for e in closed] == [(str(staffed.help_request.id), "closed")]
    assert [s.side for s in service.signoffs(db, d)] == [SignoffSide.municipality, SignoffSide.cert]
    # The incident's timeline, read by every participant, says that it closed and nothing of the money.
    from kommcert.incidents.models import EventKind, IncidentEvent

    [entry] = db.scalars(select(IncidentEvent).where(IncidentEvent.kind == EventKind.help_closed))
    assert entry.incident_id == d.incident_id and "3385" not in repr(entry.data) and entry.body == ""


def test_hours_contingent_is_charged_in_hours(personas) -> None:  # noqa: ANN001
    from kommcert.contracts.models import ContingentUnit
    from kommcert.deployments.schemas import MemberIn
    from tests.deployments.conftest import make_world

    world = make_world(personas, unit=ContingentUnit.hours, amount="100")
    db, d = world.db, world.deployment
    member = service.add_member(db, actor=world.actor("provider_x"), deployment_id=d.id,
                                member_in=MemberIn(name="Max", role=LEAD))
    entry = record(world, member.id, 1, LEAD, "6.25")
    service.confirm_time(db, actor=world.actor("gemeinde_a1_admin"), deployment_id=d.id, entry_id=entry.id)
    finish_handover(world)
    service.sign_off(db, actor=world.actor("land_cert_analyst"), deployment_id=d.id)
    service.sign_off(db, actor=world.actor("gemeinde_a1_admin"), deployment_id=d.id)
    view = service.cost_view(db, actor=world.actor("kreis_a_admin"), deployment_id=d.id)
    assert view.statement.total == Decimal("937.50") and view.statement.charged == Decimal("6.25")
    balance = contracts_service.balance(db, db.get(Contingent, world.contingent_id))
    assert (balance.used, balance.reserved, balance.left) == (Decimal("6.25"), Decimal("0.00"), Decimal("93.75"))


def test_a_charge_beyond_what_is_left_is_booked_as_an_overrun(personas) -> None:  # noqa: ANN001
    from kommcert.deployments.schemas import MemberIn
    from tests.deployments.conftest import make_world

    world = make_world(personas, amount="5100")
    db, d = world.db, world.deployment
    member = service.add_member(db, actor=world.actor("provider_x"), deployment_id=d.id,
                                member_in=MemberIn(name="Max", role=LEAD))
    for days_ago in (1, 2, 3):
        entry = record(world, member.id, days_ago, LEAD, "20")
        service.confirm_time(db, actor=world.actor("gemeinde_a1_admin"), deployment_id=d.id, entry_id=entry.id)
    finish_handover(world)
    service.sign_off(db, actor=world.actor("land_cert_analyst"), deployment_id=d.id)
    service.sign_off(db, actor=world.actor("gemeinde_a1_admin"), deployment_id=d.id)
    balance = contracts_service.balance(db, db.get(Contingent, world.contingent_id))
    assert balance.used == Decimal("9000.00") and balance.left == Decimal("-3900.00")
    low = db.scalars(select(Notification).where(Notification.subject_type == "contingent")).all()
    assert low  # the CERTs hear that the contingent ran out
