"""The right to accept costs (``User.may_accept_costs``): kept by the organisation's own admins over the
users page and the API, audited; nobody else gives it."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.audit.models import AuditEntry
from tests.personas import Personas, csrf_from


def test_the_own_admin_gives_and_takes_the_right_over_the_api(client, personas: Personas) -> None:  # noqa: ANN001
    member = personas.users["gemeinde_a1_member"]
    url = f"/api/v1/users/{member.id}"
    response = client.patch(url, json={"may_accept_costs": True}, headers=personas.auth("gemeinde_a1_admin"))
    assert response.status_code == 200 and response.json()["may_accept_costs"] is True
    audited = personas.db.scalars(select(AuditEntry.detail).where(AuditEntry.object_type == "user",
                                                                  AuditEntry.object_id == str(member.id))).all()
    assert {"may_accept_costs": "True"} in audited
    # An admin above (Kreis A) manages the user but does not give this right; other Kreise do not see the user.
    response = client.patch(url, json={"may_accept_costs": False}, headers=personas.auth("kreis_a_admin"))
    assert response.status_code in (403, 404)
    assert client.patch(url, json={"may_accept_costs": False},
                        headers=personas.auth("kreis_b_admin")).status_code == 404
    assert client.patch(url, json={"may_accept_costs": False},
                        headers=personas.auth("gemeinde_a1_member")).status_code in (403, 404)
    personas.db.refresh(member)
    assert member.may_accept_costs is True


def test_the_users_page_toggle(client, personas: Personas, login) -> None:  # noqa: ANN001
    member = personas.users["gemeinde_a1_member"]
    login("gemeinde_a1_admin")
    page = client.get(f"/users?org_id={member.org_id}")
    assert "darf Kosten übernehmen" in page.text
    response = client.post(f"/users/{member.id}", data={"action": "costs_on", "csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303
    personas.db.refresh(member)
    assert member.may_accept_costs is True
    page = client.get(f"/users?org_id={member.org_id}")
    assert "Kostenübernahme entziehen" in page.text
    client.post(f"/users/{member.id}", data={"action": "costs_off", "csrf_token": csrf_from(page.text)})
    personas.db.refresh(member)
    assert member.may_accept_costs is False
