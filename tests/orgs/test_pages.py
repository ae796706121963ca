from __future__ import annotations

from kommcert.orgs.models import ContactRole, OrgContact
from tests.personas import csrf_from


def _contact(db, personas) -> None:  # noqa: ANN001
    db.add(OrgContact(org_id=personas.orgs["gemeinde_a1"].id, role=ContactRole.isb, name="Iris <b>Sicher</b>",
                      phone_out_of_band="0170 123456"))
    db.flush()


def test_it_shows_the_tree_and_loads_children(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_b1_member")
    page = client.get("/orgs")
    assert page.status_code == 200 and "Testland" in page.text
    children = client.get(f"/orgs/{personas.orgs['land'].id}/children")
    assert "Kreis A" in children.text and "Kreis B" in children.text  # the tree itself is not secret


def test_it_searches_by_name_and_key(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    assert "Gemeinde B1" in client.get("/orgs?q=B1").text
    assert "Gemeinde A1" in client.get("/orgs?q=991015001001").text


def test_it_shows_contacts_and_the_card_to_an_ancestor(client, db, personas, login, settings) -> None:  # noqa: ANN001
    _contact(db, personas)
    login("kreis_a_admin")
    detail = client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}")
    assert "0170 123456" in detail.text
    assert "Iris &lt;b&gt;Sicher&lt;/b&gt;" in detail.text  # escaped
    card = client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}/notfallkarte")
    assert card.status_code == 200
    assert settings.cert_hotline in card.text and "0170 123456" in card.text
    assert "Welches IT-System ist betroffen?" in card.text


def test_it_hides_contacts_and_card_from_another_kreis(client, db, personas, login) -> None:  # noqa: ANN001
    _contact(db, personas)
    login("kreis_b_admin")
    detail = client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}")
    assert detail.status_code == 200 and "0170 123456" not in detail.text
    card = client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}/notfallkarte", headers={"accept": "text/html"})
    assert card.status_code == 404 and "0170" not in card.text


def test_it_lets_the_admin_add_a_contact_by_form(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    org_id = personas.orgs["gemeinde_a1"].id
    page = client.get(f"/orgs/{org_id}")
    response = client.post(f"/orgs/{org_id}/contacts", data={
        "csrf_token": csrf_from(page.text), "role": "it_leitung", "name": "Ida IT", "phone_out_of_band": "0171 1"},
        follow_redirects=False)
    assert response.status_code == 303
    assert "Ida IT" in client.get(f"/orgs/{org_id}").text


def test_it_shows_a_german_form_error(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    org_id = personas.orgs["gemeinde_a1"].id
    page = client.get(f"/orgs/{org_id}")
    response = client.post(f"/orgs/{org_id}/contacts", data={
        "csrf_token": csrf_from(page.text), "role": "isb", "name": "X", "phone": "abc"})
    assert response.status_code == 422
    assert "Bitte das Feld" in response.text


def test_it_refuses_the_form_to_a_member(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    org_id = personas.orgs["gemeinde_a1"].id
    page = client.get(f"/orgs/{org_id}")
    assert "Kontakt hinzufügen" not in page.text
    response = client.post(f"/orgs/{org_id}/contacts", data={
        "csrf_token": csrf_from(page.text), "role": "isb", "name": "X"})
    assert response.status_code == 403


def test_it_lists_orgs_in_the_api_for_members_only(client, personas) -> None:  # noqa: ANN001
    assert client.get("/api/v1/orgs").status_code == 401
    listed = client.get("/api/v1/orgs?kind=kreis", headers=personas.auth("provider_x")).json()
    assert sorted(o["name"] for o in listed["items"]) == ["Kreis A", "Kreis B"]
    children = client.get(f"/api/v1/orgs/{personas.orgs['kreis_a'].id}/children",
                          headers=personas.auth("provider_x")).json()
    assert [o["name"] for o in children["items"]] == ["VG A"]
