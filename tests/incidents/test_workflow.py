"""Who may move an incident and write to it: the workflow table, per role, on top of VIEW."""

from __future__ import annotations

import pytest

from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.incidents import service, workflow
from kommcert.incidents.models import Incident, IncidentEvent, ParticipantRole, Phase
from kommcert.incidents.workflow import Right, Role
from tests.incidents.conftest import report

# persona -> roles on Gemeinde A1's incident (assigned to land_cert_analyst, Kreis B's admin takes part)
EXPECTED_ROLES = {
    "land_cert_analyst": {Role.cert, Role.assignee},
    "land_cert_admin": {Role.cert},
    "gemeinde_a1_member": {Role.owner_writer},
    "gemeinde_a1_admin": {Role.owner_writer},
    "kreis_a_admin": set(),  # an ancestor: sees it, writes nothing
    "kreis_b_admin": {Role.participant},
    "gemeinde_b1_member": set(),  # another Kreis: does not even see it
    "provider_x": set(),
}


@pytest.fixture
def worked(personas, incident: Incident) -> Incident:  # noqa: ANN001
    cert = personas.actor("land_cert_admin")
    service.assign(personas.db, actor=cert, incident_id=incident.id, assignee_id=personas.users["land_cert_analyst"].id)
    service.add_participant(personas.db, actor=cert, incident_id=incident.id, org_id=personas.orgs["kreis_b"].id)
    return incident


@pytest.mark.parametrize("persona", sorted(EXPECTED_ROLES))
def test_each_persona_has_its_roles(personas, worked: Incident, persona: str) -> None:  # noqa: ANN001
    assert workflow.roles(personas.db, personas.actor(persona), worked) == EXPECTED_ROLES[persona]


def test_a_reader_has_no_role_even_in_the_own_organisation(personas, incident: Incident) -> None:  # noqa: ANN001
    from kommcert.accounts.models import Role as UserRole

    personas.users["gemeinde_a1_member"].role = UserRole.reader
    personas.db.flush()
    assert workflow.roles(personas.db, personas.actor("gemeinde_a1_member"), incident) == frozenset()


# (from, to, persona, allowed)
PHASE_CASES = [
    (Phase.reported, Phase.triage, "land_cert_admin", True),
    (Phase.reported, Phase.triage, "gemeinde_a1_member", False),
    (Phase.reported, Phase.triage, "kreis_a_admin", False),
    (Phase.triage, Phase.containment, "land_cert_analyst", True),  # the assignee
    (Phase.triage, Phase.containment, "gemeinde_a1_member", False),
    (Phase.triage, Phase.rejected, "land_cert_admin", True),
    (Phase.triage, Phase.rejected, "gemeinde_a1_admin", False),
    (Phase.containment, Phase.eradication, "gemeinde_a1_member", True),
    (Phase.containment, Phase.eradication, "kreis_b_admin", False),  # a participant
    (Phase.eradication, Phase.recovery, "gemeinde_a1_member", True),
    (Phase.recovery, Phase.lessons, "land_cert_analyst", True),
    (Phase.recovery, Phase.containment, "gemeinde_a1_admin", True),  # found again
    (Phase.lessons, Phase.closed, "land_cert_analyst", True),
    (Phase.lessons, Phase.closed, "gemeinde_a1_admin", False),
]


@pytest.mark.parametrize(("frm", "to", "persona", "allowed"), PHASE_CASES)
def test_phase_changes_follow_the_table(personas, worked: Incident, frm: Phase, to: Phase, persona: str,  # noqa: ANN001
                                       allowed: bool) -> None:
    worked.phase = frm
    personas.db.flush()
    events_before = personas.db.query(IncidentEvent).filter_by(incident_id=worked.id).count()
    if allowed:
        service.change_phase(personas.db, actor=personas.actor(persona), incident_id=worked.id, phase=to)
        assert worked.phase == to
        assert (worked.closed_at is not None) == to.is_final
        last = personas.db.query(IncidentEvent).filter_by(incident_id=worked.id) \
            .order_by(IncidentEvent.id.desc()).first()
        assert last.kind == "phase_changed" and last.data == {"from": str(frm), "to": str(to)}
    else:
        with pytest.raises(PermissionDenied):
            service.change_phase(personas.db, actor=personas.actor(persona), incident_id=worked.id, phase=to)
        assert worked.phase == frm
        assert personas.db.query(IncidentEvent).filter_by(incident_id=worked.id).count() == events_before


def test_a_step_that_is_not_in_the_table_is_refused_for_everyone(personas, worked: Incident) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as refused:
        service.change_phase(personas.db, actor=personas.actor("land_cert_admin"), incident_id=worked.id,
                             phase=Phase.closed)
    assert refused.value.de == "Von „gemeldet“ geht es nicht zu „abgeschlossen“."
    assert worked.phase == Phase.reported


def test_another_kreis_cannot_even_try(personas, worked: Incident) -> None:  # noqa: ANN001
    with pytest.raises(NotFound):
        service.change_phase(personas.db, actor=personas.actor("gemeinde_b1_member"), incident_id=worked.id,
                             phase=Phase.triage)


def test_allowed_phases_name_the_buttons(personas, worked: Incident) -> None:  # noqa: ANN001
    db = personas.db
    assert workflow.allowed_phases(db, personas.actor("land_cert_admin"), worked) == [Phase.triage, Phase.duplicate]
    assert workflow.allowed_phases(db, personas.actor("gemeinde_a1_member"), worked) == []


# right -> personas that hold it on the worked incident
RIGHT_HOLDERS = {
    Right.triage: {"land_cert_analyst", "land_cert_admin"},
    Right.claim: {"land_cert_analyst", "land_cert_admin"},
    Right.assign: {"land_cert_analyst", "land_cert_admin"},
    Right.merge_duplicate: {"land_cert_analyst", "land_cert_admin"},
    Right.participants: {"land_cert_analyst", "land_cert_admin", "gemeinde_a1_member", "gemeinde_a1_admin"},
    Right.note: {"land_cert_analyst", "land_cert_admin", "gemeinde_a1_member", "gemeinde_a1_admin", "kreis_b_admin"},
    Right.task: {"land_cert_analyst", "land_cert_admin", "gemeinde_a1_member", "gemeinde_a1_admin"},
    Right.observable: {"land_cert_analyst", "land_cert_admin", "gemeinde_a1_member", "gemeinde_a1_admin",
                       "kreis_b_admin"},
    Right.mark_share: {"land_cert_analyst", "land_cert_admin"},
    Right.evidence: {"land_cert_analyst", "land_cert_admin", "gemeinde_a1_member", "gemeinde_a1_admin",
                     "kreis_b_admin"},
    Right.attachment: {"land_cert_analyst", "land_cert_admin", "gemeinde_a1_member", "gemeinde_a1_admin",
                       "kreis_b_admin"},
}


@pytest.mark.parametrize("right", sorted(RIGHT_HOLDERS))
def test_write_rights_per_role(personas, worked: Incident, right: Right) -> None:  # noqa: ANN001
    holders = {p for p in EXPECTED_ROLES if workflow.has_right(personas.db, personas.actor(p), worked, right)}
    assert holders == RIGHT_HOLDERS[right]


def test_only_a_cert_reports_on_behalf(personas) -> None:  # noqa: ANN001
    assert workflow.may_report_on_behalf(personas.actor("land_cert_analyst"))
    assert not workflow.may_report_on_behalf(personas.actor("kreis_a_admin"))
    with pytest.raises(PermissionDenied):
        report(personas, "kreis_a_admin", on_behalf_of_org_id=personas.orgs["gemeinde_a1"].id)


def test_a_participant_writes_notes_but_does_not_move_phases(personas, worked: Incident) -> None:  # noqa: ANN001
    note = service.add_note(personas.db, actor=personas.actor("kreis_b_admin"), incident_id=worked.id,
                            body="Wir sehen dieselbe Absenderadresse.")
    assert note.kind == "note" and note.actor_org_id == personas.orgs["kreis_b"].id
    assert ParticipantRole.support == personas.db.query(service.IncidentParticipant).one().role
