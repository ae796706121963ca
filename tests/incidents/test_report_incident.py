"""Reporting an incident: who sees it, what is recorded, the hotline on behalf, and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied, TooLarge
from kommcert.files import Upload
from kommcert.incidents import service
from kommcert.incidents.models import Incident, IncidentAttachment, IncidentEvent, Phase
from kommcert.orgs.models import ContactRole, OrgContact
from kommcert.sharing import policy
from kommcert.sharing.tlp import TLP
from tests.incidents.conftest import MAX_BYTES, report, report_in

SEE = {"gemeinde_a1_member", "gemeinde_a1_admin", "kreis_a_admin", "land_cert_analyst", "land_cert_admin"}
NOT_SEE = {"gemeinde_b1_member", "kreis_b_admin", "provider_x", "anonymous"}


def _counts(db) -> tuple[int, int, int]:  # noqa: ANN001
    return (db.scalar(select(func.count(Incident.id))), db.scalar(select(func.count(IncidentEvent.id))),
            db.scalar(select(func.count(IncidentAttachment.id))))


def test_a_gemeinde_reports_and_its_kreis_and_the_certs_see_it(personas, incident: Incident) -> None:  # noqa: ANN001
    assert incident.tlp == TLP.amber_strict and incident.upward is True and incident.phase == Phase.reported
    assert incident.owner_org_id == personas.orgs["gemeinde_a1"].id and not incident.on_behalf
    assert incident.title == "Ransomware – Gemeinde A1"
    assert incident.answers == {"systems": "Fileserver, alle Arbeitsplätze",
                                "observed": "Dateien verschlüsselt, Erpresserschreiben"}
    assert incident.first_known_at == incident.reported_at
    for who in SEE:
        assert policy.can(personas.db, personas.actor(who), policy.VIEW, incident), who
    for who in NOT_SEE:
        assert not policy.can(personas.db, personas.actor(who), policy.VIEW, incident), who
        with pytest.raises(NotFound):
            service.get_incident(personas.db, actor=personas.actor(who), incident_id=incident.id)
    [event] = personas.db.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id))
    assert event.kind == "reported" and event.actor_id == personas.users["gemeinde_a1_member"].id


def test_the_hotline_reports_on_behalf_of_a_gemeinde_whose_it_is_down(personas) -> None:  # noqa: ANN001
    incident = report(personas, "land_cert_analyst", on_behalf_of_org_id=personas.orgs["gemeinde_a1"].id,
                      reporter_name="Bürgermeister (per Mobiltelefon)")
    assert incident.owner_org_id == personas.orgs["gemeinde_a1"].id
    assert incident.on_behalf and incident.filed_by_org_id == personas.orgs["land_cert"].id
    assert incident.filed_by_id == personas.users["land_cert_analyst"].id and incident.reporter_id is None
    # the municipality owns it: its people see and work on it like on their own report
    assert policy.can(personas.db, personas.actor("gemeinde_a1_member"), policy.VIEW, incident)
    event = personas.db.scalar(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id))
    assert event.data["on_behalf"] is True


def test_the_callback_number_defaults_to_the_out_of_band_phone(personas) -> None:  # noqa: ANN001
    personas.db.add(OrgContact(org_id=personas.orgs["gemeinde_a1"].id, role=ContactRole.it_leitung, name="IT",
                               phone_out_of_band="+49 170 1234567"))
    personas.db.flush()
    assert service.default_callback_phone(personas.db, personas.orgs["gemeinde_a1"].id) == "+49 170 1234567"
    assert report(personas, callback_phone="").callback_phone == "+49 170 1234567"


def test_since_when_becomes_the_time_of_first_knowledge(personas) -> None:  # noqa: ANN001
    since = utcnow() - timedelta(hours=5)
    assert report(personas, first_known_at=since).first_known_at == since


def test_ransom_note_and_screenshot_are_stored_with_the_report(personas) -> None:  # noqa: ANN001
    files = [Upload("C:\\Users\\x\\README_DECRYPT.txt", "text/plain", b"pay us"),
             Upload("bild.png", "image/png", b"\x89PNG")]
    incident = service.report_incident(personas.db, actor=personas.actor("gemeinde_a1_member"), incident_in=report_in(),
                                       uploads=files, max_bytes=MAX_BYTES)
    stored = personas.db.scalars(select(IncidentAttachment).where(IncidentAttachment.incident_id == incident.id)
                                 .order_by(IncidentAttachment.id)).all()
    assert [a.filename for a in stored] == ["README_DECRYPT.txt", "bild.png"]
    got = service.get_attachment(personas.db, actor=personas.actor("kreis_a_admin"), incident_id=incident.id,
                                 attachment_id=stored[0].id)
    assert got.content == b"pay us"
    with pytest.raises(NotFound):
        service.get_attachment(personas.db, actor=personas.actor("kreis_b_admin"), incident_id=incident.id,
                               attachment_id=stored[0].id)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"tlp": TLP.red}, "TLP:RED ist für Vorfälle nicht möglich"),
    ({"tlp": TLP.green}, "nie öffentlich"),
    ({"answers": {"systems": "Fileserver"}}, "Bitte beantworten: „Wie haben Sie den Notfall bemerkt?"),
    ({"answers": {"observed": "x", "systems": "  "}}, "Bitte beantworten: „Welches IT-System ist betroffen?“"),
    ({"answers": {"observed": "x", "systems": "y", "color": "blue"}}, "Unbekannte Frage: color"),
    ({"first_known_at": utcnow() + timedelta(days=2)}, "liegt in der Zukunft"),
    ({"on_behalf_of_org_id": 2**31 - 1}, "Nur die Hotline eines CERT"),
])
def test_bad_input_is_refused_and_nothing_is_written(personas, overrides: dict, message: str) -> None:  # noqa: ANN001
    before = _counts(personas.db)
    with pytest.raises((InvalidInput, PermissionDenied)) as refused:
        report(personas, **overrides)
    assert message in refused.value.de and refused.value.en != refused.value.de
    assert _counts(personas.db) == before


def test_a_file_over_the_limit_refuses_the_whole_report(personas) -> None:  # noqa: ANN001
    before = _counts(personas.db)
    with pytest.raises(TooLarge):
        service.report_incident(personas.db, actor=personas.actor("gemeinde_a1_member"), incident_in=report_in(),
                                uploads=[Upload("big.png", "image/png", b"x" * (MAX_BYTES + 1))], max_bytes=MAX_BYTES)
    assert _counts(personas.db) == before


def test_the_hotline_cannot_file_for_an_unknown_organisation(personas) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="Unknown organisation"):
        report(personas, "land_cert_analyst", on_behalf_of_org_id=2**31 - 1)


def test_lists_show_mine_and_what_i_may_see(personas, incident: Incident) -> None:  # noqa: ANN001
    other = report(personas, "gemeinde_b1_member")
    db = personas.db
    ids = [i.id for i in service.list_incidents(db, actor=personas.actor("land_cert_analyst"))]
    assert ids == [other.id, incident.id]
    assert [i.id for i in service.list_incidents(db, actor=personas.actor("kreis_a_admin"))] == [incident.id]
    assert service.list_incidents(db, actor=personas.actor("kreis_a_admin"), mine=True) == []
    mine = service.list_incidents(db, actor=personas.actor("gemeinde_b1_member"), mine=True)
    assert [i.id for i in mine] == [other.id]


def test_the_deadline_attributes_follow_the_contract(personas, incident: Incident) -> None:  # noqa: ANN001
    attrs = service.deadline_attributes(personas.db, incident)
    assert attrs == {"category": "ransomware", "severity": "medium", "personal_data_affected": False,
                     "data_exfiltrated": False, "citizen_services_down": False, "ransom_note": True,
                     "bsig_in_scope": False, "land_rules_in_scope": False, "org_kind": "ortsgemeinde"}
    personas.orgs["gemeinde_a1"].bsig_in_scope = True
    assert service.deadline_attributes(personas.db, incident)["bsig_in_scope"] is True
    assert service.deadline_attributes(personas.db, report(personas, "gemeinde_b1_member", bsig_answer=True))[
        "bsig_in_scope"] is True
    assert service.deadline_anchors(incident) == {"first_known_at": incident.first_known_at,
                                                  "reported_at": incident.reported_at}
