"""/api/v1/deployments: who reads and writes what; another Kreis, another provider and the MIRT get 404."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from kommcert.db import utcnow
from kommcert.deployments import service
from kommcert.deployments.models import HandoverItem, StatusReport, TimeEntry
from tests.deployments.conftest import FORENSIC, LEAD, World

OUTSIDERS = ("gemeinde_b1_member", "kreis_b_admin", "provider_y_member", "mirt_member")


def _day(days_ago: int) -> str:
    return (service.today() - timedelta(days=days_ago)).isoformat()


def url(world: World, tail: str = "") -> str:
    return f"/api/v1/deployments/{world.deployment.id}{tail}"


def test_it_shows_the_deployment_to_the_parties_and_404_to_everyone_else(client, staffed: World) -> None:  # noqa: ANN001
    p = staffed.personas
    for who in ("provider_x", "gemeinde_a1_member", "kreis_a_admin", "land_cert_analyst"):
        response = client.get(url(staffed), headers=p.auth(who))
        assert response.status_code == 200, who
        assert [m["role"] for m in response.json()["members"]] == [LEAD, FORENSIC]
    for who in OUTSIDERS:
        assert client.get(url(staffed), headers=p.auth(who)).status_code == 404, who
        assert client.get(url(staffed, "/cost-statement"), headers=p.auth(who)).status_code == 404, who
        assert client.get(url(staffed, "/cost-statement.csv"), headers=p.auth(who)).status_code == 404, who
        listed = client.get("/api/v1/deployments", headers=p.auth(who)).json()
        assert staffed.deployment.id not in [d["id"] for d in listed], who
    assert client.get(url(staffed)).status_code == 401
    for who in ("provider_x", "gemeinde_a1_member", "land_cert_analyst"):
        listed = client.get("/api/v1/deployments", headers=p.auth(who)).json()
        assert [d["id"] for d in listed] == [staffed.deployment.id], who


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_outsider_writes_nothing_and_gets_404(client, staffed: World, who: str) -> None:  # noqa: ANN001
    p, lead = staffed.personas, staffed.deployment.members[0].id
    writes = [
        ("post", "/status-reports", {"day": _day(0), "conditions": "x", "actions": "y"}),
        ("post", "/members", {"name": "Eindringling", "role": LEAD}),
        ("post", "/time-entries", {"member_id": lead, "day": _day(1), "role": LEAD, "hours": "8"}),
        ("post", "/depart", None),
        ("post", "/signoff", None),
        ("post", "/evidence", {"description": "USB", "location": "Tasche"}),
    ]
    for method, tail, body in writes:
        response = getattr(client, method)(url(staffed, tail), json=body, headers=p.auth(who))
        assert response.status_code == 404, (who, tail, response.text)
    db = staffed.db
    assert db.scalar(select(func.count(StatusReport.id))) == 0
    assert db.scalar(select(func.count(TimeEntry.id))) == 0
    assert len(staffed.deployment.members) == 2 and staffed.deployment.state == "active"


def test_the_roles_are_kept_apart(client, staffed: World) -> None:  # noqa: ANN001
    p, lead = staffed.personas, staffed.deployment.members[0].id
    entry = {"member_id": lead, "day": _day(1), "role": LEAD, "hours": "8"}
    for who in ("gemeinde_a1_member", "land_cert_analyst", "kreis_a_admin", "provider_x_reader"):
        assert client.post(url(staffed, "/time-entries"), json=entry, headers=p.auth(who)).status_code == 403, who
    created = client.post(url(staffed, "/time-entries"), json=entry, headers=p.auth("provider_x"))
    assert created.status_code == 201, created.text
    eid = created.json()["id"]
    for who in ("provider_x", "land_cert_analyst", "kreis_a_admin"):
        response = client.post(url(staffed, f"/time-entries/{eid}/confirm"), headers=p.auth(who))
        assert response.status_code == 403, who
        assert response.json()["de"] == "Stunden bestätigt oder bestreitet die zahlende Kommune."
    assert client.post(url(staffed, "/status-reports"), json={"day": _day(0), "conditions": "x", "actions": "y"},
                       headers=p.auth("gemeinde_a1_member")).status_code == 403
    assert client.post(url(staffed, "/members"), json={"name": "X", "role": LEAD},
                       headers=p.auth("kreis_a_admin")).status_code == 403
    assert client.post(url(staffed, "/signoff"), headers=p.auth("provider_x")).status_code == 403


def test_a_whole_deployment_over_the_api(client, staffed: World) -> None:  # noqa: ANN001
    p = staffed.personas
    lead, forensic = (m.id for m in staffed.deployment.members)
    provider, town, cert = p.auth("provider_x"), p.auth("gemeinde_a1_admin"), p.auth("land_cert_admin")
    assert client.post(url(staffed, "/status-reports"), headers=provider, json={
        "day": _day(1), "conditions": "Lage", "actions": "Maßnahmen", "needs": "Bedarf"}).status_code == 201
    assert client.post(url(staffed, "/evidence"), headers=provider, json={
        "description": "Image DC01", "location": "Tresor"}).status_code == 201
    assert client.patch(url(staffed, f"/members/{lead}"), headers=provider, json={
        "arrived_at": (utcnow() - timedelta(days=2)).isoformat()}).status_code == 200
    ids = []
    for member, day, role, hours in ((lead, 2, LEAD, "8.5"), (forensic, 2, FORENSIC, "6"), (lead, 1, LEAD, "4")):
        response = client.post(url(staffed, "/time-entries"), headers=provider,
                               json={"member_id": member, "day": _day(day), "role": role, "hours": hours})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    disputed = client.post(url(staffed, f"/time-entries/{ids[2]}/dispute"), headers=town, json={"reason": "zu viel"})
    assert disputed.json()["state"] == "disputed"
    fixed = client.patch(url(staffed, f"/time-entries/{ids[2]}"), headers=provider, json={"hours": "3.25"})
    assert (fixed.json()["state"], fixed.json()["hours"]) == ("open", "3.25")
    for eid in ids:
        assert client.post(url(staffed, f"/time-entries/{eid}/confirm"), headers=town).status_code == 200
    assert client.patch(url(staffed, f"/time-entries/{ids[0]}"), headers=provider,
                        json={"hours": "1"}).status_code == 409  # confirmed is final
    assert client.post(url(staffed, "/depart"), headers=provider).json()["state"] == "handover"
    assert client.post(url(staffed, "/signoff"), headers=town).status_code == 409  # checklist open
    assert client.post(url(staffed, "/handover-items"), headers=town,
                       json={"area": "checked", "text": "Druckerserver geprüft"}).status_code == 201
    for item in staffed.db.scalars(select(HandoverItem)):
        response = client.patch(url(staffed, f"/handover-items/{item.id}"), headers=cert,
                                json={"done": True, "confirmed_by": "Frau IT-Leitung"})
        assert response.status_code == 200, response.text
    assert client.get(url(staffed, "/cost-statement"), headers=town).status_code == 404  # not yet closed
    assert client.post(url(staffed, "/signoff"), headers=town).status_code == 201
    assert client.post(url(staffed, "/signoff"), headers=town).status_code == 409  # once
    assert client.post(url(staffed, "/signoff"), headers=cert).status_code == 201
    detail = client.get(url(staffed), headers=town).json()
    assert detail["state"] == "closed"
    # 8.5 × 150 + 6 × 133.33 + 3.25 × 150 = 1275 + 799.98 + 487.50
    assert detail["cost_statement"]["total"] == "2562.48"
    statement = client.get(url(staffed, "/cost-statement"), headers=p.auth("kreis_a_admin")).json()
    assert statement["total"] == "2562.48" and statement["hours_total"] == "17.75"
    assert len(statement["lines"]) == 3 and statement["unit"] == "euros"
    assert client.post(url(staffed, "/time-entries"), headers=provider, json={
        "member_id": lead, "day": _day(0), "role": LEAD, "hours": "1"}).json()["de"].startswith(
        "Der Einsatz ist abgeschlossen")
    pdf = client.get(url(staffed, "/cost-statement.pdf"), headers=town)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Kostenaufstellung Einsatz" in text and "2.562,48" in text and "Gemeinde A1" in text
    csv = client.get(url(staffed, "/cost-statement.csv"), headers=p.auth("provider_x"))
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    # Gemeinde B1 of the other Kreis and another provider still see nothing of it.
    for who in OUTSIDERS:
        assert client.get(url(staffed, "/cost-statement.pdf"), headers=p.auth(who)).status_code == 404


def test_another_affected_organisation_sees_the_deployment_but_not_its_costs(client, staffed: World) -> None:  # noqa: ANN001
    from kommcert.deployments.models import CostStatement, DeploymentState
    from kommcert.incidents import service as incident_service
    from kommcert.incidents.models import ParticipantRole

    p, d = staffed.personas, staffed.deployment
    incident_service.add_participant(staffed.db, actor=staffed.actor("land_cert_analyst"),
                                     incident_id=staffed.incident.id, org_id=p.orgs["kreis_b"].id,
                                     role=ParticipantRole.affected)
    d.state = DeploymentState.closed
    staffed.db.add(CostStatement(deployment_id=d.id, org_id=d.org_id, hours_total=0, total=0, charged=0))
    staffed.db.flush()
    seen = client.get(url(staffed), headers=p.auth("kreis_b_admin"))
    assert seen.status_code == 200 and seen.json()["cost_statement"] is None
    for tail in ("/cost-statement", "/cost-statement.pdf", "/cost-statement.csv"):
        assert client.get(url(staffed, tail), headers=p.auth("kreis_b_admin")).status_code == 404, tail
    assert client.get(url(staffed, "/cost-statement"), headers=p.auth("kreis_a_admin")).status_code == 200
    english = client.get(url(staffed, "/cost-statement.pdf?lang=en"), headers=p.auth("gemeinde_a1_member"))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(english.content)).pages).split())
    assert f"Cost statement of deployment {d.id}" in text and "Total (EUR) 0.00" in text
