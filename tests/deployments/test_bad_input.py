"""Each refusal is a clear German line, a 4xx, and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from kommcert.db import utcnow
from kommcert.deployments import service
from kommcert.deployments.models import DeploymentMember, DeploymentState, StatusReport, TimeEntry
from kommcert.deployments.schemas import MemberIn
from tests.deployments.conftest import LEAD, World, make_world


def _day(days_ago: int) -> str:
    return (service.today() - timedelta(days=days_ago)).isoformat()


def _entries(world: World) -> int:
    return world.db.scalar(select(func.count(TimeEntry.id))) or 0


def post_entry(client, world: World, **body):  # noqa: ANN001, ANN003, ANN201
    lead = world.deployment.members[0].id
    data = {"member_id": lead, "day": _day(1), "role": LEAD, "hours": "8", **body}
    return client.post(f"/api/v1/deployments/{world.deployment.id}/time-entries", json=data,
                       headers=world.personas.auth("provider_x"))


BAD_ENTRIES = [
    ({"hours": "0"}, "Stunden: mehr als 0 und höchstens 24."),
    ({"hours": "-2"}, "Stunden: mehr als 0 und höchstens 24."),
    ({"hours": "24.25"}, "Stunden: mehr als 0 und höchstens 24."),
    ({"hours": "7.3"}, "Stunden bitte in Viertelstunden angeben (z. B. 7,75)."),
    ({"day": _day(-1)}, "Der Tag liegt in der Zukunft."),
    ({"day": _day(5)}, "Der Tag liegt vor dem Einsatz."),  # created 3 days ago: 4 days back is the earliest
    ({"role": "Praktikant"}, "Die Rolle „Praktikant“ steht am"),
]


@pytest.mark.parametrize(("body", "message"), BAD_ENTRIES)
def test_a_bad_time_entry_is_refused(client, staffed: World, body: dict, message: str) -> None:  # noqa: ANN001
    response = post_entry(client, staffed, **body)
    assert response.status_code == 422, response.text
    assert response.json()["de"].startswith(message)
    assert _entries(staffed) == 0


def test_the_earliest_day_is_one_before_the_deployment(client, staffed: World) -> None:  # noqa: ANN001
    assert post_entry(client, staffed, day=_day(4)).status_code == 201


def test_more_than_24_hours_a_day_for_one_person_are_refused(client, staffed: World) -> None:  # noqa: ANN001
    assert post_entry(client, staffed, hours="16").status_code == 201
    response = post_entry(client, staffed, hours="8.25")
    assert response.status_code == 422
    assert response.json()["de"].startswith("An diesem Tag sind schon 16.00 Stunden erfasst")
    assert post_entry(client, staffed, hours="8").status_code == 201  # exactly 24
    assert _entries(staffed) == 2


def test_nothing_is_recorded_on_a_closed_deployment(client, staffed: World) -> None:  # noqa: ANN001
    staffed.deployment.state = DeploymentState.closed
    staffed.db.flush()
    response = post_entry(client, staffed)
    assert response.status_code == 409
    assert response.json()["de"] == "Der Einsatz ist abgeschlossen; es kann nichts mehr geändert werden."
    assert _entries(staffed) == 0


def test_a_dispute_needs_a_reason_and_confirmed_is_final(client, staffed: World) -> None:  # noqa: ANN001
    eid = post_entry(client, staffed).json()["id"]
    base, town = f"/api/v1/deployments/{staffed.deployment.id}/time-entries/{eid}", staffed.personas.auth(
        "gemeinde_a1_member")
    assert client.post(f"{base}/dispute", json={"reason": "  "}, headers=town).status_code == 422
    assert client.post(f"{base}/confirm", headers=town).status_code == 200
    for response in (client.post(f"{base}/dispute", json={"reason": "doch nicht"}, headers=town),
                     client.post(f"{base}/confirm", headers=town),
                     client.patch(base, json={"hours": "2"}, headers=staffed.personas.auth("provider_x"))):
        assert response.status_code == 409
        assert response.json()["de"] == "Bestätigte Einträge sind endgültig."
    entry = staffed.db.get(TimeEntry, eid)
    assert (entry.state, entry.dispute_reason, str(entry.hours)) == ("confirmed", "", "8.00")


def test_a_status_report_for_tomorrow_is_refused(client, staffed: World) -> None:  # noqa: ANN001
    response = client.post(f"/api/v1/deployments/{staffed.deployment.id}/status-reports",
                           json={"day": _day(-1), "conditions": "x", "actions": "y"},
                           headers=staffed.personas.auth("provider_x"))
    assert response.status_code == 422 and response.json()["de"] == "Der Tag des Lageberichts liegt in der Zukunft."
    assert staffed.db.scalar(select(func.count(StatusReport.id))) == 0


def test_a_member_needs_a_role_of_the_rate_card_and_a_person_of_the_provider(client, world: World) -> None:  # noqa: ANN001
    base, auth = f"/api/v1/deployments/{world.deployment.id}/members", world.personas.auth("provider_x")
    assert client.post(base, json={"name": "Max", "role": "Hausmeister"}, headers=auth).status_code == 422
    assert client.post(base, json={"role": LEAD}, headers=auth).json()["de"].startswith("Bitte eine Person")
    assert client.post(base, json={"person_id": 999999, "role": LEAD}, headers=auth).status_code == 422
    assert world.db.scalar(select(func.count(DeploymentMember.id))) == 0


def test_the_mirt_without_contract_takes_any_role_and_bills_nothing(personas) -> None:  # noqa: ANN001
    world = make_world(personas, contract=False)
    member = service.add_member(world.db, actor=world.actor("provider_x"), deployment_id=world.deployment.id,
                                member_in=MemberIn(name="Max", role="Teamleitung MIRT"))
    assert member.role == "Teamleitung MIRT"


def test_signing_needs_every_item_done_and_the_team_gone(client, staffed: World) -> None:  # noqa: ANN001
    base, p = f"/api/v1/deployments/{staffed.deployment.id}", staffed.personas
    early = client.post(f"{base}/signoff", headers=p.auth("land_cert_analyst"))
    assert early.status_code == 409 and early.json()["de"].startswith("Gezeichnet wird die Übergabe")
    client.post(f"{base}/depart", headers=p.auth("provider_x"))
    response = client.post(f"{base}/signoff", headers=p.auth("land_cert_analyst"))
    assert response.status_code == 409 and response.json()["de"].startswith("Noch 7 Punkt(e) der Checkliste offen")
    item = client.get(base, headers=p.auth("provider_x")).json()["handover_items"][0]["id"]
    nameless = client.patch(f"{base}/handover-items/{item}", json={"done": True}, headers=p.auth("provider_x"))
    assert nameless.status_code == 422 and nameless.json()["de"] == "Bitte angeben, wer den Punkt bestätigt."
    assert client.post(f"{base}/depart", headers=p.auth("provider_x")).status_code == 409


def test_the_day_is_the_municipalitys_local_day(client, staffed: World, monkeypatch) -> None:  # noqa: ANN001
    """At 23:30 UTC it is already tomorrow in Berlin: that day is not in the future, the one after is."""
    import time_machine

    monkeypatch.setenv("KOMMCERT_TIMEZONE", "Europe/Berlin")
    late = datetime.combine(utcnow().date(), time(23, 30), tzinfo=UTC)
    with time_machine.travel(late, tick=False):
        berlin_today = late.date() + timedelta(days=1)
        assert service.today() == berlin_today
        assert post_entry(client, staffed, day=berlin_today.isoformat()).status_code == 201
        assert post_entry(client, staffed, day=(berlin_today + timedelta(days=1)).isoformat()).status_code == 422
