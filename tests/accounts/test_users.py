from __future__ import annotations

from sqlalchemy import select

from kommcert.accounts.models import TokenScope, User
from tests.personas import csrf_from, web_login


def _new(org_id: int, email: str = "neu@example.test", **kw: object) -> dict:
    return {"org_id": org_id, "email": email, "name": "Neu", "role": "member", **kw}


def test_it_lets_an_org_admin_create_a_user_without_knowing_a_password(client, db, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/users", json=_new(personas.orgs["kreis_a"].id),
                           headers=personas.auth("kreis_a_admin"))
    assert response.status_code == 201
    assert "initial_password" not in response.json() and "invitation_url" in response.json()
    assert db.scalar(select(User).where(User.email == "neu@example.test")).password_hash is None


def test_it_hides_other_orgs_users_from_org_admins(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    kreis_b = personas.orgs["kreis_b"].id
    assert client.get(f"/api/v1/users?org_id={kreis_b}", headers=headers).status_code == 404
    assert client.post("/api/v1/users", json=_new(kreis_b), headers=headers).status_code == 404
    b_user = personas.users["kreis_b_admin"].id
    assert client.get(f"/api/v1/users/{b_user}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/users/{b_user}", json={"role": "reader"}, headers=headers).status_code == 404


def test_it_lets_a_kreis_admin_reach_down_its_own_tree_only(client, personas) -> None:  # noqa: ANN001
    # Delegated administration: a Kreis admin administers the accounts of its Gemeinden ...
    headers = personas.auth("kreis_a_admin")
    gemeinde = personas.users["gemeinde_a1_member"].id
    assert client.get(f"/api/v1/users/{gemeinde}", headers=headers).status_code == 200
    # ... but not those of another Kreis' Gemeinden.
    other = personas.users["gemeinde_b1_member"].id
    assert client.get(f"/api/v1/users/{other}", headers=headers).status_code == 404


def test_it_lets_cert_admins_manage_every_org(client, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/users", json=_new(personas.orgs["gemeinde_b1"].id),
                           headers=personas.auth("land_cert_admin"))
    assert response.status_code == 201 and response.json()["org_id"] == personas.orgs["gemeinde_b1"].id


def test_it_refuses_members_and_read_only_tokens(client, personas) -> None:  # noqa: ANN001
    org = personas.orgs["gemeinde_a1"].id
    assert client.get(f"/api/v1/users?org_id={org}", headers=personas.auth("gemeinde_a1_member")).status_code == 404
    response = client.post("/api/v1/users", json=_new(org), headers=personas.auth("gemeinde_a1_admin", TokenScope.read))
    assert response.status_code == 403


def test_it_refuses_a_taken_email(client, personas) -> None:  # noqa: ANN001
    org = personas.orgs["kreis_a"].id
    headers = personas.auth("kreis_a_admin")
    taken = client.post("/api/v1/users", json=_new(org, email="kreis_b_admin@example.test"), headers=headers)
    assert taken.status_code == 422 and "taken" in taken.json()["en"]


def test_it_logs_out_a_deactivated_user_everywhere(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    assert client.get("/").status_code == 200
    response = client.patch(f"/api/v1/users/{personas.users['gemeinde_a1_member'].id}", json={"is_active": False},
                            headers=personas.auth("gemeinde_a1_admin"))
    assert response.status_code == 200
    assert client.get("/", follow_redirects=False).status_code == 303


def test_it_keeps_an_admin_from_locking_themselves_out(client, personas) -> None:  # noqa: ANN001
    me = personas.users["kreis_a_admin"].id
    response = client.patch(f"/api/v1/users/{me}", json={"role": "reader"}, headers=personas.auth("kreis_a_admin"))
    assert response.status_code == 422


def test_it_manages_users_on_the_page(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get("/users")
    assert page.status_code == 200 and "kreis_a_admin@example.test" in page.text
    created = client.post("/users", data={"csrf_token": csrf_from(page.text), "org_id": personas.orgs["kreis_a"].id,
                                          "email": "seite@example.test", "name": "Seite", "role": "reader"})
    assert "seite@example.test" in created.text and "nur jetzt angezeigt" in created.text
    assert 'id="invitation-url"' in created.text
    user = db.scalar(select(User).where(User.email == "seite@example.test"))
    client.post(f"/users/{user.id}", data={"csrf_token": csrf_from(page.text), "action": "deactivate"})
    db.refresh(user)
    assert not user.is_active
    assert client.get(f"/users?org_id={personas.orgs['kreis_b'].id}").status_code == 404


def test_it_hides_the_user_page_from_members(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    assert client.get("/users").status_code == 404


def test_it_changes_the_own_password(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/account")
    wrong = client.post("/account/password", data={"csrf_token": csrf_from(page.text), "old": "nope",
                                                  "new": "a new long password", "repeat": "a new long password"})
    assert wrong.status_code == 422 and "bisherige Passwort" in wrong.text
    from tests.personas import PASSWORD

    ok = client.post("/account/password", data={"csrf_token": csrf_from(page.text), "old": PASSWORD,
                                               "new": "a new long password", "repeat": "a new long password"})
    assert "Das Passwort wurde geändert." in ok.text
    client.cookies.clear()
    web_login(client, "gemeinde_a1_member@example.test", "a new long password")
