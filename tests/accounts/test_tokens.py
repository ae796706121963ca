from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kommcert.accounts.models import ApiToken, TokenScope
from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from tests.personas import csrf_from


def test_it_shows_a_new_token_once_and_stores_only_its_hash(client, db, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/tokens", json={"name": "Firewall", "scope": "read"},
                           headers=personas.auth("gemeinde_a1_admin"))
    assert response.status_code == 201
    text = response.json()["token"]
    stored = db.scalar(select(ApiToken).where(ApiToken.name == "Firewall"))
    assert text not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    listing = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {text}"})
    assert listing.status_code == 200
    assert text not in listing.text
    log = " ".join(str(e.detail) for e in db.scalars(select(AuditEntry)))
    assert text not in log


def test_it_refuses_writes_with_a_read_token(client, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/reports", json={"title": "x"},
                           headers=personas.auth("gemeinde_a1_admin", TokenScope.read))
    assert response.status_code == 403
    assert response.json()["de"] == "Dieser Zugang darf nur lesen."


def test_it_refuses_revoked_and_expired_tokens_with_401(client, db, personas) -> None:  # noqa: ANN001
    headers = personas.auth("gemeinde_a1_member")
    token = db.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    revoke = client.delete(f"/api/v1/tokens/{token.id}", headers=personas.auth("gemeinde_a1_member"))
    assert revoke.status_code == 204
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    expired_headers = personas.auth("gemeinde_a1_member")
    newest = db.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    newest.expires_at = utcnow() - timedelta(minutes=1)
    db.flush()
    assert client.get("/api/v1/me", headers=expired_headers).status_code == 401
    rejected = db.scalars(select(AuditEntry).where(AuditEntry.action == "token_rejected")).all()
    assert len(rejected) == 2


def test_it_refuses_a_malformed_authorization_header(client, personas) -> None:  # noqa: ANN001
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer kc_forged"}).status_code == 401


def test_it_keeps_tokens_of_other_orgs_out_of_reach(client, db, personas) -> None:  # noqa: ANN001
    personas.token("gemeinde_b1_member")
    b_token = db.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    headers = personas.auth("kreis_a_admin")
    assert client.delete(f"/api/v1/tokens/{b_token.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/tokens?user_id={personas.users['gemeinde_b1_member'].id}",
                      headers=headers).status_code == 404
    assert client.post("/api/v1/tokens", json={"name": "x", "user_id": personas.users["gemeinde_b1_member"].id},
                       headers=headers).status_code == 403
    db.refresh(b_token)
    assert b_token.revoked_at is None


def test_it_creates_tokens_for_their_owner_only_not_even_for_an_admin(client, db, personas) -> None:  # noqa: ANN001
    member = personas.users["gemeinde_a1_member"]
    for admin in ("gemeinde_a1_admin", "land_cert_admin"):
        response = client.post("/api/v1/tokens", json={"name": "SIEM", "user_id": member.id},
                               headers=personas.auth(admin))
        assert response.status_code == 403, admin
    assert db.scalar(select(ApiToken).where(ApiToken.user_id == member.id)) is None
    refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "token_refused")).all()
    assert [e.object_id for e in refused] == [str(member.id)] * 2
    assert {e.actor_user_id for e in refused} == {personas.users["gemeinde_a1_admin"].id,
                                                 personas.users["land_cert_admin"].id}


def test_it_answers_unknown_and_foreign_user_ids_alike(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    foreign = client.post("/api/v1/tokens", json={"name": "x", "user_id": personas.users["gemeinde_b1_member"].id},
                          headers=headers)
    unknown = client.post("/api/v1/tokens", json={"name": "x", "user_id": 987654}, headers=headers)
    assert foreign.status_code == unknown.status_code == 403
    assert foreign.json() == unknown.json()


def test_it_accepts_the_own_user_id(client, personas) -> None:  # noqa: ANN001
    me = personas.users["gemeinde_a1_admin"]
    response = client.post("/api/v1/tokens", json={"name": "SIEM", "user_id": me.id},
                           headers=personas.auth("gemeinde_a1_admin"))
    assert response.status_code == 201 and response.json()["user_id"] == me.id


def test_it_refuses_a_token_for_someone_else_on_the_page(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    member = personas.users["gemeinde_a1_member"]
    page = client.get(f"/tokens?user_id={member.id}")
    assert page.status_code == 200 and 'method="post" action="/tokens"' not in page.text  # no form for them
    response = client.post("/tokens", data={"csrf_token": csrf_from(page.text), "name": "x", "scope": "read",
                                            "days": "30", "user_id": str(member.id)})
    assert response.status_code == 403
    assert db.scalar(select(ApiToken).where(ApiToken.user_id == member.id)) is None
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "token_refused")) is not None


def test_it_refuses_an_expiry_in_the_past(client, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/tokens", json={"name": "alt", "expires_at": "2020-01-01T00:00:00Z"},
                           headers=personas.auth("gemeinde_a1_member"))
    assert response.status_code == 422


def test_it_manages_tokens_on_the_page(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/tokens")
    created = client.post("/tokens", data={"csrf_token": csrf_from(page.text), "name": "Proxy", "scope": "read",
                                           "days": "30"})
    assert "nur jetzt angezeigt" in created.text
    token = db.scalar(select(ApiToken).where(ApiToken.name == "Proxy"))
    assert token.expires_at is not None and token.scope == TokenScope.read
    text = created.text.split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).status_code == 200
    client.post(f"/tokens/{token.id}/revoke", data={"csrf_token": csrf_from(page.text)})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).status_code == 401
