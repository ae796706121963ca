from __future__ import annotations

from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.tlp import TLP


def _report(personas, owner: str, tlp: TLP, **kw):  # noqa: ANN001, ANN202
    return reports_service.create_report(
        personas.db, actor=personas.actor(owner), report_in=ReportCreate(title="Phishing-Welle", tlp=tlp, **kw)
    )


def test_it_shows_amber_to_own_kreis_subtree(client, personas) -> None:  # noqa: ANN001
    report = _report(personas, "kreis_a_admin", TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id])
    response = client.get(f"/api/v1/reports/{report.id}", headers=personas.auth("gemeinde_a1_member"))
    assert response.status_code == 200
    assert response.json()["title"] == "Phishing-Welle"


def test_it_hides_amber_from_other_kreis(client, personas) -> None:  # noqa: ANN001
    report = _report(personas, "kreis_a_admin", TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id])
    response = client.get(f"/api/v1/reports/{report.id}", headers=personas.auth("gemeinde_b1_member"))
    assert response.status_code == 404
    listing = client.get("/api/v1/reports", headers=personas.auth("gemeinde_b1_member")).json()
    assert report.id not in [r["id"] for r in listing["items"]]


def test_it_requires_login_for_green(client, personas) -> None:  # noqa: ANN001
    report = _report(personas, "land_cert_analyst", TLP.green)
    assert client.get(f"/api/v1/reports/{report.id}").status_code == 404
    assert client.get(f"/api/v1/reports/{report.id}", headers=personas.auth("provider_x")).status_code == 200


def test_it_shows_the_page_to_a_logged_in_member(client, personas, login) -> None:  # noqa: ANN001
    report = _report(personas, "kreis_a_admin", TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id])
    login("gemeinde_a1_member")
    page = client.get(f"/reports/{report.id}")
    assert page.status_code == 200
    assert "Phishing-Welle" in page.text


def test_it_answers_404_page_for_other_kreis(client, personas, login) -> None:  # noqa: ANN001
    report = _report(personas, "kreis_a_admin", TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id])
    login("gemeinde_b1_member")
    page = client.get(f"/reports/{report.id}", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "Phishing-Welle" not in page.text
