"""Owners edit, re-mark and withdraw their reports, on the page and through the API."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.accounts.models import TokenScope
from kommcert.audit.models import AuditEntry
from kommcert.reports.models import Report
from kommcert.sharing import service as sharing_service
from tests.personas import csrf_from


def _create(client, personas, who: str = "kreis_a_admin", **body) -> dict:  # noqa: ANN001, ANN003
    return client.post("/api/v1/reports", headers=personas.auth(who),
                       json={"title": "Alt", "summary": "alt", "tlp": "green", **body}).json()


def test_it_edits_title_text_tlp_and_audience_through_the_api(client, db, personas) -> None:  # noqa: ANN001
    created = _create(client, personas)
    kreis_b = personas.orgs["kreis_b"].id
    response = client.patch(f"/api/v1/reports/{created['id']}", headers=personas.auth("kreis_a_admin"), json={
        "title": "Neu", "summary": "neuer Text", "tlp": "amber", "audience_orgs": [kreis_b]})
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["summary"], body["tlp"]) == ("Neu", "neuer Text", "amber")
    assert sharing_service.get_audience(db, db.get(Report, created["id"])).orgs == (kreis_b,)


def test_it_audits_an_audience_change_with_old_and_new(client, db, personas) -> None:  # noqa: ANN001
    created = _create(client, personas, tlp="amber", audience_orgs=[personas.orgs["kreis_b"].id])
    client.patch(f"/api/v1/reports/{created['id']}", headers=personas.auth("kreis_a_admin"),
                 json={"tlp": "amber+strict", "audience_orgs": []})
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "report_updated"))
    sharing = entry.detail["sharing"]
    assert sharing["old"]["tlp"] == "amber" and sharing["old"]["orgs"] == [personas.orgs["kreis_b"].id]
    assert sharing["new"]["tlp"] == "amber+strict" and sharing["new"]["orgs"] == []
    assert "Alt" not in str(entry.detail)  # texts only as "changed", never in the log


def test_it_leaves_out_fields_not_given(client, db, personas) -> None:  # noqa: ANN001
    created = _create(client, personas, tlp="amber", audience_orgs=[personas.orgs["kreis_b"].id])
    client.patch(f"/api/v1/reports/{created['id']}", headers=personas.auth("kreis_a_admin"), json={"title": "Neu"})
    report = db.get(Report, created["id"])
    assert report.tlp == "amber" and report.summary == "alt"
    assert sharing_service.get_audience(db, report).orgs == (personas.orgs["kreis_b"].id,)


def test_it_requires_rw_access_of_the_owner_organisation(client, personas) -> None:  # noqa: ANN001
    created = _create(client, personas)  # GREEN: everyone sees it, only Kreis A changes it
    url = f"/api/v1/reports/{created['id']}"
    assert client.patch(url, headers=personas.auth("kreis_b_admin"), json={"title": "x"}).status_code == 403
    assert client.patch(url, headers=personas.auth("kreis_a_admin", TokenScope.read),
                        json={"title": "x"}).status_code == 403
    assert client.patch(url, json={"title": "x"}).status_code in (401, 403)
    assert client.post(f"{url}/withdraw", headers=personas.auth("land_cert_analyst")).status_code == 403
    assert client.get(url, headers=personas.auth("kreis_b_admin")).json()["title"] == "Alt"


def test_it_hides_another_kreises_amber_report_from_editing(client, personas) -> None:  # noqa: ANN001
    created = _create(client, personas, tlp="amber")
    url = f"/api/v1/reports/{created['id']}"
    headers = personas.auth("gemeinde_b1_member")
    assert client.patch(url, headers=headers, json={"title": "x"}).status_code == 404
    assert client.post(f"{url}/withdraw", headers=headers).status_code == 404
    assert client.post(f"{url}/restore", headers=headers).status_code == 404


def test_a_cert_edits_its_own_report(client, personas) -> None:  # noqa: ANN001
    created = _create(client, personas, who="land_cert_analyst")
    response = client.patch(f"/api/v1/reports/{created['id']}", headers=personas.auth("land_cert_analyst"),
                            json={"tlp": "clear"})
    assert response.status_code == 200 and response.json()["tlp"] == "clear"


def test_it_audits_withdrawing_and_restoring(client, db, personas) -> None:  # noqa: ANN001
    created = _create(client, personas)
    headers = personas.auth("kreis_a_admin")
    client.post(f"/api/v1/reports/{created['id']}/withdraw", headers=headers)
    client.post(f"/api/v1/reports/{created['id']}/restore", headers=headers)
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "report")
                         .order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["report_withdrawn", "report_restored"]


def test_it_edits_a_report_with_the_form(client, db, personas, login) -> None:  # noqa: ANN001
    created = _create(client, personas, tlp="amber", audience_orgs=[personas.orgs["kreis_b"].id])
    login("kreis_a_admin")
    form = client.get(f"/reports/{created['id']}/edit")
    assert form.status_code == 200 and 'value="Alt"' in form.text
    assert f'<option value="{personas.orgs["kreis_b"].id}" selected' in form.text  # the audience, preselected
    response = client.post(f"/reports/{created['id']}/edit", data={
        "csrf_token": csrf_from(form.text), "title": "Neu", "summary": "neu", "tlp": "amber+strict",
        "orgs": [str(personas.orgs["kreis_a"].id)]}, follow_redirects=False)
    assert response.status_code == 303
    detail = client.get(response.headers["location"]).text
    assert "Neu" in detail and "TLP:AMBER+STRICT" in detail
    report = db.get(Report, created["id"])
    assert sharing_service.get_audience(db, report).orgs == (personas.orgs["kreis_a"].id,)


def test_the_edit_form_shows_errors_in_german(client, personas, login) -> None:  # noqa: ANN001
    created = _create(client, personas)
    login("kreis_a_admin")
    form = client.get(f"/reports/{created['id']}/edit")
    response = client.post(f"/reports/{created['id']}/edit", data={
        "csrf_token": csrf_from(form.text), "title": "Neu", "tlp": "amber", "more_keys": "gibtsnicht"})
    assert response.status_code == 422 and "Unbekannte Organisation" in response.text


def test_the_edit_pages_are_for_the_owner_only(client, personas, login) -> None:  # noqa: ANN001
    green = _create(client, personas)
    amber = _create(client, personas, tlp="amber")
    login("gemeinde_b1_member")
    assert client.get(f"/reports/{green['id']}/edit").status_code == 403
    assert client.get(f"/reports/{amber['id']}/edit").status_code == 404
    assert client.get(f"/reports/{amber['id']}/withdraw").status_code == 404
    page = client.get(f"/reports/{green['id']}")
    assert "Bearbeiten" not in page.text
    response = client.post(f"/reports/{green['id']}/withdraw", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 403


def test_it_withdraws_a_report_after_confirmation(client, db, personas, login) -> None:  # noqa: ANN001
    created = _create(client, personas)
    login("kreis_a_admin")
    confirm = client.get(f"/reports/{created['id']}/withdraw")
    assert confirm.status_code == 200 and "Ja, zurückziehen" in confirm.text
    assert db.get(Report, created["id"]).withdrawn_at is None  # asking changes nothing
    response = client.post(f"/reports/{created['id']}/withdraw", data={"csrf_token": csrf_from(confirm.text)},
                           follow_redirects=False)
    assert response.status_code == 303
    detail = client.get(f"/reports/{created['id']}").text
    assert "Zurückgezogen" in detail and "Wiederherstellen" in detail
    assert "(zurückgezogen)" in client.get("/reports").text
    client.post(f"/reports/{created['id']}/restore", data={"csrf_token": csrf_from(detail)})
    db.expire_all()
    assert db.get(Report, created["id"]).withdrawn_at is None
