"""Administrators mark an organisation as bound by § 32 BSIG; the deadlines of its open incidents follow."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.incidents.deadline_models import IncidentDeadline
from tests.incidents.conftest import report
from tests.personas import csrf_from


def _keys(db, incident) -> set[str]:  # noqa: ANN001
    db.expire_all()
    return set(db.scalars(select(IncidentDeadline.rule_key).where(IncidentDeadline.incident_id == incident.id)))


def test_the_kreis_marks_its_gemeinde_and_the_bsig_deadlines_appear(client, db, personas) -> None:  # noqa: ANN001
    incident = report(personas)
    db.commit()
    assert not any(key.startswith("bsig") for key in _keys(db, incident))
    url = f"/api/v1/orgs/{personas.orgs['gemeinde_a1'].id}/reporting-duty"
    answer = client.put(url, json={"bsig_in_scope": True}, headers=personas.auth("kreis_a_admin"))
    assert answer.status_code == 200 and answer.json() == {"bsig_in_scope": True}
    assert {"bsig_early_warning", "bsig_notification", "bsig_final_report"} <= _keys(db, incident)
    back = client.put(url, json={"bsig_in_scope": False}, headers=personas.auth("kreis_a_admin"))
    assert back.status_code == 200 and not any(key.startswith("bsig") for key in _keys(db, incident))


def test_only_administrators_above_or_of_the_organisation_may_mark_it(client, db, personas) -> None:  # noqa: ANN001
    url = f"/api/v1/orgs/{personas.orgs['gemeinde_a1'].id}/reporting-duty"
    assert client.put(url, json={"bsig_in_scope": True}, headers=personas.auth("gemeinde_a1_member")).status_code == 403
    # Another Kreis does not even learn that the organisation exists as a target of its administration.
    assert client.put(url, json={"bsig_in_scope": True}, headers=personas.auth("kreis_b_admin")).status_code == 404
    assert client.put(url, json={"bsig_in_scope": True}, headers=personas.auth("land_cert_admin")).status_code == 200
    assert client.put(url, json={"bsig_in_scope": "vielleicht"},
                      headers=personas.auth("land_cert_admin")).status_code == 422
    db.expire_all()
    assert personas.orgs["gemeinde_a1"].bsig_in_scope


def test_the_administration_page_has_the_switch(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    org = personas.orgs["gemeinde_a1"]
    page = client.get(f"/users?org_id={org.id}")
    assert "nach § 32 BSIG meldepflichtig" in page.text
    client.post(f"/users/org-reporting-duty/{org.id}", data={"bsig_in_scope": "on", "csrf_token": csrf_from(page.text)})
    db.expire_all()
    assert org.bsig_in_scope
    login("kreis_b_admin")
    other = client.get("/users")
    refused = client.post(f"/users/org-reporting-duty/{org.id}", data={"csrf_token": csrf_from(other.text)})
    db.expire_all()
    assert refused.status_code == 404 and org.bsig_in_scope
