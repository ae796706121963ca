from __future__ import annotations

import pytest

from kommcert.accounts.models import TokenScope

BODY = {"qualifications": ["Vorfallsbearbeitung"], "skills": ["recovery"], "on_call_phone": "0800 2",
        "people": [{"name": "Leo Leitung", "phone": "0171 7", "skills": ["incident_lead"]}]}


def test_anonymous_gets_401(client, registry) -> None:  # noqa: ANN001
    assert client.get("/api/v1/providers").status_code == 401
    assert client.get(f"/api/v1/providers/{registry.orgs['provider_x'].id}").status_code == 401


@pytest.mark.parametrize(("name", "phones"), [("gemeinde_a1_member", False), ("gemeinde_b1_member", False),
                                               ("kreis_b_admin", False), ("land_cert_analyst", True),
                                               ("provider_x", True)])
def test_members_read_the_registry_phones_only_cert_and_own(client, registry, name, phones) -> None:  # noqa: ANN001
    headers = registry.auth(name)
    items = client.get("/api/v1/providers", headers=headers).json()["items"]
    assert [i["key"] for i in items] == ["provider_x"]
    one = client.get(f"/api/v1/providers/{registry.orgs['provider_x'].id}", headers=headers)
    assert one.status_code == 200
    for body in (items[0], one.json()):
        assert body["phones_visible"] is phones and body["on_call_phone"] == "0800 111222"
        assert ("0171 5550001" in str(body)) is phones


def test_filters_and_unknown_ids(client, registry) -> None:  # noqa: ANN001
    headers = registry.auth("gemeinde_a1_member")
    assert client.get("/api/v1/providers?skill=recovery", headers=headers).json()["items"] == []
    assert len(client.get("/api/v1/providers?skill=host_forensics", headers=headers).json()["items"]) == 1
    region = registry.orgs["kreis_b"].id
    assert client.get(f"/api/v1/providers?region_id={region}", headers=headers).json()["items"] == []
    assert client.get("/api/v1/providers?skill=zaubern", headers=headers).status_code == 422
    for org in ("kreis_a", "mirt"):  # not a provider / no profile yet
        assert client.get(f"/api/v1/providers/{registry.orgs[org].id}", headers=headers).status_code == 404


@pytest.mark.parametrize(("name", "status"), [("land_cert_admin", 200), ("provider_x_admin", 200),
                                               ("provider_x", 403), ("land_cert_analyst", 403),
                                               ("kreis_a_admin", 403), ("kreis_b_admin", 403),
                                               ("gemeinde_a1_admin", 403)])
def test_put_per_role(client, db, registry, name, status) -> None:  # noqa: ANN001
    org_id = registry.orgs["provider_x"].id
    response = client.put(f"/api/v1/providers/{org_id}", json=BODY, headers=registry.auth(name))
    assert response.status_code == status, response.text
    skills = client.get(f"/api/v1/providers/{org_id}", headers=registry.auth("gemeinde_a1_member")).json()["skills"]
    assert skills == (["recovery"] if status == 200 else ["incident_lead", "host_forensics"])
    if status == 403:
        assert response.json()["de"].startswith("Nur CERT-Administratoren")


def test_put_refuses_a_read_token_and_bad_input_without_writing(client, registry) -> None:  # noqa: ANN001
    org_id = registry.orgs["provider_x"].id
    assert client.put(f"/api/v1/providers/{org_id}", json=BODY,
                      headers=registry.auth("land_cert_admin", TokenScope.read)).status_code == 403
    headers = registry.auth("land_cert_admin")
    bad = [{"skills": ["zaubern"]}, {"on_call_phone": "0800 abc"}, {"people": [{"name": " "}]},
           {"people": [{"name": "A", "email": "kein-mail"}]}, {"region_ids": [registry.orgs["vg_a"].id]},
           {"people": [{"name": "A"}, {"name": "a"}]}]
    for body in bad:
        response = client.put(f"/api/v1/providers/{org_id}", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
    region = client.put(f"/api/v1/providers/{org_id}", json={"region_ids": [registry.orgs["vg_a"].id]},
                        headers=headers).json()
    assert "Kreis" in region["de"] and "Kreis" in region["en"]
    assert client.get(f"/api/v1/providers/{org_id}", headers=headers).json()["skills"] == [
        "incident_lead", "host_forensics"]
    assert client.put(f"/api/v1/providers/{registry.orgs['kreis_a'].id}", json=BODY,
                      headers=headers).status_code == 404


def test_a_cert_admin_creates_the_mirt_profile(client, registry) -> None:  # noqa: ANN001
    mirt = registry.orgs["mirt"].id
    response = client.put(f"/api/v1/providers/{mirt}", json={**BODY, "region_ids": [registry.orgs["land"].id]},
                          headers=registry.auth("land_cert_admin"))
    assert response.status_code == 200 and response.json()["kind"] == "mirt"
    assert response.json()["regions"] == [{"id": registry.orgs["land"].id, "name": "Testland"}]


def test_put_without_people_keeps_them(client, registry) -> None:  # noqa: ANN001
    org_id = registry.orgs["provider_x"].id
    body = client.put(f"/api/v1/providers/{org_id}", json={"skills": ["recovery"]},
                      headers=registry.auth("provider_x_admin")).json()
    assert [p["name"] for p in body["people"]] == ["Frieda Forensik", "Leo Leitung"]
    emptied = client.put(f"/api/v1/providers/{org_id}", json={"people": []},
                         headers=registry.auth("provider_x_admin")).json()
    assert emptied["people"] == []
