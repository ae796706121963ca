"""Delegated administration: a Kreis or VG admin manages the accounts of its whole subtree, never
another Kreis' (item 5 of issue 11); accounts come only with the invitation flow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kommcert.accounts.models import Role, User, UserInvitation
from kommcert.audit.models import AuditEntry
from kommcert.errors import NotFound
from kommcert.orgs import service as orgs_service
from tests.personas import csrf_from, password_hash


def _new(org_id: int, email: str = "neu@example.test") -> dict[str, object]:
    return {"org_id": org_id, "email": email, "name": "Neue Person", "role": "member"}


@pytest.fixture
def vg_a_admin(db, personas):  # noqa: ANN001, ANN201
    user = User(org=personas.orgs["vg_a"], email="vg_a_admin@example.test", name="vg_a_admin", role=Role.admin,
                password_hash=password_hash())
    db.add(user)
    db.flush()
    personas.users["vg_a_admin"] = user
    return user


def test_it_lets_a_kreis_admin_invite_into_its_gemeinde(client, db, personas) -> None:  # noqa: ANN001
    gemeinde = personas.orgs["gemeinde_a1"].id
    response = client.post("/api/v1/users", json=_new(gemeinde), headers=personas.auth("kreis_a_admin"))
    assert response.status_code == 201, response.text
    user = db.get(User, response.json()["id"])
    assert user.org_id == gemeinde and user.password_hash is None  # nobody knows a password
    assert db.scalar(select(UserInvitation).where(UserInvitation.user_id == user.id)) is not None
    listed = client.get(f"/api/v1/users?org_id={gemeinde}", headers=personas.auth("kreis_a_admin")).json()
    assert "neu@example.test" in {u["email"] for u in listed}


def test_it_keeps_a_kreis_admin_out_of_another_kreis(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    for key in ("gemeinde_b1", "vg_b", "kreis_b"):
        org = personas.orgs[key].id
        assert client.get(f"/api/v1/users?org_id={org}", headers=headers).status_code == 404
        assert client.post("/api/v1/users", json=_new(org), headers=headers).status_code == 404
    member_b = personas.users["gemeinde_b1_member"].id
    assert client.patch(f"/api/v1/users/{member_b}", json={"is_active": False}, headers=headers).status_code == 404


def test_it_lets_a_vg_admin_manage_its_vg_subtree_only(client, personas, vg_a_admin) -> None:  # noqa: ANN001
    headers = personas.auth("vg_a_admin")
    member = personas.users["gemeinde_a1_member"].id
    assert client.patch(f"/api/v1/users/{member}", json={"role": "reader"}, headers=headers).json()["role"] == "reader"
    # Not upward (its Kreis) and not sideways (another Kreis).
    for key in ("kreis_a", "gemeinde_b1"):
        assert client.get(f"/api/v1/users?org_id={personas.orgs[key].id}", headers=headers).status_code == 404
    kreis_admin = personas.users["kreis_a_admin"].id
    assert client.get(f"/api/v1/users/{kreis_admin}", headers=headers).status_code == 404


def test_it_refuses_a_gemeinde_member_and_admin_upward(client, personas) -> None:  # noqa: ANN001
    kreis = personas.orgs["kreis_a"].id
    assert client.get(f"/api/v1/users?org_id={kreis}", headers=personas.auth("gemeinde_a1_admin")).status_code == 404
    gemeinde = personas.orgs["gemeinde_a1"].id
    assert client.post("/api/v1/users", json=_new(gemeinde),
                       headers=personas.auth("gemeinde_a1_member")).status_code == 404


def test_it_audits_the_invitation_in_the_gemeinde(client, db, personas) -> None:  # noqa: ANN001
    gemeinde = personas.orgs["gemeinde_a1"].id
    client.post("/api/v1/users", json=_new(gemeinde), headers=personas.auth("kreis_a_admin"))
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.org_id == gemeinde)))
    assert {"user_created", "user_created_elsewhere", "invitation_sent"} <= actions


def test_it_lists_the_subtree_for_the_picker(db, personas) -> None:  # noqa: ANN001
    names = [o.name for o in orgs_service.managed_orgs(db, personas.actor("kreis_a_admin"))]
    assert names == ["Kreis A", "VG A", "Gemeinde A1"]
    assert orgs_service.managed_orgs(db, personas.actor("gemeinde_a1_member")) == []


def test_it_shows_a_gemeinde_users_page_to_its_kreis_admin(client, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    gemeinde = personas.orgs["gemeinde_a1"].id
    page = client.get(f"/users?org_id={gemeinde}")
    assert page.status_code == 200 and "gemeinde_a1_member@example.test" in page.text
    assert 'name="org_id"' in page.text and ">Gemeinde A1 (Ortsgemeinde)<" in page.text
    created = client.post("/users", data={"csrf_token": csrf_from(page.text), "org_id": gemeinde,
                                          "email": "kassenwart@example.test", "name": "Kassenwart", "role": "member"})
    assert created.status_code == 200 and "Einladung verschickt" in created.text
    assert "/invitation?token=" in created.text


def test_it_hides_another_kreis_users_page(client, personas, login) -> None:  # noqa: ANN001
    login("kreis_b_admin")
    assert client.get(f"/users?org_id={personas.orgs['gemeinde_a1'].id}").status_code == 404
    page = client.get("/users")
    assert "Gemeinde A1" not in page.text and "Gemeinde B1" in page.text


def test_it_raises_not_found_in_the_service_for_another_kreis(db, personas) -> None:  # noqa: ANN001
    from kommcert.accounts import service as accounts_service

    with pytest.raises(NotFound):
        accounts_service.list_users(db, actor=personas.actor("kreis_b_admin"), org_id=personas.orgs["vg_a"].id)
    vg_a = personas.orgs["vg_a"].id
    assert accounts_service.list_users(db, actor=personas.actor("land_cert_admin"), org_id=vg_a) == []
