"""/api/v1/help-requests: the chain over the API, who gets 404 (another Kreis, a provider it is not
assigned to), bad input is a German 4xx that writes nothing, and a provider sees only the incidents
and requests assigned to it, without the contingent's numbers."""

from __future__ import annotations

from sqlalchemy import func, select

from kommcert.contracts.models import ContingentEntry
from kommcert.helprequests.models import HelpRequest
from kommcert.incidents.models import IncidentEvent
from tests.helprequests.conftest import Chain
from tests.incidents.conftest import report

BASE = "/api/v1/help-requests"
BODY = {"skills": ["incident_lead"], "urgency": "critical", "mode": "on_site", "estimate": "40",
        "cost_accepted": True, "description": "Fileserver verschlüsselt"}


def _count(db, model) -> int:  # noqa: ANN001
    return db.scalar(select(func.count()).select_from(model))


def _create(client, chain: Chain, who: str = "gemeinde_a1_admin", **body):  # noqa: ANN001, ANN003, ANN202
    return client.post(f"{BASE}?incident_id={chain.incident.id}", json={**BODY, **body},
                       headers=chain.p.auth(who))


def test_the_chain_over_the_api(client, chain: Chain) -> None:  # noqa: ANN001
    p = chain.p
    created = _create(client, chain)
    assert created.status_code == 201, created.text
    hr = created.json()
    assert (hr["state"], hr["estimate"], hr["unit"], hr["org_name"]) == ("requested", "40.00", "hours", "Gemeinde A1")
    assert hr["actions"] == ["withdraw"]
    cert = p.auth("land_cert_analyst")
    approved = client.post(f"{BASE}/{hr['id']}/approve", headers=cert).json()
    assert (approved["state"], approved["reserved"]) == ("approved", "40.00")
    assert client.post(f"{BASE}/{hr['id']}/assign", json={"assignee_org_id": p.orgs["provider_x"].id},
                       headers=cert).json()["state"] == "assigned"
    provider = p.auth("provider_x")
    seen = client.get(f"{BASE}/{hr['id']}", headers=provider).json()
    assert (seen["reserved"], seen["contingent_id"], seen["unit"]) == (None, None, None)
    assert seen["actions"] == ["return", "accept"]
    body = {"team": [{"person_id": chain.person.id, "role": "Incident Lead"}, {"name": "Frau F", "role": "Forensiker"}],
            "planned_arrival_at": "2020-01-01T10:00:00+00:00"}
    accepted = client.post(f"{BASE}/{hr['id']}/accept", json=body, headers=provider)
    assert accepted.status_code == 200, accepted.text
    deployed = client.post(f"{BASE}/{hr['id']}/deploy", json={}, headers=provider).json()
    assert deployed["state"] == "deployed" and deployed["deployment_id"] is not None
    listed = client.get(f"{BASE}?incident_id={chain.incident.id}&state=deployed",
                        headers=p.auth("gemeinde_a1_member")).json()
    assert [r["id"] for r in listed] == [hr["id"]]


def test_other_kreis_and_unassigned_providers_get_404(client, chain: Chain) -> None:  # noqa: ANN001
    p = chain.p
    hr = _create(client, chain).json()
    for who in ("gemeinde_b1_member", "kreis_b_admin", "provider_x", "mirt_member"):
        headers = p.auth(who)
        assert client.get(f"{BASE}/{hr['id']}", headers=headers).status_code == 404, who
        assert client.get(BASE, headers=headers).json() == [], who
        for action, body in (("approve", None), ("decline", {"reason": "x"}), ("withdraw", {}),
                             ("assign", {"assignee_org_id": p.orgs["provider_x"].id}), ("accept", {"team": []}),
                             ("deploy", {}), ("return", {})):
            response = client.post(f"{BASE}/{hr['id']}/{action}", json=body, headers=headers)
            assert response.status_code == 404, (who, action, response.text)
    assert client.get(f"{BASE}/{hr['id']}").status_code == 401
    client.post(f"{BASE}/{hr['id']}/approve", headers=p.auth("land_cert_analyst"))
    client.post(f"{BASE}/{hr['id']}/assign", json={"assignee_org_id": p.orgs["provider_x"].id},
                headers=p.auth("land_cert_analyst"))
    # Assigned to the provider: the MIRT and Kreis B still see nothing of it.
    for who in ("gemeinde_b1_member", "mirt_member"):
        assert client.get(f"{BASE}/{hr['id']}", headers=p.auth(who)).status_code == 404
        assert client.post(f"{BASE}/{hr['id']}/accept", json={"team": [{"name": "X", "role": "Forensiker"}]},
                           headers=p.auth(who)).status_code == 404
    assert client.get(f"{BASE}/{hr['id']}", headers=p.auth("provider_x")).status_code == 200


def test_bad_input_is_german_and_writes_nothing(client, chain: Chain) -> None:  # noqa: ANN001
    db = chain.p.db
    before = (_count(db, HelpRequest), _count(db, IncidentEvent), _count(db, ContingentEntry))
    response = _create(client, chain, cost_accepted=False)
    assert response.status_code == 422 and "Kostenübernahme" in response.json()["de"]
    response = _create(client, chain, who="gemeinde_a1_member")
    assert response.status_code == 403 and "Kostenübernahme" in response.json()["de"]
    assert _create(client, chain, skills=[]).status_code == 422
    assert _create(client, chain, estimate="0").status_code == 422
    assert _create(client, chain, skills=["cooking"]).status_code == 422
    assert (_count(db, HelpRequest), _count(db, IncidentEvent), _count(db, ContingentEntry)) == before
    big = _create(client, chain, estimate="100.50").json()
    events = _count(db, IncidentEvent)
    response = client.post(f"{BASE}/{big['id']}/approve", headers=chain.p.auth("land_cert_analyst"))
    assert response.status_code == 409 and "reicht nicht" in response.json()["de"]
    assert _count(db, ContingentEntry) == before[2] and _count(db, IncidentEvent) == events
    response = client.post(f"{BASE}/{big['id']}/approve", headers=chain.p.auth("gemeinde_a1_admin"))
    assert response.status_code == 403


def test_a_provider_sees_only_the_incidents_assigned_to_it(client, chain: Chain) -> None:  # noqa: ANN001
    p = chain.p
    other = report(p, title="Zweiter Vorfall")
    upload = client.post(f"/api/v1/incidents/{chain.incident.id}/attachments", headers=p.auth("gemeinde_a1_member"),
                         files={"files": ("note.txt", b"Ihre Dateien sind verschluesselt", "text/plain")})
    assert upload.status_code == 201, upload.text
    attachment_id = upload.json()[0]["id"]
    urls = [f"/api/v1/incidents/{chain.incident.id}", f"/api/v1/incidents/{chain.incident.id}/case",
            f"/api/v1/incidents/{chain.incident.id}/report.pdf",
            f"/api/v1/incidents/{chain.incident.id}/attachments/{attachment_id}"]

    def listed(who: str) -> set[int]:
        return {i["id"] for i in client.get("/api/v1/incidents", headers=p.auth(who)).json()["items"]}

    for who in ("provider_x", "mirt_member"):
        assert listed(who) == set()
        for url in urls:
            assert client.get(url, headers=p.auth(who)).status_code == 404, (who, url)
    chain.to_assigned("provider_x")
    assert listed("provider_x") == {chain.incident.id}
    assert other.id not in listed("provider_x")
    assert client.get(urls[0], headers=p.auth("provider_x")).status_code == 200
    assert client.get(urls[3], headers=p.auth("provider_x")).status_code == 200
    assert client.get(f"/api/v1/incidents/{other.id}", headers=p.auth("provider_x")).status_code == 404
    assert listed("mirt_member") == set()
    for url in urls:
        assert client.get(url, headers=p.auth("mirt_member")).status_code == 404, url
    # Two requests on the incident, the second one for the MIRT: each sees only its own.
    mirt_request = chain.to_assigned("mirt")
    own = client.get(f"{BASE}?incident_id={chain.incident.id}", headers=p.auth("provider_x")).json()
    assert mirt_request.id not in {r["id"] for r in own} and len(own) == 1
    assert client.get(f"{BASE}/{mirt_request.id}", headers=p.auth("provider_x")).status_code == 404
