from __future__ import annotations

from sqlalchemy import select

from kommcert.accounts.models import TokenScope
from kommcert.reports.models import Report
from kommcert.sharing import service as sharing_service
from kommcert.sharing.tlp import TLP
from tests.personas import csrf_from


def test_it_creates_a_report_through_the_api(client, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/reports", headers=personas.auth("kreis_a_admin"), json={
        "title": "Warnung", "tlp": "amber", "audience_orgs": [personas.orgs["kreis_a"].id]})
    assert response.status_code == 201
    body = response.json()
    assert body["owner_org_id"] == personas.orgs["kreis_a"].id and body["tlp"] == "amber"


def test_it_refuses_an_unknown_org_in_the_audience(client, db, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/reports", headers=personas.auth("kreis_a_admin"), json={
        "title": "Warnung", "tlp": "amber", "audience_orgs": [987654]})
    assert response.status_code == 422 and response.json()["en"] == "Unknown organisation in the audience."
    assert db.scalars(select(Report)).all() == []


def test_it_refuses_reports_from_anonymous_and_read_only_callers(client, personas) -> None:  # noqa: ANN001
    assert client.post("/api/v1/reports", json={"title": "x"}).status_code in (401, 403)
    read_only = personas.auth("kreis_a_admin", TokenScope.read)
    assert client.post("/api/v1/reports", json={"title": "x"}, headers=read_only).status_code == 403


def test_it_pages_the_report_list(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_analyst")
    for n in range(5):
        client.post("/api/v1/reports", headers=headers, json={"title": f"R{n}", "tlp": "green"})
    first = client.get("/api/v1/reports?limit=3", headers=headers).json()
    rest = client.get(f"/api/v1/reports?limit=3&before_id={first['next_before_id']}", headers=headers).json()
    assert [r["title"] for r in first["items"] + rest["items"]] == ["R4", "R3", "R2", "R1", "R0"]


def test_it_lists_only_clear_reports_to_anonymous_callers(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_analyst")
    client.post("/api/v1/reports", headers=headers, json={"title": "öffentlich", "tlp": "clear"})
    client.post("/api/v1/reports", headers=headers, json={"title": "intern", "tlp": "green"})
    assert [r["title"] for r in client.get("/api/v1/reports").json()["items"]] == ["öffentlich"]


def test_it_creates_a_report_with_the_form(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get("/reports/new")
    assert page.status_code == 200 and "Kreis A" in page.text
    response = client.post("/reports", data={
        "csrf_token": csrf_from(page.text), "title": "<script>alert(1)</script>Angriff", "summary": "Details",
        "tlp": "amber", "orgs": [str(personas.orgs["kreis_a"].id)], "more_keys": "kreis_b", "strict": "on",
        "users": "gemeinde_a1_member@example.test"}, follow_redirects=False)
    assert response.status_code == 303
    report = db.scalar(select(Report))
    assert report.tlp == TLP.amber
    audience = sharing_service.get_audience(db, report)
    assert sorted(audience.orgs_without_subtree) == sorted([personas.orgs["kreis_a"].id, personas.orgs["kreis_b"].id])
    detail = client.get(response.headers["location"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Angriff" in detail.text and "<script>alert" not in detail.text
    assert "gemeinde_a1_member" in detail.text  # the owner sees the named people


def test_it_keeps_the_named_people_from_other_readers(client, db, personas, login) -> None:  # noqa: ANN001
    client.post("/api/v1/reports", headers=personas.auth("kreis_a_admin"), json={
        "title": "Für B", "tlp": "amber", "audience_orgs": [personas.orgs["kreis_b"].id],
        "audience_users": [personas.users["gemeinde_b1_member"].id]})
    report = db.scalar(select(Report))
    login("kreis_b_admin")
    detail = client.get(f"/reports/{report.id}")
    assert "Kreis B" in detail.text and "gemeinde_b1_member" not in detail.text


def test_it_shows_form_errors_in_german(client, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get("/reports/new")
    response = client.post("/reports", data={"csrf_token": csrf_from(page.text), "title": "x", "tlp": "amber",
                                             "more_keys": "gibtesnicht"})
    assert response.status_code == 422 and "Unbekannte Organisation(en): gibtesnicht" in response.text
    empty = client.post("/reports", data={"csrf_token": csrf_from(page.text), "title": "", "tlp": "amber"})
    assert empty.status_code == 422 and "Bitte Titel" in empty.text
