from __future__ import annotations


def test_the_list_filters_by_skill(client, registry, login) -> None:  # noqa: ANN001
    login("gemeinde_b1_member")
    page = client.get("/providers")
    assert page.status_code == 200 and "Dienstleister X" in page.text and "Host-Forensik" in page.text
    assert "Dienstleister X" in client.get("/providers?skill=host_forensics").text
    assert "Dienstleister X" not in client.get("/providers?skill=recovery").text
    assert client.get("/providers?skill=zaubern").status_code == 200  # an unknown filter shows all


def test_the_detail_hides_phones_from_another_kreis_member(client, registry, login) -> None:  # noqa: ANN001
    login("gemeinde_b1_member")
    page = client.get(f"/providers/{registry.orgs['provider_x'].id}")
    assert page.status_code == 200 and "Frieda Forensik" in page.text and "0800 111222" in page.text
    assert "0171 5550001" not in page.text and "Telefonnummern sehen nur" in page.text


def test_the_detail_shows_phones_to_the_cert(client, registry, login) -> None:  # noqa: ANN001
    login("land_cert_admin")
    page = client.get(f"/providers/{registry.orgs['provider_x'].id}")
    assert "0171 5550001" in page.text and "BSI-qualifizierter APT-Response-Dienstleister" in page.text


def test_pages_need_a_login_and_unknown_ids_are_404(client, registry, login) -> None:  # noqa: ANN001
    response = client.get("/providers", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]
    login("provider_x")
    assert "0171 5550001" in client.get(f"/providers/{registry.orgs['provider_x'].id}").text
    assert client.get(f"/providers/{registry.orgs['kreis_a'].id}", headers={"accept": "text/html"}).status_code == 404
