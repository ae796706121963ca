"""/api/v1/contingents: the Land's CERT administrators set; each sees its own and its Kreis's; 404 across Kreise."""

from __future__ import annotations

from kommcert.db import utcnow

YEAR = utcnow().year


def _put(client, personas, who: str, **body):  # noqa: ANN001, ANN003, ANN202
    return client.put("/api/v1/contingents", json={"year": YEAR, "unit": "euros", **body},
                      headers=personas.auth(who))


def test_set_and_overview(client, personas) -> None:  # noqa: ANN001
    response = _put(client, personas, "land_cert_admin", org_key="kreis_a", amount="25000.00")
    assert response.status_code == 200, response.text
    kreis = response.json()
    assert (kreis["amount"], kreis["used"], kreis["reserved"], kreis["left"]) == ("25000.00", "0.00", "0.00",
                                                                                 "25000.00")
    _put(client, personas, "land_cert_admin", org_key="gemeinde_a1", amount="1000.5")
    b1 = _put(client, personas, "land_cert_admin", org_key="gemeinde_b1", unit="hours", amount="40").json()
    overview = client.get(f"/api/v1/contingents?year={YEAR}", headers=personas.auth("gemeinde_a1_member")).json()
    assert [k["org_key"] for k in overview["kreise"]] == ["kreis_a"]
    assert [c["org_key"] for c in overview["kreise"][0]["contingents"]] == ["kreis_a", "gemeinde_a1"]
    assert overview["kreise"][0]["totals"][0]["amount"] == "26000.50"
    everything = client.get(f"/api/v1/contingents?year={YEAR}", headers=personas.auth("land_cert_analyst")).json()
    assert [k["org_key"] for k in everything["kreise"]] == ["kreis_a", "kreis_b"]
    # Another Kreis's contingent does not exist for a municipality of Kreis A.
    assert client.get(f"/api/v1/contingents/{b1['contingent_id']}",
                      headers=personas.auth("gemeinde_a1_member")).status_code == 404
    assert client.get(f"/api/v1/contingents/{b1['contingent_id']}",
                      headers=personas.auth("kreis_a_admin")).status_code == 404
    assert client.get(f"/api/v1/contingents/{b1['contingent_id']}",
                      headers=personas.auth("gemeinde_b1_member")).status_code == 200
    assert client.get(f"/api/v1/contingents?year={YEAR}", headers=personas.auth("provider_x")).json()["kreise"] == []


def test_only_the_land_cert_admin_sets(client, personas) -> None:  # noqa: ANN001
    for who in ("land_cert_analyst", "kreis_a_admin", "gemeinde_a1_admin", "provider_x"):
        response = _put(client, personas, who, org_key="gemeinde_a1", amount="1")
        assert response.status_code == 403, who
        assert response.json()["de"].startswith("Nur Administratoren des Landes-CERT")
    assert client.put("/api/v1/contingents", json={"org_key": "kreis_a", "year": YEAR, "unit": "euros",
                                                   "amount": "1"}).status_code in (401, 403)
    assert client.get("/api/v1/contingents").status_code == 401


def test_bad_input_is_a_clear_4xx_and_writes_nothing(client, personas) -> None:  # noqa: ANN001
    bad = ({"org_key": "kreis_a", "amount": "-1"}, {"org_key": "kreis_a", "amount": "1.001"},
           {"org_key": "kreis_a", "amount": 1.5e20}, {"org_key": "nowhere", "amount": "1"},
           {"org_key": "provider_x", "amount": "1"}, {"org_key": "kreis_a", "amount": "1", "unit": "liters"})
    for body in bad:
        response = _put(client, personas, "land_cert_admin", **body)
        assert response.status_code == 422, (body, response.text)
    overview = client.get(f"/api/v1/contingents?year={YEAR}", headers=personas.auth("land_cert_admin")).json()
    assert overview["kreise"] == []
