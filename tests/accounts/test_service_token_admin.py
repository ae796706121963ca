"""Organisation service tokens: scopes for appliances, last use with address, managed by the
admins of the organisation and of those above it, revoked after a confirmation page."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ApiToken
from kommcert.db import utcnow
from tests.personas import csrf_from


def _create(client, personas, admin: str = "gemeinde_a1_admin", **body: object):  # noqa: ANN001, ANN202
    return client.post("/api/v1/tokens/service", json={"name": "Firewall", **body}, headers=personas.auth(admin))


def _bearer(response) -> dict[str, str]:  # noqa: ANN001
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_it_keeps_a_feed_token_to_the_feeds(client, personas) -> None:  # noqa: ANN001
    created = _create(client, personas, scope="feed")
    assert created.status_code == 201 and created.json()["scope"] == "feed"
    assert client.get("/feeds/txt", headers=_bearer(created)).status_code == 200
    assert client.get(f"/feeds/txt?token={created.json()['token']}").status_code == 200
    assert client.get("/api/v1/reports", headers=_bearer(created)).status_code == 403
    assert client.post("/api/v1/sightings", json={"sightings": []}, headers=_bearer(created)).status_code == 403


def test_it_lets_a_scan_token_report_sightings_and_nothing_else(client, personas) -> None:  # noqa: ANN001
    created = _create(client, personas, scope="scan")
    headers = _bearer(created)
    assert client.get("/feeds/scan", headers=headers).status_code == 200
    assert client.post("/api/v1/sightings", json={"sightings": []}, headers=headers).status_code in (200, 201)
    assert client.post("/api/v1/reports", json={"title": "x"}, headers=headers).status_code == 403
    assert client.get("/api/v1/indicators", headers=headers).status_code == 403


def test_it_never_gives_a_service_token_write_access(client, personas) -> None:  # noqa: ANN001
    assert _create(client, personas, scope="read_write").status_code == 422
    read = _create(client, personas, scope="read")
    assert client.get("/api/v1/reports", headers=_bearer(read)).status_code == 200
    assert client.post("/api/v1/sightings", json={"sightings": []}, headers=_bearer(read)).status_code == 403


def test_it_refuses_feed_scopes_for_personal_tokens(client, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/tokens", json={"name": "x", "scope": "feed"},
                           headers=personas.auth("gemeinde_a1_member"))
    assert response.status_code == 422


def test_it_records_the_last_use_and_address_once_a_minute(client, db, personas) -> None:  # noqa: ANN001
    created = _create(client, personas, scope="feed")
    token = db.get(ApiToken, created.json()["id"])
    assert token.last_used_at is None and token.last_used_ip is None
    first = accounts_service.resolve_token(db, created.json()["token"], ip="192.0.2.10")
    assert first.last_used_ip == "192.0.2.10" and first.last_used_at is not None
    stamped = first.last_used_at
    accounts_service.resolve_token(db, created.json()["token"], ip="192.0.2.99")
    assert token.last_used_ip == "192.0.2.10" and token.last_used_at == stamped  # within the minute: no write
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        accounts_service.resolve_token(db, created.json()["token"], ip="192.0.2.99")
    assert token.last_used_ip == "192.0.2.99" and token.last_used_at > stamped


def test_it_shows_the_last_address_in_the_api(client, personas) -> None:  # noqa: ANN001
    created = _create(client, personas, scope="feed")
    client.get("/feeds/txt", headers=_bearer(created))
    listed = client.get("/api/v1/tokens/service", headers=personas.auth("gemeinde_a1_admin")).json()
    assert listed[0]["last_used_ip"] == "testclient" and listed[0]["last_used_at"] is not None


def test_it_lets_a_kreis_admin_manage_a_gemeinde_token(client, personas) -> None:  # noqa: ANN001
    gemeinde = personas.orgs["gemeinde_a1"].id
    created = _create(client, personas, "kreis_a_admin", org_id=gemeinde, scope="feed")
    assert created.status_code == 201 and created.json()["org_id"] == gemeinde
    listed = client.get(f"/api/v1/tokens/service?org_id={gemeinde}", headers=personas.auth("kreis_a_admin")).json()
    assert [t["id"] for t in listed] == [created.json()["id"]]
    # The Gemeinde's own admins see it too and may revoke it.
    own = client.get("/api/v1/tokens/service", headers=personas.auth("gemeinde_a1_admin")).json()
    assert [t["id"] for t in own] == [created.json()["id"]]
    assert client.delete(f"/api/v1/tokens/{created.json()['id']}",
                         headers=personas.auth("kreis_a_admin")).status_code == 204


def test_it_keeps_another_kreis_away_from_the_tokens(client, personas) -> None:  # noqa: ANN001
    gemeinde = personas.orgs["gemeinde_a1"].id
    token_id = _create(client, personas).json()["id"]
    b = personas.auth("kreis_b_admin")
    assert _create(client, personas, "kreis_b_admin", org_id=gemeinde).status_code == 404
    assert client.get(f"/api/v1/tokens/service?org_id={gemeinde}", headers=b).status_code == 404
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=b).status_code == 404
    # A Gemeinde admin cannot reach up to its Kreis either.
    assert _create(client, personas, org_id=personas.orgs["kreis_a"].id).status_code == 404


def test_it_lets_cert_admins_see_and_revoke_but_not_create_a_gemeinde_token(client, personas) -> None:  # noqa: ANN001
    gemeinde = personas.orgs["gemeinde_a1"].id
    token_id = _create(client, personas).json()["id"]
    cert = personas.auth("land_cert_admin")
    assert _create(client, personas, "land_cert_admin", org_id=gemeinde).status_code == 403
    assert [t["id"] for t in client.get(f"/api/v1/tokens/service?org_id={gemeinde}", headers=cert).json()] == [token_id]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=cert).status_code == 204


def test_it_asks_before_revoking_on_the_page(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    page = client.get("/tokens")
    created = client.post("/tokens/service", data={"csrf_token": csrf_from(page.text), "name": "DNS-Server",
                                                   "scope": "feed", "days": "30"})
    assert created.status_code == 200 and "nur Feeds und Scan-Liste" in created.text
    token = db.scalar(select(ApiToken).where(ApiToken.name == "DNS-Server"))
    assert token.scope == "feed"
    listing = client.get("/tokens")
    assert f'href="/tokens/{token.id}/revoke"' in listing.text
    assert f'action="/tokens/{token.id}/revoke"' not in listing.text  # no one-click revoke
    confirm = client.get(f"/tokens/{token.id}/revoke")
    assert confirm.status_code == 200 and "Token widerrufen?" in confirm.text and "DNS-Server" in confirm.text
    assert token.revoked_at is None  # asking changes nothing
    done = client.post(f"/tokens/{token.id}/revoke", data={"csrf_token": csrf_from(confirm.text)},
                       follow_redirects=False)
    assert done.status_code == 303
    db.refresh(token)
    assert token.revoked_at is not None


def test_it_lets_a_kreis_admin_pick_a_gemeinde_on_the_token_page(client, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    gemeinde = personas.orgs["gemeinde_a1"].id
    page = client.get(f"/tokens?org_id={gemeinde}")
    assert page.status_code == 200 and "Organisations-Tokens für Geräte</h2>" not in page.text
    assert ": Gemeinde A1</h2>" in page.text and f'name="org_id" value="{gemeinde}"' in page.text


def test_it_hides_another_kreis_token_pages(client, personas, login) -> None:  # noqa: ANN001
    token_id = _create(client, personas).json()["id"]
    login("kreis_b_admin")
    assert client.get(f"/tokens?org_id={personas.orgs['gemeinde_a1'].id}").status_code == 404
    assert client.get(f"/tokens/{token_id}/revoke").status_code == 404
