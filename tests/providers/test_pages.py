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


def test_the_providers_admin_edits_the_profile_by_form(client, db, registry, login) -> None:  # noqa: ANN001
    from tests.personas import csrf_from

    login("provider_x_admin")
    org_id = registry.orgs["provider_x"].id
    page = client.get(f"/providers/{org_id}")
    assert "Profil bearbeiten" in page.text
    response = client.post(f"/providers/{org_id}", data={
        "csrf_token": csrf_from(page.text), "qualifications": "Vorfallsbearbeitung\n\nForensik-Zertifikat",
        "skill": ["recovery", "malware_analysis"], "region_id": [str(registry.orgs["kreis_b"].id)],
        "on_call_phone": "0800 333"}, follow_redirects=False)
    assert response.status_code == 303
    shown = client.get(f"/providers/{org_id}").text
    assert "Forensik-Zertifikat" in shown and "Schadsoftware-Analyse" in shown and "0800 333" in shown
    assert "Frieda Forensik" in shown  # the people stay


def test_the_form_shows_a_german_error_and_writes_nothing(client, registry, login) -> None:  # noqa: ANN001
    from tests.personas import csrf_from

    login("land_cert_admin")
    org_id = registry.orgs["provider_x"].id
    token = csrf_from(client.get(f"/providers/{org_id}").text)
    for data, message in (({"on_call_phone": "0800 abc"}, "Bitte das Feld „Rufbereitschaft“ prüfen."),
                          ({"region_id": [str(registry.orgs["vg_a"].id)]}, "ist weder das Land noch ein Kreis"),
                          ({"region_id": ["x"]}, "Bitte das Feld „Regionen“ prüfen."),
                          ({"skill": ["zaubern"]}, "Bitte das Feld „Fähigkeiten“ prüfen.")):
        response = client.post(f"/providers/{org_id}", data={"csrf_token": token, **data})
        assert response.status_code == 422 and message in response.text, response.text
    assert "0800 111222" in client.get(f"/providers/{org_id}").text


def test_others_get_no_form_and_their_post_is_refused(client, registry, login) -> None:  # noqa: ANN001
    from tests.personas import csrf_from

    login("kreis_b_admin")
    org_id = registry.orgs["provider_x"].id
    page = client.get(f"/providers/{org_id}")
    assert "Profil bearbeiten" not in page.text
    response = client.post(f"/providers/{org_id}", data={"csrf_token": csrf_from(page.text), "skill": ["recovery"]})
    assert response.status_code == 403 and "Nur CERT-Administratoren" in response.text
    assert client.post(f"/providers/{registry.orgs['kreis_a'].id}",
                       data={"csrf_token": csrf_from(page.text)}).status_code == 404
