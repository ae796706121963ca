"""Organisation service tokens: appliances see what the organisation sees, no person's view."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.accounts.models import ApiToken, TokenScope
from kommcert.reports.models import Report
from kommcert.sharing.tlp import TLP
from tests.personas import csrf_from


def _service(client, personas, admin: str = "gemeinde_a1_admin") -> dict[str, str]:  # noqa: ANN001
    response = client.post("/api/v1/tokens/service", json={"name": "Firewall Rathaus"}, headers=personas.auth(admin))
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _report(client, personas, author: str, **body: object) -> int:  # noqa: ANN001
    response = client.post("/api/v1/reports", json={"title": "Meldung", **body}, headers=personas.auth(author))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_it_lets_an_org_admin_create_a_read_only_token_of_the_org(client, db, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/tokens/service", json={"name": "SIEM"},
                           headers=personas.auth("gemeinde_a1_admin"))
    assert response.status_code == 201
    body = response.json()
    assert body["user_id"] is None and body["org_id"] == personas.orgs["gemeinde_a1"].id and body["scope"] == "read"
    stored = db.scalar(select(ApiToken).where(ApiToken.id == body["id"]))
    assert stored.created_by_id == personas.users["gemeinde_a1_admin"].id and body["token"] not in stored.token_hash


def test_it_refuses_service_tokens_to_members_and_read_tokens(client, personas) -> None:  # noqa: ANN001
    assert client.post("/api/v1/tokens/service", json={"name": "x"},
                       headers=personas.auth("gemeinde_a1_member")).status_code == 403
    assert client.post("/api/v1/tokens/service", json={"name": "x"},
                       headers=personas.auth("gemeinde_a1_admin", TokenScope.read)).status_code == 403


def test_it_gives_a_cert_admin_a_token_of_the_own_org_only(client, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/tokens/service", json={"name": "x"}, headers=personas.auth("land_cert_admin"))
    assert response.json()["org_id"] == personas.orgs["land_cert"].id


def test_it_sees_what_the_org_sees_but_nothing_addressed_to_a_person(client, db, personas) -> None:  # noqa: ANN001
    service = _service(client, personas)
    gemeinde, member = personas.orgs["gemeinde_a1"].id, personas.users["gemeinde_a1_member"].id
    amber_to_org = _report(client, personas, "kreis_a_admin", tlp="amber", audience_orgs=[gemeinde])
    strict_to_org = _report(client, personas, "kreis_a_admin", tlp="amber+strict", audience_orgs_strict=[gemeinde])
    strict_to_person = _report(client, personas, "kreis_a_admin", tlp="amber+strict", audience_users=[member])
    red_to_person = _report(client, personas, "kreis_a_admin", tlp="red", audience_users=[member])
    own_red = _report(client, personas, "gemeinde_a1_admin", tlp="red")
    orphan = Report(title="ohne Verfasser", tlp=TLP.red, owner_org_id=gemeinde, created_by_id=None)
    db.add(orphan)
    db.flush()
    for report_id in (amber_to_org, strict_to_org):
        assert client.get(f"/api/v1/reports/{report_id}", headers=service).status_code == 200
    for report_id in (strict_to_person, red_to_person, own_red, orphan.id):
        assert client.get(f"/api/v1/reports/{report_id}", headers=service).status_code == 404, report_id
    # The person's own token still sees what is addressed to the person.
    member_headers = personas.auth("gemeinde_a1_member")
    assert client.get(f"/api/v1/reports/{red_to_person}", headers=member_headers).status_code == 200
    listed = {r["id"] for r in client.get("/api/v1/reports", headers=service).json()["items"]}
    assert {amber_to_org, strict_to_org} <= listed
    assert not listed & {strict_to_person, red_to_person, own_red, orphan.id}


def test_it_keeps_another_kreis_out(client, personas) -> None:  # noqa: ANN001
    amber = _report(client, personas, "kreis_a_admin", tlp="amber", audience_orgs=[personas.orgs["kreis_a"].id])
    assert client.get(f"/api/v1/reports/{amber}", headers=_service(client, personas)).status_code == 200
    other = client.post("/api/v1/tokens/service", json={"name": "x"}, headers=personas.auth("kreis_b_admin")).json()
    headers = {"Authorization": f"Bearer {other['token']}"}
    assert client.get(f"/api/v1/reports/{amber}", headers=headers).status_code == 404
    # ... and another Kreis' admin cannot revoke it.
    assert client.delete(f"/api/v1/tokens/{other['id']}", headers=personas.auth("kreis_a_admin")).status_code == 404


def test_it_changes_nothing_and_is_no_person(client, personas) -> None:  # noqa: ANN001
    service = _service(client, personas)
    assert client.post("/api/v1/reports", json={"title": "x"}, headers=service).status_code == 403
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers=service).status_code == 403
    assert client.get("/api/v1/me", headers=service).status_code == 403
    assert client.get("/api/v1/tokens", headers=service).status_code == 403
    assert client.get("/api/v1/audit", headers=service).status_code == 403
    assert client.get("/account", headers=service, follow_redirects=False).status_code == 303


def test_it_serves_the_feeds_and_stops_when_revoked(client, db, personas) -> None:  # noqa: ANN001
    service = _service(client, personas)
    text = service["Authorization"].split()[1]
    assert client.get(f"/feeds/txt?token={text}").status_code == 200
    token = db.scalar(select(ApiToken).where(ApiToken.user_id.is_(None)))
    assert client.delete(f"/api/v1/tokens/{token.id}", headers=personas.auth("gemeinde_a1_admin")).status_code == 204
    assert client.get(f"/feeds/txt?token={text}").status_code == 401


def test_it_manages_service_tokens_on_the_page(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    page = client.get("/tokens")
    assert "Organisations-Tokens für Geräte" in page.text
    created = client.post("/tokens/service", data={"csrf_token": csrf_from(page.text), "name": "DNS", "days": "30"})
    assert created.status_code == 200 and "nur jetzt angezeigt" in created.text
    token = db.scalar(select(ApiToken).where(ApiToken.name == "DNS"))
    assert token.org_id == personas.orgs["gemeinde_a1"].id and token.user_id is None
    revoked = client.post(f"/tokens/{token.id}/revoke", data={"csrf_token": csrf_from(page.text)},
                          follow_redirects=False)
    assert revoked.status_code == 303 and revoked.headers["location"] == "/tokens"


def test_it_hides_the_service_tokens_from_members(client, personas, login) -> None:  # noqa: ANN001
    _service(client, personas)
    login("gemeinde_a1_member")
    page = client.get("/tokens")
    assert "Organisations-Tokens für Geräte" not in page.text
    assert client.post("/tokens/service", data={"csrf_token": csrf_from(page.text), "name": "x"}).status_code == 403
