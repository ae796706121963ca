"""/api/v1/subscriptions: who may read and write, the other Kreis sees nothing (404), the secret never
comes back, a pull from the API."""

from __future__ import annotations

import pytest

from kommcert.accounts.models import Role, TokenScope, User
from tests.personas import password_hash


@pytest.fixture
def analysts(personas):  # noqa: ANN001, ANN201
    """An analyst in each Kreis."""
    for name, org in (("kreis_a_analyst", "kreis_a"), ("kreis_b_analyst", "kreis_b")):
        user = User(org=personas.orgs[org], email=f"{name}@example.test", name=name, role=Role.analyst,
                    password_hash=password_hash())
        personas.db.add(user)
        personas.users[name] = user
    personas.db.flush()
    return personas


def _add(client, personas, source, who="kreis_a_analyst", **kw):  # noqa: ANN001, ANN003, ANN202
    body = {"name": "Blockliste", "kind": "text", "url": f"{source.url}/list.txt", "secret": "hunter2-secret",
            "username": "abo", "tags": ["abo"], **kw}
    return client.post("/api/v1/subscriptions", json=body, headers=personas.auth(who))


def test_an_analyst_adds_reads_changes_pulls_and_removes_one(client, analysts, source) -> None:  # noqa: ANN001
    source.put("/list.txt", "203.0.113.50\n")
    created = _add(client, analysts, source)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["has_secret"] is True and "hunter2-secret" not in created.text and body["health"] == "new"
    sid = body["id"]
    headers = analysts.auth("kreis_a_analyst")
    listed = client.get("/api/v1/subscriptions", headers=headers)
    assert [s["id"] for s in listed.json()] == [sid] and "hunter2-secret" not in listed.text
    pulled = client.post(f"/api/v1/subscriptions/{sid}/pull", headers=headers)
    assert pulled.status_code == 200 and pulled.json()["ok"] and pulled.json()["imported"] == 1
    # Basic auth went to the source, with the secret.
    assert source.requests[-1][1]["authorization"].startswith("Basic ")
    changed = client.patch(f"/api/v1/subscriptions/{sid}", json={"interval_minutes": 15, "tags": ["x"]},
                           headers=headers)
    assert changed.status_code == 200 and changed.json()["interval_minutes"] == 15
    assert changed.json()["has_secret"] is True
    cleared = client.patch(f"/api/v1/subscriptions/{sid}", json={"clear_secret": True}, headers=headers)
    assert cleared.json()["has_secret"] is False
    one = client.get(f"/api/v1/subscriptions/{sid}", headers=headers).json()
    assert one["health"] == "ok" and one["total_imported"] == 1
    assert client.delete(f"/api/v1/subscriptions/{sid}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/subscriptions/{sid}", headers=headers).status_code == 404


def test_the_other_kreis_cannot_see_pull_change_or_remove_it(client, analysts, source) -> None:  # noqa: ANN001
    sid = _add(client, analysts, source).json()["id"]
    for who in ("kreis_b_analyst", "land_cert_analyst", "gemeinde_a1_admin"):
        headers = analysts.auth(who)
        assert client.get(f"/api/v1/subscriptions/{sid}", headers=headers).status_code == 404
        assert client.post(f"/api/v1/subscriptions/{sid}/pull", headers=headers).status_code == 404
        assert client.patch(f"/api/v1/subscriptions/{sid}", json={"name": "x"}, headers=headers).status_code == 404
        assert client.delete(f"/api/v1/subscriptions/{sid}", headers=headers).status_code == 404
        assert client.get("/api/v1/subscriptions", headers=headers).json() == []


def test_members_and_read_tokens_read_but_do_not_write(client, analysts, source) -> None:  # noqa: ANN001
    member = User(org=analysts.orgs["kreis_a"], email="kreis_a_member@example.test", name="m", role=Role.member,
                  password_hash=password_hash())
    analysts.db.add(member)
    analysts.users["kreis_a_member"] = member
    analysts.db.flush()
    sid = _add(client, analysts, source).json()["id"]
    headers = analysts.auth("kreis_a_member")
    assert client.get(f"/api/v1/subscriptions/{sid}", headers=headers).status_code == 200
    assert client.post(f"/api/v1/subscriptions/{sid}/pull", headers=headers).status_code == 403
    assert client.delete(f"/api/v1/subscriptions/{sid}", headers=headers).status_code == 403
    assert _add(client, analysts, source, who="kreis_a_member").status_code == 403
    reader = analysts.auth("kreis_a_analyst", TokenScope.read)
    assert client.get(f"/api/v1/subscriptions/{sid}", headers=reader).status_code == 200
    assert client.post(f"/api/v1/subscriptions/{sid}/pull", headers=reader).status_code == 403
    assert client.get("/api/v1/subscriptions").status_code == 401


def test_an_address_off_the_allow_list_is_refused_in_both_languages(client, analysts) -> None:  # noqa: ANN001
    refused = client.post("/api/v1/subscriptions", json={"name": "x", "kind": "csv",
                                                         "url": "https://intel.example.net/list.csv"},
                          headers=analysts.auth("kreis_a_analyst"))
    assert refused.status_code == 422
    assert "KOMMCERT_OUTBOUND_HOSTS" in refused.json()["de"] and "not allowed" in refused.json()["en"]
