"""Accounts created by someone else become usable only when their owner sets the password."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from kommcert.accounts.models import User, UserInvitation
from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from kommcert.jobs.models import Job
from tests.personas import csrf_from, web_login

NEW_PASSWORD = "a long password of my own"


def _new(org_id: int, email: str = "neu@example.test", **kw: object) -> dict:
    return {"org_id": org_id, "email": email, "name": "Neu", "role": "member", **kw}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _accept(client, url: str, password: str = NEW_PASSWORD):  # noqa: ANN001, ANN202
    page = client.get(_path(url))
    assert page.status_code == 200, page.text
    token = url.split("token=")[1]
    return client.post("/invitation", data={"csrf_token": csrf_from(page.text), "token": token,
                                            "password": password, "repeat": password}, follow_redirects=False)


def _login_status(client, email: str, password: str) -> int:  # noqa: ANN001
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
                       follow_redirects=False).status_code


def test_it_creates_an_account_that_cannot_log_in_until_its_owner_sets_the_password(client, db, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/users", json=_new(personas.orgs["kreis_a"].id),
                           headers=personas.auth("kreis_a_admin"))
    assert response.status_code == 201
    body = response.json()
    assert "initial_password" not in body and "password" not in str(body).lower()
    user = db.scalar(select(User).where(User.email == "neu@example.test"))
    assert user.password_hash is None
    stored = db.scalar(select(UserInvitation).where(UserInvitation.user_id == user.id))
    secret = body["invitation_url"].split("token=")[1]
    assert secret not in stored.token_hash and len(stored.token_hash) == 64

    accepted = _accept(client, body["invitation_url"])
    assert accepted.status_code == 303 and accepted.headers["location"].startswith("/login")
    client.cookies.clear()
    web_login(client, "neu@example.test", NEW_PASSWORD)
    actions = [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.object_id == str(user.id)))]
    assert "invitation_sent" in actions and "invitation_accepted" in actions


def test_it_mails_the_invitation_to_the_new_account(client, db, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/users", json=_new(personas.orgs["kreis_a"].id),
                           headers=personas.auth("kreis_a_admin"))
    mails = [j.payload for j in db.scalars(select(Job).where(Job.kind == "mail.send"))]
    assert [m["to"] for m in mails] == [["neu@example.test"]]
    assert response.json()["invitation_url"] in mails[0]["text"]
    assert response.json()["invitation_url"].startswith("http://testserver/invitation?token=")


def test_it_uses_an_invitation_only_once(client, personas) -> None:  # noqa: ANN001
    url = client.post("/api/v1/users", json=_new(personas.orgs["kreis_a"].id),
                      headers=personas.auth("kreis_a_admin")).json()["invitation_url"]
    assert _accept(client, url).status_code == 303
    assert client.get(_path(url)).status_code == 404
    page = client.get("/login")
    again = client.post("/invitation", data={"csrf_token": csrf_from(page.text), "token": url.split("token=")[1],
                                             "password": "another long password", "repeat": "another long password"})
    assert again.status_code == 404
    assert _login_status(client, "neu@example.test", "another long password") == 401


def test_it_refuses_an_expired_or_forged_invitation(client, db, personas) -> None:  # noqa: ANN001
    url = client.post("/api/v1/users", json=_new(personas.orgs["kreis_a"].id),
                      headers=personas.auth("kreis_a_admin")).json()["invitation_url"]
    for invitation in db.scalars(select(UserInvitation)):
        invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert client.get(_path(url)).status_code == 404
    assert client.get("/invitation?token=forged").status_code == 404
    assert client.get("/invitation").status_code == 404


def test_it_refuses_a_short_or_mismatched_password_and_keeps_the_link(client, personas) -> None:  # noqa: ANN001
    url = client.post("/api/v1/users", json=_new(personas.orgs["kreis_a"].id),
                      headers=personas.auth("kreis_a_admin")).json()["invitation_url"]
    assert _accept(client, url, password="short").status_code == 422
    page = client.get(_path(url))
    mismatch = client.post("/invitation", data={"csrf_token": csrf_from(page.text), "token": url.split("token=")[1],
                                                "password": NEW_PASSWORD, "repeat": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422 and "stimmen nicht überein" in mismatch.text
    assert _accept(client, url).status_code == 303


def test_it_tells_the_org_admins_when_someone_else_creates_an_account_there(client, db, personas) -> None:  # noqa: ANN001
    gemeinde = personas.orgs["gemeinde_a1"]
    response = client.post("/api/v1/users", json=_new(gemeinde.id, role="admin"),
                           headers=personas.auth("land_cert_admin"))
    assert response.status_code == 201
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user_created_elsewhere"))
    assert entry.org_id == gemeinde.id and entry.detail["by_org_id"] == personas.orgs["land_cert"].id
    mails = [j.payload for j in db.scalars(select(Job).where(Job.kind == "mail.send"))]
    told = [m for m in mails if m["to"] == ["gemeinde_a1_admin@example.test"]]
    assert len(told) == 1 and "neu@example.test" in told[0]["text"]
    assert response.json()["invitation_url"] not in told[0]["text"]
    # The Gemeinde's admin reads it in the own organisation's log.
    log = client.get("/api/v1/audit?action=user_created_elsewhere", headers=personas.auth("gemeinde_a1_admin"))
    assert [e["object_id"] for e in log.json()["items"]] == [str(response.json()["id"])]


def test_it_does_not_notify_anyone_when_an_org_admin_creates_an_own_account(client, db, personas) -> None:  # noqa: ANN001
    client.post("/api/v1/users", json=_new(personas.orgs["gemeinde_a1"].id), headers=personas.auth("gemeinde_a1_admin"))
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "user_created_elsewhere")) is None
    assert [j.payload["to"] for j in db.scalars(select(Job))] == [["neu@example.test"]]


def test_it_sends_a_new_invitation_only_for_accounts_without_password(client, db, personas) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    created = client.post("/api/v1/users", json=_new(personas.orgs["kreis_a"].id), headers=headers).json()
    again = client.post(f"/api/v1/users/{created['id']}/invitation", headers=headers)
    assert again.status_code == 201 and again.json()["invitation_url"] != created["invitation_url"]
    assert client.get(_path(created["invitation_url"])).status_code == 404  # the old link stopped working
    # An account with a password gets no link: it would let the administrator take the account over.
    refused = client.post(f"/api/v1/users/{personas.users['kreis_a_admin'].id}/invitation", headers=headers)
    assert refused.status_code == 422


def test_it_keeps_invitations_of_other_kreise_out_of_reach(client, personas) -> None:  # noqa: ANN001
    created = client.post("/api/v1/users", json=_new(personas.orgs["kreis_b"].id),
                          headers=personas.auth("kreis_b_admin")).json()
    assert client.post(f"/api/v1/users/{created['id']}/invitation",
                       headers=personas.auth("kreis_a_admin")).status_code == 404
    assert client.post(f"/api/v1/users/{created['id']}/invitation",
                       headers=personas.auth("gemeinde_b1_member")).status_code == 404
    assert client.post(f"/api/v1/users/{created['id']}/invitation").status_code in (401, 403)


def test_it_invites_from_the_users_page(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get("/users")
    created = client.post("/users", data={"csrf_token": csrf_from(page.text), "org_id": personas.orgs["kreis_a"].id,
                                          "email": "seite@example.test", "name": "Seite", "role": "reader"})
    assert created.status_code == 200 and "Einladung verschickt" in created.text
    url = created.text.split('id="invitation-url">')[1].split("<")[0]
    assert "eingeladen" in created.text and "Einladung erneut senden" in created.text
    user = db.scalar(select(User).where(User.email == "seite@example.test"))
    resent = client.post(f"/users/{user.id}/invitation", data={"csrf_token": csrf_from(page.text)})
    assert resent.status_code == 200
    assert resent.text.split('id="invitation-url">')[1].split("<")[0] != url
    other = personas.users["kreis_b_admin"].id
    assert client.post(f"/users/{other}/invitation", data={"csrf_token": csrf_from(page.text)}).status_code == 404
