"""Working a case: the CERT's queue, claim and assign, duplicates, participants, tasks, observables, evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kommcert.db import utcnow
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kommcert.incidents import service
from kommcert.incidents.models import Incident, IncidentEvent, ObservableType, ParticipantRole, Phase, Severity
from kommcert.incidents.schemas import EvidenceCreate, ObservableCreate, TaskCreate
from kommcert.sharing import policy
from kommcert.sharing.models import ShareTarget
from tests.incidents.conftest import report


def _kinds(db, incident: Incident) -> list[str]:  # noqa: ANN001
    return list(db.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident.id)
                           .order_by(IncidentEvent.id)))


def test_the_queue_puts_new_and_unassigned_first_then_severity_and_age(personas) -> None:  # noqa: ANN001
    db = personas.db
    cert = personas.actor("land_cert_analyst")
    old_low = report(personas, severity=Severity.low)
    old_low.reported_at = utcnow() - timedelta(hours=3)
    triaged = report(personas, "gemeinde_b1_member", severity=Severity.critical)
    service.change_phase(db, actor=cert, incident_id=triaged.id, phase=Phase.triage)
    new_critical = report(personas, "gemeinde_b1_member", severity=Severity.critical)
    claimed = report(personas, severity=Severity.critical)
    service.claim(db, actor=cert, incident_id=claimed.id)
    service.change_phase(db, actor=cert, incident_id=claimed.id, phase=Phase.triage)
    closed = report(personas)
    service.change_phase(db, actor=cert, incident_id=closed.id, phase=Phase.triage)
    service.change_phase(db, actor=cert, incident_id=closed.id, phase=Phase.rejected)

    items = service.queue(db, actor=cert)
    assert [q.incident.id for q in items] == [new_critical.id, old_low.id, triaged.id, claimed.id]
    first = items[0]
    assert first.new and first.unassigned and first.owner_name == "Gemeinde B1"
    assert items[1].age >= timedelta(hours=3)
    with pytest.raises(PermissionDenied):
        service.queue(db, actor=personas.actor("kreis_a_admin"))


def test_claim_and_assign_go_to_cert_users_only(personas, incident: Incident) -> None:  # noqa: ANN001
    db = personas.db
    service.claim(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    assert incident.assignee_id == personas.users["land_cert_analyst"].id
    with pytest.raises(InvalidInput):
        service.assign(db, actor=personas.actor("land_cert_admin"), incident_id=incident.id,
                       assignee_id=personas.users["kreis_a_admin"].id)
    with pytest.raises(PermissionDenied):
        service.claim(db, actor=personas.actor("gemeinde_a1_admin"), incident_id=incident.id)
    service.assign(db, actor=personas.actor("land_cert_admin"), incident_id=incident.id, assignee_id=None)
    assert incident.assignee_id is None
    assert _kinds(db, incident) == ["reported", "assigned", "assigned"]


def test_triage_sets_severity_and_category(personas, incident: Incident) -> None:  # noqa: ANN001
    service.classify(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id,
                     severity=Severity.critical, category="data_exfiltration")
    assert (incident.severity, incident.category) == ("critical", "data_exfiltration")
    with pytest.raises(PermissionDenied):
        service.classify(personas.db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id,
                         severity=Severity.low)
    assert _kinds(personas.db, incident) == ["reported", "severity_changed", "category_changed"]


def test_a_duplicate_is_merged_and_its_reporter_keeps_seeing_the_case(personas, incident: Incident) -> None:  # noqa: ANN001
    db = personas.db
    dup = report(personas, "gemeinde_b1_member")
    service.add_observable(db, actor=personas.actor("gemeinde_b1_member"), incident_id=dup.id,
                           observable_in=ObservableCreate(type=ObservableType.ip, value="203.0.113.7"))
    cert = personas.actor("land_cert_admin")
    with pytest.raises(InvalidInput):
        service.merge_duplicate(db, actor=cert, incident_id=dup.id, duplicate_of_id=dup.id)
    service.merge_duplicate(db, actor=cert, incident_id=dup.id, duplicate_of_id=incident.id)
    assert dup.phase == Phase.duplicate and dup.duplicate_of_id == incident.id and dup.closed_at is not None
    found = service.case(db, actor=personas.actor("gemeinde_b1_member"), incident_id=incident.id)
    assert [o.value for o in found.observables] == ["203.0.113.7"]
    assert [(p.org_id, p.role) for p in found.participants] == [(personas.orgs["gemeinde_b1"].id,
                                                                 ParticipantRole.affected)]
    assert _kinds(db, incident)[-2:] == ["participant_added", "duplicate_merged"]
    with pytest.raises(InvalidInput):  # a duplicate is no target
        service.merge_duplicate(db, actor=cert, incident_id=report(personas).id, duplicate_of_id=dup.id)


def test_a_participant_is_added_to_the_audience_never_replacing_it(personas, incident: Incident) -> None:  # noqa: ANN001
    db = personas.db
    kreis_b = personas.orgs["kreis_b"].id
    db.add(ShareTarget(object_type="incident", object_id=incident.id, org_id=personas.orgs["provider_x"].id,
                       include_subtree=False))
    db.flush()
    participant = service.add_participant(db, actor=personas.actor("gemeinde_a1_admin"), incident_id=incident.id,
                                          org_id=kreis_b, role=ParticipantRole.support)
    targets = set(db.execute(select(ShareTarget.org_id, ShareTarget.include_subtree).where(
        ShareTarget.object_type == "incident", ShareTarget.object_id == incident.id)).all())
    assert targets == {(personas.orgs["provider_x"].id, False), (kreis_b, False)}
    assert policy.can(db, personas.actor("kreis_b_admin"), policy.VIEW, incident)
    assert not policy.can(db, personas.actor("gemeinde_b1_member"), policy.VIEW, incident)  # no subtree
    with pytest.raises(Conflict):
        service.add_participant(db, actor=personas.actor("gemeinde_a1_admin"), incident_id=incident.id, org_id=kreis_b)
    with pytest.raises(InvalidInput):
        service.add_participant(db, actor=personas.actor("gemeinde_a1_admin"), incident_id=incident.id,
                                org_id=incident.owner_org_id)
    service.remove_participant(db, actor=personas.actor("land_cert_admin"), incident_id=incident.id,
                               participant_id=participant.id)
    assert not policy.can(db, personas.actor("kreis_b_admin"), policy.VIEW, incident)
    assert policy.can(db, personas.actor("provider_x"), policy.VIEW, incident)


def test_tasks_with_due_dates_are_done_by_their_assignee(personas, incident: Incident) -> None:  # noqa: ANN001
    db = personas.db
    due = utcnow() + timedelta(days=1)
    task = service.add_task(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id,
                            task_in=TaskCreate(title="Backups prüfen", due_at=due,
                                               assignee_id=personas.users["gemeinde_a1_admin"].id))
    assert task.due_at == due and not task.done
    with pytest.raises(InvalidInput):  # someone who does not see the incident
        service.add_task(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id,
                         task_in=TaskCreate(title="x", assignee_id=personas.users["gemeinde_b1_member"].id))
    service.set_task_done(db, actor=personas.actor("gemeinde_a1_admin"), incident_id=incident.id, task_id=task.id,
                          done=True)
    assert task.done and task.done_by_id == personas.users["gemeinde_a1_admin"].id
    with pytest.raises(PermissionDenied):
        service.set_task_done(db, actor=personas.actor("kreis_a_admin"), incident_id=incident.id, task_id=task.id,
                              done=False)
    other = report(personas, "gemeinde_b1_member")
    with pytest.raises(NotFound):  # a task id of another incident
        service.set_task_done(db, actor=personas.actor("land_cert_admin"), incident_id=other.id, task_id=task.id,
                              done=False)


@pytest.mark.parametrize(("kind", "value", "stored", "indicator_type"), [
    (ObservableType.ip, "203.0.113[.]7", "203.0.113.7", "ipv4"),
    (ObservableType.ip, "2001:DB8::1", "2001:db8::1", "ipv6"),
    (ObservableType.domain, "Evil.Example.COM.", "evil.example.com", "domain"),
    (ObservableType.url, "hxxps://evil.example.com/pay", "https://evil.example.com/pay", "url"),
    (ObservableType.email, "Erpresser@Example.com", "erpresser@example.com", "email"),
    (ObservableType.hash, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e", "md5"),
    (ObservableType.hash, "a" * 64, "a" * 64, "sha256"),
    (ObservableType.account, " svc-backup ", "svc-backup", None),
    (ObservableType.file, "C:\\Windows\\Temp\\locker.exe", "C:\\Windows\\Temp\\locker.exe", None),
])
def test_observables_are_normalised_like_indicators(personas, incident: Incident, kind, value, stored,  # noqa: ANN001
                                                    indicator_type) -> None:
    observable = service.add_observable(personas.db, actor=personas.actor("gemeinde_a1_member"),
                                        incident_id=incident.id, observable_in=ObservableCreate(type=kind, value=value))
    assert (observable.value, observable.indicator_type, observable.share) == (stored, indicator_type, False)


@pytest.mark.parametrize(("kind", "value"), [
    (ObservableType.ip, "300.1.2.3"), (ObservableType.domain, "not a domain"), (ObservableType.url, "evil.example"),
    (ObservableType.hash, "abc"), (ObservableType.hash, "z" * 32), (ObservableType.email, "nobody"),
    (ObservableType.account, "a\x07b"),
])
def test_an_invalid_observable_is_refused(personas, incident: Incident, kind, value) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput):
        service.add_observable(personas.db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id,
                               observable_in=ObservableCreate(type=kind, value=value))
    assert _kinds(personas.db, incident) == ["reported"]


def test_only_the_cert_marks_observables_for_sharing(personas, incident: Incident) -> None:  # noqa: ANN001
    db = personas.db
    observable = service.add_observable(db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id,
                                        observable_in=ObservableCreate(type="domain", value="evil.example.com"))
    with pytest.raises(PermissionDenied):
        service.add_observable(db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id,
                               observable_in=ObservableCreate(type="domain", value="b.example.com", share=True))
    with pytest.raises(Conflict):
        service.add_observable(db, actor=personas.actor("land_cert_admin"), incident_id=incident.id,
                               observable_in=ObservableCreate(type="domain", value="EVIL.example.com"))
    service.set_observable_share(db, actor=personas.actor("land_cert_admin"), incident_id=incident.id,
                                 observable_id=observable.id, share=True)
    assert observable.share
    service.remove_observable(db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id,
                              observable_id=observable.id)
    assert _kinds(db, incident)[1:] == ["observable_added", "observable_share_marked", "observable_removed"]


def test_evidence_records_the_chain_of_custody(personas, incident: Incident) -> None:  # noqa: ANN001
    handed = utcnow() - timedelta(hours=1)
    evidence = service.add_evidence(personas.db, actor=personas.actor("gemeinde_a1_admin"), incident_id=incident.id,
                                     evidence_in=EvidenceCreate(
                                         description="Festplatte Fileserver", location="Tresor Hauptamt",
                                         sha256="AB" * 32, handed_from="IT Gemeinde A1", handed_to="Landes-CERT",
                                         handed_at=handed))
    assert evidence.sha256 == "ab" * 32 and evidence.handed_at == handed
    with pytest.raises(InvalidInput):
        service.add_evidence(personas.db, actor=personas.actor("gemeinde_a1_admin"), incident_id=incident.id,
                             evidence_in=EvidenceCreate(description="x", location="y", sha256="123"))


def test_the_case_has_everything_in_order(personas, incident: Incident) -> None:  # noqa: ANN001
    db = personas.db
    service.add_note(db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id, body="Netz getrennt.")
    found = service.case(db, actor=personas.actor("kreis_a_admin"), incident_id=incident.id)
    assert [e.kind for e in found.timeline] == ["reported", "note"] and found.timeline[1].body == "Netz getrennt."
    assert found.allowed_phases == []
    with pytest.raises(InvalidInput):
        service.add_note(db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id, body="   ")
    with pytest.raises(PermissionDenied):  # an ancestor reads, it does not write
        service.add_note(db, actor=personas.actor("kreis_a_admin"), incident_id=incident.id, body="x")


def test_merging_takes_over_only_the_observables_the_original_lacks(personas, incident: Incident) -> None:  # noqa: ANN001
    db, cert = personas.db, personas.actor("land_cert_admin")
    dup = report(personas, "gemeinde_b1_member")
    for target, values in ((incident, ("203.0.113.7",)), (dup, ("203.0.113.7", "203.0.113.8"))):
        for value in values:
            service.add_observable(db, actor=cert, incident_id=target.id,
                                   observable_in=ObservableCreate(type=ObservableType.ip, value=value))
    service.merge_duplicate(db, actor=cert, incident_id=dup.id, duplicate_of_id=incident.id)
    found = service.case(db, actor=cert, incident_id=incident.id)
    assert sorted(o.value for o in found.observables) == ["203.0.113.7", "203.0.113.8"]
    assert found.timeline[-1].data == {"duplicate_id": dup.id, "observables": 1}
