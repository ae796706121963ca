"""Deployment pages: the board, the deployment page with its forms, the cost statement; 404 for outsiders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from kommcert.deployments import service
from kommcert.deployments.models import HandoverItem, TimeEntry
from kommcert.deployments.schemas import HandoverItemUpdate, TimeEntryIn
from tests.deployments.conftest import LEAD, World
from tests.personas import csrf_from


def _post(client, path: str, page_path: str, data: dict):  # noqa: ANN001, ANN201
    token = csrf_from(client.get(page_path).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_the_provider_records_hours_and_the_municipality_confirms_them(client, staffed: World, login) -> None:  # noqa: ANN001
    base = f"/deployments/{staffed.deployment.id}"
    lead = staffed.deployment.members[0].id
    login("provider_x")
    page = client.get(base)
    assert page.status_code == 200 and "Max Leiter" in page.text and 'id="entry-form"' in page.text
    day = (service.today() - timedelta(days=1)).isoformat()
    response = _post(client, f"{base}/time-entries", base, {"member_id": lead, "day": day, "role": LEAD,
                                                             "hours": "7,5", "travel": "ja"})
    assert response.status_code == 303, response.text
    refused = _post(client, f"{base}/time-entries", base, {"member_id": lead, "day": day, "role": LEAD,
                                                            "hours": "17"})
    assert refused.status_code == 422 and "mehr als 24 geht nicht" in refused.text
    report = _post(client, f"{base}/status-reports", base, {"day": day, "conditions": "DC verschlüsselt",
                                                             "actions": "Netz getrennt", "needs": ""})
    assert report.status_code == 303
    entry = staffed.db.scalar(select(TimeEntry))
    assert (entry.hours, entry.travel) == (Decimal("7.50"), True)
    client.cookies.clear()
    login("gemeinde_a1_member")
    page = client.get(base).text
    assert "Bestätigen" in page and 'id="entry-form"' not in page and "DC verschlüsselt" in page
    assert _post(client, f"{base}/time-entries/{entry.id}/confirm", base, {}).status_code == 303
    staffed.db.refresh(entry)
    assert entry.state == "confirmed"
    board = client.get("/deployments")
    assert board.status_code == 200 and f'href="/deployments/{staffed.deployment.id}"' in board.text
    assert "Einsätze" in board.text
    case = client.get(f"/incidents/{staffed.incident.id}").text
    assert f'href="/deployments/{staffed.deployment.id}"' in case


def test_outsiders_get_404_and_see_no_deployment(client, staffed: World, login) -> None:  # noqa: ANN001
    base = f"/deployments/{staffed.deployment.id}"
    for who in ("gemeinde_b1_member", "kreis_b_admin", "provider_y_member", "mirt_member"):
        client.cookies.clear()
        login(who)
        assert client.get(base).status_code == 404, who
        assert client.get(f"{base}/costs").status_code == 404, who
        assert client.get(f"{base}/costs.pdf").status_code == 404, who
        assert f'href="{base}"' not in client.get("/deployments").text, who
    token = csrf_from(client.get("/deployments").text)
    response = client.post(f"{base}/status-reports", data={"csrf_token": token, "day": service.today().isoformat(),
                                                            "conditions": "x", "actions": "y"})
    assert response.status_code == 404
    client.cookies.clear()
    assert client.get(base, follow_redirects=False).status_code == 303  # to the login page


def test_the_cost_statement_page_and_files(client, staffed: World, login) -> None:  # noqa: ANN001
    db, d = staffed.db, staffed.deployment
    provider, town, cert = (staffed.actor(n) for n in ("provider_x", "gemeinde_a1_admin", "land_cert_analyst"))
    entry = service.record_time(db, actor=provider, deployment_id=d.id, entry_in=TimeEntryIn(
        member_id=d.members[0].id, day=service.today() - timedelta(days=1), role=LEAD, hours=Decimal("10")))
    service.confirm_time(db, actor=town, deployment_id=d.id, entry_id=entry.id)
    service.depart(db, actor=provider, deployment_id=d.id)
    for item in db.scalars(select(HandoverItem)):
        service.update_handover_item(db, actor=cert, deployment_id=d.id, item_id=item.id,
                                     update=HandoverItemUpdate(done=True, confirmed_by="Herr IT"))
    service.sign_off(db, actor=town, deployment_id=d.id)
    login("land_cert_analyst")
    page = client.get(f"/deployments/{d.id}").text
    assert "Übergabe zeichnen" in page
    assert _post(client, f"/deployments/{d.id}/signoff", f"/deployments/{d.id}", {}).status_code == 303
    costs = client.get(f"/deployments/{d.id}/costs")
    assert costs.status_code == 200 and "1.500,00" in costs.text and "Gemeinde A1" in costs.text
    csv = client.get(f"/deployments/{d.id}/costs.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Einsatz;Kommune;Vorfall")
    assert lines[1].endswith(";Stunden;10,00;150,00;1500,00")
    english = client.get(f"/deployments/{d.id}/costs?lang=en")
    assert "1,500.00" in english.text
