"""The help section on the case page, its forms, /help and the provider's start page: per role, another
Kreis and an unassigned provider get 404, bad input shows the German message and writes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from kommcert.db import utcnow
from kommcert.files import Upload
from kommcert.helprequests.models import HelpRequest, HelpState
from kommcert.incidents import service as incidents_service
from kommcert.incidents.models import IncidentEvent
from tests.helprequests.conftest import ON_CALL, Chain
from tests.personas import csrf_from

FORM = {"skills": ["incident_lead", "recovery"], "urgency": "critical", "mode": "on_site", "estimate": "12,5",
        "description": "Bitte schnell", "cost_accepted": "1"}


def _counts(db) -> tuple[int, int]:  # noqa: ANN001
    return db.scalar(select(func.count(HelpRequest.id))), db.scalar(select(func.count(IncidentEvent.id)))


def _post(client, url: str, data: dict, page: str):  # noqa: ANN001, ANN202
    return client.post(url, data={**data, "csrf_token": csrf_from(client.get(page).text)}, follow_redirects=False)


def test_municipality_requests_on_the_case_page(client, chain: Chain, login) -> None:  # noqa: ANN001
    page_url = f"/incidents/{chain.incident.id}"
    login("gemeinde_a1_admin")
    page = client.get(page_url)
    assert page.status_code == 200
    assert 'id="hilfe"' in page.text
    assert "Ich erkläre für Gemeinde A1 die Kostenübernahme nach dem Rahmenvertrag." in page.text
    assert "Geschätzter Aufwand (Stunden)" in page.text
    response = _post(client, f"{page_url}/help", FORM, page_url)
    assert response.status_code == 303 and response.headers["location"].endswith("#hilfe")
    hr = chain.p.db.scalar(select(HelpRequest))
    assert hr.estimate == Decimal("12.50") and hr.skills == ["incident_lead", "recovery"]
    assert "Angefordert" in client.get(page_url).text


def test_bad_form_input_shows_the_german_message(client, chain: Chain, login) -> None:  # noqa: ANN001
    page_url = f"/incidents/{chain.incident.id}"
    before = _counts(chain.p.db)
    login("gemeinde_a1_admin")
    response = _post(client, f"{page_url}/help", {**FORM, "cost_accepted": ""}, page_url)
    assert response.status_code == 422 and "Ohne Erklärung der Kostenübernahme" in response.text
    response = _post(client, f"{page_url}/help", {**FORM, "skills": []}, page_url)
    assert response.status_code == 422 and "mindestens eine benötigte Fähigkeit" in response.text
    response = _post(client, f"{page_url}/help", {**FORM, "estimate": "viel"}, page_url)
    assert response.status_code == 422
    assert _counts(chain.p.db) == before


def test_cert_approves_and_assigns_provider_accepts_and_arrives(client, chain: Chain, login) -> None:  # noqa: ANN001
    hr = chain.request()
    page_url = f"/incidents/{chain.incident.id}"
    base = f"{page_url}/help/{hr.id}"
    login("land_cert_analyst")
    page = client.get(page_url).text
    assert "Genehmigen" in page and "Im Kontingent frei" in page and "100,00 Stunden" in page
    assert _post(client, f"{base}/approve", {}, page_url).status_code == 303
    page = client.get(page_url).text
    assert "Dienstleister X" in page and "MIRT Testland" in page  # the assign choices
    assert _post(client, f"{base}/assign", {"assignee_org_id": str(chain.p.orgs["provider_x"].id)},
                 page_url).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    login("provider_x")
    page = client.get(page_url)
    assert page.status_code == 200
    assert "Auftrag annehmen" in page.text and "Herr Leitung" in page.text and "Incident Lead" in page.text
    assert "Im Kontingent frei" not in page.text and "Stunden" not in page.text
    arrival = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = _post(client, f"{base}/accept", {"team-0-person": str(chain.person.id), "team-0-role": "Incident Lead",
                                                "team-1-name": "Frau F", "team-1-role": "Forensiker",
                                                "planned_arrival_at": arrival}, page_url)
    assert response.status_code == 303, response.text
    assert "Helfer eingetroffen" in client.get(page_url).text
    assert _post(client, f"{base}/deploy", {}, page_url).status_code == 303
    chain.p.db.refresh(hr)
    assert hr.state == HelpState.deployed
    home = client.get("/").text
    assert "Hilfeersuchen" in home and chain.incident.title in home
    assert chain.incident.title in client.get("/help").text


def test_others_get_404(client, chain: Chain, login) -> None:  # noqa: ANN001
    hr = chain.to_assigned("mirt")
    page_url = f"/incidents/{chain.incident.id}"
    attachment = incidents_service.add_attachments(
        chain.p.db, actor=chain.actor("gemeinde_a1_member"), incident_id=chain.incident.id,
        uploads=[Upload("note.txt", "text/plain", b"Ihre Dateien")], max_bytes=4096)[0]
    before = _counts(chain.p.db)
    for who in ("gemeinde_b1_member", "provider_x"):
        login(who)
        assert client.get(page_url).status_code == 404
        assert client.get(f"{page_url}/report.pdf").status_code == 404
        assert client.get(f"{page_url}/attachments/{attachment.id}").status_code == 404
        assert chain.incident.title not in client.get("/help").text
        assert chain.incident.title not in client.get("/incidents").text
        token = csrf_from(client.get("/").text)
        for action in ("approve", "accept", "deploy", "withdraw", "return"):
            response = client.post(f"{page_url}/help/{hr.id}/{action}", data={"csrf_token": token},
                                   follow_redirects=False)
            assert response.status_code == 404, (who, action)
        assert client.post(f"{page_url}/help", data={**FORM, "csrf_token": token},
                           follow_redirects=False).status_code == 404
        client.post("/logout", data={"csrf_token": token})
    assert _counts(chain.p.db) == before


def test_help_list_per_role(client, chain: Chain, login) -> None:  # noqa: ANN001
    chain.to_assigned("provider_x")
    login("land_cert_analyst")
    listing = client.get("/help")
    assert listing.status_code == 200 and chain.incident.title in listing.text and "Beauftragt" in listing.text
    assert 'href="/help"' in client.get("/").text
    assert ON_CALL not in listing.text


def test_a_member_without_the_right_sees_no_request_form(client, chain: Chain, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get(f"/incidents/{chain.incident.id}").text
    assert 'id="hilfe-anfordern"' not in page and "darf Kosten übernehmen" in page
