"""Naming persons in a report's audience neither confirms addresses nor fails with 500."""

from __future__ import annotations

from tests.personas import csrf_from


def _report(client, headers, users: list[int]):  # noqa: ANN001, ANN202
    return client.post("/api/v1/reports", json={"title": "Für eine Person", "tlp": "red", "audience_users": users},
                       headers=headers)


def test_it_refuses_an_unknown_person_id_with_422_not_500(client, personas) -> None:  # noqa: ANN001
    response = _report(client, personas.auth("gemeinde_a1_member"), [987654])
    assert response.status_code == 422 and response.json()["de"]


def test_it_lets_a_gemeinde_address_its_kreis_and_the_certs(client, personas) -> None:  # noqa: ANN001
    named = [personas.users["kreis_a_admin"].id, personas.users["land_cert_analyst"].id]
    created = _report(client, personas.auth("gemeinde_a1_member"), named)
    assert created.status_code == 201
    report_id = created.json()["id"]
    assert client.get(f"/api/v1/reports/{report_id}", headers=personas.auth("kreis_a_admin")).status_code == 200
    assert client.get(f"/api/v1/reports/{report_id}", headers=personas.auth("kreis_b_admin")).status_code == 404


def test_it_lets_a_cert_address_anyone(client, personas) -> None:  # noqa: ANN001
    created = _report(client, personas.auth("land_cert_analyst"), [personas.users["gemeinde_b1_member"].id])
    assert created.status_code == 201
    report_id = created.json()["id"]
    assert client.get(f"/api/v1/reports/{report_id}",
                      headers=personas.auth("gemeinde_b1_member")).status_code == 200
    assert client.get(f"/api/v1/reports/{report_id}",
                      headers=personas.auth("gemeinde_a1_member")).status_code == 404


def test_it_does_not_confirm_an_address_on_the_report_form(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/reports/new")

    def send(email: str):  # noqa: ANN202
        return client.post("/reports", data={"csrf_token": csrf_from(page.text), "title": "RED", "tlp": "red",
                                             "users": email}, follow_redirects=False)

    unknown, exists = send("niemand@example.test"), send("gemeinde_b1_member@example.test")
    assert unknown.status_code == exists.status_code == 422
    assert "unbekannt oder außerhalb Ihres Bereichs" in unknown.text
    assert unknown.text.replace("niemand@example.test", "X") == exists.text.replace(
        "gemeinde_b1_member@example.test", "X")
    allowed = send("kreis_a_admin@example.test")
    assert allowed.status_code == 303
