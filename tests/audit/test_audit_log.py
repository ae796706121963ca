from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from kommcert.accounts.models import TokenScope
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.audit.models import AuditEntry


@pytest.fixture
def entries(db, personas) -> dict[str, AuditEntry]:  # noqa: ANN001
    made = {
        "a": audit_service.record(db, AuditEvent("login", org_id=personas.orgs["kreis_a"].id, subject="a@x")),
        "b": audit_service.record(db, AuditEvent("login", org_id=personas.orgs["kreis_b"].id, subject="b@x")),
    }
    return made


def test_it_refuses_to_change_or_delete_entries(db, entries) -> None:  # noqa: ANN001
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(update(AuditEntry).where(AuditEntry.id == entries["a"].id).values(action="tampered"))
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(delete(AuditEntry).where(AuditEntry.id == entries["a"].id))
    assert db.execute(text("SELECT action FROM audit_log WHERE id = :i"), {"i": entries["a"].id}).scalar() == "login"


def test_it_shows_cert_admins_every_org(client, personas, entries) -> None:  # noqa: ANN001
    items = client.get("/api/v1/audit?action=login", headers=personas.auth("land_cert_admin")).json()["items"]
    assert {entries["a"].id, entries["b"].id} <= {i["id"] for i in items}


def test_it_shows_an_org_admin_only_the_own_org(client, personas, entries) -> None:  # noqa: ANN001
    items = client.get("/api/v1/audit", headers=personas.auth("kreis_a_admin")).json()["items"]
    ids = {i["id"] for i in items}
    assert entries["a"].id in ids and entries["b"].id not in ids
    asked = client.get(f"/api/v1/audit?org_id={personas.orgs['kreis_b'].id}",
                       headers=personas.auth("kreis_a_admin")).json()["items"]
    assert asked == []


@pytest.mark.parametrize("persona", ["gemeinde_a1_member", "provider_x"])
def test_it_refuses_non_admins(client, personas, entries, persona) -> None:  # noqa: ANN001
    assert client.get("/api/v1/audit", headers=personas.auth(persona)).status_code == 403


def test_it_refuses_anonymous_callers(client, entries) -> None:  # noqa: ANN001
    assert client.get("/api/v1/audit").status_code == 401


def test_it_lets_admins_read_with_a_read_only_token(client, personas, entries) -> None:  # noqa: ANN001
    assert client.get("/api/v1/audit", headers=personas.auth("kreis_a_admin", TokenScope.read)).status_code == 200


def test_it_pages_backwards(client, db, personas) -> None:  # noqa: ANN001
    for n in range(5):
        audit_service.record(db, AuditEvent("shared", org_id=personas.orgs["kreis_a"].id, detail={"n": n}))
    headers = personas.auth("kreis_a_admin")
    first = client.get("/api/v1/audit?action=shared&limit=3", headers=headers).json()
    second = client.get(f"/api/v1/audit?action=shared&limit=3&before_id={first['next_before_id']}",
                        headers=headers).json()
    assert [i["detail"]["n"] for i in first["items"] + second["items"]] == [4, 3, 2, 1, 0]


def test_it_shows_the_page_and_exports_csv(client, db, personas, login, entries) -> None:  # noqa: ANN001
    audit_service.record(db, AuditEvent("login_failed", org_id=personas.orgs["kreis_a"].id,
                                        subject="=HYPERLINK(\"evil\")"))
    login("kreis_a_admin")
    page = client.get("/audit")
    assert page.status_code == 200 and "Anmeldung" in page.text and "Kreis A" in page.text
    assert "b@x" not in page.text
    csv_text = client.get("/audit.csv").text
    assert "a@x" in csv_text and "b@x" not in csv_text
    assert "'=HYPERLINK" in csv_text  # no formula injection into spreadsheets
    exports = client.get("/api/v1/audit?action=exported", headers=personas.auth("kreis_a_admin")).json()
    assert exports["items"][0]["detail"]["format"] == "csv"


def test_it_hides_the_page_from_members(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    assert client.get("/audit", headers={"accept": "text/html"}).status_code == 403
