from __future__ import annotations

import pytest

from kommcert.accounts.models import TokenScope
from kommcert.orgs.models import ContactRole, OrgContact

CONTACT = {"role": "isb", "name": "Iris Sicher", "email": "isb@a1.example", "phone": "0651 1",
           "phone_out_of_band": "0170 123456"}


@pytest.fixture
def a1_contact(db, personas) -> OrgContact:  # noqa: ANN001
    contact = OrgContact(org_id=personas.orgs["gemeinde_a1"].id, role=ContactRole.isb, name="Iris Sicher",
                         phone_out_of_band="0170 123456")
    db.add(contact)
    db.flush()
    return contact


@pytest.mark.parametrize("persona", ["gemeinde_a1_member", "kreis_a_admin", "land_cert_analyst"])
def test_it_shows_contacts_to_the_org_its_ancestors_and_certs(client, personas, a1_contact, persona) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    response = client.get(f"/api/v1/orgs/{org_id}/contacts", headers=personas.auth(persona))
    assert response.status_code == 200
    assert response.json()[0]["phone_out_of_band"] == "0170 123456"


@pytest.mark.parametrize("persona", ["gemeinde_b1_member", "kreis_b_admin", "provider_x"])
def test_it_hides_contacts_from_other_kreise_and_providers(client, personas, a1_contact, persona) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    response = client.get(f"/api/v1/orgs/{org_id}/contacts", headers=personas.auth(persona))
    assert response.status_code == 404
    assert "0170" not in response.text


def test_it_hides_contacts_of_the_parent_from_a_gemeinde(client, personas) -> None:  # noqa: ANN001
    # Visibility goes up the tree, not down.
    org_id = personas.orgs["kreis_a"].id
    assert client.get(f"/api/v1/orgs/{org_id}/contacts",
                      headers=personas.auth("gemeinde_a1_member")).status_code == 404


def test_it_lets_the_org_admin_add_a_contact(client, personas) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    response = client.post(f"/api/v1/orgs/{org_id}/contacts", json=CONTACT,
                           headers=personas.auth("gemeinde_a1_admin"))
    assert response.status_code == 201
    listed = client.get(f"/api/v1/orgs/{org_id}/contacts", headers=personas.auth("kreis_a_admin")).json()
    assert [c["name"] for c in listed] == ["Iris Sicher"]


@pytest.mark.parametrize(("persona", "status"), [
    ("gemeinde_a1_member", 403),  # sees them, is no admin (proposes instead)
    ("provider_x", 404),  # may not even see them
    ("kreis_b_admin", 404),  # another Kreis' admin may not even see them
])
def test_it_refuses_changes_by_others(client, personas, persona, status) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    response = client.post(f"/api/v1/orgs/{org_id}/contacts", json=CONTACT, headers=personas.auth(persona))
    assert response.status_code == status


@pytest.mark.parametrize("admin", ["gemeinde_a1_admin", "kreis_a_admin", "land_cert_admin"])
def test_it_lets_the_admins_of_the_org_and_above_it_manage_them(client, personas, admin) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    response = client.post(f"/api/v1/orgs/{org_id}/contacts", json=CONTACT, headers=personas.auth(admin))
    assert response.status_code == 201 and response.json()["org_id"] == org_id


def test_it_refuses_changes_with_a_read_only_token(client, personas) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    response = client.post(f"/api/v1/orgs/{org_id}/contacts", json=CONTACT,
                           headers=personas.auth("gemeinde_a1_admin", TokenScope.read))
    assert response.status_code == 403


def test_it_lets_cert_admins_update_and_delete(client, personas, a1_contact) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    headers = personas.auth("land_cert_admin")
    changed = client.put(f"/api/v1/orgs/{org_id}/contacts/{a1_contact.id}", json={**CONTACT, "name": "Neu"},
                         headers=headers)
    assert changed.json()["name"] == "Neu"
    assert client.delete(f"/api/v1/orgs/{org_id}/contacts/{a1_contact.id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/orgs/{org_id}/contacts", headers=headers).json() == []


def test_it_does_not_touch_a_contact_through_another_org(client, personas, a1_contact) -> None:  # noqa: ANN001
    other = personas.orgs["gemeinde_b1"].id
    response = client.delete(f"/api/v1/orgs/{other}/contacts/{a1_contact.id}",
                             headers=personas.auth("land_cert_admin"))
    assert response.status_code == 404


def test_it_refuses_bad_phone_numbers(client, personas) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    response = client.post(f"/api/v1/orgs/{org_id}/contacts", json={**CONTACT, "phone": "<script>"},
                           headers=personas.auth("gemeinde_a1_admin"))
    assert response.status_code == 422
    assert "phone" in response.json()["en"]
